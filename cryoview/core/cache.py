"""Django's RedisCache, made to survive Redis going away.

A cache that is down must cost the site speed, never pages: every operation that cannot reach Redis answers as
a miss (reads) or is dropped (writes), so visitors' pages render fresh. After a failure this process leaves
Redis alone for `PAUSE_AFTER_FAILURE` seconds (a circuit breaker), so a page does not wait for a connect
timeout on each of its reads; the first operation after the pause tries again, and a success closes the
circuit by itself, without a restart. An outage is logged once when it starts and once when it ends.

Rate limits are not a cache, though a cache holds them: answering "no attempts yet" would lift every limit
while Redis is down, and failing would lock everyone out. Keys starting with one of `LOCAL_WHEN_DOWN`
(the limits' prefixes) are therefore counted in this process's memory during an outage: each web process
enforces the limit on its own, so the site-wide limit is at worst multiplied by the number of processes, and
nobody is refused who would not have been.

What a process failed to write during an outage (a page's generation bump, a page) may leave Redis, if it kept
its data, holding a value that is now wrong. The keys are remembered (up to `LOST_KEYS_KEPT`) and deleted when
Redis answers again, before anything else is read: a missing generation starts anew (cryoview.core.pagecache),
so no page from before the outage is served after it. (Past that many keys, the rest is bounded by the pages'
own lifetime, cryoview.core.pagecache.PAGE_SECONDS.)
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis import exceptions as redis_errors

logger = logging.getLogger(__name__)

# The server's state, not a mistake in a command: an unreachable, loading, read-only or full Redis.
UNAVAILABLE = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.OutOfMemoryError,
)
SOCKET_CONNECT_TIMEOUT = 0.25
SOCKET_TIMEOUT = 0.5
PAUSE_AFTER_FAILURE = 1.0
LOST_KEYS_KEPT = 10_000


@dataclass
class _Circuit:
    """One per Redis location and process (Django makes a backend per thread; they share this)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    down_since: float | None = None  # time.monotonic() of the first failure of this outage
    retry_at: float = 0.0
    lost: set[str] = field(default_factory=set)


_circuits: dict[str, _Circuit] = {}
_circuits_lock = threading.Lock()


def _circuit_for(location: str) -> _Circuit:
    with _circuits_lock:
        return _circuits.setdefault(location, _Circuit())


