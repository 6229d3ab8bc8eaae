"""Issue 25's levers: each dial's two values priced by the cost model, from prices/prices.yaml.

Every test prices the program's own graph (under mocks, images deployed) with both values of one
dial and checks the difference is the price table's figure for what the dial adds or removes.
"""

from __future__ import annotations

import pytest

from stackctl.cost import Estimate, LineItem
from stackctl.cost.scenarios import Scenario, deployed_overrides, price
from stackctl.harness import Graph
from stackctl.prices import load_prices
from tests.conftest import plan_stack

HOURS = 730
SLEEP = "sleep=weekdays 08-20"


def _run(stack: str, overrides: list[str]) -> Graph:
    return plan_stack(stack, *deployed_overrides(stack, overrides))


def _price(stack: str, *overrides: str) -> Estimate:
    return price(Scenario("lever", stack, overrides), _run)


def _usd(item: str) -> float:
    found = load_prices().get(item, "us-east-1")
    assert found is not None, item
    return found.usd


def _lines(est: Estimate, item: str) -> list[LineItem]:
    return [li for li in est.lines if li.price_item == item]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_app_secret_store_saves_one_secret_month(stack: str) -> None:
    ssm, manager = _price(stack), _price(stack, "appSecretStore=secretsManager")
    # (the image tag parameter, components/compute/deployed_tag.py, is there either way)
    (parameter,) = [
        li
        for li in _lines(ssm, "ssm.parameter.standard.month")
        if li.resource == "storage-app-secret"
    ]
    assert parameter.monthly_usd == 0.0
    assert "storage-app-secret" not in {
        li.resource for li in _lines(manager, "ssm.parameter.standard.month")
    }
    assert "storage-app-secret" in {
        li.resource for li in _lines(manager, "secretsmanager.secret.month")
    }
    assert manager.total_monthly - ssm.total_monthly == pytest.approx(
        _usd("secretsmanager.secret.month"), abs=0.01
    )
    assert not ssm.unpriced and not manager.unpriced


def test_nat_address_costs_the_same_always_on() -> None:
    instance_ip, elastic = _price("dev"), _price("dev", "natAddress=elasticIp")
    ip = _usd("public_ipv4.hour") * HOURS
    assert sum(li.monthly_usd or 0 for li in _lines(instance_ip, "public_ipv4.hour")) == (
        pytest.approx(ip)
    )
    assert elastic.total_monthly == pytest.approx(instance_ip.total_monthly)
    assert {li.resource for li in _lines(elastic, "public_ipv4.hour") if li.monthly_usd} == {
        "network-nat-eip"
    }


def test_nat_address_with_sleep_bills_the_instance_ip_only_while_it_runs() -> None:
    instance_ip, elastic = _price("dev", SLEEP), _price("dev", SLEEP, "natAddress=elasticIp")
    hourly = _usd("public_ipv4.hour")
    # the address bills exactly the hours the instance runs (its own line), which sleep cuts
    running = sum(li.monthly_usd or 0 for li in _lines(instance_ip, "ec2.t4g.nano.hour")) / (
        _usd("ec2.t4g.nano.hour")
    )
    assert 12 * 5 * HOURS / 168 <= running < HOURS / 2  # weekdays 08-20 (+ the boot lead)
    ip = sum(li.monthly_usd or 0 for li in _lines(instance_ip, "public_ipv4.hour"))
    assert ip == pytest.approx(hourly * running)
    assert elastic.total_monthly - instance_ip.total_monthly == pytest.approx(
        hourly * (HOURS - running),
        abs=0.01,  # totals are in cents
    )


def test_mvp_runs_one_on_demand_api_and_web_task_and_the_rest_on_spot() -> None:
    spot, on_demand = _price("prod"), _price("prod", "fargateSpot=false")
    per_vcpu = _usd("fargate.ondemand.arm64.vcpu_hour") - _usd("fargate.spot.arm64.vcpu_hour")
    per_gb = _usd("fargate.ondemand.arm64.gb_hour") - _usd("fargate.spot.arm64.gb_hour")
    # api and web: 2 tasks of 0.25 vCPU / 0.5 GB each; one of each moves to Spot
    saving = 2 * (0.25 * per_vcpu + 0.5 * per_gb) * HOURS
    assert on_demand.total_monthly - spot.total_monthly == pytest.approx(saving, abs=0.02)
    for service in ("api-service", "web-service"):
        kinds = {li.price_item for li in spot.lines if li.resource == service and li.monthly_usd}
        assert "fargate.ondemand.arm64.vcpu_hour" in kinds, service
        assert "fargate.spot.arm64.vcpu_hour" in kinds, service


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_dashboard_is_off_and_costs_one_dashboard_month(stack: str) -> None:
    off, on = _price(stack), _price(stack, "dashboard=true")
    assert not _lines(off, "cloudwatch.dashboard.month")
    assert on.total_monthly - off.total_monthly == pytest.approx(_usd("cloudwatch.dashboard.month"))
