"""Settings shared by every environment. Values an operator may change come only from config.env."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from botocore.config import Config

from config import env
from config.env import S3Config

BASE_DIR = Path(__file__).resolve().parent.parent.parent

try:
    CONFIG = env.load(base_dir=BASE_DIR)
except env.ConfigError as error:
    # SystemExit with a message: manage.py, gunicorn and the worker all stop with this one line.
    raise SystemExit(f"Cryoview configuration error: {error}") from None

DEBUG = CONFIG.debug
ALLOWED_HOSTS = CONFIG.allowed_hosts
CSRF_TRUSTED_ORIGINS = CONFIG.csrf_trusted_origins
DATA_DIR = CONFIG.data_dir


def persistent_dev_secret(data_dir: Path) -> str:
    """Outside prod a secret is generated once and kept, so sessions survive restarts."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = CONFIG.secret_key or ""

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "ninja",
    "django_tasks_db",
    "cryoview.core",
    "cryoview.accounts",
    "cryoview.procedures",
    "cryoview.suitability",
    "cryoview.videos",
    "cryoview.reviews",
    "cryoview.moderation",
    "cryoview.comments",
    "cryoview.related",
    "cryoview.search",
    "cryoview.clinics",
    "cryoview.findable",
    "cryoview.journeys",  # the top floor: after every app it spans (its admin replaces the User admin)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "cryoview.core.sessions.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "cryoview.core.unavailable.ServiceUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cryoview" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]


def database_settings(config: dict[str, Any]) -> dict[str, Any]:
    db = dict(config)
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL + busy timeout + IMMEDIATE: the web processes and the worker share one file without
        # "database is locked" (measured: two workers, 600 tasks, no lock errors).
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
            ),
        }
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    elif db["ENGINE"] == "django.db.backends.postgresql":
        # Django's own, with a health check that asks the socket first (no `SELECT 1` round trip a request).
        db["ENGINE"] = "cryoview.core.postgresql"
    # Keep connections between requests: opening one (and, on SQLite, running the PRAGMAs) cost more than a
    # cached page's single read (bench/pages.py).
    db["CONN_MAX_AGE"] = 60
    db["CONN_HEALTH_CHECKS"] = True
    return db


DATABASES = {"default": database_settings(CONFIG.database)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# The keys of rate limits in the shared cache: cryoview.core.throttle's and allauth's (its locks included).
RATE_LIMIT_KEY_PREFIXES = ["throttle:", "allauth:rl:"]


def shared_cache(url: str) -> dict[str, Any]:
    """The cache every web process shares (visitors' pages, rate limits): Redis when CRYOVIEW_CACHE_URL names
    it, else a database table, so that the embedded default needs nothing more than its database."""
    if url:
        # Django's RedisCache, made to survive an outage (cryoview/core/cache.py): pages render fresh, and the
        # rate limits (ours, allauth's) count in each process's memory until Redis answers again.
        return {
            "BACKEND": "cryoview.core.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"LOCAL_WHEN_DOWN": RATE_LIMIT_KEY_PREFIXES},
        }
    return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cryoview_cache"}


CACHES = {
    # Shared: the rate limits of sign-up and login must hold across every web process and node.
    "default": shared_cache(CONFIG.cache_url),
    # Each process's own memory, for fragments whose key names what they show (a guide's revision): no read
    # of the shared cache per request, and nothing to expire but by age.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "cryoview-fragments",
        "OPTIONS": {"MAX_ENTRIES": 500},
    },
}

# Django's database sessions, loaded with one plain query (cryoview/core/sessions.py); not `cached_db`: the
# shared cache is the database too.
SESSION_ENGINE = "cryoview.core.sessions"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
# Every e-mail's subject starts with the site's name (allauth's, ours, Django's own to admins).
EMAIL_SUBJECT_PREFIX = "[Cryoview] "
ACCOUNT_EMAIL_SUBJECT_PREFIX = EMAIL_SUBJECT_PREFIX
# The adapter keys allauth's limits on the visitor's address as CRYOVIEW_PROXY_HOPS resolves it, and the
# failed-login limit per (account, address): a flood from one address does not lock the account for others.
ACCOUNT_ADAPTER = "cryoview.accounts.adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "5/h/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "5/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
}
ACCOUNT_SIGNUP_FORM_CLASS = "cryoview.accounts.forms.SignupExtraForm"

