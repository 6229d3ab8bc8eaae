"""The live check's HTTP side: wait for a site to answer, then check what it serves.

Everything here talks plain HTTP(S) with the standard library, so the same code runs against a
real CloudFront distribution (tests/live/test_live_stack.py) and against the local server of
tests/live/test_http_checks.py, which answers the way CloudFront and the app do, warm-up
included.

- `fetch` makes one request and returns a `Reply` whatever the status; a connection error or a
  timeout raises `UnreachableError`.
- `wait_for` polls one URL with exponential backoff until a reply is acceptable. It retries only
  what a stack that is still starting answers: no connection (DNS of a new distribution, a closed
  port), a timeout, 502/503/504 (CloudFront's "origin not ready", the API's "database waking
  up"), and a 200 whose content is not there yet. Anything else (a 500, a 404, a 401) fails at
  once: retrying would only hide a bug. When the time budget runs out, the error lists what each
  attempt got.
- `check_site`, `check_api_health` and `note_round_trip` are the checks themselves. Every failure
  is a `CheckFailedError` whose message says which step failed, the method and URL, the status, the
  start of the body and CloudFront's request id (`x-amz-cf-id`, what AWS support asks for).
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

RETRYABLE_STATUSES = frozenset({502, 503, 504})
BODY_EXCERPT = 300
SITE_TITLE = "<title>Notes</title>"  # app/web/app/layout.tsx: metadata.title
API_ERROR_MARK = 'data-testid="api-error"'  # app/web/app/page.tsx: the API could not be reached
STATIC_PREFIX = "/_next/static/"  # CloudFront serves it from the static bucket (release step)
MAX_ASSETS = 5


class CheckFailedError(AssertionError):
    """A live check failed; the message says what, where and what came back."""


class UnreachableError(Exception):
    """No HTTP answer at all: connection refused or reset, name not resolved, timeout."""


@dataclass(frozen=True)
class Reply:
    method: str
    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            what = f"{self.method} {self.url}: not JSON: {self.describe()}"
            raise CheckFailedError(what) from None

    def describe(self) -> str:
        """Status, CloudFront's request id and cache result, and the start of the body."""
        excerpt = " ".join(self.text[:BODY_EXCERPT].split())
        where = [f"HTTP {self.status}"]
        for header in ("x-amz-cf-id", "x-cache"):
            if self.headers.get(header):
                where.append(f"{header}: {self.headers[header]}")
        return f"{'; '.join(where)}; body: {excerpt or '(empty)'}"


