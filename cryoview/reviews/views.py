from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from cryoview.accounts.authentication import authenticate_request
from cryoview.accounts.models import User
from cryoview.accounts.selectors import member_stand_in
from cryoview.core.errors import ApplicationError
from cryoview.core.pagecache import for_members, for_visitors, per_generation
from cryoview.procedures.models import Procedure
from cryoview.procedures.selectors import procedure_get_for_page, procedure_scope
from cryoview.reviews.enums import ReviewSort, ReviewStatus
from cryoview.reviews.extras import ExtraContext, review_extras_html
from cryoview.reviews.forms import FollowUpForm, ReviewForm, ReviewListForm, initial_from
from cryoview.reviews.models import Review
from cryoview.reviews.permissions import is_review_author
from cryoview.reviews.selectors import (
    ReviewFilters,
    ReviewPage,
    followups_visible,
    review_get_for,
    review_get_own,
    review_list_published,
    review_of,
    side_effect_choices,
    side_effect_labels,
    stats_get,
)
from cryoview.reviews.services import followup_add, review_create, review_input_of, review_update, review_withdraw
from cryoview.videos.selectors import videos_of


def _procedure(slug: str) -> Procedure:
    procedure = procedure_get_for_page(slug=slug)
    if procedure is None:
        raise Http404("No guide with this address.")
    return procedure


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # guaranteed by @login_required
    return request.user


def review_list(request: HttpRequest, slug: str) -> HttpResponseBase:
    scope = procedure_scope(slug)
    return for_visitors(
        request, scope, lambda: for_members(request, scope, lambda: _list_page(request, slug), stand_in=member_stand_in)
    )


def _list_page(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = _procedure(slug)
    form = ReviewListForm(request.GET)
    if not form.is_valid():
        error = "; ".join(f"{name}: {' '.join(str(e) for e in errs)}" for name, errs in form.errors.items())
        return _list_response(request, procedure, _list_body(request, procedure, form, None, error), 400)
    filters = ReviewFilters(
        sort=ReviewSort(form.cleaned_data["sort"] or ReviewSort.NEWEST),
        has_video=True if form.cleaned_data["video"] else None,
        rating=form.cleaned_data["rating"],
    )

    def body() -> str:
        page = review_list_published(procedure=procedure, filters=filters, cursor=form.cleaned_data["cursor"])
        return _list_body(request, procedure, form, page, "")

    # The list is the same for everyone (only the header differs): rendered once per change of the reviews.
    query = hashlib.sha256(request.META.get("QUERY_STRING", "").encode()).hexdigest()[:24]
    try:
        html = per_generation(procedure_scope(slug), f"review-list:{query}", body)
    except ApplicationError as problem:
        return _list_response(request, procedure, _list_body(request, procedure, form, None, problem.message), 400)
    return _list_response(request, procedure, html, 200)


def _list_body(
    request: HttpRequest, procedure: Procedure, form: ReviewListForm, page: ReviewPage | None, error: str
) -> str:
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "procedure": procedure,
        "form": form,
        "page": page,
        "error": error,
        "stats": stats_get(procedure=procedure),
        "labels": side_effect_labels(procedure=procedure),
        "query": query.urlencode(),
        "review_extras": review_extras_html(reviews=page.items, place="card") if page else {},
    }
    return render_to_string("reviews/_list_body.html", context)


def _list_response(request: HttpRequest, procedure: Procedure, body: str, status: int) -> HttpResponse:
    html = mark_safe(body)  # noqa: S308 - our own template's output; user text escaped inside
    return render(request, "reviews/list.html", {"procedure": procedure, "body": html}, status=status)


