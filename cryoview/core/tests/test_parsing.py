"""The strict parsers, tried with generated input: ASCII digits within bounds are accepted, everything else
is refused with an ApplicationError naming the field, and no other exception ever escapes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cryoview.core.errors import ApplicationError
from cryoview.core.parsing import (
    check_text,
    parse_date,
    parse_datetime,
    parse_int,
    parse_int_or_none,
    parse_month,
    parse_vtt_time,
)

HOSTILE = ["²", "٣", "\uff15", "\u0660", " 7", "7 ", "1_0", "+1", "-1", "", "0x10", "1e3", "\x00", "\ud800", "١٢"]
ASCII_NUMBER = re.compile(r"[0-9]+", re.ASCII)


def _refused(parse, value, field: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        parse(value, field=field)
    assert caught.value.problems[0].field == field
    assert field in caught.value.message


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_ascii_numbers_within_bounds_are_accepted_and_others_refused(number: int, bound: int) -> None:
    if number <= bound:
        assert parse_int(str(number), field="page", max=bound) == number
    else:
        _refused(lambda v, field: parse_int(v, field=field, max=bound), str(number), "page")


@settings(max_examples=500)
@given(st.one_of(st.text(max_size=25), st.sampled_from(HOSTILE), st.integers().map(str), st.none(), st.floats()))
def test_anything_else_is_refused_naming_the_field(value: object) -> None:
    if isinstance(value, str) and ASCII_NUMBER.fullmatch(value) and len(value) <= 19:
        assert parse_int(value, field="parent") == int(value)
        return
    _refused(parse_int, value, "parent")
    assert parse_int_or_none(value if isinstance(value, str) else None) is None


@pytest.mark.parametrize("value", [*HOSTILE, "10" * 15, str(10**30)])
def test_the_examples_from_the_issue(value: str) -> None:
    _refused(parse_int, value, "Upload-Length")


@settings(max_examples=300)
@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_real_dates_and_months_round_trip(day: date) -> None:
    assert parse_date(day.isoformat(), field="on") == day
    assert parse_month(day.strftime("%Y-%m"), field="month") == day.replace(day=1)


@settings(max_examples=400)
@given(
    st.integers(min_value=0, max_value=99999),
    st.integers(min_value=0, max_value=99),
    st.integers(min_value=0, max_value=99),
)
def test_impossible_dates_and_months_are_refused(year: int, month: int, day: int) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}"
    try:
        real = date(year, month, day)
    except ValueError:
        real = None
    if real is not None and 1900 <= year <= 2100:
        assert parse_date(text, field="on") == real
    else:
        _refused(parse_date, text, "on")
    if not (1900 <= year <= 2100 and 1 <= month <= 12):
        _refused(parse_month, text[:-3], "month")


@pytest.mark.parametrize(
    "value",
    [
        "2024-02-30",
        "0000-01-01",
        "20240101",
        "2024-1-01",
        "\uff12\uff10\uff12\uff14-01-01",
        "2024-02-01T00:00",
        "9" * 20,
    ],
)
def test_dates_from_the_issue_are_refused(value: str) -> None:
    _refused(parse_date, value, "on")


@pytest.mark.parametrize("value", ["0000-01", "2024-13", "2024-00", "99999999999999999999-01", "2024-1", "٢٠٢٤-01"])
def test_months_from_the_issue_are_refused(value: str) -> None:
    _refused(parse_month, value, "month")


@settings(max_examples=300)
@given(st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30)))
def test_moments_as_isoformat_writes_them_round_trip(moment: datetime) -> None:
    aware = moment.replace(tzinfo=UTC)
    assert parse_datetime(aware.isoformat(), field="cursor") == aware
    shifted = aware.astimezone(timezone(timedelta(hours=-5, minutes=-30)))
    assert parse_datetime(shifted.isoformat(), field="cursor") == aware


@pytest.mark.parametrize(
    "value",
    ["2024-02-30T00:00:00+00:00", "2024-02-01T24:00:00+00:00", "2024-02-01T00:00:00", "2024-02-01T00:00:00+99:00"],
)
def test_impossible_moments_are_refused(value: str) -> None:
    _refused(parse_datetime, value, "cursor")


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=9999 * 3600_000 - 1))
def test_vtt_times_round_trip(millis: int) -> None:
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, ms = divmod(rest, 1000)
    assert parse_vtt_time(f"{hours:02d}:{minutes:02d}:{seconds:02d}.{ms:03d}", field="vtt") == pytest.approx(
        millis / 1000
    )


@pytest.mark.parametrize("value", ["00:1e308", "00:00:60.000", "00:60.000", "1:00.000", "00:00.0001", "nan", "inf"])
def test_vtt_times_from_the_issue_are_refused(value: str) -> None:
    _refused(parse_vtt_time, value, "vtt")


@settings(max_examples=500)
@given(st.text(max_size=40))
def test_text_with_nul_controls_or_lone_surrogates_is_refused(text: str) -> None:
    bad = any((ord(c) < 32 and c not in "\t\n\r") or c == "\x7f" or 0xD800 <= ord(c) <= 0xDFFF for c in text)
    if bad:
        _refused(check_text, text, "text")
    else:
        assert check_text(text, field="text") == text


@pytest.mark.parametrize("value", ["a\x00b", "\ud800", "x\udfffy", "bell\x07"])
def test_text_from_the_issue_is_refused(value: str) -> None:
    _refused(check_text, value, "text")
