"""Forms of the staff's invitations page. They only parse; the services check (and name the field)."""

from __future__ import annotations

from typing import Any

from django import forms

from cryoview.clinics.models import Clinic
from cryoview.clinics.services.invitations import CSV_MAX_ADDRESSES, CSV_MAX_BYTES
from cryoview.procedures.models import Procedure


class _ProcedureForm(forms.Form):
    procedure = forms.ModelChoiceField(
        queryset=Procedure.objects.none(),
        required=False,
        empty_label="Let the patient choose among the clinic's procedures",
        label="Procedure to review",
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["procedure"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = clinic.procedures.filter(is_published=True).order_by("position", "name")


class InvitationLinkForm(_ProcedureForm):
    """One link, shown once to copy (to hand to a patient in person or send from the clinic's own mail)."""


class InvitationCsvForm(_ProcedureForm):
    file = forms.FileField(
        label="A CSV file of e-mail addresses",
        help_text=(
            f"One address per row, or a column named “e-mail”. At most {CSV_MAX_ADDRESSES} addresses "
            f"({CSV_MAX_BYTES // 1024} KB), UTF-8. The addresses are not kept: each gets one e-mail and only a "
            "fingerprint stays, so the same person is not invited twice."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )

    def file_bytes(self) -> bytes:
        """The file's bytes, read no further than one byte beyond the limit (the service says it is too large)."""
        upload = self.cleaned_data["file"]
        upload.seek(0)
        data: bytes = upload.read(CSV_MAX_BYTES + 1)
        return data
