"""Text from clients: NUL and other control characters are refused with a message, never stored.

PostgreSQL cannot store NUL in text at all (a DataError, i.e. a 500); SQLite would store it silently.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("must not contain control characters or NUL bytes")
    return unicodedata.normalize("NFC", value)


PlainStr = Annotated[str, AfterValidator(plain_text)]
