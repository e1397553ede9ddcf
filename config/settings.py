"""The one settings module. Every value that differs between machines comes from the environment
(or a `.env` file beside manage.py); the defaults run the product with no external server."""

from datetime import time, timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-used-with-debug-off"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # Django's widget templates, for the form renderer below
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us: /api/docs/ works offline
    "django_htmx",
    "django_celery_beat",
    "axes",  # lockout after repeated failed logins (README "Security at the door")
    "csp",  # the Content-Security-Policy header
    "integrations",
    "faults",
    "appointments",
    "ops",  # /metrics, /healthz, /readyz
    # Demo data, demo PKI and benchmarks: management commands for `make run` and `make bench`.
    "devtools",
]

# --- protocol packages (integrations/packages.py) ------------------------------------------------
# The one place a protocol package is enabled: each module path has a `package.py` declaring its
# adapter, appointment gateway, inbound URLs (/integrations/<protocol>/), polls and simulator.
# Each is also an installed app, so its management commands and any migrations are found.
INTEGRATION_PACKAGES = env.list(
    "INTEGRATION_PACKAGES",
    default=[
        "integrations.cityfibre",
        "integrations.tmf621",
        "integrations.tmf621_api",
        "integrations.tep",
    ],
)
INSTALLED_APPS += [path for path in INTEGRATION_PACKAGES if path not in INSTALLED_APPS]
# Beat interval of a package's poll, by task name, in seconds ("task=120;other=600": django-environ
# separates a dict's entries with ";", and a "," would cut the value short); never below the
# partner's limit that the package declares (a lower value is raised to it).
INTEGRATION_POLL_SECONDS = env.dict("INTEGRATION_POLL_SECONDS", cast={"value": float}, default={})
# How often a TEP partner of the "Local simulator" environment may be polled (the simulator keeps
# the same limit, `simulate_tep --poll-interval`); every other TEP partner: the seed's 60 seconds.
TEP_SIMULATOR_POLL_SECONDS = max(1.0, env.float("TEP_SIMULATOR_POLL_SECONDS", default=60.0))

MIDDLEWARE = [
    "config.logs.RequestIdMiddleware",  # first: every line of a request carries its id
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ops.middleware.RequestMetricsMiddleware",  # after whitenoise: pages, not static files
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.LoginRequiredForPagesMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.OutageMiddleware",
    # Last: turns a login refused for lockout into the page (or JSON) saying how to get back in.
    "axes.middleware.AxesMiddleware",
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
                "faults.ui.navigation.navigation",
                "faults.ui.navigation.live_refresh",
                "faults.ui.shortcuts.keyboard_shortcuts",
            ],
        },
    },
]
# One field template for every form (labels without colons, help under the control).
FORM_RENDERER = "faults.ui.form_renderer.FormRenderer"

# --- database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default is shared by the web server, the worker and beat: WAL and immediate
    # transactions let them write without "database is locked" errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# WhiteNoise warns on every request until collectstatic has made it (tests never run it).
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files browsers ask for at the site's root (/favicon.ico), served by WhiteNoise before any login.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

LOGIN_URL = "login"
# Seconds between reloads of the live panels: a fault page's header and timeline, the queue
# (the wallboard reloads every 30 s).
UI_REFRESH_SECONDS = env.int("UI_REFRESH_SECONDS", default=10)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# One JSON object a line in production, key=value pairs in development (README "Logs"); each line
# carries the request id, or the task and message it concerns (config.logs).
LOG_FORMAT = env.str("LOG_FORMAT", default="keyvalue" if DEBUG else "json")
if LOG_FORMAT not in ("json", "keyvalue"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or keyvalue, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors": {"()": "config.log_filters.ClientErrorsWithoutTraceback"},
        "context": {"()": "config.logs.ContextFilter"},
    },
    "formatters": {
        "json": {"()": "config.logs.JsonFormatter"},
        "keyvalue": {"()": "config.logs.KeyValueFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["client_errors", "context"],
        }
    },
    # Django's defaults give "django" its own console handler (printing in DEBUG) and mail_admins,
    # and let its records reach the root's handler as well: every request error was printed twice.
    # One handler, the root's, prints everything once.
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # django-axes logs every login at INFO; a lockout is a WARNING.
        "axes": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "faults.api.openapi.ApiAutoSchema",
    "EXCEPTION_HANDLER": "faults.api.errors.exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "faults.api.negotiation.UnknownFormatIgnored",
    # Per user (by token or session) and per anonymous address; over the rate: 429 with
    # Retry-After. The rates come from the environment (`make bench` raises them).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
    },
    # Behind the proxy (which replaces X-Forwarded-For with the caller's address) the caller is
    # X-Forwarded-For; without it, REMOTE_ADDR, and a sent X-Forwarded-For is ignored.
    "NUM_PROXIES": 1 if env.bool("BEHIND_PROXY", default=False) else 0,  # see BEHIND_PROXY
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NOC fault management API",
    "DESCRIPTION": "Raise faults with wholesale suppliers, follow them and hold suppliers to SLA.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are for our users, not the public.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Request and response bodies as separate components: an upload is a binary file in a
    # request (a URI in an answer), and a required string that refuses blanks has minLength 1.
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from our own static files (drf-spectacular-sidecar), not a CDN; and no
    # validator badge fetched from swagger.io.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "ENUM_NAME_OVERRIDES": {
        "FaultStatusEnum": "faults.choices.FaultStatus",
        "PartyEnum": "faults.choices.Party",
    },
}

