"""Automatic flags for moderators: pure functions of text and a few numbers, with reasons.

Flags never decide anything; they tell the moderator where to look. They are computed once, when the text is
submitted or edited, and stored with it; the queue only reads them.

Every pattern runs in time linear in the text, because anyone can submit 10,000 crafted characters: a match may
start only where a run of its characters starts (a negative lookbehind), and each run is eaten by a possessive
quantifier that never gives characters back. So no position is scanned twice by a failing attempt, and there is
no nested or overlapping quantifier to backtrack through (tests/test_flags runs every pattern on adversarial
inputs of 20,000 characters).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

TLDS = "com|net|org|ru|info|io|me|ly|biz|shop|site|online|clinic"
URL = re.compile(r"(?:https?://|www\.)\S++", re.IGNORECASE)
# A bare domain: the run of domain characters must start here (nothing of the run before it), so the
# possessive `[a-z0-9-]*+` reads each run once; leading hyphens are part of the run and trimmed afterwards.
DOMAIN = re.compile(rf"(?<![a-z0-9-])-*+[a-z0-9][a-z0-9-]*+\.(?:{TLDS})(?![a-z0-9-])", re.IGNORECASE)
# local@domain: the local part starts where a run of local-part characters starts, and the domain is one run
# of letters, digits, dots and hyphens checked for a dot afterwards.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++\.[\w.-]*+")
# A phone number: a digit (or +) where a run of digits and separators starts; the run is taken whole and
# checked in Python (at most two separators between digits, 9-15 digits).
PHONE_RUN = re.compile(r"(?<![\w.+])\+?+\d[\d\s().+-]*+")
PHONE_GAP = re.compile(r"[\s().+-]{3,}+")
PHONE_DIGITS = (9, 15)
CLAIM_PHRASES = (
    "cured for good",
    "cured forever",
    "100%",
    "100 %",
    "no side effects at all",
    "zero side effects",
    "completely safe",
    "absolutely safe",
    "totally safe",
    "guaranteed",
    "miracle",
    "no risk",
    "works for everyone",
    "never comes back",
)
PATTERNS = {"url": URL, "domain": DOMAIN, "email": EMAIL, "phone_run": PHONE_RUN, "phone_gap": PHONE_GAP}
NEW_ACCOUNT_DAYS = 3
BURST_SUBMISSIONS = 3  # within 24 hours


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: Any) -> Flag:
        return cls(code=str(value.get("code", "")), reason=str(value.get("reason", "")))


def flags_from_json(values: Any) -> list[Flag]:
    """Stored flags (a JSON list) back as Flags; anything else stored there reads as no flags."""
    return [Flag.from_json(v) for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _quote(match: str) -> str:
    return f"“{match[:60]}”"


def _links(text: str) -> list[str]:
    found = [m.group(0) for m in URL.finditer(text)]
    found += [m.group(0).lstrip("-") for m in DOMAIN.finditer(text)]
    return found


def _emails(text: str) -> list[str]:
    found = []
    for match in EMAIL.finditer(text):
        address = match.group(0).rstrip(".-")
        if "." in address.partition("@")[2]:
            found.append(address)
    return found


def _phones(text: str) -> list[str]:
    found = []
    for run in PHONE_RUN.finditer(text):
        end = run.end()
        if run.group(0)[-1].isdigit() and end < len(text) and (text[end].isalnum() or text[end] == "_"):
            continue  # digits running into a word: a code or a reference, not a number to call
        for piece in PHONE_GAP.split(run.group(0)):
            piece = piece.strip(" \t\r\n.-(")
            digits = sum(ch.isdigit() for ch in piece)
            if PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
                found.append(piece)
    return found


def text_flags(text: str, *, where: str) -> list[Flag]:
    """Links, e-mail addresses, phone numbers and medical-claim phrases in one piece of text."""
    flags: list[Flag] = []
    if found := _links(text):
        flags.append(Flag("link", f"link in the {where}: {', '.join(_quote(m) for m in found[:3])}"))
    if found := _emails(text):
        flags.append(Flag("email", f"e-mail address in the {where}: {', '.join(_quote(m) for m in found[:3])}"))
    if found := _phones(text):
        flags.append(Flag("phone", f"phone number in the {where}: {', '.join(_quote(m) for m in found[:3])}"))
    lowered = text.lower()
    claims = [phrase for phrase in CLAIM_PHRASES if phrase in lowered]
    if claims:
        flags.append(
            Flag("medical_claim", f"medical-claim phrase in the {where}: {', '.join(_quote(c) for c in claims)}")
        )
    return flags


def fields_flags(fields: dict[str, str]) -> list[Flag]:
    """text_flags of several named fields, in order (e.g. {"title": …, "text": …})."""
    return [flag for where, text in fields.items() for flag in text_flags(text or "", where=where)]


def author_flags(*, account_age_days: float, submissions_last_day: int) -> list[Flag]:
    flags = []
    if account_age_days < NEW_ACCOUNT_DAYS:
        hours = int(account_age_days * 24)
        flags.append(Flag("new_account", f"brand-new account: created {hours} hours ago"))
    if submissions_last_day >= BURST_SUBMISSIONS:
        flags.append(Flag("burst", f"many submissions in a short time: {submissions_last_day} in the last 24 hours"))
    return flags
