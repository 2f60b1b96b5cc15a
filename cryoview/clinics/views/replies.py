"""The right of reply's pages: the clinic staff's list of their reviews and reply form, the reviewer's answer page,
and the moderators' queue. Staff of another clinic, and anyone but the reviewer on the answer page, get 404."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cryoview.accounts.models import User
from cryoview.clinics.enums import ReplyStatus
from cryoview.clinics.forms import PageCursorForm
from cryoview.clinics.forms_replies import ReplyDecisionForm, ReplyForm
from cryoview.clinics.forms_staff import add_problems
from cryoview.clinics.models import Clinic, Reply
from cryoview.clinics.selectors.replies import (
    replies_published,
    replies_shown,
    replies_waiting,
    reply_get,
    reply_latest,
    staff_review,
    staff_reviews,
)
from cryoview.clinics.selectors.staff import clinic_for_staff
from cryoview.clinics.services.replies import (
    answer_post,
    reply_decide,
    reply_edit,
    reply_editable,
    reply_post,
    reply_seen,
    reply_withdraw,
)
from cryoview.core.errors import ApplicationError
from cryoview.moderation.permissions import can_moderate
from cryoview.reviews.extras import ExtraContext, Place
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import review_get_for

# On the review page the reply comes under the review's text, never before the reviewer's own words.
TEMPLATES: dict[Place, str] = {"card": "clinics/replies/_card.html", "page_end": "clinics/replies/_page.html"}


def replies_html(reviews: Sequence[Review], place: Place) -> Mapping[int, str]:
    """The review extra: under each visible review its clinic's approved reply and the reviewer's approved answer
    (one query for the whole page, whatever the number of replies)."""
    if place not in TEMPLATES:
        return {}
    return {
        review_id: render_to_string(TEMPLATES[place], {"shown": shown, "review_id": review_id})
        for review_id, shown in replies_shown(reviews=reviews).items()
    }


def no_fields(_context: ExtraContext) -> dict[str, forms.Field]:
    return {}


def no_clean(_context: ExtraContext, _data: dict[str, Any]) -> None:
    return None


def _staff_clinic(request: HttpRequest, slug: str) -> tuple[User, Clinic]:
    user = request.user if isinstance(request.user, User) else None
    clinic = clinic_for_staff(slug=slug, user=user)
    if user is None or clinic is None:
        raise Http404("No such page.")
    return user, clinic


@require_safe
def staff_list(request: HttpRequest, slug: str) -> HttpResponse:
    _user, clinic = _staff_clinic(request, slug)
    form = PageCursorForm(request.GET)
    first_page = redirect("clinics:staff_reviews", slug=clinic.slug)
    if not form.is_valid():
        messages.error(request, "That page of reviews does not exist: here is the first one.")
        return first_page
    try:
        page = staff_reviews(clinic=clinic, cursor=form.cleaned_data["cursor"] or None)
    except ApplicationError as problem:
        messages.error(request, problem.message)
        return first_page
    context = {"clinic": clinic, "reviews": page.items, "page": page, "later": bool(form.cleaned_data["cursor"])}
    return render(request, "clinics/replies/staff_list.html", context)


def _sent(request: HttpRequest) -> QueryDict | None:
    """The form's data on a POST, even an empty one (it must show its errors); nothing on a GET."""
    return request.POST if request.method == "POST" else None


def _apply(request: HttpRequest, form: ReplyForm, write: Callable[[str], object], done: str) -> bool:
    """Run a reply's write from a valid form; the service's problems land on the form. True when it succeeded."""
    if not form.is_valid():
        return False
    try:
        write(form.cleaned_data["body"])
    except ApplicationError as error:
        add_problems(form, error)
        return False
    messages.success(request, done)
    return True


