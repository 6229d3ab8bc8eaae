"""IAM of the ECS tasks: least privilege, no `*` where AWS accepts less, two roles per task."""

from __future__ import annotations

import json

import pytest

from components.fargate_service import STAR_ONLY_ACTIONS
from stackctl.harness import Graph, Resource
from tests.compute_helpers import (
    CONFIG_IDS,
    CONFIGS,
    LOG_GROUP,
    REPOSITORY,
    ROLE,
    ROLE_POLICY,
    TASK_DEFINITION,
    as_list,
    container,
    role_by_arn,
    secrets,
    services,
    statements_of,
    task_definitions,
)
from tests.conftest import PlanFn

FULL = ("dev", "redis=true", "worker.enabled=true", "imageTag=3f9c2a1")


@pytest.fixture(params=CONFIGS, ids=CONFIG_IDS)
def graph(request: pytest.FixtureRequest, plan: PlanFn) -> Graph:
    stack, overrides = request.param
    return plan(stack, *overrides)


def ecs_roles(graph: Graph) -> list[Resource]:
    return [
        r
        for r in graph.of_type(ROLE)
        if "ecs-tasks.amazonaws.com" in json.dumps(json.loads(r.get("assumeRolePolicy")))
    ]


def test_no_task_statement_has_a_star_resource_where_aws_accepts_less(graph: Graph) -> None:
    for role in ecs_roles(graph):
        for statement in statements_of(graph, role):
            if "*" in as_list(statement["Resource"]):
                assert set(as_list(statement["Action"])) <= STAR_ONLY_ACTIONS, (
                    role.name,
                    statement,
                )
            for action in as_list(statement["Action"]):
                assert "*" not in action, (role.name, action)


def test_execution_and_task_roles_are_different(graph: Graph) -> None:
    for task in graph.of_type(TASK_DEFINITION):
        assert task.get("executionRoleArn") != task.get("taskRoleArn"), task.name


def test_roles_are_assumed_only_by_ecs_tasks(graph: Graph) -> None:
    for role in ecs_roles(graph):
        (statement,) = json.loads(role.get("assumeRolePolicy"))["Statement"]
        assert statement["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
        assert role.get("path") == "/fullstack/"


def test_execution_role_reads_exactly_the_secrets_it_injects(graph: Graph) -> None:
    for name, service in services(graph).items():
        task = next(
            t
            for t in graph.of_type(TASK_DEFINITION)
            if t.outputs["arn"] == service.get("taskDefinition")
        )
        injected = {
            ref.split(":username::")[0].split(":password::")[0] for ref in secrets(task).values()
        }
        role = role_by_arn(graph, task.get("executionRoleArn"))
        readable = {
            arn
            for s in statements_of(graph, role)
            if "secretsmanager:GetSecretValue" in as_list(s["Action"])
            for arn in as_list(s["Resource"])
        }
        assert readable == injected, name


def test_execution_role_pulls_only_its_repository_and_writes_only_its_log_group(
    graph: Graph,
) -> None:
    repositories = {r.outputs["repositoryUrl"]: r.outputs["arn"] for r in graph.of_type(REPOSITORY)}
    log_groups = {g.get("name"): g.outputs["arn"] for g in graph.of_type(LOG_GROUP)}
    for task in graph.of_type(TASK_DEFINITION):
        spec = container(task)
        role = role_by_arn(graph, task.get("executionRoleArn"))
        statements = {s["Sid"]: s for s in statements_of(graph, role)}
        assert statements["PullImages"]["Resource"] == [repositories[spec["image"].split(":")[0]]]
        log_arn = log_groups[spec["logConfiguration"]["options"]["awslogs-group"]]
        assert statements["WriteLogs"]["Resource"] == [log_arn, f"{log_arn}:*"]


def test_api_and_worker_task_roles_reach_only_the_uploads_prefix(plan: PlanFn) -> None:
    graph = plan(*FULL)
    bucket = graph.exports["uploadsBucketName"]
    for name in ("api", "worker"):
        task = task_definitions(graph)[name]
        statements = {
            s["Sid"]: s for s in statements_of(graph, role_by_arn(graph, task.get("taskRoleArn")))
        }
        assert statements["AppObjects"]["Resource"] == f"arn:aws:s3:::{bucket}/uploads/*"
        assert statements["ListAppPrefix"]["Resource"] == f"arn:aws:s3:::{bucket}"
        assert statements["ListAppPrefix"]["Condition"] == {
            "StringLike": {"s3:prefix": ["uploads/*"]}
        }
        assert (
            statements["RefreshDatabaseCredentials"]["Resource"]
            == graph.exports["databaseSecretArn"]
        )


def test_web_task_role_has_no_data_permissions(graph: Graph) -> None:
    task = task_definitions(graph)["web"]
    actions = {
        a
        for s in statements_of(graph, role_by_arn(graph, task.get("taskRoleArn")))
        for a in as_list(s["Action"])
    }
    assert not any(a.startswith(("s3:", "secretsmanager:")) for a in actions)


@pytest.mark.parametrize(("stack", "exec_on"), [("dev", True), ("prod", False)])
def test_ssmmessages_only_with_ecs_exec(plan: PlanFn, stack: str, exec_on: bool) -> None:
    graph = plan(stack)
    for task in graph.of_type(TASK_DEFINITION):
        task_role = role_by_arn(graph, task.get("taskRoleArn"))
        execution_role = role_by_arn(graph, task.get("executionRoleArn"))
        task_actions = {a for s in statements_of(graph, task_role) for a in as_list(s["Action"])}
        exec_actions = {
            a for s in statements_of(graph, execution_role) for a in as_list(s["Action"])
        }
        assert any(a.startswith("ssmmessages:") for a in task_actions) is exec_on
        assert not any(a.startswith("ssmmessages:") for a in exec_actions)


def test_role_logical_names_leave_room_for_the_autoname(graph: Graph) -> None:
    for role in graph.of_type(ROLE):
        assert len(role.name) + 8 <= 64


def test_every_policy_is_attached_to_a_role_of_this_program(graph: Graph) -> None:
    role_ids = {r.id for r in graph.of_type(ROLE)}
    for policy in graph.of_type(ROLE_POLICY):
        assert policy.get("role") in role_ids