# --- Celery (design §7) -----------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded broker, shared by every process on this machine through a folder: kombu's
    # filesystem transport made safe for several processes (integrations/embedded_broker.py;
    # kombu's own lets a worker read a message before it is written, and the worker exits).
    CELERY_BROKER_TRANSPORT = "integrations.embedded_broker:Transport"
    from integrations.embedded_broker import transport_options

    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **transport_options(Path(env.str("EMBEDDED_BROKER_DIR", default=str(VAR_DIR / "broker")))),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A request that publishes must not hang while the broker is down: connect once, fail
        # fast, and leave the row to the sweep (design §7). Workers reconnect on their own
        # schedule (broker_connection_max_retries), which these options do not change.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
        "socket_connect_timeout": 2,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fixup closes the database connection before and after every task unless this
# is set: a new PostgreSQL connection per task was most of a small task's cost (issue 17's
# profile: ~25 ms of a 30 ms task). It then closes them every 2 x this many tasks only; between
# tasks config.celery drops a connection that is broken, in a transaction or past CONN_MAX_AGE,
# as Django does between requests. No task has a time limit (which could leave one mid-query).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# django-celery-beat's database scheduler, which also runs the enabled packages' polls.
CELERY_BEAT_SCHEDULER = "integrations.beat:PackagePollScheduler"
# The spine's fixed sweeps; beat adds every enabled package's polls (integrations/beat.py).
CELERY_BEAT_SCHEDULE = {
    "faults-auto-close-resolved": {
        "task": "faults.tasks.auto_close_resolved_faults",
        "schedule": timedelta(seconds=env.int("AUTO_CLOSE_SWEEP_SECONDS", default=60)),
    },
    "faults-sla-sweep": {
        "task": "faults.tasks.sweep_sla",
        "schedule": timedelta(seconds=env.int("SLA_SWEEP_SECONDS", default=60)),
    },
    "faults-exception-sweep": {
        "task": "faults.tasks.sweep_exceptions",
        "schedule": timedelta(seconds=env.int("EXCEPTION_SWEEP_SECONDS", default=300)),
    },
    "integrations-outbox-sweep": {
        "task": "integrations.tasks.sweep_outbox",
        "schedule": timedelta(seconds=env.int("OUTBOX_SWEEP_SECONDS", default=15)),
    },
    "integrations-inbox-sweep": {
        "task": "integrations.tasks.sweep_inbox",
        "schedule": timedelta(seconds=env.int("INBOX_SWEEP_SECONDS", default=30)),
    },
    "integrations-reconcile-silent-faults": {
        "task": "integrations.tasks.reconcile_silent_faults",
        "schedule": timedelta(seconds=env.int("RECONCILE_SWEEP_SECONDS", default=300)),
    },
    # Partners' certificates: refreshed, warned of 30 and 7 days before expiry, the partner
    # flagged before its own expires (integrations/certificates.py).
    "integrations-certificate-sweep": {
        "task": "integrations.tasks.sweep_certificates",
        "schedule": timedelta(seconds=env.int("CERTIFICATE_SWEEP_SECONDS", default=3600)),
    },
    # The SLA dashboard's per-day counts: rows appended by the fault table's triggers folded
    # into one per day, supplier, priority and kind (faults/reports/daily.py).
    "faults-compact-daily-counts": {
        "task": "faults.tasks.compact_daily_fault_counts",
        "schedule": timedelta(seconds=env.int("DAILY_COUNTS_COMPACT_SECONDS", default=3600)),
    },
    "faults-work-digests": {
        "task": "faults.tasks.send_work_digests",
        "schedule": timedelta(seconds=env.int("WORK_DIGEST_SWEEP_SECONDS", default=300)),
    },
    # A bulk run whose task was lost (broker down, worker killed) is published again.
    "faults-resume-bulk-runs": {
        "task": "faults.tasks.resume_bulk_runs",
        "schedule": timedelta(seconds=env.int("BULK_RESUME_SWEEP_SECONDS", default=300)),
    },
    "faults-sla-nightly-full-recompute": {
        "task": "faults.tasks.sweep_sla",
        "schedule": crontab(hour=2, minute=30),
        "kwargs": {"full": True},
    },
}

