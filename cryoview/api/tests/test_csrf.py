"""Every unsafe API route, tried as a cross-site forgery: a browser's session cookie and no CSRF token.

The routes come from the API itself (its OpenAPI document for django-ninja, the URL patterns for the tus
endpoints), so a route added later is covered without editing this file. Each forged request must get 403 and
leave every table exactly as it was; the same request with a valid token must get past the check.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from cryoview.api.urls import api
from cryoview.clinics.models import ClinicStaff, CredentialCheck, Reply, TreatmentProof
from cryoview.clinics.tests.factories import make_clinic, make_practitioner
from cryoview.comments.selectors import Target
from cryoview.comments.tests.factories import approved
from cryoview.moderation.models import Report
from cryoview.reviews.tests.factories import published_review, ready_video
from cryoview.videos.uploads import upload_create

UNSAFE = ("post", "put", "patch", "delete")
CSRF_SECRET = "k" * 32  # a well-formed CSRF secret: the cookie and the header carry it unmasked


def ninja_routes() -> list[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return sorted((method, path) for path, ops in paths.items() for method in ops if method in UNSAFE)


def plain_api_routes() -> list[tuple[str, str]]:
    """The API's URL patterns outside django-ninja (the tus endpoints), each with every unsafe method: plain
    views take any method, so each must refuse a forged one."""
    routes = []
    for entry in get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLPattern) and route.startswith("api/v1/"):
            routes.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route))
        elif isinstance(entry, URLResolver) and route.startswith("api/v1/"):
            assert entry.namespace == "api", f"{route}: a new URL include under the API; enumerate it here"
    return sorted((method, route) for route in routes for method in UNSAFE)


ROUTES = ninja_routes() + plain_api_routes()


def test_the_route_list_is_complete():
    """The enumeration finds what we know is there (so an empty list cannot pass the tests below)."""
    assert ("post", "/api/v1/reviews/{review_id}/reports") in ROUTES
    assert ("post", "/api/v1/comments/{comment_id}/reports") in ROUTES
    assert ("post", "/api/v1/uploads/") in ROUTES and ("patch", "/api/v1/uploads/{upload_id}") in ROUTES
    assert len(ROUTES) >= 24


@pytest.fixture
def world(moderator, massage, clean_private_store):
    """Rows every route can act on, all owned by one signed-in account (a moderator, so no route is
    refused for lack of a role): a published review, a shown comment, a ready video, an upload."""
    review = published_review(massage, moderator)
    comment = approved(Target(procedure=massage), moderator, "Worth it")
    video = ready_video(moderator)
    upload = upload_create(user=moderator, length=10, metadata="")
    clinic = make_clinic("Forgery Target Clinic")
    practitioner = make_practitioner(clinic)
    claim = ClinicStaff.objects.create(clinic=clinic, user=moderator, proof_sha256="0" * 64)
    check = CredentialCheck.objects.create(
        practitioner=practitioner,
        clinic=clinic,
        licence_number="X",
        issuing_body="Y",
        country="DE",
        document_sha256="0" * 64,
    )
    proof = TreatmentProof.objects.create(review=review, document_sha256="0" * 64)
    return {
        "proof_id": proof.pk,
        "claim_id": claim.pk,
        "practitioner_id": practitioner.pk,
        "check_id": check.pk,
        "invitation_id": 1,  # the invitations routes: a moderator is not the clinic's staff, so any id is a 404
        "reply_id": Reply.objects.create(review=review, clinic=clinic, author=moderator, body="Held").pk,
        "review_id": review.pk,
        "comment_id": comment.pk,
        "video_id": str(video.pk),
        "upload_id": str(upload.pk),
        "slug": massage.slug,
        "lang": "en",
    }


def snapshot() -> dict[str, list[str]]:
    """Every row of every table but the sessions (the login itself lives there)."""
    return {
        model._meta.label: sorted(repr(row) for row in model._default_manager.values_list())
        for model in apps.get_models()
        if model._meta.label != "sessions.Session"
    }


def call(client: Client, method: str, path: str, values: dict[str, object], **extra: str):
    url = path.format(**values)
    body = {"reason": "fake_or_paid", "decision": "approve", "text": "Forged", "upload_id": values["upload_id"]}
    if path.startswith("/api/v1/uploads/"):
        extra |= {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_LENGTH": "10", "HTTP_UPLOAD_OFFSET": "0"}
        return getattr(client, method)(url, b"0123456789", content_type="application/offset+octet-stream", **extra)
    return getattr(client, method)(url, body, content_type="application/json", **extra)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_forged_request_with_a_session_is_403_and_changes_nothing(method, path, world, moderator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    before = snapshot()
    response = call(client, method, path, world)
    assert response.status_code == 403, (method, path, response.content[:300])
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "csrf_failed"
    assert snapshot() == before, f"{method.upper()} {path} changed the database"


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_the_same_request_with_a_valid_token_gets_past_the_check(method, path, world, moderator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    response = call(client, method, path, world, HTTP_X_CSRFTOKEN=CSRF_SECRET)
    code = response.json().get("code") if response.get("Content-Type", "").endswith("json") else None
    assert code != "csrf_failed", (method, path)
    assert response.status_code < 500


def test_the_attack_from_the_issue_stores_nothing(world, moderator, other_member):
    """text/plain from a foreign Origin with the member's cookie: 'Origin checking failed', no report."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(other_member)
    for what in ("reviews/{review_id}", "comments/{comment_id}"):
        url = ("/api/v1/" + what + "/reports").format(**world)
        response = client.post(
            url, '{"reason": "fake_or_paid"}', content_type="text/plain", HTTP_ORIGIN="https://evil.example"
        )
        assert response.status_code == 403 and response.json()["code"] == "csrf_failed"
    assert Report.objects.count() == 0
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    url = "/api/v1/reviews/{review_id}/reports".format(**world)
    ok = client.post(url, {"reason": "fake_or_paid"}, content_type="application/json", HTTP_X_CSRFTOKEN=CSRF_SECRET)
    assert ok.status_code == 201 and Report.objects.get().reporter == other_member


