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
    "phonenumber_field",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "rules",
    "citizens",
    "points",
    "authoring",
    "appeals",
    "notices",
    "statements",
    "audit",
    "api",
    "officials",
    "portal",
]

MIDDLEWARE = [
    "api.middleware.ApiRefusalMiddleware",  # first: every /api/ refusal, whoever makes it, in the JSON shape
    "config.middleware.ProxyClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions (the set_language view's choice lives there), before CommonMiddleware (its
    # redirects and 404s are then in the request's language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the admin login's response and turns a lockout into the 429 page.
    "axes.middleware.AxesMiddleware",
]

# The direct peers whose CLIENT_IP_HEADER is believed ("" is gunicorn's Unix socket); from any other
# the header is dropped (config/middleware.py, docs/operations.md).
PROXY_TRUSTED_PEERS = os.environ.get("PROXY_TRUSTED_PEERS", "127.0.0.1,::1,").split(",")

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
    # The test database is a file, not shared memory: a worker in another thread or process
    # (tests/notices) then waits for the write lock as in production instead of failing at once.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", str(BASE_DIR / ".test-db.sqlite3"))

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

# --- Languages (docs/operations.md, "Languages") ------------------------------
# Each request gets the language its browser asks for (Accept-Language, LocaleMiddleware) or the one
# chosen in the language switcher (/i18n/setlang/); LANGUAGE_CODE is the fallback when it asks for
# neither, and the language of management commands, tasks and notices to citizens with none
# recorded. The shipped deployment is Suining's, so Simplified Chinese.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Dates and times in each language's conventions (config/formats/): 2026年12月1日 and 24-hour times.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"

# The admin's header and browser title; the default's words are in the catalogues (translated per request).
SITE_HEADER = os.environ.get("SITE_HEADER", "睢宁县积分管理 / Suining points office")
STATIC_ROOT = BASE_DIR / "staticfiles"

# The policy (YAML rule files) loaded when no version has been published.
POLICY_DIR = Path(os.environ.get("POLICY_DIR", BASE_DIR / "rules" / "policy"))
# How often each process asks the database whether a newer policy version was published (rules/published.py).
POLICY_CHECK_SECONDS = float(os.environ.get("POLICY_CHECK_SECONDS", "1"))

# Plug point: the function giving the open appeals (of a citizen), which eligibility decisions
# mention. The appeals app builds on points, so points finds it through this setting.
POINTS_OPEN_APPEALS = "appeals.selectors.appeals_open"
# Tables that other apps' receivers write while points ingests in bulk (analysed after a run).
POINTS_BULK_ALSO_WRITES = ["notices.Notice"]

# Every line goes through one handler that masks resident IDs (config/log_filters.py); Django's own
# handlers (a console in DEBUG, mail to ADMINS) are dropped so that nothing is written unmasked.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_resident_ids": {"()": "config.log_filters.MaskResidentIds"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_resident_ids"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    # django.request's warning for a 4xx ("Not Found: /favicon.ico") repeats the access line the server
    # writes for the same request (django.server, gunicorn); errors (5xx, with tracebacks) still reach it.
    "loggers": {"django": {"handlers": []},
                "django.request": {"level": "ERROR"},
                "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# --- Agency API (api/) -------------------------------------------------------
# Throttle counters live in Django's cache: set CACHE_URL=redis://127.0.0.1:6379/1 so that
# every gunicorn worker shares them (the default local-memory cache counts per process).
# django-redis rather than Django's own Redis backend: it keeps one client per process where
# Django's builds a client for every call, and increments in one round trip where Django's
# takes two (docs/performance.md, "Cache").
CACHE_URL = os.environ.get("CACHE_URL", "")
# The cache only remembers: with Redis down or slow (a quarter of a second at most per call), cache
# reads miss, writes are dropped and throttles let requests through (api/throttling.py, docs/operations.md).
REDIS_CACHE_OPTIONS = {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25}
if CACHE_URL.startswith("redis://"):
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": CACHE_URL,
                          "OPTIONS": REDIS_CACHE_OPTIONS}}
