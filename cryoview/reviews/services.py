"""Writes of the reviews app, and the one door through which a review changes state: review_set_state.

A review's life is seven states (enums.ReviewState): draft, pending, published, pending edit, hidden, rejected,
withdrawn. The table enums.REVIEW_TRANSITIONS says which changes are allowed and who makes each (the author, a
moderator, or the reports); review_set_state checks it, refuses anything else with a clear error, and does all
the bookkeeping of a change (status, timestamps, reasons, the video's visibility, the aggregates) in one place,
in the way pretalx's set_submission_state does. The services below (review_create, review_update, review_withdraw,
review_approve, review_reject, review_take_down, review_hide) change content and call it; nothing else writes
a review's status, hidden_at or the pending edit's timestamps.

Five states are stored in `Review.status`; "pending edit" and "hidden" stay derived (`Review.state`), from
`pending_edit` (the waiting edit's fields) and `hidden_at`. Why not store them as statuses too:
- both are conditions of a *published* review, whose published version keeps its place meanwhile: a review
  with an edit waiting is still counted and listed, and a hidden one goes back to exactly where it was when a
  moderator keeps it. Every list, aggregate and index seeks the published status; a status per condition would
  make each of them ask for several statuses, and the moderation queue for more;
- they can hold at once (reports may hide a review while its author's edit waits). One status column would have
  to drop one of them, or double the states; derived, neither is lost, and `Review.state` names the one that
  matters first (hidden: what everyone sees).
Moderation decisions arrive through review_approve / review_reject / review_take_down (called by the moderation
app, which also writes the audit log); this module never imports moderation.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.core.flags import author_flags, fields_flags
from cryoview.core.markup import render_markup
from cryoview.core.throttle import Throttled
from cryoview.core.visibility import visibility_changed
from cryoview.procedures.models import Procedure
from cryoview.reviews.currencies import ISO_4217
from cryoview.reviews.enums import (
    CONSENT_TEXT,
    REVIEW_TRANSITIONS,
    SIDE_EFFECT_NONE,
    SIDE_EFFECT_OTHER,
    FollowUpStatus,
    ReviewState,
    ReviewStatus,
    WorthIt,
)
from cryoview.reviews.models import FollowUp, Review
from cryoview.reviews.permissions import can_act_as, can_edit_review
from cryoview.reviews.selectors import side_effect_choices
from cryoview.reviews.stats import stats_refresh_later
from cryoview.videos.models import Video
from cryoview.videos.selectors import video_deletable_by
from cryoview.videos.services import video_delete, video_set_published

MAX_BODY = 10_000
MAX_FOLLOWUP = 5_000


@dataclass
class ReviewInput:
    """What a member writes; forms and API schemas check the types, review_check the meaning."""

    rating: int
    worth_it: str
    title: str
    body: str
    sessions: int | None = None
    cost_amount: Decimal | None = None
    cost_currency: str = ""
    treated_month: date | None = None
    city: str = ""
    clinic_name: str = ""
    side_effects: list[str] = dataclasses.field(default_factory=list)
    side_effect_other: str = ""
    pain: int | None = None
    downtime_days: int | None = None
    video_id: str | None = None


def review_check(
    *, procedure: Procedure, author: User, data: ReviewInput, review: Review | None = None
) -> Video | None:
    """Check the meaning of every field; raise one ApplicationError (422) naming each field at fault.
    Returns the video to attach, if any."""
    problems: list[FieldProblem] = []

    def bad(field: str, message: str) -> None:
        problems.append(FieldProblem(field, message))

    if not 1 <= data.rating <= 5:
        bad("rating", "must be a whole number from 1 to 5")
    if data.worth_it not in WorthIt.values:
        bad("worth_it", "must be one of " + ", ".join(WorthIt.values))
    if not data.title.strip():
        bad("title", "must not be empty")
    elif len(data.title) > 120:
        bad("title", "must be at most 120 characters")
    if not data.body.strip():
        bad("body", "must not be empty: tell others what happened")
    elif len(data.body) > MAX_BODY:
        bad("body", f"must be at most {MAX_BODY:,} characters")
    if data.sessions is not None and not 1 <= data.sessions <= 100:
        bad("sessions", "must be from 1 to 100")
    if data.pain is not None and not 0 <= data.pain <= 10:
        bad("pain", "must be from 0 (none) to 10 (worst imaginable)")
    if data.downtime_days is not None and not 0 <= data.downtime_days <= 365:
        bad("downtime_days", "must be from 0 to 365 days")
    _check_cost(data, bad)
    if data.treated_month is not None:
        today = timezone.localdate()
        if data.treated_month > today:
            bad("treated_month", "must not be in the future")
        elif data.treated_month.year < 1990:
            bad("treated_month", "must be 1990 or later")
    if len(data.city) > 80:
        bad("city", "must be at most 80 characters")
    if len(data.clinic_name) > 120:
        bad("clinic_name", "must be at most 120 characters")
    _check_side_effects(procedure, data, bad)
    video = _check_video(author, data, bad, review)
    if problems:
        raise ApplicationError.for_fields(problems)
    return video


def _check_cost(data: ReviewInput, bad: Any) -> None:
    if data.cost_amount is not None:
        if data.cost_amount < 0 or data.cost_amount >= Decimal("100000000"):
            bad("cost_amount", "must be from 0 to 99,999,999.99")
        if not data.cost_currency:
            bad("cost_currency", "is required with a cost (an ISO code such as EUR, USD, RUB)")
    if data.cost_currency and data.cost_currency not in ISO_4217:
        bad("cost_currency", f"{data.cost_currency[:8]!r} is not an ISO 4217 currency code (e.g. EUR, USD, RUB)")
    if data.cost_currency and data.cost_amount is None:
        bad("cost_amount", "is required with a currency")


def _check_side_effects(procedure: Procedure, data: ReviewInput, bad: Any) -> None:
    allowed = {choice.slug for choice in side_effect_choices(procedure=procedure)}
    unknown = [slug for slug in data.side_effects if slug not in allowed]
    if unknown:
        bad("side_effects", f"unknown for this procedure: {', '.join(s[:40] for s in unknown[:5])}")
    if SIDE_EFFECT_NONE in data.side_effects and len(set(data.side_effects)) > 1:
        bad("side_effects", "“none” cannot be combined with other side effects")
    if len(data.side_effect_other) > 200:
        bad("side_effect_other", "must be at most 200 characters")
    if SIDE_EFFECT_OTHER in data.side_effects and not data.side_effect_other.strip():
        bad("side_effect_other", "describe the other side effect")


def _check_video(author: User, data: ReviewInput, bad: Any, review: Review | None) -> Video | None:
    if not data.video_id:
        return None
    video = Video.objects.filter(pk=data.video_id, owner=author).first()
    if video is None:
        bad("video_id", "is not one of your videos")
        return None
    if video.is_failed:
        bad("video_id", "could not be processed: attach another video, or send the review without one")
        return None
    if not video.is_ready and review is not None and review.is_published:
        # An edit of a published review would publish the video at once on approval: it must be ready.
        bad("video_id", "is not ready yet: wait until processing has finished, then send the edit")
        return None
    # A new or pending review may carry a video still processing: it reaches the moderators (queue_reviews)
    # only once the video is ready, so nobody has to wait with a half-filled form.
    taken = Review.objects.filter(video=video).exclude(status=ReviewStatus.WITHDRAWN)
    if review is not None:
        taken = taken.exclude(pk=review.pk)
    if taken.exists():
        bad("video_id", "is already attached to another of your reviews")
    return video


def _apply(review: Review, data: ReviewInput, video: Video | None) -> None:
    for field in dataclasses.fields(ReviewInput):
        if field.name != "video_id":
            setattr(review, field.name, getattr(data, field.name))
    review.title = data.title.strip()
    review.side_effects = sorted(set(data.side_effects))
    if SIDE_EFFECT_OTHER not in review.side_effects:
        review.side_effect_other = ""
    review.body_html = render_markup(data.body)
    review.video = video


def _wait_words(seconds: int) -> str:
    hours, minutes = divmod(math.ceil(seconds / 60), 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def _sends_last_day(author: User) -> list[datetime]:
    """When the author sent reviews, edits and follow-ups to the moderators in the last 24 hours, oldest first."""
    since = timezone.now() - timedelta(days=1)
    times = [
        *Review.objects.filter(author=author, submitted_at__gte=since).values_list("submitted_at", flat=True),
        *Review.objects.filter(author=author, pending_edit_at__gte=since).values_list("pending_edit_at", flat=True),
        *FollowUp.objects.filter(review__author=author, created_at__gte=since).values_list("created_at", flat=True),
    ]
    return sorted(t for t in times if t is not None)


def _sent_last_day(author: User) -> int:
    return len(_sends_last_day(author))


def _check_submission_rate(author: User) -> int:
    """A member may send a few reviews, edits and follow-ups a day to the moderators, not a flood.
    Returns how many they sent in the last 24 hours before this one."""
    sent = _sends_last_day(author)
    limit = settings.CONFIG.reviews_per_day
    if len(sent) >= limit:
        # One more may be sent once the oldest sends beyond the limit are a day old.
        frees_at = sent[len(sent) - limit] + timedelta(days=1)
        retry_after = math.ceil((frees_at - timezone.now()).total_seconds())
        raise Throttled(
            "reviews",
            retry_after,
            message=f"You have sent {len(sent)} reviews, edits or follow-ups in the last 24 hours; the limit is "
            f"{limit}. Try again in {_wait_words(retry_after)}.",
        )
    return len(sent)


def _texts(data: ReviewInput) -> dict[str, str]:
    return {
        "title": data.title,
        "text": data.body,
        "clinic": data.clinic_name,
        "city": data.city,
        "side effects": data.side_effect_other,
    }


def _flags(*, author: User, texts: dict[str, str], sent: int | None) -> list[dict[str, str]]:
    """The automatic flags a moderator will see, computed once when the text is written (linear in its length):
    those of the text, and of the author (a new account; how many submissions in 24 hours, this one included,
    when it is being submitted)."""
    age_days = (timezone.now() - author.date_joined).total_seconds() / 86400
    found = fields_flags(texts)
    found += author_flags(account_age_days=age_days, submissions_last_day=0 if sent is None else sent + 1)
    return [flag.as_json() for flag in found]


def _require_consent(consent: bool) -> None:
    if not consent:
        raise ApplicationError(
            "Tick the consent to publish before you submit.",
            problems=[FieldProblem("consent", "must be given to submit a review for publication")],
        )


def review_create(
    *,
    author: User,
    procedure: Procedure,
    data: ReviewInput,
    consent: bool,
    submit: bool = True,
    extra_writes: Sequence[Callable[[Review], None]] = (),
) -> Review:
    """Write a review (one per member and procedure). Side effects: a Review row, as a draft or pending; the
    writes of the apps that add to a review (reviews.extras), in the same transaction: if one refuses, no row."""
    if Review.objects.filter(author=author, procedure=procedure).exclude(status=ReviewStatus.WITHDRAWN).exists():
        raise ApplicationError("You have already reviewed this procedure; edit that review.", 409, "duplicate")
    video = review_check(procedure=procedure, author=author, data=data)
    sent: int | None = None
    if submit:
        _require_consent(consent)
        sent = _check_submission_rate(author)
    review = Review(procedure=procedure, author=author)
    _apply(review, data, video)
    review.flags = _flags(author=author, texts=_texts(data), sent=sent)
    if consent:
        review.consent_text, review.consented_at = CONSENT_TEXT, timezone.now()
    try:
        with transaction.atomic():
            review.save()  # a draft
            _run(extra_writes, review)
            if submit:
                review_set_state(review, ReviewState.PENDING, by=author)
    except IntegrityError:  # the same member, twice at the same moment
        raise ApplicationError(
            "You have already reviewed this procedure; edit that review.", 409, "duplicate"
        ) from None
    return review


def _edit_snapshot(data: ReviewInput) -> dict[str, Any]:
    snapshot = dataclasses.asdict(data)
    snapshot["cost_amount"] = str(data.cost_amount) if data.cost_amount is not None else None
    snapshot["treated_month"] = data.treated_month.isoformat() if data.treated_month else None
    return snapshot


def _edit_restore(snapshot: dict[str, Any]) -> ReviewInput:
    values = dict(snapshot)
    values["cost_amount"] = Decimal(values["cost_amount"]) if values.get("cost_amount") is not None else None
    values["treated_month"] = date.fromisoformat(values["treated_month"]) if values.get("treated_month") else None
    return ReviewInput(**values)


def review_input_of(review: Review, *, pending: bool = True) -> ReviewInput:
    """The review's current fields (or the edit awaiting moderation) as input, e.g. to prefill a form."""
    if pending and review.pending_edit:
        return _edit_restore(review.pending_edit)
    values = {f.name: getattr(review, f.name) for f in dataclasses.fields(ReviewInput) if f.name != "video_id"}
    return ReviewInput(**values, video_id=str(review.video_id) if review.video_id else None)


