"""The clinics' forms. Directory: the list's filters and a moderator's decision on a suggested clinic."""

from __future__ import annotations

from typing import Any

from django import forms

from cryoview.clinics.selectors.directory import CITY_MAX, clinic_cities
from cryoview.procedures.selectors import procedure_list_published


class ClinicListForm(forms.Form):
    """`/clinics/?city=&procedure=&cursor=`: both filters are offered as choices of what is listed."""

    city = forms.ChoiceField(required=False, label="City")
    procedure = forms.ChoiceField(required=False, label="Procedure")
    cursor = forms.CharField(required=False, max_length=400)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cities = [c for c in clinic_cities() if len(c) <= CITY_MAX]
        city, procedure = self.fields["city"], self.fields["procedure"]
        assert isinstance(city, forms.ChoiceField) and isinstance(procedure, forms.ChoiceField)
        city.choices = [("", "Any city"), *((c, c) for c in cities)]
        procedure.choices = [("", "Any procedure"), *procedure_list_published().values_list("slug", "name")]


class PageCursorForm(forms.Form):
    """The cursor of a clinic's or practitioner's review list."""

    cursor = forms.CharField(required=False, max_length=400)


class SuggestionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "List it"), ("decline", "Decline")])
    reason = forms.CharField(required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
