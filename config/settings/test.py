"""The test suite: SQLite by default, PostgreSQL when CRYOVIEW_TEST_DATABASE_URL says so."""

import os

from .base import *  # noqa: F403
from .base import CONFIG, DATABASES, database_settings

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
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns about a missing folder
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never outside tests
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
if "CRYOVIEW_WORKER_MODE" not in os.environ:
    # In-process tests run tasks at once; tests that start a real worker set CRYOVIEW_WORKER_MODE=db.
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
