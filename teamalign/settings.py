"""Settings for teamalign, driven by environment variables with defaults that work as they are.

Every variable is documented in docs/configuration.md; a test fails when one is not.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

from teamalign.ops.files import make_private, private_file_open, private_file_prepare, private_folder


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("TEAMALIGN_DATA_DIR", "teamalign-data")).resolve()
# Only the account teamalign runs as may read its data: the folder is 0700, its files 0600.
private_folder(DATA_DIR)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated on first run and kept in the data folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        try:
            descriptor = private_file_open(key_file)
        except FileExistsError:
            pass  # another process wrote it first: read theirs
        else:
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_urlsafe(64))
    make_private(key_file)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves its API docs assets from static files, not a CDN
    "teamalign.orgs",
    "teamalign.tickets",
    "teamalign.insights",
    "teamalign.web",
    "teamalign.ops",
]

MIDDLEWARE = [
    # First, so that every response gets the headers: static files, errors and refusals included.
    "teamalign.web.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "teamalign.api.middleware.ApiErrorMiddleware",  # outside the others, so it sees all their answers
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "teamalign.web.middleware.UploadSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "teamalign.urls"
WSGI_APPLICATION = "teamalign.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "teamalign.web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'teamalign.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the worker writes an import; IMMEDIATE avoids
    # "database is locked" upgrades inside write transactions.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if DATABASES["default"]["NAME"] and not str(DATABASES["default"]["NAME"]).startswith(("file:", ":memory:")):
        # Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the same mode.
        if not Path(DATABASES["default"]["NAME"]).parent.exists():
            private_folder(Path(DATABASES["default"]["NAME"]).parent)
        private_file_prepare(DATABASES["default"]["NAME"])
        for suffix in ("-wal", "-shm"):
            make_private(f"{DATABASES['default']['NAME']}{suffix}")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sign-in throttling (teamalign/web/throttle.py): failures in a sliding window, counted per account
# and address, per account, and per address; a browser that signed in to the account before is
# exempt from the last two, so nobody can lock a victim out from elsewhere.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ACCOUNT_FAILURE_LIMIT = envint("LOGIN_ACCOUNT_FAILURE_LIMIT", 20)
LOGIN_ADDRESS_FAILURE_LIMIT = envint("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
LOGIN_FAILURE_WINDOW = envint("LOGIN_FAILURE_WINDOW", 900)
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client; nobody else's is read.
TRUSTED_PROXIES = envlist("TRUSTED_PROXIES")

# Accounts: invitation links and password reset links.
INVITATION_VALID_DAYS = envint("INVITATION_VALID_DAYS", 7)
PASSWORD_RESET_TIMEOUT = envint("PASSWORD_RESET_VALID_HOURS", 72) * 3600
# The address people reach the server at, for links the command line prints.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve straight from the app folders when collectstatic has not run (tests, `manage runserver`).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
UPLOAD_DIR = DATA_DIR / "uploads"
# Uploaded files are kept this many days after a successful import, and this many after a failed
# or interrupted one; 0 keeps them for ever. `teamalign uploads clean` and the worker apply it.
UPLOAD_RETENTION_DAYS = envint("UPLOAD_RETENTION_DAYS", 90)
UPLOAD_RETENTION_FAILED_DAYS = envint("UPLOAD_RETENTION_FAILED_DAYS", 7)
# A process running an import or a job that has given no sign of life for this long (PostgreSQL
# heartbeat), or whose lock file is free, has died: its runs are marked interrupted.
RUN_LEASE_SECONDS = envint("RUN_LEASE_SECONDS", 60)

# Uploads: files above this size are refused with a clear message (bytes).
UPLOAD_MAX_BYTES = envint("UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
# Reading an uploaded file happens in a child process with these limits, so that no file can
# take the service down (teamalign/ingest/sandbox.py): address space in MB, and seconds.
IMPORT_PARSE_MEMORY_MB = envint("IMPORT_PARSE_MEMORY_MB", 4096)
IMPORT_PARSE_SECONDS = envint("IMPORT_PARSE_SECONDS", 900)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind TLS in production: set SECURE=true (see docs/configuration.md).
SECURE = envbool("SECURE", False)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and envbool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE and envbool("SECURE_HSTS_PRELOAD", True)
if envbool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = envlist("SILENCED_SYSTEM_CHECKS")
# A refused form gets the styled 403 page, not Django's plain one.
CSRF_FAILURE_VIEW = "teamalign.web.errors.csrf_failure"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A 403 is a refusal working as intended: one line, not a traceback.
    "filters": {"quiet_refusals": {"()": "teamalign.web.errors.QuietRefusals"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"filters": ["quiet_refusals"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
