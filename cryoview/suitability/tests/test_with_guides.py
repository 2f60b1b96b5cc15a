"""The engine on the real guides (content/), through the API and the page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cryoview.suitability.models import SavedCheck

API = "/api/v1/suitability"


def ask(client, **payload):
    response = client.post(API, payload, content_type="application/json")
    return response, response.json()


@pytest.mark.parametrize(
    ("payload", "verdict", "code"),
    [
        (
            {"procedure": "facial-cryomassage", "conditions": ["herpes"], "date": "2026-01-10"},
            "no_go",
            "contraindication:herpes",
        ),
        (
            {"procedure": "facial-cryomassage", "conditions": ["Cold sores"], "date": "2026-01-10"},
            "no_go",
            "contraindication:herpes",
        ),
        (
            {"procedure": "facial-cryomassage", "conditions": ["rosacea"], "date": "2026-01-10"},
            "see_doctor",
            "conflict:rosacea-target-and-contraindication",
        ),
        (
            {"procedure": "facial-cryomassage", "setting": "home", "date": "2026-01-10"},
            "no_go",
            "qualification:home",
        ),
        ({"procedure": "facial-cryomassage", "date": "2026-07-10"}, "caution", "season:summer"),
        ({"procedure": "facial-cryomassage", "date": "2026-07-10", "hemisphere": "south"}, "go", None),
        (
            {"procedure": "facial-cryomassage", "date": "2026-01-10", "hemisphere": "south"},
            "caution",
            "season:summer",
        ),
        (
            {"procedure": "facial-cryomassage", "areas": ["eye-area"], "date": "2026-01-10"},
            "caution",
            "precaution:eye-area",
        ),
        (
            {"procedure": "facial-cryomassage", "goal": "deep-wrinkles", "date": "2026-01-10"},
            "caution",
            "limit:deep-wrinkles",
        ),
        ({"procedure": "facial-cryomassage", "date": "2026-01-10"}, "go", None),
        (
            {"procedure": "cryodestruction-of-benign-growths"},
            "see_doctor",
            "referral:oncologist-before-removal",
        ),
        ({"procedure": "cryodestruction-of-benign-growths", "lesion_confirmed_benign": True}, "go", None),
        (
            {
                "procedure": "cryodestruction-of-benign-growths",
                "lesion_confirmed_benign": True,
                "conditions": ["raynauds"],
            },
            "no_go",
            "contraindication:raynauds",
        ),
    ],
)
def test_verdicts_from_the_real_guides(client, guides, payload, verdict, code):
    response, body = ask(client, **payload)
    assert response.status_code == 200, body
    assert body["verdict"] == verdict
    if code:
        assert body["reasons"][0]["code"] == code
        assert body["reasons"][0]["source"]
    else:
        assert body["reasons"] == []
    assert body["disclaimer"] and body["precautions"]
    assert not re.search(r"\bsafe\b", response.content.decode(), re.IGNORECASE)


def test_the_practitioner_follows_the_guide(client, guides):
    assert ask(client, procedure="facial-cryomassage")[1]["practitioner"] == "cosmetologist"
    body = ask(client, procedure="cryodestruction-of-benign-growths")[1]
    assert body["practitioner"] == "dermatologist"
    assert body["referrals"] == ["oncologist"]


def test_eye_area_lists_the_three_precautions(client, guides):
    body = ask(client, procedure="facial-cryomassage", areas=["face", "eye-area"], date="2026-01-10")[1]
    codes = {p["code"] for p in body["precautions"]}
    assert {"safety:applicator-brushed", "safety:eyes-closed", "safety:lips-covered"} <= codes


def test_editing_the_guide_changes_the_answer(client, guides):
    from cryoview.procedures.models import Claim, Condition

    assert ask(client, procedure="facial-cryomassage", conditions=["warts"], date="2026-01-10")[1]["verdict"] == "go"
    Claim.objects.create(
        procedure_id=Claim.objects.filter(procedure__slug="facial-cryomassage").first().procedure_id,
        section="contraindication",
        code="contraindication-warts",
        text="Not with warts.",
        evidence="test",
        condition=Condition.objects.get(slug="warts"),
        position=999,
    )
    from cryoview.procedures.models import ClaimSource, Source

    ClaimSource.objects.create(
        claim=Claim.objects.get(code="contraindication-warts"), source=Source.objects.get(slug="seed-article")
    )
    body = ask(client, procedure="facial-cryomassage", conditions=["warts"], date="2026-01-10")[1]
    assert body["verdict"] == "no_go"


@pytest.mark.parametrize(
    ("payload", "field", "fragment"),
    [
        ({"procedure": "face-lift"}, "procedure", "accepted: facial-cryomassage"),
        (
            {"procedure": "facial-cryomassage", "conditions": ["herpes", "dragon pox"]},
            "conditions.1",
            "accepted: ",
        ),
        ({"procedure": "facial-cryomassage", "date": "2026-13-01"}, "date", "date"),
        ({"procedure": "facial-cryomassage", "date": "yesterday"}, "date", "date"),
        ({"procedure": "facial-cryomassage", "hemisphere": "east"}, "hemisphere", "'north' or 'south'"),
        ({"procedure": "facial-cryomassage", "setting": "garage"}, "setting", "'clinic' or 'home'"),
        ({"procedure": "facial-cryomassage", "areas": ["elbow"]}, "areas.0", "accepted: face, eye-area"),
        ({"procedure": "facial-cryomassage", "goal": "eternal-youth"}, "goal", "accepted: deep-wrinkles"),
        ({"procedure": "facial-cryomassage", "conditions": "herpes"}, "conditions", "list"),
        (
            {"procedure": "facial-cryomassage", "lesion_confirmed_benign": "perhaps"},
            "lesion_confirmed_benign",
            "boolean",
        ),
        ({}, "procedure", "required"),
        ({"procedure": "facial-cryomassage", "conditions": ["x"] * 41}, "conditions", "at most 40"),
        ({"procedure": "facial-cryomassage\x00"}, "procedure", "control characters"),
        (
            {"procedure": "facial-cryomassage", "conditions": ["herpes\x00"]},
            "conditions.0",
            "control characters",
        ),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, guides, payload, field, fragment):
    response, body = ask(client, **payload)
    assert response.status_code == 422, body
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert field in fields, body
    assert fragment.lower() in fields[field].lower()


def test_malformed_json_is_a_clear_error(client, guides):
    response = client.post(API, "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"


def test_the_api_stores_nothing(client, guides, member):
    client.force_login(member)
    ask(client, procedure="facial-cryomassage", conditions=["herpes"])
    assert SavedCheck.objects.count() == 0


def test_conditions_endpoint_lists_the_slugs_the_check_accepts(client, guides):
    slugs = {c["slug"] for c in client.get("/api/v1/conditions").json()}
    assert {
        "herpes",
        "pustular-inflammation",
        "cold-allergy",
        "rosacea",
        "epilepsy",
        "frequent-migraines",
    } <= slugs


# The page -----------------------------------------------------------------------------------------

PAGE = "/procedures/facial-cryomassage/check/"


def test_the_guide_links_to_the_check(client, guides):
    assert PAGE in client.get("/procedures/facial-cryomassage/").content.decode()


def test_the_form_asks_in_plain_language(client, guides):
    html = client.get(PAGE).content.decode()
    assert "Cold sores" in html
    assert "<fieldset" in html and "<legend>" in html
    assert 'name="conditions"' in html and 'name="setting"' in html and 'name="hemisphere"' in html
    assert "lesion_confirmed_benign" not in html  # only asked for growth removal
    assert (
        "lesion_confirmed_benign" in client.get("/procedures/cryodestruction-of-benign-growths/check/").content.decode()
    )


def post_form(client, **fields):
    data = {"setting": "clinic", "hemisphere": "north", "on": "2026-01-10", **fields}
    return client.post(PAGE, data)


def test_answering_shows_the_verdict_reasons_and_disclaimer_on_the_same_page(client, guides):
    response = post_form(client, conditions=["herpes"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not for you as things stand" in html and "(no_go)" not in html
    assert 'data-code="contraindication:herpes"' in html
    assert "Who should perform it" in html and "not a diagnosis" in html
    assert SavedCheck.objects.count() == 0


def test_invalid_form_input_is_explained(client, guides):
    response = post_form(client, conditions=["not-a-condition"], hemisphere="east", on="31/31/2026")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Select a valid choice" in html and "Enter a valid date" in html
    assert SavedCheck.objects.count() == 0


def test_saving_needs_a_login_and_stores_nothing_for_visitors(client, guides):
    response = post_form(client, conditions=["herpes"], save="1")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert SavedCheck.objects.count() == 0


def test_a_member_saves_sees_and_deletes_a_check(client, guides, member, other_member):
    client.force_login(member)
    response = post_form(client, conditions=["herpes"], save="1")
    assert response.status_code == 302
    check = SavedCheck.objects.get()
    assert check.user == member and check.verdict == "no_go" and check.answers["conditions"] == ["herpes"]
    html = client.get("/account/").content.decode()
    assert "Saved self-checks" in html and "no_go" in html
    client.force_login(other_member)
    client.post(f"/account/checks/{check.pk}/delete/")
    assert SavedCheck.objects.count() == 1, "someone else's check cannot be deleted"
    client.force_login(member)
    client.post(f"/account/checks/{check.pk}/delete/")
    assert SavedCheck.objects.count() == 0


def test_the_check_page_query_count_is_constant(client, guides, member):
    client.force_login(member)
    for _ in range(3):
        post_form(client, conditions=["herpes"], save="1")
    with CaptureQueriesContext(connection) as few:
        client.get("/account/")
    for _ in range(10):
        post_form(client, conditions=["herpes"], save="1")
    with CaptureQueriesContext(connection) as many:
        client.get("/account/")
    assert len(few) == len(many)