class ResilientRedisCache(RedisCache):
    """RedisCache whose operations never raise for an unavailable Redis (see the module's docstring).

    OPTIONS beyond redis-py's: `LOCAL_WHEN_DOWN` (key prefixes kept in this process's memory during an
    outage), `PAUSE_AFTER_FAILURE` (seconds). Short socket timeouts are the default. With a KEY_PREFIX,
    `clear()` deletes only this prefix's keys, so a test run never empties a Redis database it shares."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self._local_prefixes = tuple(options.pop("LOCAL_WHEN_DOWN", ()))
        self._pause = float(options.pop("PAUSE_AFTER_FAILURE", PAUSE_AFTER_FAILURE))
        options.setdefault("socket_connect_timeout", SOCKET_CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        location = server if isinstance(server, str) else ",".join(server)
        self._first_server = re.split("[;,]", location)[0]
        self._location = f"{location}|{params.get('KEY_PREFIX', '')}"
        self._circuit = _circuit_for(self._location)
        # LocMemCache shares its storage between instances of the same name: every thread of the process.
        self._local = LocMemCache(
            f"cryoview-when-redis-is-down:{self._location}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10_000}},
        )

    # --- the circuit --------------------------------------------------------------------------------------

    def _call(self, operation: Callable[[], Any], fallback: Callable[[], Any], lost: Iterable[str] = ()) -> Any:
        """`operation()` against Redis, or `fallback()` while it is unavailable; `lost` names the keys the
        operation would have written, to delete once Redis is back."""
        circuit = self._circuit
        if circuit.down_since is not None:
            if time.monotonic() < circuit.retry_at:
                return self._fell_back(fallback, lost)
            try:
                self._recover()
            except UNAVAILABLE as error:
                self._failed(error)
                return self._fell_back(fallback, lost)
        try:
            return operation()
        except UNAVAILABLE as error:
            self._failed(error)
            return self._fell_back(fallback, lost)

    def _fell_back(self, fallback: Callable[[], Any], lost: Iterable[str]) -> Any:
        circuit = self._circuit
        with circuit.lock:
            for key in lost:
                if len(circuit.lost) < LOST_KEYS_KEPT:
                    circuit.lost.add(key)
        return fallback()

    def _failed(self, error: Exception) -> None:
        circuit = self._circuit
        with circuit.lock:
            circuit.retry_at = time.monotonic() + self._pause
            if circuit.down_since is not None:
                return
            circuit.down_since = time.monotonic()
        logger.warning(
            "The Redis cache (%s) does not answer (%s: %s): pages are rendered fresh and rate limits are "
            "counted in each web process until it is back.",
            self._where(),
            error.__class__.__name__,
            error,
        )

    def _recover(self) -> None:
        """Delete what this process could not write during the outage; then the circuit is closed."""
        circuit = self._circuit
        with circuit.lock:
            lost = list(circuit.lost)
        if lost:
            super().delete_many(lost)
        else:
            self._cache.get_client(None, write=True).ping()
        with circuit.lock:
            circuit.lost.difference_update(lost)
            if circuit.down_since is None:
                return
            seconds = time.monotonic() - circuit.down_since
            circuit.down_since = None
        logger.warning("The Redis cache (%s) answers again after %.1f s.", self._where(), seconds)

    def _where(self) -> str:
        """The server, for the log: host and port, never a password from the URL."""
        parts = urlsplit(self._first_server)
        return f"{parts.hostname}:{parts.port or 6379}"

    def ping(self) -> None:
        """One round trip to Redis, past the circuit (for /healthz); raises what redis-py raises. A success
        closes the circuit."""
        self._cache.get_client(None, write=True).ping()
        if self._circuit.down_since is not None:
            self._recover()

    def _local_key(self, key: str) -> bool:
        return bool(self._local_prefixes) and key.startswith(self._local_prefixes)

    def _miss_or_local(self, key: str, miss: Any, local: Callable[[LocMemCache], Any]) -> Callable[[], Any]:
        return (lambda: local(self._local)) if self._local_key(key) else (lambda: miss)

    def _writes(self, keys: Iterable[str]) -> list[str]:
        return [key for key in keys if not self._local_key(key)]

    # --- Django's cache API ---------------------------------------------------------------------------------

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(
            self._call(
                lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
                self._miss_or_local(key, False, lambda local: local.add(key, value, timeout, version)),
                self._writes([key]),
            )
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._call(
            lambda: super(ResilientRedisCache, self).get(key, default, version),
            self._miss_or_local(key, default, lambda local: local.get(key, default, version)),
        )

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._call(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            self._miss_or_local(key, None, lambda local: local.set(key, value, timeout, version)),
            self._writes([key]),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return bool(
            self._call(
                lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
                self._miss_or_local(key, False, lambda local: local.touch(key, timeout, version)),
            )
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return bool(
            self._call(
                lambda: super(ResilientRedisCache, self).delete(key, version),
                self._miss_or_local(key, False, lambda local: local.delete(key, version)),
                self._writes([key]),
            )
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        found: dict[Any, Any] = self._call(
            lambda: super(ResilientRedisCache, self).get_many(keys, version),
            lambda: self._local.get_many([key for key in keys if self._local_key(key)], version),
        )
        return found

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return bool(
            self._call(
                lambda: super(ResilientRedisCache, self).has_key(key, version),
                self._miss_or_local(key, False, lambda local: local.has_key(key, version)),
            )
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        def missing() -> int:
            raise ValueError(f"Key '{key}' not found.")  # as for a key that expired: callers handle it

        fallback = (lambda: self._local.incr(key, delta, version)) if self._local_key(key) else missing
        result: int = self._call(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version), fallback, self._writes([key])
        )
        return result

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        def fallback() -> list[Any]:
            local = {key: value for key, value in data.items() if self._local_key(key)}
            self._local.set_many(local, timeout, version)
            return [key for key in data if key not in local]  # Django's answer: the keys not stored

        failed: list[Any] = self._call(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), fallback, self._writes(data)
        )
        return failed

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        keys = list(keys)
        self._call(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            lambda: self._local.delete_many([key for key in keys if self._local_key(key)], version),
            self._writes(keys),
        )

    def clear(self) -> None:
        """Empty the cache: only this KEY_PREFIX's keys when there is one, else the whole Redis database."""
        self._local.clear()
        if not self.key_prefix:
            self._call(lambda: super(ResilientRedisCache, self).clear(), lambda: None)
        else:
            self._call(self._clear_prefix, lambda: None)

    def _clear_prefix(self) -> None:
        client = self._cache.get_client(None, write=True)
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"  # every version's keys
        for batch in _batches(client.scan_iter(match=pattern, count=500), 500):
            client.unlink(*batch)


def _batches(items: Iterable[Any], size: int) -> Iterable[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
