"""A small closed-loop HTTP load client: N threads, keep-alive connections, fixed duration.

The same client drives every server compared, so their figures are measured alike."""
import http.client
import threading
import time
from urllib.parse import urlsplit


def _worker(url: str, headers: dict, deadline: float, out: list, lock: threading.Lock):
    parts = urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    ok = errors = 0
    latencies = []
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                ok += 1
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        latencies.append(time.perf_counter() - start)
    conn.close()
    with lock:
        out.append((ok, errors, latencies))


def run(url: str, *, headers: dict | None = None, concurrency: int = 8, seconds: float = 10.0) -> dict:
    deadline = time.perf_counter() + seconds
    results: list = []
    lock = threading.Lock()
    threads = [threading.Thread(target=_worker, args=(url, headers or {}, deadline, results, lock))
               for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ok = sum(r[0] for r in results)
    errors = sum(r[1] for r in results)
    latencies = sorted(lat for r in results for lat in r[2])
    return {"requests": ok + errors, "ok": ok, "errors": errors, "seconds": round(elapsed, 2),
            "rps": round(ok / elapsed, 1),
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2) if latencies else None}
