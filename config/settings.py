"""Ruamkhid settings: everything that differs between deployments comes from the environment.

Development defaults (SQLite file, DEBUG on) need no set-up; production (DEBUG off) refuses to
start without a real secret key. See README.md, "Configuration", for every variable.
"""

from __future__ import annotations

import json
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET_KEY = "dev-insecure-ruamkhid-secret-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", ".localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_ALLOW_CREDENTIALS = True
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "x-csrftoken",
    "x-agency",
    "x-requested-with",
)

INSTALLED_APPS = [
    "perf",  # first: its checks and connection set-up run before any app opens a connection
    "accounts",
    "permissions",
    "cms",
    "participation",
    "graph",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "guardian",
    "strawberry_django",
    "corsheaders",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    # Outermost: the whole request runs where CPython's frame stack has room (a 3.11/3.12
    # performance bug, perf/runtime/stack_headroom.py).
    "perf.runtime.stack_headroom.StackHeadroomMiddleware",
    # Then: /healthz answers before host validation and the HTTPS redirect, so container and
    # load-balancer probes (which address the instance by IP, over plain HTTP) reach it.
    "graph.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ]
        },
    }
]

# --- database --------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0 if DEBUG else 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("PERF_DB", True):
    # Django's backend, with a health check that polls the socket before sending SELECT 1
    # (perf/db/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "perf.db.postgresql"
if DATABASES["default"]["ENGINE"] == "perf.db.postgresql" and env_bool(
    "DB_SERVER_SIDE_BINDING", True
):
    # Parameters bound by the server, so psycopg prepares a statement run five times on a
    # connection and PostgreSQL plans it once: the same few queries serve every page view
    # (planning was a third of their time; bench/PROFILE.md). Django turns psycopg's
    # preparing off unless OPTIONS names a threshold, so both are set. Needs session pooling
    # if a pooler sits in between (PgBouncer in transaction mode does not keep prepared
    # statements); DB_SERVER_SIDE_BINDING=0 turns both off.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["server_side_binding"] = True
    options["prepare_threshold"] = env_int("DB_PREPARE_THRESHOLD", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache -----------------------------------------------------------------------------------
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "ruamkhid"),
        }
    }
elif CACHE_URL in ("", "locmem://"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL must be redis://..., rediss://... or locmem://, got {CACHE_URL!r}"
    )

# --- auth ------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_USER_MODEL = "accounts.User"
ANONYMOUS_USER_NAME = None  # guardian: no database anonymous user that would pass IsAuthenticated
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "wagtailadmin_login"

# --- i18n ------------------------------------------------------------------------------------
LANGUAGE_CODE = "th"
LANGUAGES = [("th", "ไทย"), ("en", "English")]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Bangkok")
USE_I18N = True
USE_TZ = True

# --- static and media ------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": env_str("MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Development serves static files straight from the apps (no collectstatic needed).
WHITENOISE_AUTOREFRESH = DEBUG
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

