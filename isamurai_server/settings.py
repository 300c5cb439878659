"""Settings, all read from the environment so one image serves every deployment.

Defaults are the embedded first-run setup: SQLite under ./data, a broker that needs no
server, DEBUG off. Production sets DATABASE_URL (PostgreSQL), REDIS_URL and SECRET_KEY.
"""
import hashlib
import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.management.utils import get_random_secret_key

from workers.choices import INTERPOLATORS, QUALITIES, SIGNUP_MODES

from .env import env_bool, env_int, env_list, env_str
from .mail import mail_settings_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("ISAMURAI_DATA_DIR", str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data folder."""
    configured = env_str("SECRET_KEY", "")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    try:
        # Created with its final mode in one step (no moment when others may read it); O_EXCL:
        # of two processes starting at once, one writes and the other reads what it wrote.
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(get_random_secret_key())
    for _ in range(50):  # another process may be between creating and writing it
        key = key_file.read_text().strip()
        if key:
            return key
        time.sleep(0.1)
    raise RuntimeError(f"{key_file} is empty; delete it (a new key is generated) or set SECRET_KEY")


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "corsheaders",
    "apps.core",
    "apps.accounts",
    "apps.ledger",
    "apps.jobs",
    "apps.swap",
    "apps.slowmotion",
    "apps.restore",
    "apps.console",
    "apps.ops",
    "apps.provenance",
    "apps.billing",
    # Before allauth: its pages are drawn with the console's templates (apps/membership/templates).
    "apps.membership",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
]
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:jobs"
LOGOUT_REDIRECT_URL = "console:login"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.ops.metrics.RequestMetricsMiddleware",
    # Before anything that may answer: a preflight gets its CORS answer without a key.
    "corsheaders.middleware.CorsMiddleware",
    "apps.core.middleware.ApiErrorMiddleware",
    "apps.core.middleware.MediaOriginMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apps.membership.middleware.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "isamurai_server.urls"
WSGI_APPLICATION = "isamurai_server.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (server, workers) share the file. Write transactions take the lock when
    # they begin (IMMEDIATE), so they wait out the busy timeout instead of failing at once with
    # "database is locked" when a read has to become a write; WAL lets readers run beside a writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, transaction_mode="IMMEDIATE", init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    # Tests run a real worker in another process, so the test database must be a file.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test_db.sqlite3")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)

# --- Media and uploads -------------------------------------------------------------------
ISAMURAI_MEDIA_ROOT = Path(env_str("ISAMURAI_MEDIA_ROOT", str(DATA_DIR / "media")))
# S3-compatible storage for inputs and outputs (several hosts): set the bucket to turn it on.
# Credentials come from the usual AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
ISAMURAI_S3_BUCKET = env_str("ISAMURAI_S3_BUCKET", "")
ISAMURAI_S3_ENDPOINT_URL = env_str("ISAMURAI_S3_ENDPOINT_URL", "")
ISAMURAI_S3_REGION = env_str("ISAMURAI_S3_REGION", "")
ISAMURAI_S3_PREFIX = env_str("ISAMURAI_S3_PREFIX", "")
ISAMURAI_S3_URL_EXPIRY_SECONDS = env_int("ISAMURAI_S3_URL_EXPIRY_SECONDS", 3600)
ISAMURAI_MODELS_DIR = Path(env_str("ISAMURAI_MODELS_DIR", str(BASE_DIR / "models_weights")))
# With S3 a host's media root is a cache of the bucket: bounded (least recently used files
# evicted), each task's files dropped when it ends, leftovers of a killed process swept once idle.
ISAMURAI_WORKER_CACHE_MB = env_int("ISAMURAI_WORKER_CACHE_MB", 20480)
ISAMURAI_WORKER_CACHE_IDLE_SECONDS = float(env_str("ISAMURAI_WORKER_CACHE_IDLE_SECONDS", "120"))
ISAMURAI_WORKER_CACHE_SWEEP_SECONDS = float(env_str("ISAMURAI_WORKER_CACHE_SWEEP_SECONDS", "30"))
# Whole request body limit (uploads included); larger requests get a JSON 413.
ISAMURAI_MAX_UPLOAD_BYTES = env_int("ISAMURAI_MAX_UPLOAD_MB", 500) * 1024 * 1024
ISAMURAI_MAX_VIDEO_SECONDS = env_int("ISAMURAI_MAX_VIDEO_SECONDS", 600)
ISAMURAI_MAX_IMAGE_PIXELS = env_int("ISAMURAI_MAX_IMAGE_PIXELS", 40_000_000)
ISAMURAI_MAX_VIDEO_PIXELS = env_int("ISAMURAI_MAX_VIDEO_PIXELS", 3840 * 2160)
# One image (upload or base64 field); a 40-megapixel JPEG is well under it.
ISAMURAI_MAX_IMAGE_BYTES = env_int("ISAMURAI_MAX_IMAGE_MB", 30) * 1024 * 1024
# A JSON body (or the non-file fields of a form): two of the largest images in base64, and room.
_BASE64_IMAGE_MB = ISAMURAI_MAX_IMAGE_BYTES * 4 // 3 // 2**20 + 2
ISAMURAI_MAX_JSON_BYTES = env_int("ISAMURAI_MAX_JSON_MB", 2 * _BASE64_IMAGE_MB + 1) * 2**20
ISAMURAI_MAX_OUTPUT_FPS = float(env_str("ISAMURAI_MAX_OUTPUT_FPS", "240"))

# --- Models -------------------------------------------------------------------------------
# ONNX Runtime providers in order of preference: "tensorrt,cuda,cpu" on a GPU worker. A GPU
# worker that can only get CPU refuses to run unless ISAMURAI_ALLOW_CPU_FALLBACK is set.
ISAMURAI_ORT_PROVIDERS = env_str("ISAMURAI_ORT_PROVIDERS", "cpu")
# restore with upscale=2/4 (Real-ESRGAN, on the fast queue): the largest output in pixels; a request
# past it is a 400 naming upscale. Default 4096x4096 with a GPU provider; 1024x1024 on CPU only,
# where one 256 px tile of x4 costs ~30 CPU-seconds (README, "Speed with compute-matched models").
ISAMURAI_RESTORE_MAX_OUTPUT_PIXELS = env_int(
    "ISAMURAI_RESTORE_MAX_OUTPUT_PIXELS",
    4096 * 4096 if set(ISAMURAI_ORT_PROVIDERS.replace(" ", "").split(",")) - {"cpu"} else 1024 * 1024)
ISAMURAI_ALLOW_CPU_FALLBACK = env_bool("ISAMURAI_ALLOW_CPU_FALLBACK", False)
# Per-frame processor modules outside workers/processors (plug-ins, the tests' toy step): each
# defines PROCESSOR (workers.processors.registry); comma-separated dotted module names.
ISAMURAI_PROCESSOR_MODULES = env_list("ISAMURAI_PROCESSOR_MODULES", [])
# Slow motion: "auto" (RIFE when its weights are installed, else optical flow), "rife" or "flow".
ISAMURAI_INTERPOLATOR = env_str("ISAMURAI_INTERPOLATOR", INTERPOLATORS.default)
# Seconds the API waits for a synchronous job (preview, analyse-frame, restore) on the fast queue.
ISAMURAI_FAST_TASK_TIMEOUT = float(env_str("ISAMURAI_FAST_TASK_TIMEOUT", "120"))
ISAMURAI_HEALTH_PING_SECONDS = float(env_str("ISAMURAI_HEALTH_PING_SECONDS", "1.0"))

# --- Webhooks and idempotency (extensions) -----------------------------------------------
ISAMURAI_WEBHOOK_MAX_ATTEMPTS = env_int("ISAMURAI_WEBHOOK_MAX_ATTEMPTS", 8)
ISAMURAI_WEBHOOK_BACKOFF_SECONDS = float(env_str("ISAMURAI_WEBHOOK_BACKOFF_SECONDS", "10"))
# A wall-clock deadline for one attempt (connect, send, the whole answer); the task's own time
# limit is a little longer. At most ISAMURAI_WEBHOOK_RESPONSE_KB of an answer is read.
ISAMURAI_WEBHOOK_TIMEOUT_SECONDS = float(env_str("ISAMURAI_WEBHOOK_TIMEOUT_SECONDS", "10"))
ISAMURAI_WEBHOOK_RESPONSE_BYTES = env_int("ISAMURAI_WEBHOOK_RESPONSE_KB", 64) * 1024
# Ports a webhook URL may use; "*" allows any (tests with loopback receivers set it).
ISAMURAI_WEBHOOK_PORTS = env_list("ISAMURAI_WEBHOOK_PORTS", ["80", "443"])
# Off by default: a webhook must not be a way to reach hosts inside the server's network.
ISAMURAI_WEBHOOK_ALLOW_PRIVATE = env_bool("ISAMURAI_WEBHOOK_ALLOW_PRIVATE", False)
# Drafts (slow-motion projects, swaps saved without starting) cost nothing until started, so the
# bytes a user may keep in them are capped; a draft that would pass the cap is refused (403).
ISAMURAI_DRAFT_QUOTA_BYTES = env_int("ISAMURAI_DRAFT_QUOTA_MB", 1024) * 1024 * 1024
ISAMURAI_IDEMPOTENCY_HOURS = env_int("ISAMURAI_IDEMPOTENCY_HOURS", 24)
# A request still "processing" after this long lost its web worker (gunicorn's --timeout is 300 s).
ISAMURAI_IDEMPOTENCY_LEASE_SECONDS = env_int("ISAMURAI_IDEMPOTENCY_LEASE_SECONDS", 330)
# JSON bodies carry base64 images: read into memory up to the JSON cap, never the 500 MB upload limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = ISAMURAI_MAX_JSON_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Retention, signed links, rate limits, CORS, licences (extensions) --------------------
# Inputs and outputs are deleted this long after a job ends (a Draft: after it was created).
ISAMURAI_RETENTION_HOURS = float(env_str("ISAMURAI_RETENTION_HOURS", "72"))
ISAMURAI_RETENTION_SWEEP_SECONDS = float(env_str("ISAMURAI_RETENTION_SWEEP_SECONDS", "600"))
# Lifetime of a signed /api/media/ link; default: the retention period.
ISAMURAI_MEDIA_URL_SECONDS = env_int("ISAMURAI_MEDIA_URL_SECONDS", int(ISAMURAI_RETENTION_HOURS * 3600))
# Requests per API key: 'N/sec|min|hour|day'. Plans may override both in the admin.
ISAMURAI_THROTTLE_READ = env_str("ISAMURAI_THROTTLE_READ", "600/min")
ISAMURAI_THROTTLE_CHARGE = env_str("ISAMURAI_THROTTLE_CHARGE", "60/min")
CORS_ALLOWED_ORIGINS = env_list("ISAMURAI_CORS_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = ["Retry-After", "Content-Disposition"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "idempotency-key", "x-requested-with"]
# The operator sells the output: only models whose licence allows commercial use are offered,
# downloaded and loaded (workers/model_zoo/licences.py; README "Commercial mode").
ISAMURAI_COMMERCIAL = env_bool("ISAMURAI_COMMERCIAL", False)
# Non-commercial models the operator holds a commercial licence for (e.g. InsightFace's), allowed anyway.
ISAMURAI_COMMERCIAL_LICENSED_MODELS = env_list("ISAMURAI_COMMERCIAL_LICENSED_MODELS", [])

# --- Provenance and content policy (extensions) ----------------------------------------
# Names this deployment in the invisible watermark (every host of one deployment shares it);
# by default derived from SECRET_KEY, which every host already shares.
ISAMURAI_SERVER_ID = env_str("ISAMURAI_SERVER_ID", "") or hashlib.sha256(SECRET_KEY.encode()).hexdigest()[:16]
# The operator's C2PA certificate chain and private key (PEM files); without them a pair is
# generated once into $ISAMURAI_DATA_DIR/c2pa and labelled self-generated (readers: untrusted).
ISAMURAI_C2PA_CERT = env_str("ISAMURAI_C2PA_CERT", "")
ISAMURAI_C2PA_KEY = env_str("ISAMURAI_C2PA_KEY", "")
ISAMURAI_C2PA_GENERATED_DIR = DATA_DIR / "c2pa"
# A small "AI-generated" mark in a corner of every output; the swap endpoints' `label` overrides it.
ISAMURAI_VISIBLE_LABEL = env_bool("ISAMURAI_VISIBLE_LABEL", False)
# Video: the watermark pattern is worked out on every n-th frame and reused between (1 = every frame).
ISAMURAI_WATERMARK_REFRESH = env_int("ISAMURAI_WATERMARK_REFRESH", 8)
# off | flag | block; empty: block when the NSFW classifier is installed, else off (with a warning).
ISAMURAI_CONTENT_POLICY = env_str("ISAMURAI_CONTENT_POLICY", "").strip().lower()
ISAMURAI_NSFW_THRESHOLD = float(env_str("ISAMURAI_NSFW_THRESHOLD", "0.8"))
# POST verify/: the fast worker's time limit for reading one file's marks.
ISAMURAI_VERIFY_SECONDS = env_int("ISAMURAI_VERIFY_SECONDS", 60)

# Prices (credits) are data of each job kind (apps/<app>/pricing.py); their ISAMURAI_PRICE_*
# variables are read there, when a price is computed.

# --- Payments (Stripe; apps.billing) ---------------------------------------------------------
# Without a secret key the server runs without payments: credits come from admin grants.
ISAMURAI_STRIPE_SECRET_KEY = env_str("ISAMURAI_STRIPE_SECRET_KEY", "")
# The signing secret of the webhook endpoint (whsec_...) that posts to /api/billing/stripe-webhook/.
ISAMURAI_STRIPE_WEBHOOK_SECRET = env_str("ISAMURAI_STRIPE_WEBHOOK_SECRET", "")
# Where the Stripe library sends its requests (tests: a loopback server that answers like Stripe).
ISAMURAI_STRIPE_API_BASE = env_str("ISAMURAI_STRIPE_API_BASE", "https://api.stripe.com")
ISAMURAI_BILLING_SWEEP_SECONDS = float(env_str("ISAMURAI_BILLING_SWEEP_SECONDS", "600"))

# --- API keys ---------------------------------------------------------------------------
# last_used_at is written at most this often per key, so reads don't turn into writes.
ISAMURAI_KEY_TOUCH_SECONDS = env_int("ISAMURAI_KEY_TOUCH_SECONDS", 60)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "apps.core.exceptions.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.NamespacedAutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_CLASSES": ["apps.accounts.throttling.ApiKeyRateThrottle"],
}

# Throttle counters (and other short-lived state): Redis when configured, else this process's memory.
if env_str("REDIS_URL", ""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": env_str("REDIS_URL", ""), "KEY_PREFIX": "isamurai"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SPECTACULAR_SETTINGS = {
    "TITLE": "iSamurai-compatible face swap API",
    "DESCRIPTION": "Self-hosted, drop-in compatible with the hosted iSamurai API. Every error is "
                   '`{"error": "...", "success": false}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"QualityEnum": list(QUALITIES.values)},
}

# --- Jobs ---------------------------------------------------------------------------------
# Each job kind's pipeline is in its JobKindSpec (apps/<kind>/kind.py); this JSON object
# ({"kind": "module:function"}) replaces some, e.g. for tests and benches.
ISAMURAI_PIPELINES_JSON = env_str("ISAMURAI_PIPELINES_JSON", "")
ISAMURAI_MAX_JOB_SECONDS = env_int("ISAMURAI_MAX_JOB_SECONDS", 4 * 3600)
ISAMURAI_JOB_HEARTBEAT_SECONDS = float(env_str("ISAMURAI_JOB_HEARTBEAT_SECONDS", "10"))
# A Processing job whose worker has been silent this long is retried (or failed, refunded).
ISAMURAI_JOB_STALE_SECONDS = float(env_str("ISAMURAI_JOB_STALE_SECONDS", "60"))
ISAMURAI_JOB_MAX_ATTEMPTS = env_int("ISAMURAI_JOB_MAX_ATTEMPTS", 2)
ISAMURAI_JOB_REDISPATCH_SECONDS = float(env_str("ISAMURAI_JOB_REDISPATCH_SECONDS", "900"))
ISAMURAI_JOB_CANCEL_CHECK_SECONDS = float(env_str("ISAMURAI_JOB_CANCEL_CHECK_SECONDS", "0.5"))
ISAMURAI_SWEEP_SECONDS = float(env_str("ISAMURAI_SWEEP_SECONDS", "15"))
# The ETA of a queued job before any job of its kind finished: processing seconds per second of media.
ISAMURAI_ETA_SECONDS_PER_MEDIA_SECOND = float(env_str("ISAMURAI_ETA_SECONDS_PER_MEDIA_SECOND", "2"))
# How often each worker writes its presence (and GPU utilisation) for the ETA and /metrics.
ISAMURAI_WORKER_BEAT_SECONDS = float(env_str("ISAMURAI_WORKER_BEAT_SECONDS", "10"))

# --- Celery -----------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Longer than any job may run, so a long job's unacked message is never handed out twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": ISAMURAI_MAX_JOB_SECONDS + 3600}
else:
    # Embedded broker: messages are files, so one machine needs no server at all.
    _broker_dir = DATA_DIR / "broker"
    (_broker_dir / "queue").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.05,
    }
if REDIS_URL:
    CELERY_RESULT_BACKEND = REDIS_URL
else:
    (DATA_DIR / "broker" / "results").mkdir(parents=True, exist_ok=True)
    CELERY_RESULT_BACKEND = f"file://{DATA_DIR / 'broker' / 'results'}"
# Only the synchronous (fast-queue) tasks keep results, and only briefly.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 600
CELERY_TASK_DEFAULT_QUEUE = "fast"
CELERY_TASK_ROUTES = {"jobs.run": {"queue": "gpu"}, "jobs.segment": {"queue": "gpu"}, "jobs.join": {"queue": "gpu"},
                      "jobs.sweep": {"queue": "fast"},
                      "webhooks.deliver": {"queue": "webhooks"}, "ops.prune": {"queue": "fast"},
                      "retention.sweep": {"queue": "fast"}, "billing.subscriptions_end": {"queue": "fast"}}
# Late acks let Redis hand a lost worker's message out again. The filesystem broker deletes a
# message when it is read, so there they buy nothing, and its polling loop would hold the next
# message back until the ack (seconds): ack on receipt there.
CELERY_TASK_ACKS_LATE = bool(REDIS_URL)
CELERY_TASK_REJECT_ON_WORKER_LOST = False  # a lost job is retried by the sweeper, a bounded number of times
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "jobs-sweep": {"task": "jobs.sweep", "schedule": ISAMURAI_SWEEP_SECONDS},
    "ops-prune": {"task": "ops.prune", "schedule": 3600.0},
    "retention-sweep": {"task": "retention.sweep", "schedule": ISAMURAI_RETENTION_SWEEP_SECONDS},
    "billing-subscriptions-end": {"task": "billing.subscriptions_end", "schedule": ISAMURAI_BILLING_SWEEP_SECONDS},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# --- Running in public: TLS behind a proxy, cookies, HSTS, CSP, media origin, operator tokens --
# README "Running in public" lists the production environment; `manage.py check --deploy` is
# clean with it (tests/security/test_deploy_check.py, .ci/run).
# The header the TLS proxy sets to say the client's request was HTTPS; empty when the server is
# reached without a proxy (a client could then claim HTTPS).
_PROXY_SSL_HEADER = env_str("ISAMURAI_PROXY_SSL_HEADER", "X-Forwarded-Proto").strip()
SECURE_PROXY_SSL_HEADER = ((f"HTTP_{_PROXY_SSL_HEADER.upper().replace('-', '_')}", "https")
                           if _PROXY_SSL_HEADER else None)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
# Probes and scrapers inside the network talk plain HTTP to the container (docker/healthcheck.py).
SECURE_REDIRECT_EXEMPT = [r"^api/health/$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", False)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Signed /api/media/ links on another origin (https://media.example.com, the same server under a
# second name): uploads are served there, never on the console's origin. The app's origin then
# redirects media links there, and the media origin answers nothing but media.
ISAMURAI_MEDIA_ORIGIN = env_str("ISAMURAI_MEDIA_ORIGIN", "").strip().rstrip("/")
if ISAMURAI_MEDIA_ORIGIN:
    _media = urlsplit(ISAMURAI_MEDIA_ORIGIN)
    if _media.scheme not in ("http", "https") or not _media.hostname or _media.path or _media.query:
        raise ValueError(f"ISAMURAI_MEDIA_ORIGIN must be scheme://host[:port], got {ISAMURAI_MEDIA_ORIGIN!r}")
    if "*" not in ALLOWED_HOSTS and _media.hostname not in ALLOWED_HOSTS:
        ALLOWED_HOSTS = [*ALLOWED_HOSTS, _media.hostname]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Where the console's pages may load images and videos from: this origin, data: (previews), blob:
# (a frame of the chosen target file, read in the browser), the media origin and the bucket
# (presigned links).
_MEDIA_SOURCES = ["'self'", "data:", "blob:", *filter(None, [
    ISAMURAI_MEDIA_ORIGIN,
    _origin(ISAMURAI_S3_ENDPOINT_URL) if ISAMURAI_S3_BUCKET else "",
    "https://*.amazonaws.com" if ISAMURAI_S3_BUCKET and not ISAMURAI_S3_ENDPOINT_URL else "",
])]
# Forms post here; buying credits and the billing portal post here and are redirected to Stripe's
# hosted pages (browsers hold the redirect of a form to form-action too). Another Stripe API base
# (a loopback Stripe) is added per response by apps.core.middleware.ContentSecurityPolicyMiddleware.
_FORM_TARGETS = ["'self'", "https://checkout.stripe.com", "https://billing.stripe.com"]
# Console, admin and API docs: scripts and styles from static files only (no inline script, no
# eval), nothing framed, forms post here. Media answers carry their own stricter policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": _MEDIA_SOURCES,
        "media-src": _MEDIA_SOURCES,
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": _FORM_TARGETS,
        "frame-ancestors": ["'none'"],
    },
}

# /api/health/ without a token answers a status computed at most this often (shared by every
# process through the cache); `Authorization: Bearer <ISAMURAI_HEALTH_TOKEN>` gets a fresh,
# detailed check (models, `?workers=0`).
ISAMURAI_HEALTH_TOKEN = env_str("ISAMURAI_HEALTH_TOKEN", "")
ISAMURAI_HEALTH_CACHE_SECONDS = float(env_str("ISAMURAI_HEALTH_CACHE_SECONDS", "10"))
# /metrics answers `Authorization: Bearer <ISAMURAI_METRICS_TOKEN>` or a client address in
# ISAMURAI_METRICS_ALLOW (addresses or networks, as the server sees them: behind a proxy on the
# same host every client looks like the proxy); neither set: nobody.
ISAMURAI_METRICS_TOKEN = env_str("ISAMURAI_METRICS_TOKEN", "")
ISAMURAI_METRICS_ALLOW = env_list("ISAMURAI_METRICS_ALLOW", [])

# --- Accounts: django-allauth (sign-up, verification, 2FA, OpenID Connect), mail -------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# closed: only the operator makes accounts (admin, create_api_user); invite: a single-use code
# made in the admin; open: anyone with an email address.
ISAMURAI_SIGNUP = SIGNUP_MODES.parse(env_str("ISAMURAI_SIGNUP", SIGNUP_MODES.default))  # ValueError naming it
# Granted through the ledger once, when a signed-up account's email is first verified.
ISAMURAI_SIGNUP_CREDITS = env_int("ISAMURAI_SIGNUP_CREDITS", 0)
# Staff must set up TOTP two-factor before they reach the admin.
ISAMURAI_STAFF_2FA = env_bool("ISAMURAI_STAFF_2FA", False)
# Where the Django admin lives (a less guessable path keeps scanners off its sign-in).
ISAMURAI_ADMIN_PATH = env_str("ISAMURAI_ADMIN_PATH", "admin/").strip("/") + "/"
ACCOUNT_ADAPTER = "apps.membership.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "apps.membership.adapter.SocialAccountAdapter"
ACCOUNT_SIGNUP_FORM_CLASS = "apps.membership.forms.SignupExtraForm"
# Sign in by email or by username (operator-made accounts may have no email).
ACCOUNT_LOGIN_METHODS = {"email", "username"}
# A username is made from the email (the console and admin show it).
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_REDIRECT_URL = "console:login"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[iSamurai] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if env_bool("SESSION_COOKIE_SECURE", False) else "http"
# Sign-in, sign-up and reset limits per address (ip) and per account name or email (key); a
# failed-login limit per key is the lockout. ISAMURAI_ACCOUNT_RATE_LIMITS_JSON overrides entries.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "5/h/ip",
    "reset_password": "5/h/ip,3/h/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    **json.loads(env_str("ISAMURAI_ACCOUNT_RATE_LIMITS_JSON", "") or "{}"),
}
# Behind N reverse proxies the client's address is the N-th from the right of X-Forwarded-For;
# 0 (direct) uses the connection's address. Per-address limits need this right behind a proxy.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("ISAMURAI_TRUSTED_PROXY_COUNT", 0)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("ISAMURAI_MFA_ISSUER", "iSamurai")
# One 30 s step either side for phones whose clocks drift; a used code is still refused again.
MFA_TOTP_TOLERANCE = 1
# Optional sign-in with a company identity provider (OpenID Connect), off unless configured.
ISAMURAI_OIDC_SERVER_URL = env_str("ISAMURAI_OIDC_SERVER_URL", "")
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS = {}
if ISAMURAI_OIDC_SERVER_URL:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        # The IdP's `email_verified` claim is trusted: it is the operator's own directory.
        "VERIFIED_EMAIL": env_bool("ISAMURAI_OIDC_EMAIL_VERIFIED", True),
        "APPS": [{
            "provider_id": env_str("ISAMURAI_OIDC_ID", "company"),
            "name": env_str("ISAMURAI_OIDC_NAME", "Company sign-in"),
            "client_id": env_str("ISAMURAI_OIDC_CLIENT_ID", ""),
            "secret": env_str("ISAMURAI_OIDC_CLIENT_SECRET", ""),
            "settings": {"server_url": ISAMURAI_OIDC_SERVER_URL,
                         "token_auth_method": env_str("ISAMURAI_OIDC_TOKEN_AUTH_METHOD", "client_secret_basic")},
        }],
    }
# Mail (isamurai_server/mail.py): SMTP from ISAMURAI_EMAIL_*, else printed to the console.
# It is sent from the web process, inside the request that causes it (bounded by the timeout).
_mail = mail_settings_from_env(os.environ)
EMAIL_BACKEND = _mail.backend
EMAIL_HOST, EMAIL_PORT = _mail.host, _mail.port
EMAIL_USE_TLS, EMAIL_USE_SSL = _mail.use_tls, _mail.use_ssl
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _mail.user, _mail.password
EMAIL_TIMEOUT = _mail.timeout
DEFAULT_FROM_EMAIL = SERVER_EMAIL = _mail.from_address

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# --- One long video over several GPU workers (apps.jobs: JobSegment) ------------------------------
# A face swap or slow motion of a video longer than this is split at keyframes into parts of about
# this length, run by any free GPU workers and joined by stream copy; 0 keeps every job whole.
ISAMURAI_SEGMENT_SECONDS = float(env_str("ISAMURAI_SEGMENT_SECONDS", "30"))
# Runs of one segment (a crash, a lost worker) before the whole job fails and is refunded.
ISAMURAI_SEGMENT_MAX_ATTEMPTS = env_int("ISAMURAI_SEGMENT_MAX_ATTEMPTS", 3)
