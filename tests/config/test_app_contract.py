"""The task definitions and the app agree: reads app/contract.json and the program's graph.

The app's own tests check contract.json against its Dockerfiles and code
(app/api/tests/test_contract.py); these check it against what the infrastructure declares, so a
port, path, command, user or variable renamed on one side fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from stackctl.harness import Graph
from tests.compute_helpers import (
    TARGET_GROUP,
    container,
    environment,
    secrets,
    task_definitions,
)
from tests.conftest import PlanFn

CONTRACT = json.loads((Path(__file__).resolve().parents[2] / "app" / "contract.json").read_text())
API, WEB = CONTRACT["images"]["api"], CONTRACT["images"]["web"]
SERVICES, TASKS = CONTRACT["services"], CONTRACT["tasks"]
ECS_EXEC_AGENT_PATHS = {"/managed-agents", "/var/lib/amazon/ssm", "/var/log/amazon/ssm"}
FULL = ("prod", "@imageTag=abc1234", "redis=true")
WITHOUT_REDIS = (
    "dev",
    "images=registry",
    "ingress=alb",
    "@imageTag=abc1234",
    "worker.enabled=true",
)


@pytest.fixture(params=[FULL, WITHOUT_REDIS], ids=["with-redis", "without-redis"])
def graph(request: pytest.FixtureRequest, plan: PlanFn) -> Graph:
    return plan(*request.param)


def test_ports_and_health_paths_match(graph: Graph) -> None:
    tasks = task_definitions(graph)
    for name, side in (("api", API), ("web", WEB)):
        definition = container(tasks[name])
        assert [m["containerPort"] for m in definition["portMappings"]] == [side["port"]]
        check = " ".join(definition["healthCheck"]["command"])
        assert f"127.0.0.1:{side['port']}{side['healthPath']}" in check
    groups = {g.get("port"): g for g in graph.of_type(TARGET_GROUP)}
    assert groups[API["port"]].get("healthCheck")["path"] == API["healthPath"]
    assert groups[WEB["port"]].get("healthCheck")["path"] == WEB["healthPath"]


def test_commands_and_user_match(graph: Graph) -> None:
    tasks = task_definitions(graph)
    assert "command" not in container(tasks["api"]), "the api image's CMD serves the API"
    assert "command" not in container(tasks["web"]), "the web image's CMD serves the site"
    assert container(tasks["worker"])["command"] == SERVICES["worker"]["command"]
    assert container(tasks["migrate"])["command"] == TASKS["migrate"]["command"]
    assert container(tasks["worker"])["stopTimeout"] == SERVICES["worker"]["stopTimeoutSeconds"]
    for name, side in (("api", API), ("worker", API), ("migrate", API), ("web", WEB)):
        definition: dict[str, Any] = container(tasks[name])
        assert definition["user"] == side["user"], name
        assert definition["readonlyRootFilesystem"] is side["readonlyRootFilesystem"], name
        mounts = {m["containerPath"] for m in definition.get("mountPoints", [])}
        # The app's writable paths, plus the ECS Exec agent's where ECS Exec is on.
        assert mounts - ECS_EXEC_AGENT_PATHS == set(side["writablePaths"]), name


def test_environment_and_secret_names_match(graph: Graph) -> None:
    tasks = task_definitions(graph)
    redis = bool(graph.of_type("aws:elasticache/replicationGroup:ReplicationGroup"))
    for name in ("api", "worker", "migrate"):
        env, injected = set(environment(tasks[name])), set(secrets(tasks[name]))
        required_env = set(API["env"]) - set(API["optionalEnv"])
        assert required_env <= env, (name, required_env - env)
        assert env <= set(API["env"]), (name, env - set(API["env"]))
        redis_names = {"REDIS_HOST", "REDIS_PORT", "REDIS_TLS"}
        assert (redis_names <= env) is redis and not (redis_names & env and not redis)
        required_secrets = set(API["secrets"]) - set(API["optionalSecrets"])
        assert required_secrets <= injected, name
        assert injected <= set(API["secrets"]), name
        assert ("REDIS_AUTH_TOKEN" in injected) is redis
        for key in API["dbSecretKeys"]:
            selector = secrets(tasks[name])[f"DB_{key.upper()}"]
            assert selector.endswith(f":{key}::"), selector
    web_env = set(environment(tasks["web"]))
    assert set(WEB["env"]) - set(WEB["optionalEnv"]) <= web_env, set(WEB["env"]) - web_env
    assert web_env <= set(WEB["env"]), web_env - set(WEB["env"])
    for key, value in WEB["fixedEnv"].items():
        assert environment(tasks["web"])[key] == value
    assert set(secrets(tasks["web"])) == set(WEB["secrets"])
