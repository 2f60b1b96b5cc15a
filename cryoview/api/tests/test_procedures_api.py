from __future__ import annotations

import pytest

from cryoview.procedures.models import Procedure


def test_list_procedures(client, guides):
    response = client.get("/api/v1/procedures")
    assert response.status_code == 200
    body = response.json()
    assert [p["slug"] for p in body] == list(
        Procedure.objects.order_by("position", "name").values_list("slug", flat=True)
    )
    assert {"slug", "name", "kind", "summary", "url", "practitioner", "reviewed"} <= set(body[0])


def test_procedure_has_every_structured_field(client, guides):
    body = client.get("/api/v1/procedures/facial-cryomassage").json()
    assert body["duration_minutes"] == {"min": 5, "max": 7}
    assert body["course_sessions"]["min"] == 15 and body["course_sessions"]["max"] == 20
    assert body["practitioner"] == "cosmetologist"
    assert body["home_use_allowed"] is False
    assert body["avoid_seasons"] == ["summer"]
    contraindications = {c["slug"] for c in body["contraindications"]}
    assert {
        "herpes",
        "pustular-inflammation",
        "cold-allergy",
        "rosacea",
        "epilepsy",
        "frequent-migraines",
    } <= contraindications
    assert "rosacea" in {c["slug"] for c in body["indications"]}
    rosacea = next(k for k in body["conflicts"] if k["condition"] and k["condition"]["slug"] == "rosacea")
    assert len(rosacea["claims"]) == 2
    sections = {c["section"] for c in body["claims"]}
    assert {
        "what_it_is",
        "technique",
        "duration",
        "course",
        "effect",
        "mechanism",
        "indication",
        "limit",
        "contraindication",
        "season",
        "practitioner",
        "safety_step",
        "side_effect",
        "aftercare",
    } <= sections
    assert all(c["sources"] for c in body["claims"])
    numbers = {s["number"] for s in body["sources"]}
    assert all(cit["number"] in numbers for c in body["claims"] for cit in c["sources"])
    assert body["disclaimer"]


def test_conditions_list_slugs_and_synonyms(client, guides):
    body = client.get("/api/v1/conditions").json()
    by_slug = {c["slug"]: c for c in body}
    assert "cold sores" in [s.lower() for s in by_slug["herpes"]["synonyms"]]
    assert "cold urticaria" in [s.lower() for s in by_slug["cold-allergy"]["synonyms"]]


@pytest.mark.parametrize("slug", ["nope", "FACIAL-CRYOMASSAGE", "x" * 300, "facial%00cryomassage", "%C3%A9t%C3%A9"])
def test_unknown_slug_is_a_404_problem(client, guides, slug):
    response = client.get(f"/api/v1/procedures/{slug}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404 and body["title"] == "Not Found" and body["code"] == "not_found"


def test_openapi_describes_the_endpoints(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/procedures", "/api/v1/procedures/{slug}", "/api/v1/conditions"} <= set(spec["paths"])
