"""Cluster: Container Insights per settings, both Fargate capacity providers attached."""

from __future__ import annotations

import pytest

from stackctl.harness import Graph
from tests.compute_helpers import CAPACITY, ECS_CLUSTER, SERVICE
from tests.conftest import PlanFn


@pytest.mark.parametrize(
    ("config", "insights"),
    [
        (("dev",), "disabled"),
        (("prod",), "disabled"),
        (("prod", "containerInsights=true"), "enabled"),
    ],
)
def test_container_insights_follow_settings(
    plan: PlanFn, config: tuple[str, ...], insights: str
) -> None:
    (cluster,) = plan(*config).of_type(ECS_CLUSTER)
    assert cluster.get("settings") == [{"name": "containerInsights", "value": insights}]


def test_fargate_and_fargate_spot_are_attached(stack_graph: Graph) -> None:
    (capacity,) = stack_graph.of_type(CAPACITY)
    (cluster,) = stack_graph.of_type(ECS_CLUSTER)
    assert capacity.get("clusterName") == cluster.get("name")
    assert sorted(capacity.get("capacityProviders")) == ["FARGATE", "FARGATE_SPOT"]


@pytest.mark.parametrize(
    ("config", "provider"),
    [
        (("dev",), "FARGATE_SPOT"),
        (("prod",), "FARGATE_SPOT"),
        (("prod", "fargateSpot=false"), "FARGATE"),
    ],
)
def test_default_strategy_follows_fargate_spot(
    plan: PlanFn, config: tuple[str, ...], provider: str
) -> None:
    (capacity,) = plan(*config).of_type(CAPACITY)
    (strategy,) = capacity.get("defaultCapacityProviderStrategies")
    assert strategy["capacityProvider"] == provider


def test_every_service_depends_on_the_capacity_providers(stack_graph: Graph) -> None:
    (capacity,) = stack_graph.of_type(CAPACITY)
    for service in stack_graph.of_type(SERVICE):
        assert capacity.urn in service.depends_on, service.name
