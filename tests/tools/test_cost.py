"""`stackctl cost`: the price table, the model per resource type and the CLI.

Priced from the graph the program declares with images deployed (`@imageTag=` under the mocks:
without a tag in the stack's image tag parameter the services are parked at 0 tasks). The
budgets are data in stackctl/cost/scenarios.py, checked in tests/tools/test_cost_scenarios.py;
the new ingress and sleep types in tests/tools/test_cost_serverless.py.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from stackctl.__main__ import main
from stackctl.cost import Assumptions, Estimate, LineItem, estimate, split_by_strategy
from stackctl.harness import Graph, Resource
from stackctl.prices import PriceTableError, load_prices, parse_prices
from tests.conftest import plan_stack

DEPLOYED = "@imageTag=abc123"
HOURS = 730


def _graph(*resources: Resource, calls: list[tuple[str, dict[str, Any]]] | None = None) -> Graph:
    graph = Graph(
        project="fullstack",
        stack="hand",
        config={"aws:region": "us-east-1", "fullstack:profile": "lab"},
    )
    graph.resources.extend(resources)
    graph.calls = calls or []
    return graph


def _res(
    type_: str, logical: str, /, outputs: dict[str, Any] | None = None, id_: str = "", **inputs: Any
) -> Resource:
    return Resource(
        urn=f"urn:{logical}",
        type=type_,
        name=logical,
        custom=True,
        parent="",
        inputs=inputs,
        outputs=outputs or {},
        id=id_ or f"{logical}-id",
    )


def _lines(est: Estimate, resource: str) -> list[LineItem]:
    return [line for line in est.lines if line.resource == resource]


def _monthly(est: Estimate, resource: str, item: str = "") -> float:
    return round(
        sum(li.monthly_usd or 0.0 for li in _lines(est, resource) if item in li.price_item), 4
    )


def _top(est: Estimate) -> str:
    return "\n".join(
        f"  {li.monthly_usd:8.2f}  {li.resource}: {li.description}" for li in est.top(10)
    )


# -- the price table ----------------------------------------------------------------------------


def test_every_price_has_a_source_and_a_date() -> None:
    table = load_prices()
    assert table.prices
    for price in table.prices.values():
        assert table.sources.get(price.source)
        assert price.date, price


def test_price_table_rejects_an_entry_without_source_or_date() -> None:
    document = {
        "sources": {"ref": "x"},
        "regions": {"priced": ["us-east-1"]},
        "items": {"alb.hour": {"unit": "hour", "us-east-1": {"usd": 0.0225, "source": "ref"}}},
    }
    with pytest.raises(PriceTableError, match="missing date"):
        parse_prices(document)


def test_complete_regions_have_every_item_and_a_gap_is_refused() -> None:
    table = load_prices()
    assert table.complete_regions == ("us-east-1",)
    assert {"us-east-1", "ap-northeast-2"} <= set(table.priced_regions)
    for region in table.complete_regions:
        assert table.missing(region) == []
    document = {
        "sources": {"ref": "x"},
        "regions": {"priced": ["us-east-1", "eu-west-1"], "complete": ["us-east-1", "eu-west-1"]},
        "items": {
            "alb.hour": {
                "unit": "hour",
                "us-east-1": {"usd": 0.0225, "source": "ref", "date": "2026-11"},
                "eu-west-1": {"usd": 0.0252, "source": "ref", "date": "2026-11"},
            },
            "alb.lcu_hour": {
                "unit": "LCU-hour",
                "us-east-1": {"usd": 0.008, "source": "ref", "date": "2026-11"},
            },
        },
    }
    with pytest.raises(PriceTableError, match=r"eu-west-1 has no figure for alb\.lcu_hour"):
        parse_prices(document)


def test_an_unpriced_region_lists_its_lines_and_gives_no_total(plan) -> None:
    est = estimate(plan("dev", "images=registry", DEPLOYED), region="eu-west-1")
    assert not est.can_total
    assert est.region_note.startswith(
        "cannot price eu-west-1: prices/prices.yaml has us-east-1, ap-northeast-2; add the figures"
    )
    costly = [li for li in est.lines if li.price_item and li.quantity]
    assert costly and all(not li.priced and "UNPRICED" in li.note for li in costly)
    assert est.to_json()["totalMonthlyUsd"] is None


def test_ap_northeast_2_prices_differ_and_a_missing_figure_withholds_the_total(plan) -> None:
    est = estimate(plan("dev", "images=registry", DEPLOYED, "ingress=alb"), region="ap-northeast-2")
    assert _monthly(est, "lb-alb", "alb.hour") == pytest.approx(0.0225 * HOURS)
    nat = [li for li in _lines(est, "network-nat-instance") if "ec2." in li.price_item]
    assert nat and not nat[0].priced  # t4g.nano in ap-northeast-2 is n/f in the reference
    assert not est.can_total and "ec2.t4g.nano.hour" in est.region_gaps
    assert "cannot price ap-northeast-2 in full" in est.region_note


# a sum: the TOTAL row with a figure, or plan's "Monthly cost (idle, REGION): $..."
TOTAL_FIGURE = re.compile(r"\bTOTAL\b[^\n]*\d\.\d\d|Monthly cost \(idle, [a-z0-9-]+\): \$")


@pytest.mark.parametrize("region", ["eu-west-1", "ap-northeast-2"])
def test_plan_and_cost_print_no_total_where_a_figure_is_missing(
    region: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`plan` and every form of `cost` in a region the table cannot price: the lines, the
    reason, what to do, never a sum that would understate the bill."""
    runs = [
        ["plan", "--stack", "dev", "--set", f"aws:region={region}"],
        ["cost", "--stack", "dev", "--region", region],
        ["cost", "--compare", "dev", "prod", "--region", region],
        ["cost", "--compare", "dev", "--region", region, "--markdown"],
    ]
    for argv in runs:
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert not TOTAL_FIGURE.search(out), argv
        assert f"cannot price {region}" in out and "prices/prices.yaml" in out, argv
    assert main(["cost", "--stack", "dev", "--region", region, "--json"]) == 0
    (stack,) = json.loads(capsys.readouterr().out)["stacks"]
    assert stack["totalMonthlyUsd"] is None and stack["regionGaps"]


