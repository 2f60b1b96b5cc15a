"""Text from clients: NUL, other control characters and lone surrogates are refused with a message.

PostgreSQL cannot store NUL in text at all (a DataError, i.e. a 500); SQLite would store it silently. A lone
surrogate ("\\ud800" in JSON) cannot be encoded as UTF-8, so neither database can store it.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def plain_text(value: str) -> str:
    if CONTROL.search(value):
        raise ValueError("must not contain control characters, NUL bytes or lone surrogates")
    return unicodedata.normalize("NFC", value)


PlainStr = Annotated[str, AfterValidator(plain_text)]