def review_update(
    *,
    review: Review,
    by: User,
    data: ReviewInput,
    consent: bool = False,
    submit: bool = False,
    extra_writes: Sequence[Callable[[Review], None]] = (),
) -> Review:
    """Change a review. A draft, pending or rejected review changes in place (and is submitted if asked);
    a published one keeps its published text and gets an edit that waits for moderation.
    Side effects: the Review row; the writes of the apps that add to a review (reviews.extras), in the same
    transaction (they decide themselves what a published review's edit may change)."""
    if not can_edit_review(by, review):
        raise NotFoundError("No such review.")
    if review.is_hidden:
        raise ReviewStateError(
            "This review is hidden after reports until a moderator decides; you can change it after that, "
            "or withdraw it.",
            current=review.state,
            new=ReviewState.PENDING_EDIT,
        )
    video = review_check(procedure=review.procedure, author=by, data=data, review=review)
    if review.is_published:
        # The published version stays as it is; a new video is shown only once the edit is approved.
        sent_before = _check_submission_rate(by)
        review.flags = _flags(author=by, texts=_texts(data), sent=sent_before)
        with transaction.atomic():
            _run(extra_writes, review)
            return review_set_state(review, ReviewState.PENDING_EDIT, by=by, edit=_edit_snapshot(data))
    submit = submit or review.is_pending
    consent = consent or review.consented_at is not None
    sent: int | None = None
    if submit:
        _require_consent(consent)
        # A pending review changed in place was already counted when it was sent.
        sent = _check_submission_rate(by) if not review.is_pending else _sent_last_day(by) - 1
    _apply(review, data, video)
    review.flags = _flags(author=by, texts=_texts(data), sent=sent)
    if consent and review.consented_at is None:
        review.consent_text, review.consented_at = CONSENT_TEXT, timezone.now()
    with transaction.atomic():
        _run(extra_writes, review)
        if submit and not review.is_pending:
            return review_set_state(review, ReviewState.PENDING, by=by)
        review.save()
    return review


