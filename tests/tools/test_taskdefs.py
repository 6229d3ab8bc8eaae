"""`stackctl taskdefs`: the rendered task definitions the app's runtime tests take as input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stackctl.__main__ import main
from stackctl.taskdefs import render_task_definitions
from tests.compute_helpers import container, task_definitions
from tests.conftest import PlanFn


@pytest.mark.parametrize(
    ("stack", "roles"),
    [("dev", {"api", "migrate", "web"}), ("prod", {"api", "migrate", "web", "worker"})],
)
def test_every_task_definition_is_rendered_as_ecs_receives_it(
    plan: PlanFn, stack: str, roles: set[str]
) -> None:
    graph = plan(stack)
    rendered = render_task_definitions(graph)
    assert set(rendered["tasks"]) == roles
    for role, task in task_definitions(graph).items():
        out = rendered["tasks"][role]
        assert out["family"] == task.get("family")
        assert out["containerDefinitions"] == [container(task)]
        assert out["volumes"] == task.get("volumes")


def test_numbers_are_integers_like_in_ecs_json(plan: PlanFn) -> None:
    api = render_task_definitions(plan("dev", "ingress=alb"))["tasks"]["api"]
    (definition,) = api["containerDefinitions"]
    port = definition["portMappings"][0]["containerPort"]
    assert port == 8000 and isinstance(port, int)
    assert isinstance(api["loadBalancerHealthCheck"]["interval"], int)


@pytest.mark.parametrize(("stack", "exec_on"), [("dev", True), ("prod", False)])
def test_ecs_exec_and_load_balancer_checks_come_from_the_services(
    plan: PlanFn, stack: str, exec_on: bool
) -> None:
    tasks = render_task_definitions(plan(stack, "ingress=alb"))["tasks"]
    assert tasks["api"]["enableExecuteCommand"] is exec_on
    assert tasks["web"]["enableExecuteCommand"] is exec_on
    assert tasks["migrate"]["enableExecuteCommand"] is False  # run-task, no service
    assert tasks["migrate"]["loadBalancerHealthCheck"] is None
    assert tasks["api"]["loadBalancerHealthCheck"]["path"] == "/api/healthz"
    assert tasks["web"]["loadBalancerHealthCheck"]["path"] == "/healthz"
    assert tasks["web"]["loadBalancerHealthCheck"]["containerPort"] == 3000
    if "worker" in tasks:
        assert tasks["worker"]["loadBalancerHealthCheck"] is None


def test_endpoints_and_secret_arns_are_the_stacks(plan: PlanFn) -> None:
    graph = plan("prod")
    rendered = render_task_definitions(graph)
    exports = graph.exports
    assert rendered["endpoints"]["database"] == {
        "host": exports["databaseEndpoint"],
        "port": exports["databasePort"],
    }
    assert rendered["endpoints"]["redis"]["host"] == exports["redisHost"]
    assert rendered["endpoints"]["loadBalancer"] == {"host": exports["albDnsName"]}
    assert rendered["secretArns"] == {
        "database": exports["databaseSecretArn"],
        "app": exports["appSecretArn"],
        "redisAuthToken": exports["redisAuthTokenSecretArn"],
    }
    assert rendered["appSecretArns"] == {}  # the reference app declares none of its own
    assert render_task_definitions(plan("dev", "ingress=alb"))["endpoints"]["redis"] is None


def test_the_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "dev.json"
    assert main(["taskdefs", "--stack", "dev", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["stack"] == "dev" and data["version"] == 1
    assert "api" in data["tasks"]


def test_an_unknown_stack_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["taskdefs", "--stack", "nope", "--json", str(tmp_path / "x.json")]) == 2
    assert "Pulumi.nope.yaml" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
