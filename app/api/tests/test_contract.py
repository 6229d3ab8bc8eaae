"""app/contract.json must match what the images and the code really do."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from backend.main import app
from tests.dockerfile import final_stage

APP_DIR = Path(__file__).resolve().parents[2]
CONTRACT: dict[str, Any] = json.loads((APP_DIR / "contract.json").read_text())
IMAGES: dict[str, Any] = CONTRACT["images"]


def _one(stage: list[tuple[str, str]], keyword: str) -> str:
    values = [v for k, v in stage if k == keyword]
    assert values, f"no {keyword} in final stage"
    return values[-1]


@pytest.mark.parametrize("component", ["api", "web"])
def test_dockerfile_matches_contract(component: str) -> None:
    spec = IMAGES[component]
    stage = final_stage(APP_DIR / component / "Dockerfile")
    assert _one(stage, "USER").split(":")[0] == spec["user"] == "10001"
    assert _one(stage, "EXPOSE") == str(spec["port"])
    assert json.loads(_one(stage, "CMD")) == spec["command"]
    healthcheck = _one(stage, "HEALTHCHECK")
    assert f"127.0.0.1:{spec['port']}{spec['healthPath']}'" in healthcheck


def test_api_command_workdir_and_modules() -> None:
    api = IMAGES["api"]
    stage = final_stage(APP_DIR / "api" / "Dockerfile")
    assert _one(stage, "WORKDIR") == api["workdir"]
    assert any(k == "COPY" and v.startswith("alembic.ini ") for k, v in stage)
    assert (APP_DIR / "api" / "alembic.ini").is_file()
    assert api["command"][:2] == ["uvicorn", "backend.main:app"]
    assert api["command"][api["command"].index("--port") + 1] == str(api["port"])
    assert api["command"][api["command"].index("--host") + 1] == "0.0.0.0"
    services, tasks = CONTRACT["services"], CONTRACT["tasks"]
    assert services["worker"]["image"] == tasks["migrate"]["image"] == "api"
    assert services["worker"]["command"] == ["python", "-m", "backend.worker"]
    assert importlib.util.find_spec("backend.worker") is not None
    assert tasks["migrate"]["command"] == ["alembic", "upgrade", "head"]
    # Every path the contract routes to the api is served by it under that prefix.
    api_paths = [p for r in CONTRACT["routes"] if r["service"] == "api" for p in r.get("paths", [])]
    assert api_paths and all(p.endswith("/*") for p in api_paths)
    for path in (api["healthPath"], api["readinessPath"]):
        assert any(path.startswith(p[:-1]) for p in api_paths), path
    paths = set(app.openapi()["paths"])
    assert api["healthPath"] in paths
    assert api["readinessPath"] in paths


def test_every_contract_variable_is_read_by_the_code() -> None:
    api = IMAGES["api"]
    source = "\n".join(p.read_text() for p in (APP_DIR / "api" / "backend").glob("*.py"))
    read = set(re.findall(r'"([A-Z][A-Z0-9_]+)"', source))
    for name in api["env"] + api["secrets"]:
        assert name in read, f"{name} is in contract.json but not read by backend/"
    web_source = "\n".join(p.read_text() for p in (APP_DIR / "web" / "lib").glob("*.mjs"))
    fixed = IMAGES["web"]["fixedEnv"]
    assert set(fixed) <= set(IMAGES["web"]["env"])
    for name in set(IMAGES["web"]["env"]) - set(fixed):
        assert name in web_source
    # The fixed values are for the Next.js standalone server itself (it listens on $HOSTNAME).
    assert fixed == {"HOSTNAME": "0.0.0.0"}
    assert "ASSET_PREFIX" in (APP_DIR / "web" / "next.config.mjs").read_text()