CERTIFICATE_SWEEP_SECONDS = env.int("CERTIFICATE_SWEEP_SECONDS", default=3600)

# --- the fault domain ---------------------------------------------------------------------------
FAULT_AUTO_CLOSE_AFTER = timedelta(hours=env.float("FAULT_AUTO_CLOSE_HOURS", default=48))
FAULT_AUTO_CLOSE_BATCH_SIZE = env.int("FAULT_AUTO_CLOSE_BATCH_SIZE", default=200)
# Bulk actions of the fault list (faults/services/bulk.py): applied in the request up to this many
# faults, by a worker above it; more than the maximum is refused.
BULK_INLINE_MAX = env.int("BULK_INLINE_MAX", default=50)
BULK_MAX_FAULTS = env.int("BULK_MAX_FAULTS", default=5000)
SLA_SWEEP_BATCH_SIZE = env.int("SLA_SWEEP_BATCH_SIZE", default=500)
# Exception monitoring: the shift whose call to action applies (faults/exceptions/shifts.py).
EXCEPTION_TEAM_NAME = env.str("EXCEPTION_TEAM_NAME", default="Westpark")
EXCEPTION_DAYSIDE_START = time.fromisoformat(env.str("EXCEPTION_DAYSIDE_START", default="08:00"))
EXCEPTION_DAYSIDE_END = time.fromisoformat(env.str("EXCEPTION_DAYSIDE_END", default="18:00"))
# A change that can raise or clear an exception asks for a sweep this many seconds after it
# commits (faults/exceptions/on_change.py); 0 leaves it to the periodic sweep.
EXCEPTION_SWEEP_AFTER_CHANGE_SECONDS = env.int("EXCEPTION_SWEEP_AFTER_CHANGE_SECONDS", default=10)
# The ticket exceptions API (seed 003, /ticketExceptions/..., faults/exceptions/api): JWT bearer
# tokens with the claims PersonId, DisplayName, Account and Persona. The persona a route requires
# (empty: any), and the persona our users' tokens carry, by role group (a superuser counts as an
# admin). Tokens of another issuer are verified with its public key when one is set.
EXCEPTIONS_API_PERSONA = env.str("EXCEPTIONS_API_PERSONA", default="DirectSupplyPartner")
EXCEPTIONS_PUBLIC_API_PERSONA = env.str("EXCEPTIONS_PUBLIC_API_PERSONA", default="")
EXCEPTIONS_PERSONA_BY_GROUP = env.dict(
    "EXCEPTIONS_PERSONA_BY_GROUP",
    default={
        "admin": "DirectSupplyPartner",
        "agent": "DirectSupplyPartner",
        "manager": "DirectSupplyPartner",
    },
)
EXCEPTIONS_JWT_EXTERNAL_PUBLIC_KEY = env.str("EXCEPTIONS_JWT_EXTERNAL_PUBLIC_KEY", default="")
EXCEPTIONS_JWT_EXTERNAL_ALGORITHM = env.str("EXCEPTIONS_JWT_EXTERNAL_ALGORITHM", default="RS256")
EXCEPTIONS_JWT_EXTERNAL_ISSUER = env.str("EXCEPTIONS_JWT_EXTERNAL_ISSUER", default="")
EXCEPTIONS_JWT_EXTERNAL_AUDIENCE = env.str("EXCEPTIONS_JWT_EXTERNAL_AUDIENCE", default="")
SIMPLE_JWT = {
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("EXCEPTIONS_JWT_SIGNING_KEY", default=SECRET_KEY),
    "ISSUER": env.str("EXCEPTIONS_JWT_ISSUER", default="noc-faults"),
    "ACCESS_TOKEN_LIFETIME": timedelta(
        minutes=env.int("EXCEPTIONS_JWT_ACCESS_MINUTES", default=15)
    ),
    "REFRESH_TOKEN_LIFETIME": timedelta(hours=env.int("EXCEPTIONS_JWT_REFRESH_HOURS", default=12)),
    "LEEWAY": 30,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}
