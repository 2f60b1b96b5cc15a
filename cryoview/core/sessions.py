"""Django's database sessions, read with one plain query that also brings the signed-in member's row.

Every signed-in request loads its session and then its user: two round trips, and building the two ORM queries
cost about as much as running them (profiled on the members' guide and review-list pages, `bench/README.md`).
Same table, same rows, same expiry rule and the same answer for a missing, expired or malformed key (no session,
and the key forgotten), so nothing else changes: writes, `exists`, sign-out and `clearsessions` are Django's own.

The user's id is inside the signed session data, which SQL cannot read. So each process remembers, for the
session keys it has read or saved, the user id their data held (a key never changes hands: Django's login flushes the
session or cycles its key), and the next read of that key joins the user's row by that id. The row is only a
prefetch: `AuthenticationMiddleware` below takes it only when the id the data holds now is that id, the session's
backend looks users up by id (Django's `ModelBackend.get_user`), the member may sign in and the session's password
hash matches; in every other case Django's own `get_user` runs, as before (a second query, a flushed session).
The row is read in the same statement as the session, so it is never older than the request.
"""

from __future__ import annotations

import base64
import contextlib
import pickle
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.contrib.auth import middleware as auth_middleware
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends import db
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.exceptions import ValidationError
from django.db import connections, router
from django.db.models.expressions import Col
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

USER_OF_SESSION_ENTRIES = 20_000  # this process's memory of session key -> user id (a few MB at most)
_user_of_session: dict[str, str] = {}


def _remember(session_key: str, user_id: str) -> None:
    if _user_of_session.get(session_key) == user_id:
        return
    if len(_user_of_session) >= USER_OF_SESSION_ENTRIES:
        with contextlib.suppress(KeyError, StopIteration, RuntimeError):  # another thread got there first
            del _user_of_session[next(iter(_user_of_session))]  # the oldest entry
    _user_of_session[session_key] = user_id


def forget_sessions() -> None:
    """Drop this process's memory of which user each session key belongs to (tests)."""
    _user_of_session.clear()


class SessionStore(db.SessionStore):
    # The signed-in user's row, read with the session when this process knew the key's user; None otherwise.
    prefetched_user: Any = None
    # Keys of the shared cache to read in the same statement (`read_with_session`), and what was found.
    _cache_keys: tuple[str, ...] = ()  # as stored (with the cache's prefix and version)
    _cache_names: tuple[str, ...] = ()  # as asked
    prefetched_cache: dict[str, Any] | None = None

    def _get_session_from_db(self) -> Any:
        key, row = self.session_key, self._read(None, ())
        return None if row is None or key is None else self.model(session_key=key, session_data=row[0])

    def load(self) -> dict[str, Any]:
        self.prefetched_user = None
        self.prefetched_cache = None
        key = self.session_key
        user_model = get_user_model()
        guess = _user_of_session.get(key) if key is not None else None
        guessed_pk = None
        if guess is not None:
            try:
                guessed_pk = user_model._meta.pk.to_python(guess)
            except ValidationError:
                guessed_pk = None
        cache_keys, self._cache_keys = self._cache_keys, ()
        row = self._read(guessed_pk, cache_keys)
        if row is None:
            return {}
        if cache_keys:
            self.prefetched_cache = _cache_values(self._cache_names, row[len(row) - len(cache_keys) :])
            row = row[: len(row) - len(cache_keys)]
        data: dict[str, Any] = self.decode(row[0])
        user_id = data.get(SESSION_KEY)
        if isinstance(user_id, str) and key is not None:
            _remember(key, user_id)
            if guessed_pk is not None and user_id == guess and row[1] is not None:
                self.prefetched_user = _user_from_row(row[1:])
        return data

    def save(self, must_create: bool = False) -> None:
        super().save(must_create=must_create)
        # A sign-in saves the session: its first request in this process is then read with the member's row too
        # (and reads the same queries as the next ones).
        user_id = getattr(self, "_session_cache", {}).get(SESSION_KEY)
        if isinstance(user_id, str) and self.session_key is not None:
            _remember(self.session_key, user_id)

    def _read(self, user_pk: Any, cache_keys: tuple[str, ...]) -> tuple[Any, ...] | None:
        """The session's data, then (with `user_pk`) that user's columns, NULLs when there is no such row, then
        the shared cache's stored value of each of `cache_keys` (NULL: missing or expired)."""
        key = self.session_key
        if key is None:
            self._session_key = None
            return None
        connection = connections[router.db_for_read(self.model)]
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        selected, params, join = ["session_data"], [], ""
        if user_pk is not None:
            columns, users, pk = _user_columns(connection)
            selected.append(columns)
            join = f" LEFT JOIN {users} ON {users}.{pk} = %s"
        if cache_keys:
            cache_table = quote(caches[DEFAULT_CACHE_ALIAS]._table)  # type: ignore[attr-defined]
            for cache_key in cache_keys:
                selected.append(f"(SELECT value FROM {cache_table} WHERE cache_key = %s AND expires > %s)")  # noqa: S608
                params += [cache_key, now]
        if user_pk is not None:
            params.append(user_pk)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(selected)} FROM {table}{join} "  # noqa: S608
                "WHERE session_key = %s AND expire_date > %s",
                [*params, key, now],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return tuple(row)


