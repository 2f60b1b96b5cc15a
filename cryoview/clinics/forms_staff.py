"""Forms of the claim page, the clinic staff console and the moderators' checks. They only parse; the services
validate (and name the field), and `add_problems` puts their problems back on the form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from cryoview.clinics.documents import MAX_DOCUMENT_BYTES
from cryoview.clinics.enums import Profession
from cryoview.core.errors import ApplicationError
from cryoview.core.parsing import parse_date, parse_int_or_none
from cryoview.procedures.models import Procedure

DOCUMENT_HELP = (
    f"A PDF, JPEG or PNG file, at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB. "
    "Only moderators see it; it is deleted once they have decided."
)
ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class DateField(forms.CharField):
    """<input type="date">, parsed by the house's strict parser (YYYY-MM-DD, ASCII digits, a real day)."""

    widget = forms.DateInput(attrs={"type": "date"})

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_date(text, field="licence_expires_on")
        except ApplicationError as error:
            raise ValidationError(f"Enter the date as YYYY-MM-DD: {error.problems[0].message}.") from None


def document_field(label: str) -> forms.FileField:
    return forms.FileField(
        label=label, help_text=DOCUMENT_HELP, widget=forms.ClearableFileInput(attrs={"accept": ACCEPT})
    )


def add_problems(form: forms.Form, error: ApplicationError) -> None:
    """A service's problems on the fields they name (or on the form when the field is not on it)."""
    if not error.problems:
        form.add_error(None, error.message)
    for problem in error.problems:
        field = problem.field if problem.field in form.fields else None
        form.add_error(field, f"{problem.message[:1].upper()}{problem.message[1:]}.")


class ClaimForm(forms.Form):
    job_title = forms.CharField(label="Your job title at the clinic", max_length=120)
    message = forms.CharField(
        label="Message to the moderators (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    document = document_field("A document that shows you work there (e.g. a contract, a letter on the clinic's paper)")


class ProceduresField(forms.ModelMultipleChoiceField[Procedure]):
    """Django's field runs `pk__in` with whatever ids were posted, and SQLite cannot bind an integer beyond 64 bits
    (a 500): each id is read with the project's strict number parser first, so a hostile one is a form error."""

    def clean(self, value: Any) -> Any:
        for item in value or []:
            if parse_int_or_none(str(item), min=1) is None:
                raise ValidationError("Choose procedures from the list.", code="invalid_choice")
        return super().clean(value)


class ClinicDetailsForm(forms.Form):
    address = forms.CharField(required=False, max_length=200)
    website = forms.CharField(required=False, max_length=300, widget=forms.URLInput)
    phone = forms.CharField(required=False, max_length=32, widget=forms.TextInput(attrs={"type": "tel"}))
    procedures = ProceduresField(
        queryset=Procedure.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Procedures offered",
    )


class LicenceForm(forms.Form):
    licence_number = forms.CharField(label="Licence or certificate number", max_length=60, required=False)
    issuing_body = forms.CharField(label="Issuing body", max_length=160, required=False)
    country = forms.CharField(label="Country of issue (two letters, e.g. DE)", max_length=2, required=False)
    licence_expires_on = DateField(label="Expires on (if it does)", required=False)


class PractitionerForm(LicenceForm):
    name = forms.CharField(max_length=120)
    profession = forms.ChoiceField(choices=Profession.choices)
    field_order = ["name", "profession", "licence_number", "issuing_body", "country", "licence_expires_on"]


class CredentialForm(LicenceForm):
    document = document_field("The licence or certificate")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("licence_number", "issuing_body", "country"):
            self.fields[name].required = True


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Refuse")])
    reason = forms.CharField(required=False, max_length=2000)
