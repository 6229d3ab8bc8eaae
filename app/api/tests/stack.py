"""Run the real API and worker against throw-away servers, for the web end-to-end test.

    python -m tests.stack        (from app/api, inside the venv)

Starts PostgreSQL and Redis (with a password) on free loopback ports, runs the
migration command of the contract (``alembic upgrade head``), starts the API
with the image's uvicorn command on a free port, starts the worker, prints
``READY <base-url>`` and keeps running until SIGTERM/SIGINT or until its
standard input is closed; then it cleans up.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from types import FrameType

from psycopg import sql

from tests.servers import free_port, postgres_server, redis_server

API_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"API did not become healthy at {url}")
        time.sleep(0.2)


def main() -> int:
    stop = threading.Event()

    def _handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _handle)
    signal.signal(signal.SIGINT, _handle)

    def _watch_stdin() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=_watch_stdin, daemon=True).start()

    with postgres_server() as pg, redis_server() as redis_srv:
        user, password, dbname = "notes_e2e", secrets.token_urlsafe(18), "notes_e2e"
        with pg.admin() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(user), sql.Literal(password)
                )
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(dbname), sql.Identifier(user))
            )
        env = {
            **os.environ,
            "DB_HOST": pg.host,
            "DB_PORT": str(pg.port),
            "DB_NAME": dbname,
            "DB_USERNAME": user,
            "DB_PASSWORD": password,
            "REDIS_HOST": redis_srv.host,
            "REDIS_PORT": str(redis_srv.port),
            "REDIS_TLS": "false",
            "REDIS_AUTH_TOKEN": redis_srv.password,
        }
        env.pop("DB_SECRET_ARN", None)
        if "USER_POOL_ISSUER" not in env:  # no user pool given: anyone may write (backend/auth.py)
            env.setdefault("ALLOW_ANONYMOUS_WRITES", "true")
        subprocess.run([str(BIN / "alembic"), "upgrade", "head"], cwd=API_DIR, env=env, check=True)
        port = free_port()
        children = [
            subprocess.Popen(
                [str(BIN / "uvicorn"), "backend.main:app", "--host", "127.0.0.1", "--port", str(port)],
                cwd=API_DIR,
                env=env,
            ),
            subprocess.Popen([str(BIN / "python"), "-m", "backend.worker"], cwd=API_DIR, env=env),
        ]
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_healthy(f"{base}/api/healthz", children[0])
            print(f"READY {base}", flush=True)
            while not stop.wait(0.5):
                if any(child.poll() is not None for child in children):
                    print("API or worker process exited", file=sys.stderr, flush=True)
                    return 1
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
