"""Comments over the API: the same selectors and services as the pages ("Leave a Reply")."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from cryoview.accounts.authentication import authenticate_request
from cryoview.accounts.models import User
from cryoview.api.reviews import ReportOut, json_response, report_out
from cryoview.api.videos import require_user
from cryoview.comments.enums import CommentStatus
from cryoview.comments.models import Comment
from cryoview.comments.selectors import CommentNode, Target, comment_get, thread_page
from cryoview.comments.services import comment_delete, comment_edit, comment_post
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.core.pagecache import for_visitors
from cryoview.core.parsing import BIGINT_MAX, parse_int
from cryoview.core.throttle import ip_hash
from cryoview.core.validation import PlainStr
from cryoview.moderation.services import comment_report_create
from cryoview.procedures.selectors import SLUG, procedure_get_for_page, procedure_scope
from cryoview.reviews.selectors import review_get_for

router = Router(tags=["comments"])

# Generous bounds against huge bodies; the service gives the precise limits (5,000 characters of text).
Text = Annotated[str, StringConstraints(max_length=20_000)]
API_NAMES = {"parent": "parent_id"}


class AuthorOut(Schema):
    name: str
    guest: bool


class CommentOut(Schema):
    id: int
    parent_id: int | None
    depth: int
    status: str = Field(description="approved; deleted or hidden: kept as a placeholder for its replies")
    author: AuthorOut | None
    text_html: str | None
    in_reply_to: str | None = Field(description="the name answered, when the reply attached higher up")
    created_at: dt.datetime
    edited_at: dt.datetime | None
    replies: list[CommentOut]


class CommentListOut(Schema):
    count: int = Field(description="approved comments in the whole thread")
    items: list[CommentOut]
    next_cursor: str | None


class CommentIn(Schema):
    text: Text
    parent_id: int | None = Field(default=None, ge=1, le=2**62)
    name: Annotated[str, StringConstraints(max_length=1000)] = Field(default="", description="guests: required")
    email: Annotated[str, StringConstraints(max_length=1000)] = Field(default="", description="guests: optional")
    notify_replies: bool = Field(default=False, description="members: e-mail me about replies")


class CommentPatchIn(Schema):
    text: Text


class HeldOut(Schema):
    status: Literal["held"] = "held"
    id: int
    message: str


class ReportIn(Schema):
    reason: Literal["this_is_me", "fake_or_paid", "dangerous_advice", "private_information", "other"]
    details: Annotated[PlainStr, StringConstraints(max_length=2000)] = ""


def _node_out(node: CommentNode) -> CommentOut:
    comment = node.comment
    full = node.shown == "full"
    return CommentOut(
        id=comment.pk,
        parent_id=comment.parent_id,
        depth=comment.depth,
        status=CommentStatus.APPROVED if full else node.shown,
        author=AuthorOut(name=comment.author_name, guest=comment.is_guest) if full else None,
        text_html=comment.body_html if full else None,
        in_reply_to=node.replying_to or None,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        replies=[_node_out(child) for child in node.children],
    )


def comment_out(comment: Comment) -> CommentOut:
    return _node_out(CommentNode(comment))


def _cursor(value: str | None) -> int | None:
    if value is None:
        return None
    return parse_int(value, field="cursor", min=1, max=BIGINT_MAX)


def _list(target: Target, cursor: str | None, limit: int) -> HttpResponse:
    page = thread_page(target=target, after=_cursor(cursor), limit=limit)
    next_cursor = str(page.next_cursor) if page.next_cursor is not None else None
    return json_response(
        CommentListOut(count=page.count, items=[_node_out(n) for n in page.nodes], next_cursor=next_cursor)
    )


def _guide(slug: str) -> Target:
    procedure = procedure_get_for_page(slug=slug) if SLUG.fullmatch(slug) else None
    if procedure is None:
        raise NotFoundError(f"No published guide with the slug {slug[:80]!r}.")
    return Target(procedure=procedure)


def _review(review_id: int) -> Target:
    review = review_get_for(review_id=review_id, user=None)
    if review is None or not review.is_visible:
        raise NotFoundError("No such review.")
    return Target(review=review)


Cursor = Query(None, max_length=40)  # type: ignore[type-arg]
Limit = Query(20, ge=1, le=50)  # type: ignore[type-arg]


@router.get("/procedures/{slug}/comments", response=CommentListOut, summary="The guide's thread, oldest first")
def list_guide_comments(
    request: HttpRequest, slug: str, cursor: str | None = Cursor, limit: int = Limit
) -> HttpResponseBase:
    return for_visitors(request, procedure_scope(slug[:80]), lambda: _list(_guide(slug), cursor, limit))


@router.get("/reviews/{review_id}/comments", response=CommentListOut, summary="A review's thread, oldest first")
def list_review_comments(
    request: HttpRequest, review_id: int, cursor: str | None = Cursor, limit: int = Limit
) -> HttpResponse:
    return _list(_review(review_id), cursor, limit)


def _poster(request: HttpRequest) -> User | None:
    user = authenticate_request(request)
    session_user = getattr(request, "user", None)
    if user is None and session_user is not None and session_user.is_authenticated:
        raise ApplicationError(
            "Signed-in requests must send the CSRF token (X-CSRFToken header).", status=403, code="csrf_failed"
        )
    return user


def _post(request: HttpRequest, target: Target, payload: CommentIn) -> Status[CommentOut] | Status[HeldOut]:
    user = _poster(request)
    parent = Comment.objects.filter(pk=payload.parent_id).first() if payload.parent_id else None
    if payload.parent_id and parent is None:
        raise ApplicationError.for_fields([FieldProblem("parent_id", "is not a published comment in this thread")])
    try:
        comment = comment_post(
            target=target,
            text=payload.text,
            author=user,
            ip_hash=ip_hash(request),
            parent=parent,
            guest_name=payload.name,
            guest_email=payload.email,
            notify_replies=payload.notify_replies,
        )
    except ApplicationError as error:
        for problem in error.problems:
            problem.field = API_NAMES.get(problem.field, problem.field)
        raise
    if comment.status == CommentStatus.APPROVED:
        return Status(201, comment_out(comment))
    # Spam is answered like a held comment: the sender learns nothing about the rules.
    message = "Your comment is awaiting moderation; it appears once a moderator approves it."
    return Status(202, HeldOut(id=comment.pk, message=message))


@router.post(
    "/procedures/{slug}/comments",
    response={201: CommentOut, 202: HeldOut},
    summary="Comment on a guide (members, or guests with a name)",
)
def post_guide_comment(request: HttpRequest, slug: str, payload: CommentIn) -> Status[CommentOut] | Status[HeldOut]:
    return _post(request, _guide(slug), payload)


@router.post(
    "/reviews/{review_id}/comments",
    response={201: CommentOut, 202: HeldOut},
    summary="Comment on a published review (members, or guests with a name)",
)
def post_review_comment(
    request: HttpRequest, review_id: int, payload: CommentIn
) -> Status[CommentOut] | Status[HeldOut]:
    return _post(request, _review(review_id), payload)


def _existing(comment_id: int) -> Comment:
    comment = comment_get(comment_id=comment_id)
    if comment is None or comment.status in (CommentStatus.SPAM, CommentStatus.DELETED):
        raise NotFoundError("No such comment.")
    return comment


@router.patch(
    "/comments/{comment_id}",
    response={200: CommentOut, 202: HeldOut},
    summary="Correct one's comment (within 15 minutes)",
)
def patch_comment(
    request: HttpRequest, comment_id: int, payload: CommentPatchIn
) -> Status[CommentOut] | Status[HeldOut]:
    user = require_user(request)
    comment = comment_edit(comment=_existing(comment_id), by=user, text=payload.text)
    if comment.status == CommentStatus.APPROVED:
        return Status(200, comment_out(comment))
    return Status(202, HeldOut(id=comment.pk, message="Your edit is awaiting moderation."))


@router.delete("/comments/{comment_id}", response={204: None}, summary="Delete one's comment (replies stay)")
def delete_comment(request: HttpRequest, comment_id: int) -> Status[None]:
    user = require_user(request)
    comment_delete(comment=_existing(comment_id), by=user)
    return Status(204, None)


@router.post(
    "/comments/{comment_id}/reports",
    response={201: ReportOut},
    summary="Report a comment (anyone; it goes to a moderator, reports alone never remove it)",
)
def report_comment(request: HttpRequest, comment_id: int, payload: ReportIn) -> Status[ReportOut]:
    user = authenticate_request(request)
    key = f"user:{user.pk}" if user is not None else "ip:" + ip_hash(request)
    receipt = comment_report_create(
        comment=_existing(comment_id),
        reporter=user,
        reporter_key=key,
        reason=payload.reason,
        details=payload.details.strip(),
    )
    return Status(201, report_out(receipt))
