"""Production: refuses to start without a real secret key; passes `manage.py check --deploy`."""

from .base import *  # noqa: F403
from .base import CONFIG

if not CONFIG.secret_key or len(CONFIG.secret_key) < 50 or len(set(CONFIG.secret_key)) < 5:
    raise SystemExit(
        "Cryoview configuration error: CRYOVIEW_SECRET_KEY: required in prod, at least 50 random characters "
        "(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')"
    )
if CONFIG.debug:
    raise SystemExit("Cryoview configuration error: CRYOVIEW_DEBUG: must be false in prod")
SECRET_KEY = CONFIG.secret_key
DEBUG = False

# TLS is terminated by nginx, which sets X-Forwarded-Proto (see README, "Production").
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = CONFIG.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"
