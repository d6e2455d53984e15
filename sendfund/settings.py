"""sendfund settings: one file, driven by environment variables (see README "Configuration")."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from sendfund.lib.env import env_bool, env_int, env_list
from sendfund.schools.sso_config import providers_from_environment

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (see README).")
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "sendfund.schools.admin_apps.SupportAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "template_partials",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.usersessions",
    "sendfund.schools",
    "sendfund.jobs",
    "pupils",
    "funding",
    "advocacy",
    "reports",
    "sendfund.demo",
    "pgtrigger",
    "pghistory",
    "sendfund.audit",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy, Permissions-Policy and Cache-Control on every response,
    # the 503 page included (sendfund/headers.py).
    "csp.middleware.CSPMiddleware",
    "sendfund.headers.HeadersMiddleware",
    # A NUL character in a query or form is a clear 400 (PostgreSQL text cannot hold it).
    "sendfund.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # No LocaleMiddleware: with one language (en-GB) there is nothing to choose between, and
    # every request paid 0.1 ms to choose it (issue #10).
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "sendfund.schools.mfa.MfaEnforcementMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sendfund.schools.middleware.CurrentSchoolMiddleware",
    "sendfund.schools.idle.IdleTimeoutMiddleware",
    # After the school is known: who and which request, for the audit trail.
    "sendfund.audit.middleware.AuditMiddleware",
    # A request that may write runs in one transaction ending with pupils.summaries.settle.
    "pupils.summaries.SummaryMiddleware",
    # Axes last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sendfund.urls"

# The dashboard's figures and the trust table, rendered once per stored summary (funding.views,
# reports.views). Keys are made from the summaries' ids, which a write replaces, so each
# process's own memory is enough and nodes never disagree; at most 500 renderings (about
# 50 KB each) a process. A cache shared between processes would work the same, but must be
# cleared on deploy (a kept rendering follows the templates of the release that made it).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "sendfund-renderings",
        "OPTIONS": {"MAX_ENTRIES": 500},
    }
}
WSGI_APPLICATION = "sendfund.wsgi.application"

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
                "sendfund.schools.context_processors.current_school",
                "sendfund.schools.idle.idle_context",
            ],
            "builtins": ["sendfund.templatetags.sendfund"],
        },
    }
]

# PostgreSQL only, everywhere: scripts/run, scripts/test and scripts/bench export DATABASE_URL
# (the server on 127.0.0.1:5432, else the embedded one in .pgdata/); a DEBUG run without it uses
# the local server; production must name its database.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if not DATABASE_URL:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DATABASE_URL must be set when DEBUG is off, e.g. "
            "postgres://sendfund:password@db.internal:5432/sendfund (see README)."
        )
    DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sendfund"
if DATABASE_URL.split("://", 1)[0].lower() not in {"postgres", "postgresql", "pgsql"}:
    raise ImproperlyConfigured(
        "DATABASE_URL must point at PostgreSQL (postgres://user:password@host:port/name), not "
        f"{DATABASE_URL.split(':', 1)[0]!r}: sendfund runs on PostgreSQL only (scripts/run "
        "starts an embedded one when it finds no server)."
    )
# An outage is answered quickly, not by a hung worker: connecting gives up after
# DB_CONNECT_TIMEOUT seconds (libpq's connect_timeout, which counts 1 as 2) and the server
# cancels any statement running longer than DB_STATEMENT_TIMEOUT seconds (0: no limit, e.g.
# for one long migration). A page that cannot reach the database is the 503 page
# (sendfund.views.server_error); /healthz keeps its own, shorter limits (sendfund/health.py).
DB_CONNECT_TIMEOUT = env_int("DB_CONNECT_TIMEOUT", 5, minimum=1, maximum=600)
DB_STATEMENT_TIMEOUT = env_int("DB_STATEMENT_TIMEOUT", 30, minimum=0, maximum=86_400)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0, maximum=3_600),
        conn_health_checks=True,
    )
}
# Django's PostgreSQL backend with a health check that needs no round trip (sendfund/db/base.py).
DATABASES["default"]["ENGINE"] = "sendfund.db"
# The lookups every request makes are PREPAREd once per connection (sendfund.lib.sql.Prepared);
# 0 behind a connection pooler in transaction mode (PgBouncer), which may switch connections.
SENDFUND_PREPARED_STATEMENTS = env_bool("SENDFUND_PREPARED_STATEMENTS", True)
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
# Set in DATABASE_URL (?connect_timeout=, ?options=) as well: the URL's own values come first.
_db_options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
# random_page_cost 1.1, not PostgreSQL's 4 (which models a spinning disk): the data a school's
# pages read is in memory or on SSD, where PostgreSQL's manual suggests about 1.1 ("Planner
# Cost Constants"). At 4 the planner hashed every pupil of every school to total one school's
# provision (34-58 ms on the benchmark's 120,000-pupil trust; 3-5 ms through the index at
# 1.1), and the termly report draft's SQL took 66 ms against 14-17 (README, Benchmark).
# A value in DATABASE_URL's options comes later and wins.
_db_options["options"] = (
    f"-c statement_timeout={DB_STATEMENT_TIMEOUT * 1000} -c random_page_cost=1.1 "
    f"{_db_options.get('options', '')}"
).strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (imports above SENDFUND_BACKGROUND_IMPORT_ROWS rows, PDFs) goes through Django's
# Tasks API (the django-tasks backport) with its database backend, on the same database: a web
# node keeps nothing that a worker or another node needs. Workers: `manage.py run_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SENDFUND_BACKGROUND_IMPORT_ROWS = env_int(
    "SENDFUND_BACKGROUND_IMPORT_ROWS", 500, minimum=1, maximum=1_000_000
)
# Uploads awaiting confirmation, finished imports and built PDFs are deleted after this long.
SENDFUND_JOB_EXPIRY_MINUTES = env_int("SENDFUND_JOB_EXPIRY_MINUTES", 60, minimum=1, maximum=10_080)
# A task whose worker died is queued again until it has been tried this often, then failed.
SENDFUND_TASK_ATTEMPTS = env_int("SENDFUND_TASK_ATTEMPTS", 2, minimum=1, maximum=10)

# Django's and allauth's backends, reading the signed-in user with SQL written once
# (sendfund/schools/auth_backends.py); sessions likewise (sendfund/schools/sessions.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "sendfund.schools.auth_backends.ModelBackend",
    "sendfund.schools.auth_backends.AuthenticationBackend",
]
SESSION_ENGINE = "sendfund.schools.sessions"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# Accounts (django-allauth; README "Accounts and sign-in"). Nobody signs themselves up: a
# school invites its colleagues. Sign in with a username or an email address; a changed email
# address replaces the old one only once its owner has followed the link sent to it.
ACCOUNT_ADAPTER = "sendfund.schools.accounts.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[sendfund] "
ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR = (
    "allauth.account.forms.EmailAwarePasswordResetTokenGenerator"
)
ACCOUNT_FORMS = {"login": "sendfund.schools.accounts.LoginForm"}
# allauth's own throttles: generous, so that django-axes (below) decides lockouts. The
# per-username ("key") limit on failed sign-ins is the username-wide one, far above axes'
# per-username-and-address limit.
SENDFUND_USERNAME_FAILURE_LIMIT = env_int(
    "SENDFUND_USERNAME_FAILURE_LIMIT", 50, minimum=1, maximum=10_000
)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"30/m/ip,{SENDFUND_USERNAME_FAILURE_LIMIT}/h/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
}
# The number of reverse proxies in front of sendfund that append to X-Forwarded-For (README
# "Deployment"); 0 means the client connects directly and REMOTE_ADDR is the client.
SENDFUND_TRUSTED_PROXIES = env_int("SENDFUND_TRUSTED_PROXIES", 0, minimum=0, maximum=10)
ALLAUTH_TRUSTED_PROXY_COUNT = SENDFUND_TRUSTED_PROXIES

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with recovery codes, or
# passkeys / security keys (WebAuthn).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "sendfund"
MFA_PASSKEY_LOGIN_ENABLED = False
# Accounts come from invitations or from the school itself, not from self sign-up, so a
# second factor may be added before the email address was confirmed by a link.
MFA_ALLOW_UNVERIFIED_EMAIL = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
# SENCOs, heads, administrators, trust leads and superusers must use a second factor: the first
# sign-in that needs it starts this grace period, after which sign-in opens only the set-up.
SENDFUND_MFA_GRACE_DAYS = env_int("SENDFUND_MFA_GRACE_DAYS", 7, minimum=0, maximum=90)
# Single sign-on (sendfund/schools/sso.py): only existing members, matched by verified email
# in a domain their school trusts; never creates an account or grants a role.
SOCIALACCOUNT_ADAPTER = "sendfund.schools.sso.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = providers_from_environment()
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False

# SENCOs, heads and administrators (pupil-level data) are signed out after this long idle.
SENDFUND_IDLE_MINUTES = env_int("SENDFUND_IDLE_MINUTES", 30, minimum=1, maximum=1_440)
# The list of one's own signed-in browsers, and "sign out everywhere".
USERSESSIONS_TRACK_ACTIVITY = False

# Failed-login lockout (django-axes): five failures for one username from one client address
# lock that pair for an hour, so a stranger cannot lock the head out from elsewhere. A
# username-wide lockout applies only at SENDFUND_USERNAME_FAILURE_LIMIT failures from any
# address. A locked-out user unlocks themselves by resetting their password by email.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1, maximum=1_000)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "sendfund.schools.lockout.username_for_lockout"
AXES_CLIENT_IP_CALLABLE = "sendfund.schools.lockout.client_ip"
AXES_HANDLER = "sendfund.schools.lockout.LockoutHandler"

# England: British English, London time, dates as 28/11/2026.
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English (UK)")]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["sendfund.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and not env_bool("SENDFUND_PLAIN_STATIC")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Uploads (CSV/XML imports) above this size are refused with a message, not read.
SENDFUND_MAX_UPLOAD_BYTES = env_int(
    "SENDFUND_MAX_UPLOAD_BYTES", 5 * 1024 * 1024, minimum=1024, maximum=1024 * 1024 * 1024
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# The audit trail's triggers (pghistory on tracked models, append-only protection on the log)
# are installed after every migrate by sendfund.audit, not through each app's migrations.
PGTRIGGER_MIGRATIONS = False

# Audit trail entries older than this are removed by `manage.py prune_audit` (run it daily).
# Six years by default: the Limitation Act 1980's period for most claims, after which a
# school rarely needs to show who saw or changed a record.
SENDFUND_AUDIT_RETENTION_DAYS = env_int(
    "SENDFUND_AUDIT_RETENTION_DAYS", 2190, minimum=30, maximum=36_500
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

SESSION_COOKIE_AGE = 8 * 60 * 60  # a school day, then sign in again
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles, fonts and requests from sendfund itself
# only; no inline script or style, no eval (htmx is told so in base.html). Images may also be
# data: URLs (Bootstrap's icons in its CSS; the two-factor set-up's QR code). Forms post to
# sendfund, or to the single sign-on providers set up (a sign-in form redirects there).
_sso_origins = sorted(
    {
        "{}://{}".format(*urlsplit(app["settings"]["server_url"])[:2])
        for app in SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    }
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "manifest-src": [SELF],
        "form-action": [SELF, *_sso_origins, *env_list("SENDFUND_CSP_FORM_ACTION")],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0, maximum=63_072_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65_535)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "sendfund <noreply@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # axes logs every sign-in; pgtrigger every trigger it installs after each migrate.
    "loggers": {"axes": {"level": "WARNING"}, "pgtrigger": {"level": "WARNING"}},
}
