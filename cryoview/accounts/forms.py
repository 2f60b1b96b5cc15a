from __future__ import annotations

from typing import Any

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
    notify_review_comments = forms.BooleanField(
        required=False,
        label="E-mail me when someone comments under my reviews",
        help_text="Once a moderator has approved the comment. Each e-mail has a one-click unsubscribe link.",
    )


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=80, label="Token name", help_text="What will use it, e.g. “my upload script”.")


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}), label="Your password"
    )
    confirm = forms.BooleanField(label="I understand that my reviews and videos are deleted and cannot be restored")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = str(self.cleaned_data.get("password", ""))
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password.")
        return password