def fetch(
    method: str,
    url: str,
    *,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 20.0,
) -> Reply:
    """One request; `body` is sent as JSON. Never raises for an HTTP status."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("User-Agent", "fullstack-live-check")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _reply(method, url, response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return _reply(method, url, error.code, error.headers, error.read())
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise UnreachableError(f"{type(reason).__name__}: {reason}") from None


def _reply(method: str, url: str, status: int, headers: Any, body: bytes) -> Reply:
    lowered = {name.lower(): value for name, value in headers.items()}
    return Reply(method=method, url=url, status=status, headers=lowered, body=body)


# -- waiting ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backoff:
    """Delays between attempts: `first`, times `factor` each time, at most `cap` seconds; the
    whole wait gives up after `budget` seconds."""

    first: float = 2.0
    factor: float = 2.0
    cap: float = 30.0
    budget: float = 900.0

    def delays(self) -> Iterator[float]:
        delay = self.first
        while True:
            yield delay
            delay = min(delay * self.factor, self.cap)


@dataclass
class Waiter:
    """How to wait: the backoff, and the clock and sleep (injected by the tests)."""

    backoff: Backoff = field(default_factory=Backoff)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    timeout: float = 20.0
    log: Callable[[str], None] = lambda _line: None


Acceptance = Callable[[Reply], "str | None"]  # None: acceptable; else why not (yet)


def wait_for(
    what: str,
    method: str,
    url: str,
    accept: Acceptance,
    waiter: Waiter,
    *,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    """Poll until `accept` takes a reply; retry only what a starting stack answers."""
    started = waiter.clock()
    delays = waiter.backoff.delays()
    seen: Counter[str] = Counter()
    last = ""
    attempts = 0
    while True:
        attempts += 1
        try:
            reply = fetch(method, url, body=body, headers=headers, timeout=waiter.timeout)
        except UnreachableError as error:
            seen[f"no answer ({error})"] += 1
            last = f"no answer: {error}"
        else:
            if reply.status in RETRYABLE_STATUSES:
                seen[f"HTTP {reply.status}"] += 1
                last = reply.describe()
            elif 200 <= reply.status < 300:
                reason = accept(reply)
                if reason is None:
                    return reply
                seen[f"HTTP {reply.status} but {reason}"] += 1
                last = f"{reason}: {reply.describe()}"
            else:
                reason = accept(reply)  # a check may expect a non-2xx status (401, 404)
                if reason is None:
                    return reply
                raise CheckFailedError(f"{what}: {method} {url} answered {reply.describe()}")
        elapsed = waiter.clock() - started
        delay = next(delays)
        if elapsed + delay > waiter.backoff.budget:
            history = ", ".join(f"{count}x {kind}" for kind, count in seen.items())
            raise CheckFailedError(
                f"{what}: {method} {url} gave up after {attempts} attempts in {elapsed:.0f} s "
                f"({history}); last: {last}"
            )
        waiter.log(f"{what}: not yet ({last[:120]}); again in {delay:.0f} s")
        waiter.sleep(delay)


def status_is(expected: int) -> Acceptance:
    def accept(reply: Reply) -> str | None:
        return None if reply.status == expected else f"expected HTTP {expected}"

    return accept


def html_page(*must_contain: str, must_not_contain: tuple[str, ...] = ()) -> Acceptance:
    """A 200 HTML page that contains every string of `must_contain` and none of the others."""

    def accept(reply: Reply) -> str | None:
        if reply.status != 200:
            return "expected HTTP 200"
        if "text/html" not in reply.headers.get("content-type", ""):
            return f"not HTML (content-type {reply.headers.get('content-type')!r})"
        missing = [text for text in must_contain if text not in reply.text]
        if missing:
            return f"the page lacks {missing!r}"
        present = [text for text in must_not_contain if text in reply.text]
        if present:
            return f"the page shows {present!r}"
        return None

    return accept


def json_fields(expected: Mapping[str, Any], status: int = 200) -> Acceptance:
    """A JSON reply with `status` whose top-level fields include `expected`."""

    def accept(reply: Reply) -> str | None:
        if reply.status != status:
            return f"expected HTTP {status}"
        try:
            data = json.loads(reply.body)
        except ValueError:
            return "not JSON"
        if not isinstance(data, dict):
            return "not a JSON object"
        wrong = {k: data.get(k) for k, v in expected.items() if data.get(k) != v}
        return f"expected {dict(expected)!r}, got {wrong!r}" if wrong else None

    return accept


# -- the checks ---------------------------------------------------------------------------------


class _Assets(HTMLParser):
    """The /_next/static/ URLs a page loads (script src, link href)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            wanted = name in ("src", "href") and value and STATIC_PREFIX in value
            if wanted and value not in self.urls:
                self.urls.append(str(value))


def static_assets(page: str) -> list[str]:
    parser = _Assets()
    parser.feed(page)
    return parser.urls


def _join(base: str, path: str) -> str:
    return urllib.parse.urljoin(base.rstrip("/") + "/", path.lstrip("/"))


@dataclass(frozen=True)
class SiteReport:
    page: Reply
    assets: tuple[str, ...]


def check_site(site_url: str, waiter: Waiter) -> SiteReport:
    """The home page through the edge (HTML titled Notes, the notes API reachable from the web),
    then up to MAX_ASSETS of the static files it loads (from the static bucket)."""
    page = wait_for(
        "the site's home page",
        "GET",
        _join(site_url, "/"),
        html_page(SITE_TITLE, must_not_contain=(API_ERROR_MARK,)),
        waiter,
    )
    assets = static_assets(page.text)
    if not assets:
        raise CheckFailedError(
            f"the site's home page ({page.url}) loads no {STATIC_PREFIX} file: the web image's "
            "build output is not referenced (ASSET_PREFIX?)"
        )
    for path in assets[:MAX_ASSETS]:
        asset = fetch("GET", _join(site_url, path), timeout=waiter.timeout)
        if asset.status != 200 or not asset.body:
            raise CheckFailedError(
                f"a static file of the page: GET {asset.url} answered {asset.describe()} "
                "(the release step uploads them to the static bucket; CloudFront serves "
                f"{STATIC_PREFIX}* from it)"
            )
    return SiteReport(page=page, assets=tuple(assets))