def read_with_session(request: HttpRequest, keys: list[str]) -> bool:
    """Ask that `keys` of the shared cache be read in the same statement as the request's session (one round
    trip instead of two), when the session has not been read yet and the shared cache is a table of the
    session's database. Afterwards `cached_with_session(request)` gives what was found. False: not possible."""
    session = getattr(request, "session", None)
    if not isinstance(session, SessionStore) or hasattr(session, "_session_cache") or session.session_key is None:
        return False
    shared = caches[DEFAULT_CACHE_ALIAS]
    if not isinstance(shared, DatabaseCache):
        return False
    if router.db_for_read(shared.cache_model_class) != router.db_for_read(session.model):
        return False
    session._cache_keys = tuple(shared.make_and_validate_key(key) for key in keys)
    session._cache_names = tuple(keys)
    return True


def cached_with_session(request: HttpRequest) -> dict[str, Any]:
    """What `read_with_session` found (keys as asked; missing or expired keys are absent: read them as usual)."""
    session = getattr(request, "session", None)
    found = getattr(session, "prefetched_cache", None)
    return dict(found) if found else {}


def _cache_values(names: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    """The values as Django's DatabaseCache decodes them, under the keys the caller asked for."""
    shared = caches[DEFAULT_CACHE_ALIAS]
    connection = connections[router.db_for_read(shared.cache_model_class)]  # type: ignore[attr-defined]
    found = {}
    for name, value in zip(names, values, strict=True):
        if value is not None:
            text = connection.ops.process_clob(value)
            found[name] = pickle.loads(base64.b64decode(text.encode(), validate=True))  # noqa: S301 - our cache
    return found


def _user_columns(connection: Any) -> tuple[str, str, str]:
    """The user table's columns (qualified), the table and its primary key column, quoted (kept per database)."""
    known = _columns_of.get(connection.alias)
    if known is None:
        user_model = get_user_model()
        quote = connection.ops.quote_name
        users = quote(user_model._meta.db_table)
        columns = ", ".join(f"{users}.{quote(f.column)}" for f in user_model._meta.concrete_fields)
        known = _columns_of[connection.alias] = (columns, users, quote(user_model._meta.pk.column))
    return known


_columns_of: dict[str, tuple[str, str, str]] = {}
_converters_of: dict[str, list[tuple[Any, list[Any]]]] = {}


def _user_from_row(values: tuple[Any, ...]) -> Any:
    """The user model instance from its columns, converted as the ORM converts them (e.g. JSON, dates on SQLite)."""
    user_model = get_user_model()
    alias = router.db_for_read(user_model)
    connection = connections[alias]
    fields = user_model._meta.concrete_fields
    converters = _converters_of.get(alias)
    if converters is None:
        converters = []
        for field in fields:
            expression = Col(user_model._meta.db_table, field)
            converters.append(
                (expression, connection.ops.get_db_converters(expression) + field.get_db_converters(connection))
            )
        _converters_of[alias] = converters
    converted = []
    for (expression, field_converters), value in zip(converters, values, strict=True):
        for converter in field_converters:
            value = converter(value, expression, connection)
        converted.append(value)
    return user_model.from_db(alias, [f.attname for f in fields], converted)


def _prefetched_user(request: HttpRequest) -> Any:
    """The user read with the session, when Django's `get_user` would return that very user; else None."""
    session = request.session
    try:
        # Reading the data loads the session (and the prefetch with it).
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return None
    user = getattr(session, "prefetched_user", None)
    if user is None:
        return None
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    backend = load_backend(backend_path)
    if not isinstance(backend, ModelBackend) or type(backend).get_user is not ModelBackend.get_user:
        return None  # a backend that finds users its own way
    if user.pk != user_id or not backend.user_can_authenticate(user):
        return None
    session_hash = session.get(HASH_SESSION_KEY)
    if not session_hash or not constant_time_compare(session_hash, user.get_session_auth_hash()):
        return None  # Django decides: a fallback secret's hash (the key is cycled) or a sign-out
    return user


def _get_user(request: HttpRequest) -> Any:
    if not hasattr(request, "_cached_user"):
        request._cached_user = _prefetched_user(request) or auth.get_user(request)  # type: ignore[attr-defined]
    return request._cached_user  # type: ignore[attr-defined]


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, taking the member read with the session when it is the member Django would find."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))  # type: ignore[assignment]
