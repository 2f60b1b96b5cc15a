# ruff: noqa: F811 - the shared fixtures are imported, then asked for by name
"""Proofs of treatment through the pages and the API: who may do what (a table over the personas, for every new
URL and operation), the author's page and its errors, the link in the author's own review form, the moderators'
queue (its document for moderators only; a constant number of queries), and "Verified" on the rendered pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import clear_caches
from cryoview.accounts.models import User
from cryoview.accounts.services import token_issue
from cryoview.accounts.tests.factories import UserFactory
from cryoview.clinics.enums import ReviewLabel, Verdict
from cryoview.clinics.models import Clinic, ReviewAttribution, TreatmentProof
from cryoview.clinics.services.proofs import proof_send
from cryoview.clinics.tests.documents import HTML, PDF, clear_documents, png, stored_documents, upload
from cryoview.reviews.models import Review
from cryoview.reviews.tests.conftest import massage, warts  # noqa: F401 - shared fixtures
from cryoview.reviews.tests.factories import pending_review, published_review

pytestmark = pytest.mark.django_db
PERSONAS = ["visitor", "member", "author", "clinic_staff", "other_clinic_staff", "moderator"]


@dataclass
class World:
    author: User
    clinic: Clinic
    review: Review  # the author's, naming the clinic, no proof yet
    waiting: Review  # the author's, with a proof waiting
    proof: TreatmentProof


def attributed(review: Review, clinic: Clinic) -> Review:
    ReviewAttribution.objects.create(review=review, clinic=clinic)
    return review


@pytest.fixture
def world(massage, warts, member, clinic_staff, other_clinic_staff, moderator) -> Iterator[World]:
    clear_documents()
    clear_caches()
    author = UserFactory(email="author@example.org")
    clinic = Clinic.objects.get(slug="nordlicht-skin-clinic")
    review = attributed(published_review(massage, author, title="Cold and quick"), clinic)
    waiting = attributed(pending_review(warts, author, title="Second session"), clinic)
    proof = proof_send(review=waiting, by=author, document=upload())
    yield World(author, clinic, review, waiting, proof)
    clear_documents()


def who(persona: str, world: World, request: pytest.FixtureRequest) -> User | None:
    if persona == "visitor":
        return None
    if persona == "author":
        return world.author
    user: User = request.getfixturevalue(persona)
    return user


def bearer(user: User | None) -> dict[str, str]:
    if user is None:
        return {}
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='test').secret}"}


AUTHOR_ONLY = {p: 404 for p in PERSONAS} | {"visitor": 302, "author": 200}
MODERATOR_ONLY = {p: 404 for p in PERSONAS} | {"moderator": 200}
PAGES = [
    ("GET", "proof", AUTHOR_ONLY),
    ("POST", "proof", AUTHOR_ONLY | {"author": 302}),
    ("GET", "proofs", MODERATOR_ONLY),
    ("POST", "proof_decision", MODERATOR_ONLY | {"moderator": 302}),
    ("GET", "proof_document", MODERATOR_ONLY),
]


def page_url(name: str, w: World) -> str:
    if name == "proof":
        return reverse("clinics:proof", args=[w.review.pk])
    if name == "proofs":
        return reverse("clinics:proofs")
    return reverse(f"clinics:{name}", args=[w.proof.pk])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "name", "expected"), PAGES, ids=[f"{m} {n}" for m, n, _ in PAGES])
def test_pages_permission_table(client, world, request, persona, method, name, expected):
    user = who(persona, world, request)
    if user is not None:
        client.force_login(user)
    url = page_url(name, world)
    if method == "GET":
        response = client.get(url)
    elif name == "proof":
        response = client.post(url, {"document": upload()})
    else:
        response = client.post(url, {"verdict": "accept"})
    assert response.status_code == expected[persona], (persona, method, name)
    if expected[persona] == 404 or persona == "visitor":
        # Refused: nothing was sent, decided or shown.
        assert TreatmentProof.objects.filter(review=world.review).count() == 0
        assert TreatmentProof.objects.get(pk=world.proof.pk).status == Verdict.PENDING
    if persona == "visitor" and response.status_code == 302:
        assert "/login/" in response["Location"]


API = [
    ("POST", "/api/v1/reviews/{review}/proof", {p: 404 for p in PERSONAS} | {"visitor": 401, "author": 201}),
    ("GET", "/api/v1/clinics/checks/proofs", {p: 403 for p in PERSONAS} | {"visitor": 401, "moderator": 200}),
    (
        "POST",
        "/api/v1/clinics/checks/proofs/{proof}/decision",
        {p: 403 for p in PERSONAS} | {"visitor": 401, "moderator": 200},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "path", "expected"), API, ids=[f"{m} {p}" for m, p, _ in API])
def test_api_permission_table(client, world, request, persona, method, path, expected):
    user = who(persona, world, request)
    url = path.format(review=world.review.pk, proof=world.proof.pk)
    if method == "GET":
        response = client.get(url, **bearer(user))
    elif "decision" in path:
        response = client.post(url, {"decision": "accept"}, content_type="application/json", **bearer(user))
    else:
        response = client.post(url, {"document": upload()}, **bearer(user))
    assert response.status_code == expected[persona], (persona, url, response.content)
    if expected[persona] >= 400:
        assert TreatmentProof.objects.filter(review=world.review).count() == 0
        assert TreatmentProof.objects.get(pk=world.proof.pk).status == Verdict.PENDING


def test_the_author_page_explains_then_takes_the_document(client, world):
    client.force_login(world.author)
    url = reverse("clinics:proof", args=[world.review.pk])
    page = client.get(url).content.decode()
    assert "Nordlicht Skin Clinic" in page and 'type="file"' in page and "Only moderators see the document" in page
    refused = client.post(url, {"document": upload(HTML, "receipt.pdf")})
    assert refused.status_code == 422 and "Must be a PDF, JPEG or PNG file" in refused.content.decode()
    assert not TreatmentProof.objects.filter(review=world.review).exists() and len(stored_documents()) == 1
    empty = client.post(url, {})
    assert empty.status_code == 422 and 'id="id_document-error"' in empty.content.decode()
    sent = client.post(url, {"document": upload(png(), "receipt.png", "image/png")})
    assert sent.status_code == 302 and sent["Location"] == url
    again = client.get(url).content.decode()
    assert 'data-proof-status="pending"' in again
    twice = client.post(url, {"document": upload()})
    assert twice.status_code == 422 and "already waits for a moderator" in twice.content.decode()
    assert TreatmentProof.objects.filter(review=world.review).count() == 1


def test_a_review_without_a_clinic_says_what_to_do_first(client, world, massage):
    someone = UserFactory(email="bare@example.org")
    bare = pending_review(massage, someone, title="No clinic named")
    client.force_login(someone)
    page = client.get(reverse("clinics:proof", args=[bare.pk])).content.decode()
    assert "does not name a clinic from the directory yet" in page and 'type="file"' not in page
    refused = client.post(reverse("clinics:proof", args=[bare.pk]), {"document": upload()})
    assert refused.status_code == 422 and "Choose the clinic of your review" in refused.content.decode()
    assert not TreatmentProof.objects.filter(review=bare).exists()


def test_the_author_finds_the_page_from_their_own_review_form(client, world, member):
    client.force_login(world.author)
    edit = client.get(reverse("reviews:edit", args=[world.review.pk])).content.decode()
    assert reverse("clinics:proof", args=[world.review.pk]) in edit
    # The public pages (cached per generation for everyone) carry no author-only link.
    detail = client.get(reverse("reviews:detail", args=[world.review.pk])).content.decode()
    assert reverse("clinics:proof", args=[world.review.pk]) not in detail
    client.force_login(member)
    new = client.get(reverse("reviews:create", args=["facial-cryomassage"])).content.decode()
    assert "/proof/" not in new and "send a proof of treatment" in new


def test_the_document_is_served_to_moderators_until_the_decision(client, world, moderator):
    client.force_login(moderator)
    url = reverse("clinics:proof_document", args=[world.proof.pk])
    served = client.get(url)
    assert served.status_code == 200 and b"".join(served.streaming_content) == PDF
    assert served["Cache-Control"] == "private, no-store" and "sandbox" in served["Content-Security-Policy"]
    client.post(reverse("clinics:proof_decision", args=[world.proof.pk]), {"verdict": "reject", "reason": "Blurred"})
    assert client.get(url).status_code == 404


def test_a_refusal_without_a_reason_is_said_on_the_queue(client, world, moderator):
    client.force_login(moderator)
    response = client.post(reverse("clinics:proof_decision", args=[world.proof.pk]), {"verdict": "reject"}, follow=True)
    assert "The reason is required to refuse" in response.content.decode()
    assert TreatmentProof.objects.get(pk=world.proof.pk).status == Verdict.PENDING
    twice = client.post(reverse("clinics:proof_decision", args=[world.proof.pk]), {"verdict": "maybe"}, follow=True)
    assert "Choose accept or refuse" in twice.content.decode()


def test_verified_shows_on_the_cards_and_the_review_page_after_acceptance(
    client, world, moderator, massage, django_capture_on_commit_callbacks
):
    list_url = reverse("reviews:list", args=[massage.slug])
    detail_url = reverse("reviews:detail", args=[world.review.pk])
    assert ">Verified</span>" not in client.get(list_url).content.decode()  # the visitors' list is now cached
    assert ">Verified</span>" not in client.get(detail_url).content.decode()
    client.force_login(world.author)
    client.post(reverse("clinics:proof", args=[world.review.pk]), {"document": upload()})
    proof = TreatmentProof.objects.get(review=world.review)
    client.force_login(moderator)
    queue = client.get(reverse("clinics:proofs")).content.decode()
    assert "Cold and quick" in queue and "Nordlicht Skin Clinic" in queue
    with django_capture_on_commit_callbacks(execute=True):
        decided = client.post(reverse("clinics:proof_decision", args=[proof.pk]), {"verdict": "accept"})
    assert decided.status_code == 302 and decided["Location"] == reverse("clinics:proofs")
    client.logout()
    cards = client.get(list_url).content.decode()
    page = client.get(detail_url).content.decode()
    for where, html in (("cards", cards), ("page", page)):
        assert "Cold and quick" in html and ">Verified</span>" in html, where
    assert "a moderator checked the reviewer's proof of treatment" in page
    assert ReviewAttribution.objects.get(review=world.review).label == ReviewLabel.VERIFIED


def test_the_api_sends_and_decides_with_problems_naming_the_field(
    client, world, moderator, django_capture_on_commit_callbacks
):
    url = f"/api/v1/reviews/{world.review.pk}/proof"
    bad = client.post(url, {"document": upload(HTML, "receipt.pdf")}, **bearer(world.author))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "document"
    missing = client.post(url, {}, **bearer(world.author))
    assert missing.status_code == 422 and "document" in missing.content.decode()
    assert not TreatmentProof.objects.filter(review=world.review).exists()
    sent = client.post(url, {"document": upload()}, **bearer(world.author))
    assert sent.status_code == 201 and sent.json()["status"] == "pending" and len(sent.json()["document_sha256"]) == 64
    queue = client.get("/api/v1/clinics/checks/proofs", **bearer(moderator)).json()
    assert {p["id"] for p in queue} == {world.proof.pk, sent.json()["id"]}
    assert {p["clinic"] for p in queue} == {"nordlicht-skin-clinic"} and "document_name" not in queue[0]
    decide = f"/api/v1/clinics/checks/proofs/{sent.json()['id']}/decision"
    no_reason = client.post(decide, {"decision": "reject"}, content_type="application/json", **bearer(moderator))
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    wrong = client.post(decide, {"decision": "perhaps"}, content_type="application/json", **bearer(moderator))
    assert wrong.status_code == 422
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(decide, {"decision": "accept"}, content_type="application/json", **bearer(moderator))
    assert done.status_code == 200 and done.json()["status"] == "accepted"
    again = client.post(
        decide, {"decision": "reject", "reason": "x"}, content_type="application/json", **bearer(moderator)
    )
    assert again.status_code == 409
    assert (
        client.post(
            "/api/v1/clinics/checks/proofs/999999/decision",
            {"decision": "accept"},
            content_type="application/json",
            **bearer(moderator),
        ).status_code
        == 404
    )
    assert ReviewAttribution.objects.get(review=world.review).label == ReviewLabel.VERIFIED


def _proofs(massage, clinic: Clinic, n: int) -> None:
    for i in range(n):
        author = UserFactory(email=f"proof-{i}-{Review.objects.count()}@example.org")
        review = attributed(pending_review(massage, author, title=f"Review {i}"), clinic)
        TreatmentProof.objects.create(review=review, document_name="", document_sha256=f"{i:064d}")


@pytest.mark.parametrize("where", ["page", "api"])
def test_the_queue_costs_the_same_queries_for_one_proof_and_for_many(client, world, moderator, massage, where):
    url = reverse("clinics:proofs") if where == "page" else "/api/v1/clinics/checks/proofs"
    headers = bearer(moderator) if where == "api" else {}
    if where == "page":
        client.force_login(moderator)
    client.get(url, **headers)  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url, **headers).status_code == 200
    _proofs(massage, world.clinic, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url, **headers)
    assert response.status_code == 200 and "Review 5" in response.content.decode()
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
