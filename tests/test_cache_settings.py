"""CRYOVIEW_CACHE_URL: read strictly, and what it makes of the shared cache in each settings module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import env

ROOT = Path(__file__).resolve().parent.parent


def cache_url(value: str) -> str:
    return env.load({"CRYOVIEW_CACHE_URL": value}, base_dir=Path("/srv/cryoview")).cache_url


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("http://127.0.0.1:6379/0", "expected redis://host or rediss://host"),
        ("memcached://127.0.0.1:11211", "expected redis://host or rediss://host"),
        ("redis:///0", "expected redis://host"),
        ("redis://127.0.0.1:port/0", "the port is not a number"),
        ("redis://127.0.0.1:99999/0", "the port is not a number from 1 to 65535"),
        ("redis://127.0.0.1:0/0", "the port must be from 1 to 65535"),
        ("redis://127.0.0.1:6379/cache", "a Redis database number"),
        ("redis://127.0.0.1:6379/0?ssl=1", "no query"),
        ("redis://127.0.0.1:6379/ 0", "no query, fragment or spaces"),
    ],
)
def test_a_bad_cache_url_is_refused_naming_the_variable(value, fragment):
    with pytest.raises(env.ConfigError) as caught:
        cache_url(value)
    assert caught.value.name == "CRYOVIEW_CACHE_URL"
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    "value", ["redis://127.0.0.1:6379/0", "redis://cache.internal", "rediss://:secret@cache.internal:6380/2"]
)
def test_redis_urls_are_accepted(value):
    assert cache_url(value) == value


def test_empty_means_the_database_cache():
    assert cache_url("") == ""


def caches_under(settings_module: str, tmp_path: Path, **variables: str) -> dict:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_")}
    environ.update(DJANGO_SETTINGS_MODULE=settings_module, CRYOVIEW_DATA_DIR=str(tmp_path), **variables)
    code = "import django, json; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_test_suite_uses_redis_under_its_own_prefix_when_told(tmp_path):
    """CI's PostgreSQL run: Redis, under a prefix of the data folder, so clearing it between tests deletes only
    the suite's keys, and the worker processes a test starts (same folder) share it."""
    url = "redis://127.0.0.1:6379/0"
    first = caches_under("config.settings.test", tmp_path, CRYOVIEW_CACHE_URL=url)["default"]
    again = caches_under("config.settings.test", tmp_path, CRYOVIEW_CACHE_URL=url)["default"]
    other = caches_under("config.settings.test", tmp_path / "other", CRYOVIEW_CACHE_URL=url)["default"]
    assert first["BACKEND"] == "cryoview.core.cache.ResilientRedisCache" and first["LOCATION"] == url
    assert first["KEY_PREFIX"].startswith("cryoview-test-") and first["KEY_PREFIX"] == again["KEY_PREFIX"]
    assert other["KEY_PREFIX"] != first["KEY_PREFIX"]
    without = caches_under("config.settings.test", tmp_path)["default"]
    assert without["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_production_uses_the_resilient_redis_cache(tmp_path):
    caches = caches_under(
        "config.settings.dev", tmp_path, CRYOVIEW_CACHE_URL="redis://127.0.0.1:6379/3", CRYOVIEW_DEBUG="true"
    )
    assert caches["default"]["BACKEND"] == "cryoview.core.cache.ResilientRedisCache"
    assert caches["default"]["OPTIONS"]["LOCAL_WHEN_DOWN"] == ["throttle:", "allauth:rl:"]
    assert caches_under("config.settings.dev", tmp_path)["default"]["BACKEND"].endswith("DatabaseCache")
