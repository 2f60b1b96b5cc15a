"""A clinic reports a review: like anyone else, but it never counts towards hiding.

The write is moderation's report_create, the one door for every report. Clinics registers itself there as an
interested party (ClinicsConfig.ready): whoever is approved staff of the clinic a review names is "interested" in
it, whichever door they use (the review page's report form, the reviews API, or the clinic door below). Such a
report is stored with the trust "interested", which the hiding threshold never counts (so several staff of one
clinic do not add up either), and `clinic_report_record` writes the ClinicReport row and the clinic log entry in
the report's own transaction. The review stays visible until a moderator decides.

For a review of another clinic its staff are ordinary members (they have no stake in it), counted as such.
"""

from __future__ import annotations

from django.db import transaction

from cryoview.accounts.models import User
from cryoview.clinics.enums import ClinicAction, StaffStatus
from cryoview.clinics.models import Clinic, ClinicReport, ReviewAttribution
from cryoview.clinics.services.log import clinic_log_add
from cryoview.clinics.services.staff import require_staff
from cryoview.core.errors import NotFoundError
from cryoview.moderation.enums import ReporterTrust, ReportPart
from cryoview.moderation.interested import InterestedParty
from cryoview.moderation.models import Report
from cryoview.moderation.services import ReportReceipt, report_create
from cryoview.reviews.models import Review


def _clinic_with_stake(review: Review, user: User) -> Clinic | None:
    """The clinic the review names, when `user` is its approved staff (one query)."""
    if not user.is_authenticated:
        return None
    attribution = (
        ReviewAttribution.objects.filter(
            review_id=review.pk, clinic__staff__user=user, clinic__staff__status=StaffStatus.APPROVED
        )
        .select_related("clinic")
        .first()
    )
    return attribution.clinic if attribution is not None else None


def clinic_stake(review: Review, user: User) -> str | None:
    """Moderation's check: the name of the clinic `user` acts for in this review, or None."""
    clinic = _clinic_with_stake(review, user)
    return clinic.name if clinic is not None else None


def clinic_report_record(report: Report, user: User) -> None:
    """Moderation's record, inside the report's transaction. Side effects: a ClinicReport row and one
    REVIEW_REPORTED entry in the clinic log (the reason and the part, never the details' text)."""
    review = report.review
    if review is None:  # only reports on reviews have a stake; comments never reach here
        return
    clinic = _clinic_with_stake(review, user)
    if clinic is None:  # staff access revoked in between: moderation already stored it as interested
        return
    ClinicReport.objects.create(clinic=clinic, review=review, report=report)
    clinic_log_add(
        clinic=clinic,
        actor=user,
        action=ClinicAction.REVIEW_REPORTED,
        target=review,
        details={"report": report.pk, "reason": report.reason, "part": report.part},
    )


CLINIC_PARTY = InterestedParty(name="clinics", check=clinic_stake, record=clinic_report_record)


def review_of_clinic(*, clinic: Clinic, review_id: int) -> Review | None:
    """A published, visible review that names this clinic (None otherwise: the edge answers 404)."""
    return (
        Review.objects.filter(pk=review_id, attribution__clinic=clinic)
        .select_related("procedure", "author", "video")
        .first()
    )


def clinic_report_create(
    *,
    clinic: Clinic,
    review_id: int,
    by: User,
    reason: str,
    part: str = ReportPart.REVIEW,
    details: str = "",
) -> ReportReceipt:
    """The clinic door: approved staff of `clinic` report a review that names it. Staff of another clinic, members,
    moderators and visitors get 404, as for a clinic or review that does not exist; so does a review of another
    clinic. The report itself is report_create's (see the module's docstring): it never hides the review.
    Side effects: a Report with the trust "interested", a ClinicReport row, a REVIEW_REPORTED log entry."""
    require_staff(by=by, clinic=clinic)
    review = review_of_clinic(clinic=clinic, review_id=review_id)
    if review is None or not review.is_visible:
        raise NotFoundError("No such review of this clinic.")
    with transaction.atomic():
        receipt = report_create(
            review=review, reporter=by, reporter_key=f"user:{by.pk}", reason=reason, part=part, details=details
        )
        if receipt.report.trust != ReporterTrust.INTERESTED:
            # The clinics party is not registered (a test that unregistered it?): never store a report that
            # could count towards hiding from the clinic's own door.
            raise RuntimeError("clinic reports need the clinics interested party registered")
    return receipt
