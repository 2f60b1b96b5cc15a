"""Automatic flags: a table of texts and the flags they must (and must not) raise."""

from __future__ import annotations

import time

import pytest

from cryoview.core.flags import PATTERNS, author_flags, flags_from_json, text_flags

CASES = [
    ("My skin felt fresher after five sessions.", set()),
    ("Booked at https://clinic.example.org/offer", {"link"}),
    ("see www.cheap-nitrogen.shop", {"link"}),
    ("their site is frozenface.ru", {"link"}),
    ("write me: anna.k+promo@mail.example.com", {"email", "link"}),
    ("call +7 (912) 345-67-89 today", {"phone"}),
    ("WhatsApp 8 912 345 67 89", {"phone"}),
    ("It cost 15000 roubles for 10 sessions in 2025", set()),
    ("The wart was cured for good!", {"medical_claim"}),
    ("100% effective", {"medical_claim"}),
    ("No side effects at all, completely safe", {"medical_claim"}),
    ("Guaranteed results", {"medical_claim"}),
    ("I was 100 % happy, call 89123456789", {"medical_claim", "phone"}),
    ("", set()),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_text_flags(text, expected):
    flags = text_flags(text, where="text")
    assert {f.code for f in flags} == expected
    for flag in flags:
        assert "in the text" in flag.reason, "each flag says where it was found"


def test_a_flag_quotes_what_it_found():
    [flag] = text_flags("call +7 912 345 67 89", where="video transcript")
    assert "“+7 912 345 67 89”" in flag.reason and "video transcript" in flag.reason


@pytest.mark.parametrize(
    ("age_days", "submissions", "expected"),
    [
        (0.1, 1, {"new_account"}),
        (2.9, 0, {"new_account"}),
        (3.0, 2, set()),
        (400, 3, {"burst"}),
        (0.5, 5, {"new_account", "burst"}),
    ],
)
def test_author_flags(age_days, submissions, expected):
    assert {f.code for f in author_flags(account_age_days=age_days, submissions_last_day=submissions)} == expected


# --- cost: anyone can submit crafted text, and every pattern must stay linear in its length ----------------

ALPHABET = ("a", "Z", "1", ".", "-", "@", "+", " ", "(", "_", "/", ":", "é", "٣")
UNITS = sorted({a + b for a in ALPHABET for b in ALPHABET} | set(ALPHABET) | {"a.a@", "1 1-", "www.", "com.", "a-a."})
ADVERSARIAL_LENGTH = 20_000
BOUND_SECONDS = 0.25  # the quadratic patterns this replaced took 0.7-6 s on some of these inputs


def _adversarial(unit: str) -> str:
    return (unit * (ADVERSARIAL_LENGTH // len(unit) + 1))[:ADVERSARIAL_LENGTH]


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_pattern_is_linear_on_adversarial_inputs(name):
    pattern = PATTERNS[name]
    slowest = (0.0, "")
    for unit in UNITS:
        for text in (_adversarial(unit), "http://" + _adversarial(unit), _adversarial(unit) + "@x"):
            started = time.perf_counter()
            for _ in pattern.finditer(text):
                pass
            slowest = max(slowest, (time.perf_counter() - started, unit))
    assert slowest[0] < BOUND_SECONDS, f"{name} took {slowest[0]:.3f} s on repetitions of {slowest[1]!r}"
    assert len(UNITS) * 3 > 600, "the table of inputs really is large"


def test_all_flags_of_a_long_crafted_text_are_fast():
    slowest = (0.0, "")
    for unit in UNITS:
        started = time.perf_counter()
        text_flags(_adversarial(unit), where="text")
        slowest = max(slowest, (time.perf_counter() - started, unit))
    assert slowest[0] < BOUND_SECONDS * 2, f"text_flags took {slowest[0]:.3f} s on repetitions of {slowest[1]!r}"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("-cheap-nitrogen.shop", "cheap-nitrogen.shop"),
        ("mail ANNA@Example.COM.", "ANNA@Example.COM"),
        ("ref 123456789012abc", None),
        ("+7 912 345 67 89 or 8 (800) 555-35-35", "+7 912 345 67 89"),
    ],
)
def test_edges_of_the_linear_patterns(text, found):
    reasons = " ".join(flag.reason for flag in text_flags(text, where="text"))
    if found is None:
        assert reasons == ""
    else:
        assert f"“{found}”" in reasons


def test_stored_flags_round_trip():
    flags = text_flags("call +7 912 345 67 89, see frozenface.ru", where="text")
    assert flags_from_json([f.as_json() for f in flags]) == flags
    assert flags_from_json(None) == [] and flags_from_json(["junk", 3]) == []
