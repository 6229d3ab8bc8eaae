"""The whole program per stack: validation first, one tagged provider, known data sources."""

from __future__ import annotations

import json

import pulumi
import pytest

from components.config.reader import SettingsError
from stackctl.harness import Graph, ProgramError, run_program
from tests.conftest import PlanFn

TAGS = {"project": "fullstack", "managed-by": "pulumi"}


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("natt=gateway", "fullstack:natt"),
        ("nat=gatway", "fullstack:nat"),
        ("vpcCidr=10.0.0.0/33", "fullstack:vpcCidr"),
        ('api={"cpu": 256, "memory": 4096}', "fullstack:api.memory"),
        ("aws:regon=us-east-1", "aws:regon"),
    ],
)
def test_bad_config_stops_the_program_before_any_resource(override: str, key: str) -> None:
    with pytest.raises(ProgramError) as caught:
        run_program("dev", [override])
    # A pulumi.RunError: the language host prints its message alone, without a traceback.
    error = caught.value.error
    assert isinstance(error, SettingsError) and isinstance(error, pulumi.RunError)
    assert any(p.startswith(key) for p in error.problems)
    assert f"  - {key}" in str(error), "the message lists each problem"
    assert caught.value.graph.resources == [], "nothing may be registered before validation"


def test_the_provider_tags_every_resource_with_project_stack_and_tool(stack_graph: Graph) -> None:
    (provider,) = stack_graph.of_type("pulumi:providers:aws")
    assert provider.get("region") == "us-east-1"
    default_tags = provider.get("defaultTags")
    if isinstance(default_tags, str):  # providers receive object inputs as JSON strings
        default_tags = json.loads(default_tags)
    tags = default_tags["tags"]
    assert tags == {**TAGS, "stack": stack_graph.stack}


def test_every_aws_resource_uses_the_tagged_provider(stack_graph: Graph) -> None:
    (provider,) = stack_graph.of_type("pulumi:providers:aws")
    reference = f"{provider.urn}::{provider.id}"
    for resource in stack_graph.custom_resources():
        if resource.type.startswith("aws:"):
            assert resource.provider == reference, (
                f"{resource.name} uses {resource.provider or 'the default provider'}"
            )


def test_every_data_source_the_program_calls_is_mocked(stack_graph: Graph) -> None:
    assert stack_graph.unknown_calls == []


def test_the_region_comes_from_stack_config(plan: PlanFn) -> None:
    graph = plan("dev", "aws:region=eu-west-1")
    (provider,) = graph.of_type("pulumi:providers:aws")
    assert provider.get("region") == "eu-west-1"
    assert graph.exports["availabilityZones"] == ["eu-west-1a", "eu-west-1b"]


def test_stack_exports_name_what_users_look_for(stack_graph: Graph) -> None:
    for name in (
        "vpcId",
        "privateSubnetIds",
        "isolatedSubnetIds",
        "publicSubnetIds",
        "natPublicIps",
    ):
        assert name in stack_graph.exports
    assert stack_graph.exports["profile"] == {"dev": "lab", "prod": "mvp"}[stack_graph.stack]


def test_notices_reach_the_pulumi_log(plan: PlanFn) -> None:
    graph = plan("dev", "nat=none")
    assert any("interfaceEndpoints is on" in line for line in graph.logs)
