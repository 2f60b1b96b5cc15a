"""The spam and hold rules as a table: each rule alone, then their order."""

from __future__ import annotations

from typing import Any

import pytest

from cryoview.comments.rules import (
    RuleSet,
    Submission,
    count_links,
    find_words,
    fingerprint,
    judge,
    parse_word_list,
)

RULES = RuleSet(hold_words=("dermatologist near me", "miracle"), block_words=("casino.example", "viagra"), max_links=2)
KNOWN: dict[str, Any] = {"known_author": True}
FORM: dict[str, Any] = {"from_form": True, "seconds_on_form": 30.0}


@pytest.mark.parametrize(
    ("submission", "status", "reason"),
    [
        (Submission("Thanks, that helped.", **KNOWN), "approved", None),
        (Submission("Thanks, that helped.", **KNOWN, **FORM), "approved", None),
        (Submission("Thanks, that helped."), "held", "first comment"),
        (Submission("A miracle cure!", **KNOWN), "held", "hold list: “miracle”"),
        (Submission("MIRACLE!", **KNOWN), "held", "hold list: “miracle”"),
        (Submission("Miracles happen", **KNOWN), "approved", None),
        (Submission("ask a Dermatologist  near me", **KNOWN), "approved", None),
        (Submission("ask a dermatologist near me", **KNOWN), "held", "hold list"),
        (Submission("https://a.example https://b.example", **KNOWN), "approved", None),
        (Submission("https://a.example http://b.example www.c.example", **KNOWN), "held", "3 links (more than 2)"),
        (Submission("Same text", same_text_elsewhere=1, **KNOWN), "held", "1 other thread this hour"),
        (Submission("Same text", same_text_elsewhere=3, **KNOWN), "held", "3 other threads"),
        (Submission("Cheap VIAGRA here", **KNOWN), "spam", "block list: “viagra”"),
        (Submission("hello", name="viagra seller", **KNOWN), "spam", "block list"),
        (Submission("hello", email="bot@casino.example", **KNOWN), "spam", "block list: “casino.example”"),
        (Submission("hello", honeypot="http://spam.example", **KNOWN, **FORM), "spam", "hidden field"),
        (Submission("hello", honeypot="   ", **KNOWN, **FORM), "approved", None),
        (Submission("hello", from_form=True, seconds_on_form=1.2, **KNOWN), "spam", "sent 1.2 s after"),
        (Submission("hello", from_form=True, seconds_on_form=None, **KNOWN), "spam", "time stamp was missing"),
        (Submission("hello", from_form=True, seconds_on_form=3.0, **KNOWN), "approved", None),
        # The API has no form: neither the honeypot nor the time applies there.
        (Submission("hello", honeypot="x", seconds_on_form=None, **KNOWN), "approved", None),
        # Spam wins over hold: a bot's first comment full of links goes to the spam folder.
        (Submission("viagra https://a https://b https://c", from_form=True, seconds_on_form=0.1), "spam", "viagra"),
    ],
)
def test_judge(submission, status, reason):
    verdict = judge(submission, RULES)
    assert verdict.status == status
    if reason is None:
        assert verdict.reasons == ()
    else:
        assert any(reason in r for r in verdict.reasons), verdict.reasons


def test_every_matching_rule_is_named():
    verdict = judge(Submission("miracle https://a https://b https://c", same_text_elsewhere=2), RULES)
    assert verdict.status == "held"
    assert len(verdict.reasons) == 4


def test_min_seconds_zero_turns_the_time_rule_off():
    rules = RuleSet(min_seconds=0)
    assert judge(Submission("hi", from_form=True, seconds_on_form=0.0, known_author=True), rules).status == "approved"


@pytest.mark.parametrize(
    ("words", "text", "found"),
    [
        (("ass",), "a class act", []),
        (("ass",), "what an ass.", ["ass"]),
        (("casino.example",), "see https://casino.example/x", ["casino.example"]),
        (("c++",), "I code C++ daily", ["c++"]),
        (("крем",), "этот Крем помог", ["крем"]),
        (("крем",), "кремы", []),
        ((), "anything", []),
    ],
)
def test_find_words_matches_whole_words_and_phrases(words, text, found):
    assert find_words(words, text) == found


@pytest.mark.parametrize(
    ("text", "links"),
    [("no links", 0), ("https://a.example", 1), ("WWW.a.example and http://b", 2), ("http:// alone", 0)],
)
def test_count_links(text, links):
    assert count_links(text) == links


def test_word_lists_ignore_blanks_spaces_and_repeats():
    assert parse_word_list("  Miracle \n\nmiracle\r\ncasino.example\n") == ("Miracle", "casino.example")


def test_fingerprint_sees_through_case_spacing_and_unicode_forms():
    assert fingerprint("Great  Clinic\n!") == fingerprint("great clinic !")
    assert fingerprint("cafe\u0301") == fingerprint("café")
    assert fingerprint("great clinic") != fingerprint("great clinics")
