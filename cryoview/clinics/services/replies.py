"""The right of reply: a clinic's one public reply to a review of it, and the reviewer's one answer to that reply.

Both are moderated like comments (every reply waits for a moderator: a clinic answering its critics is exactly
what must not go out unchecked) and go through one door, `_reply_set_status`, with the table REPLY_TRANSITIONS.
Nothing here touches the review: a reply never changes its rating, text, status or place in any list.

Decisions where the issue was silent:
- An edit (its author, within EDIT_MINUTES of posting) of an approved reply returns it to held: the moderator
  approved the words they read, not new ones. An edit of a held reply keeps it held.
- A reply the reviewer has answered (a held or published answer) can no longer be edited by the clinic: the
  answer would then stand under words it never answered. The clinic may still withdraw it.
- A moderator may take down a published reply (approved -> rejected, with a reason its author sees); the answer
  under a clinic's reply goes out of sight with it, as on a withdrawal.
- Once a moderator gives the review to another clinic, the old clinic's replies are no longer its replies: they
  stop showing, and the new clinic's first reply retires them (rejected, with a reason saying why).
- After a rejection the clinic (or the reviewer) may post again: the right of reply stays, only those words were
  refused. After a withdrawal they may not: withdrawing and posting again would reopen the 15-minute edit window
  for ever.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.clinics.enums import REPLY_LIVE, ClinicAction, ReplyStatus
from cryoview.clinics.models import Clinic, Reply, ReviewAttribution
from cryoview.clinics.permissions import is_staff_of
from cryoview.clinics.services.credentials import check_reason, require_moderator
from cryoview.clinics.services.log import clinic_log_add
from cryoview.comments.enums import CommentStatus
from cryoview.comments.rules import Submission, count_links, judge
from cryoview.comments.selectors import comment_rules
from cryoview.comments.services import REVIEW_UNSUBSCRIBE_SALT
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.core.pagecache import bump
from cryoview.core.validation import CONTROL
from cryoview.procedures.selectors import procedure_scope
from cryoview.reviews.models import Review

MAX_BODY = 3000
EDIT_MINUTES = 15

# The one table of a reply's status changes (`_reply_set_status` is the one door): a held reply is approved,
# rejected or withdrawn; an approved one goes back to held (its author's edit), is taken down by a moderator
# (rejected) or is withdrawn; rejected and withdrawn are final.
REPLY_TRANSITIONS: dict[ReplyStatus, frozenset[ReplyStatus]] = {
    ReplyStatus.HELD: frozenset({ReplyStatus.APPROVED, ReplyStatus.REJECTED, ReplyStatus.WITHDRAWN}),
    ReplyStatus.APPROVED: frozenset({ReplyStatus.HELD, ReplyStatus.REJECTED, ReplyStatus.WITHDRAWN}),
    ReplyStatus.REJECTED: frozenset(),
    ReplyStatus.WITHDRAWN: frozenset(),
}
LIVE = REPLY_LIVE
STALE_REASON = "The review is no longer attributed to this clinic."


def reply_seen(reply: Reply) -> str:
    """The version of a reply a moderator read: a short hash of its status and body. The queue and the API send
    it back with the decision, so that words changed since cannot be published unread, and a reject meant for a
    held reply another moderator published meanwhile does not take it down unseen."""
    return _version(ReplyStatus(reply.status), reply.body)


def _version(status: ReplyStatus, body: str) -> str:
    return hashlib.sha256(f"{status.value}\n{body}".encode()).hexdigest()[:16]


def _reply_set_status(reply: Reply, new: ReplyStatus, *, fields: tuple[str, ...] = ()) -> None:
    """The one door of a reply's status: the change must be in REPLY_TRANSITIONS (a service asking for another is
    a bug, and says so). Side effects: the row's status and the other `fields` the caller changed (only those);
    when the reply was or now is shown, visitors' cached pages of the review's guide expire (after commit)."""
    current = ReplyStatus(reply.status)
    if new not in REPLY_TRANSITIONS[current]:
        raise ApplicationError(
            f"A reply that is {current.label.lower()} cannot become {new.label.lower()}.", 409, "invalid_transition"
        )
    reply.status = new
    reply.save(update_fields=["status", *fields])
    if ReplyStatus.APPROVED in (current, new):
        _expire_pages(reply.review)


def _expire_pages(review: Review) -> None:
    scope = procedure_scope(review.procedure.slug)
    transaction.on_commit(lambda: bump(scope))


def clean_body(body: str) -> str:
    """Plain text (shown escaped, never as HTML), NFC, within MAX_BODY, under the comments' link limit and
    block list. Raises ApplicationError (422) naming `body`."""
    problem = None
    if CONTROL.search(body or ""):
        problem = "must not contain control characters or NUL bytes"
    text = unicodedata.normalize("NFC", body or "").strip() if problem is None else ""
    rules = comment_rules()
    if problem is None and not text:
        problem = "is required"
    elif problem is None and len(text) > MAX_BODY:
        problem = f"must be at most {MAX_BODY:,} characters (it has {len(text):,})"
    elif problem is None and count_links(text) > rules.max_links:
        problem = f"may hold at most {rules.max_links} links"
    elif (
        problem is None
        and CommentStatus(judge(Submission(text=text, known_author=True), rules).status) is CommentStatus.SPAM
    ):
        problem = "contains words the moderators do not allow"
    if problem is not None:
        raise ApplicationError.for_fields([FieldProblem("body", problem)])
    return text


def reply_editable(reply: Reply, *, now: datetime | None = None) -> bool:
    """Still open to its author's correction: live, and posted less than EDIT_MINUTES ago."""
    now = now or timezone.now()
    return reply.status in LIVE and now - reply.created_at < timedelta(minutes=EDIT_MINUTES)


