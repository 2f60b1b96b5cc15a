"""One strict parser per kind of value a client sends: numbers, dates, months, timestamps, caption times.

Python's own parsers are generous in ways that turn client input into 500s: `str.isdigit()` accepts "²",
which `int()` then refuses; `int()` accepts "٣", " 7 ", "1_0" and "+1"; `date.fromisoformat` accepts
"20240230"-style compact forms and raises on 2024-02-30; `float()` accepts "1e308", "nan" and "inf". Every
value from a request goes through one of these helpers instead, which accept ASCII digits only, within
bounds, and refuse everything else with an `ApplicationError` naming the field (422 unless told otherwise).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator

from cryoview.core.errors import ApplicationError, FieldProblem
from cryoview.core.validation import CONTROL

BIGINT_MAX = 2**63 - 1
MIN_YEAR, MAX_YEAR = 1900, 2100

_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)
# WebVTT cue times: [HH:]MM:SS.mmm (the hours may have more than two digits, minutes and seconds may not).
_VTT_TIME = re.compile(r"(?:([0-9]{2,4}):)?([0-9]{2}):([0-9]{2})\.([0-9]{3})", re.ASCII)
# NUL and other C0 controls (PostgreSQL cannot store NUL) and lone surrogates (not encodable as UTF-8, so
# neither database can store them). Tab, newline and carriage return are text.
_UNSTORABLE = CONTROL


def invalid(field: str, message: str, *, status: int = 422, code: str = "invalid") -> ApplicationError:
    """The typed error every helper raises: one problem naming the field, e.g. "Please correct: cursor: …"."""
    error = ApplicationError.for_fields([FieldProblem(field, message)])
    error.status, error.code = status, code
    return error


def _text(value: object, field: str, status: int) -> str:
    if not isinstance(value, str):
        raise invalid(field, "must be text", status=status)
    return value


def parse_int(value: object, *, field: str, min: int = 0, max: int = BIGINT_MAX, status: int = 422) -> int:
    """A whole number written in ASCII digits (no sign, spaces or underscores), min <= n <= max."""
    text = _text(value, field, status)
    if not _DIGITS.fullmatch(text):
        raise invalid(field, "must be a whole number written with the digits 0-9", status=status)
    number = int(text)
    if not min <= number <= max:
        raise invalid(field, f"must be between {min} and {max}", status=status)
    return number


def parse_int_or_none(value: str | None, *, min: int = 0, max: int = BIGINT_MAX) -> int | None:
    """For values in links (e.g. `replytocom`) where a bad value is best ignored: the number or None."""
    if value is None or value == "":
        return None
    try:
        return parse_int(value, field="value", min=min, max=max)
    except ApplicationError:
        return None


def _calendar(field: str, year: int, month: int, day: int, status: int, what: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise invalid(field, f"the year must be between {MIN_YEAR} and {MAX_YEAR}", status=status)
    try:
        return date(year, month, day)
    except ValueError:
        raise invalid(field, f"is not a real {what}", status=status) from None


def parse_date(value: object, *, field: str, status: int = 422) -> date:
    """A calendar date YYYY-MM-DD (2024-02-30 is refused), year 1900..2100."""
    match = _DATE.fullmatch(_text(value, field, status))
    if not match:
        raise invalid(field, "must be a date written YYYY-MM-DD", status=status)
    year, month, day = (int(part) for part in match.groups())
    return _calendar(field, year, month, day, status, "date")


def parse_month(value: object, *, field: str, status: int = 422) -> date:
    """A month YYYY-MM, returned as its first day; year 1900..2100."""
    match = _MONTH.fullmatch(_text(value, field, status))
    if not match:
        raise invalid(field, "must be a month written YYYY-MM, e.g. 2026-03", status=status)
    year, month = (int(part) for part in match.groups())
    return _calendar(field, year, month, 1, status, "month")


def parse_datetime(value: object, *, field: str, status: int = 422) -> datetime:
    """An ISO 8601 moment with a time zone, as `datetime.isoformat()` writes it for an aware value."""
    match = _DATETIME.fullmatch(_text(value, field, status))
    if not match:
        raise invalid(field, "must be a date and time like 2026-03-01T12:00:00+00:00", status=status)
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    fraction, zone = match.group(7) or "0", match.group(8)
    day_date = _calendar(field, year, month, day, status, "date")
    if hour > 23 or minute > 59 or second > 59:
        raise invalid(field, "is not a real time of day", status=status)
    offset = UTC if zone == "Z" else _offset(zone, field, status)
    return datetime(
        day_date.year, day_date.month, day_date.day, hour, minute, second, int(fraction.ljust(6, "0")), offset
    )


def _offset(zone: str, field: str, status: int) -> timezone:
    hours, minutes = int(zone[1:3]), int(zone[4:6])
    if hours > 23 or minutes > 59:
        raise invalid(field, "has an impossible time zone offset", status=status)
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if zone[0] == "-" else delta)


def parse_vtt_time(value: object, *, field: str, status: int = 422) -> float:
    """A WebVTT cue time, HH:MM:SS.mmm or MM:SS.mmm (minutes and seconds below 60), in seconds."""
    text = _text(value, field, status).strip()
    match = _VTT_TIME.fullmatch(text)
    if not match:
        raise invalid(field, f"{text[:40]!r} is not a time written HH:MM:SS.mmm or MM:SS.mmm", status=status)
    hours, minutes, seconds, millis = (int(part) if part else 0 for part in match.groups())
    if minutes > 59 or seconds > 59:
        raise invalid(field, f"{text[:40]!r} has minutes or seconds above 59", status=status)
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def check_text(value: object, *, field: str, status: int = 422) -> str:
    """Text a database can store: no NUL or other control characters, no lone surrogates."""
    text = _text(value, field, status)
    if _UNSTORABLE.search(text):
        raise invalid(field, "must not contain control characters, NUL bytes or lone surrogates", status=status)
    return text


def has_unstorable(text: str) -> bool:
    return _UNSTORABLE.search(text) is not None


# --- the same rules for pydantic schemas (the API's edge) ----------------------------------------------------


def _month_text(value: str) -> str:
    try:
        parse_month(value, field="month")
    except ApplicationError as error:
        raise ValueError(error.problems[0].message) from None
    return value


MonthStr = Annotated[str, AfterValidator(_month_text)]
"""YYYY-MM with ASCII digits, a real month, year 1900..2100; stays a string."""
