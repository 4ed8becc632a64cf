"""Settings read from the environment, so one build runs anywhere."""
import os
from pathlib import Path


def _normalise(url: str) -> str:
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants an explicit psycopg 3 driver.
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return _normalise(url)
    return "sqlite:///" + str(Path(instance_path) / "portfolio.sqlite")


def _csv(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _secret_key(instance_path: str) -> str:
    """SECRET_KEY signs the session cookie and the CSRF tokens. From the environment (every host and worker
    of one deployment must share it), else a random key kept in instance/secret_key, made on first use."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        import secrets

        key = secrets.token_hex(32)
        try:
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                handle.write(key)
        except FileExistsError:  # another worker made it first
            return path.read_text(encoding="ascii").strip()
        return key


def load(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {},  # pool_pre_ping: see create_app
        "API_TITLE": "TCM Portfolio API",
        "API_VERSION": "1.3.2",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Served by the app itself (see api/docs.py), so the docs page works offline.
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "CORS_ORIGINS": _csv("CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        # Behind the nginx front (deploy/nginx): the client's address and scheme come from X-Forwarded-For and
        # X-Forwarded-Proto, set by the one proxy in front (rate limits count per client address).
        "FORWARDED_FOR": _flag("FORWARDED_FOR"),
        # Local demo only: lets GET requests through without a token. Writes always need one.
        "OPEN_READS": _flag("OPEN_READS"),
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        # Read replicas (portfolio/replicas.py): GET/HEAD requests may read from these streaming replicas.
        "DATABASE_REPLICA_URLS": [_normalise(url) for url in _csv("DATABASE_REPLICA_URLS")],
        "REPLICA_MAX_LAG_SECONDS": float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5")),
        "REPLICA_RETRY_SECONDS": float(os.environ.get("REPLICA_RETRY_SECONDS", "5")),
        "REPLICA_CONNECT_TIMEOUT": int(os.environ.get("REPLICA_CONNECT_TIMEOUT", "2")),
        # Where last-write positions live: Redis (shared by all hosts), else RATELIMIT_STORAGE_URI when it
        # is redis://, else this process's memory (correct for one process only).
        "REPLICA_STATE_URL": os.environ.get("REPLICA_STATE_URL", ""),
        # X-Database: primary|replica on every response (tests, debugging); off by default.
        "DATABASE_ROUTING_HEADER": _flag("DATABASE_ROUTING_HEADER"),
        "IDEMPOTENCY_TTL_HOURS": int(os.environ.get("IDEMPOTENCY_TTL_HOURS", "24")),
        "IDEMPOTENCY_LOCK_SECONDS": int(os.environ.get("IDEMPOTENCY_LOCK_SECONDS", "60")),
        # An amount sent without fx_rate takes the latest rate published at most this many days before its
        # value date (UN operational rates are monthly).
        "FX_MAX_AGE_DAYS": int(os.environ.get("FX_MAX_AGE_DAYS", "31")),
        # gunicorn's worker count (gunicorn.conf.py sets WEB_CONCURRENCY): with several, in-memory rate limits
        # are per process, and the app says so at start-up.
        "WORKERS": int(os.environ.get("WEB_CONCURRENCY", "1")),
        # Flask-Limiter: in memory unless RATELIMIT_STORAGE_URI names Redis (redis://127.0.0.1:6379).
        "RATELIMIT_ENABLED": not _flag("RATELIMIT_DISABLED"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_DEFAULT": os.environ.get("RATELIMIT_DEFAULT", "600 per minute"),
        "RATELIMIT_BULK": os.environ.get("RATELIMIT_BULK", "60 per minute"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Sign-in attempts that fail, per account (its username) and per client address (README, "People and
        # sessions"); a successful sign-in does not count.
        "RATELIMIT_SIGNIN_ACCOUNT": os.environ.get("RATELIMIT_SIGNIN_ACCOUNT", "5 per minute;20 per hour"),
        "RATELIMIT_SIGNIN_ADDRESS": os.environ.get("RATELIMIT_SIGNIN_ADDRESS", "20 per minute;100 per hour"),
        # People's sessions (api/sessions.py): a signed cookie carrying a random token whose hash is a
        # row of user_sessions; it ends after SESSION_IDLE_MINUTES without a request, or SESSION_LIFETIME_HOURS
        # after sign-in, whichever comes first.
        "SECRET_KEY": _secret_key(instance_path),
        # argon2-cffi's parameter profile for password hashes (services/users.py HASH_PROFILES).
        "PASSWORD_HASH_PROFILE": os.environ.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY"),
        "SESSION_IDLE_MINUTES": int(os.environ.get("SESSION_IDLE_MINUTES", "60")),
        "SESSION_LIFETIME_HOURS": int(os.environ.get("SESSION_LIFETIME_HOURS", "12")),
        "SESSION_COOKIE_NAME": "tcm_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Secure is set on every cookie answered over HTTPS (behind a proxy: PROXY_FIX_X_PROTO); this forces it.
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE"),
        "SESSION_REFRESH_EACH_REQUEST": False,
        # Behind a reverse proxy: how many proxies set X-Forwarded-For / -Proto / -Host (werkzeug's ProxyFix);
        # 0 (default) trusts none of these headers.
        "PROXY_FIX_X_FOR": int(os.environ.get("PROXY_FIX_X_FOR", "0")),
        "PROXY_FIX_X_PROTO": int(os.environ.get("PROXY_FIX_X_PROTO", "0")),
        "PROXY_FIX_X_HOST": int(os.environ.get("PROXY_FIX_X_HOST", "0")),
        # Flask-WTF CSRF, checked by api/sessions.py on cookie-authenticated writes only (a bearer token
        # cannot be sent by another site). The token lives as long as the session; on HTTPS the Referer is not
        # required (every response says Referrer-Policy: no-referrer).
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_HEADERS": ["X-CSRF-Token"],
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": False,
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "tcm_session",
                                  "description": "A person's session, opened by POST /api/v1/session. Every write "
                                                 "made with it must send the header X-CSRF-Token with the "
                                                 "csrf_token of that answer (or of GET /api/v1/session)."}}},
            "security": [{"bearerAuth": []}, {"sessionCookie": []}],
            "info": {"description": "System of record for Technical Cooperation on Migration projects. Errors are "
                                    "RFC 9457 application/problem+json. See the README for the token workflow."},
        },
    }
