"""The load generator both page benchmarks use: threads, one request at a time each, for a fixed time."""

from __future__ import annotations

import http.client
import math
import threading
import time


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def hammer(
    port: int, path: str, seconds: float, clients: int, ok: tuple[int, ...] = (200,)
) -> tuple[int, float, list[float], int]:
    """`clients` threads GET `path` for `seconds`; returns (requests, elapsed, latencies, errors).
    gunicorn's sync workers close every connection after the response, so each request includes its TCP
    connect (http.client reconnects)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds

    def client() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
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

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), time.monotonic() - started, latencies, errors
