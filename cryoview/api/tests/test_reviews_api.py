"""The reviews and moderation API: status codes, problem details naming fields, permissions."""

from __future__ import annotations

import pytest
from django.core import mail

from cryoview.accounts.models import User
from cryoview.accounts.services import token_issue
from cryoview.moderation.models import ModerationDecision, Report
from cryoview.moderation.tests.factories import established
from cryoview.reviews.models import Review
from cryoview.reviews.tests.factories import (
    pending_review,
    processing_video,
    published_review,
    ready_video,
    recount_queued,
)
from cryoview.videos.models import Video

pytestmark = pytest.mark.django_db(transaction=True)

BODY = {
    "procedure": "facial-cryomassage",
    "rating": 4,
    "worth_it": "worth_it",
    "title": "Fresher skin, no downtime",
    "text": "Five sessions, **cold** but fine.",
    "sessions": 5,
    "cost_amount": "150.00",
    "cost_currency": "EUR",
    "month": "2026-02",
    "city": "Tallinn",
    "clinic": "Nordic Skin",
    "side_effects": ["blister"],
    "pain": 2,
    "downtime_days": 0,
    "consent": True,
}


def auth(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='test').secret}"}


def test_a_member_posts_a_review_and_gets_201_pending(client, member, massage):
    response = client.post("/api/v1/reviews", BODY, content_type="application/json", **auth(member))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending"
    review = Review.objects.get(pk=body["id"])
    assert (review.clinic_name, review.treated_month.isoformat(), str(review.cost_amount)) == (
        "Nordic Skin",
        "2026-02-01",
        "150.00",
    )


def test_posting_needs_an_account(client, massage):
    response = client.post("/api/v1/reviews", BODY, content_type="application/json")
    assert response.status_code == 401
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": 6}, "rating"),
        ({"rating": "five"}, "rating"),
        ({"worth_it": "meh"}, "worth_it"),
        ({"title": ""}, "title"),
        ({"text": "a\x00b"}, "text"),
        ({"cost_currency": "eur"}, "cost_currency"),
        ({"cost_currency": "XXX"}, "cost_currency"),
        ({"month": "2026-13"}, "month"),
        ({"pain": -1}, "pain"),
        ({"side_effects": ["frostbite"]}, "side_effects"),
        ({"consent": False}, "consent"),
        ({"video_id": "not-a-uuid"}, "video_id"),
        ({"city": "x" * 81}, "city"),
        ({"month": "2099-01"}, "month"),
        ({"text": "   "}, "text"),
        ({"clinic": "c" * 121}, "clinic"),
    ],
)
def test_every_invalid_field_is_a_422_naming_it(client, member, massage, change, field):
    response = client.post("/api/v1/reviews", {**BODY, **change}, content_type="application/json", **auth(member))
    assert response.status_code == 422, response.json()
    problem = response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in {e["field"] for e in problem["errors"]}, problem
    assert not Review.objects.exists()


def test_a_second_review_of_the_same_procedure_is_409(client, member, massage):
    headers = auth(member)
    assert client.post("/api/v1/reviews", BODY, content_type="application/json", **headers).status_code == 201
    again = client.post("/api/v1/reviews", BODY, content_type="application/json", **headers)
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    assert Review.objects.count() == 1


def test_a_video_that_is_not_the_authors_or_failed_is_422_and_one_still_processing_waits(
    client, member, other_member, massage, clean_private_store
):
    from cryoview.reviews.selectors import queue_reviews
    from cryoview.videos.models import Video

    headers = auth(member)
    failed = processing_video(member)
    Video.objects.filter(pk=failed.pk).update(status="failed", error_code="no_video", error_message="No video.")
    for video in (ready_video(other_member), failed):
        response = client.post(
            "/api/v1/reviews", {**BODY, "video_id": str(video.pk)}, content_type="application/json", **headers
        )
        assert response.status_code == 422
        assert "video_id" in {e["field"] for e in response.json()["errors"]}
    busy = processing_video(member)
    ok = client.post("/api/v1/reviews", {**BODY, "video_id": str(busy.pk)}, content_type="application/json", **headers)
    assert ok.status_code == 201
    assert not queue_reviews().filter(pk=ok.json()["id"]).exists(), "it waits for the video"


def test_unpublished_reviews_are_404_except_for_author_and_moderators(client, member, other_member, moderator, massage):
    review = pending_review(massage, member)
    url = f"/api/v1/reviews/{review.pk}"
    assert client.get(url).status_code == 404
    assert client.get(url, **auth(other_member)).status_code == 404
    assert client.get(url, **auth(member)).json()["status"] == "pending"
    assert client.get(url, **auth(moderator)).status_code == 200
    assert client.get("/api/v1/reviews/99999999").status_code == 404


