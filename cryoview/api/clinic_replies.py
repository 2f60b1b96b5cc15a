"""The right of reply over the API: the same services as the staff pages, the answer page and the moderators'
queue. The clinic of a reply is the review's (its attribution) and the caller's approved staff role: a review of
another clinic is 404, as if it did not exist. Only approved replies are public."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from cryoview.accounts.models import User
from cryoview.api.clinic_staff import require_moderator
from cryoview.api.videos import require_user
from cryoview.clinics.models import Reply
from cryoview.clinics.permissions import staff_clinic_ids
from cryoview.clinics.selectors.replies import (
    replies_published,
    replies_shown,
    replies_waiting,
    reply_get,
    reply_live,
)
from cryoview.clinics.services.replies import (
    MAX_BODY,
    answer_post,
    reply_decide,
    reply_edit,
    reply_post,
    reply_seen,
    reply_withdraw,
)
from cryoview.core.errors import NotFoundError
from cryoview.core.parsing import BIGINT_MAX
from cryoview.reviews.models import Review
from cryoview.reviews.selectors import review_get_for

# An id in the path: a positive bigint (a larger number is a 422, not a database error).
ID = Path(..., ge=1, le=BIGINT_MAX)  # type: ignore[type-arg]

router = Router(tags=["clinic replies"])


class ReplyIn(Schema):
    body: str = Field(min_length=1, max_length=MAX_BODY, description="plain text, shown as written, never as HTML")


class ReplyOut(Schema):
    id: int
    review_id: int
    clinic: str = Field(description="the clinic's slug")
    clinic_name: str
    by_reviewer: bool = Field(description="true for the reviewer's answer to the clinic's reply")
    body: str
    status: str = Field(description="held, approved, rejected or withdrawn")
    created_at: dt.datetime
    edited_at: dt.datetime | None
    decided_at: dt.datetime | None
    reason: str = Field(description="the moderator's reason for a rejection")
    seen: str = Field(description="the version of this text: send it back with a moderator's decision")


class PublicReplyOut(Schema):
    clinic: str
    clinic_name: str
    by_reviewer: bool
    body: str
    published_at: dt.datetime | None


class ReplyDecisionIn(Schema):
    decision: Literal["accept", "reject"] = Field(
        description="accept (publish a held reply) or reject (a held one, or take down a published one)"
    )
    reason: str = Field(default="", max_length=2000, description="required to reject: the reply's author sees it")
    seen: str = Field(
        min_length=16,
        max_length=16,
        pattern="^[0-9a-f]{16}$",
        description="the reply's `seen` as you read it: a reply changed since is not decided (409)",
    )


def reply_out(reply: Reply) -> ReplyOut:
    return ReplyOut(
        id=reply.pk,
        review_id=reply.review_id,
        clinic=reply.clinic.slug,
        clinic_name=reply.clinic.name,
        by_reviewer=reply.by_reviewer,
        body=reply.body,
        status=reply.status,
        created_at=reply.created_at,
        edited_at=reply.edited_at,
        decided_at=reply.decided_at,
        reason=reply.reason,
        seen=reply_seen(reply),
    )


def _visible(review_id: int, user: User | None) -> Review:
    review = review_get_for(review_id=review_id, user=user)
    if review is None or not review.is_visible:
        raise NotFoundError("No such review.")
    return review


def _own_live(request: HttpRequest, review_id: int, *, by_reviewer: bool) -> tuple[User, Reply]:
    """The caller's live reply (their clinic's) or answer (their own review's); 404 for anyone else."""
    user = require_user(request)
    review = _visible(review_id, user)
    reply = reply_live(review=review, by_reviewer=by_reviewer)
    mine = reply is not None and (
        review.author_id == user.pk if by_reviewer else reply.clinic_id in staff_clinic_ids(user)
    )
    if reply is None or not mine:
        raise NotFoundError("No such reply.")
    return user, reply


@router.post("/reviews/{review_id}/reply", response={201: ReplyOut}, summary="Reply to a review of your clinic")
def reply_create(request: HttpRequest, payload: ReplyIn, review_id: int = ID) -> Status[ReplyOut]:
    user = require_user(request)
    review = _visible(review_id, user)
    return Status(201, reply_out(reply_post(review=review, by=user, body=payload.body)))


@router.patch("/reviews/{review_id}/reply", response=ReplyOut, summary="Correct your clinic's reply (15 minutes)")
def reply_change(request: HttpRequest, payload: ReplyIn, review_id: int = ID) -> ReplyOut:
    user, reply = _own_live(request, review_id, by_reviewer=False)
    return reply_out(reply_edit(reply=reply, by=user, body=payload.body))


@router.delete("/reviews/{review_id}/reply", response={204: None}, summary="Withdraw your clinic's reply")
def reply_remove(request: HttpRequest, review_id: int = ID) -> Status[None]:
    user, reply = _own_live(request, review_id, by_reviewer=False)
    reply_withdraw(reply=reply, by=user)
    return Status(204, None)


@router.post(
    "/reviews/{review_id}/reply/answer", response={201: ReplyOut}, summary="Answer the clinic's reply (the reviewer)"
)
def answer_create(request: HttpRequest, payload: ReplyIn, review_id: int = ID) -> Status[ReplyOut]:
    user = require_user(request)
    review = _visible(review_id, user)
    return Status(201, reply_out(answer_post(review=review, by=user, body=payload.body)))


@router.patch("/reviews/{review_id}/reply/answer", response=ReplyOut, summary="Correct your answer (15 minutes)")
def answer_change(request: HttpRequest, payload: ReplyIn, review_id: int = ID) -> ReplyOut:
    user, reply = _own_live(request, review_id, by_reviewer=True)
    return reply_out(reply_edit(reply=reply, by=user, body=payload.body))


@router.delete("/reviews/{review_id}/reply/answer", response={204: None}, summary="Withdraw your answer")
def answer_remove(request: HttpRequest, review_id: int = ID) -> Status[None]:
    user, reply = _own_live(request, review_id, by_reviewer=True)
    reply_withdraw(reply=reply, by=user)
    return Status(204, None)


@router.get("/reviews/{review_id}/replies", response=list[PublicReplyOut], summary="A review's published replies")
def replies_public(request: HttpRequest, review_id: int = ID) -> list[PublicReplyOut]:
    review = _visible(review_id, None)
    shown = replies_shown(reviews=[review]).get(review.pk)
    rows = [] if shown is None else [shown.reply, *([shown.answer] if shown.answer else [])]
    return [
        PublicReplyOut(
            clinic=r.clinic.slug,
            clinic_name=r.clinic.name,
            by_reviewer=r.by_reviewer,
            body=r.body,
            published_at=r.decided_at,
        )
        for r in rows
    ]


@router.get("/clinics/checks/replies", response=list[ReplyOut], summary="Replies waiting for a moderator")
def replies_queue(request: HttpRequest) -> list[ReplyOut]:
    require_moderator(request)
    return [reply_out(r) for r in replies_waiting()[:200]]


@router.get(
    "/clinics/checks/replies/published", response=list[ReplyOut], summary="Published replies (to take one down)"
)
def replies_published_list(request: HttpRequest) -> list[ReplyOut]:
    require_moderator(request)
    return [reply_out(r) for r in replies_published()]


@router.post(
    "/clinics/checks/replies/{reply_id}/decision", response=ReplyOut, summary="Publish, reject or take down a reply"
)
def reply_decision(request: HttpRequest, payload: ReplyDecisionIn, reply_id: int = ID) -> ReplyOut:
    user = require_moderator(request)
    reply = reply_get(reply_id=reply_id)
    if reply is None:
        raise NotFoundError("No such reply.")
    approve = payload.decision == "accept"
    return reply_out(reply_decide(reply=reply, by=user, approve=approve, seen=payload.seen, reason=payload.reason))
