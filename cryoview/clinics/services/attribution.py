"""A review's attribution: the clinic it names (listed, or suggested for moderators to add) and its practitioner.

Only the review's author (while the review is not published) and moderators change it; a clinic never does,
whatever its staff send. A published review keeps the attribution moderators saw when they published it: the
waiting edit of a published review (reviews.services) is a snapshot of the review's own fields that moderation
shows and applies, and a clinic in it would reach the public without a moderator seeing the change. A draft, a
pending and a rejected review all pass a moderator, who sees the attribution on the review's page, before anyone
else sees it. The label (Verified, Invited) is set by the proofs and invitations; here it only goes, when the
review names another clinic than the one it was given for.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryoview.accounts.models import User
from cryoview.accounts.permissions import can_moderate
from cryoview.clinics.enums import ReviewLabel
from cryoview.clinics.models import Clinic, Practitioner, ReviewAttribution
from cryoview.clinics.selectors.attribution import listed_clinic_by_slug, practitioner_at
from cryoview.clinics.services.directory import clinic_suggest
from cryoview.clinics.services.proofs import proofs_withdraw
from cryoview.core.errors import ApplicationError, FieldProblem, NotFoundError
from cryoview.core.validation import plain_text
from cryoview.reviews.models import Review
from cryoview.reviews.permissions import can_edit_review
from cryoview.reviews.stats import stats_refresh_later

NAME_MAX, CITY_MAX = 120, 80


@dataclass(frozen=True)
class ClinicSuggestion:
    """A clinic the member did not find in the directory, as they typed it."""

    name: str
    city: str
    country: str


@dataclass(frozen=True)
class AttributionInput:
    """What the member chose: a listed clinic's slug, or a suggestion, or neither; and a practitioner's id."""

    clinic: str = ""
    suggestion: ClinicSuggestion | None = None
    practitioner: int | None = None


@dataclass(frozen=True)
class Attribution:
    clinic: Clinic | None
    suggestion: ClinicSuggestion | None
    practitioner: Practitioner | None


def _tidy(text: str, field: str, problems: list[FieldProblem]) -> str:
    try:
        return " ".join(plain_text(text).split())
    except ValueError as error:
        problems.append(FieldProblem(field, str(error)))
        return ""


def _check_suggestion(suggestion: ClinicSuggestion, problems: list[FieldProblem]) -> ClinicSuggestion:
    name = _tidy(suggestion.name, "new_clinic_name", problems)
    city = _tidy(suggestion.city, "new_clinic_city", problems)
    country = suggestion.country.strip().upper()
    if not name and not any(p.field == "new_clinic_name" for p in problems):
        problems.append(FieldProblem("new_clinic_name", "enter the clinic's name"))
    elif len(name) > NAME_MAX:
        problems.append(FieldProblem("new_clinic_name", f"must be at most {NAME_MAX} characters"))
    if not city and not any(p.field == "new_clinic_city" for p in problems):
        problems.append(FieldProblem("new_clinic_city", "enter the city the clinic is in"))
    elif len(city) > CITY_MAX:
        problems.append(FieldProblem("new_clinic_city", f"must be at most {CITY_MAX} characters"))
    if not (len(country) == 2 and country.isascii() and country.isalpha()):
        problems.append(FieldProblem("new_clinic_country", "enter the country as a two-letter code, e.g. DE or FR"))
    return ClinicSuggestion(name=name, city=city, country=country)


def attribution_check(*, data: AttributionInput) -> Attribution:
    """The meaning of a choice: the clinic must be listed, the practitioner must work there. Raises one
    ApplicationError (422) naming each field at fault (clinic, practitioner, new_clinic_name/city/country)."""
    problems: list[FieldProblem] = []
    clinic: Clinic | None = None
    suggestion: ClinicSuggestion | None = None
    practitioner: Practitioner | None = None
    if data.clinic and data.suggestion is not None:
        problems.append(FieldProblem("clinic", "choose a listed clinic or suggest a new one, not both"))
    elif data.clinic:
        clinic = listed_clinic_by_slug(slug=data.clinic)
        if clinic is None:
            problems.append(FieldProblem("clinic", "is not a clinic of the directory: choose one, or suggest it"))
    elif data.suggestion is not None:
        suggestion = _check_suggestion(data.suggestion, problems)
    if data.practitioner is not None:
        if clinic is not None:
            practitioner = practitioner_at(practitioner_id=data.practitioner, clinic=clinic)
            if practitioner is None:
                problems.append(
                    FieldProblem("practitioner", f"does not work at {clinic.name}: choose one of its practitioners")
                )
        elif not any(p.field == "clinic" for p in problems):
            problems.append(
                FieldProblem(
                    "practitioner", "choose the clinic from the directory first: practitioners are listed there"
                )
            )
    if problems:
        raise ApplicationError.for_fields(problems)
    return Attribution(clinic=clinic, suggestion=suggestion, practitioner=practitioner)


def _may_change(by: User, review: Review) -> None:
    """The author of a review that is not published, or a moderator; anyone else (clinic staff included): 404."""
    if can_moderate(by):
        return
    if not can_edit_review(by, review):
        raise NotFoundError("No such review.")
    if review.is_published:
        raise ApplicationError(
            "The clinic and practitioner of a published review stay as moderators published them.",
            409,
            "published",
            problems=[FieldProblem("clinic", "cannot change once the review is published")],
        )


def attribution_set(*, review: Review, by: User, data: AttributionInput) -> ReviewAttribution | None:
    """Set the clinic and practitioner of a review (call it inside the review's transaction). Side effects: the
    ReviewAttribution row (created, changed, or deleted when nothing is left: no clinic, no practitioner, no
    label); a suggested Clinic row for a clinic not in the directory; another clinic (or none) than before takes a
    Verified or Invited label away and withdraws a waiting proof of treatment (its document deleted after commit);
    for a published review (a moderator's change), visitors' cached pages of its guide expire after commit.
    Raises ApplicationError (422) naming the field, 404 for anyone but the author and moderators, 409 for the
    author of a published review."""
    _may_change(by, review)
    if review.is_published:
        # Its card changes, and a label taken away changes the guide's numbers by label: recount after commit.
        stats_refresh_later(procedure=review.procedure)
    chosen = attribution_check(data=data)
    clinic = chosen.clinic
    if chosen.suggestion is not None:
        clinic = clinic_suggest(**vars(chosen.suggestion), by=by)
    row = ReviewAttribution.objects.filter(review=review).select_related("invitation").first()
    if row is not None and row.invitation is not None and (clinic is None or clinic.pk != row.invitation.clinic_id):
        raise ApplicationError.for_fields(
            [FieldProblem("clinic", "stays the clinic whose invitation this review was written from")]
        )
    if row is not None and row.clinic_id != (clinic.pk if clinic is not None else None):
        _clinic_changed(row)
    if clinic is None and chosen.practitioner is None and (row is None or row.label == ReviewLabel.NONE):
        if row is not None:
            row.delete()
        return None
    if row is None:
        row = ReviewAttribution(review=review)
    row.clinic, row.practitioner = clinic, chosen.practitioner
    row.save()
    return row


def _clinic_changed(row: ReviewAttribution) -> None:
    """A label vouches for the clinic the review named when it was given (the proof, the invitation were about
    that one): another clinic, or none, and it no longer applies; a proof still waiting was for the other clinic.
    The invitation stays linked (it was used), only the label goes."""
    if row.label in (ReviewLabel.VERIFIED, ReviewLabel.INVITED):
        row.label = ReviewLabel.NONE
    proofs_withdraw(review_id=row.review_id)
