"""Settings, all from the environment.

With nothing set the product runs embedded: a SQLite file under var/ and a
Celery broker on the file system (no server needed). DATABASE_URL and
REDIS_URL switch to PostgreSQL and Redis. DEBUG is off unless asked for, so a
production deployment that forgets it is safe; with DEBUG off the security
settings below make `manage.py check --deploy` clean.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SERVICEDESK_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
_INSECURE_KEY = "django-insecure-servicedesk-development-key-never-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or (_INSECURE_KEY if DEBUG or env_bool("TESTING") else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "servicedesk.core",
    "servicedesk.accounts",
    "servicedesk.customers",
    "servicedesk.deadlines",
    "servicedesk.notifications",
    "servicedesk.webhooks",
    "technicians",
    "tickets",
    "complaints",
    "calls",
    "billing",
    "returns",
    "documents",
    "dispatch",
    "onsite",
    # Before messaging: its sign-off effect makes the survey link the sign-off message carries.
    "aftercare",
    "messaging",
    "measures",
    # Last: seed_demo's history (issue 19 item 7) builds on every app above.
    "demo_history",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before CSRF reads a form: NUL, invalid Unicode, oversized bodies are a 4xx (issue 16).
    "servicedesk.core.input_guard.MalformedInputMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "servicedesk.core.csp.ContentSecurityPolicyMiddleware",
    "servicedesk.core.middleware.ApplicationErrorMiddleware",
    "servicedesk.accounts.login_guard.LoginRefusedMiddleware",
]

ROOT_URLCONF = "servicedesk.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "servicedesk.core.context_processors.roles",
                "servicedesk.notifications.context_processors.unread",
                "complaints.context_processors.complaint_links",
                "servicedesk.core.csp.nonce",
            ],
        },
    },
]

WSGI_APPLICATION = "servicedesk.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'servicedesk.sqlite3'}"
# Seconds a connection is kept where there is no pool (Celery processes; web with DB_POOL_MAX_SIZE=0).
SERVICEDESK_CONN_MAX_AGE = int(os.environ.get("CONN_MAX_AGE", "60"))
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=SERVICEDESK_CONN_MAX_AGE)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for the writer instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    from servicedesk.dbconfig import postgres_options  # noqa: E402 - only for PostgreSQL

    postgres_options(DATABASES["default"], os.environ)

AUTH_USER_MODEL = "accounts.User"
# Failed logins are counted, slowed and refused (servicedesk/accounts/login_guard.py)
# on every entry point: the login page, the admin and /api/v1/auth/token/.
AUTHENTICATION_BACKENDS = ["servicedesk.accounts.login_guard.GuardedModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Internationalisation: the users are Chinese service companies.
LANGUAGE_CODE = os.environ.get("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# The project's catalogues first: a short msgid such as "Exchange" also lives in
# third-party catalogues (django_celery_beat: 交换机), and LOCALE_PATHS win over
# every installed app's catalogue. Among the project's own, the root catalogue
# first; an ambiguous label carries a message context (issue 13, item 3).
LOCALE_PATHS = [BASE_DIR / "locale", *sorted(BASE_DIR.glob("*/locale"))]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development whitenoise serves from the finders; production runs collectstatic.
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS = DEBUG
# Uploaded files (photos, signatures, documents; issue 14) go through Django's
# storage API: this folder by default; S3-compatible object storage in
# production so that several web servers share them (docs/deployment.md).
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("TESTING")
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
if os.environ.get("SERVICEDESK_S3_BUCKET"):
    # S3-compatible object storage (django-storages): private objects, read
    # through the views that check who may see them (docs/deployment.md).
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": os.environ["SERVICEDESK_S3_BUCKET"],
        "endpoint_url": os.environ.get("SERVICEDESK_S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("SERVICEDESK_S3_REGION") or None,
        "access_key": os.environ.get("SERVICEDESK_S3_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("SERVICEDESK_S3_SECRET_ACCESS_KEY") or None,
        "location": os.environ.get("SERVICEDESK_S3_PREFIX", "media"),
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }}

# --- REST API --------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "servicedesk.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["servicedesk.core.throttling.ClientRateThrottle"],
    # The client address of a login or an anonymous request: REMOTE_ADDR, or with
    # N trusted proxies in front (nginx: 1) the address N places from the end of
    # X-Forwarded-For. Never the whole header, which the client can write.
    "NUM_PROXIES": int(os.environ.get("NUM_PROXIES", "0")),
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "servicedesk.core.api.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["servicedesk.core.input_guard.GuardedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "servicedesk.core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "servicedesk.core.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "servicedesk API",
    "DESCRIPTION": "After-sales field service: work orders, complaints, calls and returns.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from the product's static files, never a CDN (issue 13, item 1).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Two choice sets share the field name "kind": name their enums (check --deploy warns otherwise).
    "ENUM_NAME_OVERRIDES": {
        "WorkOrderKindEnum": "tickets.models.WorkOrder.Kind",
        "UnitKindEnum": "servicedesk.accounts.models.Unit.Kind",
        "CallStateEnum": "calls.models.Call.State",
        "CallChannelEnum": "calls.models.Call.Channel",
        "CallbackStateEnum": "calls.models.Callback.State",
        "EntitlementStatusEnum": "billing.models.fees.WorkOrderEntitlement.Status",
        "QuoteLineKindEnum": "billing.models.fees.QuoteLine.Kind",
        "StockMovementKindEnum": "billing.models.fees.StockMovement.Kind",
        "ReturnDecisionEnum": "returns.models.Decision",
        "FactoryReturnItemDecisionEnum": "returns.models.FactoryReturnItem.Decision",
        "SourceEnum": "complaints.models.Complaint.Source",
        "PartUseSourceEnum": "documents.models.PartUse.Source",
        "PhotoStageEnum": "documents.models.Photo.Stage",
        "DocumentKindEnum": "documents.models.Document.Kind",
        "SurveyChannelEnum": "aftercare.models.Survey.Channel",
    },
}

# The cache holds the throttles' counters: Redis in production (shared by every
# web process), this process's memory otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "servicedesk"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery ------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    # Embedded: a broker on the file system, shared by web, worker and beat.
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message for the next one
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when the broker is down.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# Escalation within a second of the due time (issue 18): each worker runs a thread
# that sleeps until the next deadline step (servicedesk/deadlines/waker.py); the
# periodic sweep stays as the safety net.
SERVICEDESK_DEADLINE_WAKER = env_bool("SERVICEDESK_DEADLINE_WAKER", True)

# A mail server: EMAIL_HOST set (and EMAIL_BACKEND not) sends over SMTP; with
# neither, e-mail is written to the log (console). Empty means "not configured",
# as compose passes every variable, set or not.
_email_host = os.environ.get("EMAIL_HOST", "").strip()
EMAIL_HOST = _email_host or "localhost"
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if _email_host else "django.core.mail.backends.console.EmailBackend"
)
_email_port = os.environ.get("EMAIL_PORT", "").strip()
try:
    EMAIL_PORT = int(_email_port) if _email_port else 25
except ValueError:
    EMAIL_PORT = None
if EMAIL_PORT is None or not 0 < EMAIL_PORT < 65536:
    raise ImproperlyConfigured(f"EMAIL_PORT must be a port number (1-65535), not {_email_port!r}.")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS, usually port 587
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # TLS from the first byte, usually port 465
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    # Django itself would only fail when the first mail is sent.
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are mutually exclusive: set at most one of them.")
# The sender of every e-mail; a real mail server usually accepts only its own domain.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "servicedesk@localhost"
# A mail server that accepts and never answers must fail the attempt (and be
# retried), not hold a worker and its row lock forever (Django's default: no timeout).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# Partner webhooks (docs/api.md): a hook's URL may name a private or loopback
# address only when this is on (contract: DEBUG allows them).
SERVICEDESK_WEBHOOKS_ALLOW_PRIVATE = env_bool("SERVICEDESK_WEBHOOKS_ALLOW_PRIVATE", DEBUG)
# Links in e-mail point here: SERVICEDESK_BASE_URL (or SITE_URL), else the
# address bin/run serves at, from its HOST and PORT (issue 13, item 11). A
# wildcard bind address is no address to follow: localhost then.
_run_host = os.environ.get("HOST", "").strip()
_run_host = "localhost" if _run_host in {"", "0.0.0.0", "::", "[::]"} else _run_host
SERVICEDESK_BASE_URL = (
    os.environ.get("SERVICEDESK_BASE_URL") or os.environ.get("SITE_URL")
    or f"http://{_run_host}:{os.environ.get('PORT', '').strip() or '8000'}"
).rstrip("/")
SITE_URL = SERVICEDESK_BASE_URL

# Messages to the customer (docs/customers-messages.md): the channels written
# for each event, the backend of each channel (a dotted path; the default
# writes to the log and sends nothing out), the language of the texts, and
# how long a sender's claim on a message lasts (longer than any send).
SERVICEDESK_MESSAGE_CHANNELS = env_list("SERVICEDESK_MESSAGE_CHANNELS", "sms,wechat")
SERVICEDESK_MESSAGE_BACKENDS = {
    "sms": os.environ.get("SERVICEDESK_SMS_BACKEND") or "messaging.backends.log.LogBackend",
    "wechat": os.environ.get("SERVICEDESK_WECHAT_BACKEND") or "messaging.backends.log.LogBackend",
}
SERVICEDESK_MESSAGE_LANGUAGE = os.environ.get("SERVICEDESK_MESSAGE_LANGUAGE") or "zh-hans"
SERVICEDESK_MESSAGE_CLAIM_SECONDS = int(os.environ.get("SERVICEDESK_MESSAGE_CLAIM_SECONDS", "60"))
# Aliyun SMS (messaging.backends.aliyun.AliyunSms): the AccessKey, the approved
# signature (签名) and one approved template code per event ("dispatched=SMS_1,scheduled=SMS_2").
SERVICEDESK_ALIYUN_SMS = {
    "ACCESS_KEY_ID": os.environ.get("ALIYUN_SMS_ACCESS_KEY_ID", ""),
    "ACCESS_KEY_SECRET": os.environ.get("ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
    "SIGN_NAME": os.environ.get("ALIYUN_SMS_SIGN_NAME", ""),
    "TEMPLATES": dict(item.split("=", 1) for item in env_list("ALIYUN_SMS_TEMPLATES") if "=" in item),
    "ENDPOINT": os.environ.get("ALIYUN_SMS_ENDPOINT") or "https://dysmsapi.aliyuncs.com/",
    "REGION": os.environ.get("ALIYUN_SMS_REGION") or "cn-hangzhou",
}

# --- Security (production) -------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    # /healthz is answered over plain HTTP for the container health check.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Domain defaults (each one configurable per organisation) ---------------
# Contract (Retries, privacy, abuse): reported_at, received_at, a switch event's
# `at` (and a return's requested_at, recorded by staff) more than this many
# days in the past are a 400: back-dating would trigger escalations at will.
SERVICEDESK_MAX_BACKDATE_DAYS = int(os.environ.get("SERVICEDESK_MAX_BACKDATE_DAYS", "30"))

SERVICEDESK = {
    # seeds/004: a take-back promises completion within at most 3 days.
    "TAKE_BACK_MAX_DAYS": int(os.environ.get("TAKE_BACK_MAX_DAYS", "3")),
    # contract (Appointment kept): without an end of the window, the appointment is kept this late.
    "APPOINTMENT_GRACE_MINUTES": int(os.environ.get("APPOINTMENT_GRACE_MINUTES", "30")),
    # api-contract: reported_at more than 5 minutes ahead is refused.
    "FUTURE_TOLERANCE_SECONDS": 300,
    # api-contract: a second complaint of the same customer within 90 days is class 2.
    "COMPLAINT_REPEAT_DAYS": int(os.environ.get("COMPLAINT_REPEAT_DAYS", "90")),
    # seeds/000, seeds/001, domain.md section 2: answer within 3 rings; one ring cycle is about 5 s in China.
    "CALL_RING_SECONDS": int(os.environ.get("CALL_RING_SECONDS", "5")),
    # issue 5: a ring older than this whose hang-up never came no longer pops nor counts as ringing.
    "CALL_RING_STALE_SECONDS": int(os.environ.get("CALL_RING_STALE_SECONDS", "300")),
    "CALL_ANSWER_RINGS": int(os.environ.get("CALL_ANSWER_RINGS", "3")),
    # seeds/003: every request answered within 24 hours; a callback's due time never goes beyond it.
    "CALL_RESPONSE_HOURS": int(os.environ.get("CALL_RESPONSE_HOURS", "24")),
    # seeds/003: a repair carries its own warranty (3 months, 6 months or 1 year); a product line may override it.
    "REPAIR_WARRANTY_DAYS": int(os.environ.get("REPAIR_WARRANTY_DAYS", "90")),
    # issue 5: a callback nobody answers is closed as not reached after this many attempts.
    "CALLBACK_MAX_ATTEMPTS": int(os.environ.get("CALLBACK_MAX_ATTEMPTS", "3")),
    # issue 5: the agent console asks for a ringing call this often (a ring pops within a second);
    # the wallboard refreshes itself every WALLBOARD_REFRESH_SECONDS.
    "CONSOLE_POLL_MS": int(os.environ.get("CONSOLE_POLL_MS", "500")),
    "WALLBOARD_REFRESH_SECONDS": int(os.environ.get("WALLBOARD_REFRESH_SECONDS", "5")),
    # issue 5: the callback queue (console panel and /callbacks/) refreshes itself this often.
    "CALLBACK_REFRESH_SECONDS": int(os.environ.get("CALLBACK_REFRESH_SECONDS", "30")),
    # issue 17: the board asks this often whether someone else changed it.
    "BOARD_POLL_SECONDS": int(os.environ.get("BOARD_POLL_SECONDS", "10")),
    # issue 14: a signed link to a document (service record, handover receipt, notice) works this many days.
    "DOCUMENT_LINK_MAX_AGE_DAYS": int(os.environ.get("DOCUMENT_LINK_MAX_AGE_DAYS", "30")),
    # issue 14: the language the documents the customer keeps are written in.
    "DOCUMENT_LANGUAGE": os.environ.get("DOCUMENT_LANGUAGE", "zh-hans"),
}


def _at_least(name, default, floor):
    """A limit the contract puts a floor under: configurable upwards only."""
    value = int(os.environ.get(name, str(default)))
    if value < floor:
        raise ImproperlyConfigured(f"{name} must be at least {floor} (api-contract: Throttling), not {value}.")
    return value


def _at_most(name, default, ceiling):
    value = int(os.environ.get(name, str(default)))
    if not 1 <= value <= ceiling:
        raise ImproperlyConfigured(f"{name} must be between 1 and {ceiling} (api-contract: Throttling), not {value}.")
    return value


SERVICEDESK.update({
    # api-contract, Retries: an Idempotency-Key's answer is kept 24 hours.
    "IDEMPOTENCY_HOURS": 24,
    # API tokens expire after this many days without use (each use extends it); 0: never.
    "TOKEN_TTL_DAYS": int(os.environ.get("SERVICEDESK_TOKEN_TTL_DAYS", "30")),
    # api-contract, Throttling: per token, never below 600 requests a minute with bursts of 20.
    "API_RATE_PER_MINUTE": _at_least("SERVICEDESK_API_RATE_PER_MINUTE", 600, 600),
    "API_BURST": _at_least("SERVICEDESK_API_BURST", 20, 20),
    # api-contract, Throttling: after at most 10 failed logins within 15 minutes, per account
    # and per client address, further attempts are refused (429) until the window lets up.
    "LOGIN_FAILURE_LIMIT": _at_most("SERVICEDESK_LOGIN_FAILURE_LIMIT", 10, 10),
    "LOGIN_FAILURE_WINDOW_MINUTES": int(os.environ.get("SERVICEDESK_LOGIN_FAILURE_WINDOW_MINUTES", "15")),
    # Before that, each failure after the first few is answered a little later, never more than this.
    "LOGIN_FAILURE_MAX_DELAY_SECONDS": 1.5,
})

# issue 15, after the visit (aftercare): the customer's signed link and the survey's follow-ups.
# The link's host: the request's own unless PUBLIC_BASE_URL names another (api-contract: Satisfaction).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
SERVICEDESK.update({
    # api-contract, Satisfaction: the customer's link expires after 7 days (configurable).
    "CUSTOMER_LINK_MAX_AGE_DAYS": int(os.environ.get("CUSTOMER_LINK_MAX_AGE_DAYS", "7")),
    # issue 15: a score of 2 or less is followed up by the supervisor within this many working days.
    "SURVEY_FOLLOW_UP_WORKING_DAYS": int(os.environ.get("SURVEY_FOLLOW_UP_WORKING_DAYS", "1")),
    # issue 15: the survey call is tried up to 3 times, then closed as not reached.
    "SURVEY_CALL_MAX_ATTEMPTS": int(os.environ.get("SURVEY_CALL_MAX_ATTEMPTS", "3")),
    # seed_demo's months of finished history before today's demo orders (issue 19 item 7; 0: none).
    "DEMO_HISTORY_MONTHS": int(os.environ.get("DEMO_HISTORY_MONTHS", "6")),
})