def _run(writes: Sequence[Callable[[Review], None]], review: Review) -> None:
    for write in writes:
        write(review)


def _refresh_later(procedure: Procedure) -> None:
    stats_refresh_later(procedure=procedure)


def review_withdraw(*, review: Review, by: User) -> Review:
    """The author takes a review back. Side effects: see review_set_state (WITHDRAWN): the video and every
    derivative deleted, the text blanked, the follow-ups deleted, the aggregates recounted; the row stays
    (status withdrawn) so decisions stay explainable."""
    if not can_edit_review(by, review):
        raise NotFoundError("No such review.")
    return review_set_state(review, ReviewState.WITHDRAWN, by=by)


def video_remove(*, video: Video) -> None:
    """Delete a video from everywhere it shows. The reviews that showed it keep their text but lose the
    video: no "with video" badge, no place in the has_video filter or the videos-first order; an edit
    waiting for moderation that proposed it keeps the review's current video instead.
    Side effects: those Review rows; the procedures' aggregates are recounted and visitors' cached pages
    expire (after commit); the video's rows and, after commit, its files (videos.video_delete)."""
    with transaction.atomic():
        procedures = {}
        for review in Review.objects.filter(video=video).select_related("procedure"):
            review.video, review.has_video = None, False
            review.save(update_fields=["video", "has_video", "updated_at"])
            visibility_changed(kind="review", pk=review.pk)
            if review.status == ReviewStatus.PUBLISHED:
                procedures[review.procedure_id] = review.procedure
        for review in Review.objects.filter(author_id=video.owner_id, pending_edit__isnull=False):
            if review.pending_edit and review.pending_edit.get("video_id") == str(video.pk):
                # The edit keeps what is published rather than failing at approval for a missing video.
                current = str(review.video_id) if review.video_id else None
                review.pending_edit = {**review.pending_edit, "video_id": current}
                review.save(update_fields=["pending_edit", "updated_at"])
        for procedure in procedures.values():
            _refresh_later(procedure)
        video_delete(video=video)