def _uploader_context() -> dict[str, int]:
    """The upload box inside the review form: nobody leaves a half-filled form to upload a video."""
    return {"max_bytes": settings.CONFIG.upload_max_bytes, "max_minutes": settings.CONFIG.video_max_seconds // 60}


def _videos_for_form(user: User, current: Review | None) -> list:  # type: ignore[type-arg]
    taken = set(
        Review.objects.filter(author=user, video__isnull=False)
        .exclude(status=ReviewStatus.WITHDRAWN)
        .values_list("video_id", flat=True)
    )
    keep = current.video_id if current else None
    return [v for v in videos_of(user=user) if not v.is_failed and (v.pk not in taken or v.pk == keep)]


def _saved_message(review: Review, submit: bool) -> str:
    if not submit:
        return "Draft saved. Only you can see it."
    if review.video is not None and not review.video.is_ready:
        return (
            "Thank you. Your review is waiting for your video to finish processing; then a moderator checks it "
            "before it is published. We will e-mail you."
        )
    return "Thank you. A moderator will check your review before it is published; we will e-mail you."


@login_required
def review_new(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = _procedure(slug)
    user = _user(request)
    existing = review_of(user=user, procedure=procedure)
    if existing is not None:
        messages.info(request, "You have already reviewed this procedure; you can edit that review.")
        return redirect("reviews:edit", review_id=existing.pk)
    choices = side_effect_choices(procedure=procedure)
    videos = _videos_for_form(user, None)
    initial = {"video": request.GET.get("video", "")}
    form = ReviewForm(
        request.POST or None,
        initial=initial,
        side_effects=choices,
        videos=videos,
        extra_context=ExtraContext(procedure=procedure, author=user, review=None),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            submit = request.POST.get("action") != "draft"
            try:
                review = review_create(
                    author=user,
                    procedure=procedure,
                    data=form.to_input(),
                    consent=form.cleaned_data["consent"],
                    submit=submit,
                    extra_writes=form.extra_writes,
                )
            except ApplicationError as error:
                form.add_problems(error)
            else:
                messages.success(request, _saved_message(review, submit))
                return redirect("reviews:detail", review_id=review.pk)
        status = 422
    context = {"procedure": procedure, "form": form, "review": None, **_uploader_context()}
    return render(request, "reviews/form.html", context, status=status)


@login_required
def review_edit(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _user(request)
    review = review_get_own(review_id=review_id, user=user)
    if review is None:
        raise Http404("No such review.")
    choices = side_effect_choices(procedure=review.procedure)
    videos = _videos_for_form(user, review)
    form = ReviewForm(
        request.POST or None,
        initial={**initial_from(review_input_of(review)), "consent": review.consented_at is not None},
        side_effects=choices,
        videos=videos,
        extra_context=ExtraContext(procedure=review.procedure, author=user, review=review),
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                review_update(
                    review=review,
                    by=user,
                    data=form.to_input(),
                    consent=form.cleaned_data["consent"],
                    submit=request.POST.get("action") != "draft",
                    extra_writes=form.extra_writes,
                )
            except ApplicationError as error:
                form.add_problems(error)
            else:
                messages.success(
                    request,
                    "Your edit waits for a moderator; until then the published version stays visible."
                    if review.is_published
                    else _saved_message(review, review.is_pending),
                )
                return redirect("reviews:detail", review_id=review.pk)
        status = 422
    context = {"procedure": review.procedure, "form": form, "review": review, **_uploader_context()}
    return render(request, "reviews/form.html", context, status=status)


def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    user = authenticate_request(request)
    review = review_get_for(review_id=review_id, user=user)
    if review is None:
        raise Http404("No such review.")
    is_author = is_review_author(user, review)
    context = {
        "review": review,
        "procedure": review.procedure,
        "is_author": is_author,
        "followups": followups_visible(review=review, user=user),
        "labels": side_effect_labels(procedure=review.procedure),
        "followup_form": FollowUpForm() if is_author and review.is_published else None,
        "pending_edit": review_input_of(review) if is_author and review.has_pending_edit else None,
        "review_extras": review_extras_html(reviews=[review], place="page"),
        "review_extras_end": review_extras_html(reviews=[review], place="page_end"),
    }
    response = render(request, "reviews/detail.html", context)
    patch_vary_headers(response, ["Save-Data"])  # the video's first rendition depends on it (videos/_player.html)
    return response


@login_required
@require_POST
def followup_new(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _user(request)
    review = review_get_own(review_id=review_id, user=user)
    if review is None:
        raise Http404("No such review.")
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            followup_add(
                review=review, by=user, body=form.cleaned_data["body"], new_rating=form.cleaned_data["new_rating"]
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Follow-up sent; it appears once a moderator has checked it.")
    else:
        messages.error(request, "; ".join(" ".join(str(e) for e in errs) for errs in form.errors.values()))
    return redirect("reviews:detail", review_id=review.pk)


@login_required
def review_withdraw_view(request: HttpRequest, review_id: int) -> HttpResponse:
    user = _user(request)
    review = review_get_own(review_id=review_id, user=user)
    if review is None:
        raise Http404("No such review.")
    if request.method == "POST":
        slug = review.procedure.slug
        review_withdraw(review=review, by=user)
        messages.success(request, "Your review is withdrawn. Its video and every copy of it are deleted.")
        return redirect("procedures:detail", slug=slug)
    return render(request, "reviews/withdraw.html", {"review": review})
