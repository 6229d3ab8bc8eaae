"""IAM of the ECS tasks: least privilege, no `*` where AWS accepts less, two roles per task."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.compute.fargate_service import STAR_ONLY_ACTIONS
from components.security.boundary import SSM_AGENT_ACTIONS, SSM_SESSION_ACTIONS, bound_roles
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
from tests.iam_helpers import MATRIX, MATRIX_IDS, allows, boundary
from tests.iam_helpers import statements_of as iam_statements_of

# What the boundary may allow on "*": calls with no resource type in the service authorization
# reference (the ECR token, session channels, the Systems Manager agent's calls).
BOUNDARY_STAR_ONLY = {"ecr:GetAuthorizationToken", *SSM_SESSION_ACTIONS, *SSM_AGENT_ACTIONS}

FULL = ("dev", "redis=true", "worker.enabled=true", "images=registry", "@imageTag=3f9c2a1")


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
        assert role.get("path") == f"/fullstack/{graph.stack}/"


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
            if {"secretsmanager:GetSecretValue", "ssm:GetParameters"} & set(as_list(s["Action"]))
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
        repository = spec["image"].split("@")[0].split(":")[0]  # <repo>:<tag> or <repo>@<digest>
        assert statements["PullImages"]["Resource"] == [repositories[repository]]
        log_arn = log_groups[spec["logConfiguration"]["options"]["awslogs-group"]]
        assert statements["WriteLogs"]["Resource"] == f"{log_arn}:log-stream:*"


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


# -- the permissions boundary ---------------------------------------------------------------------

# The CI roles are the only roles without the boundary: a person's `pulumi up` creates and changes
# them, and the deploy role is denied every write on them (tests/security/test_ci_identity.py).
UNBOUNDED = {"ci-preview", "ci-deploy"}


@pytest.mark.parametrize(("stack", "overrides"), MATRIX, ids=MATRIX_IDS)
def test_every_role_of_the_program_carries_the_boundary(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    arn = boundary(graph).outputs["arn"]
    assert arn == f"arn:aws:iam::123456789012:policy/fullstack/{stack}/fullstack-{stack}-boundary"
    roles = graph.of_type(ROLE)
    assert len(roles) > len(UNBOUNDED)
    for role in roles:
        if role.name in UNBOUNDED:
            assert role.get("permissionsBoundary") is None, role.name
            continue
        assert role.get("permissionsBoundary") == arn, role.name
        assert role.get("path") == f"/fullstack/{graph.stack}/", role.name
    for profile in graph.of_type("aws:iam/instanceProfile:InstanceProfile"):
        assert profile.get("path") == f"/fullstack/{graph.stack}/", profile.name


def test_the_boundary_is_fixed_per_stack_and_under_the_path(stack_graph: Graph) -> None:
    policy = boundary(stack_graph)
    assert policy.get("name") == f"fullstack-{stack_graph.stack}-boundary"
    assert policy.get("path") == f"/fullstack/{stack_graph.stack}/"


def _boundary_statements(graph: Graph) -> list[dict[str, Any]]:
    return list(json.loads(boundary(graph).get("policy"))["Statement"])


def test_the_boundary_grants_nothing_of_iam_and_no_wildcard(stack_graph: Graph) -> None:
    for statement in _boundary_statements(stack_graph):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert not action.startswith(("iam:", "sts:", "organizations:")), action
            assert "*" not in action, action
        if "*" in as_list(statement["Resource"]):
            assert set(as_list(statement["Action"])) <= BOUNDARY_STAR_ONLY, statement["Sid"]


@pytest.mark.parametrize(("stack", "overrides"), MATRIX, ids=MATRIX_IDS)
def test_the_boundary_allows_everything_the_roles_are_given(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    """A role's own policy must stay inside the boundary, or its calls fail at run time."""
    graph = plan(stack, *overrides)
    ceiling = _boundary_statements(graph)
    checked = 0
    for role in graph.of_type(ROLE):
        if role.name in UNBOUNDED:
            continue
        for statement in iam_statements_of(graph, role):
            for action in as_list(statement["Action"]):
                for resource in as_list(statement["Resource"]):
                    assert allows(ceiling, action, resource), (role.name, action, resource)
                    checked += 1
    assert checked > 20


def test_the_boundary_keeps_roles_to_their_stack(plan: PlanFn) -> None:
    ceiling = _boundary_statements(plan("dev"))
    assert allows(ceiling, "s3:GetObject", "arn:aws:s3:::fullstack-dev-uploads-1/uploads/a")
    assert not allows(ceiling, "s3:GetObject", "arn:aws:s3:::fullstack-prod-uploads-1/uploads/a")
    assert not allows(ceiling, "logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:/x/prod/y")
    assert not allows(ceiling, "iam:CreateRole", "arn:aws:iam::123456789012:role/fullstack/x")
    assert not allows(ceiling, "iam:PassRole", "arn:aws:iam::123456789012:role/fullstack/x")


def test_the_hook_refuses_a_role_with_another_boundary() -> None:
    transform = bound_roles("arn:aws:iam::1:policy/fullstack/fullstack-dev-boundary")
    args = pulumi.ResourceTransformationArgs(
        resource=None,  # type: ignore[arg-type]
        type_=ROLE,
        name="rogue",
        props={"permissions_boundary": "arn:aws:iam::aws:policy/AdministratorAccess"},
        opts=pulumi.ResourceOptions(),
    )
    with pytest.raises(ValueError, match="rogue"):
        transform(args)
    args.props = {"path": "/fullstack/"}
    result = transform(args)
    assert result is not None
    assert result.props["permissions_boundary"] == (
        "arn:aws:iam::1:policy/fullstack/fullstack-dev-boundary"
    )
