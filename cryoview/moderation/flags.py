"""Automatic flags for the moderation queue: pure functions of text and a few numbers, with reasons.

Flags never decide anything; they tell the moderator where to look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]*\.(?:com|net|org|ru|info|io|me|ly|biz|shop|site|online|clinic)\b",
    re.IGNORECASE,
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<![\w.])\+?\d(?:[\s().-]{0,2}\d){8,14}(?!\w)")
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
NEW_ACCOUNT_DAYS = 3
BURST_SUBMISSIONS = 3  # within 24 hours


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str


def _quote(match: str) -> str:
    return f"“{match[:60]}”"


def text_flags(text: str, *, where: str) -> list[Flag]:
    """Links, e-mail addresses, phone numbers and medical-claim phrases in one piece of text."""
    flags: list[Flag] = []
    if found := LINK.findall(text):
        flags.append(Flag("link", f"link in the {where}: {', '.join(_quote(m) for m in found[:3])}"))
    if found := EMAIL.findall(text):
        flags.append(Flag("email", f"e-mail address in the {where}: {', '.join(_quote(m) for m in found[:3])}"))
    if found := [m.group(0) for m in PHONE.finditer(text)]:
        flags.append(Flag("phone", f"phone number in the {where}: {', '.join(_quote(m) for m in found[:3])}"))
    lowered = text.lower()
    claims = [phrase for phrase in CLAIM_PHRASES if phrase in lowered]
    if claims:
        flags.append(
            Flag("medical_claim", f"medical-claim phrase in the {where}: {', '.join(_quote(c) for c in claims)}")
        )
    return flags


def author_flags(*, account_age_days: float, submissions_last_day: int) -> list[Flag]:
    flags = []
    if account_age_days < NEW_ACCOUNT_DAYS:
        hours = int(account_age_days * 24)
        flags.append(Flag("new_account", f"brand-new account: created {hours} hours ago"))
    if submissions_last_day >= BURST_SUBMISSIONS:
        flags.append(Flag("burst", f"many submissions in a short time: {submissions_last_day} in the last 24 hours"))
    return flags
