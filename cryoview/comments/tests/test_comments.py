"""Comments under guides and reviews: threading, the hold and spam rules one by one, rate limits,
editing and deleting, reply e-mails, the guest's "remember me", privacy, and what pages show."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment, CommentRules
from cryoview.comments.selectors import Target, thread_page
from cryoview.comments.services import (
    FormEvidence,
    comment_delete,
    comment_edit,
    comments_forget_addresses,
    comments_purge_spam,
)
from cryoview.comments.tests.factories import approved, human_stamp, posted
from cryoview.comments.tests.markup import live_markup
from cryoview.core.errors import ApplicationError
from cryoview.moderation.enums import Decision
from cryoview.moderation.models import ModerationDecision, Report
from cryoview.moderation.services import comment_decide, reports_forget_addresses
from cryoview.moderation.tests.factories import established
from cryoview.reviews.tests.factories import pending_review, published_review
from cryoview.reviews.tests.test_pages import XSS

pytestmark = pytest.mark.django_db
GUIDE = "/procedures/facial-cryomassage/"


@pytest.fixture
def guide(massage) -> Target:
    return Target(procedure=massage)


@pytest.fixture
def config(settings):
    """Change CRYOVIEW_* values for one test: config(comments_max_depth=3)."""

    def change(**values):
        settings.CONFIG = replace(settings.CONFIG, **values)

    return change


def form(text: str, **extra) -> dict[str, str]:
    return {"text": text, "form_stamp": human_stamp(), "website": "", **extra}


# --- threading ---------------------------------------------------------------------------------------------


def test_replies_nest_and_replies_below_the_depth_limit_attach_at_the_last_level(guide, member, config):
    config(comments_max_depth=3)
    first = approved(guide, member, "Level one")
    second = approved(guide, member, "Level two", parent=first)
    third = approved(guide, member, "Level three", parent=second)
    fourth = approved(guide, member, "Answer to level three", parent=third)
    assert [c.depth for c in (first, second, third, fourth)] == [1, 2, 3, 3]
    assert fourth.parent == second and fourth.in_reply_to == third
    assert {c.root_id for c in (second, third, fourth)} == {first.pk}
    [top] = thread_page(target=guide).nodes
    level_two = top.children[0]
    assert [n.comment.pk for n in level_two.children] == [third.pk, fourth.pk]
    assert level_two.children[1].replying_to == member.public_name


def test_the_page_nests_replies_in_lists(client, guide, member):
    first = approved(guide, member, "Top comment")
    approved(guide, member, "A reply", parent=first)
    html = client.get(GUIDE).text
    top = html.index(f'id="comment-{first.pk}"')
    assert html.index('<ol class="children">', top) < html.index("A reply")
    assert "2 comments" in html


def test_a_reply_must_answer_a_shown_comment_of_the_same_thread(guide, warts, member):
    other_thread = approved(Target(procedure=warts), member, "Elsewhere")
    held = posted(guide, None, "Held guest comment")
    for parent in (other_thread, held):
        with pytest.raises(ApplicationError) as error:
            posted(guide, member, "A reply", parent=parent)
        assert error.value.problems[0].field == "parent"
    assert Comment.objects.filter(body="A reply").count() == 0


def test_review_pages_have_their_own_thread(client, massage, member, other_member):
    review = published_review(massage, member, title="My massage")
    approved(Target(review=review), other_member, "How many sessions?")
    assert "How many sessions?" in client.get(f"/reviews/{review.pk}/").text
    assert "How many sessions?" not in client.get(GUIDE).text


def test_no_comments_on_unpublished_reviews_or_guides(guide, massage, member):
    review = pending_review(massage, member)
    with pytest.raises(ApplicationError) as error:
        posted(Target(review=review), member, "Hello")
    assert error.value.status == 404
    massage.is_published = False
    massage.save()
    with pytest.raises(ApplicationError):
        posted(Target(procedure=massage), member, "Hello")
    assert Comment.objects.count() == 0


# --- hold rules, one by one --------------------------------------------------------------------------------


def test_a_first_comment_is_held_and_an_approved_authors_next_one_appears_at_once(guide, member):
    first = posted(guide, member, "My first comment")
    assert first.status == CommentStatus.HELD
    assert "first comment" in first.reasons[0]
    second = posted(guide, member, "Another one")
    assert second.status == CommentStatus.HELD  # still never approved
    approved(guide, member, "Approved now")
    assert posted(guide, member, "Shown at once").status == CommentStatus.APPROVED


def test_a_guest_is_recognised_by_name_and_email_only(guide):
    approved(guide, None, "Hello", guest_name="Olga", guest_email="olga@example.org")
    assert posted(guide, None, "Again", guest_name="olga", guest_email="OLGA@example.org").status == "approved"
    assert posted(guide, None, "Again", guest_name="Olga", guest_email="other@example.org").status == "held"
    assert posted(guide, None, "Again", guest_name="Olga").status == "held"  # no e-mail: cannot be recognised


def test_moderators_comments_appear_at_once(guide, moderator):
    assert posted(guide, moderator, "From the team").status == CommentStatus.APPROVED


@pytest.mark.parametrize(
    ("text", "held", "reason"),
    [
        ("Two links https://a.example and https://b.example", False, None),
        ("Three https://a.example https://b.example www.c.example", True, "3 links"),
        ("This is a miracle", True, "hold list: “miracle”"),
        ("Miracles are not promised", False, None),
    ],
)
def test_links_and_the_hold_list_hold_an_approved_authors_comment(guide, member, text, held, reason):
    CommentRules.objects.create(pk=1, hold_words="miracle\n", max_links=2)
    approved(guide, member, "Earlier comment")
    comment = posted(guide, member, text)
    assert (comment.status == CommentStatus.HELD) == held
    if reason:
        assert any(reason in r for r in comment.reasons)


def test_the_same_text_in_another_thread_within_the_hour_is_held(guide, warts, member):
    approved(guide, member, "Earlier comment")
    assert posted(guide, member, "Visit my clinic, best prices!").status == "approved"
    copy = posted(Target(procedure=warts), member, "visit my clinic,  BEST prices!")
    assert copy.status == CommentStatus.HELD
    assert "other thread" in copy.reasons[0]
    Comment.objects.filter(pk=copy.pk).update(created_at=timezone.now() - timedelta(hours=2))
    Comment.objects.exclude(pk=copy.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert posted(Target(procedure=warts), member, "Visit my clinic, best prices!").status == "approved"


# --- spam rules, one by one --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"text": "cheap viagra"}, "block list"),
        ({"text": "hello", "guest_name": "Viagra Shop"}, "block list"),
        ({"text": "hello", "guest_email": "x@casino.example"}, "block list"),
        ({"text": "hello", "form": FormEvidence(honeypot="https://x.example", seconds_on_form=30)}, "hidden field"),
        ({"text": "hello", "form": FormEvidence(honeypot="", seconds_on_form=0.5)}, "faster than a person"),
        ({"text": "hello", "form": FormEvidence(honeypot="", seconds_on_form=None)}, "time stamp"),
    ],
)
def test_spam_is_never_shown_and_waits_in_the_spam_folder(client, guide, moderator, kwargs, reason):
    CommentRules.objects.create(pk=1, block_words="viagra\ncasino.example")
    text = kwargs.pop("text")
    comment = posted(guide, None, text, **kwargs)
    assert comment.status == CommentStatus.SPAM
    assert any(reason in r for r in comment.reasons)
    assert f'id="comment-{comment.pk}"' not in client.get(GUIDE).text
    client.force_login(moderator)
    assert f'id="item-comment-{comment.pk}"' not in client.get("/moderation/").text
    assert f'id="item-comment-{comment.pk}"' in client.get("/moderation/spam/").text


def test_the_min_seconds_setting_moves_the_human_threshold(guide, config):
    config(comments_min_seconds=10)
    assert posted(guide, None, "hi", form=FormEvidence("", 5)).status == CommentStatus.SPAM
    config(comments_min_seconds=0)
    assert posted(guide, None, "hi", form=FormEvidence("", 0.1)).status == CommentStatus.HELD


def test_spam_is_purged_after_30_days_and_ip_hashes_after_the_retention(guide, config):
    config(ip_retention_days=90)
    spam = posted(guide, None, "x", form=FormEvidence("filled", 30))
    recent_spam = posted(guide, None, "y", form=FormEvidence("filled", 30))
    kept = posted(guide, None, "z")
    Comment.objects.filter(pk=spam.pk).update(status_changed_at=timezone.now() - timedelta(days=31))
    Comment.objects.filter(pk=kept.pk).update(created_at=timezone.now() - timedelta(days=91))
    assert comments_purge_spam() == 1
    assert not Comment.objects.filter(pk=spam.pk).exists()
    assert Comment.objects.filter(pk=recent_spam.pk).exists()
    assert comments_forget_addresses() == 1
    kept.refresh_from_db()
    assert kept.ip_hash == ""
    assert Comment.objects.get(pk=recent_spam.pk).ip_hash != ""


def test_addresses_are_stored_as_salted_hashes(client, massage):
    client.post(f"{GUIDE}comments/", form("From a guest", name="Ira"), REMOTE_ADDR="203.0.113.7")
    comment = Comment.objects.get()
    import hashlib

    assert comment.ip_hash and "203.0.113.7" not in comment.ip_hash
    assert comment.ip_hash not in hashlib.sha256(b"203.0.113.7").hexdigest()
    client.post(f"{GUIDE}comments/", form("Second", name="Ira"), REMOTE_ADDR="203.0.113.7")
    assert Comment.objects.values("ip_hash").distinct().count() == 1


def test_report_keys_of_visitors_expire_with_the_retention(guide, member, config):
    config(ip_retention_days=90)
    comment = approved(guide, member, "Reported")
    from cryoview.moderation.services import comment_report_create

    old = comment_report_create(comment=comment, reporter=None, reporter_key="ip:abc", reason="fake_or_paid").report
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    assert reports_forget_addresses() == 1
    old.refresh_from_db()
    assert old.reporter_key == f"expired:{old.pk}"


# --- rate limits ---------------------------------------------------------------------------------------------


def test_rate_limit_per_address_answers_429_with_the_wait(client, massage, config):
    config(comments_per_hour=2)
    for n in range(2):
        response = client.post(f"{GUIDE}comments/", form(f"Guest {n}", name="Ira"), REMOTE_ADDR="198.51.100.1")
        assert response.status_code == 302
    response = client.post(f"{GUIDE}comments/", form("One more", name="Ira"), REMOTE_ADDR="198.51.100.1")
    assert response.status_code == 429
    assert re.search(r"try again in \d+ seconds", response.text)
    assert int(response["Retry-After"]) > 0
    assert Comment.objects.count() == 2
    other = client.post(f"{GUIDE}comments/", form("Other address", name="Ira"), REMOTE_ADDR="198.51.100.2")
    assert other.status_code == 302


def test_rate_limit_per_account_holds_across_addresses(client, member, massage, config):
    config(comments_per_hour=2)
    client.force_login(member)
    for n, address in enumerate(["198.51.100.1", "198.51.100.2"]):
        assert client.post(f"{GUIDE}comments/", form(f"M {n}"), REMOTE_ADDR=address).status_code == 302
    assert client.post(f"{GUIDE}comments/", form("M 3"), REMOTE_ADDR="198.51.100.3").status_code == 429


# --- input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": "x" * 5001, "name": "Ira"}, "text", "at most 5,000 characters"),
        ({"text": "   ", "name": "Ira"}, "text", "is required"),
        ({"text": "nul \x00 byte", "name": "Ira"}, "text", "control characters or NUL"),
        ({"text": "bell \x07", "name": "Ira"}, "text", "control characters"),
        ({"text": "Hello", "name": ""}, "name", "is required"),
        ({"text": "Hello", "name": "N\x00"}, "name", "control characters"),
        ({"text": "Hello", "name": "n" * 81}, "name", "at most 80"),
        ({"text": "Hello", "name": "Ira", "email": "not-an-address"}, "email", "not an e-mail address"),
    ],
)
def test_bad_input_gets_a_page_naming_the_field_and_leaves_nothing(client, massage, data, field, message):
    response = client.post(f"{GUIDE}comments/", form(**data))
    assert response.status_code == 422
    assert message in response.text
    assert f'id="{field}-problem"' in response.text
    assert Comment.objects.count() == 0
    if data["text"].strip() and "\x00" not in data["text"] and len(data["text"]) < 100:
        assert data["text"] in response.text  # what was written is kept


def test_text_is_unicode_normalised(guide, member):
    comment = approved(guide, member, "cafe\u0301")
    assert comment.body == "caf\u00e9"


def test_the_text_allows_the_markdown_subset_and_links_get_nofollow_ugc(guide, member):
    comment = approved(guide, member, "**Bold** and [a source](https://example.org)")
    assert "<strong>Bold</strong>" in comment.body_html
    assert 'rel="nofollow ugc noopener"' in comment.body_html


# --- edit and delete -----------------------------------------------------------------------------------------


def test_authors_edit_within_15_minutes_only(guide, member, other_member):
    comment = approved(guide, member, "Tyop")
    comment_edit(comment=comment, by=member, text="Typo")
    comment.refresh_from_db()
    assert comment.body == "Typo" and comment.edited_at is not None and comment.status == "approved"
    with pytest.raises(ApplicationError) as error:
        comment_edit(comment=comment, by=other_member, text="Mine now")
    assert error.value.status == 403
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    comment.refresh_from_db()
    with pytest.raises(ApplicationError) as error:
        comment_edit(comment=comment, by=member, text="Too late")
    assert error.value.status == 409
    assert Comment.objects.get(pk=comment.pk).body == "Typo"


def test_an_edit_that_adds_links_goes_back_to_moderation(client, guide, member):
    comment = approved(guide, member, "Plain")
    client.force_login(member)
    response = client.post(
        f"/comments/{comment.pk}/edit/", {"text": "https://a.example https://b.example https://c.example"}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == CommentStatus.HELD
    assert "edited: 3 links" in comment.reasons[0]


def test_a_deleted_comment_with_replies_shows_as_deleted_and_the_replies_stay(client, guide, member, other_member):
    parent = approved(guide, member, "Secret parent text")
    approved(guide, other_member, "The reply stays", parent=parent)
    lonely = approved(guide, member, "Lonely comment")
    comment_delete(comment=parent, by=member)
    comment_delete(comment=lonely, by=member)
    parent.refresh_from_db()
    assert parent.body == "" and parent.status == CommentStatus.DELETED
    html = client.get(GUIDE).text
    assert "Secret parent text" not in html and "Lonely comment" not in html
    assert "This comment was deleted." in html and "The reply stays" in html
    assert f'id="comment-{lonely.pk}"' not in html


def test_only_the_author_deletes(client, guide, member, other_member):
    comment = approved(guide, member, "Mine")
    with pytest.raises(ApplicationError):
        comment_delete(comment=comment, by=other_member)
    client.force_login(other_member)
    assert client.post(f"/comments/{comment.pk}/delete/").status_code == 404
    client.force_login(member)
    assert client.post(f"/comments/{comment.pk}/delete/").status_code == 302
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.DELETED


# --- reply e-mails -------------------------------------------------------------------------------------------


def test_reply_email_with_one_click_unsubscribe(
    client, guide, member, other_member, moderator, django_capture_on_commit_callbacks
):
    question = approved(guide, member, "Does it hurt?", notify_replies=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        held_reply = posted(guide, other_member, "A little.", parent=question)
    assert held_reply.status == "held" and mail.outbox == []  # not before a moderator approves it
    with django_capture_on_commit_callbacks(execute=True):
        comment_decide(comment=held_reply, by=moderator, decision=Decision.APPROVE)
    [message] = mail.outbox
    assert message.to == [member.email]
    assert "A little." in message.body
    link = re.search(r"(http://\S+/comments/unsubscribe/\S+/)", message.body).group(1)
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    response = client.get(link.replace("http://127.0.0.1:8000", ""))
    assert response.status_code == 200 and "unsubscribed" in response.text
    assert not Comment.objects.get(pk=question.pk).notify_replies
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approved(guide, other_member, "Another reply", parent=question)
    assert mail.outbox == []


def test_no_reply_email_without_opt_in_or_to_oneself(guide, member, other_member, django_capture_on_commit_callbacks):
    quiet = approved(guide, member, "No e-mails please")
    loud = approved(guide, member, "E-mail me", notify_replies=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approved(guide, other_member, "Reply", parent=quiet)
        approved(guide, member, "Replying to myself", parent=loud)
        approved(guide, other_member, "This one is mailed", parent=loud)
    assert [m.to for m in mail.outbox] == [[member.email]]  # only the last: the test can see e-mails


def test_a_forged_unsubscribe_link_changes_nothing(client, guide, member):
    approved(guide, member, "E-mail me", notify_replies=True)
    assert client.get("/comments/unsubscribe/not-a-token/").status_code == 404
    assert client.post("/comments/unsubscribe/1:forged:sig/").status_code == 404
    assert Comment.objects.get().notify_replies


# --- the guest's form ----------------------------------------------------------------------------------------


def test_a_guest_is_told_the_comment_awaits_moderation_and_remembered_on_request(client, massage):
    response = client.post(
        f"{GUIDE}comments/", form("First visit", name="Ira", email="ira@example.org", remember="on"), follow=True
    )
    assert "awaiting moderation" in response.text
    assert client.cookies["cryoview_commenter"].value
    page = client.get(GUIDE).text
    assert 'value="Ira"' in page and 'value="ira@example.org"' in page
    client.post(f"{GUIDE}comments/", form("Forget me", name="Ira"))
    assert client.cookies["cryoview_commenter"].value == ""


def test_a_visitors_cached_page_gets_a_fresh_stamp_and_sets_no_cookie(massage):
    from django.test import Client

    first, second = Client(enforce_csrf_checks=True).get(GUIDE), Client(enforce_csrf_checks=True).get(GUIDE)
    stamps = [re.search(r'name="form_stamp" value="([^"]+)"', r.text).group(1) for r in (first, second)]
    assert stamps[0] != stamps[1]
    assert "cryoview:form-tokens" not in first.text + second.text
    assert "csrfmiddlewaretoken" not in second.text and not second.cookies
    guest = {"text": "Hello", "name": "Ira", "form_stamp": stamps[1]}
    assert Client(enforce_csrf_checks=True).post(f"{GUIDE}comments/", guest).status_code == 302


def test_posts_with_a_session_must_pass_csrf(member, massage):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    page = browser.get(GUIDE).text  # signed in: a fresh render, with a CSRF token
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    forged = {"text": "Forged", "name": "Ira", "form_stamp": human_stamp()}
    assert browser.post(f"{GUIDE}comments/", forged).status_code == 403
    assert Comment.objects.count() == 0, "refused, not posted as a guest"
    mine = {**forged, "text": "Mine", "csrfmiddlewaretoken": token}
    assert browser.post(f"{GUIDE}comments/", mine).status_code == 302
    assert Comment.objects.get().author == member


def test_an_approved_comment_shows_at_once_to_visitors_of_a_cached_page(
    client, guide, member, moderator, django_capture_on_commit_callbacks
):
    assert "Comments</h2>" in client.get(GUIDE).text  # now cached for visitors
    comment = posted(guide, None, "Fresh guest comment")
    assert "Fresh guest comment" not in client.get(GUIDE).text
    with django_capture_on_commit_callbacks(execute=True):
        comment_decide(comment=comment, by=moderator, decision=Decision.APPROVE)
    assert "Fresh guest comment" in client.get(GUIDE).text


def test_members_see_their_own_held_comment_marked(client, guide, member):
    posted(guide, member, "Waiting for a moderator")
    client.force_login(member)
    html = client.get(GUIDE).text
    assert "Waiting for a moderator" in html and "Only you can see this — waiting for a moderator." in html
    client.logout()
    assert "Waiting for a moderator" not in client.get(GUIDE).text


def test_reply_without_javascript_prepares_the_form(client, guide, member):
    comment = approved(guide, member, "Ask me")
    html = client.get(f"{GUIDE}?replytocom={comment.pk}").text
    assert f"Reply to {member.public_name}" in html
    assert f'id="comment-parent" value="{comment.pk}"' in html


# --- moderation ----------------------------------------------------------------------------------------------


def test_moderators_approve_mark_spam_or_delete_with_a_logged_reason(client, guide, moderator):
    comments = [posted(guide, None, f"Guest {n}") for n in range(3)]
    client.force_login(moderator)
    queue = client.get("/moderation/").text
    assert all(f'id="item-comment-{c.pk}"' in queue for c in comments)
    for comment, decision in zip(comments, ["approve", "spam", "delete"], strict=True):
        response = client.post(
            f"/moderation/comments/{comment.pk}/decision", {"decision": decision, "reason": f"because {decision}"}
        )
        assert response.status_code == 302
    statuses = [Comment.objects.get(pk=c.pk).status for c in comments]
    assert statuses == ["approved", "spam", "deleted"]
    log = ModerationDecision.objects.filter(target_kind="comment").order_by("id")
    assert [(d.decision, d.reason) for d in log] == [(d, f"because {d}") for d in ("approve", "spam", "delete")]
    assert "first comment" in log[0].flags[0]


def test_a_spam_comment_can_be_rescued(client, guide, moderator):
    comment = posted(guide, None, "Written fast", form=FormEvidence("", 0.2))
    client.force_login(moderator)
    client.post(f"/moderation/comments/{comment.pk}/decision", {"decision": "approve", "back": "spam"})
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.APPROVED


def test_people_outside_moderation_cannot_decide(client, guide, member):
    comment = posted(guide, None, "Guest")
    client.force_login(member)
    assert client.post(f"/moderation/comments/{comment.pk}/decision", {"decision": "approve"}).status_code == 404
    assert client.get("/moderation/spam/").status_code == 404
    assert client.get("/moderation/comment-rules/").status_code == 404
    with pytest.raises(ApplicationError):
        comment_decide(comment=comment, by=member, decision=Decision.APPROVE)
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.HELD


def test_anyone_reports_but_only_established_members_reports_hide_the_comment(client, guide, member, moderator, config):
    config(reports_hide_threshold=2)
    comment = approved(guide, member, "Questionable advice")
    for address in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):  # visitors from many addresses: queued, never hidden
        response = client.post(f"/comments/{comment.pk}/report/", {"reason": "dangerous_advice"}, REMOTE_ADDR=address)
        assert response.status_code == 302
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.APPROVED
    for person in established(2):
        client.force_login(person)
        shown = client.post(f"/comments/{comment.pk}/report/", {"reason": "dangerous_advice"}, follow=True)
        assert "moderation queue" in shown.text
    client.logout()
    again = client.post(f"/comments/{comment.pk}/report/", {"reason": "dangerous_advice"}, REMOTE_ADDR="192.0.2.9")
    assert again.status_code == 404  # hidden now
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.HELD
    assert "Questionable advice" not in client.get(GUIDE).text
    client.force_login(moderator)
    queue = client.get("/moderation/").text
    assert "Reported comment" in queue and "5 open reports" in queue and "visitor" in queue
    comment_decide(comment=comment, by=moderator, decision=Decision.APPROVE, reason="Sourced, fine")
    assert Comment.objects.get(pk=comment.pk).status == CommentStatus.APPROVED
    assert set(Report.objects.filter(comment=comment).values_list("resolution", flat=True)) == {"kept"}
    decision = ModerationDecision.objects.get(target_id=str(comment.pk))
    assert decision.target_kind == "comment_reports" and decision.reports.count() == 5


def test_a_report_needs_a_reason_and_one_per_person(client, guide, member):
    comment = approved(guide, member, "Fine")
    response = client.post(f"/comments/{comment.pk}/report/", {"reason": "bogus"})
    assert response.status_code == 422 and "reason" in response.text
    assert client.post(f"/comments/{comment.pk}/report/", {"reason": "other", "details": "Spam"}).status_code == 302
    twice = client.post(f"/comments/{comment.pk}/report/", {"reason": "other", "details": "Spam"})
    assert twice.status_code == 409
    assert Report.objects.count() == 1


@pytest.mark.parametrize("field", ["reason", "details"])
def test_nul_in_a_moderation_reason_or_a_report_is_refused_with_a_message(client, guide, member, moderator, field):
    comment = approved(guide, member, "Fine")
    if field == "reason":
        client.force_login(moderator)
        client.post(f"/moderation/comments/{comment.pk}/decision", {"decision": "delete", "reason": "x\x00"})
        assert ModerationDecision.objects.count() == 0
        assert Comment.objects.get(pk=comment.pk).status == CommentStatus.APPROVED
    else:
        response = client.post(f"/comments/{comment.pk}/report/", {"reason": "other", "details": "x\x00y"})
        assert response.status_code == 422 and "control characters" in response.text
        assert Report.objects.count() == 0


def test_moderators_edit_the_rules(client, guide, member, moderator):
    client.force_login(moderator)
    response = client.post(
        "/moderation/comment-rules/", {"hold_words": "miracle\n\nMiracle", "block_words": "viagra", "max_links": "1"}
    )
    assert response.status_code == 302
    rules = CommentRules.objects.get()
    assert (rules.hold_words, rules.block_words, rules.max_links) == ("miracle", "viagra", 1)
    approved(guide, member, "Earlier")
    assert posted(guide, member, "https://a.example https://b.example").status == CommentStatus.HELD
    bad = client.post("/moderation/comment-rules/", {"hold_words": "", "block_words": "x\x00", "max_links": "many"})
    assert bad.status_code == 422
    assert "block_words" in bad.text or "Block list" in bad.text
    assert CommentRules.objects.get().block_words == "viagra"


# --- privacy -------------------------------------------------------------------------------------------------


def test_account_deletion_blanks_the_comments_and_export_lists_them(client, guide, member, other_member):
    from cryoview.journeys.privacy import account_delete, account_export

    mine = approved(guide, member, "My words", notify_replies=True)
    approved(guide, other_member, "A reply", parent=mine)
    exported = account_export(user=member, link=lambda path: f"https://x{path}")
    assert exported["comments"][0]["text"] == "My words"
    account_delete(user=member)
    mine.refresh_from_db()
    assert mine.status == CommentStatus.DELETED and mine.body == "" and mine.author is None
    html = client.get(GUIDE).text
    assert "My words" not in html and "A reply" in html


# --- queries -------------------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    client.get(url)  # fills the guide's own fragment caches: only the thread is measured
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_threads_render_with_a_constant_number_of_queries(client, guide, massage, member, other_member, config):
    config(comments_per_hour=1000)
    review = published_review(massage, other_member)
    client.force_login(member)  # signed in: always a fresh render
    approved(guide, member, "One")
    approved(Target(review=review), member, "One")
    few = _queries(client, GUIDE), _queries(client, f"/reviews/{review.pk}/")
    for target in (guide, Target(review=review)):
        for n in range(6):
            top = approved(target, other_member, f"Top {n}")
            reply = approved(target, member, f"Reply {n}", parent=top)
            approved(target, None, f"Guest {n}", parent=reply, guest_name="G")
        comment_delete(comment=top, by=other_member)
    many = _queries(client, GUIDE), _queries(client, f"/reviews/{review.pk}/")
    assert few == many


# --- hostile text --------------------------------------------------------------------------------------------


def test_the_markup_finder_reads_json_ld_as_data_and_checks_it():
    assert live_markup('<script type="application/ld+json">{"name": "\\u003cb\\u003e"}</script>') == []
    assert live_markup('<script type="application/ld+json">{"name": "</b>"}</script>') == [
        "markup characters inside a JSON-LD block"
    ]
    assert live_markup("<script>alert(1)</script>") == ["<script>"]


def test_the_markup_finder_can_see_live_markup():
    assert live_markup('<p>ok</p><img src=x onerror="alert(1)"><a href="javascript:alert(1)">x</a>') == [
        "<img>",
        "img onerror=",
        "a href=javascript:alert(1)",
    ]
    assert live_markup('<a title="&lt;img src=x onerror=alert(1)&gt;" href="/x">x</a>') == []


@pytest.mark.parametrize("payload", XSS)
def test_hostile_text_and_names_render_inert_everywhere(client, guide, massage, member, moderator, payload):
    review = published_review(massage, member)
    shown = approved(guide, None, payload, guest_name=payload[:80], guest_email="secret-guest@example.org")
    approved(guide, None, payload, parent=shown, guest_name=payload[:80])
    approved(Target(review=review), None, payload, guest_name=payload[:80])
    posted(guide, None, payload, guest_name=payload[:80])  # held: in the queue
    posted(guide, None, payload, guest_name=payload[:80], form=FormEvidence("bot", 30))  # spam folder
    pages = [GUIDE, f"/reviews/{review.pk}/", f"{GUIDE}?replytocom={shown.pk}", f"/comments/{shown.pk}/report/"]
    for url in pages:
        html = client.get(url).text
        assert live_markup(html) == [], url
        assert "secret-guest@example.org" not in html
    client.force_login(moderator)
    for url in ("/moderation/", "/moderation/spam/"):
        html = client.get(url).text
        assert live_markup(html) == [], url
    api = client.get("/api/v1/procedures/facial-cryomassage/comments").json()
    assert live_markup(api["items"][0]["text_html"]) == []
    client.logout()
    error_page = client.post(f"{GUIDE}comments/", form(payload, name=payload[:80], email="bad"))
    assert error_page.status_code == 422 and live_markup(error_page.text) == []
