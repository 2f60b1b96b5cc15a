"""Writes of the moderation app: decisions (always logged), reports and the hide threshold, e-mails."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from cryoview.comments.services import (
    comment_approve,
    comment_hide,
    comment_mark_spam,
    comment_remove,
    comment_unhide,
)
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.core.flags import Flag, flags_from_json
from cryoview.core.throttle import throttle_hit
from cryoview.core.validation import CONTROL
from cryoview.moderation.enums import Decision, ReporterTrust, ReportOutcome, ReportPart, ReportReason, TargetKind
from cryoview.moderation.interested import Stake, interested_stake
from cryoview.moderation.models import ModerationDecision, Report
from cryoview.moderation.permissions import can_moderate
from cryoview.moderation.selectors import ReportTarget, reporter_trust, review_flags, trusted_reporters
from cryoview.related.services import related_refresh_later
from cryoview.reviews.models import FollowUp, Review
from cryoview.reviews.services import followup_decide, review_approve, review_hide, review_reject, review_take_down

MAX_REASON = 2000
OUTCOMES = {
    Decision.APPROVE: ReportOutcome.KEPT,
    Decision.REJECT: ReportOutcome.TAKEN_DOWN,
    Decision.SPAM: ReportOutcome.TAKEN_DOWN,
    Decision.DELETE: ReportOutcome.TAKEN_DOWN,
    Decision.DISMISS: ReportOutcome.DISMISSED,
}
REVIEW_DECISIONS = (Decision.APPROVE, Decision.REJECT, Decision.DISMISS)
HIDDEN_AFTER_REPORTS = "hidden after reports from"  # the start of comment_hide's reason: see comment_decide


def _require_moderator(by: User) -> None:
    if not can_moderate(by):
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
    *,
    by: User,
    kind: TargetKind,
    target_id: int,
    title: str,
    decision: Decision,
    reason: str,
    flags: list[Flag],
    reports: list[Report] | None = None,
) -> None:
    """The log row, with a snapshot of the flags the moderator was shown (they can change afterwards: an edit
    recomputes them, a decision clears the hold reasons)."""
    row = ModerationDecision.objects.create(
        moderator=by,
        moderator_name=by.public_name,
        target_kind=kind,
        target_id=str(target_id),
        target_title=title[:200],
        decision=decision,
        reason=reason,
        flags=[flag.reason for flag in flags],
        flags_shown=[flag.as_json() for flag in flags],
    )
    if reports:
        row.reports.set(reports)


def _resolve(reports: list[Report], decision: Decision) -> list[Report]:
    """Close the reports with the outcome the decision means for them; returns them for the log."""
    Report.objects.filter(pk__in=[r.pk for r in reports]).update(
        resolved_at=timezone.now(), resolution=OUTCOMES[decision]
    )
    return reports


def _to_dismiss(open_reports: list[Report], report_ids: list[int] | None) -> list[Report]:
    """All open reports, or the ones named; a named report that is not open on this item is a 400."""
    if report_ids is None:
        return open_reports
    by_id = {r.pk: r for r in open_reports}
    unknown = [i for i in report_ids if i not in by_id]
    if unknown or not report_ids:
        raise ApplicationError.for_fields(
            [
                FieldProblem(
                    "report_ids", "must list open reports on this item" + (f" (not {unknown[0]})" if unknown else "")
                )
            ]
        )
    return [by_id[i] for i in dict.fromkeys(report_ids)]


def _mail_author(*, author: User, template: str, context: dict[str, object]) -> None:
    context = {**context, "author": author, "site": settings.CONFIG.site_url}
    subject = (
        settings.EMAIL_SUBJECT_PREFIX + render_to_string(f"moderation/email/{template}_subject.txt", context).strip()
    )
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


@dataclass(frozen=True)
class ReportReceipt:
    """A stored report, whether the item is now hidden, and what the reporter is told (the truth)."""

    report: Report
    hidden: bool
    message: str


def _receipt_message(*, trust: str, what: str, hidden: bool, on_behalf_of: str = "") -> str:
    queued = "Thank you. Your report is in the moderation queue and a moderator will review it."
    if trust == ReporterTrust.INTERESTED:
        return (
            f"{queued} You act for {on_behalf_of}, the clinic this {what} names: a clinic's report never hides a "
            f"{what}. It stays visible, and a moderator will decide whether to keep it or take it down."
        )
    if hidden:
        return (
            f"{queued} Several established members have now reported it, so it is hidden until a moderator "
            "decides; only a moderator can take it down."
        )
    why = {
        ReporterTrust.TRUSTED: f"Reports alone never remove a {what}: it is hidden only after reports from several "
        "established members, and then only until a moderator decides.",
        ReporterTrust.REPEAT: f"A moderator has already decided on your earlier report about this {what}, so this "
        "one does not count towards hiding it.",
        ReporterTrust.AUTHOR: f"You wrote this {what}: you can withdraw or delete it yourself at any time.",
    }.get(
        ReporterTrust(trust),
        f"Reports from visitors and from new or unverified accounts never hide a {what} by themselves.",
    )
    return f"{queued} {why}"


def _report_save(
    *,
    about: ReportTarget,
    what: str,
    part: str,
    reason: str,
    details: str,
    reporter: User | None,
    reporter_key: str,
    trust: ReporterTrust | None = None,
    record: Callable[[Report], None] | None = None,
) -> tuple[Report, int]:
    """Rate-limit the reporter, store their one open report on `about` with how far it may be trusted (`trust`
    overrides the rule: an interested party's), run `record` in the same transaction, and count the distinct
    established members who have an open report on it (what the hiding threshold counts)."""
    if reporter is not None:  # one account is one person, whatever address it reports from
        reporter_key = f"user:{reporter.pk}"
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
                trust=trust or reporter_trust(reporter=reporter, about=about),
            )
            if record is not None:
                record(report)
    except IntegrityError:
        raise ApplicationError(
            f"You have already reported this {what}; a moderator will review it.", 409, "already_reported"
        ) from None
    return report, trusted_reporters(about=about)


def _review_kind(review: Review, open_reports: list[Report]) -> TargetKind:
    if review.is_pending:
        return TargetKind.REVIEW
    if review.has_pending_edit:
        return TargetKind.EDIT
    if review.is_hidden or open_reports:
        return TargetKind.REPORTS
    raise ApplicationError("This review has nothing waiting for a decision.", 409, "nothing_to_decide")


def _decide_review_reports(
    *,
    review: Review,
    by: User,
    decision: Decision,
    reason: str,
    open_reports: list[Report],
    report_ids: list[int] | None,
) -> list[Report]:
    """Keep (put back if hidden), take down, or dismiss reports (all or some); a review hidden by reports is
    shown again once the reports that still count fall below the threshold. Returns the reports resolved."""
    if decision == Decision.DISMISS:
        concerned = _resolve(_to_dismiss(open_reports, report_ids), decision)
        still = trusted_reporters(about={"review": review})
        if review.is_hidden and still < settings.CONFIG.reports_hide_threshold:
            review_approve(review=review, by=by)
        return concerned
    if decision == Decision.APPROVE:
        if review.is_hidden:
            review_approve(review=review, by=by)
    else:
        review_take_down(review=review, by=by, reason=reason)
    return _resolve(open_reports, decision)


def review_decide(
    *, review: Review, by: User, decision: Decision, reason: str = "", report_ids: list[int] | None = None
) -> TargetKind:
    """Decide what a review has waiting: approve or reject a submission or an edit; for reports, keep the review,
    take it down, or dismiss the reports (all, or those in `report_ids`). Side effects: the review (see
    review_approve / review_reject / review_take_down), reports resolved with their outcome, a ModerationDecision
    row naming them, an e-mail to the author after commit (not for kept or dismissed reports); on approval, a
    related-reading task after commit."""
    _require_moderator(by)
    if decision not in REVIEW_DECISIONS:
        raise ApplicationError.for_fields([FieldProblem("decision", "must be one of approve, reject, dismiss")])
    reason = _check_reason(decision, reason)
    flags = review_flags(review)
    with transaction.atomic():
        # Lock only the review row (PostgreSQL refuses FOR UPDATE on the nullable side of the video join).
        locked = (
            Review.objects.select_for_update(of=("self",))
            .select_related("procedure", "author", "video")
            .get(pk=review.pk)
        )
        if locked.is_withdrawn:
            raise NotFoundError("No such review.")
        open_reports = list(Report.objects.filter(review=locked, resolved_at__isnull=True))
        kind = _review_kind(locked, open_reports)
        concerned: list[Report] = []
        if kind == TargetKind.REPORTS:
            concerned = _decide_review_reports(
                review=locked,
                by=by,
                decision=decision,
                reason=reason,
                open_reports=open_reports,
                report_ids=report_ids,
            )
        elif decision == Decision.DISMISS:
            raise ApplicationError.for_fields(
                [
                    FieldProblem(
                        "decision", f"dismiss applies to reports; this {kind.label.lower()} needs approve or reject"
                    )
                ]
            )
        else:
            if locked.video is not None and not locked.video.is_ready and decision == Decision.APPROVE:
                raise ApplicationError(
                    "The video is still being processed; decide once it is ready.", 409, "video_not_ready"
                )
            if decision == Decision.APPROVE:
                review_approve(review=locked, by=by)
            else:
                review_reject(review=locked, by=by, reason=reason)
        if decision == Decision.APPROVE:
            related_refresh_later(review=locked)  # its list, and the guides' lists that may now rank it
        _log(
            by=by,
            kind=kind,
            target_id=locked.pk,
            title=locked.title,
            decision=decision,
            reason=reason,
            flags=flags,
            reports=concerned,
        )
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
    flags = flags_from_json(followup.flags)
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


def _recorder(stake: Stake | None, reporter: User | None) -> Callable[[Report], None] | None:
    """The interested party's record of this reporter's report (None when nobody has a stake)."""
    if stake is None or reporter is None:
        return None
    party, by = stake.party, reporter

    def record(report: Report) -> None:
        party.record(report, by)

    return record


def report_create(
    *,
    review: Review,
    reporter: User | None,
    reporter_key: str,
    reason: str,
    part: str = ReportPart.REVIEW,
    details: str = "",
) -> ReportReceipt:
    """Anyone reports a published review or its video; the report is in the moderation queue at once. Only
    established members' reports count towards hiding: at CRYOVIEW_REPORTS_HIDE_THRESHOLD of them the review is
    hidden until a moderator decides. A reporter an interested party names (staff of the review's clinic: see
    moderation.interested) is stored as "interested" and never counts, whichever door they used. Rate-limited per
    person. Side effects: a Report row, the party's record in the same transaction, maybe hiding."""
    if not review.is_visible:
        raise NotFoundError("No such review.")
    problems = []
    if part not in ReportPart.values:
        problems.append(FieldProblem("part", "must be one of " + ", ".join(ReportPart.values)))
    if part == ReportPart.VIDEO and review.video_id is None:
        problems.append(FieldProblem("part", "this review has no video"))
    _check_report(reason=reason, details=details, problems=problems)
    stake = interested_stake(review=review, user=reporter)
    report, trusted = _report_save(
        about={"review": review},
        what="review",
        part=part,
        reason=reason,
        details=details,
        reporter=reporter,
        reporter_key=reporter_key,
        trust=ReporterTrust.INTERESTED if stake is not None else None,
        record=_recorder(stake, reporter),
    )
    hidden = report.trust == ReporterTrust.TRUSTED and trusted >= settings.CONFIG.reports_hide_threshold
    if hidden:
        review_hide(review=review)
    message = _receipt_message(
        trust=report.trust, what="review", hidden=hidden, on_behalf_of=stake.on_behalf_of if stake else ""
    )
    return ReportReceipt(report, hidden, message)


COMMENT_DECISIONS = (Decision.APPROVE, Decision.SPAM, Decision.DELETE, Decision.DISMISS)


def _hidden_by_reports(comment: Comment) -> bool:
    reasons = comment.reasons
    return (
        comment.status == CommentStatus.HELD
        and bool(reasons)
        and all(r.startswith(HIDDEN_AFTER_REPORTS) for r in reasons)
    )


def _decide_comment(*, comment: Comment, decision: Decision, reason: str, reported: bool) -> None:
    if decision == Decision.APPROVE:
        if _hidden_by_reports(comment):
            comment_unhide(comment=comment)  # kept after reports: shown again, no second reply e-mail
        elif comment.status != CommentStatus.APPROVED or not reported:
            comment_approve(comment=comment)
    elif decision == Decision.SPAM:
        comment_mark_spam(comment=comment, reason=reason)
    else:
        comment_remove(comment=comment)


def comment_decide(
    *, comment: Comment, by: User, decision: Decision, reason: str = "", report_ids: list[int] | None = None
) -> TargetKind:
    """Approve (keep), mark as spam or delete a comment, or dismiss its reports (all, or those in `report_ids`),
    and log it with its reason and the reports concerned. Side effects: see comment_approve / comment_unhide /
    comment_mark_spam / comment_remove; reports resolved with their outcome; a ModerationDecision row."""
    _require_moderator(by)
    if decision not in COMMENT_DECISIONS:
        raise ApplicationError(
            "A comment can be approved, marked as spam or deleted, or its reports dismissed.",
            problems=[FieldProblem("decision", "must be one of approve, spam, delete, dismiss")],
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
        open_reports = list(Report.objects.filter(comment=locked, resolved_at__isnull=True))
        kind = TargetKind.COMMENT_REPORTS if open_reports else TargetKind.COMMENT
        # What the queue showed: why it is there (the rules' reasons, reports), then the automatic flags.
        flags = [Flag("held", str(reason)) for reason in locked.reasons] + flags_from_json(locked.flags)
        if decision == Decision.DISMISS:
            if not open_reports:
                raise ApplicationError.for_fields([FieldProblem("decision", "this comment has no open report")])
            concerned = _resolve(_to_dismiss(open_reports, report_ids), decision)
            still = trusted_reporters(about={"comment": locked})
            if _hidden_by_reports(locked) and still < settings.CONFIG.reports_hide_threshold:
                comment_unhide(comment=locked)
        else:
            _decide_comment(comment=locked, decision=decision, reason=reason, reported=bool(open_reports))
            concerned = _resolve(open_reports, decision)
        title = f"{locked.author_name} on the {locked.thread_title}: {locked.body[:120] or '(deleted)'}"
        _log(
            by=by,
            kind=kind,
            target_id=locked.pk,
            title=title,
            decision=decision,
            reason=reason,
            flags=flags,
            reports=concerned,
        )
    comment.refresh_from_db()
    return kind


def comment_report_create(
    *, comment: Comment, reporter: User | None, reporter_key: str, reason: str, details: str = ""
) -> ReportReceipt:
    """Anyone reports a shown comment; the report is in the moderation queue at once. At the threshold of
    established members' reports it is hidden until a moderator decides; visitors' and new or unverified
    accounts' reports never hide it. Rate-limited per person. Side effects: a Report row, maybe hiding."""
    if comment.status != CommentStatus.APPROVED:
        raise NotFoundError("No such comment.")
    _check_report(reason=reason, details=details)
    report, trusted = _report_save(
        about={"comment": comment},
        what="comment",
        part=ReportPart.REVIEW,  # the model's default: a comment has no parts
        reason=reason,
        details=details,
        reporter=reporter,
        reporter_key=reporter_key,
    )
    hidden = report.trust == ReporterTrust.TRUSTED and trusted >= settings.CONFIG.reports_hide_threshold
    if hidden:
        comment_hide(comment=comment, reason=f"{HIDDEN_AFTER_REPORTS} {trusted} established members")
    return ReportReceipt(report, hidden, _receipt_message(trust=report.trust, what="comment", hidden=hidden))


def reports_forget_addresses() -> int:
    """Reports keep who sent them (for one open report per person) only for the IP retention period."""
    cutoff = timezone.now() - timedelta(days=settings.CONFIG.ip_retention_days)
    old = Report.objects.filter(created_at__lt=cutoff, reporter_key__startswith="ip:")
    return old.update(reporter_key=Concat(Value("expired:"), Cast("id", output_field=CharField())))
