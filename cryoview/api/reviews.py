"""Reviews over the API: the same selectors and services as the pages."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints, field_validator

from cryoview.accounts.authentication import authenticate_request
from cryoview.accounts.models import User
from cryoview.api.review_clinics import ClinicOut, Label, PractitionerOut, WhereIn, where_fields, where_writes
from cryoview.api.videos import media_url, require_user
from cryoview.clinics.selectors.attribution import AttributionDisplay, attribution_filter, attributions_display
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.core.pagecache import for_visitors, per_generation
from cryoview.core.parsing import BIGINT_MAX, MonthStr, parse_month
from cryoview.core.throttle import ip_hash
from cryoview.core.validation import PlainStr
from cryoview.moderation.services import ReportReceipt, report_create
from cryoview.procedures.models import Procedure
from cryoview.procedures.selectors import procedure_get_for_page, procedure_scope
from cryoview.reviews.enums import ReviewSort, WorthIt
from cryoview.reviews.models import FollowUp, Review
from cryoview.reviews.permissions import can_see_review_in_private
from cryoview.reviews.selectors import (
    ReviewFilters,
    followups_visible,
    review_get_for,
    review_get_own,
    review_list_published,
    stats_get,
)
from cryoview.reviews.services import (
    ReviewInput,
    followup_add,
    review_create,
    review_input_of,
    review_update,
    review_withdraw,
)

router = Router(tags=["reviews"])

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Month = MonthStr
Short = Annotated[PlainStr, StringConstraints(max_length=120)]


def _procedure(slug: str) -> Procedure:
    procedure = procedure_get_for_page(slug=slug)
    if procedure is None:
        raise NotFoundError(f"No published guide with the slug {slug[:80]!r}.")
    return procedure


class ReviewFields(Schema):
    """The fields a member writes. Side effects are slugs from GET /procedures/{slug} (section side_effect),
    plus "none" and "other"."""

    rating: int = Field(ge=1, le=5)
    worth_it: WorthIt
    title: Annotated[PlainStr, StringConstraints(min_length=1, max_length=120)]
    text: Annotated[PlainStr, StringConstraints(min_length=1, max_length=10_000)]
    sessions: int | None = Field(default=None, ge=1, le=100)
    cost_amount: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    cost_currency: Currency | None = None
    month: Month | None = Field(default=None, description="month of treatment, YYYY-MM")
    city: Annotated[PlainStr, StringConstraints(max_length=80)] = ""
    clinic: Short = ""
    side_effects: list[Annotated[str, StringConstraints(max_length=80)]] = Field(default_factory=list, max_length=20)
    side_effect_other: Annotated[PlainStr, StringConstraints(max_length=200)] = ""
    pain: int | None = Field(default=None, ge=0, le=10)
    downtime_days: int | None = Field(default=None, ge=0, le=365)
    video_id: uuid.UUID | None = None


class ReviewCreateIn(ReviewFields):
    procedure: Annotated[str, StringConstraints(max_length=80)]
    consent: bool = Field(description="the member agrees to the consent text; required to submit")
    draft: bool = Field(default=False, description="keep as a draft instead of submitting for moderation")
    where: WhereIn | None = None


class ReviewPatchIn(Schema):
    rating: int | None = Field(default=None, ge=1, le=5)
    worth_it: WorthIt | None = None
    title: Annotated[PlainStr, StringConstraints(min_length=1, max_length=120)] | None = None
    text: Annotated[PlainStr, StringConstraints(min_length=1, max_length=10_000)] | None = None
    sessions: int | None = Field(default=None, ge=1, le=100)
    cost_amount: Decimal | None = Field(default=None, ge=0, max_digits=10, decimal_places=2)
    cost_currency: Currency | None = None
    month: Month | None = None
    city: Annotated[PlainStr, StringConstraints(max_length=80)] | None = None
    clinic: Short | None = None
    side_effects: list[Annotated[str, StringConstraints(max_length=80)]] | None = Field(default=None, max_length=20)
    side_effect_other: Annotated[PlainStr, StringConstraints(max_length=200)] | None = None
    pain: int | None = Field(default=None, ge=0, le=10)
    downtime_days: int | None = Field(default=None, ge=0, le=365)
    video_id: uuid.UUID | None = None
    consent: bool | None = None
    submit: bool = Field(default=False, description="submit a draft or rejected review for moderation")
    where: WhereIn | None = Field(None, description="replaces the review's clinic and practitioner; null clears them")


RENAMED = {"text": "body", "clinic": "clinic_name", "month": "treated_month"}


def _month(value: str | None) -> dt.date | None:
    return parse_month(value, field="month") if value else None


# An explicit JSON null clears an optional field; on a field every review has, it is refused (not a 500).
CLEARED = {"city": "", "clinic_name": "", "side_effect_other": "", "cost_currency": "", "side_effects": []}
REQUIRED = ("rating", "worth_it", "title", "body")


def _input_from(fields: dict[str, Any], base: ReviewInput | None = None) -> ReviewInput:
    values: dict[str, Any] = dict(base.__dict__) if base else {}
    nulls = [name for name, value in fields.items() if value is None and RENAMED.get(name, name) in REQUIRED]
    if nulls:
        raise ApplicationError.for_fields([FieldProblem(name, "must not be null") for name in nulls])
    for name, value in fields.items():
        if name in ("procedure", "consent", "draft", "submit", "where"):
            continue
        key = RENAMED.get(name, name)
        if value is None and key in CLEARED:
            value = CLEARED[key]
        if key == "treated_month":
            value = _month(value)
        elif key == "video_id":
            value = str(value) if value else None
        elif key == "cost_currency":
            value = value or ""
        values[key] = value
    return ReviewInput(**values)


API_NAMES = {model: api for api, model in RENAMED.items()}


def _api_problem_names(error: ApplicationError) -> ApplicationError:
    """The services name model fields; the API answers with the names its clients sent."""
    for problem in error.problems:
        problem.field = API_NAMES.get(problem.field, problem.field)
    return error


class CreatedOut(Schema):
    id: int
    status: str


class VideoSummaryOut(Schema):
    id: uuid.UUID
    duration: float | None
    poster: str | None
    page: str


class FollowUpOut(Schema):
    id: int
    date: dt.datetime
    text_html: str
    new_rating: int | None
    status: str


class CostOut(Schema):
    amount: Decimal
    currency: str


class ReviewOut(Schema):
    id: int
    procedure: str
    status: str
    title: str
    text_html: str
    rating: int
    worth_it: str
    sessions: int | None
    cost: CostOut | None
    month: str | None
    city: str
    clinic: str = Field(description="the clinic's name as shown: the chosen clinic's, else the reviewer's text")
    clinic_detail: ClinicOut | None = None
    practitioner: PractitionerOut | None = None
    label: Label = Field(
        default="none", description="verified: proof of treatment checked; invited: from a clinic's invitation"
    )
    side_effects: list[str]
    side_effect_other: str
    pain: int | None
    downtime_days: int | None
    author: str
    published_at: dt.datetime | None
    video: VideoSummaryOut | None
    followups: list[FollowUpOut]
    rejection_reason: str | None = None
    pending_edit: bool = False
    page: str


def _video_summary(review: Review) -> VideoSummaryOut | None:
    video = review.video
    if video is None or (review.is_published and not review.has_video):
        return None
    return VideoSummaryOut(
        id=video.pk,
        duration=video.duration,
        poster=media_url(video, "poster.jpg") if video.poster_path else None,
        page=reverse("videos:player", args=[video.pk]),
    )


def review_out(
    review: Review,
    *,
    followups: list[FollowUp] | None = None,
    private: bool = False,
    where: AttributionDisplay | None = None,
) -> ReviewOut:
    """`where`: the review's attribution, read for a whole page at once (attributions_display)."""
    return ReviewOut(
        id=review.pk,
        procedure=review.procedure.slug,
        status=review.status,
        title=review.title,
        text_html=review.body_html,
        rating=review.rating,
        worth_it=review.worth_it,
        sessions=review.sessions,
        cost=CostOut(amount=review.cost_amount, currency=review.cost_currency)
        if review.cost_amount is not None
        else None,
        month=review.treated_month.strftime("%Y-%m") if review.treated_month else None,
        city=review.city,
        **where_fields(review, where),
        side_effects=list(review.side_effects),
        side_effect_other=review.side_effect_other,
        pain=review.pain,
        downtime_days=review.downtime_days,
        author=review.author.public_name,
        published_at=review.published_at,
        video=_video_summary(review),
        followups=[
            FollowUpOut(id=f.pk, date=f.created_at, text_html=f.body_html, new_rating=f.new_rating, status=f.status)
            for f in followups or []
        ],
        rejection_reason=review.rejection_reason or None if private else None,
        pending_edit=review.has_pending_edit if private else False,
        page=review.get_absolute_url(),
    )