def video_remove_for(*, user: User, video_id: uuid.UUID | str) -> None:
    """A member deletes one of their videos (a moderator, anyone's): as video_remove. 404 for the rest."""
    video = video_deletable_by(user=user, video_id=video_id)
    if video is None:
        raise NotFoundError("No such video.")
    video_remove(video=video)


def review_delete_all_of(*, user: User) -> int:
    """Before an account is deleted: its reviews go with their videos (never orphaned). Returns how many."""
    procedures = set()
    count = 0
    for review in Review.objects.filter(author=user).select_related("video", "procedure"):
        if review.status == ReviewStatus.PUBLISHED:
            procedures.add(review.procedure)
        if review.video is not None:
            video_delete(video=review.video)
        review.delete()
        count += 1
    for procedure in procedures:
        _refresh_later(procedure)
    return count


def followup_add(*, review: Review, by: User, body: str, new_rating: int | None = None) -> FollowUp:
    """A dated update on one's own published review. Side effects: a pending FollowUp for moderation."""
    if not can_edit_review(by, review):
        raise NotFoundError("No such review.")
    if not review.is_published:
        raise ApplicationError("Follow-ups can be added once the review is published.", 409, "not_published")
    problems = []
    if not body.strip():
        problems.append(FieldProblem("body", "must not be empty"))
    elif len(body) > MAX_FOLLOWUP:
        problems.append(FieldProblem("body", f"must be at most {MAX_FOLLOWUP:,} characters"))
    if new_rating is not None and not 1 <= new_rating <= 5:
        problems.append(FieldProblem("new_rating", "must be a whole number from 1 to 5"))
    if problems:
        raise ApplicationError.for_fields(problems)
    sent = _check_submission_rate(by)
    flags = _flags(author=by, texts={"follow-up": body}, sent=sent)
    return FollowUp.objects.create(
        review=review, body=body, body_html=render_markup(body), new_rating=new_rating, flags=flags
    )


