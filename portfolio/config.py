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


def load(instance_path: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "API_TITLE": "TCM Portfolio API",
        "API_VERSION": "1.0.0",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Served by the app itself (see api/docs.py), so the docs page works offline.
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "CORS_ORIGINS": _csv("CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
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
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
            "info": {"description": "System of record for Technical Cooperation on Migration projects. Errors are "
                                    "RFC 9457 application/problem+json. See the README for the token workflow."},
        },
    }