# The diagnostics routes (a fault's pending timers, fireNow, unhandledErrorTest): only where this
# is on, DEBUG by default; off, they answer 404. Never on in production: fireNow closes faults.
EXCEPTIONS_DIAGNOSTICS_ENABLED = env.bool("EXCEPTIONS_DIAGNOSTICS_ENABLED", default=DEBUG)
SLA_HOLIDAY_COUNTRY = env.str("SLA_HOLIDAY_COUNTRY", default="GB")
SLA_HOLIDAY_SUBDIVISION = env.str("SLA_HOLIDAY_SUBDIVISION", default="ENG")
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# The supplier exchange's list (seed 000) less the types a browser would run or render as a page
# (htm, html, mht, msi, swf): attachments are served back to agents.
_SAFE_EXCHANGE_EXTENSIONS = (
    "accdb,avi,bmp,cab,cap,chls,csv,doc,docx,dotx,eml,err,evt,gif,gz,hwl,ico,jpeg,jpg,lic,log,"
    "mdb,mp3,mpg,msg,nfo,oft,pcap,pdf,png,potx,ppt,pptx,psf,pst,pub,rar,rtf,saz,stp,text,tiff,"
    "tif,txt,uccapilog,uccp,uccplog,vcf,vsd,wdb,wks,wma,wmf,wmv,wps,wpt,xlr,xls,xlsx,xlt,xltx,"
    "xml,xps,zip"
)
ATTACHMENT_ALLOWED_EXTENSIONS = env.list(
    "ATTACHMENT_ALLOWED_EXTENSIONS", default=_SAFE_EXCHANGE_EXTENSIONS.split(",")
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- the buyer's helpdesk (faults/exceptions/helpdesk.py, zendesk.py) ---------------------------
# The system an agent's ticket links name by default (the seed's externalReferences domain), and
# the address of one of its tickets ("https://example.zendesk.com/agent/tickets/{identifier}"):
# set, the exceptions page links each ticket there; empty, it shows the number alone.
HELPDESK_SYSTEM = env.str("HELPDESK_SYSTEM", default="zendesk")
HELPDESK_TICKET_URL = env.str("HELPDESK_TICKET_URL", default="")
# Zendesk's webhook signing secrets (comma-separated: the new and the old one while rotating).
# Set, every status update from Zendesk must be signed with one of them. Unset, an update is
# accepted unsigned only with DEBUG, and refused (403) otherwise.
ZENDESK_WEBHOOK_SECRETS = env.list("ZENDESK_WEBHOOK_SECRETS", default=[])
# A signature whose timestamp is further than this from our clock is refused as stale (replay).
ZENDESK_WEBHOOK_MAX_AGE_SECONDS = env.int("ZENDESK_WEBHOOK_MAX_AGE_SECONDS", default=300)

# --- partner edge (design §7) --------------------------------------------------------------
# Addresses of the TLS-terminating proxy: only requests from these may carry a client certificate
# (X-SSL-Client-Cert) and a forwarded address. In DEBUG the local simulators play the proxy.
TRUSTED_PROXY_IPS = env.list(
    "TRUSTED_PROXY_IPS", default=["127.0.0.1/32", "::1/128"] if DEBUG else []
)
# What the mutual-TLS site of the proxy adds to every request (X-Partner-Proxy-Secret) and no other
# site can send: without it the certificate headers are not believed, whatever the address, since
# every site on the proxy (and every local process) reaches the app from the same address. Unset
# outside DEBUG, every partner request is refused; in DEBUG the simulators send this fixed value.
PARTNER_PROXY_SECRET = env.str(
    "PARTNER_PROXY_SECRET", default="dev-only-partner-proxy-secret" if DEBUG else ""
)

# Fernet keys (comma-separated) that encrypt partners' HMAC signing keys: the first encrypts, all
# decrypt. Unset, one key derived from SECRET_KEY. Rotation: `integrations/auth/secrets.py`.
PARTNER_SECRET_KEYS = env.list("PARTNER_SECRET_KEYS", default=[])
# An HMAC-signed partner request older or newer than this is refused as stale; a signature seen
# within it is refused as a replay (`integrations/auth/hmac_signature.py`).
PARTNER_SIGNATURE_MAX_AGE_SECONDS = env.int("PARTNER_SIGNATURE_MAX_AGE_SECONDS", default=300)

# Seconds a partner or API client is told to wait (Retry-After) when the database, broker or
# cache is down during its request (answered 503 in its own error shape).
OUTAGE_RETRY_AFTER_SECONDS = env.int("OUTAGE_RETRY_AFTER_SECONDS", default=30)

# The demo PKI (`make run`): CA, simulator server, supplier client and our client certificates.
DEMO_PKI_DIR = env.path("DEMO_PKI_DIR", default=str(VAR_DIR / "certs"))
# How long a process trusts its cached partner settings on the webhook path.
PARTNER_CACHE_SECONDS = env.float("PARTNER_CACHE_SECONDS", default=10)
# `make bench` only: routes the baseline view that inserts a raw body and nothing else.
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)
# The TMF621 API's public absolute base (`…/tmf-api/troubleTicket/v4/`): the `href` of every
# ticket. Empty: taken from each request (and, for the hub's events, the development server's
# in DEBUG). Set it behind a proxy whose public host the app does not see.
TMF_API_BASE_URL = env.str("TMF_API_BASE_URL", default="")
# Past this many faults, an unfiltered list's X-Total-Count is PostgreSQL's estimate of the fault
# table's rows, not an exact count of all of them (`integrations.tmf621_api.query.total_count`).
TMF_API_EXACT_COUNT_LIMIT = env.int("TMF_API_EXACT_COUNT_LIMIT", default=100_000)

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

