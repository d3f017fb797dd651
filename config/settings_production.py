"""Production settings: PostgreSQL, no debug, a real secret, HTTPS only behind nginx, secure cookies.

``manage.py check --deploy`` is clean with these (tests/config/test_safe_defaults.py).
The stack and every setting here: docs/operations.md.
"""
import os

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F401,F403
from config.settings import DATABASES, DEV_SECRET_KEY, LEDGER_KEYS, LEDGER_SIGNING_KEY_FILE, SECRET_KEY
from points.keys import DEV_KEY_ID

# 50 characters, as Django's own deployment check asks (security.W009).
if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters.")
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("Production runs on PostgreSQL: set DATABASE_URL=postgres://...")

# The ledger's proofs need keys kept outside the database (docs/due-process.md).
if DEV_KEY_ID in LEDGER_KEYS:
    raise ImproperlyConfigured("Set LEDGER_KEYS (or LEDGER_KEYS_FILE) to real chain keys, not the development one.")
if not LEDGER_SIGNING_KEY_FILE:
    raise ImproperlyConfigured("Set LEDGER_SIGNING_KEY_FILE to the Ed25519 key that signs ledger checkpoints.")
if "LEDGER_CHECKPOINT_DIR" not in os.environ:
    raise ImproperlyConfigured("Set LEDGER_CHECKPOINT_DIR to the append-only checkpoint store outside the database.")
# The application never connects as a superuser or as the owner of the tables; migrations run as the
# owner with DATABASE_ROLE=owner (docs/operations.md, "Database roles").
DATABASE_REFUSE_PRIVILEGED = os.environ.get("DATABASE_ROLE", "app") != "owner"

# Persistent connections: a connection per request costs PostgreSQL a new backend process each time,
# which dominates a short request (docs/performance.md, "Settings that matter"). The health check (one
# "SELECT 1" when a request first uses a kept connection) turns a connection lost to a database restart
# into a reconnect, not an error.
if "CONN_MAX_AGE" not in os.environ:
    DATABASES["default"]["CONN_MAX_AGE"] = 600
if "CONN_HEALTH_CHECKS" not in os.environ:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEBUG = False

# Behind nginx (deploy/nginx.conf), which terminates TLS and sets X-Forwarded-Proto to the scheme the
# client used and X-Real-IP to the client's address, overwriting whatever the client sent; gunicorn
# listens only where nginx reaches it (a Unix socket or loopback), so nobody else can set them.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "X-Real-IP")
# nginx redirects plain HTTP itself; this catches anything that reaches Django otherwise.
SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
# The header only allows submitting the domain to browsers' preload list, which is a separate, manual step.
SECURE_HSTS_PRELOAD = os.environ.get("SECURE_HSTS_PRELOAD", "1") == "1"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Officials sign in with a password and a TOTP code; HTTP Basic for officials is refused
# (docs/operations.md, "Officials' sign-in in production"). Not an environment switch on purpose.
OTP_REQUIRED = True
