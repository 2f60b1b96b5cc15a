"""Writes of the moderation app: decisions (always logged), reports and the hide threshold, e-mails."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment
from cryoview.comments.services import comment_approve, comment_hide, comment_mark_spam, comment_remove
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.core.flags import flags_from_json
from cryoview.core.throttle import throttle_hit
from cryoview.core.validation import CONTROL
from cryoview.moderation.enums import Decision, ReportPart, ReportReason, TargetKind
from cryoview.moderation.models import ModerationDecision, Report
from cryoview.moderation.selectors import review_flags
from cryoview.related.services import related_refresh_later
from cryoview.reviews.enums import ReviewStatus
from cryoview.reviews.models import FollowUp, Review
from cryoview.reviews.services import followup_decide, review_approve, review_hide, review_reject

MAX_REASON = 2000


def _require_moderator(by: User) -> None:
    if not by.is_moderator:
        raise ApplicationError("Only moderators can decide.", status=403, code="forbidden")


def _check_reason(decision: Decision, reason: str) -> str:
    reason = reason.strip()
    if decision == Decision.REJECT and not reason:
        raise ApplicationError(
            "Give the author a reason for the rejection.",
            problems=[FieldProblem("reason", "is required to reject: the author sees it")],
        )
    if len(reason) > MAX_REASON:
        raise ApplicationError(
            "The reason is too long.", problems=[FieldProblem("reason", f"must be at most {MAX_REASON} characters")]
        )
    if CONTROL.search(reason):  # PostgreSQL cannot store NUL: refuse it here rather than fail in the database
        raise ApplicationError.for_fields([FieldProblem("reason", "must not contain control characters or NUL bytes")])
    return reason


def _log(
    *, by: User, kind: TargetKind, target_id: int, title: str, decision: Decision, reason: str, flags: list[str]
) -> None:
    ModerationDecision.objects.create(
        moderator=by,
        moderator_name=by.public_name,
        target_kind=kind,
        target_id=str(target_id),
        target_title=title[:200],
        decision=decision,
        reason=reason,
        flags=flags,
    )


def _mail_author(*, author: User, template: str, context: dict[str, object]) -> None:
    context = {**context, "author": author, "site": settings.CONFIG.site_url}
    subject = render_to_string(f"moderation/email/{template}_subject.txt", context).strip()
    body = render_to_string(f"moderation/email/{template}.txt", context)
    email = author.email
    transaction.on_commit(lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email]))


def _check_report(*, reason: str, details: str, problems: list[FieldProblem] | None = None) -> None:
    problems = [] if problems is None else problems
    if reason not in ReportReason.values:
        problems.insert(0, FieldProblem("reason", "must be one of " + ", ".join(ReportReason.values)))
    if len(details) > 2000:
        problems.append(FieldProblem("details", "must be at most 2,000 characters"))
    if CONTROL.search(details):
        problems.append(FieldProblem("details", "must not contain control characters or NUL bytes"))
    if reason == ReportReason.OTHER and not details.strip():
        problems.append(FieldProblem("details", "say what is wrong when the reason is “other”"))
    if problems:
        raise ApplicationError.for_fields(problems)


def _report_save(
    *,
    about: dict[str, Review | Comment],
    what: str,
    part: str,
    reason: str,
    details: str,
    reporter: User | None,
    reporter_key: str,
) -> tuple[Report, int]:
    """Rate-limit the reporter, store their one open report on `about`, and count the open reports on it."""
    throttle_hit(
        scope="report", key=reporter_key, limit=settings.CONFIG.reports_per_hour, window_seconds=3600, what="reports"
    )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                **about,
                part=part,
                reason=reason,
                details=details.strip(),
                reporter=reporter,
                reporter_key=reporter_key,
            )
    except IntegrityError:
        raise ApplicationError(
            f"You have already reported this {what}; a moderator will look at it.", 409, "already_reported"
        ) from None
    return report, Report.objects.filter(**about, resolved_at__isnull=True).count()


def review_decide(*, review: Review, by: User, decision: Decision, reason: str = "") -> TargetKind:
    """Approve or reject what a review has waiting (a submission, an edit, or reports), log it, and tell the
    author by e-mail. Side effects: the review (see review_approve / review_reject), reports resolved,
    a ModerationDecision row, an e-mail after commit; on approval, a related-reading task after commit."""
    _require_moderator(by)
    reason = _check_reason(decision, reason)
    flags = [flag.reason for flag in review_flags(review)]
    with transaction.atomic():
        # Lock only the review row (PostgreSQL refuses FOR UPDATE on the nullable side of the video join).
        locked = (
            Review.objects.select_for_update(of=("self",))
            .select_related("procedure", "author", "video")
            .get(pk=review.pk)
        )
        if locked.status == ReviewStatus.WITHDRAWN:
            raise NotFoundError("No such review.")
        if locked.video is not None and locked.video.status != "ready" and decision == Decision.APPROVE:
            raise ApplicationError(
                "The video is still being processed; decide once it is ready.", 409, "video_not_ready"
            )
        what = (
            review_approve(review=locked)
            if decision == Decision.APPROVE
            else review_reject(review=locked, reason=reason)
        )
        if decision == Decision.APPROVE:
            related_refresh_later(review=locked)  # its list, and the guides' lists that may now rank it
        kind = {"review": TargetKind.REVIEW, "edit": TargetKind.EDIT, "reports": TargetKind.REPORTS}[what]
        Report.objects.filter(review=locked, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolution=decision
        )
        _log(by=by, kind=kind, target_id=locked.pk, title=locked.title, decision=decision, reason=reason, flags=flags)
        if kind != TargetKind.REPORTS or decision == Decision.REJECT:
            _mail_author(
                author=locked.author,
                template=f"review_{decision}",
                context={"review": locked, "kind": kind, "reason": reason},
            )
    review.refresh_from_db()
    return kind


def followup_decide_as(*, followup: FollowUp, by: User, decision: Decision, reason: str = "") -> None:
    """Approve or reject a follow-up, log it and tell the author. Side effects: see followup_decide."""
    _require_moderator(by)
    reason = _check_reason(decision, reason)
    flags = [flag.reason for flag in flags_from_json(followup.flags)]
    with transaction.atomic():
        followup_decide(followup=followup, approve=decision == Decision.APPROVE, reason=reason)
        title = f"Follow-up to “{followup.review.title}”"
        _log(
            by=by,
            kind=TargetKind.FOLLOWUP,
            target_id=followup.pk,
            title=title,
            decision=decision,
            reason=reason,
            flags=flags,
        )
        _mail_author(
            author=followup.review.author,
            template=f"followup_{decision}",
            context={"review": followup.review, "followup": followup, "reason": reason},
        )


def report_create(
    *,
    review: Review,
    reporter: User | None,
    reporter_key: str,
    reason: str,
    part: str = ReportPart.REVIEW,
    details: str = "",
) -> Report:
    """Anyone reports a published review or its video; at the threshold of distinct reporters the review is
    hidden until a moderator decides. Rate-limited per person. Side effects: a Report row, maybe hiding."""
    if not review.is_visible:
        raise NotFoundError("No such review.")
    problems = []
    if part not in ReportPart.values:
        problems.append(FieldProblem("part", "must be one of " + ", ".join(ReportPart.values)))
    if part == ReportPart.VIDEO and review.video_id is None:
        problems.append(FieldProblem("part", "this review has no video"))
    _check_report(reason=reason, details=details, problems=problems)
    report, open_reports = _report_save(
        about={"review": review},
        what="review",
        part=part,
        reason=reason,
        details=details,
        reporter=reporter,
        reporter_key=reporter_key,
    )
    if open_reports >= settings.CONFIG.reports_hide_threshold:
        review_hide(review=review)
    return report


COMMENT_DECISIONS = (Decision.APPROVE, Decision.SPAM, Decision.DELETE)


def comment_decide(*, comment: Comment, by: User, decision: Decision, reason: str = "") -> TargetKind:
    """Approve, mark as spam or delete a comment, and log it with its reason. Open reports are resolved.
    Side effects: see comment_approve / comment_mark_spam / comment_remove; a ModerationDecision row."""
    _require_moderator(by)
    if decision not in COMMENT_DECISIONS:
        raise ApplicationError(
            "A comment can be approved, marked as spam or deleted.",
            problems=[FieldProblem("decision", "must be one of approve, spam, delete")],
        )
    reason = _check_reason(Decision.APPROVE, reason)
    with transaction.atomic():
        locked = (
            Comment.objects.select_for_update(of=("self",))
            .select_related("author", "procedure", "review", "parent", "in_reply_to")
            .get(pk=comment.pk)
        )
        if locked.status == CommentStatus.DELETED:
            raise NotFoundError("No such comment.")
        reported = Report.objects.filter(comment=locked, resolved_at__isnull=True)
        kind = TargetKind.COMMENT_REPORTS if reported.exists() else TargetKind.COMMENT
        flags = list(locked.reasons)
        if decision == Decision.APPROVE:
            comment_approve(comment=locked)
        elif decision == Decision.SPAM:
            comment_mark_spam(comment=locked, reason=reason)
        else:
            comment_remove(comment=locked)
        reported.update(resolved_at=timezone.now(), resolution=decision)
        title = f"{locked.author_name} on the {locked.thread_title}: {locked.body[:120] or '(deleted)'}"
        _log(by=by, kind=kind, target_id=locked.pk, title=title, decision=decision, reason=reason, flags=flags)
    comment.refresh_from_db()
    return kind


def comment_report_create(
    *, comment: Comment, reporter: User | None, reporter_key: str, reason: str, details: str = ""
) -> Report:
    """Anyone reports a shown comment; at the threshold of distinct reporters it is hidden until a
    moderator decides. Rate-limited per person. Side effects: a Report row, maybe hiding the comment."""
    if comment.status != CommentStatus.APPROVED:
        raise NotFoundError("No such comment.")
    _check_report(reason=reason, details=details)
    report, open_reports = _report_save(
        about={"comment": comment},
        what="comment",
        part=ReportPart.REVIEW,  # the model's default: a comment has no parts
        reason=reason,
        details=details,
        reporter=reporter,
        reporter_key=reporter_key,
    )
    if open_reports >= settings.CONFIG.reports_hide_threshold:
        comment_hide(comment=comment, reason=f"hidden after {open_reports} reports")
    return report


def reports_forget_addresses() -> int:
    """Reports keep who sent them (for one open report per person) only for the IP retention period."""
    cutoff = timezone.now() - timedelta(days=settings.CONFIG.ip_retention_days)
    old = Report.objects.filter(created_at__lt=cutoff, reporter_key__startswith="ip:")
    return old.update(reporter_key=Concat(Value("expired:"), Cast("id", output_field=CharField())))
