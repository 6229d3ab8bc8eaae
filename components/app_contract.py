"""The app's contract with the infrastructure, read from `app/contract.json`.

The app helper owns that file (ports, health paths, commands, user, environment and secret
names, and the web's fixed run-time environment); the task definitions follow it so the two
cannot drift. Both health paths answer without touching the database (the web's is a static
route handler, the api's does no query), so the checks that run every few seconds, forever, never
open a connection to Aurora, which can then pause. Container health checks are derived here:
the api image has Python, the web image has Node.js; the worker serves no port and has no
health endpoint, so ECS relies on its process (an essential container that exits is replaced).

Cost: none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

CONTRACT_PATH = Path(__file__).resolve().parent.parent / "app" / "contract.json"


@dataclass(frozen=True)
class AppContract:
    api_port: int
    api_health_path: str
    web_port: int
    web_health_path: str
    user: str
    worker_command: tuple[str, ...]
    migration_command: tuple[str, ...]
    worker_stop_timeout: int
    # Set in the web task definition: Fargate sets HOSTNAME to the task's own host name, which
    # overrides the image's ENV, and the Next.js standalone server listens on $HOSTNAME (then not
    # on 127.0.0.1, where the container health check calls it); vercel/next.js#58657.
    web_fixed_env: dict[str, str] = field(default_factory=dict)

    @property
    def api_health_check(self) -> tuple[str, ...]:
        url = f"http://127.0.0.1:{self.api_port}{self.api_health_path}"
        return (
            "CMD",
            "python",
            "-c",
            f"import urllib.request; urllib.request.urlopen('{url}', timeout=4)",
        )

    @property
    def web_health_check(self) -> tuple[str, ...]:
        url = f"http://127.0.0.1:{self.web_port}{self.web_health_path}"
        return (
            "CMD",
            "node",
            "-e",
            f"fetch('{url}').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
        )


@cache
def load_contract(path: Path = CONTRACT_PATH) -> AppContract:
    data = json.loads(path.read_text(encoding="utf-8"))
    api, web = data["api"], data["web"]
    return AppContract(
        api_port=int(api["port"]),
        api_health_path=str(api["healthPath"]),
        web_port=int(web["port"]),
        web_health_path=str(web["healthPath"]),
        user=str(api["user"]),
        worker_command=tuple(api["workerCommand"]),
        migration_command=tuple(api["migrationCommand"]),
        worker_stop_timeout=min(int(api.get("workerStopTimeoutSeconds", 30)), 120),
        web_fixed_env={str(k): str(v) for k, v in web.get("fixedEnv", {}).items()},
    )