class ReviewListOut(Schema):
    items: list[ReviewOut]
    next_cursor: str | None


def json_response(out: Schema) -> HttpResponse:
    """Serialised here rather than by ninja, so that visitors' copies can be stored whole."""
    return HttpResponse(out.model_dump_json(), content_type="application/json")


@router.get("/procedures/{slug}/reviews", response=ReviewListOut, summary="Published reviews, videos first")
def list_reviews(
    request: HttpRequest,
    slug: str,
    has_video: bool | None = None,
    rating: int | None = Query(None, ge=1, le=5),  # type: ignore[type-arg]
    sort: ReviewSort = ReviewSort.NEWEST,
    cursor: str | None = Query(None, max_length=400),  # type: ignore[type-arg]
    limit: int = Query(20, ge=1, le=50),  # type: ignore[type-arg]
    clinic: str | None = Query(None, max_length=80, description="a listed clinic's slug"),  # type: ignore[type-arg]
    practitioner: int | None = Query(None, ge=1, le=BIGINT_MAX, description="a practitioner's id"),  # type: ignore[type-arg]
    label: Label | None = None,
) -> HttpResponseBase:
    where = None
    if clinic is not None or practitioner is not None or label is not None:
        where = attribution_filter(clinic=clinic, practitioner=practitioner, label=label)

    def body() -> bytes:
        procedure = _procedure(slug)
        page = review_list_published(
            procedure=procedure,
            filters=ReviewFilters(sort=sort, has_video=has_video, rating=rating, where=where),
            cursor=cursor,
            limit=limit,
        )
        for review in page.items:
            review.procedure = procedure  # the list is of one procedure: no query per row
        shown = attributions_display(reviews=page.items)
        items = [review_out(r, where=shown.get(r.pk)) for r in page.items]
        return ReviewListOut(items=items, next_cursor=page.next_cursor).model_dump_json().encode()

    # The same for everyone who asks: serialised once per change of the reviews, for members too.
    asked = f"{cursor or ''}|{clinic or ''}|{practitioner or ''}|{label or ''}"
    key = f"api-reviews:{sort}:{has_video}:{rating}:{limit}:{hashlib.sha256(asked.encode()).hexdigest()}"
    return for_visitors(
        request,
        procedure_scope(slug),
        lambda: HttpResponse(per_generation(procedure_scope(slug), key, body), content_type="application/json"),
    )


