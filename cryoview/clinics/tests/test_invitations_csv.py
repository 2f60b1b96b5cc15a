# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""The staff's invitations page: one link shown once, a CSV batch (strict parsing, all or nothing), revoking."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cryoview.clinics.enums import ClinicAction
from cryoview.clinics.models import Clinic, ClinicLogEntry, Invitation
from cryoview.clinics.services.invitations import (
    CSV_MAX_ADDRESSES,
    CSV_MAX_BYTES,
    invitation_links_create,
    invitations_csv_parse,
)
from cryoview.core.errors import ApplicationError
from cryoview.reviews.tests.conftest import massage  # noqa: F401 - shared fixture

PAGE = "/clinics/nordlicht-skin-clinic/staff/invitations/"


@pytest.fixture
def nordlicht(clinic_staff, massage) -> Clinic:
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    clinic.procedures.add(massage)
    return clinic


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(ApplicationError) as refused:
        invitations_csv_parse(data=data)
    assert refused.value.status == 422 and all(p.field == "file" for p in refused.value.problems)
    return [p.message for p in refused.value.problems]


@pytest.mark.parametrize(
    ("data", "emails"),
    [
        (b"ana@example.org\nbo@example.org\n", ["ana@example.org", "bo@example.org"]),
        (b"\xef\xbb\xbfana@example.org\r\nbo@example.org\r\n", ["ana@example.org", "bo@example.org"]),  # BOM, CRLF
        (b"name,email\nAna,ana@example.org\nBo,bo@example.org\n", ["ana@example.org", "bo@example.org"]),
        (b"Name;E-mail\nAna;ana@example.org\n", ["ana@example.org"]),  # a spreadsheet's semicolons
        (b"\xef\xbb\xbfEmail\n\n ana@example.org \n\n", ["ana@example.org"]),  # blank rows and blanks ignored
        ("email\nzoe@exämple.de\n".encode(), ["zoe@exämple.de"]),
        (b"First name,Email Address,Phone\nAna,ana@example.org,123\n", ["ana@example.org"]),  # a mailing tool's
        (b"id;e-mail_address\n7;ana@example.org\n", ["ana@example.org"]),
    ],
)
def test_good_files(data, emails):
    assert [a.email for a in invitations_csv_parse(data=data)] == emails


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", ["is empty: it holds no address"]),
        (b"\n \n", ["is empty: it holds no address"]),
        (b"email\n", ["is empty: it holds no address"]),
        (b"ana@example.org\n\xff\xfeb\n", ["is not UTF-8 text (byte 17): save it as CSV UTF-8"]),
        ("ana@example.org".encode("utf-16"), ["is not UTF-8 text (byte 1): save it as CSV UTF-8"]),
        (b"a" * (CSV_MAX_BYTES + 1), [f"is larger than {CSV_MAX_BYTES // 1024} KB: send 500 addresses at most"]),
        (
            b"ana@example.org;bo@example.org\n",
            ["line 1: put one address per row, or name the column of addresses “e-mail”"],
        ),
        (
            b"ana@example.org\nbo@example.org;cy@example.org\n",
            ["line 2: “bo@example.org;cy@example.org” holds several addresses: put one per row"],
        ),
        (
            b"ana@example.org\nnot an address\nbo@@example.org\n\nx@y\n",
            [
                "line 2: “not an address” is not an e-mail address",
                "line 3: “bo@@example.org” is not an e-mail address",
                "line 5: “x@y” is not an e-mail address",
            ],
        ),
        (b"ana@example.org\nbo@example.org,cy@example.org\n", ["line 2: holds 2 cells: one address per row"]),
        (b"name,email\nAna,\n", ["line 2: is empty: put one address per row"]),
        (b"ana@example.org\x00\n", ["is not a text file"]),
        (b'"ana@example.org\n', ["is not a readable CSV file (unexpected end of data)"]),
    ],
)
def test_bad_files_name_every_problem(data, expected):
    assert problems_of(data) == expected


def test_too_many_addresses_and_too_many_problems():
    many = "".join(f"p{n}@example.org\n" for n in range(CSV_MAX_ADDRESSES + 1)).encode()
    assert problems_of(many) == [f"holds {CSV_MAX_ADDRESSES + 1} addresses: send at most 500 at once"]
    assert len(invitations_csv_parse(data=many[: many.rindex(b"p500@")])) == CSV_MAX_ADDRESSES
    bad = problems_of(b"".join(b"nope\n" for _ in range(80)))
    assert len(bad) == 51 and bad[-1] == "and 30 more rows with problems"


# --- the page ----------------------------------------------------------------------------------------------------


def upload(client, data: bytes, name: str = "patients.csv"):
    return client.post(PAGE, {"action": "csv", "csv-file": SimpleUploadedFile(name, data, "text/csv")})


def test_a_link_is_shown_once(client, nordlicht, clinic_staff):
    client.force_login(clinic_staff)
    response = client.post(PAGE, {"action": "link", "link-procedure": ""})
    assert response.status_code == 201 and response["Cache-Control"] == "no-store"
    (link,) = [part.split('"')[0] for part in response.text.split('value="http://testserver/clinics/invitations/')[1:]]
    assert len(link) == 44 and link.endswith("/")
    page = client.get(PAGE).text
    assert link not in page  # never again
    assert '<td data-label="Sent">1</td>' in page and "Link</td>" in page
    client.logout()
    assert client.get(f"/clinics/invitations/{link}").status_code == 200  # and it works