def test_another_members_review_cannot_be_changed_or_withdrawn(client, member, other_member, massage):
    review = published_review(massage, member, title="Mine")
    headers = auth(other_member)
    patch = client.patch(
        f"/api/v1/reviews/{review.pk}", {"title": "Theirs"}, content_type="application/json", **headers
    )
    assert patch.status_code == 404
    assert client.delete(f"/api/v1/reviews/{review.pk}", **headers).status_code == 404
    followup = client.post(
        f"/api/v1/reviews/{review.pk}/followups", {"text": "x"}, content_type="application/json", **headers
    )
    assert followup.status_code == 404
    review.refresh_from_db()
    assert (review.title, review.status) == ("Mine", "published")


def test_patch_of_a_published_review_waits_for_moderation(client, member, moderator, massage):
    review = published_review(massage, member, title="Before")
    response = client.patch(
        f"/api/v1/reviews/{review.pk}", {"title": "After", "rating": 2}, content_type="application/json", **auth(member)
    )
    assert response.status_code == 200
    assert response.json()["title"] == "Before" and response.json()["pending_edit"] is True
    assert client.get(f"/api/v1/reviews/{review.pk}").json()["title"] == "Before"
    bad = client.patch(f"/api/v1/reviews/{review.pk}", {"pain": 99}, content_type="application/json", **auth(member))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "pain"
    decision = client.post(
        f"/api/v1/moderation/reviews/{review.pk}/decision",
        {"decision": "approve"},
        content_type="application/json",
        **auth(moderator),
    )
    assert decision.status_code == 200 and decision.json()["decided"] == "edit"
    public = client.get(f"/api/v1/reviews/{review.pk}").json()
    assert (public["title"], public["rating"]) == ("After", 2)


def test_delete_withdraws_and_removes_the_video(client, member, massage, clean_private_store):
    video = ready_video(member)
    review = published_review(massage, member, video_id=str(video.pk))
    assert client.delete(f"/api/v1/reviews/{review.pk}", **auth(member)).status_code == 204
    review.refresh_from_db()
    assert review.status == "withdrawn"
    assert not Video.objects.filter(pk=video.pk).exists()
    assert client.get(f"/api/v1/reviews/{review.pk}").status_code == 404
    recount_queued()  # the worker recounts the guide's numbers
    assert client.get("/api/v1/procedures/facial-cryomassage/stats").json()["count"] == 0


def test_followups_and_stats_through_the_api(client, member, moderator, warts):
    review = published_review(warts, member, rating=5, side_effects=["blister"], sessions=2)
    response = client.post(
        f"/api/v1/reviews/{review.pk}/followups",
        {"text": "It came back after 3 months.", "new_rating": 2},
        content_type="application/json",
        **auth(member),
    )
    assert response.status_code == 201 and response.json()["status"] == "pending"
    empty = client.post(
        f"/api/v1/reviews/{review.pk}/followups", {"text": ""}, content_type="application/json", **auth(member)
    )
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "text"
    stats = client.get("/api/v1/procedures/cryodestruction-of-benign-growths/stats").json()
    assert stats == {
        "count": 1,
        "rating": {"average": 5.0, "distribution": {"5": 1, "4": 0, "3": 0, "2": 0, "1": 0}},
        "worth_it_percent": 100,
        "cost": [{"currency": "EUR", "median": 120.0, "min": 120.0, "max": 120.0, "count": 1}],
        "sessions_median": 2.0,
        "side_effects": [{"slug": "blister", "percent": 100, "count": 1}],
        "with_followup": 0,
        "by_label": [  # counted separately (clinics' breakdown); an average needs 5 reviews with the label
            {"label": "verified", "name": "Verified", "count": 0, "average_rating": None},
            {"label": "invited", "name": "Invited", "count": 0, "average_rating": None},
            {"label": "none", "name": "No label", "count": 1, "average_rating": None},
        ],
    }


def test_the_list_endpoint_filters_and_rejects_bad_parameters(client, massage, clean_private_store):
    published_review(massage, rating=5)
    published_review(massage, rating=2)
    with_video = User.objects.create_user("video@example.org", "pw-12345678")
    published_review(massage, with_video, rating=3, video_id=str(ready_video(with_video).pk))
    body = client.get("/api/v1/procedures/facial-cryomassage/reviews").json()
    assert [item["video"] is not None for item in body["items"]] == [True, False, False]
    assert [
        i["rating"] for i in client.get("/api/v1/procedures/facial-cryomassage/reviews?rating=5").json()["items"]
    ] == [5]
    only_video = client.get("/api/v1/procedures/facial-cryomassage/reviews?has_video=true").json()["items"]
    assert len(only_video) == 1 and only_video[0]["video"]["poster"].endswith("/poster.jpg")
    for query, field in (("rating=9", "rating"), ("sort=up", "sort"), ("limit=500", "limit")):
        response = client.get(f"/api/v1/procedures/facial-cryomassage/reviews?{query}")
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == field
    assert client.get("/api/v1/procedures/facial-cryomassage/reviews?cursor=zzz").status_code == 422
    assert client.get("/api/v1/procedures/no-such-guide/reviews").status_code == 404


