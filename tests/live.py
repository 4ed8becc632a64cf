"""The real server: gunicorn in its own process group, on the test database."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, database_url: str, workers: int = 2, env: dict | None = None):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "RATELIMIT_DISABLED": "1", "LOG_LEVEL": "WARNING",
               **(env or {})}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", str(workers),
             "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_ready()

    def wait_ready(self, seconds: float = 60) -> None:
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                if request(self.port, "GET", "/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the server did not become ready")

    def kill(self) -> None:
        """kill -9 of the master and every worker: no chance to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def request(port: int, method: str, path: str, body=None, headers=None, timeout: float = 120):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = None if body is None else json.dumps(body).encode()
    all_headers = dict(headers or {})
    if data is not None:
        all_headers["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=all_headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), json.loads(payload) if payload.startswith((b"{", b"[")) \
        else payload


class SlowClient(threading.Thread):
    """One slow connection, opened again whenever the server drops it, until stop is set."""

    def __init__(self, port: int, kind: str, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.kind, self.stop = port, kind, stop
        self.dropped = 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    if self.kind == "headers":
                        sock.sendall(b"GET /api/v1/regions HTTP/1.1\r\nHost: bench\r\n")
                        line, pause = 0, 5.0
                    else:
                        sock.sendall(b"POST /api/v1/projects HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json"
                                     b"\r\nContent-Length: 100000\r\n\r\n")
                        line, pause = 0, 2.0
                    while not self.stop.wait(pause):
                        line += 1
                        sock.sendall(f"X-Slow-{line}: x\r\n".encode() if self.kind == "headers" else b" ")
            except OSError:
                self.dropped += 1
                self.stop.wait(0.2)
