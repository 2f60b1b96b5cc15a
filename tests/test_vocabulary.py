"""One vocabulary across pages and e-mails: "Sign in" (never "Log in"), "e-mail" (never "email") in text people
read. Scans every template (pages, e-mails, allauth overrides), every Python string, the scripts, the guides, and
django-allauth's own strings as the site shows them; and no doubled full stop after an initial."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

from cryoview.core.management.commands.vocabulary_catalog import CATALOG, allauth_source_strings
from cryoview.core.vocabulary import catalog_text, forbidden_in, house_words, read_po

ROOT = Path(__file__).resolve().parent.parent
CODE = [ROOT / "cryoview", ROOT / "config"]
# The module that names the forbidden words, and the text flags' patterns (they find e-mail addresses).
NOT_TEXT = {ROOT / "cryoview" / "core" / "vocabulary.py"}
HUMAN_ATTRIBUTES = re.compile(r'\b(?:aria-label|title|alt|placeholder)="([^"]*)"')


def _templates() -> list[Path]:
    return sorted(p for p in (ROOT / "cryoview").rglob("templates/**/*") if p.suffix in (".html", ".txt"))


def template_words(source: str) -> str:
    """What people read of a template: its text and human attributes; no tags, variables or code."""
    source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", " ", source, flags=re.S)
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    source = re.sub(r"{%.*?%}|{{.*?}}", " ", source, flags=re.S)
    attributes = " ".join(HUMAN_ATTRIBUTES.findall(source))
    return re.sub(r"<[^>]*>", " ", source) + " " + attributes


def python_strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module that read as words (with a space), docstrings excluded."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    found = []
    for node in ast.walk(tree):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value.strip()
        if is_text and id(node) not in docstrings:
            found.append((node.lineno, node.value))
    return found


def test_the_scanners_find_what_they_must():
    assert forbidden_in("Log in with your email") == ["email", "Log in"]
    assert forbidden_in("We sent an e-mail to %(email)s; sign in at {{ email_url }}.") == []
    assert forbidden_in("Go to http://testserver/accounts/confirm-email/Mg:1x/ to confirm.") == [], "URLs are code"
    assert forbidden_in("send `count` or `emails`") == [], "a field's name in backticks is code"
    assert forbidden_in("send the emails") == ["emails"]
    assert template_words('<a aria-label="Email us" href="{% url \'account_email\' %}">{{ email }}</a>').split() == [
        "Email",
        "us",
    ]
    assert house_words("Email (optional)") == "E-mail (optional)"
    assert house_words("Too many failed login attempts.") == "Too many failed sign-in attempts."
    assert (
        house_words("You are already logged in as %(user_display)s.")
        == "You are already signed in as %(user_display)s."
    )
    assert house_words("Sign In") == "Sign in"


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_use_the_house_words(path):
    assert forbidden_in(template_words(path.read_text(encoding="utf-8"))) == []


def test_python_strings_use_the_house_words():
    problems = []
    for folder in CODE:
        for path in sorted(folder.rglob("*.py")):
            if path in NOT_TEXT or "tests" in path.parts or "migrations" in path.parts:
                continue
            problems += [
                f"{path.relative_to(ROOT)}:{line}: {text!r}"
                for line, text in python_strings(path)
                if forbidden_in(text)
            ]
    assert problems == []


def test_scripts_and_guides_use_the_house_words():
    sources = [*(ROOT / "cryoview" / "static" / "js").rglob("*.js"), *(ROOT / "content").rglob("*.yaml")]
    problems = []
    for path in sources:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            text = line
            if path.suffix == ".js":  # the strings of a script; its identifiers are code
                text = " ".join("".join(group) for group in re.findall(r'"([^"]*)"|\'([^\']*)\'|`([^`]*)`', line))
            if forbidden_in(text):
                problems.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert problems == []


def test_allauths_strings_come_out_in_the_house_words():
    """Every string allauth translates (pages, labels, messages, e-mails), as the English site shows it."""
    entries = allauth_source_strings()
    assert len(entries) > 300, "allauth's catalogs were read"
    problems = []
    with translation.override("en"):
        for entry in entries:
            if entry.context is not None:
                shown = translation.pgettext(entry.context, entry.msgid)
            elif entry.plural is not None:
                shown = translation.ngettext(entry.msgid, entry.plural, 2) + translation.ngettext(
                    entry.msgid, entry.plural, 1
                )
            else:
                shown = translation.gettext(entry.msgid)
            if forbidden_in(shown):
                problems.append(shown)
    assert problems == [], "run `manage.py vocabulary_catalog` after upgrading django-allauth"


def test_the_catalog_is_the_one_the_command_writes():
    assert CATALOG.read_text(encoding="utf-8") == catalog_text(allauth_source_strings())
    # The compiled catalog is the one Django reads: it must hold exactly the .po's translated messages (a clone
    # gives both files the same time stamp, so compare contents, not times).
    with CATALOG.with_suffix(".mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    for entry in read_po(CATALOG):
        key = entry.msgid if entry.context is None else f"{entry.context}\x04{entry.msgid}"
        if entry.plural is None:
            assert key in catalog, f"{entry.msgid!r} is in the .po but not in the .mo: run manage.py vocabulary_catalog"


def test_the_rendered_pages_use_the_house_words(client, guides):
    for path in ("/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/status/"):
        html = client.get(path).text
        main = html[html.index("<body") :]
        assert forbidden_in(template_words(main)) == [], path


# --- no doubled full stop after initials ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("J. Smith", "J. Smith."),
        ("Smith J.", "Smith J."),
        ("Acme Inc.", "Acme Inc."),
        ("Opened?", "Opened?"),
        ("", "."),
    ],
)
def test_a_sentence_ending_with_a_name_gets_one_full_stop(value, expected):
    rendered = Template("{% load words %}{{ value }}{{ value|sentence_end }}").render(Context({"value": value}))
    assert rendered == expected


def test_a_source_by_initials_and_a_member_named_with_initials_get_one_full_stop(client, guides, member):
    from cryoview.procedures.models import Source

    Source.objects.update(author="Oakley A.", publisher="", published="")
    member.display_name = "Anna K."
    member.save()
    html = client.get("/procedures/facial-cryomassage/").text
    assert "Oakley A." in html
    client.force_login(member)
    html += client.get("/procedures/facial-cryomassage/").text
    assert "Commenting as <strong>Anna K.</strong>" in html
    text = re.sub(r"<[^>]*>", "", html)
    assert re.findall(r"\b\w\.\.(?!\.)", text) == []


# --- e-mails name the site ---------------------------------------------------------------------------------------


def test_allauths_e_mails_greet_with_the_sites_name_never_the_host(client, member):
    from django.core import mail

    from conftest import email_naming_problems

    client.post(
        "/accounts/signup/",
        {"email": "anna@example.org", "password1": "a long Pass phrase 1", "password2": "a long Pass phrase 1"},
    )
    client.post("/accounts/password/reset/", {"email": member.email})
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert message.subject.startswith("[Cryoview] ")
        assert message.body.startswith("Hello from Cryoview!")
        assert "testserver" not in message.subject + message.body.splitlines()[0]
        assert forbidden_in(message.subject + message.body) == []
    confirm, reset = mail.outbox
    assert confirm.subject == "[Cryoview] Please Confirm Your E-mail Address"
    assert "Thank you for using Cryoview!" in reset.body
    assert email_naming_problems(mail.outbox) == []


def test_the_check_on_every_e_mail_catches_a_host_in_a_greeting():
    from django.core.mail import EmailMessage

    from conftest import email_naming_problems

    bad = EmailMessage(subject="[Cryoview] Hi", body="Hello from 127.0.0.1:8000!\n\nText")
    no_name = EmailMessage(subject="Hello from testserver", body="Hello Anna,")
    good = EmailMessage(subject="[Cryoview] Anna replied to your comment", body="Hello anna.smith,\n")
    assert email_naming_problems([good]) == []
    assert len(email_naming_problems([bad])) == 1
    assert len(email_naming_problems([no_name])) == 2
