"""The contract commands, run like in the images: uid 10001, read-only root, writable /tmp.

There is no Docker engine here, so bubblewrap provides the same constraints
(read-only bind of /, a tmpfs on /tmp, another uid). Skipped without bwrap.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import API_DIR, DbInfo
from tests.servers import free_port

BWRAP = shutil.which("bwrap")


def _bwrap_works() -> bool:
    if BWRAP is None:
        return False
    probe = [BWRAP, "--ro-bind", "/", "/", "--unshare-user", "--uid", "10001", "true"]
    return subprocess.run(probe, capture_output=True, check=False).returncode == 0


pytestmark = pytest.mark.skipif(not _bwrap_works(), reason="bubblewrap (bwrap) missing or not usable here")
CONTRACT: dict[str, Any] = json.loads((API_DIR.parent / "contract.json").read_text())
BIN = Path(sys.executable).parent
CHECKOUT = str(API_DIR.parent.parent)


def _sandboxed(cmd: list[str]) -> list[str]:
    assert BWRAP is not None
    uid = CONTRACT["api"]["user"]
    return [
        # The checkout may itself live under /tmp (CI clones there): bind it again over the tmpfs.
        BWRAP, "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--ro-bind", CHECKOUT, CHECKOUT,
        "--ro-bind", sys.prefix, sys.prefix, "--proc", "/proc", "--dev", "/dev",
        "--unshare-user", "--uid", uid, "--gid", uid, "--die-with-parent", "--chdir", str(API_DIR),
        *cmd,
    ]  # fmt: skip


def _env(extra: dict[str, str]) -> dict[str, str]:
    # Like the image: venv on PATH, no bytecode writes, HOME in /tmp.
    return {
        **os.environ,
        **extra,
        "PATH": f"{BIN}:{os.environ['PATH']}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "HOME": "/tmp",
    }


def _terminate(proc: subprocess.Popen[Any], timeout: float = 30) -> None:
    """SIGTERM the sandboxed program itself (bwrap does not forward signals), like ECS does."""
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    pids = [int(p) for p in children.read_text().split()] if children.exists() else []
    for pid in pids or [proc.pid]:
        os.kill(pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def _get(url: str) -> tuple[int, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


@pytest.fixture
def sandbox_env(empty_db: DbInfo, redis_env: dict[str, str]) -> dict[str, str]:
    return _env({**empty_db.env, **redis_env})


@pytest.fixture
def api_server(sandbox_env: dict[str, str]) -> Iterator[str]:
    migrate = subprocess.run(
        _sandboxed(CONTRACT["api"]["migrationCommand"]), env=sandbox_env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    command = list(CONTRACT["api"]["command"])
    port = free_port()
    command[command.index("--port") + 1] = str(port)
    command[command.index("--host") + 1] = "127.0.0.1"
    proc = subprocess.Popen(_sandboxed(command), env=sandbox_env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(base + CONTRACT["api"]["healthPath"])[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "API did not start in the sandbox"
            time.sleep(0.2)
        yield base
    finally:
        _terminate(proc)


def test_api_worker_and_migrations_run_read_only_as_uid_10001(
    api_server: str, sandbox_env: dict[str, str]
) -> None:
    status, ready = _get(f"{api_server}/api/readyz")
    assert status == 200
    assert ready["checks"] == {"database": "ok", "redis": "ok"}

    request = urllib.request.Request(
        f"{api_server}/api/notes",
        data=json.dumps({"title": "sandbox", "body": "Read-only root. Writable tmp."}).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        note = json.loads(response.read())

    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"sandbox-worker-{os.getpid()}.log"
    with log_path.open("w") as log_file:
        worker = subprocess.Popen(
            _sandboxed(CONTRACT["api"]["workerCommand"]),
            env=sandbox_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        enqueue = urllib.request.Request(f"{api_server}/api/notes/{note['id']}/summarize", method="POST")
        with urllib.request.urlopen(enqueue, timeout=5) as response:
            job_id = json.loads(response.read())["job_id"]
        deadline = time.monotonic() + 30
        while True:
            body = _get(f"{api_server}/api/jobs/{job_id}")[1]
            if body["status"] in ("finished", "failed") or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert body["status"] == "finished", body
        assert body["result"]["summary"] == "Read-only root."
    finally:
        _terminate(worker)
    out = log_path.read_text()
    log_path.unlink()
    assert worker.returncode == 0, out
    assert "worker" in out and "stopped" in out, out
    assert "Read-only file system" not in out
