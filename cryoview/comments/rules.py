"""The spam and hold rules, as pure functions of the submission and the moderators' settings.

Spam (never shown, kept in the spam folder): a block-list word, a filled honeypot, a form sent faster than
a person can write. Held (a moderator decides): a hold-list word, too many links, the same text in other
threads within the hour, an author never approved before. Otherwise the comment appears at once.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

LINK = re.compile(r"(?:https?://|www\.)\S", re.IGNORECASE)


@dataclass(frozen=True)
class Submission:
    text: str
    name: str = ""
    email: str = ""
    from_form: bool = False  # the page's form (honeypot and time stamp apply); the API has neither
    honeypot: str = ""
    seconds_on_form: float | None = None  # None on a form: the stamp was missing or forged
    known_author: bool = False  # approved before, or a moderator
    same_text_elsewhere: int = 0  # other threads with the same text in the last hour


@dataclass(frozen=True)
class RuleSet:
    hold_words: tuple[str, ...] = ()
    block_words: tuple[str, ...] = ()
    max_links: int = 2
    min_seconds: float = 3


@dataclass(frozen=True)
class Verdict:
    status: Literal["approved", "held", "spam"]
    reasons: tuple[str, ...] = ()


def parse_word_list(text: str) -> tuple[str, ...]:
    """One entry per line; blank lines and surrounding spaces ignored; duplicates (any case) dropped."""
    seen: dict[str, str] = {}
    for line in text.splitlines():
        entry = line.strip()
        if entry and entry.casefold() not in seen:
            seen[entry.casefold()] = entry
    return tuple(seen.values())


def find_words(words: tuple[str, ...], *texts: str) -> list[str]:
    """The entries found as whole words or phrases, ignoring case ("ass" does not match "class")."""
    haystack = "\n".join(texts)
    return [
        word
        for word in words
        if re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", haystack, re.IGNORECASE | re.UNICODE)
    ]


def count_links(text: str) -> int:
    return len(LINK.findall(text))


def fingerprint(text: str) -> str:
    """Equal for texts that differ only in case, spacing or Unicode form: catches copy-paste across threads."""
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return hashlib.sha256(folded.encode()).hexdigest()


def _spam_reasons(submission: Submission, rules: RuleSet) -> list[str]:
    reasons = [
        f"block list: “{word}”"
        for word in find_words(rules.block_words, submission.text, submission.name, submission.email)
    ]
    if submission.from_form:
        if submission.honeypot.strip():
            reasons.append("the hidden field that people never see was filled in")
        if submission.seconds_on_form is None:
            reasons.append("the form's time stamp was missing or altered")
        elif submission.seconds_on_form < rules.min_seconds:
            reasons.append(
                f"sent {submission.seconds_on_form:.1f} s after the form was shown "
                f"(under {rules.min_seconds:g} s: faster than a person writes)"
            )
    return reasons


def _hold_reasons(submission: Submission, rules: RuleSet) -> list[str]:
    reasons = [f"hold list: “{word}”" for word in find_words(rules.hold_words, submission.text, submission.name)]
    links = count_links(submission.text)
    if links > rules.max_links:
        reasons.append(f"{links} links (more than {rules.max_links})")
    if submission.same_text_elsewhere:
        threads = submission.same_text_elsewhere
        reasons.append(f"the same text was posted in {threads} other thread{'s' if threads > 1 else ''} this hour")
    if not submission.known_author:
        reasons.append("first comment: the author has no approved comment yet")
    return reasons


def judge(submission: Submission, rules: RuleSet) -> Verdict:
    """Spam if any spam rule matches, else held if any hold rule matches, else approved."""
    spam = _spam_reasons(submission, rules)
    if spam:
        return Verdict("spam", tuple(spam))
    held = _hold_reasons(submission, rules)
    if held:
        return Verdict("held", tuple(held))
    return Verdict("approved")
