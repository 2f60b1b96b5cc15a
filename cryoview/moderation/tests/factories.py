"""Reporters of every kind the hiding rule tells apart."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from cryoview.accounts.models import User
from cryoview.accounts.tests.factories import UserFactory


def reporter(email: str, *, days_old: int = 30, verified: bool = True) -> User:
    """A member who signed up `days_old` days ago, with a verified (or unverified) e-mail address."""
    user = UserFactory(email=email)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_old))
    user.refresh_from_db()
    return user


def established(n: int, prefix: str = "established") -> list[User]:
    return [reporter(f"{prefix}{i}@example.org") for i in range(n)]