# Each process remembers agencies by token hash, checked against a generation kept in the database
# (points/agencies.py): one primary-key read per request instead of the agency's row.
AGENCY_TOKEN_MEMO = os.environ.get("AGENCY_TOKEN_MEMO", "1") == "1"

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
# Arrays and objects nested deeper than this are refused (400) before decoding; a report needs 4.
API_MAX_JSON_DEPTH = int(os.environ.get("API_MAX_JSON_DEPTH", 32))

SPECTACULAR_SETTINGS = {
    "TITLE": "Points system — agency API",
    "DESCRIPTION": "Report events, withdraw reports, read ledgers and ask eligibility. See docs/api.md.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_response_headers"],
}

# --- Due process (appeals/, notices/, statements/) ---------------------------
# Notices are delivered by the task queue (notices/tasks.py) through one channel each: the
# citizen's preferred one if they consented to electronic notices, else a printed letter.
# Each channel is a class named by a dotted path (notices/channels.py).
NOTICES_CHANNELS = {
    "email": os.environ.get("NOTICES_EMAIL_CHANNEL", "notices.channels.EmailChannel"),
    "sms": os.environ.get("NOTICES_SMS_CHANNEL", "notices.channels.SmsChannel"),
    "letter": os.environ.get("NOTICES_LETTER_CHANNEL", "notices.channels.LetterChannel"),
}
# The SMS gateway: notices.sms.HttpGateway (POSTs JSON to NOTICES_SMS_GATEWAY_URL) or
# notices.sms.ConsoleGateway (prints; development).
NOTICES_SMS_GATEWAY = os.environ.get("NOTICES_SMS_GATEWAY", "notices.sms.ConsoleGateway")
NOTICES_SMS_GATEWAY_URL = os.environ.get("NOTICES_SMS_GATEWAY_URL", "")
NOTICES_SMS_GATEWAY_TOKEN = os.environ.get("NOTICES_SMS_GATEWAY_TOKEN", "")
NOTICES_SMS_TIMEOUT = float(os.environ.get("NOTICES_SMS_TIMEOUT", "10"))
# Attempts before a notice goes to dead letter; the wait after attempt n is BASE * 2**(n-1) s (capped).
NOTICES_MAX_ATTEMPTS = int(os.environ.get("NOTICES_MAX_ATTEMPTS", "6"))
NOTICES_RETRY_BASE_SECONDS = float(os.environ.get("NOTICES_RETRY_BASE_SECONDS", "30"))
NOTICES_RETRY_MAX_SECONDS = float(os.environ.get("NOTICES_RETRY_MAX_SECONDS", "1800"))
# A worker owns the notices it claimed for this long; after it, the sweep gives them to another.
NOTICES_LEASE_SECONDS = float(os.environ.get("NOTICES_LEASE_SECONDS", "300"))
# A pending notice not taken this long after it was due is re-enqueued by the sweep (lost job).
NOTICES_SWEEP_GRACE_SECONDS = float(os.environ.get("NOTICES_SWEEP_GRACE_SECONDS", "120"))
# Days before points stop counting that the citizen is told.
NOTICES_EXPIRY_WARNING_DAYS = int(os.environ.get("NOTICES_EXPIRY_WARNING_DAYS", "30"))
# The officials told by email when an appeal is escalated: active staff in this group.
NOTICES_SUPERVISORS_GROUP = os.environ.get("NOTICES_SUPERVISORS_GROUP", "Supervisors")
# 0: notices are written pending but not handed to the queue after commit; the sweep enqueues them
# (for measuring what enqueueing costs a bulk ingest, and for a bulk load with no worker running).
NOTICES_ENQUEUE_ON_COMMIT = os.environ.get("NOTICES_ENQUEUE_ON_COMMIT", "1") == "1"

# Email: Django's framework. SMTP by default; EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend
# hands it to a provider (django-anymail), console/filebased backends for development.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Points register <notices@points.invalid>")

