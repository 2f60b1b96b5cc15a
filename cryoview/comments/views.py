from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from cryoview.accounts.models import User
from cryoview.comments.enums import CommentStatus
from cryoview.comments.forms import CommentPost, comment_post_of, remember_guest, remember_pending
from cryoview.comments.models import Comment
from cryoview.comments.permissions import can_change_comment, comment_editable
from cryoview.comments.selectors import MAX_TEXT, MAX_TEXT_LABEL, Target, comment_get, target_of, thread_url_of
from cryoview.comments.services import (
    FormEvidence,
    comment_delete,
    comment_edit,
    comment_post,
    replies_unsubscribe,
    review_comments_unsubscribe,
)
from cryoview.core.errors import ApplicationError
from cryoview.core.markup import MARKUP_HELP
from cryoview.core.throttle import ip_hash
from cryoview.core.views import too_many_requests
from cryoview.procedures.selectors import SLUG, procedure_get_for_page
from cryoview.reviews.selectors import review_get_for


def _member(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else None


def _session_csrf(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """CSRF for posts made with a session; none for visitors without one.

    The comment form sits on guide pages that visitors get from the cache, where a per-visitor CSRF token
    would make every response unique (and set a cookie). A forged post from a visitor's browser carries no
    authority: it can only do what the forger could do as a guest. With a session (a member, or anyone
    signed in meanwhile) the usual check applies and a failure is refused, never downgraded to a guest post.
    """

    @csrf_exempt
    @wraps(view)
    def checked(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            rejected = CsrfViewMiddleware(lambda r: HttpResponse()).process_view(request, view, args, kwargs)
            if rejected is not None:
                return rejected
        return view(request, *args, **kwargs)

    return checked


@_session_csrf
@require_POST
def guide_post(request: HttpRequest, slug: str) -> HttpResponse:
    procedure = procedure_get_for_page(slug=slug) if SLUG.fullmatch(slug) else None
    if procedure is None:
        raise Http404("No guide with this address.")
    return _post(request, Target(procedure=procedure))


@_session_csrf
@require_POST
def review_post(request: HttpRequest, review_id: int) -> HttpResponse:
    review = review_get_for(review_id=review_id, user=None)
    if review is None or not review.is_visible:
        raise Http404("No such review.")
    return _post(request, Target(review=review))


def _post(request: HttpRequest, target: Target) -> HttpResponse:
    post = comment_post_of(request)
    user = _member(request)
    parent = Comment.objects.filter(pk=post.parent_id).first() if post.parent_id is not None else None
    try:
        comment = comment_post(
            target=target,
            text=post.text,
            author=user,
            ip_hash=ip_hash(request),
            parent=parent,
            guest_name=post.name,
            guest_email=post.email,
            notify_replies=post.notify_replies,
            form=FormEvidence(honeypot=post.honeypot, seconds_on_form=post.seconds_on_form),
        )
    except ApplicationError as error:
        if error.status == 429:
            return too_many_requests(request, error)
        if error.status == 404:
            raise Http404(error.message) from None
        return _compose(request, target, post, parent, error)
    # Held or spam alike, the sender lands on their comment in the thread, marked as waiting for a moderator
    # (the note sits beside it, not in a message at the top of a long page).
    if comment.status == CommentStatus.APPROVED:
        messages.success(request, "Your comment is published.")
    response = redirect(thread_url_of(comment))
    if user is None:
        remember_guest(request, response, post=post)
        if comment.status != CommentStatus.APPROVED:
            remember_pending(request, response, comment_id=comment.pk)
    return response


def _compose(
    request: HttpRequest, target: Target, post: CommentPost, parent: Comment | None, error: ApplicationError
) -> HttpResponse:
    """The form again, with what was written and what to correct (like WordPress's comment error page)."""
    context = {
        "target": target,
        "post": post,
        "parent": parent if parent is not None and parent.status == CommentStatus.APPROVED else None,
        "error": error,
        "problems": {p.field: p.message for p in error.problems},
        "max_text": MAX_TEXT,
        "max_text_label": MAX_TEXT_LABEL,
        "markup_help": MARKUP_HELP,
        "user": _member(request),
    }
    return render(request, "comments/compose.html", context, status=error.status)


def _own(request: HttpRequest, comment_id: int) -> Comment:
    user = _member(request)
    comment = comment_get(comment_id=comment_id)
    if comment is None or not can_change_comment(user, comment):
        raise Http404("No such comment.")
    return comment


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _own(request, comment_id)
    user = _member(request)
    assert user is not None
    text, problems, status = comment.body, {}, 200
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            comment_edit(comment=comment, by=user, text=text)
        except ApplicationError as error:
            messages.error(request, error.message)
            problems, status = {p.field: p.message for p in error.problems}, error.status
        else:
            if comment.status == CommentStatus.APPROVED:
                messages.success(request, "Your comment is updated.")
            else:
                messages.info(request, "Your comment is updated and is waiting for a moderator.")
            return redirect(comment.get_absolute_url())
    context = {
        "comment": comment,
        "text": text,
        "problems": problems,
        "editable": comment_editable(comment),
        "max_text": MAX_TEXT,
        "markup_help": MARKUP_HELP,
    }
    return render(request, "comments/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _own(request, comment_id)
    user = _member(request)
    assert user is not None
    if request.method == "POST":
        url = target_of(comment).url
        comment_delete(comment=comment, by=user)
        messages.success(request, "Your comment is deleted.")
        return redirect(f"{url}#comments")
    return render(request, "comments/delete.html", {"comment": comment})


def _unsubscribe(request: HttpRequest, token: str, *, undo: Callable[..., User], kind: str) -> HttpResponse:
    try:
        user = undo(token=token)
    except ApplicationError:
        return render(request, "comments/unsubscribe.html", {"valid": False, "kind": kind}, status=404)
    return render(request, "comments/unsubscribe.html", {"valid": True, "email": user.email, "kind": kind})


@csrf_exempt  # mail clients send the one-click POST (RFC 8058) without a CSRF token; the token is signed
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponseBase:
    return _unsubscribe(request, token, undo=replies_unsubscribe, kind="replies")


@csrf_exempt  # as above: the one-click POST comes from the mail client; the token is signed
@require_http_methods(["GET", "POST"])
def review_unsubscribe(request: HttpRequest, token: str) -> HttpResponseBase:
    return _unsubscribe(request, token, undo=review_comments_unsubscribe, kind="reviews")
