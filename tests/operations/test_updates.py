"""Later updates of a live stack: changes the provider only applies with the right flags."""

from __future__ import annotations

import pytest

from tests.conftest import PlanFn
from tests.dial_matrix import DIAL_MATRIX, matrix_id

SERVICE = "aws:ecs/service:Service"


@pytest.mark.parametrize("entry", DIAL_MATRIX, ids=matrix_id)
def test_every_service_can_change_its_capacity_provider_strategy(
    plan: PlanFn, entry: tuple[str, tuple[str, ...]]
) -> None:
    """Switching fargateSpot (or a service's spot) changes capacity_provider_strategies, which
    the provider updates only with force_new_deployment (pulumi_aws Service docstring)."""
    services = plan(entry[0], *entry[1]).of_type(SERVICE)
    assert {s.get("name") for s in services} >= {"api", "web"}
    for service in services:
        strategy = service.get("capacityProviderStrategies")
        assert strategy, service.name
        for provider in strategy:
            assert provider["capacityProvider"] in ("FARGATE", "FARGATE_SPOT"), service.name
            assert provider["weight"] >= 1 or provider.get("base", 0) >= 1, service.name
        assert service.get("forceNewDeployment") is True, service.name


def test_switching_fargate_spot_changes_only_the_strategy(plan: PlanFn) -> None:
    """The switch the flag exists for: the same services, another strategy."""
    on = {s.name: s for s in plan("dev", "fargateSpot=true").of_type(SERVICE)}
    off = {s.name: s for s in plan("dev", "fargateSpot=false").of_type(SERVICE)}
    assert set(on) == set(off)
    changed = [n for n in on if on[n].get("capacityProviderStrategies")
               != off[n].get("capacityProviderStrategies")]  # fmt: skip
    assert sorted(changed) == sorted(on), "every service follows fargateSpot unless it sets spot"
    assert all(on[n].get("forceNewDeployment") and off[n].get("forceNewDeployment") for n in on)
