"""The real server: gunicorn in its own process group, on the test database."""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ForkServer:
    """tests/forkserver.py, started on first use, once per test process (each xdist worker has its own)."""

    _process: subprocess.Popen | None = None
    _lock = threading.Lock()

    @classmethod
    def start(cls, argv: list[str], env: dict, log: str) -> int:
        with cls._lock:
            if cls._process is None or cls._process.poll() is not None:
                cls._process = subprocess.Popen(
                    [sys.executable, str(ROOT / "tests" / "forkserver.py")], cwd=ROOT, env=dict(os.environ),
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            cls._process.stdin.write(json.dumps({"argv": argv, "env": env, "log": log}) + "\n")
            cls._process.stdin.flush()
            return json.loads(cls._process.stdout.readline())["pid"]


class LiveServer:
    """gunicorn with the repository's gunicorn.conf.py, `wsgi:app`, on `database_url`, in a process group of its own
    (its master and workers), forked by tests/forkserver.py from a process that has imported the app already."""

    def __init__(self, database_url: str, workers: int = 2, env: dict | None = None):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": database_url, "RATELIMIT_DISABLED": "1", "LOG_LEVEL": "WARNING",
               **(env or {})}
        # The server's stdout and stderr, shown when it exits before it is ready.
        handle, self.log = tempfile.mkstemp(prefix=f"gunicorn-{self.port}-", suffix=".log")
        os.close(handle)
        self.pid = ForkServer.start(["-c", "gunicorn.conf.py", "--workers", str(workers),
                                     "--bind", f"127.0.0.1:{self.port}", "--timeout", "120", "wsgi:app"], env,
                                    self.log)
        self.wait_ready()

    def wait_ready(self, seconds: float = 60) -> None:
        """Until /readyz answers 200. A server that exits first (a bad setting, an unmigrated database) fails at
        once; one still not ready after `seconds` is killed, so no test leaves its group running."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if request(self.port, "GET", "/readyz")[0] == 200:
                    return
            except OSError:
                if not self._master_running():
                    raise RuntimeError(f"gunicorn {self.pid} exited before it was ready; the end of its output:\n"
                                       + self._output_tail()) from None
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"gunicorn {self.pid} was not ready after {seconds} s: killed")

    def _output_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(Path(self.log).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no output)"

    def _master_running(self) -> bool:
        """The master itself, by its pid (not its group: right after the fork it may not have its own yet)."""
        try:
            return Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()[0] not in ("Z", "X")
        except OSError:
            return False

    def alive(self) -> bool:
        """Whether a process of the server's group still runs. A zombie does not: it holds no file, lock or socket any
        more, and a killed master's workers are left to whoever reaps orphans."""
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rpartition(")")[2].split()
            except OSError:  # gone while we looked
                continue
            if int(fields[2]) == self.pid and fields[0] not in ("Z", "X"):
                return True
        return False

    def _wait_gone(self, seconds: float = 30) -> None:
        """Until no process of the group runs: the master and its workers have all died."""
        deadline = time.monotonic() + seconds
        while self.alive():
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {self.pid} still running {seconds} s after the signal")
            time.sleep(0.02)

    def kill(self) -> None:
        """kill -9 of the master and every worker: no chance to clean up."""
        os.killpg(self.pid, signal.SIGKILL)
        self._wait_gone()
        Path(self.log).unlink(missing_ok=True)

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.pid, signal.SIGTERM)
            self._wait_gone()
        Path(self.log).unlink(missing_ok=True)


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