class RatingStatsOut(Schema):
    average: float | None
    distribution: dict[str, int]


class CostStatsOut(Schema):
    currency: str
    median: float | None
    min: float | None
    max: float | None
    count: int


class SideEffectStatsOut(Schema):
    slug: str
    percent: int
    count: int


class LabelStatsOut(Schema):
    label: str = Field(description="verified, invited or none")
    name: str = Field(description="the label as the pages show it")
    count: int
    average_rating: float | None = Field(
        description="the mean rating of the reviews with this label; null below the count that makes it mean much"
    )


class StatsOut(Schema):
    count: int
    rating: RatingStatsOut
    worth_it_percent: int | None
    cost: list[CostStatsOut]
    sessions_median: float | None
    side_effects: list[SideEffectStatsOut]
    with_followup: int
    by_label: list[LabelStatsOut] = Field(
        default_factory=list,
        description="the reviews counted per label (verified, invited, none); empty until the next recount for "
        "stats counted before labels were",
    )


@router.get("/procedures/{slug}/stats", response=StatsOut, summary="Aggregates over published reviews only")
def review_stats(request: HttpRequest, slug: str) -> HttpResponseBase:
    def body() -> bytes:
        return StatsOut.model_validate(stats_get(procedure=_procedure(slug))).model_dump_json().encode()

    return for_visitors(
        request,
        procedure_scope(slug),
        lambda: HttpResponse(per_generation(procedure_scope(slug), "api-stats", body), content_type="application/json"),
    )


@router.get("/reviews/{review_id}", response=ReviewOut, summary="One review (unpublished: author and moderators)")
def get_review(request: HttpRequest, review_id: int) -> ReviewOut:
    user = authenticate_request(request)
    review = review_get_for(review_id=review_id, user=user)
    if review is None:
        raise NotFoundError("No such review.")
    private = can_see_review_in_private(user, review)
    where = attributions_display(reviews=[review]).get(review.pk)
    return review_out(review, followups=followups_visible(review=review, user=user), private=private, where=where)