def test_a_bearer_token_needs_no_csrf_token_and_no_session_needs_none(world, other_member):
    from cryoview.accounts.services import token_issue

    client = Client(enforce_csrf_checks=True)
    url = "/api/v1/reviews/{review_id}/reports".format(**world)
    visitor = client.post(url, {"reason": "fake_or_paid"}, content_type="application/json")
    assert visitor.status_code == 201  # no session cookie: a visitor's report, queued like any other
    secret = token_issue(user=other_member, name="script").secret
    client.force_login(other_member)  # even with the cookie, the token is what authenticates
    token = client.post(
        url, {"reason": "other", "details": "x"}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert token.status_code == 201 and Report.objects.filter(reporter=other_member).count() == 1


# Pages exempt from Django's CSRF middleware, each with the reason it is safe. Every other page is checked by the
# middleware itself; a new exempt view fails the test below until it is listed here with its reason.
EXEMPT_PAGES = {
    "procedures/<slug:slug>/comments/": "guests post from cached pages; a session is checked by _session_csrf",
    "reviews/<int:review_id>/comments/": "guests post from cached pages; a session is checked by _session_csrf",
    "comments/unsubscribe/<str:token>/": "one-click unsubscribe (RFC 8058) from mail clients; the token is signed",
    "comments/review-mail/unsubscribe/<str:token>/": "one-click unsubscribe (RFC 8058) from review-comment e-mails",
}


def _page_patterns(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _page_patterns(entry.url_patterns, route)
        elif not route.startswith("api/v1/"):
            yield route, entry.callback


def test_no_page_escapes_the_csrf_check_without_a_reason():
    exempt = {route for route, view in _page_patterns(get_resolver().url_patterns) if getattr(view, "csrf_exempt", 0)}
    assert exempt == set(EXEMPT_PAGES)


@pytest.mark.parametrize("route", ["/procedures/{slug}/comments/", "/reviews/{review_id}/comments/"])
def test_a_forged_comment_with_a_session_is_refused(route, world, other_member):
    client = Client(enforce_csrf_checks=True)
    client.force_login(other_member)
    before = snapshot()
    response = client.post(route.format(**world), {"text": "Forged", "name": "x"}, HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert snapshot() == before