def check_api_health(site_url: str, waiter: Waiter) -> None:
    """/api/healthz (the API answers) and /api/readyz (it reaches its database; retried while
    a paused Aurora cluster resumes)."""
    wait_for(
        "the API's liveness", "GET", _join(site_url, "/api/healthz"), json_fields({"status": "ok"}),
        waiter,
    )  # fmt: skip
    wait_for(
        "the API's readiness (database reachable)",
        "GET",
        _join(site_url, "/api/readyz"),
        json_fields({"status": "ready"}),
        waiter,
    )


@dataclass(frozen=True)
class NoteTrip:
    note_id: int
    title: str


def note_round_trip(
    site_url: str,
    waiter: Waiter,
    *,
    access_token: str | None,
    author_id: str | None = None,
    title: str | None = None,
) -> NoteTrip:
    """Write a note through the edge, read it back, see it on the home page, delete it.

    With `access_token`, a write without it must be refused (401): the edge forwards the
    Authorization header and the API checks it; the note's author must be `author_id`.
    Without one (auth open), the write is anonymous.
    """
    notes = _join(site_url, "/api/notes")
    title = title or f"live check {uuid.uuid4().hex[:12]}"
    note = {"title": title, "body": "written by tests/live through the site's edge"}
    auth = {"Authorization": f"Bearer {access_token}"} if access_token else {}
    if access_token:
        refused = fetch("POST", notes, body=note, timeout=waiter.timeout)
        if refused.status != 401:
            raise CheckFailedError(
                f"a write without sign-in: POST {notes} answered {refused.describe()}; expected "
                "HTTP 401 (the API must refuse anonymous writes with auth cognito)"
            )
    created = wait_for(
        "writing a note",
        "POST",
        notes,
        status_is(201),
        waiter,
        body=note,
        headers={**auth, "Idempotency-Key": f"live-{uuid.uuid4()}"},
    )
    stored = created.json()
    if not isinstance(stored, dict) or not isinstance(stored.get("id"), int):
        raise CheckFailedError(f"writing a note: POST {notes} returned no id: {created.describe()}")
    note_id = stored["id"]
    read = fetch("GET", f"{notes}/{note_id}", timeout=waiter.timeout)
    if read.status != 200:
        raise CheckFailedError(f"reading the note back: GET {read.url} answered {read.describe()}")
    got = read.json()
    wrong = {k: got.get(k) for k, v in note.items() if got.get(k) != v}
    if author_id is not None and got.get("author_id") != author_id:
        wrong["author_id"] = got.get("author_id")
    if wrong:
        raise CheckFailedError(
            f"reading the note back: GET {read.url} differs from what was written: {wrong!r}"
        )
    wait_for(
        "the new note on the home page (the web reads it from the API)",
        "GET",
        _join(site_url, "/"),
        html_page(_escaped(title)),
        waiter,
    )
    gone = fetch("DELETE", f"{notes}/{note_id}", headers=auth, timeout=waiter.timeout)
    if gone.status != 204:
        raise CheckFailedError(f"deleting the note: DELETE {gone.url} answered {gone.describe()}")
    after = fetch("GET", f"{notes}/{note_id}", timeout=waiter.timeout)
    if after.status != 404:
        raise CheckFailedError(f"the deleted note: GET {after.url} answered {after.describe()}")
    return NoteTrip(note_id=note_id, title=title)


def _escaped(text: str) -> str:
    """How React writes text into HTML (&, <, > escaped); our titles use none of them."""
    return re.sub(r"[&<>]", lambda m: {"&": "&amp;", "<": "&lt;", ">": "&gt;"}[m.group()], text)