def test_a_csv_batch_from_the_page(client, nordlicht, clinic_staff, django_capture_on_commit_callbacks):
    client.force_login(clinic_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, b"email\nana@example.org\nbo@example.org\n")
    assert response.status_code == 302 and len(mail.outbox) == 2
    page = client.get(PAGE).text
    assert "2 invitations sent, one e-mail each." in page and "example.org" not in page
    assert '<td data-label="Sent">2</td>' in page and "By e-mail" in page


def test_a_bad_csv_leaves_nothing_and_names_its_lines(client, nordlicht, clinic_staff):
    client.force_login(clinic_staff)
    invitation_links_create(clinic=nordlicht, by=clinic_staff)
    upload(client, b"old@example.org\n")
    before = Invitation.objects.count()
    response = upload(client, b"new@example.org\nold@example.org\nnope\nnew@example.org\n")
    # The format first: the bad row; once that is right, the duplicate and the earlier invitation.
    assert response.status_code == 422 and "Line 3: “nope” is not an e-mail address." in response.text
    response = upload(client, b"new@example.org\nold@example.org\nnew@example.org\n")
    assert response.status_code == 422
    assert "Line 2: old@example.org was invited by the clinic less than 60 days ago." in response.text
    assert "Line 3: new@example.org is also on line 1." in response.text
    assert Invitation.objects.count() == before and len(mail.outbox) == 0
    assert ClinicLogEntry.objects.filter(action=ClinicAction.INVITATIONS_SENT).count() == 2
    assert upload(client, b"", "empty.csv").status_code == 422
    assert client.post(PAGE, {"action": "csv"}).status_code == 422  # no file
    assert client.post(PAGE, {"action": "what"}).status_code == 422
    assert client.post(PAGE, {"action": "link", "link-procedure": "999999"}).status_code == 422
    assert Invitation.objects.count() == before


def test_revoking_from_the_page(client, nordlicht, clinic_staff, other_clinic_staff):
    invitation = invitation_links_create(clinic=nordlicht, by=clinic_staff).links[0][0]
    url = f"{PAGE}{invitation.pk}/revoke"
    client.force_login(other_clinic_staff)
    assert client.post(url).status_code == 404
    client.force_login(clinic_staff)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    page = client.get(PAGE).text
    assert '<td data-label="Revoked">1</td>' in page and "No open invitations." in page
    again = client.post(url, follow=True)
    assert "already revoked" in again.text
    assert client.post(f"{PAGE}999999/revoke").status_code == 404


# --- who may do what ------------------------------------------------------------------------------------------------

PERSONAS = ["anonymous", "member", "clinic_staff", "other_clinic_staff", "moderator"]


@pytest.fixture
def as_persona(request, client, nordlicht, other_clinic_staff, member, moderator, clinic_staff):
    def login(persona: str):
        if persona != "anonymous":
            client.force_login(request.getfixturevalue(persona))
        return client

    return login


@pytest.mark.parametrize(
    ("persona", "page", "link", "revoke"),
    [
        ("anonymous", 404, 404, 404),
        ("member", 404, 404, 404),
        ("clinic_staff", 200, 201, 302),
        ("other_clinic_staff", 404, 404, 404),
        ("moderator", 404, 404, 404),
    ],
)
def test_staff_pages_permission_table(as_persona, nordlicht, clinic_staff, persona, page, link, revoke):
    invitation = invitation_links_create(clinic=nordlicht, by=clinic_staff).links[0][0]
    client = as_persona(persona)
    assert client.get(PAGE).status_code == page
    assert client.post(PAGE, {"action": "link"}).status_code == link
    assert client.post(f"{PAGE}{invitation.pk}/revoke").status_code == revoke
    invitation.refresh_from_db()
    assert (invitation.revoked_at is not None) == (revoke == 302)


@pytest.mark.parametrize(
    ("persona", "landing", "form"),
    [
        ("anonymous", 200, 302),  # asked to sign in
        ("member", 302, 200),
        ("clinic_staff", 403, 403),  # not for the clinic's own staff
        ("other_clinic_staff", 302, 200),  # staff of another clinic may be a patient here
        ("moderator", 302, 200),
    ],
)
def test_landing_permission_table(as_persona, nordlicht, clinic_staff, persona, landing, form):
    token = invitation_links_create(clinic=nordlicht, by=clinic_staff).links[0][1]
    client = as_persona(persona)
    assert client.get(f"/clinics/invitations/{token}/").status_code == landing
    assert client.get(f"/clinics/invitations/{token}/review/facial-cryomassage/").status_code == form


def test_the_staff_page_costs_the_same_queries_for_one_batch_and_for_many(client, nordlicht, clinic_staff):
    client.force_login(clinic_staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        return len(captured)

    invitation_links_create(clinic=nordlicht, by=clinic_staff)
    queries()
    few = queries()
    for _ in range(5):
        invitation_links_create(clinic=nordlicht, by=clinic_staff, count=3)
    assert queries() == few