def test_reports_through_the_api(client, member, other_member, massage, settings):
    from dataclasses import replace

    settings.CONFIG = replace(settings.CONFIG, reports_hide_threshold=2)
    first, second, third = established(3)
    review = published_review(massage)
    url = f"/api/v1/reviews/{review.pk}/reports"
    bad = client.post(url, {"reason": "boring"}, content_type="application/json", **auth(member))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reason"
    ok = client.post(url, {"reason": "this_is_me", "part": "review"}, content_type="application/json", **auth(member))
    assert ok.status_code == 201
    body = ok.json()
    assert body["status"] == "queued" and body["counts_towards_hiding"] is False and body["hidden"] is False
    assert "never hide a review by themselves" in body["message"]  # the member's account is new
    assert (
        client.post(url, {"reason": "fake_or_paid"}, content_type="application/json", **auth(member)).status_code == 409
    )
    video_part = client.post(url, {"reason": "other", "part": "video", "details": "x"}, content_type="application/json")
    assert video_part.status_code == 422  # the review has no video
    visitor = client.post(url, {"reason": "fake_or_paid"}, content_type="application/json")
    assert visitor.status_code == 201 and visitor.json()["counts_towards_hiding"] is False
    assert client.get(f"/api/v1/reviews/{review.pk}").status_code == 200, "new accounts and visitors hide nothing"
    trusted = client.post(url, {"reason": "fake_or_paid"}, content_type="application/json", **auth(first))
    assert trusted.json()["counts_towards_hiding"] is True and trusted.json()["hidden"] is False
    assert "Reports alone never remove a review" in trusted.json()["message"]
    hiding = client.post(url, {"reason": "fake_or_paid"}, content_type="application/json", **auth(second)).json()
    assert hiding["hidden"] is True and "hidden until a moderator decides" in hiding["message"]
    assert Report.objects.count() == 4
    assert client.get(f"/api/v1/reviews/{review.pk}").status_code == 404, "hidden at the threshold"
    assert (
        client.post(url, {"reason": "fake_or_paid"}, content_type="application/json", **auth(third)).status_code == 404
    )


def test_the_moderation_api_is_for_moderators(client, member, moderator, massage):
    review = pending_review(massage, member, body="Write to me at someone@example.org")
    assert client.get("/api/v1/moderation/queue", **auth(member)).status_code == 403
    assert client.get("/api/v1/moderation/queue").status_code == 401
    forbidden = client.post(
        f"/api/v1/moderation/reviews/{review.pk}/decision",
        {"decision": "approve"},
        content_type="application/json",
        **auth(member),
    )
    assert forbidden.status_code == 403
    queue = client.get("/api/v1/moderation/queue", **auth(moderator)).json()
    [item] = queue
    assert item["kind"] == "review" and item["review"]["id"] == review.pk
    assert "email" in {f["code"] for f in item["flags"]}
    bad = client.post(
        f"/api/v1/moderation/reviews/{review.pk}/decision",
        {"decision": "maybe"},
        content_type="application/json",
        **auth(moderator),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "decision"
    no_reason = client.post(
        f"/api/v1/moderation/reviews/{review.pk}/decision",
        {"decision": "reject"},
        content_type="application/json",
        **auth(moderator),
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    done = client.post(
        f"/api/v1/moderation/reviews/{review.pk}/decision",
        {"decision": "reject", "reason": "No contact details, please."},
        content_type="application/json",
        **auth(moderator),
    )
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    assert ModerationDecision.objects.get().reason == "No contact details, please."
    assert "No contact details" in mail.outbox[0].body
    assert client.get("/api/v1/moderation/queue", **auth(moderator)).json() == []
    gone = client.post(
        "/api/v1/moderation/reviews/987654/decision",
        {"decision": "approve"},
        content_type="application/json",
        **auth(moderator),
    )
    assert gone.status_code == 404


def test_the_openapi_document_lists_the_review_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/procedures/{slug}/reviews",
        "/api/v1/procedures/{slug}/stats",
        "/api/v1/reviews",
        "/api/v1/reviews/{review_id}",
        "/api/v1/reviews/{review_id}/followups",
        "/api/v1/reviews/{review_id}/reports",
        "/api/v1/moderation/queue",
        "/api/v1/moderation/reviews/{review_id}/decision",
    ):
        assert path in paths, path
