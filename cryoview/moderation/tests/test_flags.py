"""Automatic flags: a table of texts and the flags they must (and must not) raise."""

from __future__ import annotations

import pytest

from cryoview.moderation.flags import author_flags, text_flags

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
