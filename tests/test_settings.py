"""CRYOVIEW_* parsing: strict, named errors, and the production mode's refusals."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from config import env

ROOT = Path(__file__).resolve().parent.parent


def load(**variables: str) -> env.Config:
    return env.load(variables, base_dir=Path("/srv/cryoview"))


def test_defaults_are_the_embedded_ones():
    config = load()
    assert config.database["ENGINE"] == "django.db.backends.sqlite3"
    assert config.database["NAME"] == "/srv/cryoview/var/cryoview.sqlite3"
    assert config.media_root == Path("/srv/cryoview/var/media/public")
    assert config.private_media_root == Path("/srv/cryoview/var/media/private")
    assert config.worker_mode == "db"
    assert config.debug is False
    assert config.allowed_hosts == ["127.0.0.1", "localhost"]
    assert config.email["BACKEND"] == "cryoview.core.mail.ReadableConsoleBackend"


@pytest.mark.parametrize(
    ("variables", "named", "fragment"),
    [
        ({"CRYOVIEW_DEBUG": "maybe"}, "CRYOVIEW_DEBUG", "expected true or false"),
        ({"CRYOVIEW_WORKER_MODE": "celery"}, "CRYOVIEW_WORKER_MODE", "expected one of db, immediate"),
        ({"CRYOVIEW_ENVIRONMENT": "staging"}, "CRYOVIEW_ENVIRONMENT", "expected one of dev, prod, test"),
        ({"CRYOVIEW_DATABASE_URL": "mysql://x@y/z"}, "CRYOVIEW_DATABASE_URL", "unsupported scheme 'mysql'"),
        ({"CRYOVIEW_DATABASE_URL": "postgres://host-only"}, "CRYOVIEW_DATABASE_URL", "expected postgres://"),
        ({"CRYOVIEW_DATABASE_URL": "postgres://u@h:port/db"}, "CRYOVIEW_DATABASE_URL", "not a number"),
        ({"CRYOVIEW_DATABASE_URL": "sqlite://"}, "CRYOVIEW_DATABASE_URL", "expected sqlite:///"),
        ({"CRYOVIEW_WEB_WORKERS": "two"}, "CRYOVIEW_WEB_WORKERS", "expected a whole number"),
        ({"CRYOVIEW_WEB_WORKERS": "0"}, "CRYOVIEW_WEB_WORKERS", "must be at least 1"),
        ({"CRYOVIEW_ALLOWED_HOSTS": "a,,b"}, "CRYOVIEW_ALLOWED_HOSTS", "empty item"),
        ({"CRYOVIEW_EMAIL_URL": "pigeon://coop"}, "CRYOVIEW_EMAIL_URL", "unsupported scheme"),
        ({"CRYOVIEW_EMAIL_URL": "smtp://h?ssl=1"}, "CRYOVIEW_EMAIL_URL", "unknown option 'ssl'"),
        (
            {"CRYOVIEW_CSRF_TRUSTED_ORIGINS": "example.org"},
            "CRYOVIEW_CSRF_TRUSTED_ORIGINS",
            "must start with",
        ),
        ({"CRYOVIEW_DATABSE_URL": "sqlite:///x"}, "CRYOVIEW_DATABSE_URL", "unknown variable"),
        ({"CRYOVIEW_MEDIA_ROOT": "a\x00b"}, "CRYOVIEW_MEDIA_ROOT", "NUL"),
        ({"CRYOVIEW_WHISPER_MODEL": "/nonexistent/model"}, "CRYOVIEW_WHISPER_MODEL", "not a CTranslate2 Whisper"),
        ({"CRYOVIEW_VIDEO_MAX_RESOLUTION": "4k"}, "CRYOVIEW_VIDEO_MAX_RESOLUTION", "WIDTHxHEIGHT"),
        ({"CRYOVIEW_MEDIA_ACCEL_PREFIX": "_private"}, "CRYOVIEW_MEDIA_ACCEL_PREFIX", "nginx location"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(variables, named, fragment):
    with pytest.raises(env.ConfigError) as caught:
        load(**variables)
    assert caught.value.name == named
    assert str(caught.value).startswith(f"{named}: ")
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("word", "value"),
    [("1", True), ("TRUE", True), ("yes", True), ("off", False), ("0", False), ("False", False)],
)
def test_booleans_accept_the_usual_words(word, value):
    assert load(CRYOVIEW_DEBUG=word).debug is value


def test_postgres_url_is_split_into_django_settings():
    db = load(CRYOVIEW_DATABASE_URL="postgres://cv:p%40ss@db.internal:6543/cryoview?sslmode=require").database
    assert db == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "cryoview",
        "USER": "cv",
        "PASSWORD": "p@ss",
        "HOST": "db.internal",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }


def test_sqlite_paths_relative_and_absolute():
    assert load(CRYOVIEW_DATABASE_URL="sqlite:///data/x.db").database["NAME"] == "/srv/cryoview/data/x.db"
    assert load(CRYOVIEW_DATABASE_URL="sqlite:////abs/x.db").database["NAME"] == "/abs/x.db"


def test_smtp_url():
    email = load(CRYOVIEW_EMAIL_URL="smtp://user:secret@mail.example.org:2525?tls=false").email
    assert email["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert email["OPTIONS"] == {
        "host": "mail.example.org",
        "port": 2525,
        "username": "user",
        "password": "secret",
        "use_ssl": False,
        "use_tls": False,
        "timeout": 20,
    }
    folder = load(CRYOVIEW_EMAIL_URL="file:///var/mail/cryoview").email
    assert folder["OPTIONS"] == {"file_path": "/var/mail/cryoview"}


def test_every_variable_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`(CRYOVIEW_[A-Z0-9_]+)`", readme))
    assert {v.name for v in env.VARIABLES} <= documented
    assert documented <= {v.name for v in env.VARIABLES}, "README documents a variable that does not exist"


def run_manage(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_") and k != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **variables},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_start_up_stops_with_the_variable_name(tmp_path):
    result = run_manage("check", CRYOVIEW_DEBUG="maybe", CRYOVIEW_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "Cryoview configuration error: CRYOVIEW_DEBUG: expected true or false, got 'maybe'" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = run_manage("check", CRYOVIEW_ENVIRONMENT="prod", CRYOVIEW_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "CRYOVIEW_SECRET_KEY: required in prod" in result.stderr


def test_production_passes_check_deploy_without_warnings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        CRYOVIEW_ENVIRONMENT="prod",
        CRYOVIEW_SECRET_KEY="k" * 10 + "-a-long-and-random-production-secret-0123456789abcdefXYZ",
        CRYOVIEW_ALLOWED_HOSTS="cryoview.example.org",
        CRYOVIEW_EMAIL_URL="smtp://cryoview:secret@mail.example.org:587",
        CRYOVIEW_DATABASE_URL=f"sqlite:///{tmp_path}/prod.sqlite3",
        CRYOVIEW_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_the_console_mailer_prints_links_whole():
    import io

    from django.core.mail import EmailMessage

    from cryoview.core.mail import ReadableConsoleBackend

    link = "http://127.0.0.1:8000/accounts/confirm-email/MQ:1xVxWr:vADsnTHVlX8biRxJlxGyYQgYrg5hARB_-IgTjfj3Zts/"
    stream = io.StringIO()
    backend = ReadableConsoleBackend(stream=stream, alias="default")
    backend.send_messages([EmailMessage("Confirm", f"To confirm this is correct, go to {link}", to=["a@b.org"])])
    assert link in stream.getvalue()


S3_VARIABLES = {
    "CRYOVIEW_S3_ENDPOINT_URL": "https://s3.example.org",
    "CRYOVIEW_S3_ACCESS_KEY_ID": "key",
    "CRYOVIEW_S3_SECRET_ACCESS_KEY": "secret",
    "CRYOVIEW_S3_PRIVATE_BUCKET": "cryoview-private",
    "CRYOVIEW_S3_PUBLIC_BUCKET": "cryoview-public",
}


def test_object_storage_is_off_by_default_and_on_with_the_buckets():
    assert load().s3 is None
    s3 = load(**S3_VARIABLES).s3
    assert s3 is not None
    assert (s3.endpoint_url, s3.region, s3.private_bucket, s3.public_bucket) == (
        "https://s3.example.org",
        "us-east-1",
        "cryoview-private",
        "cryoview-public",
    )
    assert s3.url_seconds == 300 and s3.public_url == ""
    # AWS itself: no endpoint, the region's.
    assert load(**{**S3_VARIABLES, "CRYOVIEW_S3_ENDPOINT_URL": ""}).s3.endpoint_url == ""  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("changes", "named", "fragment"),
    [
        ({"CRYOVIEW_S3_SECRET_ACCESS_KEY": ""}, "CRYOVIEW_S3_SECRET_ACCESS_KEY", "required when"),
        ({"CRYOVIEW_S3_ACCESS_KEY_ID": ""}, "CRYOVIEW_S3_ACCESS_KEY_ID", "required when"),
        ({"CRYOVIEW_S3_PUBLIC_BUCKET": ""}, "CRYOVIEW_S3_PUBLIC_BUCKET", "required when"),
        ({"CRYOVIEW_S3_PUBLIC_BUCKET": "cryoview-private"}, "CRYOVIEW_S3_PUBLIC_BUCKET", "must differ"),
        ({"CRYOVIEW_S3_PRIVATE_BUCKET": "Cryoview_Private"}, "CRYOVIEW_S3_PRIVATE_BUCKET", "expected a bucket name"),
        ({"CRYOVIEW_S3_PRIVATE_BUCKET": "ab"}, "CRYOVIEW_S3_PRIVATE_BUCKET", "expected a bucket name"),
        ({"CRYOVIEW_S3_PUBLIC_BUCKET": "public-"}, "CRYOVIEW_S3_PUBLIC_BUCKET", "must end with a letter or digit"),
        ({"CRYOVIEW_S3_PUBLIC_BUCKET": "a..b"}, "CRYOVIEW_S3_PUBLIC_BUCKET", "no '..'"),
        ({"CRYOVIEW_S3_ENDPOINT_URL": "s3.example.org"}, "CRYOVIEW_S3_ENDPOINT_URL", "expected http://host"),
        ({"CRYOVIEW_S3_ENDPOINT_URL": "ftp://s3.example.org"}, "CRYOVIEW_S3_ENDPOINT_URL", "expected http://host"),
        ({"CRYOVIEW_S3_ENDPOINT_URL": "https://s3.example.org:port"}, "CRYOVIEW_S3_ENDPOINT_URL", "not a number"),
        ({"CRYOVIEW_S3_ENDPOINT_URL": "https://s3.example.org/?x=1"}, "CRYOVIEW_S3_ENDPOINT_URL", "no query"),
        ({"CRYOVIEW_S3_PUBLIC_URL": "cdn.example.org"}, "CRYOVIEW_S3_PUBLIC_URL", "expected http://host"),
        ({"CRYOVIEW_S3_REGION": "EU West"}, "CRYOVIEW_S3_REGION", "expected a region"),
        ({"CRYOVIEW_S3_URL_SECONDS": "5"}, "CRYOVIEW_S3_URL_SECONDS", "at least 10"),
        ({"CRYOVIEW_S3_URL_SECONDS": "soon"}, "CRYOVIEW_S3_URL_SECONDS", "whole number"),
    ],
)
def test_object_storage_variables_are_parsed_strictly(changes, named, fragment):
    with pytest.raises(env.ConfigError) as caught:
        load(**{**S3_VARIABLES, **changes})
    assert caught.value.name == named
    assert fragment in str(caught.value)


def test_only_some_object_storage_variables_is_an_error_not_local_folders():
    with pytest.raises(env.ConfigError) as caught:
        load(CRYOVIEW_S3_PRIVATE_BUCKET="cryoview-private")
    assert caught.value.name == "CRYOVIEW_S3_ACCESS_KEY_ID"
    assert "required when CRYOVIEW_S3_PRIVATE_BUCKET is set" in str(caught.value)


def test_the_object_store_client_gives_up_within_seconds():
    from config.settings.base import s3_storages

    s3 = load(**S3_VARIABLES).s3
    assert s3 is not None
    stores = s3_storages(s3)
    config = stores["private"]["OPTIONS"]["client_config"]
    assert (config.connect_timeout, config.retries["max_attempts"]) == (3, 2)
    assert config.signature_version == "s3v4" and config.s3 == {"addressing_style": "path"}
    assert stores["private"]["OPTIONS"]["querystring_expire"] == 300
    assert stores["default"]["OPTIONS"]["querystring_auth"] is False


STORE_KEYS_AND_BUCKETS = {
    "CRYOVIEW_S3_ACCESS_KEY_ID": "key",
    "CRYOVIEW_S3_SECRET_ACCESS_KEY": "secret",
    "CRYOVIEW_S3_PRIVATE_BUCKET": "cv-private",
    "CRYOVIEW_S3_PUBLIC_BUCKET": "cv-public",
}


def test_the_content_security_policy_lets_media_come_from_the_object_store():
    from config.settings.base import media_origins

    assert media_origins(None) == []
    own = load(**STORE_KEYS_AND_BUCKETS, CRYOVIEW_S3_ENDPOINT_URL="https://s3.example.org:9000/").s3
    assert media_origins(own) == ["https://s3.example.org:9000"]
    cdn = load(
        **STORE_KEYS_AND_BUCKETS,
        CRYOVIEW_S3_ENDPOINT_URL="http://127.0.0.1:9000",
        CRYOVIEW_S3_PUBLIC_URL="https://cdn.example.org/media",
    ).s3
    assert media_origins(cdn) == ["http://127.0.0.1:9000", "https://cdn.example.org"]
    aws = media_origins(load(**STORE_KEYS_AND_BUCKETS, CRYOVIEW_S3_REGION="eu-west-1").s3)
    assert "https://cv-private.s3.eu-west-1.amazonaws.com" in aws and "https://cv-public.s3.amazonaws.com" in aws


def test_the_served_policy_names_the_store_when_the_buckets_are_set():
    """The settings module itself (a fresh process, as gunicorn starts it) puts the store in img-src and media-src."""
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CRYOVIEW_")},
        **STORE_KEYS_AND_BUCKETS,
        "CRYOVIEW_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "CRYOVIEW_ENVIRONMENT": "dev",
        "CRYOVIEW_DATA_DIR": str(ROOT / "var"),
    }
    code = "from django.conf import settings; print(settings.SECURE_CSP['media-src'], settings.SECURE_CSP['img-src'])"
    printed = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True
    )
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.count("http://127.0.0.1:9000") == 2
