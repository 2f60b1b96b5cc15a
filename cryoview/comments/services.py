"""Writes of the comments app: post (with the spam and hold rules), edit, delete, the moderators' verdicts,
reply e-mails, and the clean-up of spam and IP hashes."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.comments.enums import COMMENT_TRANSITIONS, CommentStatus
from cryoview.comments.models import Comment, CommentRules
from cryoview.comments.permissions import EDIT_MINUTES, can_change_comment, can_moderate, comment_editable
from cryoview.comments.rules import Submission, Verdict, fingerprint, judge, parse_word_list
from cryoview.comments.selectors import (
    MAX_TEXT,
    SPAM_KEEP_DAYS,
    Target,
    author_is_known,
    comment_rules,
    target_of,
    thread_authors_scope,
    threads_with_same_text,
)
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.core.flags import text_flags
from cryoview.core.markup import render_markup
from cryoview.core.pagecache import bump
from cryoview.core.throttle import throttle_hit
from cryoview.core.validation import CONTROL
from cryoview.core.visibility import visibility_changed

MAX_NAME = 80
MAX_EMAIL = 254
UNSUBSCRIBE_SALT = "cryoview.reply-mail-unsubscribe"
REVIEW_UNSUBSCRIBE_SALT = "cryoview.review-comment-mail-unsubscribe"


@dataclass(frozen=True)
class FormEvidence:
    """What the page's form tells about who sent it (the API has no form)."""

    honeypot: str
    seconds_on_form: float | None


def _clean_text(value: str, name: str, problems: list[FieldProblem], *, limit: int, required: bool) -> str:
    if CONTROL.search(value):
        problems.append(FieldProblem(name, "must not contain control characters or NUL bytes"))
        return ""
    value = unicodedata.normalize("NFC", value).strip()
    if required and not value:
        problems.append(FieldProblem(name, "is required"))
    elif len(value) > limit:
        problems.append(FieldProblem(name, f"must be at most {limit:,} characters (it has {len(value):,})"))
    return value


def _clean_guest(name: str, email: str, problems: list[FieldProblem]) -> tuple[str, str]:
    name = _clean_text(name, "name", problems, limit=MAX_NAME, required=True)
    email = _clean_text(email, "email", problems, limit=MAX_EMAIL, required=False)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(FieldProblem("email", "is not an e-mail address"))
    return name, email


def _placement(parent: Comment | None) -> tuple[Comment | None, Comment | None, int]:
    """(parent, in_reply_to, depth): replies below the depth limit attach beside the deepest comment."""
    if parent is None:
        return None, None, 1
    limit = settings.CONFIG.comments_max_depth
    if parent.depth < limit:
        return parent, None, parent.depth + 1
    return parent.parent, parent, parent.depth


def _throttle(author: User | None, ip_hash: str) -> None:
    limit = settings.CONFIG.comments_per_hour
    throttle_hit(scope="comment", key=f"ip:{ip_hash}", limit=limit, window_seconds=3600, what="comments")
    if author is not None:
        throttle_hit(scope="comment", key=f"user:{author.pk}", limit=limit, window_seconds=3600, what="comments")


