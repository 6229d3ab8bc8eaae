"""A small asyncio HTTP/1.1 load generator with keep-alive (light enough to share a CPU with the
server it loads), and a sampler of the app's PostgreSQL connections. Used by the load test and
by scripts/benchmark.py."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg


@dataclass
class Results:
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    created: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0

    def add(self, kind: str, status: int, seconds: float) -> None:
        self.statuses[status] += 1
        self.latencies.setdefault(kind, []).append(seconds)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    def percentile(self, kind: str, q: float) -> float:
        values = sorted(self.latencies.get(kind, []))
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))]


Request = tuple[str, str, bytes | None, dict[str, str]]


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, req: Request
) -> tuple[int, bytes]:
    method, path, body, extra = req
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    head += [f"{k}: {v}" for k, v in extra.items()]
    if body is not None:
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + (body or b""))
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
    payload = await reader.readexactly(length) if length else b""
    return status, payload


def note_mix(note_ids: list[int], body_chars: int) -> Callable[[random.Random], tuple[str, Request]]:
    """Reads and writes: 60% list, 20% get one, 20% create (with an Idempotency-Key)."""
    text = ("word " * (body_chars // 5 + 1))[:body_chars]

    def pick(rng: random.Random) -> tuple[str, Request]:
        roll = rng.random()
        if roll < 0.6:
            return "list", ("GET", "/api/notes?limit=20", None, {})
        if roll < 0.8:
            return "get", ("GET", f"/api/notes/{rng.choice(note_ids)}", None, {})
        body = json.dumps({"title": "load", "body": text}).encode()
        return "create", ("POST", "/api/notes", body, {"Idempotency-Key": str(uuid.uuid4())})

    return pick


async def _client(
    host: str,
    port: int,
    stop_at: float,
    pick: Callable[[random.Random], tuple[str, Request]],
    seed: int,
    out: Results,
) -> None:
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < stop_at:
            kind, req = pick(rng)
            started = time.monotonic()
            try:
                status, _ = await _request(reader, writer, f"{host}:{port}", req)
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                out.errors[type(exc).__name__] += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            out.add(kind, status, time.monotonic() - started)
            if kind == "create" and status == 201:
                out.created += 1
    finally:
        writer.close()


def run_load(
    host: str, port: int, clients: int, seconds: float, pick: Callable[[random.Random], tuple[str, Request]]
) -> Results:
    out = Results()

    async def main() -> None:
        stop_at = time.monotonic() + seconds
        await asyncio.gather(*(_client(host, port, stop_at, pick, i, out) for i in range(clients)))

    started = time.monotonic()
    asyncio.run(main())
    out.elapsed = time.monotonic() - started
    return out


class ConnectionSampler:
    """Polls pg_stat_activity for the connections of one role; keeps the maximum seen."""

    def __init__(self, connect: Callable[[], psycopg.Connection[tuple[object, ...]]], user: str) -> None:
        self._connect = connect
        self._user = user
        self._stop = threading.Event()
        self.maximum = 0
        self.samples = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self._connect() as conn:
            while not self._stop.is_set():
                row = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (self._user,)
                ).fetchone()
                count = int(row[0]) if row else 0  # type: ignore[call-overload]
                self.maximum = max(self.maximum, count)
                self.samples += 1
                self._stop.wait(0.01)

    def __enter__(self) -> ConnectionSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