def _withdraw(request: HttpRequest, reply: Reply | None, user: User) -> None:
    if reply is None:
        raise Http404("No such reply.")
    try:
        reply_withdraw(reply=reply, by=user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Withdrawn. It is no longer shown and cannot be sent again.")


@require_http_methods(["GET", "POST"])
def staff_reply(request: HttpRequest, slug: str, review_id: int) -> HttpResponse:
    user, clinic = _staff_clinic(request, slug)
    review = staff_review(clinic=clinic, review_id=review_id)
    if review is None:
        raise Http404("No such review of this clinic.")
    reply = reply_latest(review=review, by_reviewer=False)
    here = redirect("clinics:staff_reply", slug=clinic.slug, review_id=review.pk)
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        _withdraw(request, reply, user)
        return here
    editing = reply is not None and reply_editable(reply) and reply.author_id == user.pk
    form = ReplyForm(_sent(request), initial={"body": reply.body if editing and reply else ""})
    if request.method == "POST":
        if editing and reply is not None:
            ok = _apply(
                request,
                form,
                lambda body: reply_edit(reply=reply, by=user, body=body),
                "Saved; it waits for a moderator.",
            )
        else:
            ok = _apply(
                request,
                form,
                lambda body: reply_post(review=review, by=user, body=body),
                "Sent; it waits for a moderator.",
            )
        if ok:
            return here
    context = {"clinic": clinic, "review": review, "reply": reply, "form": form, "editing": editing}
    return render(request, "clinics/replies/staff_reply.html", context, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, review_id: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    review = review_get_for(review_id=review_id, user=user)
    shown = replies_shown(reviews=[review]).get(review_id) if review is not None else None
    if review is None or review.author_id != user.pk or shown is None:
        raise Http404("No reply to answer here.")
    mine = reply_latest(review=review, by_reviewer=True)
    here = redirect("clinics:reply_answer", review_id=review.pk)
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        _withdraw(request, mine, user)
        return here
    editing = mine is not None and reply_editable(mine)
    form = ReplyForm(_sent(request), initial={"body": mine.body if editing and mine else ""}, label="Your answer")
    if request.method == "POST":
        if editing and mine is not None:
            ok = _apply(
                request,
                form,
                lambda body: reply_edit(reply=mine, by=user, body=body),
                "Saved; it waits for a moderator.",
            )
        else:
            ok = _apply(
                request,
                form,
                lambda body: answer_post(review=review, by=user, body=body),
                "Sent; it waits for a moderator.",
            )
        if ok:
            return here
    context = {"review": review, "shown": shown, "mine": mine, "form": form, "editing": editing}
    return render(request, "clinics/replies/answer.html", context, status=422 if form.errors else 200)


def _moderator(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not can_moderate(user):
        raise Http404("No such page.")
    return user


@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    _moderator(request)
    waiting = [(reply, reply_seen(reply)) for reply in replies_waiting()[:200]]
    published = [(reply, reply_seen(reply)) for reply in replies_published()]
    return render(request, "clinics/replies/queue.html", {"replies": waiting, "published": published})


@require_POST
def decision(request: HttpRequest, reply_id: int) -> HttpResponse:
    user = _moderator(request)
    reply = reply_get(reply_id=reply_id)
    if reply is None:
        raise Http404("No such reply.")
    form = ReplyDecisionForm(request.POST)
    if not form.is_valid():
        problem = "Choose publish or reject." if "verdict" in form.errors else ""
        messages.error(request, problem or "The reply changed since you read it; read it again.")
        return redirect("clinics:reply_queue")
    approve = form.cleaned_data["verdict"] == "accept"
    was_published = reply.status == ReplyStatus.APPROVED
    data = form.cleaned_data
    try:
        reply_decide(reply=reply, by=user, approve=approve, seen=data["seen"], reason=data["reason"])
    except ApplicationError as error:
        messages.error(request, error.message if not error.problems else f"The reason {error.problems[0].message}.")
    else:
        done = "Taken down" if was_published else "Rejected"
        messages.success(request, "Published." if approve else f"{done}; its author sees your reason.")
    return redirect("clinics:reply_queue")
