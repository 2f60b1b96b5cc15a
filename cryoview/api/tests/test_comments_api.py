"""The comments API: threads with cursors, 201 shown / 202 held, 422 naming the field, authors' edits,
reports, and moderation through the same queue endpoints as reviews."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.utils import timezone

from cryoview.accounts.services import token_issue
from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment
from cryoview.comments.selectors import Target
from cryoview.comments.tests.factories import approved, posted
from cryoview.moderation.models import ModerationDecision, Report
from cryoview.reviews.tests.factories import pending_review, published_review

pytestmark = pytest.mark.django_db
GUIDE_API = "/api/v1/procedures/facial-cryomassage/comments"


def auth(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, name='test').secret}"}


@pytest.fixture
def guide(massage) -> Target:
    return Target(procedure=massage)


def test_a_guest_posts_and_is_told_the_comment_is_held(client, massage):
    response = client.post(GUIDE_API, {"text": "Is it safe in winter?", "name": "Ira"}, content_type="application/json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "held" and "awaiting moderation" in body["message"]
    assert Comment.objects.get(pk=body["id"]).guest_name == "Ira"
    assert client.get(GUIDE_API).json()["items"] == []  # approved only


def test_an_approved_member_gets_201_and_the_comment(client, guide, member):
    approved(guide, member, "Earlier")
    response = client.post(
        GUIDE_API, {"text": "**Yes**", "notify_replies": True}, content_type="application/json", **auth(member)
    )
    assert response.status_code == 201
    body = response.json()
    assert body["text_html"] == "<p><strong>Yes</strong></p>\n"
    assert body["author"] == {"name": member.public_name, "guest": False}
    assert Comment.objects.get(pk=body["id"]).notify_replies


def test_spam_is_answered_like_a_held_comment(client, guide, member):
    from cryoview.comments.models import CommentRules

    CommentRules.objects.create(pk=1, block_words="casino.example")
    response = client.post(
        GUIDE_API, {"text": "https://casino.example", "name": "Bot"}, content_type="application/json"
    )
    assert response.status_code == 202 and response.json()["status"] == "held"
    assert Comment.objects.get().status == CommentStatus.SPAM


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"text": "hi"}, "name", "is required"),
        ({"text": "", "name": "Ira"}, "text", "is required"),
        ({"text": "x" * 5001, "name": "Ira"}, "text", "at most 5,000"),
        ({"text": "x" * 20001, "name": "Ira"}, "text", ""),
        ({"text": "nul\u0000", "name": "Ira"}, "text", "NUL"),
        ({"text": "hi", "name": "Ira\u0000"}, "name", "NUL"),
        ({"text": "hi", "name": "Ira", "email": "nope"}, "email", "e-mail"),
        ({"text": "hi", "name": "Ira", "parent_id": 999999}, "parent_id", "not a published comment"),
        ({"text": "hi", "name": "Ira", "parent_id": "x"}, "parent_id", ""),
        ({"name": "Ira"}, "text", ""),
    ],
)
def test_invalid_input_is_422_naming_the_field_and_stores_nothing(client, massage, payload, field, message):
    response = client.post(GUIDE_API, payload, content_type="application/json")
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field], errors
    assert message in errors[0]["message"]
    assert Comment.objects.count() == 0


def test_a_reply_to_another_threads_comment_is_refused(client, warts, member):
    elsewhere = approved(Target(procedure=warts), member, "Elsewhere")
    response = client.post(
        GUIDE_API, {"text": "hi", "name": "Ira", "parent_id": elsewhere.pk}, content_type="application/json"
    )
    assert response.status_code == 422 and "parent_id" in response.text


def test_threads_are_nested_and_paged_by_cursor(client, guide, member, other_member, settings):
    settings.CONFIG = replace(settings.CONFIG, comments_per_hour=1000)
    tops = [approved(guide, member, f"Top {n}") for n in range(3)]
    reply = approved(guide, other_member, "Reply", parent=tops[0])
    approved(guide, member, "Reply to reply", parent=reply)
    first = client.get(GUIDE_API, {"limit": 2}).json()
    assert first["count"] == 5
    assert [c["id"] for c in first["items"]] == [tops[0].pk, tops[1].pk]
    assert first["items"][0]["replies"][0]["replies"][0]["text_html"] == "<p>Reply to reply</p>\n"
    second = client.get(GUIDE_API, {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [c["id"] for c in second["items"]] == [tops[2].pk] and second["next_cursor"] is None
    bad = client.get(GUIDE_API, {"cursor": "abc"})
    assert bad.status_code == 422 and "cursor" in bad.text


def test_deleted_comments_with_replies_are_placeholders_without_text_or_author(client, guide, member, other_member):
    parent = approved(guide, member, "Gone soon")
    approved(guide, other_member, "Stays", parent=parent)
    assert client.delete(f"/api/v1/comments/{parent.pk}", **auth(member)).status_code == 204
    [item] = client.get(GUIDE_API).json()["items"]
    assert item["status"] == "deleted" and item["text_html"] is None and item["author"] is None
    assert item["replies"][0]["text_html"] == "<p>Stays</p>\n"


def test_review_threads(client, massage, member, other_member):
    review = published_review(massage, member)
    url = f"/api/v1/reviews/{review.pk}/comments"
    approved(Target(review=review), other_member, "Earlier")
    response = client.post(url, {"text": "Thanks!"}, content_type="application/json", **auth(other_member))
    assert response.status_code == 201
    assert [c["id"] for c in client.get(url).json()["items"]][-1] == response.json()["id"]
    hidden = pending_review(massage, other_member)
    assert client.get(f"/api/v1/reviews/{hidden.pk}/comments").status_code == 404
    missing = client.post(
        f"/api/v1/reviews/{hidden.pk}/comments", {"text": "x", "name": "I"}, content_type="application/json"
    )
    assert missing.status_code == 404
    assert client.get("/api/v1/procedures/no-such-guide/comments").status_code == 404


def test_authors_patch_within_15_minutes_and_delete(client, guide, member, other_member):
    comment = approved(guide, member, "Frist")
    url = f"/api/v1/comments/{comment.pk}"
    patched = client.patch(url, {"text": "First"}, content_type="application/json", **auth(member))
    assert patched.status_code == 200 and patched.json()["text_html"] == "<p>First</p>\n"
    assert client.patch(url, {"text": "x"}, content_type="application/json", **auth(other_member)).status_code == 403
    assert client.patch(url, {"text": "x"}, content_type="application/json").status_code == 401
    assert client.patch(url, {"text": "\u0000"}, content_type="application/json", **auth(member)).status_code == 422
    held = client.patch(
        url, {"text": "a https://a https://b https://c"}, content_type="application/json", **auth(member)
    )
    assert held.status_code == 202 and held.json()["status"] == "held"
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=20))
    late = client.patch(url, {"text": "Late"}, content_type="application/json", **auth(member))
    assert late.status_code == 409 and "15 minutes" in late.text
    assert client.delete(url, **auth(other_member)).status_code == 403
    assert client.delete(url, **auth(member)).status_code == 204
    assert client.delete(url, **auth(member)).status_code == 404


def test_session_posts_need_the_csrf_token(member, massage):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.post(GUIDE_API, {"text": "hi"}, content_type="application/json")
    assert response.status_code == 403 and "CSRF" in response.text
    assert Comment.objects.count() == 0


def test_rate_limit_answers_429_with_the_wait(client, massage, settings):
    settings.CONFIG = replace(settings.CONFIG, comments_per_hour=1)
    assert client.post(GUIDE_API, {"text": "a", "name": "I"}, content_type="application/json").status_code == 202
    response = client.post(GUIDE_API, {"text": "b", "name": "I"}, content_type="application/json")
    assert response.status_code == 429 and "try again in" in response.text
    assert Comment.objects.count() == 1


def test_anyone_reports_a_comment(client, guide, member):
    comment = approved(guide, member, "Bad advice")
    url = f"/api/v1/comments/{comment.pk}/reports"
    assert client.post(url, {"reason": "dangerous_advice"}, content_type="application/json").status_code == 201
    assert client.post(url, {"reason": "dangerous_advice"}, content_type="application/json").status_code == 409
    bad = client.post(url, {"reason": "boring"}, content_type="application/json")
    assert bad.status_code == 422 and "reason" in bad.text
    assert Report.objects.filter(comment=comment).count() == 1
    held = posted(guide, None, "Held")
    assert (
        client.post(
            f"/api/v1/comments/{held.pk}/reports", {"reason": "other", "details": "x"}, content_type="application/json"
        ).status_code
        == 404
    )


def test_moderators_use_the_same_queue_endpoints(client, guide, member, moderator):
    comment = posted(guide, None, "Guest question")
    queue = client.get("/api/v1/moderation/queue", **auth(moderator)).json()
    [item] = [i for i in queue if i["comment"]]
    assert item["kind"] == "comment" and item["review"] is None
    assert item["comment"]["id"] == comment.pk and "first comment" in item["comment"]["reasons"][0]
    url = f"/api/v1/moderation/comments/{comment.pk}/decision"
    bad = client.post(url, {"decision": "reject"}, content_type="application/json", **auth(moderator))
    assert bad.status_code == 422 and "decision" in bad.text
    assert client.post(url, {"decision": "approve"}, content_type="application/json", **auth(member)).status_code == 403
    done = client.post(url, {"decision": "spam", "reason": "ad"}, content_type="application/json", **auth(moderator))
    assert done.json() == {"id": comment.pk, "decided": "comment", "decision": "spam", "status": "spam"}
    spam = client.get("/api/v1/moderation/spam", **auth(moderator)).json()
    assert [i["comment"]["id"] for i in spam] == [comment.pk]
    assert ModerationDecision.objects.get().reason == "ad"
    assert client.get("/api/v1/moderation/spam", **auth(member)).status_code == 403


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/procedures/{slug}/comments"])
    assert {"get", "post"} <= set(paths["/api/v1/reviews/{review_id}/comments"])
    assert {"patch", "delete"} <= set(paths["/api/v1/comments/{comment_id}"])
    assert "post" in paths["/api/v1/comments/{comment_id}/reports"]
    assert "post" in paths["/api/v1/moderation/comments/{comment_id}/decision"]