# --- HTTPS behind the TLS-terminating proxy (README "Production") ----------------------------
# The header the proxy sets on every request it received over HTTPS, and its value, e.g.
# "HTTP_X_FORWARDED_PROTO,https": request.is_secure() believes it. Set it only behind a proxy that
# always sets that header itself (config/nginx/noc.conf does, on both sites); without it, behind
# the proxy every request looks like plain HTTP and SECURE_SSL_REDIRECT would redirect forever.
_proxy_ssl_header = tuple(part.strip() for part in env.tuple("SECURE_PROXY_SSL_HEADER", default=()))
if _proxy_ssl_header and (len(_proxy_ssl_header) != 2 or not all(_proxy_ssl_header)):
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be a header and its value, e.g. HTTP_X_FORWARDED_PROTO,https"
    )
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header or None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# --- security at the door (README "Security at the door") -----------------------------------
# Behind config/nginx/noc.conf, which replaces X-Forwarded-For with the caller's address: the
# lockouts and the API's throttles count by that address, not the proxy's. Never set it where
# callers reach the app directly (they could name any address).
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
# The throttles' counters (and anything else cached). The default is per process: with several
# gunicorn workers, set a shared one (CACHE_URL=redis://host:6379/2).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# django-axes: a login (staff page, admin, both API token endpoints) is refused after
# AXES_FAILURE_LIMIT failures for the same username, and separately for the same address, until
# AXES_COOLOFF_MINUTES have passed or an admin unlocks it (`manage.py axes_reset_username <name>`,
# `axes_reset_ip <address>`, or the admin's Axes, Access attempts). A success resets the count.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before any check
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = env.list("AXES_LOCKOUT_PARAMETERS", default=["username", "ip_address"])
AXES_RESET_ON_SUCCESS = True
# Trying again while locked out does not start the wait again (the page says when it ends).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.lockout.client_ip"
AXES_VERBOSE = False
# The Content-Security-Policy (django-csp): our own scripts, styles, images and fonts only, no
# inline script or style anywhere (templates use static/js and static/css), never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # And the one inline style of Django's admin (a change list without actions).
        "style-src": ["'self'", "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='"],
        # Pico's and Swagger UI's icons are data: SVGs in their stylesheets.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A refused CSRF check answers our 403 page (Django's has an inline style the CSP blocks).
CSRF_FAILURE_VIEW = "config.csrf.csrf_failure"

# --- e-mail (the work digests, faults/services/digests.py) -------------------------------------
# EMAIL_URL as django-environ reads it: smtp://user:password@host:587/?tls=True, or
# consolemail:// (printed, the development default) / dummymail:// (dropped).
vars().update(
    env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noc@localhost")
# The product's public address, for links in e-mails (no request to take it from).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- metrics and health (ops/, README "Metrics and health") -------------------------------------
# /metrics answers `Authorization: Bearer <METRICS_TOKEN>` (or a staff user's session); empty: no
# token is accepted.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# prometheus_client's multiprocess mode: every gunicorn and Celery process writes its counters
# here and /metrics sums them. Set the same directory for web and workers, emptied at each start.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
# The messages' totals by status are counted at most this often (seconds) per web process.
METRICS_TOTALS_SECONDS = env.float("METRICS_TOTALS_SECONDS", default=30.0)
# /readyz: how long the broker may take to answer, and how late a beat sweep may be.
READYZ_BROKER_TIMEOUT = env.float("READYZ_BROKER_TIMEOUT", default=0.5)
READYZ_SWEEP_GRACE_SECONDS = env.int("READYZ_SWEEP_GRACE_SECONDS", default=300)
# A load balancer polls the health checks over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
