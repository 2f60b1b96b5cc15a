from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from cryoview.accounts.models import User
from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment, CommentRules
from cryoview.comments.selectors import SPAM_KEEP_DAYS, comment_get, spam_folder
from cryoview.comments.services import comment_rules_update
from cryoview.core.errors import ApplicationError
from cryoview.core.parsing import parse_int, parse_int_or_none
from cryoview.core.throttle import client_key
from cryoview.core.views import too_many_requests
from cryoview.moderation.enums import Decision, ReportReason
from cryoview.moderation.permissions import can_moderate
from cryoview.moderation.selectors import (
    comment_moderation_queue,
    comment_spam_folder,
    decision_log,
    moderation_queue,
    report_stats,
)
from cryoview.moderation.services import (
    comment_decide,
    comment_report_create,
    followup_decide_as,
    report_create,
    review_decide,
)
from cryoview.reviews.models import FollowUp, Review
from cryoview.reviews.selectors import review_get_for


def _moderator(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not can_moderate(user):
        raise Http404("No such page.")  # the queue's existence is not advertised
    return user


def queue(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    items, comment_items = moderation_queue(), comment_moderation_queue()
    context = {
        "items": items,
        "comment_items": comment_items,
        "total": len(items) + len(comment_items),
        "spam_count": spam_folder().count(),
    }
    return render(request, "moderation/queue.html", context)


def spam(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    return render(request, "moderation/spam.html", {"items": comment_spam_folder(), "keep_days": SPAM_KEEP_DAYS})


@require_http_methods(["GET", "POST"])
def comment_rules_edit(request: HttpRequest) -> HttpResponse:
    user = _moderator(request)
    row = CommentRules.objects.filter(pk=1).first() or CommentRules()
    values = {"hold_words": row.hold_words, "block_words": row.block_words, "max_links": str(row.max_links)}
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        max_links = values["max_links"].strip()
        try:
            comment_rules_update(
                hold_words=values["hold_words"],
                block_words=values["block_words"],
                max_links=parse_int(max_links, field="max_links", min=0, max=50),
                by=user,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            problems, status = {p.field: p.message for p in error.problems}, error.status
        else:
            messages.success(request, "The comment rules are saved; they apply to the next comment.")
            return redirect("moderation:comment_rules")
    context = {"values": values, "problems": problems, "row": row, "min_seconds": settings.CONFIG.comments_min_seconds}
    return render(request, "moderation/comment_rules.html", context, status=status)


def log(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    page = Paginator(decision_log(), 50).get_page(parse_int_or_none(request.GET.get("page"), min=1, max=10**6))
    return render(request, "moderation/log.html", {"page": page})


def stats(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    return render(request, "moderation/stats.html", {"stats": report_stats()})


def _decision(request: HttpRequest) -> Decision | None:
    value = request.POST.get("decision", "")
    return Decision(value) if value in Decision.values else None


def _report_ids(request: HttpRequest) -> list[int] | None:
    """The reports a dismissal names (a button per report); none named: all open reports on the item."""
    values = request.POST.getlist("report")
    if not values:
        return None
    return [int(v) if v.isascii() and v.isdigit() and len(v) < 19 else -1 for v in values]


DONE = {
    "approve": "approved",
    "reject": "rejected",
    "spam": "marked as spam",
    "delete": "deleted",
    "dismiss": "report(s) dismissed",
}


@require_POST
def review_decision(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _moderator(request)
    review = Review.objects.select_related("procedure", "author", "video").filter(pk=review_id).first()
    decision = _decision(request)
    if review is None:
        raise Http404("No such review.")
    if decision is None:
        messages.error(request, "Choose approve or reject.")
        return redirect("moderation:queue")
    try:
        kind = review_decide(
            review=review,
            by=user,
            decision=decision,
            reason=request.POST.get("reason", ""),
            report_ids=_report_ids(request),
        )
    except ApplicationError as error:
        messages.error(request, f"“{review.title}”: {error.message}")
    else:
        told = kind != "reports" or decision == Decision.REJECT
        done = {"approve": "kept", "reject": "taken down"}.get(decision, DONE[decision]) if kind == "reports" else None
        messages.success(
            request,
            f"“{review.title}”: {done or DONE[decision]}." + (" The author has been told by e-mail." if told else ""),
        )
    return redirect("moderation:queue")


@require_POST
def followup_decision(request: HttpRequest, followup_id: int) -> HttpResponse:
    user = _moderator(request)
    followup = (
        FollowUp.objects.select_related("review", "review__author", "review__procedure").filter(pk=followup_id).first()
    )
    decision = _decision(request)
    if followup is None:
        raise Http404("No such follow-up.")
    if decision is None:
        messages.error(request, "Choose approve or reject.")
        return redirect("moderation:queue")
    try:
        followup_decide_as(followup=followup, by=user, decision=decision, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Follow-up {decision.label.lower()}d.")
    return redirect("moderation:queue")


@require_POST
def comment_decision(request: HttpRequest, comment_id: int) -> HttpResponse:
    user = _moderator(request)
    comment = Comment.objects.filter(pk=comment_id).first()
    decision = _decision(request)
    back = "moderation:spam" if request.POST.get("back") == "spam" else "moderation:queue"
    if comment is None:
        raise Http404("No such comment.")
    if decision is None:
        messages.error(request, "Choose approve, spam or delete.")
        return redirect(back)
    try:
        comment_decide(
            comment=comment,
            by=user,
            decision=decision,
            reason=request.POST.get("reason", ""),
            report_ids=_report_ids(request),
        )
    except ApplicationError as error:
        messages.error(request, f"Comment by {comment.author_name}: {error.message}")
    else:
        messages.success(request, f"Comment by {comment.author_name}: {DONE[decision]}.")
    return redirect(back)


@require_http_methods(["GET", "POST"])
def comment_report(request: HttpRequest, comment_id: int) -> HttpResponse:
    user = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    comment = comment_get(comment_id=comment_id)
    if comment is None or comment.status != CommentStatus.APPROVED:
        raise Http404("No such comment.")
    values = {"reason": request.POST.get("reason", ""), "details": request.POST.get("details", "")}
    status = 200
    if request.method == "POST":
        try:
            receipt = comment_report_create(
                comment=comment,
                reporter=user,
                reporter_key=client_key(request),
                reason=values["reason"],
                details=values["details"],
            )
        except ApplicationError as error:
            if error.status == 429:
                return too_many_requests(request, error)
            messages.error(request, error.message)
            status = error.status
        else:
            messages.success(request, receipt.message)
            return redirect(comment.get_absolute_url())
    context = {"comment": comment, "values": values, "reasons": ReportReason.choices}
    return render(request, "moderation/comment_report.html", context, status=status)


@require_POST
def report(request: HttpRequest, review_id: int) -> HttpResponse:
    user = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    review = review_get_for(review_id=review_id, user=None)
    if review is None:
        raise Http404("No such review.")
    try:
        receipt = report_create(
            review=review,
            reporter=user,
            reporter_key=client_key(request),
            reason=request.POST.get("reason", ""),
            part=request.POST.get("part", "review"),
            details=request.POST.get("details", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        status = error.status
        if status == 429:
            return too_many_requests(request, error)
    else:
        messages.success(request, receipt.message)
    return redirect("reviews:detail", review_id=review.pk)