def _visible_review(review_id: int) -> Review:
    """The review, locked, when everyone can see it; 404 otherwise (a hidden or withdrawn review takes no reply)."""
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("procedure", "author")
        .filter(pk=review_id)
        .first()
    )
    if review is None or not review.is_visible:
        raise NotFoundError("No such review.")
    return review


def _clinic_of(review: Review, by: User) -> Clinic:
    """The clinic the review is attributed to, when `by` is its approved staff; 404 for everyone else."""
    attribution = ReviewAttribution.objects.select_related("clinic").filter(review=review).first()
    clinic = attribution.clinic if attribution is not None else None
    if clinic is None or not is_staff_of(by, clinic):
        raise NotFoundError("No such review.")
    return clinic


def _retire_stale(review: Review, clinic: Clinic) -> None:
    """Live replies and answers of another clinic than the review's current one (a moderator moved the review):
    rejected with STALE_REASON, so that the current clinic's right of reply is not blocked."""
    stale = Reply.objects.select_for_update(of=("self",)).filter(review=review, status__in=LIVE)
    for reply in stale.exclude(clinic=clinic).select_related("review__procedure"):
        reply.reason = STALE_REASON
        _reply_set_status(reply, ReplyStatus.REJECTED, fields=("reason",))


def _create(*, review: Review, clinic: Clinic, by: User, body: str, by_reviewer: bool) -> Reply:
    _retire_stale(review, clinic)
    earlier = Reply.objects.filter(review=review, clinic=clinic, by_reviewer=by_reviewer).exclude(
        status=ReplyStatus.REJECTED
    )
    if earlier.exists():
        what = "answer" if by_reviewer else "reply"
        raise ApplicationError(f"There is already one {what} to this review; it cannot be sent twice.", 409, "exists")
    try:
        with transaction.atomic():
            return Reply.objects.create(review=review, clinic=clinic, author=by, body=body, by_reviewer=by_reviewer)
    except IntegrityError:  # a second request of the same clinic won the race
        raise ApplicationError("There is already a reply to this review.", 409, "exists") from None


