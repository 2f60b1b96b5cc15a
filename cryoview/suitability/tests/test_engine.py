"""Table tests of the pure engine: hand-built rules mirroring the guides, every rule and boundary."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest

from cryoview.suitability.engine import (
    DISCLAIMER,
    HEADLINES,
    LESION_NOT_CONFIRMED_BENIGN,
    Answers,
    ConditionRule,
    ConflictRule,
    Hemisphere,
    Kind,
    LimitRule,
    ProcedureRules,
    ReferralRule,
    RuleClaim,
    SafetyStep,
    Setting,
    SourceRef,
    Verdict,
    assess,
    season_of,
)

ARTICLE = (SourceRef("seed-article", "Cryomassage of the face: video reviews"),)
LEAFLET = (SourceRef("nhs", "NHS leaflet"),)


def claim(code: str, text: str = "", sources=ARTICLE) -> RuleClaim:
    return RuleClaim(code, text or f"text of {code}", sources)


CONTRA = ("herpes", "pustular-inflammation", "cold-allergy", "rosacea", "epilepsy", "frequent-migraines")
MASSAGE = ProcedureRules(
    slug="facial-cryomassage",
    name="Facial cryomassage",
    practitioner="cosmetologist",
    practitioner_label="A specially trained cosmetologist",
    home_use_allowed=False,
    practitioner_claim=claim("cosmetologist-only", "Only specially trained cosmetologists; never at home."),
    areas=("face", "eye-area", "lips"),
    contraindications=tuple(ConditionRule(s, s.replace("-", " "), claim(f"contraindication-{s}")) for s in CONTRA),
    cautions=(ConditionRule("darker-skin", "darker skin", claim("darker-skin", sources=LEAFLET)),),
    conflicts=(
        ConflictRule(
            "rosacea-conflict",
            "rosacea",
            "Rosacea?",
            "both",
            "Ask a dermatologist.",
            (
                claim("rosacea-longer-course", "longer courses remove rosacea"),
                claim("contraindication-rosacea", "not with rosacea"),
            ),
        ),
        ConflictRule(
            "no-special",
            None,
            "No contraindications?",
            "s",
            "a",
            (claim("article-no-special"), claim("contraindication-herpes")),
        ),
    ),
    avoid_seasons=("summer",),
    season_claim=claim("avoid-summer", "Hyperpigmentation in the sun."),
    safety_steps=(
        SafetyStep("eye-area", claim("applicator-brushed", "Applicator brushed free of residue.")),
        SafetyStep("eye-area", claim("eyes-closed", "Eyes closed.")),
        SafetyStep("eye-area", claim("lips-covered", "Lips covered with a tissue.")),
    ),
    limits=(LimitRule("deep-wrinkles", claim("deep-wrinkles", "Deep wrinkles will not go.")),),
    side_effects=(claim("blister", "A blister may appear."),),
    disclaimer="Not medical advice.",
)
REMOVAL = dataclasses.replace(
    MASSAGE,
    slug="cryodestruction",
    name="Cryodestruction",
    practitioner="dermatologist",
    practitioner_label="A dermatologist with higher medical education",
    areas=("face", "body"),
    conflicts=(),
    avoid_seasons=(),
    safety_steps=(),
    limits=(),
    contraindications=(ConditionRule("undiagnosed-lesion", "an undiagnosed growth", claim("undiagnosed")),),
    referrals=(
        ReferralRule(LESION_NOT_CONFIRMED_BENIGN, claim("oncologist-first", "See an oncologist."), "oncologist"),
    ),
)
WINTER = dt.date(2026, 1, 15)  # north


def run(rules=MASSAGE, **answers):
    answers.setdefault("on", WINTER)
    for key in ("conditions", "areas"):
        answers[key] = frozenset(answers.get(key, ()))
    return assess(rules, Answers(**answers), today=dt.date(2026, 11, 24))


def codes(result) -> list[str]:
    return [r.code for r in result.reasons]


@pytest.mark.parametrize("condition", [c for c in CONTRA if c != "rosacea"])
def test_each_contraindication_is_no_go_naming_it(condition):
    result = run(conditions={condition})
    assert result.verdict == Verdict.NO_GO
    reason = result.reasons[0]
    assert reason.kind == Kind.CONTRAINDICATION
    assert reason.code == f"contraindication:{condition}"
    assert condition.replace("-", " ") in reason.message
    assert reason.source == ARTICLE[0].title


def test_conflicting_condition_is_see_doctor_stating_both_sides():
    result = run(conditions={"rosacea"})
    assert result.verdict == Verdict.SEE_DOCTOR
    (reason,) = result.reasons
    assert reason.kind == Kind.CONFLICT
    assert "longer courses remove rosacea" in reason.message and "not with rosacea" in reason.message
    assert reason.claims == ("rosacea-longer-course", "contraindication-rosacea")
    assert "contraindication:rosacea" not in codes(result)


def test_a_conflict_without_a_condition_does_not_soften_a_contraindication():
    assert run(conditions={"herpes"}).verdict == Verdict.NO_GO


@pytest.mark.parametrize(
    ("confirmed", "verdict", "referrals"),
    [
        (None, Verdict.SEE_DOCTOR, ("oncologist",)),
        (False, Verdict.SEE_DOCTOR, ("oncologist",)),
        (True, Verdict.GO, ()),
    ],
)
def test_growth_not_confirmed_benign_is_referred_to_an_oncologist(confirmed, verdict, referrals):
    result = run(REMOVAL, lesion_confirmed_benign=confirmed)
    assert result.verdict == verdict
    assert result.referrals == referrals
    if referrals:
        assert result.reasons[0].kind == Kind.REFERRAL
        assert "oncologist" in result.reasons[0].message.lower()


def test_growth_question_does_not_apply_to_massage():
    assert run(lesion_confirmed_benign=False).verdict == Verdict.GO


@pytest.mark.parametrize(
    ("rules", "setting", "verdict", "practitioner"),
    [
        (MASSAGE, Setting.HOME, Verdict.NO_GO, "cosmetologist"),
        (MASSAGE, Setting.CLINIC, Verdict.GO, "cosmetologist"),
        (MASSAGE, None, Verdict.GO, "cosmetologist"),
        (REMOVAL, Setting.HOME, Verdict.NO_GO, "dermatologist"),
        (REMOVAL, Setting.CLINIC, Verdict.GO, "dermatologist"),
    ],
)
def test_who_performs_it_and_never_at_home(rules, setting, verdict, practitioner):
    result = run(rules, setting=setting, lesion_confirmed_benign=True)
    assert result.verdict == verdict
    assert result.practitioner == practitioner
    if verdict == Verdict.NO_GO:
        assert result.reasons[0].kind == Kind.QUALIFICATION
        assert result.reasons[0].code == "qualification:home"


def test_home_use_allowed_procedure_has_no_qualification_reason():
    rules = dataclasses.replace(MASSAGE, home_use_allowed=True)
    assert run(rules, setting=Setting.HOME).verdict == Verdict.GO


SEASON_TABLE = [
    # date, hemisphere, season, summer caution?
    (dt.date(2026, 5, 31), Hemisphere.NORTH, "spring", False),
    (dt.date(2026, 6, 1), Hemisphere.NORTH, "summer", True),
    (dt.date(2026, 7, 15), Hemisphere.NORTH, "summer", True),
    (dt.date(2026, 8, 31), Hemisphere.NORTH, "summer", True),
    (dt.date(2026, 9, 1), Hemisphere.NORTH, "autumn", False),
    (dt.date(2026, 12, 1), Hemisphere.NORTH, "winter", False),
    (dt.date(2026, 2, 28), Hemisphere.NORTH, "winter", False),
    (dt.date(2026, 11, 30), Hemisphere.SOUTH, "spring", False),
    (dt.date(2026, 12, 1), Hemisphere.SOUTH, "summer", True),
    (dt.date(2027, 1, 15), Hemisphere.SOUTH, "summer", True),
    (dt.date(2028, 2, 29), Hemisphere.SOUTH, "summer", True),
    (dt.date(2026, 3, 1), Hemisphere.SOUTH, "autumn", False),
    (dt.date(2026, 7, 1), Hemisphere.SOUTH, "winter", False),
    (dt.date(2026, 4, 10), Hemisphere.SOUTH, "autumn", False),
]


@pytest.mark.parametrize(("on", "hemisphere", "season", "caution"), SEASON_TABLE)
def test_summer_is_a_season_caution_by_hemisphere(on, hemisphere, season, caution):
    assert season_of(on, hemisphere) == season
    result = run(on=on, hemisphere=hemisphere)
    assert result.season == season
    assert result.verdict == (Verdict.CAUTION if caution else Verdict.GO)
    if caution:
        (reason,) = result.reasons
        assert reason.kind == Kind.SEASON and "Hyperpigmentation" in reason.message


def test_the_date_defaults_to_today():
    result = assess(MASSAGE, Answers(), today=dt.date(2026, 7, 1))
    assert result.on == dt.date(2026, 7, 1)
    assert result.verdict == Verdict.CAUTION


def test_no_season_rule_no_season_reason():
    assert run(REMOVAL, on=dt.date(2026, 7, 1), lesion_confirmed_benign=True).verdict == Verdict.GO


def test_near_the_eyes_is_caution_with_the_three_precautions():
    result = run(areas={"face", "eye-area"})
    assert result.verdict == Verdict.CAUTION
    (reason,) = result.reasons
    assert reason.kind == Kind.PRECAUTION
    for words in ("Applicator brushed", "Eyes closed", "Lips covered"):
        assert words in reason.message
    precaution_codes = [p.code for p in result.precautions]
    assert {"safety:applicator-brushed", "safety:eyes-closed", "safety:lips-covered"} <= set(precaution_codes)


def test_face_only_has_no_eye_precautions():
    result = run(areas={"face"})
    assert result.verdict == Verdict.GO
    assert not [p for p in result.precautions if p.code.startswith("safety:")]


def test_an_area_the_guide_does_not_cover_is_a_limit():
    result = run(areas={"body"})
    assert result.verdict == Verdict.CAUTION
    assert result.reasons[0].code == "limit:area-body"


def test_unreachable_goal_is_a_limit_caution():
    result = run(goal="deep-wrinkles")
    assert result.verdict == Verdict.CAUTION
    (reason,) = result.reasons
    assert reason.kind == Kind.LIMIT and "Deep wrinkles will not go" in reason.message


def test_nothing_found_is_go_with_precautions_and_disclaimer():
    result = run()
    assert result.verdict == Verdict.GO
    assert result.reasons == ()
    assert result.precautions[0].code == "practitioner"
    assert "side-effects" in [p.code for p in result.precautions]
    # One disclaimer, the self-check's own; the guide's disclaimer stays on the guide page.
    assert result.disclaimer == DISCLAIMER and "Not medical advice." not in result.disclaimer


# Combinations: the overall verdict is the most severe reason.
COMBINATIONS = [
    ({"conditions": {"herpes"}, "setting": Setting.HOME}, Verdict.NO_GO, 2),
    ({"conditions": {"herpes", "rosacea"}}, Verdict.NO_GO, 2),
    ({"conditions": {"rosacea"}, "on": dt.date(2026, 7, 1)}, Verdict.SEE_DOCTOR, 2),
    ({"conditions": {"rosacea"}, "areas": {"eye-area"}, "goal": "deep-wrinkles"}, Verdict.SEE_DOCTOR, 3),
    ({"conditions": {"darker-skin"}}, Verdict.CAUTION, 1),
    ({"conditions": {"darker-skin"}, "on": dt.date(2026, 7, 1), "areas": {"eye-area"}}, Verdict.CAUTION, 3),
    ({"conditions": {"epilepsy", "frequent-migraines", "herpes"}}, Verdict.NO_GO, 3),
    ({"setting": Setting.HOME, "on": dt.date(2026, 7, 1)}, Verdict.NO_GO, 2),
    ({"conditions": {"unrelated-condition"}}, Verdict.GO, 0),
]


@pytest.mark.parametrize(("answers", "verdict", "reason_count"), COMBINATIONS)
def test_the_verdict_is_the_most_severe_reason(answers, verdict, reason_count):
    result = run(**answers)
    assert result.verdict == verdict
    assert len(result.reasons) == reason_count
    severities = [r.verdict for r in result.reasons]
    order = [Verdict.NO_GO, Verdict.SEE_DOCTOR, Verdict.CAUTION, Verdict.GO]
    assert severities == sorted(severities, key=order.index), "most severe reasons come first"


@pytest.mark.parametrize(("answers", "verdict", "reason_count"), COMBINATIONS)
def test_every_reason_is_explained_and_sourced(answers, verdict, reason_count):
    for reason in run(**answers).reasons:
        assert reason.message and reason.code and reason.kind in Kind
        if not reason.code.startswith("limit:area-"):
            assert reason.source


@pytest.mark.parametrize(("answers", "verdict", "reason_count"), [*COMBINATIONS, ({}, Verdict.GO, 0)])
def test_safe_is_never_an_absolute(answers, verdict, reason_count):
    result = run(**answers)
    texts = [
        result.summary,
        result.disclaimer,
        *(r.message for r in result.reasons),
        *(p.message for p in result.precautions),
    ]
    for text in texts:
        assert not re.search(r"\bsafe\b", text, re.IGNORECASE), text


@pytest.mark.parametrize("verdict", list(Verdict))
def test_every_verdict_has_a_headline_in_words_without_its_code(verdict):
    headline = HEADLINES[verdict]
    assert headline and verdict.value not in headline and "(" not in headline


def test_a_passing_condition_says_when_to_check_again_with_the_guides_source():
    rules = ProcedureRules(
        slug="p",
        name="Cryomassage",
        practitioner="cosmetologist",
        practitioner_label="A cosmetologist",
        home_use_allowed=False,
        contraindications=(
            ConditionRule("herpes", "cold sores", claim("contraindication-herpes"), recheck="when they have healed."),
            ConditionRule("epilepsy", "epilepsy", claim("contraindication-epilepsy")),
        ),
    )
    passing = assess(rules, Answers(conditions=frozenset({"herpes"})), today=dt.date(2026, 1, 10))
    assert passing.verdict == Verdict.NO_GO and passing.headline == HEADLINES[Verdict.NO_GO]
    (reason,) = passing.reasons
    assert "check again when they have healed." in reason.message
    assert reason.source == "Cryomassage of the face: video reviews"
    lasting = assess(rules, Answers(conditions=frozenset({"epilepsy"})), today=dt.date(2026, 1, 10))
    assert "check again" not in lasting.reasons[0].message
