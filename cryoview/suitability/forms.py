from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from cryoview.procedures.models import AREA_LABELS
from cryoview.suitability.engine import Hemisphere, ProcedureRules, Setting
from cryoview.suitability.services import RawAnswers

LESION_CHOICES = [
    ("yes", "Yes — a doctor examined it and said it is benign (not cancer)"),
    ("no", "No, or the doctor was not sure"),
    ("unsure", "I don't know"),
]
SETTING_CHOICES = [
    (Setting.CLINIC.value, "In a clinic or salon, by a professional"),
    (Setting.HOME.value, "At home, by myself or someone without medical training"),
]
HEMISPHERE_CHOICES = [
    (Hemisphere.NORTH.value, "Northern hemisphere (Europe, North America, most of Asia)"),
    (Hemisphere.SOUTH.value, "Southern hemisphere (Australia, South America, southern Africa)"),
]


def goal_label(goal: str) -> str:
    return {"deep-wrinkles": "Getting rid of deep wrinkles"}.get(goal, goal.replace("-", " ").capitalize())


class SuitabilityForm(forms.Form):
    """Plain-language questions; the choices come from the guide's own data."""

    conditions = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Do you have any of these? Tick all that apply.",
    )
    areas = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Where on your body would it be done?"
    )
    goal = forms.ChoiceField(required=False, widget=forms.RadioSelect, label="What do you hope it will do?")
    lesion_confirmed_benign = forms.ChoiceField(
        required=False,
        widget=forms.RadioSelect,
        choices=LESION_CHOICES,
        label="Has a doctor examined the growth and said it is benign (not cancer)?",
    )
    setting = forms.ChoiceField(
        widget=forms.RadioSelect,
        choices=SETTING_CHOICES,
        initial=Setting.CLINIC.value,
        label="Where would it be done?",
    )
    on = forms.DateField(
        required=False,
        label="When would you have it?",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for today. The season matters for some procedures.",
    )
    hemisphere = forms.ChoiceField(
        widget=forms.RadioSelect,
        choices=HEMISPHERE_CHOICES,
        initial=Hemisphere.NORTH.value,
        label="Where do you live?",
    )

    def __init__(self, *args: Any, rules: ProcedureRules, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rules = rules
        seen: dict[str, str] = {}
        for rule in (*rules.contraindications, *rules.cautions):
            seen.setdefault(rule.slug, rule.plain_name)
        self.fields["conditions"].choices = list(seen.items())  # type: ignore[attr-defined]
        self.fields["areas"].choices = [(a, AREA_LABELS.get(a, a)) for a in rules.areas]  # type: ignore[attr-defined]
        self.fields["goal"].choices = [("", "Nothing in particular / a fresher look")] + [  # type: ignore[attr-defined]
            (g.goal, goal_label(g.goal)) for g in rules.limits
        ]
        self.fields["on"].initial = timezone.localdate()
        if not rules.asks_about_growths:
            del self.fields["lesion_confirmed_benign"]

    def raw_answers(self) -> RawAnswers:
        data = self.cleaned_data
        lesion = {"yes": True, "no": False}.get(data.get("lesion_confirmed_benign") or "")
        return RawAnswers(
            conditions=list(data["conditions"]),
            areas=list(data["areas"]),
            goal=data.get("goal") or None,
            lesion_confirmed_benign=lesion,
            setting=data["setting"],
            on=data.get("on"),
            hemisphere=data["hemisphere"],
        )