def test_a_stack_in_a_complete_region_gets_its_total(capsys: pytest.CaptureFixture[str]) -> None:
    """The pattern above matches a total where there is one."""
    assert main(["cost", "--stack", "dev", "--region", "us-east-1"]) == 0
    assert TOTAL_FIGURE.search(capsys.readouterr().out)


def test_an_unknown_resource_type_is_listed_unpriced() -> None:
    est = estimate(_graph(_res("aws:opensearch/domain:Domain", "search")))
    assert [li.resource for li in est.unpriced] == ["search"]


# -- the model, on hand-built resources ------------------------------------------------------


def test_strategy_puts_the_on_demand_base_first_and_splits_the_rest_by_weight() -> None:
    strategy = [
        {"capacityProvider": "FARGATE", "weight": 0, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 1},
    ]
    assert split_by_strategy(3, strategy) == {"FARGATE": 1.0, "FARGATE_SPOT": 2.0}
    weighted = [
        {"capacityProvider": "FARGATE", "weight": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3},
    ]
    assert split_by_strategy(4, weighted) == {"FARGATE": 1.0, "FARGATE_SPOT": 3.0}


def _service_graph(
    arch: str, strategy: list[dict[str, Any]], desired: int, min_capacity: int | None = None
) -> Graph:
    task = _res(
        "aws:ecs/taskDefinition:TaskDefinition",
        "api-task",
        outputs={"arn": "arn:td/api:1"},
        family="api",
        cpu="512",
        memory="1024",
        runtimePlatform={"cpuArchitecture": arch},
    )
    service = _res(
        "aws:ecs/service:Service",
        "api-service",
        name="api",
        taskDefinition="arn:td/api:1",
        desiredCount=desired,
        capacityProviderStrategies=strategy,
    )
    resources = [task, service]
    if min_capacity is not None:
        resources.append(
            _res(
                "aws:appautoscaling/target:Target",
                "api-scaling",
                resourceId="service/c/api",
                minCapacity=min_capacity,
                maxCapacity=4,
                scalableDimension="ecs:service:DesiredCount",
            )
        )
    return _graph(*resources)


