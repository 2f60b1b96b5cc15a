"""Every limit, behind nginx (CRYOVIEW_PROXY_HOPS=1): per visitor, not escaped by forged headers, and every
429 (pages, API, allauth) says how long to wait with Retry-After.

Requests come from nginx's address with the visitor's address appended to X-Forwarded-For; entries further
left are the visitor's own and may be forged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from cryoview.accounts.services import token_issue
from cryoview.accounts.tests.factories import PASSWORD
from cryoview.clinics.models import Clinic, ReviewAttribution
from cryoview.comments.selectors import Target
from cryoview.comments.tests.factories import approved, human_stamp
from cryoview.procedures.models import Procedure
from cryoview.reviews.tests.factories import published_review

# On both shared caches: the database table (one server) and Redis (CRYOVIEW_CACHE_URL).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("each_shared_cache")]

ROOT = Path(__file__).resolve().parents[1]
NGINX = "10.0.0.1"
GUIDE = "/procedures/facial-cryomassage/"
CLINIC = "nordlicht-skin-clinic"  # the clinic_staff fixture's clinic
HOUR, DAY = 3600, 86400
REVIEW = {
    "rating": 4,
    "worth_it": "worth_it",
    "title": "Fresher skin, no downtime",
    "text": "Five sessions, **cold** but fine.",
    "sessions": 5,
    "side_effects": ["none"],
    "consent": True,
}


@pytest.fixture(autouse=True)
def behind_nginx(settings):
    settings.CONFIG = replace(
        settings.CONFIG,
        proxy_hops=1,
        comments_per_hour=2,
        reports_per_hour=2,
        reviews_per_day=1,
        reports_hide_threshold=50,
    )


def via(address: str, forged: str | None = None) -> dict[str, Any]:
    return {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": f"{forged}, {address}" if forged else address}


@dataclass
class World:
    reviews: list[Any]
    comments: list[Any]
    member: Any
    token: str
    staff: Any  # approved staff of the clinic every review names
    staff_token: str


@pytest.fixture
def world(guides, member, other_member, clinic_staff, settings) -> World:
    massage = Procedure.objects.get(slug="facial-cryomassage")
    clinic = Clinic.objects.get(slug=CLINIC)
    limited = settings.CONFIG
    settings.CONFIG = replace(limited, comments_per_hour=100)  # setting the scene is not what is limited
    comments = [approved(Target(procedure=massage), other_member, f"Comment {n}") for n in range(6)]
    settings.CONFIG = limited
    cache.clear()
    reviews = [published_review(massage) for _ in range(6)]
    for review in reviews:
        ReviewAttribution.objects.create(review=review, clinic=clinic)
    return World(
        reviews=reviews,
        comments=comments,
        member=member,
        token=token_issue(user=member, name="limits").secret,
        staff=clinic_staff,
        staff_token=token_issue(user=clinic_staff, name="limits").secret,
    )


# One attempt: (world, n-th attempt, headers naming the visitor) -> response.
Attempt = Callable[[World, int, dict[str, Any]], Any]


def page_comment(w: World, n: int, who: dict[str, Any]) -> Any:
    data = {"text": f"Guest comment {n}", "name": "Ira", "form_stamp": human_stamp(), "website": ""}
    return Client().post(f"{GUIDE}comments/", data, **who)


def page_review_report(w: World, n: int, who: dict[str, Any]) -> Any:
    return Client().post(f"/reviews/{w.reviews[n].pk}/report/", {"reason": "other", "details": "spam"}, **who)


def page_comment_report(w: World, n: int, who: dict[str, Any]) -> Any:
    return Client().post(f"/comments/{w.comments[n].pk}/report/", {"reason": "other", "details": "spam"}, **who)


def api_comment(w: World, n: int, who: dict[str, Any]) -> Any:
    data = {"text": f"API comment {n}", "name": "Ira"}
    return Client().post("/api/v1/procedures/facial-cryomassage/comments", data, content_type="application/json", **who)


def api_review_report(w: World, n: int, who: dict[str, Any]) -> Any:
    url = f"/api/v1/reviews/{w.reviews[n].pk}/reports"
    return Client().post(url, {"reason": "other", "details": "spam"}, content_type="application/json", **who)


def api_comment_report(w: World, n: int, who: dict[str, Any]) -> Any:
    url = f"/api/v1/comments/{w.comments[n].pk}/reports"
    return Client().post(url, {"reason": "other", "details": "spam"}, content_type="application/json", **who)


def page_clinic_report(w: World, n: int, who: dict[str, Any]) -> Any:
    client = Client()
    client.force_login(w.staff)
    url = f"/clinics/{CLINIC}/staff/reviews/{w.reviews[n].pk}/report/"
    return client.post(url, {"reason": "other", "details": "we never treated this person"}, **who)


def api_clinic_report(w: World, n: int, who: dict[str, Any]) -> Any:
    url = f"/api/v1/clinics/{CLINIC}/reviews/{w.reviews[n].pk}/reports"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {w.staff_token}"}
    data = {"reason": "other", "details": "we never treated this person"}
    return Client().post(url, data, content_type="application/json", **auth, **who)


def api_review(w: World, n: int, who: dict[str, Any]) -> Any:
    slug = ["facial-cryomassage", "cryodestruction-of-benign-growths", "cryoelectrophoresis"][n]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {w.token}"}
    return Client().post(
        "/api/v1/reviews", {**REVIEW, "procedure": slug}, content_type="application/json", **auth, **who
    )


def allauth_signup(w: World, n: int, who: dict[str, Any]) -> Any:
    data = {"email": f"new{n}-{who['HTTP_X_FORWARDED_FOR'][-3:]}@example.org", "password1": PASSWORD}
    return Client().post("/accounts/signup/", {**data, "password2": PASSWORD}, **who)


def allauth_login(w: World, n: int, who: dict[str, Any]) -> Any:
    return Client().post("/accounts/login/", {"login": f"nobody{n}@example.org", "password": "wrong"}, **who)


@dataclass(frozen=True)
class Limit:
    attempt: Attempt
    limit: int
    window: int
    per_address: bool = True  # False: per account, whatever the address


LIMITS = {
    "page: guest comments per hour": Limit(page_comment, 2, HOUR),
    "page: review reports per hour": Limit(page_review_report, 2, HOUR),
    "page: comment reports per hour": Limit(page_comment_report, 2, HOUR),
    "api: guest comments per hour": Limit(api_comment, 2, HOUR),
    "api: review reports per hour": Limit(api_review_report, 2, HOUR),
    "api: comment reports per hour": Limit(api_comment_report, 2, HOUR),
    "api: reviews per day (per member)": Limit(api_review, 1, DAY, per_address=False),
    # A clinic's reports count per staff account: the same limit as anyone's, wherever the staff member is.
    "page: a clinic's reports per hour (per account)": Limit(page_clinic_report, 2, HOUR, per_address=False),
    "api: a clinic's reports per hour (per account)": Limit(api_clinic_report, 2, HOUR, per_address=False),
    "allauth: sign-ups per hour": Limit(allauth_signup, 5, HOUR),
    "allauth: login requests per minute": Limit(allauth_login, 30, 60),
}


@pytest.mark.parametrize("name", LIMITS)
def test_one_visitor_is_limited_whatever_it_forges_and_is_told_when_to_retry(world, name):
    case = LIMITS[name]
    for n in range(case.limit):
        response = case.attempt(world, n, via("198.51.100.7", forged=f"6.6.6.{n}"))
        assert response.status_code < 400, (n, response.status_code, response.content[:300])
    refused = case.attempt(world, case.limit, via("198.51.100.7", forged="6.6.6.250, 7.7.7.7"))
    assert refused.status_code == 429, refused.content[:300]
    assert 1 <= int(refused["Retry-After"]) <= case.window
    assert re.search(r"try again in|Try again", refused.content.decode(), re.IGNORECASE)


@pytest.mark.parametrize("name", LIMITS)
def test_other_visitors_are_counted_separately(world, name):
    case = LIMITS[name]
    for n in range(case.limit):
        assert case.attempt(world, n, via("198.51.100.7")).status_code < 400
    assert case.attempt(world, case.limit, via("198.51.100.7")).status_code == 429
    other = case.attempt(world, case.limit, via("198.51.100.8"))
    if case.per_address:
        assert other.status_code < 400, other.content[:300]
    else:
        # Limits per account follow the account to any address (a member cannot escape by moving).
        assert other.status_code == 429 and int(other["Retry-After"]) >= 1


def test_every_429_in_the_code_is_one_of_the_paths_tried_above():
    """A new 429 anywhere must come through Throttled and one of the responders that set Retry-After."""
    found = {}
    for path in [*ROOT.joinpath("cryoview").rglob("*.py"), *ROOT.joinpath("config").rglob("*.py")]:
        if "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\b429\b", text):
            found[str(path.relative_to(ROOT))] = len(re.findall(r"status=429", text))
    assert found == {
        "cryoview/accounts/adapter.py": 0,  # how long allauth's refusing limit still holds
        "cryoview/accounts/views.py": 0,  # allauth's 429 (handler429) -> too_many_requests
        "cryoview/core/throttle.py": 1,  # Throttled: the only error that is a 429, and it knows the wait
        "cryoview/core/views.py": 1,  # too_many_requests: the 429 page, with Retry-After
        "cryoview/api/problems.py": 0,  # the API's problem responses: Retry-After from the Throttled
        "cryoview/comments/views.py": 0,  # -> too_many_requests
        "cryoview/moderation/views.py": 0,  # -> too_many_requests (reports of reviews and of comments)
        "cryoview/clinics/views/reports.py": 0,  # -> too_many_requests (the clinic door for reports)
    }
    from config import urls
    from cryoview.accounts.views import too_many_attempts

    assert urls.handler429 is too_many_attempts  # allauth's 429s
