"""The review form's "Where was it done?" fieldset (registered as a review extra in apps.py).

It replaces the review form's free-text "Clinic" field. Two places to name a clinic would contradict each other,
and a suggestion (name, city, country) says everything the free text said and reaches the moderators who add it
to the directory. The free text stays stored and shown on the reviews that have it and no attribution; an edit
keeps it as it was.

A plain select of the listed clinics (those offering the guide's procedure first), works without JavaScript and
at any width; the practitioner select groups practitioners by clinic, and the choice is checked against the
chosen clinic (attribution_check), so a practitioner of another clinic is a field error, not a silent mismatch.
A published review's fieldset is read-only: see services/attribution.py for why.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from cryoview.clinics.enums import ClinicStatus, Profession
from cryoview.clinics.selectors.attribution import attribution_of, clinics_to_choose, practitioners_to_choose
from cryoview.clinics.services.attribution import (
    AttributionInput,
    ClinicSuggestion,
    attribution_check,
    attribution_set,
)
from cryoview.core.errors import ApplicationError
from cryoview.reviews.extras import ExtraContext, ReviewWrite
from cryoview.reviews.forms import PlainCharField
from cryoview.reviews.models import Review

NEW = "new"  # the clinic choice "not listed: suggest it"
SUGGESTION_FIELDS = ("new_clinic_name", "new_clinic_city", "new_clinic_country")

Choices = list[tuple[str, Any]]


def _locked(context: ExtraContext) -> bool:
    return context.review is not None and context.review.is_published


def _clinic_choices(clinics: list[Any]) -> Choices:
    offering = [(c.slug, f"{c.name}, {c.city}") for c in clinics if c.offers]
    others = [(c.slug, f"{c.name}, {c.city}") for c in clinics if not c.offers]
    choices: Choices = [("", "Not stated")]
    if offering:
        choices.append(("Clinics offering this procedure", offering))
    if others:
        choices.append(("Other clinics in the directory", others))
    choices.append((NEW, "It is not listed: I suggest it below"))
    return choices


def _practitioner_choices(clinics: list[Any]) -> Choices:
    names = {c.pk: c.name for c in clinics}
    groups: dict[int, list[tuple[str, str]]] = {}
    for clinic_id, practitioner in practitioners_to_choose(clinic_ids=list(names)):
        label = f"{practitioner.name} ({Profession(practitioner.profession).label.lower()})"
        groups.setdefault(clinic_id, []).append((str(practitioner.pk), label))
    return [("", "Not stated"), *((f"At {names[cid]}", options) for cid, options in groups.items())]


def _initial(review: Review | None) -> dict[str, str]:
    row = attribution_of(review=review) if review is not None else None
    if row is None or row.clinic is None:
        return {}
    initial = {"practitioner": str(row.practitioner_id or "")}
    if row.clinic.status == ClinicStatus.LISTED:
        initial["clinic"] = row.clinic.slug
    else:  # suggested (or declined): shown as the member typed it
        initial.update(
            clinic=NEW, new_clinic_name=row.clinic.name, new_clinic_city=row.clinic.city,
            new_clinic_country=row.clinic.country,
        )  # fmt: skip
    return initial


def attribution_fields(context: ExtraContext) -> dict[str, forms.Field]:
    """The fieldset's fields, with the review's current attribution as their initial values. Three queries."""
    clinics = clinics_to_choose(procedure=context.procedure)
    fields: dict[str, forms.Field] = {
        "clinic": forms.ChoiceField(required=False, choices=_clinic_choices(clinics), label="Clinic"),
        "new_clinic_name": PlainCharField(required=False, max_length=120, label="Clinic's name"),
        "new_clinic_city": PlainCharField(required=False, max_length=80, label="Clinic's city"),
        "new_clinic_country": PlainCharField(
            required=False, max_length=2, label="Clinic's country", help_text="Two-letter code: DE, FR, GB…"
        ),
        "practitioner": forms.TypedChoiceField(
            required=False,
            coerce=int,
            empty_value=None,
            choices=_practitioner_choices(clinics),
            label="Who treated you (optional)",
            help_text="Only practitioners of the clinic you chose.",
        ),
    }
    for name, value in _initial(context.review).items():
        fields[name].initial = value
    if _locked(context):
        for field in fields.values():
            field.disabled = True
    return fields


def attribution_clean(context: ExtraContext, data: dict[str, Any]) -> ReviewWrite | None:
    """Check the choice; return the write that saves it with the review (None for a published review)."""
    if _locked(context):
        return None
    choice = data.get("clinic") or ""
    typed = [str(data.get(name) or "") for name in SUGGESTION_FIELDS]
    # Typing a suggestion and leaving the select at "Not stated" means the suggestion.
    suggest = choice == NEW or (choice == "" and any(text.strip() for text in typed))
    inputs = AttributionInput(
        clinic="" if choice == NEW else choice,
        suggestion=ClinicSuggestion(*typed) if suggest else None,
        practitioner=data.get("practitioner"),
    )
    try:
        attribution_check(data=inputs)
    except ApplicationError as error:
        raise ValidationError(
            {problem.field: problem.message[:1].upper() + problem.message[1:] + "." for problem in error.problems}
        ) from None
    author = context.author

    def write(review: Review) -> None:
        attribution_set(review=review, by=author, data=inputs)

    return write