# --- moderation decisions (called by cryoview.moderation, which logs them) ----------------------------------


def _video_title(review: Review) -> str:
    """A published video is named after its review, never after the uploaded file."""
    return review.title.strip() or f"Video review of {review.procedure.name}"


def review_approve(*, review: Review, by: User) -> str:
    """Publish a pending review, apply a waiting edit, or put a reported review back.
    Returns what was approved ("review", "edit", "reports"). Side effects: the row, the video's visibility,
    the procedure's aggregates (review_set_state); an edit that changes the video deletes the old one after
    commit."""
    state = review.state
    with transaction.atomic():
        if state == ReviewState.PENDING:
            what = "review"
        elif review.has_pending_edit:
            what = "edit"
            _edit_apply(review)
        elif state == ReviewState.HIDDEN:
            what = "reports"
        else:
            raise ApplicationError("This review has nothing waiting for a decision.", 409, "nothing_to_decide")
        review_set_state(review, ReviewState.PUBLISHED, by=by)
    return what


def _edit_apply(review: Review) -> None:
    """The waiting edit becomes the review's content (review_set_state then clears it)."""
    assert review.pending_edit is not None
    data = _edit_restore(review.pending_edit)
    video = review_check(procedure=review.procedure, author=review.author, data=data, review=review)
    old_video = review.video
    _apply(review, data, video)
    if old_video is not None and old_video != video:
        transaction.on_commit(lambda: video_delete(video=old_video))