def reply_post(*, review: Review, by: User, body: str) -> Reply:
    """Approved staff of the clinic a published review is attributed to reply to it, once. Refused: 404 for a
    review that is not visible or not of their clinic; 409 when the clinic replied already (a rejected reply
    may be followed by a new one); 422 naming `body`. Side effects: a held Reply row; REPLY_POSTED in the
    clinic log."""
    body = clean_body(body)
    with transaction.atomic():
        review = _visible_review(review.pk)
        clinic = _clinic_of(review, by)
        reply = _create(review=review, clinic=clinic, by=by, body=body, by_reviewer=False)
        clinic_log_add(clinic=clinic, actor=by, action=ClinicAction.REPLY_POSTED, target=reply, details=_about(reply))
    return reply


def answer_post(*, review: Review, by: User, body: str) -> Reply:
    """The reviewer answers the clinic's approved reply, once. Refused: 404 for anyone but the review's author,
    for a review that is not visible, and while the clinic has no approved reply; 409 for a second answer;
    422 naming `body`. Side effects: a held Reply row (by_reviewer)."""
    body = clean_body(body)
    with transaction.atomic():
        review = _visible_review(review.pk)
        # The clinic's approved reply, of the clinic the review is attributed to now (not one it was moved from).
        reply = Reply.objects.filter(
            review=review,
            clinic_id=F("review__attribution__clinic_id"),
            by_reviewer=False,
            status=ReplyStatus.APPROVED,
        ).first()
        if review.author_id != by.pk or reply is None:
            raise NotFoundError("No reply to answer on this review.")
        return _create(review=review, clinic=reply.clinic, by=by, body=body, by_reviewer=True)


def _about(reply: Reply) -> dict[str, object]:
    return {"review": reply.review_id, "status": reply.status}


def _locked(reply: Reply) -> Reply:
    return Reply.objects.select_for_update(of=("self",)).select_related("review__procedure", "clinic").get(pk=reply.pk)


def _may_change(reply: Reply, by: User) -> None:
    """The reviewer owns their answer; the clinic's staff own its reply (404 for everyone else)."""
    owner = reply.review.author_id == by.pk if reply.by_reviewer else is_staff_of(by, reply.clinic_id)
    if not owner or reply.status not in LIVE:
        raise NotFoundError("No such reply.")


def reply_edit(*, reply: Reply, by: User, body: str, now: datetime | None = None) -> Reply:
    """Its author corrects a reply or an answer within EDIT_MINUTES of posting it; it waits for a moderator again.
    Refused: 404 for anyone but the clinic's staff (answer: the reviewer); 403 for other staff of the clinic;
    409 once the window closed, and for a clinic's reply the reviewer has answered (a held or published answer);
    422 naming `body`. Side effects: the row (text, edited_at, held); REPLY_EDITED in the clinic log for a
    clinic's reply; visitors' cached pages when it was shown."""
    body = clean_body(body)
    with transaction.atomic():
        reply = _locked(reply)
        _may_change(reply, by)
        if reply.author_id != by.pk:
            raise ApplicationError("Only the person who wrote a reply can edit it.", 403, "forbidden")
        if not reply_editable(reply, now=now):
            raise ApplicationError(
                f"A reply can be edited for {EDIT_MINUTES} minutes after it is posted.", 409, "edit_window_closed"
            )
        if (
            not reply.by_reviewer
            and Reply.objects.filter(review=reply.review, by_reviewer=True, status__in=LIVE).exists()
        ):
            raise ApplicationError(
                "The reviewer has answered this reply, so it can no longer be edited (you may still withdraw it).",
                409,
                "answered",
            )
        reply.body, reply.edited_at = body, now or timezone.now()
        if reply.status == ReplyStatus.APPROVED:
            _reply_set_status(reply, ReplyStatus.HELD, fields=("body", "edited_at"))
        else:
            reply.save(update_fields=["body", "edited_at"])
        if not reply.by_reviewer:
            clinic_log_add(clinic=reply.clinic, actor=by, action=ClinicAction.REPLY_EDITED, target=reply)
    return reply


