from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from cryoview.core.errors import ApplicationError
from cryoview.core.markup import MARKUP_HELP
from cryoview.core.parsing import parse_month
from cryoview.core.validation import plain_text
from cryoview.reviews.enums import CONSENT_TEXT, WorthIt
from cryoview.reviews.extras import ExtraContext, ReviewExtra, ReviewWrite, review_extras
from cryoview.reviews.selectors import SideEffectChoice
from cryoview.reviews.services import MAX_BODY, MAX_FOLLOWUP, ReviewInput
from cryoview.videos.models import Video

CONSENT_MISSING = (
    "To send your review to a moderator, tick the box above to agree to its publication; "
    "if you are not ready, save it as a draft instead."
)
RATING_CHOICES = [(str(n), f"{n} of 5") for n in range(5, 0, -1)]


def no_control_characters(value: str) -> None:
    try:
        plain_text(value)
    except ValueError as error:
        raise ValidationError(f"This text {error}.") from None


class PlainCharField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators.append(no_control_characters)


class MonthField(forms.CharField):
    """<input type="month">: YYYY-MM, stored as the first day of that month."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def to_python(self, value: Any) -> date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return parse_month(text, field="treated_month")
        except ApplicationError as error:
            raise ValidationError(f"Enter the month as YYYY-MM, e.g. 2026-03: {error.problems[0].message}.") from None


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect, label="Your overall rating"
    )
    worth_it = forms.ChoiceField(choices=WorthIt.choices, widget=forms.RadioSelect, label="Was it worth it?")
    title = PlainCharField(max_length=120, label="Title", help_text="One line that sums up your experience.")
    body = PlainCharField(
        max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 8}), label="Your review", help_text=MARKUP_HELP
    )
    treated_month = MonthField(required=False, label="Month of treatment")
    sessions = forms.IntegerField(required=False, min_value=1, max_value=100, label="Number of sessions")
    cost_amount = forms.DecimalField(
        required=False, min_value=0, max_digits=10, decimal_places=2, label="What you paid in total"
    )
    cost_currency = PlainCharField(
        required=False, max_length=3, label="Currency", help_text="ISO code: EUR, USD, GBP, RUB…"
    )
    pain = forms.IntegerField(required=False, min_value=0, max_value=10, label="Pain, from 0 (none) to 10")
    downtime_days = forms.IntegerField(
        required=False, min_value=0, max_value=365, label="Days before you felt presentable again (downtime)"
    )
    side_effects = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Side effects you experienced"
    )
    side_effect_other = PlainCharField(required=False, max_length=200, label="Other side effect")
    city = PlainCharField(required=False, max_length=80, label="City")
    clinic_name = PlainCharField(required=False, max_length=120, label="Clinic", help_text="Name of the clinic.")
    video = forms.ChoiceField(required=False, label="Your video (optional)")
    consent = forms.BooleanField(required=False, label=CONSENT_TEXT)

    def __init__(
        self,
        *args: Any,
        side_effects: list[SideEffectChoice],
        videos: list[Video],
        extra_context: ExtraContext | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._add_extras(extra_context)
        field = self.fields["side_effects"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(choice.slug, choice.label) for choice in side_effects]
        self.side_effect_help = {choice.slug: choice.description for choice in side_effects}
        video_field = self.fields["video"]
        assert isinstance(video_field, forms.ChoiceField)
        video_field.choices = [("", "No video")] + [
            (
                str(v.pk),
                f"{v.original_name or 'Video'} · {v.created_at:%d %b %Y}"
                + ("" if v.is_ready else " (still processing)"),
            )
            for v in videos
        ]

    def _add_extras(self, context: ExtraContext | None) -> None:
        """The fields of the apps above that add to a review (reviews.extras); none without a context."""
        self.extra_context = context
        self.extras: list[tuple[ReviewExtra, list[str]]] = []
        self.extra_templates: list[str] = []
        self.extra_writes: list[ReviewWrite] = []
        if context is None:
            return
        for extra in review_extras():
            for name in extra.replaces:
                self.fields.pop(name, None)
            fields = extra.fields(context)
            self.fields.update(fields)
            self.extras.append((extra, list(fields)))
            self.extra_templates.append(extra.template)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.extra_context is None:
            return data
        for extra, names in self.extras:
            if any(name in self.errors for name in names):
                continue  # the field's own error says it already
            try:
                write = extra.clean(self.extra_context, {name: data.get(name) for name in names})
            except ValidationError as error:
                self.add_error(None, error)
                continue
            if write is not None:
                self.extra_writes.append(write)
        return data

    def clean_cost_currency(self) -> str:
        return str(self.cleaned_data.get("cost_currency") or "").strip().upper()

    def to_input(self) -> ReviewInput:
        data = self.cleaned_data
        return ReviewInput(
            rating=data["rating"],
            worth_it=data["worth_it"],
            title=data["title"],
            body=data["body"],
            sessions=data.get("sessions"),
            cost_amount=data.get("cost_amount"),
            cost_currency=data.get("cost_currency") or "",
            treated_month=data.get("treated_month"),
            city=data.get("city") or "",
            # An extra may take the free-text clinic's place in the form: the stored text then stays as it was.
            clinic_name=(data.get("clinic_name") if "clinic_name" in self.fields else self.initial.get("clinic_name"))
            or "",
            side_effects=list(data.get("side_effects") or []),
            side_effect_other=data.get("side_effect_other") or "",
            pain=data.get("pain"),
            downtime_days=data.get("downtime_days"),
            video_id=data.get("video") or None,
        )

    def add_problems(self, error: ApplicationError) -> None:
        """A service's field problems shown next to the fields they name."""
        names = {"video_id": "video"}
        for problem in error.problems:
            name = names.get(problem.field, problem.field)
            if name == "consent":
                # Read next to the box by itself (and by a screen reader from the box): a whole sentence.
                self.fields["consent"].widget.attrs.update(
                    {"aria-describedby": "id_consent-error", "aria-invalid": "true"}
                )
                self.add_error("consent", CONSENT_MISSING)
                continue
            self.add_error(name if name in self.fields else None, problem.message)
        if not error.problems:
            self.add_error(None, error.message)


def initial_from(data: ReviewInput) -> dict[str, Any]:
    initial = {name: getattr(data, name) for name in ReviewInput.__dataclass_fields__}
    initial["video"] = initial.pop("video_id") or ""
    if data.treated_month:
        initial["treated_month"] = data.treated_month.strftime("%Y-%m")
    initial["rating"] = str(data.rating)
    return initial


class FollowUpForm(forms.Form):
    body = PlainCharField(
        max_length=MAX_FOLLOWUP,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="What has happened since?",
        help_text="For example: results after three months, a side effect, a growth that came back.",
    )
    new_rating = forms.TypedChoiceField(
        choices=[("", "Keep my rating"), *RATING_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        label="Change your rating",
    )


class ReviewListForm(forms.Form):
    sort = forms.ChoiceField(
        required=False, choices=[("newest", "Newest"), ("highest", "Highest rated"), ("lowest", "Lowest rated")]
    )
    video = forms.BooleanField(required=False, label="With video only")
    rating = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=[("", "Any rating"), *RATING_CHOICES]
    )
    cursor = forms.CharField(required=False, max_length=400)