def test_fargate_is_priced_by_architecture_and_size() -> None:
    on_demand = [{"capacityProvider": "FARGATE", "weight": 1}]
    arm = estimate(_service_graph("ARM64", on_demand, 1))
    x86 = estimate(_service_graph("X86_64", on_demand, 1))
    assert arm.total_monthly == pytest.approx((0.5 * 0.03238 + 1 * 0.00356) * HOURS, abs=0.01)
    assert x86.total_monthly == pytest.approx((0.5 * 0.04048 + 1 * 0.004445) * HOURS, abs=0.01)


def test_spot_weights_and_on_demand_base_are_reflected() -> None:
    strategy = [
        {"capacityProvider": "FARGATE", "weight": 0, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 1},
    ]
    est = estimate(_service_graph("X86_64", strategy, 3))
    on_demand = (0.5 * 0.04048 + 1 * 0.004445) * HOURS
    spot = 2 * (0.5 * 0.0128 + 1 * 0.0014) * HOURS
    assert est.total_monthly == pytest.approx(on_demand + spot, abs=0.01)


def test_autoscaled_service_idles_at_its_min_capacity() -> None:
    on_demand = [{"capacityProvider": "FARGATE", "weight": 1}]
    scaled = estimate(_service_graph("ARM64", on_demand, desired=3, min_capacity=1))
    single = estimate(_service_graph("ARM64", on_demand, desired=1))
    assert scaled.total_monthly == single.total_monthly
    assert any("minCapacity 1" in li.note for li in scaled.lines)


def test_internal_alb_has_no_public_ip_internet_facing_has_one_per_az() -> None:
    internal = estimate(
        _graph(
            _res(
                "aws:lb/loadBalancer:LoadBalancer",
                "alb",
                internal=True,
                loadBalancerType="application",
                subnets=["a", "b"],
            )
        )
    )
    public = estimate(
        _graph(
            _res(
                "aws:lb/loadBalancer:LoadBalancer",
                "alb",
                internal=False,
                loadBalancerType="application",
                subnets=["a", "b"],
            )
        )
    )
    assert not [li for li in internal.lines if li.price_item == "public_ipv4.hour"]
    assert public.total_monthly - internal.total_monthly == pytest.approx(2 * 0.005 * HOURS)


def test_aurora_at_zero_acu_is_free_when_paused_and_says_so() -> None:
    def graph(min_acu: float) -> Graph:
        cluster = _res(
            "aws:rds/cluster:Cluster",
            "db",
            id_="db-cluster",
            clusterIdentifier="db-cluster",
            manageMasterUserPassword=True,
            serverlessv2ScalingConfiguration={
                "minCapacity": min_acu,
                "maxCapacity": 2,
                "secondsUntilAutoPause": 300,
            },
        )
        writer = _res(
            "aws:rds/clusterInstance:ClusterInstance",
            "db-writer",
            clusterIdentifier="db-cluster",
            instanceClass="db.serverless",
        )
        return _graph(cluster, writer)

    paused = estimate(graph(0))
    half = estimate(graph(0.5))
    writer = _lines(paused, "db-writer")[0]
    assert writer.monthly_usd == 0.0 and "pauses" in writer.note
    assert _monthly(half, "db-writer") == pytest.approx(0.5 * 0.12 * HOURS)  # $43.80
    # the RDS-managed master secret is a Secrets Manager secret
    assert _monthly(paused, "db", "secretsmanager") == pytest.approx(0.40)


def test_a_looked_up_zone_is_not_ours_a_created_zone_is() -> None:
    looked_up = estimate(_graph(calls=[("aws:route53/getZone:getZone", {"name": "example.com"})]))
    created = estimate(_graph(_res("aws:route53/zone:Zone", "zone", name="example.com")))
    assert looked_up.total_monthly == 0.0
    assert any("not created by this stack" in li.note for li in looked_up.lines)
    assert created.total_monthly == pytest.approx(0.50)


