"""Where the sender of a held comment lands (their comment in place, marked, never cached for others; spam looks
the same to its sender), and the review author's e-mail about comments under their review, with its opt-outs
and the "author" badge."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core import mail, signing
from django.test import Client
from django_tasks_db.models import DBTaskResult

from cryoview.comments.enums import CommentStatus
from cryoview.comments.forms import PENDING_MAX, PENDING_SALT
from cryoview.comments.models import Comment, CommentRules
from cryoview.comments.selectors import Target
from cryoview.comments.services import comment_approve
from cryoview.comments.tasks import mail_review_author
from cryoview.comments.tests.factories import approved, human_stamp, posted
from cryoview.core.pagecache import PENDING_COOKIE
from cryoview.moderation.enums import Decision
from cryoview.moderation.services import comment_decide
from cryoview.reviews.tests.factories import published_review

pytestmark = pytest.mark.django_db
GUIDE = "/procedures/facial-cryomassage/"
HELD_NOTE = "Only you can see this — waiting for a moderator."
TASK_PATH = "cryoview.comments.tasks.mail_review_author"


def form(text: str, **extra: str) -> dict[str, str]:
    return {"text": text, "form_stamp": human_stamp(), "website": "", **extra}


class _Items(HTMLParser):
    """The ids of the comments (li#comment-N) and the text of the held notes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs).get("id") or ""
        if tag == "li" and found.startswith("comment-"):
            self.ids.append(found)


def comment_ids(html: str) -> list[str]:
    parser = _Items()
    parser.feed(html)
    return parser.ids


# --- the sender of a held comment ------------------------------------------------------------------------------


def test_a_guest_lands_on_their_held_comment_in_place_marked_only_for_them(client, massage):
    response = client.post(f"{GUIDE}comments/", form("Does it sting at all?", name="Ira"))
    comment = Comment.objects.get()
    assert comment.status == CommentStatus.HELD
    assert response.status_code == 302 and response["Location"] == f"{GUIDE}#comment-{comment.pk}"
    page = client.get(GUIDE)
    assert f"comment-{comment.pk}" in comment_ids(page.text)
    assert HELD_NOTE in page.text and "Does it sting at all?" in page.text
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    # Nobody else sees it, and the personal page was not stored for them.
    stranger = Client().get(GUIDE)
    assert f"comment-{comment.pk}" not in comment_ids(stranger.text) and "Does it sting" not in stranger.text


def test_a_page_cached_before_the_post_is_not_what_the_guest_gets_afterwards(client, massage):
    assert "Does it sting" not in Client().get(GUIDE).text  # the visitors' copy is now cached
    client.post(f"{GUIDE}comments/", form("Does it sting at all?", name="Ira"))
    assert HELD_NOTE in client.get(GUIDE).text
    assert HELD_NOTE not in Client().get(GUIDE).text


def test_spam_looks_exactly_like_held_to_its_sender(client, massage):
    CommentRules.objects.create(pk=1, block_words="casino")
    held = client.post(f"{GUIDE}comments/", form("Is winter better?", name="Ira"))
    spam = client.post(f"{GUIDE}comments/", form("best casino here", name="Ira"))
    first, second = Comment.objects.order_by("pk")
    assert (first.status, second.status) == (CommentStatus.HELD, CommentStatus.SPAM)
    assert held["Location"].replace(f"#comment-{first.pk}", "") == spam["Location"].replace(f"#comment-{second.pk}", "")
    page = client.get(GUIDE).text
    assert comment_ids(page) == [f"comment-{first.pk}", f"comment-{second.pk}"]
    assert page.count(HELD_NOTE) == 2
    first_item = page[page.index(f'id="comment-{first.pk}"') : page.index(f'id="comment-{second.pk}"')]
    second_item = page[page.index(f'id="comment-{second.pk}"') :]
    second_item = second_item[: second_item.index("</li>") + len("</li>")]
    first_item = first_item[: first_item.index("</li>") + len("</li>")]

    def same_shape(item: str, pk: int, text: str) -> str:
        item = re.sub(r"<time[^>]*>[^<]*</time>", "<time/>", item)
        return item.replace(f'comment-{pk}"', 'comment-N"').replace(text, "T")

    assert same_shape(first_item, first.pk, "Is winter better?") == same_shape(
        second_item, second.pk, "best casino here"
    )
    assert "casino" not in Client().get(GUIDE).text


def test_a_members_own_spam_is_shown_to_them_as_held_with_the_same_links(client, massage, member):
    CommentRules.objects.create(pk=1, block_words="casino")
    client.force_login(member)
    held = posted(Target(procedure=massage), member, "Is winter better?")
    spam = posted(Target(procedure=massage), member, "best casino here")
    assert spam.status == CommentStatus.SPAM
    page = client.get(GUIDE).text
    assert page.count(HELD_NOTE) == 2
    for comment in (held, spam):
        assert f"/comments/{comment.pk}/edit/" in page and f"/comments/{comment.pk}/delete/" in page
        assert client.get(f"/comments/{comment.pk}/edit/").status_code == 200
    response = client.post(f"/comments/{spam.pk}/edit/", {"text": "best casino here, edited"})
    assert response.status_code == 302
    spam.refresh_from_db()
    assert spam.status == CommentStatus.SPAM, "editing does not move spam into the moderators' queue"


def test_the_pending_cookie_is_signed_bounded_and_forged_ids_show_nothing(client, massage):
    target = Target(procedure=massage)
    someone_elses = posted(target, None, "Someone else's question", guest_name="Olga")
    client.cookies[PENDING_COOKIE] = signing.dumps([someone_elses.pk], salt="not-ours")
    assert "Someone else's question" not in client.get(GUIDE).text
    client.cookies[PENDING_COOKIE] = "garbage"
    assert client.get(GUIDE).status_code == 200
    for number in range(PENDING_MAX + 3):
        client.post(f"{GUIDE}comments/", form(f"Question number {number}", name="Ira"))
    kept = signing.loads(client.cookies[PENDING_COOKIE].value, salt=PENDING_SALT)
    assert len(kept) == PENDING_MAX
    assert kept[-1] == Comment.objects.latest("pk").pk
    assert client.cookies[PENDING_COOKIE]["max-age"] and client.cookies[PENDING_COOKIE]["httponly"]
    assert "Someone else's question" not in client.get(GUIDE).text


def test_once_approved_the_comment_shows_to_everyone_without_the_note(client, massage):
    client.post(f"{GUIDE}comments/", form("Does it sting at all?", name="Ira"))
    comment_approve(comment=Comment.objects.get())
    assert HELD_NOTE not in client.get(GUIDE).text
    assert "Does it sting at all?" in Client().get(GUIDE).text


# --- the review author's e-mail ----------------------------------------------------------------------------------


@pytest.fixture
def review(massage, member):
    return published_review(massage, member, title="Fresher skin")


def queued() -> list[int]:
    return [row.args_kwargs["kwargs"]["comment_id"] for row in DBTaskResult.objects.filter(task_path=TASK_PATH)]


def run_queued() -> None:
    for comment_id in queued():
        mail_review_author.call(comment_id=comment_id)


def test_the_author_is_mailed_after_a_comment_under_their_review_is_approved(
    review, other_member, moderator, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    comment = posted(Target(review=review), other_member, "How many sessions did you need?")
    assert comment.status == CommentStatus.HELD
    assert queued() == [], "nothing before a moderator approves it"
    with django_capture_on_commit_callbacks(execute=True):
        comment_decide(comment=comment, by=moderator, decision=Decision.APPROVE)
        assert queued() == [], "queued only after the decision commits"
    assert queued() == [comment.pk]
    assert mail.outbox == [], "sent by the worker, not in the moderator's request"
    run_queued()
    [message] = mail.outbox
    assert message.to == [review.author.email]
    assert "How many sessions did you need?" in message.body and "Fresher skin" in message.body
    assert f"#comment-{comment.pk}" in message.body
    assert "review-mail/unsubscribe/" in message.extra_headers["List-Unsubscribe"]


def test_no_mail_for_the_authors_own_comment_or_when_turned_off(
    review, member, other_member, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approved(Target(review=review), member, "Thanks for reading")
    assert queued() == []
    member.notify_review_comments = False
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        approved(Target(review=review), other_member, "A question")
    run_queued()
    assert mail.outbox == []


def test_no_second_mail_when_the_author_gets_a_reply_mail_for_the_same_comment(
    review, member, other_member, django_capture_on_commit_callbacks
):
    question = approved(Target(review=review), member, "Ask me anything", notify_replies=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approved(Target(review=review), other_member, "Did it hurt?", parent=question)
    run_queued()
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "replied to your comment" in mail.outbox[0].body


def test_one_click_unsubscribes_and_the_account_page_turns_it_back_on(
    client, review, member, other_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        approved(Target(review=review), other_member, "A question")
    mail.outbox.clear()
    run_queued()
    link = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = link[link.index("/comments/") :]
    assert Client().post(path).status_code == 200  # RFC 8058: a POST without a CSRF token
    member.refresh_from_db()
    assert not member.notify_review_comments
    assert Client().get("/comments/review-mail/unsubscribe/forged/").status_code == 404
    client.force_login(member)
    page = client.get("/account/").text
    assert "E-mail me when someone comments under my reviews" in page
    client.post("/account/", {"display_name": "Mila", "notify_review_comments": "on"})
    member.refresh_from_db()
    assert member.notify_review_comments and member.display_name == "Mila"


def test_the_reviews_author_carries_an_author_badge_in_the_thread(client, review, member, other_member):
    target = Target(review=review)
    own = approved(target, member, "Thanks for reading")
    reply = approved(target, member, "Ten sessions", parent=approved(target, other_member, "How many?"))
    page = client.get(review.get_absolute_url()).text
    badged = [i for i in comment_ids(page) if "badge-author" in page[page.index(f'id="{i}"') :].split("</p>", 1)[0]]
    assert badged == [f"comment-{own.pk}", f"comment-{reply.pk}"]


def test_in_a_long_thread_the_guest_lands_on_the_page_that_shows_their_comment(client, massage, member):
    from cryoview.comments.selectors import THREAD_PAGE_SIZE

    older = [
        Comment(procedure=massage, author=member, body=f"Old {n}", body_html=f"<p>Old {n}</p>", status="approved")
        for n in range(THREAD_PAGE_SIZE)
    ]
    Comment.objects.bulk_create(older)
    response = client.post(f"{GUIDE}comments/", form("Late to the thread", name="Ira"))
    comment = Comment.objects.get(guest_name="Ira")
    assert response["Location"] == f"{GUIDE}?comments_after={comment.pk - 1}#comment-{comment.pk}"
    page = client.get(response["Location"].split("#")[0]).text
    assert f"comment-{comment.pk}" in comment_ids(page) and HELD_NOTE in page
    assert f"comment-{comment.pk}" not in comment_ids(client.get(GUIDE).text), "the first page is full"
