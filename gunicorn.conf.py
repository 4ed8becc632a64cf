"""Production server settings: `gunicorn -c gunicorn.conf.py wsgi:app` (see docs/operations.md, "Production").

Threaded workers (gthread) keep connections alive between requests (a sync worker answers every request
with `Connection: close`) and overlap database waits; bench/README.md has the measurement behind it."""
import multiprocessing
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
accesslog = None  # the app writes one JSON line per request, with its request id
errorlog = "-"
# Request lines of any length reach the app, which refuses URLs over 8 KiB with 414 problem+json.
limit_request_line = 0
# Workers are recycled (a guard against slow memory growth; none has been seen: bench/README.md's exports keep
# their peak RSS) every 100,000 requests or so. At 10,000 a worker under full load was recycled every 10 s or
# less, and each recycling cost the throughput of the seconds around it (1,100-1,300 req/s against 1,500-1,600
# without recycling, on the by-region aggregate, interleaved runs on 2 cores).
max_requests = 100_000
max_requests_jitter = 5_000
# The app is loaded once, in the master: a recycled worker (or one replaced after a crash) is a fork of it,
# ready at once. Without it each one loaded the app again: 1.5 s of CPU on a 2-core machine, while the other
# worker served alone. A new release therefore needs the master restarted (a HUP forks the workers from the
# code the master holds).
preload_app = True
# The app reads the worker count (in-memory rate limits are per process: it says so at start-up).
raw_env = [f"WEB_CONCURRENCY={workers}"]


def post_worker_init(worker):
    """What gunicorn refuses itself, before the app sees the request (a control character in a header, a
    malformed request line or chunk), it answers as the app answers: problem+json, not its text/html page."""
    import json

    from gunicorn import util

    def write_problem(sock, status_int, reason, mesg):
        body = json.dumps({"type": "/problems/bad-request" if status_int == 400 else "about:blank",
                           "title": reason, "status": status_int, "detail": mesg or reason}).encode()
        head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/problem+json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
        util.write_nonblock(sock, head + body)

    util.write_error = write_problem


def post_fork(server, worker):
    from portfolio.extensions import forget_connections

    forget_connections(worker.app.wsgi())


def child_exit(server, worker):
    # Metrics of a dead worker must not be added up with the live ones.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
