"""The house vocabulary: one word for each thing in pages and e-mails.

"Sign in" / "sign out" / "signed in" (never "log in", "login", "logged in", "log out"), and "e-mail" (never
"email") in text people read. Code identifiers, URLs, field names of the API and placeholders such as
`%(email)s` or `{{ email }}` are not text people read and are left alone.

django-allauth writes "email" and "Sign In" in its pages, form labels, messages and e-mails; every such string
is translatable, so `manage.py vocabulary_catalog` writes an English catalog (cryoview/locale/en) that gives
them in the house words. tests/test_vocabulary.py scans every template, every Python string, the scripts
and allauth's strings as they come out, so no other variant can come back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# Placeholders, markup and addresses that carry the words as names: %(email)s, {email}, {{ email }}, <...>, URLs,
# and names of code quoted in backticks (an API field: `emails`).
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{.*?\}\}|\{\w*\}|<[^>]*>|\bhttps?://\S+|`\w+`")
FORBIDDEN = {
    "email": re.compile(r"\bemails?\b", re.IGNORECASE),
    "log in": re.compile(r"\blog(?:ged|ging|s)?[ -]?(?:in(?:to)?|on|out)\b|\blog(?:in|out)s?\b", re.IGNORECASE),
}
# What the house says instead, in order (longer phrases first); each keeps the case of the first letter.
_REPLACEMENTS = [
    (re.compile(r"^(L)og ?in$", re.IGNORECASE), "ign in"),  # a button or a heading alone
    (re.compile(r"\b(l)ogged[ -]?in\b", re.IGNORECASE), "igned in"),
    (re.compile(r"\b(l)ogged[ -]?out\b", re.IGNORECASE), "igned out"),
    (re.compile(r"\b(l)ogging[ -]?in\b", re.IGNORECASE), "igning in"),
    (re.compile(r"\b(l)og[ -]?into\b", re.IGNORECASE), "ign in to"),
    (re.compile(r"(?<=\bto )(l)og[ -]?in\b", re.IGNORECASE), "ign in"),  # the verb
    (re.compile(r"\b(l)og in\b", re.IGNORECASE), "ign in"),
    (re.compile(r"\b(l)ogin\b", re.IGNORECASE), "ign-in"),  # the noun: "last sign-in"
    (re.compile(r"\b(l)og[ -]?out\b", re.IGNORECASE), "ign out"),
    (re.compile(r"\b(e)mail(s?)\b", re.IGNORECASE), "-mail"),
]
_BUTTON = re.compile(r"^(Sign) (In|Out|Up)$")


def forbidden_in(text: str) -> list[str]:
    """The forbidden variants in `text` (people's words only: placeholders and markup are skipped)."""
    words = PLACEHOLDER.sub(" ", text)
    return [match.group(0) for pattern in FORBIDDEN.values() for match in pattern.finditer(words)]


def _swap(match: re.Match[str], tail: str) -> str:
    first = "S" if match.group(1).isupper() else "s"
    if tail == "-mail":
        first = "E" if match.group(1).isupper() else "e"
        return f"{first}-mail{match.group(2)}"
    return first + tail


def house_words(text: str) -> str:
    """`text` in the house vocabulary, placeholders untouched ("Email" → "E-mail", "Log In" → "Sign in")."""
    parts = re.split(f"({PLACEHOLDER.pattern})", text)
    out = []
    for index, part in enumerate(parts):
        if index % 2:  # a placeholder
            out.append(part)
            continue
        for pattern, tail in _REPLACEMENTS:
            part = pattern.sub(lambda m, t=tail: _swap(m, t), part)
        part = _BUTTON.sub(lambda m: f"{m.group(1)} {m.group(2).lower()}", part)
        out.append(part)
    return "".join(out)


@dataclass(frozen=True)
class PoEntry:
    context: str | None
    msgid: str
    plural: str | None


def _unquote(lines: list[str]) -> str:
    text = "".join(line.strip()[1:-1] for line in lines)
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)


def read_po(path: Path) -> list[PoEntry]:
    """The source strings of a gettext catalog (its msgctxt, msgid and msgid_plural), header excluded."""
    entries: list[PoEntry] = []
    fields: dict[str, list[str]] = {}
    current = ""

    def flush() -> None:
        if "msgid" in fields:
            msgid = _unquote(fields["msgid"])
            if msgid:
                context = _unquote(fields["msgctxt"]) if "msgctxt" in fields else None
                plural = _unquote(fields["msgid_plural"]) if "msgid_plural" in fields else None
                entries.append(PoEntry(context, msgid, plural))
        fields.clear()

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            if line.startswith("#~"):
                continue
            if not line and fields:
                flush()
            continue
        keyword = line.split(" ", 1)[0]
        if keyword in ("msgctxt", "msgid", "msgid_plural") or keyword.startswith("msgstr"):
            if keyword == "msgctxt" or (keyword == "msgid" and "msgstr" in fields):
                flush()
            current = "msgstr" if keyword.startswith("msgstr") else keyword
            fields.setdefault(current, [])
            if current != "msgstr":
                fields[current].append(line[len(keyword) :].strip())
        elif line.startswith('"') and current != "msgstr":
            fields[current].append(line)
    flush()
    return entries


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    if len(lines) == 1:
        return f'"{escaped}"'
    pieces = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return '""\n' + "\n".join(f'"{piece}"' for piece in pieces)


def catalog_text(entries: list[PoEntry]) -> str:
    """An English .po giving every entry whose words differ from the house's in the house words."""
    out = [
        "# The house vocabulary for django-allauth's strings: written by `manage.py vocabulary_catalog`.",
        'msgid ""',
        'msgstr ""',
        '"Project-Id-Version: cryoview\\n"',
        '"PO-Revision-Date: 2026-12-02 00:00+0000\\n"',
        '"Last-Translator: Cryoview <no-reply@localhost>\\n"',
        '"Language-Team: Cryoview <no-reply@localhost>\\n"',
        '"MIME-Version: 1.0\\n"',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Content-Transfer-Encoding: 8bit\\n"',
        '"Language: en\\n"',
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
        "",
    ]
    seen: set[tuple[str | None, str]] = set()
    for entry in entries:
        key = (entry.context, entry.msgid)
        changed = house_words(entry.msgid) != entry.msgid or (
            entry.plural is not None and house_words(entry.plural) != entry.plural
        )
        if key in seen or not changed:
            continue
        seen.add(key)
        if entry.context is not None:
            out.append(f"msgctxt {_quote(entry.context)}")
        out.append(f"msgid {_quote(entry.msgid)}")
        if entry.plural is None:
            out.append(f"msgstr {_quote(house_words(entry.msgid))}")
        else:
            out.append(f"msgid_plural {_quote(entry.plural)}")
            out.append(f"msgstr[0] {_quote(house_words(entry.msgid))}")
            out.append(f"msgstr[1] {_quote(house_words(entry.plural))}")
        out.append("")
    return "\n".join(out)