def test_alarms_and_dashboards_are_priced_with_the_free_tier_stated() -> None:
    est = estimate(
        _graph(
            *[_res("aws:cloudwatch/metricAlarm:MetricAlarm", f"a{i}") for i in range(3)],
            _res("aws:cloudwatch/dashboard:Dashboard", "board"),
        )
    )
    assert est.total_monthly == pytest.approx(3 * 0.10 + 3.00)
    assert any("10 alarms and 3 dashboards" in s for s in est.statements)


def test_waf_web_acl_and_rules_are_priced() -> None:
    est = estimate(_graph(_res("aws:wafv2/webAcl:WebAcl", "waf", rules=[{}, {}, {}])))
    assert est.total_monthly == pytest.approx(5.00 + 3 * 1.00)


def test_usage_assumptions_are_shown_and_can_be_overridden() -> None:
    graph = _graph(_res("aws:ec2/natGateway:NatGateway", "nat"))
    base = estimate(graph)
    more = estimate(graph, assumptions=Assumptions().with_overrides(["natDataGb=100"]))
    assert base.assumptions["natDataGb"] == 5.0
    assert more.total_monthly - base.total_monthly == pytest.approx(95 * 0.045, abs=0.01)
    with pytest.raises(ValueError, match="natDataGb"):
        Assumptions().with_overrides(["natDataGB=1"])


def test_hand_calculation_of_a_full_lab_stack_built_by_hand() -> None:
    """The lab shape, resource by resource, against a total worked out by hand."""
    spot = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    resources = [
        _res(
            "aws:ec2/instance:Instance",
            "nat",
            instanceType="t4g.nano",
            sourceDestCheck=False,
            rootBlockDevice={"volumeType": "gp3"},
        ),
        _res("aws:ec2/eip:Eip", "nat-eip", domain="vpc"),
        _res(
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            "s3",
            vpcEndpointType="Gateway",
            serviceName="com.amazonaws.us-east-1.s3",
        ),
        _res(
            "aws:lb/loadBalancer:LoadBalancer",
            "alb",
            internal=True,
            loadBalancerType="application",
            subnets=["a", "b"],
        ),
        _res("aws:cloudfront/distribution:Distribution", "cdn"),
    ]
    for svc in ("api", "web"):
        resources += [
            _res(
                "aws:ecs/taskDefinition:TaskDefinition",
                f"{svc}-task",
                outputs={"arn": f"arn:td/{svc}:1"},
                family=svc,
                cpu="256",
                memory="512",
                runtimePlatform={"cpuArchitecture": "ARM64"},
            ),
            _res(
                "aws:ecs/service:Service",
                f"{svc}-service",
                name=svc,
                taskDefinition=f"arn:td/{svc}:1",
                desiredCount=1,
                capacityProviderStrategies=spot,
            ),
            _res("aws:cloudwatch/logGroup:LogGroup", f"{svc}-logs", retentionInDays=7),
        ]
    resources += [
        _res(
            "aws:rds/cluster:Cluster",
            "db",
            id_="db",
            clusterIdentifier="db",
            manageMasterUserPassword=True,
            serverlessv2ScalingConfiguration={"minCapacity": 0, "maxCapacity": 2},
        ),
        _res(
            "aws:rds/clusterInstance:ClusterInstance",
            "db-writer",
            clusterIdentifier="db",
            instanceClass="db.serverless",
        ),
        _res("aws:secretsmanager/secret:Secret", "app-secret"),
        _res("aws:s3/bucket:Bucket", "uploads"),
        _res("aws:s3/bucket:Bucket", "static"),
        _res("aws:ecr/repository:Repository", "repo-api"),
        _res("aws:ecr/repository:Repository", "repo-web"),
        _res("aws:cloudwatch/metricAlarm:MetricAlarm", "nat-system"),
        _res("aws:cloudwatch/metricAlarm:MetricAlarm", "nat-instance"),
    ]
    est = estimate(_graph(*resources))
    by_hand = (
        0.0042 * 730  # t4g.nano NAT instance        3.066
        + 8 * 0.08  # its 8 GB gp3 root volume        0.64
        + 0.005 * 730  # the NAT's Elastic IP           3.65
        + 0.0225 * 730  # internal ALB, no public IP   16.425
        + 0.1 * 0.008 * 730  # 0.1 idle LCU              0.584
        + 2 * (0.25 * 0.01024 + 0.5 * 0.00112) * 730  # api + web, Spot arm64  4.555
        + 1 * 0.10
        + 0.1 * 0.20  # Aurora 1 GB + 0.1M I/O, 0 ACU paused  0.12
        + 2 * 0.40  # RDS-managed secret + app secret   0.80
        + 2 * 0.023  # two buckets, 1 GB each             0.046
        + 2 * 0.10  # two ECR repositories, 1 GB each    0.20
        + 2 * 0.10  # two alarms (free tier not applied) 0.20
        + 2 * (0.1 * 0.50 + 0.1 * 7 / 30 * 0.03)  # two log groups, 7 days  0.1014
    )
    assert by_hand == pytest.approx(30.39, abs=0.01)
    assert est.total_monthly == pytest.approx(by_hand, abs=0.01), _top(est)
    assert est.total_hourly == pytest.approx(by_hand / 730, abs=0.0001)
    assert not est.unpriced


