"""The clinic door for reports over the API: the same service as the page (clinics.services.reports). Approved staff
of a clinic report a review that names it; the report never counts towards hiding the review. Everyone else, staff
of another clinic included, gets 404 (a visitor: 401, as in the other routers that need an account)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Path, Router, Status

from cryoview.api.reviews import ReportIn, ReportOut, report_out
from cryoview.api.videos import require_user
from cryoview.clinics.selectors.staff import clinic_listed
from cryoview.clinics.services.reports import clinic_report_create
from cryoview.core.errors import NotFoundError
from cryoview.core.parsing import BIGINT_MAX

router = Router(tags=["clinic staff"])


@router.post(
    "/clinics/{slug}/reviews/{review_id}/reports",
    response={201: ReportOut},
    summary="Clinic staff report a review of their clinic (a moderator decides; a clinic's report never hides it)",
)
def clinic_report(
    request: HttpRequest,
    slug: str,
    payload: ReportIn,
    review_id: int = Path(..., ge=1, le=BIGINT_MAX),  # type: ignore[type-arg]
) -> Status[ReportOut]:
    user = require_user(request)
    clinic = clinic_listed(slug=slug)
    if clinic is None:
        raise NotFoundError("No such clinic.")
    receipt = clinic_report_create(
        clinic=clinic,
        review_id=review_id,
        by=user,
        reason=payload.reason,
        part=payload.part,
        details=payload.details,
    )
    return Status(201, report_out(receipt))