PHONENUMBER_DEFAULT_REGION = "CN"
PHONENUMBER_DB_FORMAT = "E164"

# --- Task queue (Celery; config/celery.py, docs/operations.md) ---------------
# Without CELERY_BROKER_URL tasks go to an in-process memory broker no worker reads: notices
# stay pending (nothing is lost) until a real worker and the sweep run.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "points")
CELERY_TASK_ACKS_LATE = True  # a message is acknowledged after its task ran, not when received
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed pool child's message goes back to the queue
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Workers keep Django's LOGGING (its filter masks resident IDs) instead of replacing the root handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish that fails (broker down) fails fast: the notice stays pending for the sweep.
CELERY_TASK_PUBLISH_RETRY = False
# Longer than the longest retry wait, so that Redis never re-delivers a waiting retry.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 7200, "socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get("CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "celerybeat-schedule"))
CELERY_BEAT_SCHEDULE = {
    "deliver-sweep": {"task": "notices.sweep", "schedule": float(os.environ.get("NOTICES_SWEEP_EVERY", "30"))},
    "enroll-due": {"task": "notices.enroll_due", "schedule": 3600.0},
    "expire-points": {"task": "notices.expire_points", "schedule": 3600.0},
    "expiry-warnings": {"task": "notices.expiry_warnings", "schedule": 3600.0},
    "appeals-overdue": {"task": "notices.appeals_overdue", "schedule": 3600.0},
    "appeals-deadlines": {"task": "notices.appeals_deadlines", "schedule": 3600.0},
    "ledger-checkpoint": {"task": "notices.ledger_checkpoint", "schedule": 3600.0},
}

# Agency codes allowed to file appeals on a citizen's behalf through the API (officials always may).
APPEAL_FILING_AGENCIES = [c for c in os.environ.get("APPEAL_FILING_AGENCIES", "").split(",") if c]

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

# --- The citizen's portal (portal/, docs/citizens.md) -----------------------------------------
# Sign-in codes: how long one works, how many wrong tries end it, how many a person may ask for per
# window, and the lockout: that many wrong codes for one resident ID (from any address) or from one
# address (for any ID) within the window lock further tries until the window after the last one ends.
PORTAL_CODE_SECONDS = int(os.environ.get("PORTAL_CODE_SECONDS", "300"))
PORTAL_CODE_MAX_TRIES = int(os.environ.get("PORTAL_CODE_MAX_TRIES", "5"))
PORTAL_CODE_REQUESTS = int(os.environ.get("PORTAL_CODE_REQUESTS", "3"))
PORTAL_FAILURE_LIMIT = int(os.environ.get("PORTAL_FAILURE_LIMIT", "5"))
PORTAL_ADDRESS_FAILURE_LIMIT = int(os.environ.get("PORTAL_ADDRESS_FAILURE_LIMIT", "20"))
PORTAL_LOCKOUT_MINUTES = int(os.environ.get("PORTAL_LOCKOUT_MINUTES", "15"))
# A printed activation letter's code works this many days (once).
PORTAL_LETTER_CODE_DAYS = int(os.environ.get("PORTAL_LETTER_CODE_DAYS", "30"))
# A citizen's session ends after this long without a request, and at the latest this long after sign-in.
PORTAL_SESSION_IDLE_SECONDS = int(os.environ.get("PORTAL_SESSION_IDLE_SECONDS", "900"))
PORTAL_SESSION_MAX_SECONDS = int(os.environ.get("PORTAL_SESSION_MAX_SECONDS", str(4 * 3600)))
# Evidence files of appeals: outside the web root (never under STATIC_ROOT), served only through
# portal.views / the appeals admin after an owner or staff check.
EVIDENCE_ROOT = Path(os.environ.get("EVIDENCE_ROOT", BASE_DIR / "var" / "evidence"))
EVIDENCE_MAX_BYTES = int(os.environ.get("EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))
EVIDENCE_MAX_FILES = int(os.environ.get("EVIDENCE_MAX_FILES", "5"))
