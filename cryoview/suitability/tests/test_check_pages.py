"""The self-check as people read it: answers in words (never a verdict code), one disclaimer, only questions
that have answers, sensible starting answers, and a passing condition that says when to check again."""

from __future__ import annotations

import datetime as dt
import html as entities
import itertools
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from cryoview.procedures.models import Procedure
from cryoview.suitability.engine import DISCLAIMER, HEADLINES, Answers, Hemisphere, Setting, Verdict, assess
from cryoview.suitability.forms import SuitabilityForm
from cryoview.suitability.models import SavedCheck
from cryoview.suitability.selectors import rules_get

GUIDES = ["facial-cryomassage", "cryodestruction-of-benign-growths", "cryoelectrophoresis"]
SUMMER, WINTER = dt.date(2026, 7, 1), dt.date(2026, 1, 10)
CODES = re.compile(r"\b(no_go|see_doctor)\b|\((no_go|see_doctor|caution|go)\)")


def visible_text(html: str) -> str:
    """What a reader sees: no tags and no attribute values (data-code and class names are for programs)."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return entities.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def subsets(items):
    return itertools.chain.from_iterable(itertools.combinations(items, n) for n in range(len(items) + 1))


def answer_combinations(rules):
    """Every answer the page offers, crossed: no condition, each condition alone and all of them; every set of
    areas; both settings; every growth answer the guide asks; every goal; a summer and a winter date."""
    condition_slugs = list(dict.fromkeys(r.slug for r in (*rules.contraindications, *rules.cautions)))
    condition_sets = [(), *((slug,) for slug in condition_slugs), tuple(condition_slugs)]
    lesions = (True, False, None) if rules.asks_about_growths else (None,)
    goals = (None, *(limit.goal for limit in rules.limits))
    for conditions, areas, setting, lesion, goal, on in itertools.product(
        condition_sets,
        list(subsets(rules.areas)),
        list(Setting),
        lesions,
        goals,
        (dt.date(2026, 7, 1), dt.date(2026, 1, 10)),
    ):
        yield Answers(
            conditions=frozenset(conditions),
            areas=frozenset(areas),
            goal=goal,
            lesion_confirmed_benign=lesion,
            setting=setting,
            on=on,
            hemisphere=Hemisphere.NORTH,
        )


@pytest.mark.parametrize("slug", GUIDES)
def test_no_result_of_any_answer_combination_shows_an_internal_code(client, guides, slug):
    procedure, rules = rules_get(slug=slug)
    request = RequestFactory().post(f"/procedures/{slug}/check/")
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    form = SuitabilityForm(rules=rules)
    seen: set[Verdict] = set()
    count = 0
    for answers in answer_combinations(rules):
        assessment = assess(rules, answers, today=dt.date(2026, 1, 10))
        seen.add(assessment.verdict)
        context = {"procedure": procedure, "rules": rules, "form": form, "assessment": assessment}
        text = visible_text(render_to_string("suitability/check.html", context, request=request))
        assert HEADLINES[assessment.verdict] in text
        found = CODES.search(text)
        assert found is None, (answers, found and found.group(0))
        assert text.count(DISCLAIMER) == 1 and procedure.disclaimer not in text
        count += 1
    assert count >= 8 and Verdict.NO_GO in seen and len(seen) >= 2


def test_the_page_itself_shows_words_not_codes_and_one_disclaimer(client, guides):
    for conditions in (["herpes"], ["rosacea"], ["darker-skin"], []):
        response = client.post(
            "/procedures/facial-cryomassage/check/",
            {
                "conditions": conditions,
                "areas": ["face"],
                "setting": "clinic",
                "hemisphere": "north",
                "on": "2026-01-10",
            },
        )
        assert response.status_code == 200
        text = visible_text(response.content.decode())
        assert CODES.search(text) is None, conditions
        assert text.count("not a diagnosis") == 1, "one disclaimer, not two"


def test_the_apis_human_text_carries_no_code(client, guides):
    for slug in GUIDES:
        _, rules = rules_get(slug=slug)
        for condition in [None, *(r.slug for r in (*rules.contraindications, *rules.cautions))]:
            body = {"procedure": slug, "conditions": [condition] if condition else [], "setting": "home"}
            answer = client.post("/api/v1/suitability", body, content_type="application/json").json()
            assert answer["headline"] == HEADLINES[Verdict(answer["verdict"])]
            human = [answer["headline"], answer["summary"], answer["disclaimer"], answer["practitioner_label"]]
            human += [r["message"] for r in answer["reasons"]] + [r["source"] for r in answer["reasons"]]
            human += [p["message"] for p in answer["precautions"]]
            assert not [t for t in human if CODES.search(t)], (slug, condition)
            assert answer["disclaimer"] == DISCLAIMER


def test_saved_checks_show_the_answer_in_words(client, guides, member):
    client.force_login(member)
    client.post(
        "/procedures/facial-cryomassage/check/",
        {"conditions": ["herpes", "rosacea"], "setting": "clinic", "hemisphere": "north", "save": "1"},
    )
    (saved,) = SavedCheck.objects.filter(user=member)
    assert saved.verdict == "no_go" and saved.headline == HEADLINES[Verdict.NO_GO]
    profile = client.get("/account/")
    text = visible_text(profile.content.decode())
    assert HEADLINES[Verdict.NO_GO] in text and CODES.search(text) is None
    assert "Herpes simplex (cold sores)" in text and "Rosacea" in text  # names, not slugs


def questions(html: str) -> list[tuple[str, int]]:
    """(legend, number of inputs) of every question on the page."""
    found = []
    for fieldset in re.findall(r'<fieldset class="question">(.*?)</fieldset>', html, re.S):
        legend = re.search(r"<legend>(.*?)</legend>", fieldset, re.S)
        assert legend is not None, "every question has a legend"
        found.append((visible_text(legend.group(1)).strip(), len(re.findall(r"<input\b", fieldset))))
    return found


@pytest.mark.parametrize("slug", GUIDES)
def test_a_question_without_options_is_not_asked(client, guides, slug):
    asked = questions(client.get(f"/procedures/{slug}/check/").content.decode())
    assert asked and all(inputs >= 1 for _, inputs in asked), asked
    radios = re.findall(r'name="(\w+)" value=""', client.get(f"/procedures/{slug}/check/").content.decode())
    assert not radios or Procedure.objects.get(slug=slug).claims.filter(section="limit").exclude(goal="").exists()


def test_cryoelectrophoresis_asks_no_empty_condition_or_goal_question(client, guides):
    html = client.get("/procedures/cryoelectrophoresis/check/").content.decode()
    assert 'name="conditions"' not in html and 'name="goal"' not in html
    assert (
        client.post("/procedures/cryoelectrophoresis/check/", {"setting": "clinic", "hemisphere": "north"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("slug", "ticked"),
    [("facial-cryomassage", True), ("cryoelectrophoresis", True), ("cryodestruction-of-benign-growths", False)],
)
def test_a_face_procedures_check_starts_with_face_ticked(client, guides, slug, ticked):
    html = client.get(f"/procedures/{slug}/check/").content.decode()
    face = re.search(r'<input type="checkbox" name="areas" value="face"[^>]*>', html).group(0)
    assert ("checked" in face) is ticked


def test_the_date_field_says_what_it_does(client, guides):
    html = client.get("/procedures/facial-cryomassage/check/").content.decode()
    date_input = re.search(r'<input type="date"[^>]*>', html).group(0)
    assert 'aria-describedby="id_on_help"' in date_input
    label = visible_text(re.search(r'<label for="id_on">(.*?)</label>', html, re.S).group(1))
    assert "date" in label.lower() and "optional" in label.lower()
    hint = visible_text(re.search(r'<p class="help" id="id_on_help">(.*?)</p>', html, re.S).group(1))
    assert "season" in hint and "today" in hint


def test_a_passing_condition_says_when_to_check_again_with_the_guides_source(client, guides):
    response = client.post(
        "/procedures/facial-cryomassage/check/",
        {"conditions": ["herpes"], "setting": "clinic", "hemisphere": "north"},
    )
    html = response.content.decode()
    reason = re.search(r'data-code="contraindication:herpes">(.*?)</li>', html, re.S).group(1)
    text = visible_text(reason)
    assert "check again when the cold sores have healed" in text
    assert "Source: Cryomassage of the face: video reviews (an unsourced, translated beauty article)" in text
    epilepsy = client.post(
        "/procedures/facial-cryomassage/check/",
        {"conditions": ["epilepsy"], "setting": "clinic", "hemisphere": "north"},
    ).content.decode()
    assert "check again" not in visible_text(epilepsy)
