"""Starts live gunicorn servers for tests/live.py by forking, from a process that has imported the app once.

A gunicorn started with `python -m gunicorn` spends a second of CPU importing Flask, SQLAlchemy, marshmallow and
the app before it listens; the kill -9 tests start one 26 times. This process imports those modules once, then
for each line `{"argv": [...], "env": {...}, "log": path}` on its stdin forks a child that becomes exactly what
`python -m gunicorn <argv>` would be (its own session and process group, that environment, gunicorn's own entry
point, gunicorn.conf.py, `wsgi:app` imported by gunicorn in the child, its output in `log`) and answers
`{"pid": N}` on its stdout.

The app's modules are imported by creating one app here, on an in-memory database it never connects to, and
throwing it away; `wsgi` itself is not imported here, so each child's gunicorn creates its own app, from the
environment it was given (portfolio/config.py reads every setting when the app is created).
"""
import contextlib
import json
import os
import signal
import sys
import traceback

import gunicorn.app.wsgiapp  # noqa: F401  (imported here, so that the children do not)
import gunicorn.workers.gthread  # noqa: F401

from portfolio import create_app


def child(argv: list[str], env: dict, log: str | None) -> None:
    os.setsid()
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    # stdout and stderr to the file tests/live.py names (it shows the end of it when a server exits before it is
    # ready), else nowhere.
    output = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if log else devnull
    for fd in (1, 2):
        os.dup2(output, fd)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["gunicorn", *argv]
    try:
        gunicorn.app.wsgiapp.run()
    except SystemExit:
        pass
    except BaseException:
        traceback.print_exc()  # what the interpreter prints of an uncaught exception (an app that failed to load)
    finally:
        # Never back into the fork server's loop, an exception included. Nothing reads the exit status (the fork
        # server ignores SIGCHLD): tests/live.py watches the process group. os._exit does not flush: what was
        # printed is flushed first.
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(0)


def main() -> None:
    os.environ["DATABASE_URL"] = "sqlite://"
    create_app()
    # The children are reaped by the kernel: a killed server leaves no zombie to wait for, and tests/live.py
    # sees it gone as soon as it is.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    for line in sys.stdin:
        order = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(order["argv"], order["env"], order.get("log"))
        sys.stdout.write(json.dumps({"pid": pid}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
