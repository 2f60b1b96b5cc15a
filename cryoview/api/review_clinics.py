"""A review's clinic, practitioner and label over the API: the fields on every review, and the `where` a member
sends with a review. The API is the top floor: it reads and writes them through clinics directly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from cryoview.accounts.models import User
from cryoview.clinics.selectors.attribution import LABEL_NONE, AttributionDisplay
from cryoview.clinics.services.attribution import (
    AttributionInput,
    ClinicSuggestion,
    attribution_check,
    attribution_set,
)
from cryoview.core.errors import ApplicationError
from cryoview.core.parsing import BIGINT_MAX
from cryoview.core.validation import PlainStr
from cryoview.reviews.models import Review


class ClinicOut(Schema):
    slug: str | None = Field(description="a listed clinic's slug (filter with ?clinic=); null until it is listed")
    name: str
    city: str
    country: str
    status: str = Field(description="listed; suggested (waiting for a moderator to add it); declined")
    page: str | None


class PractitionerOut(Schema):
    id: int
    name: str
    profession: str
    credentials_checked_on: dt.date | None = Field(description="a moderator checked the licence; never a grade")
    meets_guide: bool = Field(description="false when the guide says the procedure needs another profession")


Label = Literal["verified", "invited", "none"]


def clinic_out(where: AttributionDisplay) -> ClinicOut | None:
    clinic = where.clinic
    if clinic is None:
        return None
    listed = where.clinic_is_listed
    return ClinicOut(
        slug=clinic.slug if listed else None,
        name=clinic.name,
        city=clinic.city,
        country=clinic.country,
        status=clinic.status,
        page=clinic.get_absolute_url() if listed else None,
    )


def practitioner_out(where: AttributionDisplay) -> PractitionerOut | None:
    practitioner = where.practitioner
    if practitioner is None:
        return None
    return PractitionerOut(
        id=practitioner.pk,
        name=practitioner.name,
        profession=practitioner.profession,
        credentials_checked_on=practitioner.credentials_checked_on,
        meets_guide=where.unmet is None,
    )


def where_fields(review: Review, where: AttributionDisplay | None) -> dict[str, Any]:
    if where is None:
        return {"clinic": review.clinic_name}
    return {
        "clinic": where.clinic.name if where.clinic is not None else review.clinic_name,
        "clinic_detail": clinic_out(where),
        "practitioner": practitioner_out(where),
        "label": where.label or LABEL_NONE,
    }


class NewClinicIn(Schema):
    name: Annotated[PlainStr, StringConstraints(min_length=1, max_length=120)]
    city: Annotated[PlainStr, StringConstraints(min_length=1, max_length=80)]
    country: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2}$")] = Field(description="e.g. DE")


class WhereIn(Schema):
    """Where it was done: a listed clinic, or a new one for moderators to add, or neither; and who did it.
    Changes until the review is published; then it stays as moderators published it (409)."""

    clinic: Annotated[str, StringConstraints(max_length=80)] | None = Field(None, description="a listed clinic's slug")
    new_clinic: NewClinicIn | None = Field(None, description="a clinic not in the directory: moderators add it")
    practitioner: int | None = Field(None, ge=1, le=BIGINT_MAX, description="a practitioner of that clinic")


WHERE_NAMES = {"new_clinic_name": "new_clinic.name", "new_clinic_city": "new_clinic.city"}
WHERE_NAMES["new_clinic_country"] = "new_clinic.country"


def _where_problems(error: ApplicationError) -> ApplicationError:
    for problem in error.problems:
        problem.field = "where." + WHERE_NAMES.get(problem.field, problem.field)
    error.message = "Please correct: " + "; ".join(f"{p.field}: {p.message}" for p in error.problems) + "."
    return error


def where_writes(user: User, where: WhereIn | None, given: bool) -> list[Callable[[Review], None]]:
    """The attribution's write, checked first (422 naming where.<field>); none when `where` was not sent."""
    if not given:
        return []
    new = where.new_clinic if where is not None else None
    data = AttributionInput(
        clinic=(where.clinic or "") if where is not None else "",
        suggestion=ClinicSuggestion(new.name, new.city, new.country) if new is not None else None,
        practitioner=where.practitioner if where is not None else None,
    )
    try:
        attribution_check(data=data)
    except ApplicationError as error:
        raise _where_problems(error) from None

    def write(review: Review) -> None:
        try:
            attribution_set(review=review, by=user, data=data)
        except ApplicationError as error:
            raise _where_problems(error) if error.problems else error from None

    return [write]
