"""Production settings: PostgreSQL, no debug, a real secret, secure cookies."""
import os

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F401,F403
from config.settings import DATABASES, DEV_SECRET_KEY, LEDGER_KEYS, LEDGER_SIGNING_KEY_FILE, SECRET_KEY
from points.keys import DEV_KEY_ID

if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 32 characters.")
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

# Persistent connections: a connection per request costs PostgreSQL a new backend process each time
# (bench/api_load.py with CONN_MAX_AGE=0: 110 reports/s and 176 eligibility answers/s, against 350 and
# 1,100 with these). The health check (one "SELECT 1" when a request first uses a kept connection,
# no measurable cost) turns a connection lost to a database restart into a reconnect, not an error.
if "CONN_MAX_AGE" not in os.environ:
    DATABASES["default"]["CONN_MAX_AGE"] = 600
if "CONN_HEALTH_CHECKS" not in os.environ:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Officials sign in with a password and a TOTP code; HTTP Basic for officials is refused
# (docs/operations.md, "Officials' sign-in in production"). Not an environment switch on purpose.
OTP_REQUIRED = True
