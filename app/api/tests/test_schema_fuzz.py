"""schemathesis (pinned in requirements-dev.txt) over the API's own OpenAPI schema, against one
uvicorn process with real PostgreSQL and Redis: every check must pass (no 5xx, statuses and
bodies as documented, invalid input rejected with 4xx, documented methods only). The run is
bounded by examples per operation and a fixed seed, so it takes the same cases every time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.api_process import api_server
from tests.conftest import DbInfo

EXAMPLES = os.environ.get("NOTES_FUZZ_EXAMPLES", "60")
SEED = os.environ.get("NOTES_FUZZ_SEED", "20261207")


def test_schemathesis_finds_nothing(migrated_db: DbInfo, redis_env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "api.log"
    with api_server({"API_DOCS": "true"}, log) as base:
        result = subprocess.run(
            [
                str(Path(sys.executable).with_name("st")),
                "run",
                f"{base}/api/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                EXAMPLES,
                "--seed",
                SEED,
                "--workers",
                "1",
                "--request-timeout",
                "30",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
            cwd=tmp_path,
        )
    # (long generated values cut down to keep the report readable)
    report = "\n".join(line if len(line) < 400 else line[:400] + "…" for line in result.stdout.splitlines())
    print(report[-3000:])
    assert result.returncode == 0, report[-20000:] + result.stderr[-5000:]
    assert "Traceback" not in log.read_text()