def comment_post(
    *,
    target: Target,
    text: str,
    author: User | None,
    ip_hash: str,
    parent: Comment | None = None,
    guest_name: str = "",
    guest_email: str = "",
    notify_replies: bool = False,
    form: FormEvidence | None = None,
) -> Comment:
    """A member or a guest comments. Checked, rate-limited (per account and per IP), judged by the rules:
    approved (shown at once), held, or spam. Side effects: a Comment row; when approved, the guide page's
    cache expires and the author answered may get an e-mail (after commit); a member's comment on a guide,
    whatever its status, expires the cached list of that thread's authors (after commit)."""
    if not target.is_open:
        raise NotFoundError("No such guide or review.")
    problems: list[FieldProblem] = []
    text = _clean_text(text, "text", problems, limit=MAX_TEXT, required=True)
    if author is None:
        guest_name, guest_email = _clean_guest(guest_name, guest_email, problems)
    if parent is not None and (parent.status != CommentStatus.APPROVED or not target.holds(parent)):
        problems.append(FieldProblem("parent", "is not a published comment in this thread"))
    if problems:
        raise ApplicationError.for_fields(problems)
    _throttle(author, ip_hash)
    print_ = fingerprint(text)
    verdict = judge(
        Submission(
            text=text,
            name=author.public_name if author is not None else guest_name,
            email=author.email if author is not None else guest_email,
            from_form=form is not None,
            honeypot=form.honeypot if form is not None else "",
            seconds_on_form=form.seconds_on_form if form is not None else None,
            known_author=author_is_known(user=author, name=guest_name, email=guest_email),
            same_text_elsewhere=threads_with_same_text(fingerprint=print_, target=target),
        ),
        comment_rules(),
    )
    attach_to, in_reply_to, depth = _placement(parent)
    comment = Comment.objects.create(
        procedure=target.procedure if target.review is None else None,
        review=target.review,
        parent=attach_to,
        root=(attach_to.root or attach_to) if attach_to is not None else None,
        in_reply_to=in_reply_to,
        depth=depth,
        author=author,
        guest_name="" if author is not None else guest_name,
        guest_email="" if author is not None else guest_email,
        body=text,
        body_html=render_markup(text),
        fingerprint=print_,
        status=verdict.status,
        reasons=list(verdict.reasons),
        flags=_flags(text),
        ip_hash=ip_hash,
        notify_replies=notify_replies and author is not None,
        status_changed_at=timezone.now(),
    )
    guide_scope = target_of(comment).cache_scope
    if author is not None and guide_scope is not None:
        # Whatever its status, their guide page is theirs from now on (their comment, its edit link): the
        # cached list of the thread's authors must hold them (selectors.has_comments_in_scope).
        authors_scope = thread_authors_scope(guide_scope)
        transaction.on_commit(lambda: bump(authors_scope))
    if comment.status == CommentStatus.APPROVED:
        _published(comment, answered=in_reply_to or parent)
    return comment


def _flags(text: str) -> list[dict[str, str]]:
    """What the moderation queue shows about the text, computed once here (linear in its length)."""
    return [flag.as_json() for flag in text_flags(text, where="comment")]


def _expire_guide_page(comment: Comment) -> None:
    """After commit, visitors' cached copies of the guide page showing this thread are stale; and what everyone
    sees of the comment changed (every change of a shown comment, and every showing, comes through here)."""
    visibility_changed(kind="comment", pk=comment.pk)
    scope = target_of(comment).cache_scope
    if scope is not None:
        transaction.on_commit(lambda: bump(scope))


def _published(comment: Comment, *, answered: Comment | None) -> None:
    _expire_guide_page(comment)
    _mail_published(comment, answered=answered)


def _mail_published(comment: Comment, *, answered: Comment | None) -> None:
    """The e-mails a comment's first showing sends: to the author answered, and to the review's author."""
    replied_to = _mail_reply(comment, answered) if answered is not None else None
    if comment.review_id is not None:
        _mail_review_author_later(comment, already_mailed=replied_to)


def _mail_review_author_later(comment: Comment, *, already_mailed: int | None) -> None:
    """Queue the review author's e-mail, unless the comment is theirs or they get a reply e-mail for it."""
    review = comment.review
    if review is None or review.author_id in (comment.author_id, already_mailed):
        return
    from cryoview.comments.tasks import mail_review_author  # the task module calls back into this one

    comment_id = comment.pk
    transaction.on_commit(lambda: mail_review_author.enqueue(comment_id=comment_id))


def _require_author(comment: Comment, by: User) -> None:
    if comment.status == CommentStatus.DELETED:
        raise NotFoundError("No such comment.")
    if not can_change_comment(by, comment):
        raise ApplicationError("Only its author can change a comment.", status=403, code="forbidden")


