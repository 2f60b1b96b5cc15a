"""The test suite: SQLite by default, PostgreSQL when CRYOVIEW_TEST_DATABASE_URL says so."""

import hashlib

from .base import *  # noqa: F403
from .base import CACHES, CONFIG, DATABASES, database_settings, local_storages, s3_storages, shared_cache

SECRET_KEY = "test-only-secret-key-that-is-long-enough-for-django-0123456789"  # noqa: S105
DEBUG = False
if CONFIG.test_database is not None:
    DATABASES["default"] = database_settings(CONFIG.test_database)
else:
    # A file, not :memory:, so that a real worker process and a live server can share the test database.
    DATABASES["default"] = database_settings(
        {"ENGINE": "django.db.backends.sqlite3", "NAME": str(CONFIG.data_dir / "test.sqlite3")}
    )
    DATABASES["default"]["TEST"] = {"NAME": str(CONFIG.data_dir / "test-run.sqlite3")}
# Live-server threads must not keep connections open, or the test database cannot be dropped.
DATABASES["default"]["CONN_MAX_AGE"] = 0
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns about a missing folder
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never outside tests
# The shared cache is cleared by the root conftest before every test. Without CRYOVIEW_CACHE_URL, this process's
# memory (fast); with it (CI's PostgreSQL run), Redis as in production, under a prefix of this run's data folder:
# clearing deletes only the suite's keys, and the worker processes and live servers a test starts (same folder)
# share them.
if CONFIG.cache_url:
    CACHES["default"] = shared_cache(CONFIG.cache_url)
    CACHES["default"]["KEY_PREFIX"] = "cryoview-test-" + hashlib.sha256(str(CONFIG.data_dir).encode()).hexdigest()[:12]
else:
    CACHES["default"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tasks go to the database queue, as in production; tests run them with a real worker (in-process
# `db_worker --batch`, or a worker process).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# Test media stay out of the developer's folders; a worker process started by a test uses the same ones.
MEDIA_ROOT = CONFIG.data_dir / "test-media" / "public"
PRIVATE_MEDIA_ROOT = CONFIG.data_dir / "test-media" / "private"
# The object-storage tests set CRYOVIEW_S3_* (a moto server on loopback; root conftest `s3_server`), and so do
# the worker processes they start.
STORAGES = {
    **(s3_storages(CONFIG.s3) if CONFIG.s3 else local_storages(MEDIA_ROOT, PRIVATE_MEDIA_ROOT)),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SCRATCH_DIR = CONFIG.data_dir / "test-media" / "scratch"
