from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cryoview.accounts.models import User
from cryoview.core.errors import ApplicationError
from cryoview.core.throttle import client_key
from cryoview.moderation.enums import Decision
from cryoview.moderation.selectors import decision_log, moderation_queue
from cryoview.moderation.services import followup_decide_as, report_create, review_decide
from cryoview.reviews.models import FollowUp, Review
from cryoview.reviews.selectors import review_get_for


def _moderator(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated or not user.is_moderator:
        raise Http404("No such page.")  # the queue's existence is not advertised
    return user


def queue(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    return render(request, "moderation/queue.html", {"items": moderation_queue()})


def log(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    page = Paginator(decision_log(), 50).get_page(request.GET.get("page"))
    return render(request, "moderation/log.html", {"page": page})


def _decision(request: HttpRequest) -> Decision | None:
    value = request.POST.get("decision", "")
    return Decision(value) if value in Decision.values else None


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
        review_decide(review=review, by=user, decision=decision, reason=request.POST.get("reason", ""))
    except ApplicationError as error:
        messages.error(request, f"“{review.title}”: {error.message}")
    else:
        messages.success(request, f"“{review.title}”: {decision.label.lower()}d. The author has been told by e-mail.")
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
def report(request: HttpRequest, review_id: int) -> HttpResponse:
    user = request.user if isinstance(request.user, User) and request.user.is_authenticated else None
    review = review_get_for(review_id=review_id, user=None)
    if review is None:
        raise Http404("No such review.")
    try:
        report_create(
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
            return render(request, "429.html", {"message": error.message}, status=429)
    else:
        messages.success(request, "Thank you. A moderator will look at your report.")
    return redirect("reviews:detail", review_id=review.pk)