def comment_edit(*, comment: Comment, by: User, text: str) -> Comment:
    """The author corrects their comment within 15 minutes. The new text meets the same word and link
    rules (an approved comment can go back to moderation). Side effects: the row; the guide page's cache."""
    _require_author(comment, by)
    if comment.status == CommentStatus.DELETED:
        raise NotFoundError("No such comment.")
    if not comment_editable(comment):
        raise ApplicationError(
            f"A comment can be edited for {EDIT_MINUTES} minutes after it is posted.", 409, "edit_window_closed"
        )
    problems: list[FieldProblem] = []
    text = _clean_text(text, "text", problems, limit=MAX_TEXT, required=True)
    if problems:
        raise ApplicationError.for_fields(problems)
    verdict: Verdict = judge(
        Submission(text=text, name=by.public_name, email=by.email, known_author=True), comment_rules()
    )
    was_shown = comment.status == CommentStatus.APPROVED
    comment.body, comment.body_html, comment.fingerprint = text, render_markup(text), fingerprint(text)
    comment.flags = _flags(text)
    comment.edited_at = timezone.now()
    text_fields: tuple[str, ...] = ("body", "body_html", "fingerprint", "flags", "edited_at")
    held = CommentStatus(verdict.status)
    reasons = [f"edited: {r}" for r in verdict.reasons]
    if held != CommentStatus.APPROVED and comment.status not in (CommentStatus.SPAM, held):
        _set_status(comment, held, reasons=reasons, fields=text_fields)
        return comment
    if held == CommentStatus.HELD and comment.status == CommentStatus.HELD:
        # Held before and held again: the queue shows the new reasons, from the time of this edit.
        comment.reasons, comment.status_changed_at = reasons, timezone.now()
        text_fields = (*text_fields, "reasons", "status_changed_at")
    comment.save(update_fields=list(text_fields))
    if was_shown:
        _expire_guide_page(comment)
    return comment


def _set_status(
    comment: Comment, new: CommentStatus, *, reasons: list[str] | None = None, fields: tuple[str, ...] = ()
) -> None:
    """The one door of a comment's status: the change must be in enums.COMMENT_TRANSITIONS (a service asking
    for another is a bug, and says so); the time of the change is kept for the spam purge and the queue.
    Side effects: the row's status, its time and reasons, and the other `fields` the caller changed on it (only
    those: a caller holding an older copy of the row must not write its stale text back); when the comment was or
    now is shown, the guide page's cache and the search index (after commit)."""
    current = CommentStatus(comment.status)
    if new not in COMMENT_TRANSITIONS[current]:
        raise ApplicationError(
            f"A comment that is {current.label.lower()} cannot become {new.label.lower()}.", 409, "invalid_transition"
        )
    was_shown = current == CommentStatus.APPROVED
    comment.status, comment.status_changed_at = new, timezone.now()
    if reasons is not None:
        comment.reasons = reasons
    comment.save(update_fields=["status", "status_changed_at", "reasons", *fields])
    if was_shown or new == CommentStatus.APPROVED:
        _expire_guide_page(comment)


def _blank(comment: Comment) -> None:
    comment.body, comment.body_html = "", ""
    comment.guest_email, comment.notify_replies = "", False
    _set_status(comment, CommentStatus.DELETED, fields=("body", "body_html", "guest_email", "notify_replies"))


def comment_delete(*, comment: Comment, by: User) -> None:
    """The author deletes their comment, at any time. Its text goes; while it has replies it stays as a
    "deleted" placeholder so the replies keep their place. Side effects: the row; the guide page's cache."""
    _require_author(comment, by)
    if comment.status == CommentStatus.DELETED:
        raise NotFoundError("No such comment.")
    _blank(comment)


