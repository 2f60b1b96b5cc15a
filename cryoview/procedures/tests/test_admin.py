"""Editors edit guides in the Django admin; every change is kept as a revision (who, when, what)."""

from __future__ import annotations

import pytest

from cryoview.procedures.models import Claim, ProcedureRevision

pytestmark = pytest.mark.django_db


def claim_form(claim: Claim, **changes) -> dict[str, str]:
    citations = list(claim.citations.all())
    data = {
        "procedure": str(claim.procedure_id),
        "section": claim.section,
        "code": claim.code,
        "text": claim.text,
        "evidence": claim.evidence,
        "condition": str(claim.condition_id or ""),
        "area": claim.area,
        "goal": claim.goal,
        "trigger": claim.trigger,
        "specialist": claim.specialist,
        "position": str(claim.position),
        "citations-TOTAL_FORMS": str(len(citations)),
        "citations-INITIAL_FORMS": str(len(citations)),
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
    }
    for index, citation in enumerate(citations):
        data.update(
            {
                f"citations-{index}-id": str(citation.pk),
                f"citations-{index}-claim": str(claim.pk),
                f"citations-{index}-source": str(citation.source_id),
                f"citations-{index}-quote": citation.quote,
                f"citations-{index}-position": str(citation.position),
            }
        )
    data.update(changes)
    return data


def test_an_editor_edits_a_claim_and_a_revision_records_it(client, guides, editor):
    claim = Claim.objects.get(procedure__slug="facial-cryomassage", code="eyes-closed")
    before = ProcedureRevision.objects.filter(procedure=claim.procedure).count()
    client.force_login(editor)
    response = client.post(
        f"/admin/procedures/claim/{claim.pk}/change/",
        claim_form(claim, text="Keep your eyes firmly closed while the area is treated."),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    claim.refresh_from_db()
    assert claim.text.startswith("Keep your eyes firmly closed")
    revision = ProcedureRevision.objects.filter(procedure=claim.procedure).order_by("-number").first()
    assert ProcedureRevision.objects.filter(procedure=claim.procedure).count() == before + 1
    assert revision.origin == "admin" and revision.author == editor
    assert any(c["text"].startswith("Keep your eyes firmly") for c in revision.snapshot["claims"])
    assert "firmly closed" in client.get("/procedures/facial-cryomassage/").content.decode()


def test_a_moderator_may_look_but_not_edit(client, guides, moderator):
    claim = Claim.objects.get(procedure__slug="facial-cryomassage", code="eyes-closed")
    client.force_login(moderator)
    assert client.get("/admin/procedures/procedure/").status_code == 200
    response = client.post(f"/admin/procedures/claim/{claim.pk}/change/", claim_form(claim, text="Changed."))
    assert response.status_code == 403
    claim.refresh_from_db()
    assert claim.text != "Changed."


def test_members_do_not_reach_the_admin(client, guides, member):
    client.force_login(member)
    response = client.get("/admin/procedures/procedure/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_reimport_keeps_admin_edits_when_the_file_did_not_change(client, guides, editor):
    from conftest import CONTENT_DIR
    from cryoview.procedures.importer import guides_import

    claim = Claim.objects.get(procedure__slug="facial-cryomassage", code="eyes-closed")
    client.force_login(editor)
    client.post(f"/admin/procedures/claim/{claim.pk}/change/", claim_form(claim, text="Edited in the admin."))
    report = guides_import(folder=CONTENT_DIR)
    assert "facial-cryomassage" in report.unchanged
    claim.refresh_from_db()
    assert claim.text == "Edited in the admin."
