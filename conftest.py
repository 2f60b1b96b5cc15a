"""Persona fixtures shared by every app's tests (DESIGN.md, "Tests")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from cryoview.accounts.enums import Role
from cryoview.accounts.models import User
from cryoview.accounts.services import user_set_role
from cryoview.accounts.tests.factories import UserFactory

CONTENT_DIR = Path(__file__).resolve().parent / "content"

# Generated-input tests: no example database in the work tree, and no per-example deadline (a request against
# the database takes longer than hypothesis's 200 ms default on a busy CI machine; the example counts bound it).
hypothesis_settings.register_profile("cryoview", database=None, deadline=None, print_blob=True)
hypothesis_settings.load_profile("cryoview")


@pytest.fixture
def visitor() -> None:
    """Someone without an account: tests use the anonymous client."""
    return None


def _with_role(role: Role, email: str) -> User:
    """A persona is a person who signed up and verified their e-mail address."""
    from allauth.account.models import EmailAddress

    user = UserFactory(email=email)
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user_set_role(user=user, role=role)


@pytest.fixture
def member(db) -> User:
    return _with_role(Role.MEMBER, "member@example.org")


@pytest.fixture
def other_member(db) -> User:
    return _with_role(Role.MEMBER, "other@example.org")


@pytest.fixture
def moderator(db) -> User:
    return _with_role(Role.MODERATOR, "moderator@example.org")


@pytest.fixture
def editor(db) -> User:
    return _with_role(Role.EDITOR, "editor@example.org")


@pytest.fixture
def clinic_staff(db) -> User:
    """Approved staff of the clinic "Nordlicht Skin Clinic" (slug nordlicht-skin-clinic)."""
    from cryoview.clinics.tests.factories import make_clinic, make_staff

    user = _with_role(Role.MEMBER, "staff@clinic.example.org")
    make_staff(user, make_clinic("Nordlicht Skin Clinic"))
    return user


@pytest.fixture
def other_clinic_staff(db) -> User:
    """Approved staff of another clinic, "Frost & Co Cosmetics" in Hamburg (slug frost-co-cosmetics)."""
    from cryoview.clinics.tests.factories import make_clinic, make_staff

    user = _with_role(Role.MEMBER, "staff@other-clinic.example.org")
    make_staff(user, make_clinic("Frost & Co Cosmetics", city="Hamburg"))
    return user


@pytest.fixture
def guides(db):
    """The real guides from content/, imported through the real importer."""
    from cryoview.procedures.importer import guides_import

    return guides_import(folder=CONTENT_DIR)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none (and with no kept fragments)."""
    clear_caches()
    yield
    clear_caches()


# A host where a name belongs: "127.0.0.1:8000", "localhost", "testserver" (the test client's host).
HOST_LIKE = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b|\blocalhost\b|\btestserver\b|\b[\w.-]+:\d{2,5}\b")


def email_naming_problems(messages: list) -> list[str]:
    """Every e-mail names the site Cryoview in its subject, and no host in its subject or greeting."""
    problems = []
    for message in messages:
        greeting = next((line for line in message.body.splitlines() if line.strip()), "")
        if not message.subject.startswith("[Cryoview] "):
            problems.append(f"subject without the site's name: {message.subject!r}")
        for where, text in (("subject", message.subject), ("greeting", greeting)):
            if HOST_LIKE.search(text):
                problems.append(f"a host in the {where}: {text!r}")
    return problems


@pytest.fixture(autouse=True)
def _emails_name_the_site(request):
    """Checked after every test of the suite: the e-mails its flow sent greet with the site's name."""
    yield
    from django.core import mail

    outbox = getattr(mail, "outbox", None)
    if outbox:
        problems = email_naming_problems(outbox)
        assert not problems, "; ".join(problems)


def clear_caches() -> None:
    """Every configured cache: the shared one (rate limits, visitors' pages, generations) and each process's
    fragments. What pagecache keeps per generation is unreachable afterwards (the generations start anew)."""
    from django.core.cache import caches

    for each in caches.all(initialized_only=False):
        each.clear()


pytest_plugins = ["cryoview.core.tests.objectstore", "cryoview.core.tests.redisserver"]
