"""Settings for Meldcode: one module, configured only through environment variables.

Every variable is parsed strictly (see ``meldcode.env``): a value that cannot be understood stops start-up with a
message naming the variable. Production differs from development only through the environment.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from meldcode.env import env_base_url, env_bool, env_dates, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("MELDCODE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

_secret_key = env_str("SECRET_KEY", "")
if not _secret_key:
    if not DEBUG:
        raise ImproperlyConfigured(
            "The environment variable SECRET_KEY is required when DEBUG is off "
            "(set DEBUG=true for local development only)."
        )
    _secret_key = "django-insecure-development-only-key-never-use-in-production-0123456789"
elif not DEBUG and (len(_secret_key) < 50 or len(set(_secret_key)) < 5):
    raise ImproperlyConfigured("The environment variable SECRET_KEY must be at least 50 random characters.")
SECRET_KEY = _secret_key

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("The environment variable ALLOWED_HOSTS is required when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "axes",
    "pgtrigger",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks_db",
    "crontask",
    "accounts",
    "schools",
    "cases",
    "dossier",
    "reporting",
    "guide",
    "outbox",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "meldcode.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.LanguageCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cases.audit.AuditContextMiddleware",
    "accounts.second_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "cases.audit.RefusedAccessAuditMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "meldcode.urls"
WSGI_APPLICATION = "meldcode.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "cases.context_processors.navigation",
                "guide.context_processors.page_help",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL", "")
if not _database_url:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _database_url = f"sqlite:///{VAR_DIR / 'meldcode.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
except ValueError as exc:
    raise ImproperlyConfigured(f"The environment variable DATABASE_URL cannot be parsed: {exc}") from exc
# A kept connection is checked before a request uses it (CONN_HEALTH_CHECKS): after PostgreSQL restarted or failed
# over, each worker opens a new connection instead of failing its next request on the dead one (docs/scale-out.md).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Caches -----------------------------------------------------------------------------------------------------
# Only in each process's own memory: nothing about a case is written to a shared or persistent cache.
# "fragments": rendered chronology items, keyed by a digest of everything they show (cases.fragments).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "TIMEOUT": env_int("FRAGMENT_CACHE_SECONDS", 600, minimum=0),
        "OPTIONS": {"MAX_ENTRIES": env_int("FRAGMENT_CACHE_ENTRIES", 5000, minimum=1)},
    },
}

# --- Authentication and object permissions ----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username before the password is checked
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user with permissions
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Lock-out after failed logins (django-axes, kept in the database so it holds across processes) -------------
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# The client's address, also for the audit trail: the N-th entry from the right of X-Forwarded-For when N trusted
# proxies stand in front of the application (``accounts.client_address``); by default 1 behind the TLS proxy, else 0.
MELDCODE_TRUSTED_PROXY_COUNT = env_int(
    "TRUSTED_PROXY_COUNT", 1 if env_bool("BEHIND_TLS_PROXY", False) else 0, minimum=0
)
AXES_CLIENT_IP_CALLABLE = "accounts.client_address.client_address"
# Besides the lock per username and address: a slower limit per username over all addresses
# (``accounts.login_throttle``). After this many failures for a username within the lock-out time, from any
# addresses, a login from an address the user has not logged in from successfully in the last
# ``LOGIN_KNOWN_ADDRESS_DAYS`` is refused; the user's own, known addresses keep working.
MELDCODE_LOGIN_USERNAME_FAILURE_LIMIT = env_int("LOGIN_USERNAME_FAILURE_LIMIT", 20, minimum=1)
MELDCODE_LOGIN_KNOWN_ADDRESS_DAYS = env_int("LOGIN_KNOWN_ADDRESS_DAYS", 90, minimum=1)

# --- Second factor (django-otp: TOTP, and one-time backup codes) ------------------------------------------------
# Required for IB'ers, aandachtsfunctionarissen and admin users; for teachers when their school says so
# (``School.require_second_factor_for_teachers``). Failed codes are throttled per device: after n wrong codes the
# next attempt must wait 2^(n-1) × the factor in seconds, but never longer than the ceiling (``accounts.second_factor``
# keeps the count of failures below the one whose wait would pass it).
OTP_TOTP_ISSUER = "Meldcode"
OTP_TOTP_THROTTLE_FACTOR = env_int("SECOND_FACTOR_THROTTLE_SECONDS", 2, minimum=1)
SECOND_FACTOR_THROTTLE_MAX_SECONDS = env_int("SECOND_FACTOR_THROTTLE_MAX_SECONDS", 300, minimum=1)
OTP_STATIC_THROTTLE_FACTOR = OTP_TOTP_THROTTLE_FACTOR
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Sessions and cookies -------------------------------------------------------------------------------------
# SESSION_IDLE_SECONDS (when set) overrides the minutes: the fault tests' idle expiry across two servers.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60, minimum=1)
SESSION_SAVE_EVERY_REQUEST = True  # the age above is an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
_secure_default = not DEBUG
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _secure_default)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Transport security and headers ---------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _secure_default)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if not DEBUG else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

# Browser features the application never uses are switched off for every page (django-permissions-policy).
PERMISSIONS_POLICY = {
    feature: []
    for feature in [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
}

# --- Language and time ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Dates in words in both languages ("14 december 2026" / "14 December 2026"): meldcode/formats/<language>/formats.py
FORMAT_MODULE_PATH = ["meldcode.formats"]
TIME_ZONE = "Europe/Amsterdam"
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
# In development (and in tests, which import the settings with DEBUG=true) files are found in the app folders.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- E-mail (Django 6.1 MAILERS; the outbox: docs/tasks.md) -------------------------------------------------------
# Nothing sends mail in a request: the "default" mailer (what ``send_mail`` uses) stores each message in the outbox,
# in the transaction that caused it, and the task worker delivers it with the "delivery" mailer, retrying with
# back-off while the mail server is down. EMAIL_BACKEND chooses the delivery backend: the console in development
# (the mails appear in the worker's output), SMTP in production.
_email_backend = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
_email_options = {}
if _email_backend == "django.core.mail.backends.smtp.EmailBackend":
    _email_options = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25, minimum=1),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", False),
        # A mail server that accepts the connection and then says nothing must not hold the worker for ever.
        "timeout": env_int("EMAIL_TIMEOUT", 30, minimum=1),
    }
MAILERS = {
    "default": {"BACKEND": "outbox.backends.OutboxEmailBackend"},
    "delivery": {"BACKEND": _email_backend, "OPTIONS": _email_options},
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "meldcode@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail the server refuses is tried again after 1, 2, 4, 8 … minutes (at most the cap), this many times in all
# (the default: about a day), then marked failed (logged by id; the admin can queue it again).
MELDCODE_OUTBOX_MAX_ATTEMPTS = env_int("MELDCODE_OUTBOX_MAX_ATTEMPTS", 30, minimum=1)
MELDCODE_OUTBOX_BACKOFF_CAP_MINUTES = env_int("MELDCODE_OUTBOX_BACKOFF_CAP_MINUTES", 60, minimum=1)
# A queued mail this long past its time whose task no longer waits (its worker was killed) gets a new task.
MELDCODE_OUTBOX_STALE_MINUTES = env_int("MELDCODE_OUTBOX_STALE_MINUTES", 10, minimum=1)
# Sent mails (their bodies are emptied on sending) are deleted after this many days.
MELDCODE_OUTBOX_KEEP_DAYS = env_int("MELDCODE_OUTBOX_KEEP_DAYS", 30, minimum=1)

# --- The task queue (Django's tasks framework; docs/tasks.md) ------------------------------------------------
# One queue for the project's background work, kept in the application's own database (django-tasks-db): the worker
# is ``manage.py db_worker``, started next to the web server (README, Production). It renders the parent extracts
# and delivers the outbox's mails. Periodic tasks (the reminders, the outbox's upkeep) are enqueued on time by
# django-crontask's scheduler, ``manage.py crontask --no-heartbeat`` (exactly one per installation).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Logging: no personal data; request paths and user ids only ------------------------------------------------
# A query string never reaches a log line: it may hold a search term (the admin's pupil search, ``?q=<name>``) or a
# ``next`` address that does. The development server's request lines go through the same handler and filter
# (``meldcode.log_filters``); gunicorn's access log format leaves the query string out (``gunicorn.conf.py``).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query_strings": {"()": "meldcode.log_filters.NoQueryStrings"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["no_query_strings"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every page it lays out at INFO: a line per page of a parent extract in the task worker's log.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "weasyprint.progress": {"level": "WARNING"},
        # The scheduler (manage.py crontask) logs every run of its lock's 5-second refresh at INFO; the tasks it
        # enqueues are logged by the worker anyway.
        "apscheduler.executors.default": {"level": "WARNING"},
    },
}

# --- The meldcode ---------------------------------------------------------------------------------------------
# A closed case is kept this many years (there is no statutory term for the meldcode file; domain.md §6).
MELDCODE_RETENTION_YEARS = env_int("MELDCODE_RETENTION_YEARS", 2, minimum=1)
# Steps 1-3 have no legal deadline: a reminder when a case has stood still this many working days (domain.md §5).
MELDCODE_STANDSTILL_WORKING_DAYS = env_int("MELDCODE_STANDSTILL_WORKING_DAYS", 10, minimum=1)
# The weighing (step 4) is due this many working days after the case was handed over for it (issue 16).
MELDCODE_WEIGHING_WORKING_DAYS = env_int("MELDCODE_WEIGHING_WORKING_DAYS", 5, minimum=1)
# After the evaluation of the help (question 5 = yes; due on the help plan's evaluation date), the monitoring
# agreements are due this many working days later (issue 16).
MELDCODE_EVALUATION_WORKING_DAYS = env_int("MELDCODE_EVALUATION_WORKING_DAYS", 5, minimum=1)
# Working days follow the Algemene termijnenwet (domain.md §9.10): Saturdays, Sundays and its general holidays are
# skipped (``cases.deadlines.public_holidays``). Days the government declares equal to a general holiday (art. 3(2)),
# as ISO dates separated by commas, are skipped too.
MELDCODE_EXTRA_HOLIDAYS = env_dates("MELDCODE_EXTRA_HOLIDAYS")
# Good Friday is not a general holiday of the Act; a school that is closed that day may count it as one.
MELDCODE_GOOD_FRIDAY_HOLIDAY = env_bool("MELDCODE_GOOD_FRIDAY_HOLIDAY", False)
# At most this many records of the chronology per user per hour (counted in the database, over every kind of record):
# a flood of records makes a case's parent extract too large to release (issue 18).
MELDCODE_RECORDS_PER_HOUR = env_int("MELDCODE_RECORDS_PER_HOUR", 60, minimum=1)
# An urgent alert (an emergency proposal; a new signal during monitoring or with Veilig Thuis involved) that no
# aandachtsfunctionaris acknowledges within this many working hours is mailed again to the school's
# aandachtsfunctionarissen and IB'ers, and after as many more to the board's contact (``cases.alerts``). Only school
# hours on working days count: from MELDCODE_SCHOOL_DAY_START to MELDCODE_SCHOOL_DAY_END o'clock.
MELDCODE_ALERT_ESCALATE_WORKING_HOURS = env_int("MELDCODE_ALERT_ESCALATE_WORKING_HOURS", 2, minimum=1)
MELDCODE_SCHOOL_HOURS = (
    env_int("MELDCODE_SCHOOL_DAY_START", 8, minimum=0),
    env_int("MELDCODE_SCHOOL_DAY_END", 17, minimum=1),
)
# The address of the application, for the links in e-mails (reminders, hand-overs). Required in production.
MELDCODE_BASE_URL = env_base_url("MELDCODE_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "")
# A parent extract still "being prepared" this long after it was released has lost its task (the worker stopped): it
# is shown as failed and can be released again.
MELDCODE_EXTRACT_TIMEOUT_MINUTES = env_int("MELDCODE_EXTRACT_TIMEOUT_MINUTES", 15, minimum=1)
# Load WeasyPrint and its fonts when the WSGI application starts (meldcode/wsgi.py), so a worker's first parent
# extract does not pay about a second for it. Management commands and tests never load meldcode/wsgi.py.
MELDCODE_PDF_WARM_UP = env_bool("MELDCODE_PDF_WARM_UP", True)
