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


FACE_AREAS = {"face", "eye-area", "lips"}


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
        label="On what date would you have it? (optional)",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="We use it only to tell the season where you live: some procedures are best avoided in certain "
        "seasons. Leave it empty to check for today. It is not a booking.",
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
        self.fields["on"].widget.attrs["aria-describedby"] = "id_on_help"
        if "face" in rules.areas and set(rules.areas) <= FACE_AREAS:
            # A face procedure is done on the face: start with it ticked rather than let an empty answer hide
            # the face's own precautions.
            self.fields["areas"].initial = ["face"]
        if not rules.asks_about_growths:
            del self.fields["lesion_confirmed_benign"]
        if not rules.limits:
            del self.fields["goal"]  # only "nothing in particular" would be left: not a question
        for name in ("conditions", "areas"):
            if not self.fields[name].choices:  # type: ignore[attr-defined]
                del self.fields[name]  # a question with no options is not asked

    def raw_answers(self) -> RawAnswers:
        data = self.cleaned_data
        lesion = {"yes": True, "no": False}.get(data.get("lesion_confirmed_benign") or "")
        return RawAnswers(
            conditions=list(data.get("conditions") or []),
            areas=list(data.get("areas") or []),
            goal=data.get("goal") or None,
            lesion_confirmed_benign=lesion,
            setting=data["setting"],
            on=data.get("on"),
            hemisphere=data["hemisphere"],
        )