def review_reject(*, review: Review, by: User, reason: str) -> str:
    """Refuse a pending review or a waiting edit, or take down a reported review. The author sees the reason.
    Returns what was rejected. Side effects: the row, the video's visibility, the aggregates."""
    state = review.state
    with transaction.atomic():
        if state == ReviewState.PENDING:
            what = "review"
            review_set_state(review, ReviewState.REJECTED, by=by, reason=reason)
        elif review.has_pending_edit:
            what = "edit"
            if state == ReviewState.PENDING_EDIT:
                review_set_state(review, ReviewState.PUBLISHED, by=by, reason=reason)  # the edit is refused
            else:  # hidden, and an edit waits: refusing the edit leaves the reports to decide; no change of state
                _edit_settle(review, reason)
            # The flags described the refused edit; a later report shows the published text's own.
            review.flags = [flag.as_json() for flag in fields_flags(_texts(review_input_of(review)))]
            review.save()
        elif state == ReviewState.HIDDEN:
            what = "reports"
            review_set_state(review, ReviewState.REJECTED, by=by, reason=reason)
        else:
            raise ApplicationError("This review has nothing waiting for a decision.", 409, "nothing_to_decide")
    return what


def review_hide(*, review: Review) -> None:
    """Reports reached the threshold: hidden until a moderator decides (nothing happens to a review that is not
    shown). Side effects: row, aggregates (review_set_state)."""
    if review.state in (ReviewState.PUBLISHED, ReviewState.PENDING_EDIT):
        review_set_state(review, ReviewState.HIDDEN, by=None)


def review_take_down(*, review: Review, by: User, reason: str) -> None:
    """A moderator upholds reports on a published review (hidden or not): it is no longer published and the
    author sees the reason. Side effects: the row, the video's visibility, the aggregates."""
    if not review.is_published:
        raise ApplicationError("Only a published review can be taken down.", 409, "nothing_to_decide")
    review_set_state(review, ReviewState.REJECTED, by=by, reason=reason)


# --- the one door for a change of state -------------------------------------------------------------------


class ReviewStateError(ApplicationError):
    """A change of state that the table refuses (409), or that `by` may not make (403)."""

    def __init__(
        self, message: str, *, current: ReviewState, new: ReviewState, status: int = 409, code: str = ""
    ) -> None:
        super().__init__(message=message, status=status, code=code or "invalid_transition")
        self.current, self.new = current, new


def _refused(current: ReviewState, new: ReviewState) -> ReviewStateError:
    allowed = REVIEW_TRANSITIONS[current]
    options = ", ".join(f"“{state.label}”" for state in allowed) if allowed else "nothing else (this is final)"
    return ReviewStateError(
        f"A review that is “{current.label}” cannot become “{new.label}”; it can become {options}.",
        current=current,
        new=new,
    )


def review_set_state(
    review: Review,
    new_state: ReviewState,
    *,
    by: User | None,
    reason: str = "",
    edit: dict[str, Any] | None = None,
) -> Review:
    """Move a review to `new_state`, if enums.REVIEW_TRANSITIONS allows it from where it is and gives it to
    `by` (its author, a moderator, or None for the reports); ReviewStateError (409, or 403 for the wrong person)
    otherwise, and nothing changes. `reason` is what the author is told (required to reject); `edit` is the
    edit that waits (required for PENDING_EDIT).

    Side effects, all here: the row (status, submitted_at, published_at, withdrawn_at, hidden_at, the waiting
    edit and its timestamp, rejection reasons, has_video); the video published, unpublished or (withdrawn)
    deleted with every derivative; a withdrawn review's text blanked and follow-ups deleted; the procedure's
    aggregates recounted after commit when what everyone sees may have changed."""
    current = review.state
    actor = REVIEW_TRANSITIONS[current].get(new_state)
    if actor is None:
        raise _refused(current, new_state)
    if not can_act_as(by, review, actor):
        raise ReviewStateError(
            f"Only {actor.label} can make a review “{new_state.label}”.",
            current=current,
            new=new_state,
            status=403,
            code="forbidden",
        )
    if new_state == ReviewState.REJECTED and not reason.strip():
        raise ApplicationError.for_fields([FieldProblem("reason", "is required to reject: the author sees it")])
    if new_state == ReviewState.PENDING_EDIT and edit is None:
        raise ValueError("an edit awaiting moderation needs the edit")
    was_visible = review.is_visible
    with transaction.atomic():
        _ENTER[new_state](review, current=current, reason=reason, edit=edit)
        review.save()
        if new_state != ReviewState.PENDING_EDIT and (was_visible or review.is_visible):
            _refresh_later(review.procedure)
        visibility_changed(kind="review", pk=review.pk)
    return review