# -- the program's own graphs -------------------------------------------------------------------


def test_dev_stack_matches_the_hand_calculation_line_by_line(plan) -> None:
    est = estimate(plan("dev", "images=registry", DEPLOYED))
    # The lab's ingress is the HTTP API: no load balancer, requests and Cloud Map instead.
    assert not _lines(est, "lb-alb")
    assert _monthly(est, "http-api-api") == pytest.approx(0.01)  # 0.01 M requests x $1.00
    assert _monthly(est, "discovery-namespace") == pytest.approx(0.50)
    alb = estimate(plan("dev", "images=registry", DEPLOYED, "ingress=alb"))
    assert _monthly(alb, "lb-alb", "alb.hour") == pytest.approx(16.425)
    assert not [li for li in _lines(alb, "lb-alb") if li.price_item == "public_ipv4.hour"]
    assert _monthly(est, "network-nat-instance", "ec2.t4g.nano") == pytest.approx(3.066)
    assert _monthly(est, "network-nat-instance", "ebs.gp3") == pytest.approx(0.64)
    # natAddress instanceIp (the lab's default): the instance's own address, all month always on
    assert not _lines(est, "network-nat-eip")
    assert _monthly(est, "network-nat-instance", "public_ipv4") == pytest.approx(3.65)
    per_task = (0.25 * 0.01024 + 0.5 * 0.00112) * 730  # Spot arm64, 0.25 vCPU / 0.5 GB
    for service in ("api-service", "web-service"):
        assert _monthly(est, service, "fargate.spot.arm64") == pytest.approx(per_task), service
    assert _monthly(est, "database-writer") == 0.0  # 0 ACU: pauses
    assert _monthly(est, "database-cluster", "secretsmanager") == pytest.approx(0.40)


def test_lab_leaves_nothing_unpriced(plan) -> None:
    est = estimate(plan("dev", "images=registry", DEPLOYED))
    assert est.profile == "lab"
    assert not est.unpriced, [str(li) for li in est.unpriced]


def test_mvp_leaves_only_container_insights_unpriced(plan) -> None:
    """Container Insights is billed per metric and log volume: listed, not silently $0."""
    est = estimate(plan("prod", DEPLOYED))
    assert {li.description for li in est.unpriced} <= {"ECS Container Insights"}, _top(est)


def test_nat_gateway_dial_costs_about_29_dollars_more_than_the_instance(plan) -> None:
    instance = estimate(plan("dev", "images=registry", DEPLOYED))
    gateway = estimate(plan("dev", "images=registry", DEPLOYED, "nat=gateway"))
    assert any(li.price_item == "nat_gateway.hour" for li in gateway.lines)
    assert not any(li.price_item.startswith("ec2.") for li in gateway.lines)
    delta = gateway.total_monthly - instance.total_monthly
    # 32.85 (hour) + 0.225 (5 GB) - 3.066 (t4g.nano) - 0.64 (gp3) - 0.10 (its reboot alarm);
    # one Elastic IP either way
    assert delta == pytest.approx(32.85 + 0.225 - 3.066 - 0.64 - 0.10, abs=0.05)


