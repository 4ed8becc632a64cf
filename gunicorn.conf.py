"""Production server settings: `gunicorn -c gunicorn.conf.py wsgi:app` (see README, "Production")."""
import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
accesslog = None  # the app writes one JSON line per request, with its request id
errorlog = "-"
# Request lines of any length reach the app, which refuses URLs over 8 KiB with 414 problem+json.
limit_request_line = 0
max_requests = 10000
max_requests_jitter = 500


def child_exit(server, worker):
    # Metrics of a dead worker must not be added up with the live ones.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