def comment_approve(*, comment: Comment) -> None:
    """A moderator approves a held comment (or one from the spam folder). Side effects: the row; the
    guide page's cache; the reply e-mail."""
    if comment.status == CommentStatus.DELETED:
        raise NotFoundError("No such comment.")
    if comment.status == CommentStatus.APPROVED:
        return  # a second approval (two moderators, a stale queue page) changes nothing and mails nobody
    _set_status(comment, CommentStatus.APPROVED, reasons=[])
    _mail_published(comment, answered=comment.in_reply_to or comment.parent)


def comment_mark_spam(*, comment: Comment, reason: str) -> None:
    """Into the spam folder (purged after 30 days). Side effects: the row; the guide page's cache."""
    if comment.status == CommentStatus.DELETED:
        raise NotFoundError("No such comment.")
    if comment.status == CommentStatus.SPAM:
        return
    _set_status(comment, CommentStatus.SPAM, reasons=[*comment.reasons, f"moderator: {reason or 'spam'}"])


def comment_remove(*, comment: Comment) -> None:
    """A moderator deletes a comment: as the author's delete (replies keep their place)."""
    if comment.status == CommentStatus.DELETED:
        raise NotFoundError("No such comment.")
    _blank(comment)


def comment_hide(*, comment: Comment, reason: str) -> None:
    """Enough people reported it: back to the queue, hidden until a moderator decides."""
    with transaction.atomic():
        # The caller's copy may be older than a delete or a verdict that happened meanwhile: decide on the row.
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.status != CommentStatus.APPROVED:
            return
        _set_status(locked, CommentStatus.HELD, reasons=[reason])
    comment.status, comment.reasons, comment.status_changed_at = locked.status, locked.reasons, locked.status_changed_at


def comment_unhide(*, comment: Comment) -> None:
    """A comment hidden after reports is shown again (a moderator kept it or set the reports aside).
    Side effects: the row; the guide page's cache. No reply e-mail: it went out when it was first shown."""
    if comment.status != CommentStatus.HELD:
        return
    _set_status(comment, CommentStatus.APPROVED, reasons=[])


def comments_delete_all_of(*, user: User) -> int:
    """Account deletion: every comment of the member loses its text (placeholders keep others' replies)."""
    count = 0
    for comment in Comment.objects.filter(author=user).exclude(status=CommentStatus.DELETED):
        _blank(comment)
        count += 1
    # The account row goes next; the name stands in for it (a comment always has an author's name).
    Comment.objects.filter(author=user).update(guest_name="former member")
    return count


def comment_rules_update(*, hold_words: str, block_words: str, max_links: int, by: User) -> CommentRules:
    """Moderators edit the word lists and the link limit. Side effects: the one CommentRules row."""
    if not can_moderate(by):
        raise ApplicationError("Only moderators can change the comment rules.", status=403, code="forbidden")
    problems: list[FieldProblem] = []
    hold_words = _clean_list(hold_words, "hold_words", problems)
    block_words = _clean_list(block_words, "block_words", problems)
    if not 0 <= max_links <= 50:
        problems.append(FieldProblem("max_links", "must be between 0 and 50"))
    if problems:
        raise ApplicationError.for_fields(problems)
    rules, _ = CommentRules.objects.update_or_create(
        pk=1,
        defaults={
            "hold_words": hold_words,
            "block_words": block_words,
            "max_links": max_links,
            "updated_by": by.public_name,
        },
    )
    return rules


def _clean_list(value: str, name: str, problems: list[FieldProblem]) -> str:
    value = value.replace("\r\n", "\n")
    if CONTROL.search(value.replace("\n", "")):
        problems.append(FieldProblem(name, "must not contain control characters or NUL bytes"))
        return ""
    entries = parse_word_list(unicodedata.normalize("NFC", value))
    if len(entries) > 2000 or any(len(entry) > 100 for entry in entries):
        problems.append(FieldProblem(name, "at most 2,000 entries of at most 100 characters each"))
    return "\n".join(entries)


def _unsubscribe_url(user: User) -> str:
    token = signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)
    return settings.CONFIG.site_url + reverse("comments:unsubscribe", kwargs={"token": token})


