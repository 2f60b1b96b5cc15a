"""The load generator both page benchmarks use: threads, one request at a time each, for a fixed time."""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections.abc import Sequence
from http.cookies import SimpleCookie


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


class CookieJar:
    """One connection's cookies, as a browser keeps them: what it starts with (a session) plus what the
    server sets (a CSRF cookie), sent back with every request."""

    def __init__(self, cookies: dict[str, str] | None = None) -> None:
        self.cookies = dict(cookies or {})

    def header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}

    def update(self, response: http.client.HTTPResponse) -> None:
        for line in response.headers.get_all("Set-Cookie") or []:
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(line)
            for name, morsel in parsed.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value


def hammer(
    port: int,
    path: str,
    seconds: float,
    clients: int,
    ok: tuple[int, ...] = (200,),
    cookies: Sequence[dict[str, str]] = (),
) -> tuple[int, float, list[float], int]:
    """`clients` threads GET `path` for `seconds`; returns (requests, elapsed, latencies, errors).
    gunicorn's sync workers close every connection after the response, so each request includes its TCP
    connect (http.client reconnects). With `cookies`, client i starts with cookies[i % len(cookies)] (e.g. a
    member's session) and keeps what the server sets, as a browser does."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds

    def client(number: int) -> None:
        nonlocal errors
        jar = CookieJar(cookies[number % len(cookies)] if cookies else None)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=jar.header())
                response = conn.getresponse()
                response.read()
                jar.update(response)
                if response.status not in ok:
                    bad += 1
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), time.monotonic() - started, latencies, errors
