"""The API as one uvicorn process, started with the image's own command (app/contract.json)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.servers import free_port

API_DIR = Path(__file__).resolve().parents[1]
CONTRACT = json.loads((API_DIR.parent / "contract.json").read_text())


def api_command(port: int) -> list[str]:
    command: list[str] = list(CONTRACT["images"]["api"]["command"])
    command[command.index("--port") + 1] = str(port)
    command[command.index("--host") + 1] = "127.0.0.1"
    # The venv's uvicorn (the image has it on PATH).
    return [str(Path(sys.executable).with_name(command[0])), *command[1:]]


@contextlib.contextmanager
def api_server(env: dict[str, str], log_path: Path) -> Iterator[str]:
    port = free_port()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            api_command(port),
            cwd=API_DIR,
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/api/healthz", timeout=2):
                        break
                except OSError:
                    if proc.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(f"api did not start:\n{log_path.read_text()}") from None
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
