"""Settings for development and tests; every value can come from the environment.

Production deployments use ``config.settings_production``, which refuses the
development secret and debug mode.
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
DEBUG = os.environ.get("DEBUG", "1") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]

INSTALLED_APPS = [
    "officials.admin_apps.OfficialsAdminConfig",  # the admin site, with TOTP when OTP_REQUIRED
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rules",
    "citizens",
    "points",
    "appeals",
    "notices",
    "statements",
    "audit",
    "api",
    "officials",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the admin login's response and turns a lockout into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=os.environ.get("CONN_HEALTH_CHECKS", "0") == "1",
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Concurrent writers wait for the lock instead of failing at once.
    # Writers take the lock when their transaction starts and wait for it,
    # instead of failing when a read lock cannot be upgraded.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- Officials' sign-in: lockout (django-axes) and TOTP (django-otp); docs/admin.md, "Signing in" ---
# AxesStandaloneBackend comes first: a locked-out attempt is refused before ModelBackend runs the
# password hasher, so guessing against a locked account costs no hashing CPU.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# Username and address together: a guesser locks only their own address out of one account, so
# nobody can lock an official out of the admin from elsewhere by typing wrong passwords.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout are refused without being counted, so the lock ends a fixed time after
# the last real failure and Retry-After can say when.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Failed attempts keep the form's fields for the superuser's view; none of these in clear.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token", "csrfmiddlewaretoken"]
AXES_CLIENT_IP_CALLABLE = "officials.signin.client_ip"
AXES_LOCKOUT_CALLABLE = "officials.signin.lockout_response"
# The request header a trusted proxy sets to the client's address (e.g. X-Real-IP behind nginx);
# empty: the connection's address. Never a header clients can set themselves.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")
# Staff need a verified TOTP device for the admin, and HTTP Basic for officials is refused.
# Production settings turn it on; development and tests leave it off so `make run`'s login works.
OTP_REQUIRED = os.environ.get("OTP_REQUIRED", "0") == "1"
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Points register")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # a device's key is shown once, when it is made

LANGUAGE_CODE = "en"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# The policy (YAML rule files) loaded when no version has been published.
POLICY_DIR = Path(os.environ.get("POLICY_DIR", BASE_DIR / "rules" / "policy"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Agency API (api/) -------------------------------------------------------
# Throttle counters live in Django's cache: set CACHE_URL=redis://127.0.0.1:6379/1 so that
# every gunicorn worker shares them (the default local-memory cache counts per process).
# django-redis rather than Django's own Redis backend: it keeps one client per process where
# Django's builds a client for every call, and increments in one round trip where Django's
# takes two (85 against 26 µs of CPU per get, 109 against 25 per increment; docs/performance.md).
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith("redis://"):
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": CACHE_URL}}
# Each process remembers agencies by token hash, checked against a generation kept in the cache
# (points/agencies.py). Only sound when every process shares the cache: with per-process memory
# a token rotated in one process would still work in the others.
AGENCY_TOKEN_MEMO = os.environ.get("AGENCY_TOKEN_MEMO", "1" if CACHE_URL.startswith("redis://") else "0") == "1"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.AgencyTokenAuthentication",
        "api.authentication.OfficialBasicAuthentication",
        "api.authentication.OfficialSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.DenyAll"],  # each view names its own
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.CallerThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "caller": os.environ.get("API_THROTTLE_CALLER", "6000/min"),
        "batch": os.environ.get("API_THROTTLE_BATCH", "60/min"),
    },
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.api_exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", 8 * 1024 * 1024))

SPECTACULAR_SETTINGS = {
    "TITLE": "Points system — agency API",
    "DESCRIPTION": "Report events, withdraw reports, read ledgers and ask eligibility. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_response_headers"],
}

# --- Due process (appeals/, notices/, statements/) ---------------------------
# Delivery channel for notices to citizens: notices.backends.StoredOnlyBackend (default: stored,
# shown by officials), LogBackend (the "notices" logger) or ConsoleBackend, or your own class.
NOTICES_BACKEND = os.environ.get("NOTICES_BACKEND", "notices.backends.StoredOnlyBackend")
# Agency codes allowed to file appeals on a citizen's behalf through the API (officials always may).
APPEAL_FILING_AGENCIES = [c for c in os.environ.get("APPEAL_FILING_AGENCIES", "").split(",") if c]

# --- Access log (audit/) ------------------------------------------------------
# Addresses of the reverse proxies in front of the application (comma-separated). A request whose
# peer is one of them is logged under the client address the proxy put in X-Forwarded-For; with
# none the header is ignored and REMOTE_ADDR is logged (audit/sources.py).
TRUSTED_PROXIES = [a.strip() for a in os.environ.get("TRUSTED_PROXIES", "").split(",") if a.strip()]

# --- The ledger's proofs (points/keys.py, points/checkpoints.py, docs/due-process.md) ------------
# Keys that never live in the database. LEDGER_KEYS: "id:secret" pairs (commas or, in
# LEDGER_KEYS_FILE, one a line); LEDGER_KEY_ID: the key new entries are chained under (default:
# the last listed). Old keys stay listed so the entries made under them still verify.
LEDGER_KEYS_FILE = os.environ.get("LEDGER_KEYS_FILE", "")
_ledger_keys_text = os.environ.get("LEDGER_KEYS", "")
if LEDGER_KEYS_FILE:
    _ledger_keys_text += "\n" + Path(LEDGER_KEYS_FILE).read_text()
from points.keys import DEV_KEY, DEV_KEY_ID, parse_keys  # noqa: E402  (plain module: no models)

LEDGER_KEYS = parse_keys(_ledger_keys_text) or {DEV_KEY_ID: DEV_KEY}
LEDGER_KEY_ID = os.environ.get("LEDGER_KEY_ID", list(LEDGER_KEYS)[-1])
# Ed25519 private key (PEM) that signs checkpoints; empty: a development key. The public keys
# checkpoints are verified with (PEM files, comma-separated; default: the signing key's own).
LEDGER_SIGNING_KEY_FILE = os.environ.get("LEDGER_SIGNING_KEY_FILE", "")
LEDGER_CHECKPOINT_PUBLIC_KEYS = [p for p in os.environ.get("LEDGER_CHECKPOINT_PUBLIC_KEYS", "").split(",") if p]
# The append-only store of signed checkpoints, outside the database.
LEDGER_CHECKPOINT_DIR = Path(os.environ.get("LEDGER_CHECKPOINT_DIR", BASE_DIR / "var" / "checkpoints"))
# Sign a checkpoint at the end of every bulk ingest run (ingest_events, bench/ingest.py).
LEDGER_CHECKPOINT_AFTER_INGEST = os.environ.get("LEDGER_CHECKPOINT_AFTER_INGEST", "1") == "1"

# --- Database roles (points/db_roles.py, docs/operations.md "Database roles") -------------------
# The restricted role the application connects as: `migrate` (run as the owner) grants it its
# privileges. Empty: no grants (SQLite, or a single-role development database).
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "")
# Refuse to use a default connection that logs in as a superuser or as the owner of the tables.
# config.settings_production turns it on; migrations run with DATABASE_ROLE=owner.
DATABASE_REFUSE_PRIVILEGED = False
