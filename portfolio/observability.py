"""Request ids, structured JSON logs and Prometheus metrics.

Every request gets an id (the caller's X-Request-ID when it is sane, else a new one), returned in
the X-Request-ID header and written into every log line of that request. Logs are one JSON object
per line on stderr. /metrics serves Prometheus counters and latency histograms; under gunicorn set
PROMETHEUS_MULTIPROC_DIR so the workers' figures are added up.
"""
import json
import logging
import os
import re
import time
import uuid

from flask import Flask, Response, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
REQUESTS = Counter("tcm_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram("tcm_http_request_duration_seconds", "HTTP request latency", ["method", "endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
access_log = logging.getLogger("portfolio.access")


class JsonFormatter(logging.Formatter):
    FIELDS = ("method", "path", "status", "duration_ms", "actor", "remote_addr", "endpoint")

    def format(self, record: logging.LogRecord) -> str:
        entry = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
                 "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
                 "request_id": getattr(record, "request_id", None)}
        for name in self.FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            # The trace goes to the log, never to the client.
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


class PlainFormatter(logging.Formatter):
    """The development server's own lines ("Running on http://..."), as a person reads them: its message,
    without the colour escapes it adds for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return ANSI_ESCAPE.sub("", super().format(record))


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # `flask run` (make run) logs its start-up through the "werkzeug" logger: plain lines of their own, not
    # JSON. gunicorn, the production server, logs its start-up itself.
    plain = logging.StreamHandler()
    plain.setFormatter(PlainFormatter("%(message)s"))
    werkzeug = logging.getLogger("werkzeug")
    werkzeug.handlers[:] = [plain]
    werkzeug.propagate = False
    werkzeug.setLevel(logging.INFO)


def register(app: Flask) -> None:
    if app.config.get("LOG_FORMAT", "json") == "json" and not app.testing:
        configure_logging(app.config.get("LOG_LEVEL", "INFO"))

    @app.before_request
    def _start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response):
        elapsed = time.perf_counter() - g.get("started", time.perf_counter())
        response.headers["X-Request-ID"] = g.get("request_id", "")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(request.method, endpoint, str(response.status_code)).inc()
        LATENCY.labels(request.method, endpoint).observe(elapsed)
        access_log.info("request", extra={
            "request_id": g.get("request_id"), "method": request.method, "path": request.path,
            "status": response.status_code,
            "duration_ms": round(elapsed * 1000, 2), "actor": g.get("actor", "anonymous"),
            "remote_addr": request.remote_addr, "endpoint": endpoint})
        return response


def metrics_response() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    # content_type, not mimetype: CONTENT_TYPE_LATEST already names its charset, and mimetype= adds one more.
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
