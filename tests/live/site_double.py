"""A local HTTP server that answers like CloudFront in front of the app, for tests/live's checks.

A real `ThreadingHTTPServer` on 127.0.0.1 (real sockets, real timeouts, real HTTP parsing by
urllib on the client side). It keeps notes in memory and answers the shapes the deployed stack
gives: the home page (app/web/app/page.tsx: title Notes, the notes list, /_next/static/ files),
/api/healthz, /api/readyz, /api/notes (app/api/backend/main.py: 201/200/204/404, 401 without a
valid bearer token), with CloudFront's `x-amz-cf-id`/`x-cache` headers.

Warm-up, as a new stack shows it: the first `warmup_502` requests get CloudFront's 502 (origin
not ready), the first `slow_requests` stall for `slow_seconds` before answering (a cold task), and
/api/readyz answers 503 `readyz_503` times (Aurora resuming). `faults` turn on one mistake each,
for the tests that show a check catches it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "valid-access-token"
AUTHOR = "11111111-2222-3333-4444-555555555555"
ASSET = "/_next/static/chunks/app-3f2a.js"


@dataclass
class Behaviour:
    warmup_502: int = 0
    slow_requests: int = 0
    slow_seconds: float = 0.0
    readyz_503: int = 0
    faults: set[str] = field(default_factory=set)
    # state
    requests: int = 0
    readyz_calls: int = 0
    notes: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    log: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        self.server.behaviour.log.append(format % args)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _route(self, method: str) -> None:
        b = self.server.behaviour
        with b.lock:
            b.requests += 1
            number = b.requests
        if number <= b.slow_requests:
            time.sleep(b.slow_seconds)
        if number <= b.warmup_502:
            self._send(502, b"<html><body>502 Bad Gateway (CloudFront)</body></html>", "text/html")
            return
        path = self.path.split("?")[0]
        if method == "GET" and path == "/":
            self._home()
        elif method == "GET" and path.startswith("/_next/static/"):
            if path == ASSET and "asset-missing" not in b.faults:
                self._send(200, b"console.log('notes')", "application/javascript")
            else:
                self._send(403, b"<Error><Code>AccessDenied</Code></Error>", "application/xml")
        elif method == "GET" and path == "/api/healthz":
            self._json(200, {"status": "ok"})
        elif method == "GET" and path == "/api/readyz":
            with b.lock:
                b.readyz_calls += 1
                waking = b.readyz_calls <= b.readyz_503 or "db-down" in b.faults
            if waking:
                checks = {"database": "unreachable", "redis": "not configured"}
                self._json(503, {"status": "not ready", "checks": checks})
            else:
                self._json(200, {"status": "ready", "checks": {"database": "ok"}})
        elif path == "/api/notes" and method == "POST":
            self._create()
        elif (match := re.fullmatch(r"/api/notes/(\d+)", path)) and method in ("GET", "DELETE"):
            self._note(method, int(match.group(1)))
        else:
            self._json(404, {"detail": "Not Found"})

    # -- pages and API --------------------------------------------------------------------------

    def _home(self) -> None:
        b = self.server.behaviour
        if "home-500" in b.faults:
            self._send(500, b"Internal Server Error", "text/plain")
            return
        if "api-unreachable" in b.faults:
            body = '<div class="error" data-testid="api-error">The notes API is not available</div>'
        else:
            shown = [] if "page-stale" in b.faults else list(b.notes.values())
            items = "".join(
                f'<li class="note" data-note-id="{n["id"]}"><h2>{_html(n["title"])}</h2></li>'
                for n in shown
            )
            body = f'<ul class="notes" data-testid="notes">{items}</ul>'
        asset = "" if "no-assets" in b.faults else f'<script src="{ASSET}" async=""></script>'
        page = (
            '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
            f"<title>Notes</title>{asset}</head><body><main><h1>Notes</h1>{body}</main></body>"
            "</html>"
        )
        self._send(200, page.encode(), "text/html; charset=utf-8")

    def _authorized(self) -> bool:
        b = self.server.behaviour
        if "anonymous-writes" in b.faults:
            return True
        if "drops-authorization" in b.faults:  # an edge that does not forward the header
            return False
        return self.headers.get("Authorization") == f"Bearer {TOKEN}"

    def _create(self) -> None:
        b = self.server.behaviour
        if not self._authorized():
            self._json(401, {"detail": "missing bearer token"}, {"WWW-Authenticate": "Bearer"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        payload = json.loads(self.rfile.read(length))
        if not isinstance(payload, dict) or not payload.get("title"):
            self._json(422, {"detail": "title required"})
            return
        with b.lock:
            note = {
                "id": b.next_id,
                "title": payload["title"],
                "body": payload.get("body", "") if "body-lost" not in b.faults else "",
                "summary": None,
                "author_id": AUTHOR,
                "created_at": "2026-12-07T10:00:00Z",
            }
            b.notes[b.next_id] = note
            b.next_id += 1
        self._json(201, note)

    def _note(self, method: str, note_id: int) -> None:
        b = self.server.behaviour
        note = b.notes.get(note_id)
        if note is None:
            self._json(404, {"detail": f"note {note_id} not found"})
        elif method == "GET":
            self._json(200, note)
        elif not self._authorized():
            self._json(401, {"detail": "missing bearer token"})
        else:
            if "delete-ignored" not in b.faults:
                del b.notes[note_id]
            self._send(204, b"", None)

    # -- plumbing -------------------------------------------------------------------------------

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(data).encode(), "application/json", headers)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        try:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amz-cf-id", f"local-{self.server.behaviour.requests}")
            self.send_header("x-cache", "Miss from cloudfront")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): what a slow start looks like to it


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, behaviour: Behaviour) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.behaviour = behaviour


@contextmanager
def serving(behaviour: Behaviour) -> Iterator[str]:
    """Serve `behaviour` on a free local port; yields the base URL."""
    server = _Server(behaviour)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