def _mail_reply(comment: Comment, answered: Comment) -> int | None:
    """The reply e-mail to the author answered, if they asked for it; returns whom it goes to."""
    # Read again: the opt-in may have been withdrawn (one-click unsubscribe) since `answered` was loaded.
    fresh = (
        Comment.objects.filter(pk=answered.pk, status=CommentStatus.APPROVED, notify_replies=True)
        .select_related("author")
        .first()
    )
    recipient = fresh.author if fresh is not None else None
    if recipient is None or comment.author_id == recipient.pk:
        return None
    unsubscribe = _unsubscribe_url(recipient)
    context = {
        "comment": comment,
        "answered": answered,
        "recipient": recipient,
        "link": settings.CONFIG.site_url + comment.get_absolute_url(),
        "where": target_of(comment),
        "unsubscribe": unsubscribe,
    }
    message = EmailMessage(
        subject=settings.EMAIL_SUBJECT_PREFIX + render_to_string("comments/email/reply_subject.txt", context).strip(),
        body=render_to_string("comments/email/reply.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    transaction.on_commit(message.send)
    return recipient.pk


def review_comment_mail(*, comment_id: int) -> bool:
    """Tell a review's author that someone's comment under it is now shown (run by the worker after the
    approval commits). Nothing when the comment is no longer shown, is the author's own, or the author
    turned these e-mails off meanwhile. Side effects: one e-mail. Returns whether it was sent."""
    comment = (
        Comment.objects.filter(pk=comment_id, status=CommentStatus.APPROVED, review__isnull=False)
        .select_related("author", "review", "review__author", "review__procedure")
        .first()
    )
    review = comment.review if comment is not None else None
    if comment is None or review is None:
        return False
    recipient = review.author
    if comment.author_id == recipient.pk or not recipient.notify_review_comments or not recipient.is_active:
        return False
    unsubscribe = settings.CONFIG.site_url + reverse(
        "comments:review_unsubscribe", kwargs={"token": signing.dumps(recipient.pk, salt=REVIEW_UNSUBSCRIBE_SALT)}
    )
    context = {
        "comment": comment,
        "review": review,
        "recipient": recipient,
        "link": settings.CONFIG.site_url + comment.get_absolute_url(),
        "unsubscribe": unsubscribe,
    }
    EmailMessage(
        subject=settings.EMAIL_SUBJECT_PREFIX
        + render_to_string("comments/email/review_comment_subject.txt", context).strip(),
        body=render_to_string("comments/email/review_comment.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    ).send()
    return True


def review_comments_unsubscribe(*, token: str) -> User:
    """One click from a review-comment e-mail: no more of them (the account page turns them back on)."""
    try:
        user_id = signing.loads(token, salt=REVIEW_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise NotFoundError("This unsubscribe link is not valid.") from None
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    if user is None:
        raise NotFoundError("This unsubscribe link is not valid.")
    User.objects.filter(pk=user.pk).update(notify_review_comments=False)
    return user


def replies_unsubscribe(*, token: str) -> User:
    """One click from a reply e-mail: no more reply e-mails for any of the member's comments."""
    try:
        user_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise NotFoundError("This unsubscribe link is not valid.") from None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFoundError("This unsubscribe link is not valid.")
    Comment.objects.filter(author=user, notify_replies=True).update(notify_replies=False)
    return user


def comments_purge_spam() -> int:
    """Spam older than 30 days is deleted for good."""
    cutoff = timezone.now() - timedelta(days=SPAM_KEEP_DAYS)
    deleted, _ = Comment.objects.filter(status=CommentStatus.SPAM, status_changed_at__lt=cutoff).delete()
    return deleted


def comments_forget_addresses() -> int:
    """IP hashes older than the retention period are blanked."""
    cutoff = timezone.now() - timedelta(days=settings.CONFIG.ip_retention_days)
    return Comment.objects.filter(created_at__lt=cutoff).exclude(ip_hash="").update(ip_hash="")