LANGUAGE_CODE = "en"
# django-allauth's strings in the house vocabulary ("e-mail", "Sign in"): see cryoview/core/vocabulary.py.
LOCALE_PATHS = [BASE_DIR / "cryoview" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = CONFIG.static_root
STATICFILES_DIRS = [BASE_DIR / "cryoview" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = CONFIG.media_root
PRIVATE_MEDIA_ROOT = CONFIG.private_media_root
SCRATCH_DIR = CONFIG.scratch_dir


def s3_storages(s3: S3Config) -> dict[str, dict[str, Any]]:
    """Both media stores on S3-compatible object storage (django-storages, boto3, SigV4)."""
    common: dict[str, Any] = {
        "endpoint_url": s3.endpoint_url or None,
        "region_name": s3.region,
        "access_key": s3.access_key_id,
        "secret_key": s3.secret_access_key,
        # A store that cannot be reached answers within seconds (pages and tus PATCHes then say 503 with
        # Retry-After, the pipeline retries later) instead of holding a request for botocore's default minute
        # and its retries. Path-style
        # addresses work on every S3-compatible server; AWS's own endpoint keeps its default.
        "client_config": Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if s3.endpoint_url else None},
            connect_timeout=3,
            read_timeout=20,
            retries={"max_attempts": 2, "mode": "standard"},
        ),
        "file_overwrite": True,
        "default_acl": None,
    }
    public_domain = s3.public_url.split("://", 1)[1] if s3.public_url else None
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": s3.public_bucket,
                "querystring_auth": False,
                "custom_domain": public_domain,
                "url_protocol": (s3.public_url.split("://", 1)[0] + ":") if s3.public_url else "https:",
            },
        },
        # Nothing in it is readable without a signed link that expires.
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "bucket_name": s3.private_bucket,
                "querystring_auth": True,
                "querystring_expire": s3.url_seconds,
            },
        },
    }


def local_storages(public: Path, private: Path) -> dict[str, dict[str, Any]]:
    return {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(public), "base_url": MEDIA_URL},
        },
        # Originals and unpublished media: no base_url, so nothing in it has a URL.
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(private), "base_url": None},
        },
    }


STORAGES = {
    **(s3_storages(CONFIG.s3) if CONFIG.s3 else local_storages(MEDIA_ROOT, PRIVATE_MEDIA_ROOT)),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {
    "default": (
        {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
        if CONFIG.worker_mode == "db"
        else {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}
    )
}
CRYOVIEW_WORKER_MODE = CONFIG.worker_mode
CRYOVIEW_WORKER_HEARTBEAT_SECONDS = CONFIG.worker_heartbeat_seconds
CRYOVIEW_WORKER_STALE_SECONDS = CONFIG.worker_stale_seconds
CRYOVIEW_MAINTENANCE = [
    "cryoview.videos.tasks.maintenance",
    "cryoview.comments.tasks.maintenance",
    "cryoview.moderation.tasks.maintenance",
    "cryoview.related.tasks.maintenance",
    "cryoview.reviews.tasks.maintenance",
    "cryoview.search.tasks.maintenance",
    "cryoview.clinics.tasks.maintenance",
]
# Each app's lines on the human status page (/status/): functions returning core.health.StatusFact lists.
CRYOVIEW_STATUS_FACTS = ["cryoview.videos.selectors.status_facts"]
CRYOVIEW_MAINTENANCE_SECONDS = max(5.0, CONFIG.job_stale_seconds / 4)

MAILERS = {"default": CONFIG.email}
DEFAULT_FROM_EMAIL = CONFIG.default_from_email
SERVER_EMAIL = CONFIG.default_from_email

CONTENT_DIR = BASE_DIR / "content"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Django's built-in Content Security Policy: our own scripts and styles only, no inline code.


def media_origins(s3: S3Config | None) -> list[str]:
    """Where the browser fetches media from besides this site: on object storage the signed links to private
    media (the endpoint, or AWS's bucket hosts) and the public bucket's address. Posters are images, videos and
    caption tracks media: both directives need them, or the owner's preview of an unpublished video is blocked."""
    if s3 is None:
        return []

    def origin(url: str) -> str:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://{rest.split('/', 1)[0]}"

    origins = [origin(s3.endpoint_url)] if s3.endpoint_url else []
    if not s3.endpoint_url:
        for bucket in (s3.private_bucket, s3.public_bucket):
            origins += [f"https://{bucket}.s3.{s3.region}.amazonaws.com", f"https://{bucket}.s3.amazonaws.com"]
        origins.append(f"https://s3.{s3.region}.amazonaws.com")
    if s3.public_url:
        origins.append(origin(s3.public_url))
    return list(dict.fromkeys(origins))


SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", *media_origins(CONFIG.s3)],
    "media-src": ["'self'", "blob:", *media_origins(CONFIG.s3)],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": CONFIG.log_level},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
