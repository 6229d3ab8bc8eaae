"""No plaintext secret in any resource input, env var or export, in any configuration."""

from __future__ import annotations

import json

import pytest

from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn
from tests.data_helpers import (
    RANDOM_PASSWORD,
    generated_secrets,
    is_under,
    leaves,
    plaintext_secret_inputs,
)

CONFIGURATIONS = [
    ("dev", ()),
    ("dev", ("redis=true",)),
    ("prod", ()),
    ("prod", ("redisNodes=2", "dbReaders=1")),
]


@pytest.mark.parametrize(("stack", "overrides"), CONFIGURATIONS)
def test_no_input_holds_a_generated_secret_unmarked(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    graph = plan(stack, *overrides)
    assert generated_secrets(graph), "the walk needs at least one generated secret to look for"
    assert plaintext_secret_inputs(graph) == []


@pytest.mark.parametrize(("stack", "overrides"), CONFIGURATIONS)
def test_generated_secrets_reach_aws_only_through_secret_inputs(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    """Each generated value is used, and every use is a secret input."""
    graph = plan(stack, *overrides)
    for value in generated_secrets(graph):
        uses = [
            (r, path)
            for r in graph.resources
            if r.type != RANDOM_PASSWORD
            for path, leaf in leaves(r.inputs)
            if isinstance(leaf, str) and value in leaf
        ]
        assert uses, "a generated secret that nothing uses"
        for resource, path in uses:
            # the input itself, or an object that holds it (a function's whole environment)
            assert is_under(path, resource.secret_inputs), f"{resource.name} {path}"


def test_the_walk_finds_a_plaintext_secret() -> None:
    """The check above can fail: a secret copied into an unmarked input is reported."""
    graph = Graph(project="p", stack="s", config={})
    token = "Zq8Wn2Lp5Vt7Xc9Rb3Hd6Kf4Mg1Sj0Ty"
    graph.resources.append(
        Resource(
            urn="urn:token",
            type=RANDOM_PASSWORD,
            name="t",
            custom=True,
            parent="",
            inputs={"length": 32},
            outputs={"result": token},
        )
    )
    graph.resources.append(
        Resource(
            urn="urn:task",
            type="aws:ecs/taskDefinition:TaskDefinition",
            name="task",
            custom=True,
            parent="",
            inputs={
                "containerDefinitions": json.dumps([{"environment": [{"value": token}]}]),
                "secretArg": token,
            },
            secret_inputs=["secretArg"],
        )
    )
    assert plaintext_secret_inputs(graph) == [
        "aws:ecs/taskDefinition:TaskDefinition task containerDefinitions"
    ]


def test_no_resource_sets_a_master_password(stack_graph: Graph) -> None:
    for resource in stack_graph.resources:
        for path, _ in leaves(resource.inputs):
            assert "masterPassword" not in path, f"{resource.name} {path}"


@pytest.mark.parametrize(("stack", "overrides"), CONFIGURATIONS)
def test_exports_hold_no_secret_value(plan: PlanFn, stack: str, overrides: tuple[str, ...]) -> None:
    graph = plan(stack, *overrides)
    plaintexts = generated_secrets(graph)
    text = json.dumps(graph.exports, default=str)
    assert not any(p in text for p in plaintexts)
    for name in ("databaseSecretArn", "appSecretArn", "redisAuthTokenSecretArn"):
        if name in graph.exports:
            assert str(graph.exports[name]).startswith(
                ("arn:aws:secretsmanager:", "arn:aws:ssm:")
            ), name


@pytest.mark.parametrize(("stack", "overrides"), CONFIGURATIONS)
def test_exports_that_carry_secrets_are_marked_secret(
    plan: PlanFn, stack: str, overrides: tuple[str, ...]
) -> None:
    """An export computed from a secret (now or later) must stay a Pulumi secret."""
    graph = plan(stack, *overrides)
    plaintexts = generated_secrets(graph)
    for name, value in graph.exports.items():
        if any(p in json.dumps(value, default=str) for p in plaintexts):
            assert name in graph.secret_exports, name
