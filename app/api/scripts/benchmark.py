"""Benchmark (prints figures; asserts nothing): throughput and latency of one API process per
Fargate task size, against real PostgreSQL on this machine.

    cd app/api && ../.venv/bin/python -m scripts.benchmark [--seconds 15] [--clients 50]

A task size's vCPU share is emulated the way the kernel's CFS quota throttles a container: the
server process is stopped for the rest of every 100 ms period once its share is used (SIGSTOP /
SIGCONT duty cycle; 256 CPU units = 25 ms of each 100 ms). 1 vCPU runs unthrottled, so it
shares this machine's cores with PostgreSQL and the load generator. The mix is the load test's:
60% list 20 notes, 20% get one, 20% create one (200-character body, with an Idempotency-Key).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from psycopg import sql

from tests.api_process import api_server
from tests.conftest import run_alembic
from tests.load import ConnectionSampler, Results, note_mix, run_load
from tests.servers import PostgresServer, postgres_server

SIZES = (256, 512, 1024)  # Fargate CPU units: 0.25, 0.5 and 1 vCPU
PERIOD = 0.1


@contextlib.contextmanager
def throttled(pid: int, share: float) -> Iterator[None]:
    """Let ``pid`` run ``share`` of every PERIOD (no-op for share >= 1)."""
    stop = threading.Event()

    def cycle() -> None:
        while not stop.is_set():
            os.kill(pid, signal.SIGCONT)
            time.sleep(PERIOD * share)
            os.kill(pid, signal.SIGSTOP)
            time.sleep(PERIOD * (1 - share))
        os.kill(pid, signal.SIGCONT)

    thread = threading.Thread(target=cycle, daemon=True)
    if share < 1:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        if share < 1:
            thread.join()


def _server_pid(port: int) -> int:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"uvicorn" in b" ".join(cmdline) and str(port).encode() in cmdline:
                return int(entry.name)
    raise RuntimeError("api process not found")


def _database(pg: PostgresServer) -> tuple[str, dict[str, str]]:
    suffix = secrets.token_hex(4)
    name, user, password = f"bench_{suffix}", f"bench_{suffix}", secrets.token_urlsafe(18)
    with pg.admin() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(user), sql.Literal(password))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(user))
        )
    env = {
        "DB_HOST": pg.host,
        "DB_PORT": str(pg.port),
        "DB_NAME": name,
        "DB_USERNAME": user,
        "DB_PASSWORD": password,
    }
    result = run_alembic(env, "upgrade", "head")
    if result.returncode:
        raise RuntimeError(result.stderr)
    with pg.admin(name) as conn:
        conn.execute("INSERT INTO notes (title, body) SELECT 'seed', 'text' FROM generate_series(1, 200)")
    return user, env


def _pair(results: Results, kind: str) -> str:
    p50, p99 = results.percentile(kind, 0.5), results.percentile(kind, 0.99)
    return f"{p50 * 1000:.0f}/{p99 * 1000:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.benchmark")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--pool", type=int, default=10, help="DB_POOL_SIZE (the mvp stack's api gets 10)")
    args = parser.parse_args(argv)
    print(f"{os.cpu_count()} CPUs here; {args.clients} keep-alive clients, {args.seconds:g} s per size")
    print(f"{'task':>9} {'req/s':>7} {'5xx':>5} {'list p50/p99 ms':>16} {'get p50/p99':>12} "
          f"{'create p50/p99':>15} {'max conns':>9}")  # fmt: skip
    with postgres_server() as pg:
        user, env = _database(pg)
        for cpu in SIZES:
            log = Path(tempfile.mkdtemp(prefix="bench-")) / "api.log"
            with api_server({**env, "DB_POOL_SIZE": str(args.pool)}, log) as base:
                url = urlsplit(base)
                host, port = url.hostname or "127.0.0.1", url.port or 80
                with throttled(_server_pid(port), cpu / 1024), ConnectionSampler(pg.admin, user) as sampler:
                    r = run_load(host, port, args.clients, args.seconds, note_mix(list(range(1, 201)), 200))
            fivexx = sum(n for status, n in r.statuses.items() if status >= 500)

            label = f"{cpu / 1024:g} vCPU"
            lat = f"{_pair(r, 'list'):>16} {_pair(r, 'get'):>12} {_pair(r, 'create'):>15}"
            print(f"{label:>9} {r.total / r.elapsed:7.0f} {fivexx:5d} {lat} {sampler.maximum:9d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