@router.post("/reviews", response={201: CreatedOut}, summary="Write a review (members)")
def create_review(request: HttpRequest, payload: ReviewCreateIn) -> Status[CreatedOut]:
    user = require_user(request)
    procedure = _procedure(payload.procedure)
    writes = where_writes(user, payload.where, payload.where is not None)
    try:
        review = review_create(
            author=user,
            procedure=procedure,
            data=_input_from(payload.model_dump(exclude_unset=False)),
            consent=payload.consent,
            submit=not payload.draft,
            extra_writes=writes,
        )
    except ApplicationError as error:
        raise _api_problem_names(error) from None
    return Status(201, CreatedOut(id=review.pk, status=review.status))


def _own(user: User, review_id: int) -> Review:
    review = review_get_own(review_id=review_id, user=user)
    if review is None:
        raise NotFoundError("No such review.")
    return review


@router.patch("/reviews/{review_id}", response=ReviewOut, summary="Change one's review (published: after moderation)")
def patch_review(request: HttpRequest, review_id: int, payload: ReviewPatchIn) -> ReviewOut:
    user = require_user(request)
    review = _own(user, review_id)
    changes = payload.model_dump(exclude_unset=True)
    data = _input_from(changes, base=review_input_of(review))
    writes = where_writes(user, payload.where, "where" in changes)
    try:
        review_update(
            review=review,
            by=user,
            data=data,
            consent=bool(payload.consent),
            submit=payload.submit,
            extra_writes=writes,
        )
    except ApplicationError as error:
        raise _api_problem_names(error) from None
    where = attributions_display(reviews=[review]).get(review.pk)
    return review_out(review, followups=followups_visible(review=review, user=user), private=True, where=where)


@router.delete("/reviews/{review_id}", response={204: None}, summary="Withdraw: deletes the video and its copies")
def delete_review(request: HttpRequest, review_id: int) -> Status[None]:
    user = require_user(request)
    review_withdraw(review=_own(user, review_id), by=user)
    return Status(204, None)


class FollowUpIn(Schema):
    text: Annotated[PlainStr, StringConstraints(min_length=1, max_length=5_000)]
    new_rating: int | None = Field(default=None, ge=1, le=5)


@router.post("/reviews/{review_id}/followups", response={201: FollowUpOut}, summary="Add a dated follow-up")
def create_followup(request: HttpRequest, review_id: int, payload: FollowUpIn) -> Status[FollowUpOut]:
    user = require_user(request)
    try:
        followup = followup_add(review=_own(user, review_id), by=user, body=payload.text, new_rating=payload.new_rating)
    except ApplicationError as error:
        raise _api_problem_names(error) from None
    out = FollowUpOut(
        id=followup.pk,
        date=followup.created_at,
        text_html=followup.body_html,
        new_rating=followup.new_rating,
        status=followup.status,
    )
    return Status(201, out)


class ReportIn(Schema):
    reason: Literal["this_is_me", "fake_or_paid", "dangerous_advice", "private_information", "other"]
    part: Literal["review", "video"] = "review"
    details: Annotated[PlainStr, StringConstraints(max_length=2000)] = ""

    @field_validator("details")
    @classmethod
    def strip(cls, value: str) -> str:
        return value.strip()


class ReportOut(Schema):
    id: int
    status: Literal["queued"] = Field(
        default="queued", description="queued: every report is in the moderation queue at once"
    )
    counts_towards_hiding: bool = Field(
        description="only established members' reports (verified e-mail, account not new, first report on the "
        "item) count towards hiding it before a moderator decides"
    )
    hidden: bool = Field(description="the item is now hidden until a moderator decides")
    message: str = Field(description="what happens next, in words")


def report_out(receipt: ReportReceipt) -> ReportOut:
    report = receipt.report
    return ReportOut(
        id=report.pk,
        counts_towards_hiding=report.trust == "trusted",
        hidden=receipt.hidden,
        message=receipt.message,
    )


@router.post(
    "/reviews/{review_id}/reports",
    response={201: ReportOut},
    summary="Report a published review or video (it goes to a moderator; reports alone never remove it)",
)
def create_report(request: HttpRequest, review_id: int, payload: ReportIn) -> Status[ReportOut]:
    user = authenticate_request(request)
    review = review_get_for(review_id=review_id, user=None)
    if review is None:
        raise NotFoundError("No such review.")
    key = f"user:{user.pk}" if user is not None else "ip:" + ip_hash(request)
    receipt = report_create(
        review=review,
        reporter=user,
        reporter_key=key,
        reason=payload.reason,
        part=payload.part,
        details=payload.details,
    )
    return Status(201, report_out(receipt))