def reply_withdraw(*, reply: Reply, by: User) -> Reply:
    """The clinic (any of its approved staff) withdraws its reply, or the reviewer their answer, at any time; it
    cannot be sent again. Refused: 404 for anyone else or a reply no longer live. Side effects: the row;
    REPLY_WITHDRAWN in the clinic log for a clinic's reply; visitors' cached pages when it was shown."""
    with transaction.atomic():
        reply = _locked(reply)
        _may_change(reply, by)
        _reply_set_status(reply, ReplyStatus.WITHDRAWN)
        if not reply.by_reviewer:
            clinic_log_add(clinic=reply.clinic, actor=by, action=ClinicAction.REPLY_WITHDRAWN, target=reply)
    return reply


def reply_decide(*, reply: Reply, by: User, approve: bool, seen: str, reason: str = "") -> Reply:
    """A moderator publishes or rejects a held reply or answer, or takes down (rejects) a published one (a reason
    is required to reject: its author sees it). `seen` is `reply_seen` of the text the moderator read: when the
    text changed since (its author edited it), 409 and nothing is decided. The row is locked, so of two
    moderators deciding at once the second gets 409, as does a reply its author withdrew meanwhile (an edited
    one is held again, and is decided anew). Side effects: the row (status, decided_by, decided_at, reason);
    REPLY_APPROVED or REPLY_REJECTED in the clinic log; when a published reply is taken down or a reply is
    published, visitors' cached pages expire after commit (a taken-down clinic's reply takes the reviewer's
    answer out of sight with it); on approval of a clinic's reply, the reviewer gets an e-mail (the first time
    only, not again after a correction; never when they turned off e-mails about their reviews)."""
    require_moderator(by)
    reason = check_reason(reason=reason, required=not approve)
    with transaction.atomic():
        reply = _locked(reply)
        status = ReplyStatus(reply.status)
        read_held = seen == _version(ReplyStatus.HELD, reply.body)
        if status != ReplyStatus.HELD and (approve or status != ReplyStatus.APPROVED or read_held):
            raise ApplicationError(f"This reply was decided already: it is {status.label.lower()}.", 409, "decided")
        if seen != reply_seen(reply):
            raise ApplicationError("The reply changed since you read it; read it again.", 409, "changed")
        taken_down = status == ReplyStatus.APPROVED
        first_decision = reply.decided_at is None  # a corrected reply is decided again; the reviewer hears once
        reply.decided_by, reply.decided_by_name = by, by.public_name
        reply.decided_at, reply.reason = timezone.now(), reason
        decided = ("decided_by", "decided_by_name", "decided_at", "reason")
        _reply_set_status(reply, ReplyStatus.APPROVED if approve else ReplyStatus.REJECTED, fields=decided)
        action = ClinicAction.REPLY_APPROVED if approve else ClinicAction.REPLY_REJECTED
        details = {**_about(reply), "answer": reply.by_reviewer, "reason": reason, "taken_down": taken_down}
        clinic_log_add(clinic=reply.clinic, actor=by, action=action, target=reply, details=details)
        if approve and not reply.by_reviewer and first_decision:
            _mail_reviewer(reply)
    return reply


def _mail_reviewer(reply: Reply) -> None:
    """The reviewer hears that the clinic replied and that they may answer once; not when they turned off e-mails
    about their reviews (the same switch and one-click link as for comments under them)."""
    recipient = User.objects.filter(pk=reply.review.author_id).first()
    if recipient is None or not recipient.is_active or not recipient.notify_review_comments:
        return
    site = settings.CONFIG.site_url
    token = signing.dumps(recipient.pk, salt=REVIEW_UNSUBSCRIBE_SALT)
    unsubscribe = site + reverse("comments:review_unsubscribe", kwargs={"token": token})
    context = {
        "reply": reply,
        "review": reply.review,
        "clinic": reply.clinic,
        "recipient": recipient,
        "link": site + reply.review.get_absolute_url() + "#clinic-reply",
        "answer": site + reverse("clinics:reply_answer", kwargs={"review_id": reply.review_id}),
        "unsubscribe": unsubscribe,
    }
    message = EmailMessage(
        subject=settings.EMAIL_SUBJECT_PREFIX
        + render_to_string("clinics/email/reply_subject.txt", context).strip().replace("\n", " "),
        body=render_to_string("clinics/email/reply_to_reviewer.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    transaction.on_commit(message.send)
