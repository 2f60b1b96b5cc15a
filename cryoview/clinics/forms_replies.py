"""The right of reply's forms: the clinic's reply (and the reviewer's answer), and a moderator's decision."""

from __future__ import annotations

from django import forms

from cryoview.clinics.services.replies import MAX_BODY


class ReplyForm(forms.Form):
    """Plain text: shown exactly as written (line breaks kept), never as HTML."""

    body = forms.CharField(
        label="Your reply",
        max_length=MAX_BODY,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=f"Plain text, at most {MAX_BODY:,} characters. A moderator checks it before it appears; you can "
        "correct it for 15 minutes after sending (it is then checked again).",
    )

    def __init__(self, *args: object, label: str = "Your reply", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["body"].label = label


class ReplyDecisionForm(forms.Form):
    verdict = forms.ChoiceField(choices=[("accept", "Publish"), ("reject", "Reject")])
    reason = forms.CharField(required=False, max_length=2000)
    seen = forms.CharField(min_length=16, max_length=16, error_messages={"required": "missing"})