# --- security --------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_SAMESITE = env_str("SESSION_COOKIE_SAMESITE", "Lax")
CSRF_COOKIE_SAMESITE = env_str("CSRF_COOKIE_SAMESITE", "Lax")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# SAMEORIGIN, not DENY: the Wagtail admin shows its live preview in a same-origin iframe.
X_FRAME_OPTIONS = "SAMEORIGIN"
if env_bool("BEHIND_TLS_PROXY", not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SILENCED_SYSTEM_CHECKS = [
    # X_FRAME_OPTIONS is SAMEORIGIN on purpose (Wagtail's preview iframe, see above); framing by
    # other origins is still refused.
    "security.W019",
    # HSTS preloading commits the whole domain and its subdomains to HTTPS in browsers for months
    # and cannot be undone quickly: an operator's decision (SECURE_HSTS_PRELOAD=1), not a default.
    "security.W021",
]

# --- wagtail ---------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Ruamkhid"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://localhost:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAIL_ALLOW_UNICODE_SLUGS = True
WAGTAILEMBEDS_FINDERS = [{"class": "wagtail.embeds.finders.oembed"}]
# Where Wagtail's preview hands a draft to a headless frontend: "{token}" is replaced.
PREVIEW_FRONTEND_URL = env_str("PREVIEW_FRONTEND_URL", "")
PREVIEW_TOKEN_TTL_SECONDS = env_int("PREVIEW_TOKEN_TTL_SECONDS", 3600)


# --- GraphQL ---------------------------------------------------------------------------------
def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def env_json(name: str, default: dict) -> dict:
    raw = env_str(name, "")
    if not raw.strip():
        return default
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a JSON object, got {raw!r}") from exc
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, got {raw!r}")
    return value


# --- speed layers (perf/, graph/engine/; README "Speed layers") ------------------------------
# One switch per layer; all three off is plain strawberry-django on Django. PERF_PARTS_OFF
# turns single parts off (names in perf/switches.py).
SPEED_LAYERS = {
    "DB": env_bool("PERF_DB", True),
    "RUNTIME": env_bool("PERF_RUNTIME", True),
    "ENGINE": env_bool("GRAPH_ENGINE", True),
}
SPEED_PARTS_OFF = frozenset(env_list("PERF_PARTS_OFF"))
# The statement cache when the DB layer is on: "on", "off", or "verify" (every hit compiled
# again and compared; the test suite runs so).
SQL_STATEMENT_CACHE = env_choice("SQL_STATEMENT_CACHE", "on", ("on", "off", "verify"))


GRAPHQL = {
    "MAX_DEPTH": env_int("GRAPHQL_MAX_DEPTH", 12),
    "MAX_ALIASES": env_int("GRAPHQL_MAX_ALIASES", 30),
    "MAX_TOKENS": env_int("GRAPHQL_MAX_TOKENS", 5000),
    "DEFAULT_PAGE_SIZE": env_int("GRAPHQL_DEFAULT_PAGE_SIZE", 20),
    "MAX_PAGE_SIZE": env_int("GRAPHQL_MAX_PAGE_SIZE", 100),
    # Cost: 1 per field, times `first` (or DEFAULT_PAGE_SIZE) below paginated fields: graph/cost.py
    # The benchmark's consultation page costs about 2,400; 100 x 100 nested pages cost 70,000+.
    "MAX_COST": env_int("GRAPHQL_MAX_COST", 10_000),
    "MAX_DIRECTIVES": env_int("GRAPHQL_MAX_DIRECTIVES", 50),
    "MAX_DOCUMENT_BYTES": env_int("GRAPHQL_MAX_DOCUMENT_BYTES", 20_000),
    # 10,000 Thai characters (the longest proposal body) are 60 KB as \uXXXX-escaped JSON.
    "MAX_VARIABLES_BYTES": env_int("GRAPHQL_MAX_VARIABLES_BYTES", 131_072),
    # "off": documents as sent, no APQ; "apq": Apollo automatic persisted queries, registered on
    # the fly; "required": only documents registered with `manage.py register_documents` run.
    "TRUSTED_DOCUMENTS": env_choice("GRAPHQL_TRUSTED_DOCUMENTS", "apq", ("off", "apq", "required")),
    # Per mutation field, per user (or client IP when anonymous): "N/s|m|h|d". "*" is a budget
    # shared by every mutation field. GRAPHQL_RATE_LIMITS (a JSON object) replaces it.
    "RATE_LIMITS": env_json(
        "GRAPHQL_RATE_LIMITS",
        {
            "submitProposal": "10/h",
            "addComment": "30/m",
            "supportProposal": "60/m",
            "signIn": "10/m",
            "register": "5/h",
            "*": "120/m",
        },
    ),
    "INTROSPECTION": env_bool("GRAPHQL_INTROSPECTION", DEBUG),
    "GRAPHIQL": env_bool("GRAPHQL_GRAPHIQL", DEBUG),
    "MASK_ERRORS": env_bool("GRAPHQL_MASK_ERRORS", not DEBUG),
    "MAX_RENDITION_SIZE": env_int("GRAPHQL_MAX_RENDITION_SIZE", 3000),
    # Comma-separated allow-list of rendition specs; empty allows any valid spec within the size.
    "RENDITION_SPECS": env_list("GRAPHQL_RENDITION_SPECS"),
    # Anonymous query answers cached this long (graph/engine/answer_cache.py); 0 switches it
    # off. Only on by default with a shared cache: a per-process cache could not see other
    # workers' writes.
    "ANSWER_CACHE_SECONDS": env_int(
        "GRAPHQL_ANSWER_CACHE_SECONDS", 0 if DEBUG or CACHE_URL in ("", "locmem://") else 30
    ),
}
# How many reverse proxies in front append to X-Forwarded-For; 0 trusts no such header and uses
# REMOTE_ADDR as the client address (rate limits of anonymous clients).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
STRAWBERRY_DJANGO = {
    "FIELD_DESCRIPTION_FROM_HELP_TEXT": True,
    "TYPE_DESCRIPTION_FROM_MODEL_DOCSTRING": False,
    "MUTATIONS_DEFAULT_HANDLE_ERRORS": True,
    "PAGINATION_DEFAULT_LIMIT": env_int("GRAPHQL_DEFAULT_PAGE_SIZE", 20),
}

# --- logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