def test_x86_and_on_demand_dials_raise_the_fargate_cost(plan) -> None:
    base = estimate(plan("dev", "images=registry", DEPLOYED)).by_category()["compute"]
    x86 = estimate(plan("dev", "images=registry", DEPLOYED, "cpuArchitecture=X86_64"))
    on_demand = estimate(plan("dev", "images=registry", DEPLOYED, "fargateSpot=false"))
    assert any("x86_64" in li.price_item for li in x86.lines)
    assert any("fargate.ondemand" in li.price_item for li in on_demand.lines)
    assert on_demand.by_category()["compute"] > base
    assert on_demand.by_category()["compute"] == pytest.approx(
        2 * (0.25 * 0.03238 + 0.5 * 0.00356) * 730, abs=0.01
    )


def test_undeployed_services_are_shown_parked_at_zero_tasks(plan) -> None:
    est = estimate(plan("dev", "images=registry"))
    assert any("0 tasks (parked)" in li.description for li in est.lines)


# -- the CLI ----------------------------------------------------------------------------------


def test_cost_cli_prints_an_itemized_table(capsys) -> None:
    assert main(["cost", "--stack", "dev"]) == 0
    out = capsys.readouterr().out
    assert "http-api-api" in out and "TOTAL" in out and "Usage assumptions" in out
    assert "Free tiers" in out
    # the types with no charge of their own are counted, with the reason
    assert "No charge of their own" in out and "  - Subnet x 6: VPC networking objects" in out


def test_cost_cli_compares_two_stacks_as_json_and_markdown(capsys, tmp_path) -> None:
    assert main(["cost", "--compare", "dev", "prod", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    stacks = {s["stack"]: s for s in payload["stacks"]}
    assert set(stacks) == {"dev", "prod"}
    assert stacks["prod"]["totalMonthlyUsd"] > stacks["dev"]["totalMonthlyUsd"]
    baseline = tmp_path / "main.json"
    for item in payload["stacks"]:
        item["totalMonthlyUsd"] -= 1.0
    baseline.write_text(json.dumps(payload))
    assert (
        main(["cost", "--compare", "dev", "prod", "--markdown", "--baseline", str(baseline)]) == 0
    )
    markdown = capsys.readouterr().out
    assert "| dev | lab |" in markdown and "+$1.00" in markdown
    assert main(["cost", "--compare", "dev", "prod"]) == 0
    assert "TOTAL" in capsys.readouterr().out


def test_sleep_schedule_prices_tasks_for_their_awake_hours_only() -> None:
    always = estimate(plan_stack("dev", "images=registry", "@imageTag=abc123"))
    asleep = estimate(
        plan_stack("dev", "images=registry", "@imageTag=abc123", "sleep=weekdays 08-20")
    )

    def fargate(est: Estimate) -> float:
        return sum(line.monthly_usd or 0 for line in est.lines if line.category == "compute")

    assert fargate(asleep) == pytest.approx(fargate(always) * 60 / 168, abs=0.02)
    assert not asleep.unpriced, "scheduled actions are free, not unknown"
    assert asleep.total_monthly < always.total_monthly


def test_a_user_pool_is_free_idle_and_bills_only_users_above_the_included_10000() -> None:
    graph = _graph(_res("aws:cognito/userPool:UserPool", "pool", userPoolTier="ESSENTIALS"))
    assert _monthly(estimate(graph), "pool") == 0.0
    busy = estimate(graph, assumptions=Assumptions(cognito_mau=12_000))
    assert _monthly(busy, "pool", "cognito") == pytest.approx(2_000 * 0.015)
    assert _monthly(estimate(graph, assumptions=Assumptions(cognito_mau=9_000)), "pool") == 0.0
