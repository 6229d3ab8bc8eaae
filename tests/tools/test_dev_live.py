"""`python -m stackctl dev` for real: PostgreSQL, Redis, the migration, api, worker and web.

Runs the command on free ports with this machine's PostgreSQL and Redis binaries and the app's
own dependencies (app/.venv, app/web/node_modules: app/scripts/test.sh installs all of them and
runs this file), writes a note through the API, reads it back through the web's server-rendered
page, has the worker run the note's summary job, then sends SIGINT like Ctrl-C and checks that
every process group the command started is gone.

Skipped, with the reason, when a prerequisite is absent; with APP_TESTS_STRICT=1 (the app's test
script) a missing prerequisite fails instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from components.config.app_contract import CONTRACT_PATH
from stackctl.dev.procs import group_alive
from stackctl.dev.stores import find_pg_binary
from stackctl.dev.values import DevConfigError, read_env_file

ROOT = CONTRACT_PATH.parents[1]
APP_PYTHON = Path(os.environ.get("DEV_APP_PYTHON", ROOT / "app" / ".venv" / "bin" / "python"))
NEXT_BIN = ROOT / "app" / "web" / "node_modules" / ".bin" / "next"


def _missing() -> str | None:
    try:
        find_pg_binary("postgres")
    except DevConfigError as error:
        return str(error)
    if shutil.which("redis-server") is None:
        return "redis-server not installed (apt-get install redis-server)"
    if not APP_PYTHON.exists():
        return f"{APP_PYTHON} missing (bash app/scripts/test.sh creates it)"
    if not NEXT_BIN.exists():
        return "app/web/node_modules missing (npm ci in app/web)"
    if shutil.which("node") is None:
        return "node not installed"
    return None


MISSING = _missing()
if MISSING and os.environ.get("APP_TESTS_STRICT") == "1":
    raise RuntimeError(f"stackctl dev's live test cannot run: {MISSING}")
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"needs the real thing: {MISSING}")


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class Running:
    """`stackctl dev` as a child, its output collected line by line."""

    def __init__(self, argv: list[str]) -> None:
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env={k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def text(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.text())
            if found:
                return found
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} not seen; output:\n{self.text()[-6000:]}")
            time.sleep(0.2)


def _request(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=60) as response:
        raw = response.read().decode()
        return response.status, (json.loads(raw) if raw.startswith(("{", "[")) else raw)


def test_stackctl_dev_runs_the_app_and_stops_every_process(tmp_path: Path) -> None:
    api, web, pg, redis = _free_ports(4)
    env_file = tmp_path / ".env.dev"
    running = Running(
        [
            sys.executable, "-m", "stackctl", "dev", "--fresh",
            "--port", f"api={api}", "--port", f"web={web}",
            "--postgres-port", str(pg), "--redis-port", str(redis),
            "--env-file", str(env_file), "--app-python", str(APP_PYTHON),
        ]
    )  # fmt: skip
    try:
        running.wait_for(r"dev\s+\| ready: ", timeout=400)
        started = dict(
            re.findall(r"started (\S+) \(pid \d+, process group (\d+)\)", running.text())
        )
        assert set(started) == {"postgres", "redis", "migrate", "api", "web", "worker"}
        assert re.search(r"migrate\s+\| .*Running upgrade", running.text()), "no migration ran"

        status, note = _request(
            "POST", f"http://127.0.0.1:{api}/api/notes", {"title": "dev loop", "body": "a b c"}
        )
        assert status == 201  # auth open: an anonymous write is accepted

        # the web renders the page on the server from the API at API_INTERNAL_URL
        status, page = _request("GET", f"http://127.0.0.1:{web}/")
        assert status == 200 and "dev loop" in page

        status, job = _request("POST", f"http://127.0.0.1:{api}/api/notes/{note['id']}/summarize")
        assert status == 202
        deadline = time.monotonic() + 90
        while True:
            _, state = _request("GET", f"http://127.0.0.1:{api}/api/jobs/{job['job_id']}")
            if state["status"] in ("finished", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert state["status"] == "finished", state
        _, stored = _request("GET", f"http://127.0.0.1:{api}/api/notes/{note['id']}")
        assert stored["summary"]
        assert re.search(r"^worker\s+\| ", running.text(), re.MULTILINE)
    finally:
        if running.proc.poll() is None:
            running.proc.send_signal(signal.SIGINT)
        code = running.proc.wait(timeout=180)
    running.wait_for(r"all processes stopped", timeout=10)
    assert code == 0, running.text()[-4000:]
    groups = [int(g) for g in started.values()]
    assert not [g for g in groups if group_alive(g)], running.text()[-4000:]
    secrets = read_env_file(env_file)
    assert env_file.stat().st_mode & 0o777 == 0o600
    for name in ("DB_PASSWORD", "REDIS_AUTH_TOKEN", "APP_SECRET_KEY"):
        assert secrets[name] not in running.text(), f"{name} appeared in the output"