def _edit_settle(review: Review, reason: str) -> None:
    """No edit waits any more: it was applied, or refused for `reason` (which its author sees)."""
    if review.pending_edit is not None:
        review.pending_edit, review.pending_edit_at, review.edit_rejection_reason = None, None, reason


def _enter_pending(review: Review, **_: Any) -> None:
    review.status, review.submitted_at, review.rejection_reason = ReviewStatus.PENDING, timezone.now(), ""


def _enter_pending_edit(review: Review, *, edit: dict[str, Any] | None, **_: Any) -> None:
    review.pending_edit, review.pending_edit_at, review.edit_rejection_reason = edit, timezone.now(), ""


def _enter_published(review: Review, *, current: ReviewState, reason: str, **_: Any) -> None:
    if current == ReviewState.PENDING:
        review.published_at, review.rejection_reason = timezone.now(), ""
    review.status, review.hidden_at = ReviewStatus.PUBLISHED, None
    _edit_settle(review, reason)
    if review.video is not None:
        video_set_published(video=review.video, published=True, title=_video_title(review))
    review.has_video = review.video is not None


def _enter_hidden(review: Review, **_: Any) -> None:
    review.hidden_at = timezone.now()  # a waiting edit waits on: it is decided with the reports


def _enter_rejected(review: Review, *, reason: str, **_: Any) -> None:
    review.status, review.rejection_reason = ReviewStatus.REJECTED, reason
    review.has_video, review.hidden_at = False, None
    review.pending_edit, review.pending_edit_at = None, None  # the author changes the review itself and resends it
    if review.video is not None:
        video_set_published(video=review.video, published=False)


def _enter_withdrawn(review: Review, **_: Any) -> None:
    video = review.video
    review.status, review.withdrawn_at = ReviewStatus.WITHDRAWN, timezone.now()
    review.title, review.body, review.body_html = "Withdrawn review", "", ""
    review.city = review.clinic_name = review.side_effect_other = ""
    review.pending_edit, review.pending_edit_at = None, None
    review.video, review.has_video, review.hidden_at = None, False, None
    review.followups.all().delete()
    if video is not None:
        video_delete(video=video)  # its files go after commit


_ENTER: dict[ReviewState, Callable[..., None]] = {
    ReviewState.PENDING: _enter_pending,
    ReviewState.PENDING_EDIT: _enter_pending_edit,
    ReviewState.PUBLISHED: _enter_published,
    ReviewState.HIDDEN: _enter_hidden,
    ReviewState.REJECTED: _enter_rejected,
    ReviewState.WITHDRAWN: _enter_withdrawn,
}


def followup_decide(*, followup: FollowUp, approve: bool, reason: str = "") -> None:
    """Publish or refuse a follow-up; a published one may change the review's rating.
    Side effects: the follow-up, the review's rating and follow-up count, the aggregates."""
    if followup.status != FollowUpStatus.PENDING:
        raise ApplicationError("This follow-up has already been decided.", 409, "nothing_to_decide")
    with transaction.atomic():
        if not approve:
            followup.status, followup.rejection_reason = FollowUpStatus.REJECTED, reason
            followup.save(update_fields=["status", "rejection_reason"])
            return
        followup.status, followup.published_at = FollowUpStatus.PUBLISHED, timezone.now()
        followup.save(update_fields=["status", "published_at"])
        review = followup.review
        review.followup_count = review.followups.filter(status=FollowUpStatus.PUBLISHED).count()
        if followup.new_rating is not None:
            review.rating = followup.new_rating
        review.save(update_fields=["followup_count", "rating", "updated_at"])
        _refresh_later(review.procedure)
        visibility_changed(kind="review", pk=review.pk)
