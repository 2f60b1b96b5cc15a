"""File responses that answer HTTP Range requests (206), so a <video> can seek without nginx.

Django's FileResponse ignores Range. Behind nginx, X-Accel-Redirect hands the file over instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse

RANGE = re.compile(r"bytes=([0-9]{0,18})-([0-9]{0,18})", re.ASCII)
CHUNK = 256 * 1024


def parse_range(header: str, size: int) -> tuple[int, int] | bool | None:
    """(start, end) inclusive; None for no/ignored range; False when unsatisfiable."""
    match = RANGE.fullmatch(header.strip())
    if not match:
        return None  # multiple ranges or junk: RFC 9110 lets us answer with the whole file
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:
        length = int(last)
        if length == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


def _read(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk


def ranged_file_response(request: HttpRequest, path: Path, content_type: str) -> HttpResponseBase:
    size = path.stat().st_size
    wanted = parse_range(request.headers.get("Range", ""), size) if "Range" in request.headers else None
    response: HttpResponseBase
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    elif wanted is None or wanted is True:
        response = FileResponse(path.open("rb"), content_type=content_type)
        response["Content-Length"] = str(size)
    else:
        start, end = wanted
        response = StreamingHttpResponse(_read(path, start, end - start + 1), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response
