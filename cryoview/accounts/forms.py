from __future__ import annotations

from django import forms
from django.http import HttpRequest

from cryoview.accounts.models import User
from cryoview.accounts.services import user_update_profile


class SignupExtraForm(forms.Form):
    """Added to allauth's sign-up form: the name shown on reviews and comments (never the e-mail)."""

    display_name = forms.CharField(
        max_length=60,
        required=False,
        label="Display name",
        help_text="Shown on your reviews and comments. Leave empty to use the part of your e-mail before @.",
    )

    def signup(self, request: HttpRequest, user: User) -> None:
        user_update_profile(user=user, display_name=self.cleaned_data.get("display_name", ""))


class ProfileForm(forms.Form):
    display_name = forms.CharField(max_length=60, required=False, label="Display name")


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=80, label="Token name", help_text="What will use it, e.g. “my upload script”.")
