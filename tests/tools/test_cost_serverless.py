"""`stackctl cost` for the lab's HTTP API ingress and the NAT instance's sleep schedule.

Hand-built graphs that follow the contract in stackctl/cost/serverless.py and schedule.py:
the resource types and inputs the components of the httpApi ingress and the NAT schedule
declare.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from stackctl.cost import Assumptions, estimate, instance_awake_hours_per_week
from stackctl.cost.schedule import awake_hours, invocations_a_month
from stackctl.harness import Graph, Resource
from tests.tools.test_cost import HOURS, _graph, _lines, _monthly, _res

STOP = "arn:aws:scheduler:::aws-sdk:ec2:stopInstances"
START = "arn:aws:scheduler:::aws-sdk:ec2:startInstances"
CLOUD_MAP_ARN = "arn:aws:servicediscovery:us-east-1:123456789012:service/srv-api"


def _nat(*schedules: Resource) -> Graph:
    return _graph(
        _res(
            "aws:ec2/instance:Instance",
            "nat",
            id_="i-0abc",
            instanceType="t4g.nano",
            sourceDestCheck=False,
            rootBlockDevice={"volumeType": "gp3", "volumeSize": 8},
        ),
        _res("aws:ec2/eip:Eip", "nat-eip", domain="vpc", instance="i-0abc"),
        *schedules,
    )


def _schedule(
    logical: str, arn: str, hour: int, ids: list[str], days: str = "MON-FRI", **extra: Any
) -> Resource:
    return _res(
        "aws:scheduler/schedule:Schedule",
        logical,
        scheduleExpression=f"cron(0 {hour} ? * {days} *)",
        scheduleExpressionTimezone="Europe/Berlin",
        flexibleTimeWindow={"mode": "OFF"},
        target={"arn": arn, "roleArn": "arn:role", "input": json.dumps({"InstanceIds": ids})},
        **extra,
    )


def _stop_start(ids: list[str] | None = None, days: str = "MON-FRI") -> tuple[Resource, ...]:
    ids = ids or ["i-0abc"]
    return (
        _schedule("nat-stop", STOP, 20, ids, days),
        _schedule("nat-start", START, 8, ids, days),
    )


# -- the NAT instance's sleep -------------------------------------------------------------------


def test_a_scheduled_nat_instance_bills_its_hours_only_while_awake() -> None:
    always = estimate(_nat())
    asleep = estimate(_nat(*_stop_start()))
    instance_hours = 0.0042 * HOURS
    assert _monthly(always, "nat", "ec2.t4g.nano") == pytest.approx(instance_hours)
    assert _monthly(asleep, "nat", "ec2.t4g.nano") == pytest.approx(instance_hours * 60 / 168)
    # the volume and the Elastic IP keep billing while the instance is stopped
    assert _monthly(asleep, "nat", "ebs.gp3") == pytest.approx(8 * 0.08)
    assert _monthly(asleep, "nat-eip") == pytest.approx(0.005 * HOURS)
    assert "keeps billing" in _lines(asleep, "nat-eip")[0].note
    assert "60 of 168 h" in next(li.note for li in _lines(asleep, "nat") if "ec2." in li.price_item)


def test_the_schedule_must_name_this_instance_and_be_enabled() -> None:
    other = estimate(_nat(*_stop_start(["i-other"])))
    disabled = _nat(
        _schedule("nat-stop", STOP, 20, ["i-0abc"], state="DISABLED"),
        _schedule("nat-start", START, 8, ["i-0abc"]),
    )
    only_stop = _nat(_schedule("nat-stop", STOP, 20, ["i-0abc"]))
    for graph in (_nat(*_stop_start(["i-other"])), disabled, only_stop):
        instance = graph.named("nat")
        assert instance_awake_hours_per_week(graph, instance) is None
    assert _monthly(other, "nat", "ec2.") == pytest.approx(0.0042 * HOURS)


def test_awake_hours_follow_the_days_of_the_cron_expressions() -> None:
    assert awake_hours("cron(0 20 ? * MON-FRI *)", "cron(0 8 ? * MON-FRI *)") == 60
    assert awake_hours("cron(0 22 ? * * *)", "cron(0 7 ? * * *)") == 105
    assert awake_hours("cron(0 18 ? * SAT,SUN *)", "cron(0 10 ? * SAT,SUN *)") == 16
    assert awake_hours("cron(0 20 ? * MON-FRI *)", "cron(0 8 ? * * *)") is None  # other days
    # minutes count: the NAT starts 10 minutes before the services and stops 10 after
    assert awake_hours("cron(30 20 ? * MON-FRI *)", "cron(0 8 ? * MON-FRI *)") == 62.5
    graph = _nat(*_stop_start(days="*"))
    assert instance_awake_hours_per_week(graph, graph.named("nat")) == 84


def test_scheduler_invocations_are_priced_at_list_price_with_the_free_tier_stated() -> None:
    est = estimate(_nat(*_stop_start()))
    lines = [li for li in est.lines if li.type == "aws:scheduler/schedule:Schedule"]
    assert len(lines) == 2 and all(li.priced for li in lines)
    weekdays_a_month = 5 * HOURS / 168
    assert lines[0].quantity == pytest.approx(weekdays_a_month / 1e6)
    assert lines[0].monthly_usd == pytest.approx(weekdays_a_month * 1.00 / 1e6)
    assert all("14 million" in li.note for li in lines)
    assert invocations_a_month("rate(5 minutes)", HOURS) == pytest.approx(HOURS * 12)
    assert invocations_a_month("cron(0/5 * * * ? *)", HOURS) is None


def test_a_schedule_the_model_cannot_count_is_listed_unpriced() -> None:
    est = estimate(
        _graph(
            _res(
                "aws:scheduler/schedule:Schedule",
                "odd",
                scheduleExpression="cron(0/5 * * * ? *)",
                target={"arn": STOP},
            )
        )
    )
    assert [li.resource for li in est.unpriced] == ["odd"]


# -- the HTTP API ingress -----------------------------------------------------------------------


def _ingress(sleep: bool = False, authorizer: bool = False) -> Graph:
    resources = [
        _res("aws:apigatewayv2/api:Api", "api-gw", protocolType="HTTP"),
        _res("aws:apigatewayv2/vpcLink:VpcLink", "link", subnetIds=["a", "b"]),
        _res(
            "aws:apigatewayv2/integration:Integration",
            "to-api",
            integrationType="HTTP_PROXY",
            connectionType="VPC_LINK",
            integrationUri=CLOUD_MAP_ARN,
        ),
        _res("aws:apigatewayv2/route:Route", "route-api", routeKey="ANY /api/{proxy+}"),
        _res("aws:apigatewayv2/stage:Stage", "default", name="$default", autoDeploy=True),
        _res("aws:servicediscovery/privateDnsNamespace:PrivateDnsNamespace", "ns", name="lab"),
        _res(
            "aws:servicediscovery/service:Service",
            "sd-api",
            outputs={"arn": CLOUD_MAP_ARN},
            healthCheckCustomConfig={},
        ),
        _res(
            "aws:ecs/taskDefinition:TaskDefinition",
            "api-task",
            outputs={"arn": "arn:td/api:1"},
            family="api",
            cpu="256",
            memory="512",
            runtimePlatform={"cpuArchitecture": "ARM64"},
        ),
        _res(
            "aws:ecs/service:Service",
            "api-service",
            name="api",
            taskDefinition="arn:td/api:1",
            desiredCount=2,
            capacityProviderStrategies=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
            serviceRegistries={"registryArn": CLOUD_MAP_ARN},
        ),
    ]
    if sleep:
        resources.append(
            _res(
                "aws:appautoscaling/target:Target",
                "api-scaling",
                resourceId="service/c/api",
                minCapacity=2,
                maxCapacity=2,
                scalableDimension="ecs:service:DesiredCount",
            )
        )
        for moment, hour, capacity in (("sleep", 20, 0), ("wake", 8, 2)):
            resources.append(
                _res(
                    "aws:appautoscaling/scheduledAction:ScheduledAction",
                    f"api-{moment}",
                    resourceId="service/c/api",
                    schedule=f"cron(0 {hour} ? * MON-FRI *)",
                    scalableTargetAction={"minCapacity": capacity, "maxCapacity": capacity},
                )
            )
    if authorizer:
        function_arn = "arn:aws:lambda:us-east-1:123456789012:function:origin-check"
        resources += [
            _res(
                "aws:lambda/function:Function",
                "origin-check",
                outputs={"arn": function_arn},
                architectures=["arm64"],
                memorySize=128,
            ),
            _res(
                "aws:apigatewayv2/authorizer:Authorizer",
                "origin",
                authorizerType="REQUEST",
                authorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                f"{function_arn}/invocations",
            ),
        ]
    return _graph(*resources)


def test_http_api_bills_requests_only_and_its_parts_are_free_lines() -> None:
    est = estimate(_ingress())
    api = _lines(est, "api-gw")
    assert [li.price_item for li in api] == ["apigateway.http.requests.million"]
    assert api[0].monthly_usd == pytest.approx(0.01 * 1.00)  # default 10,000 requests
    assert not [li for li in api if li.hourly_usd and li.price_item.endswith("hour")]
    for free in ("link", "to-api", "route-api", "default"):
        (line,) = _lines(est, free)
        assert line.monthly_usd == 0.0 and line.note and line.unit == "-", free
    assert "no charge of its own" in _lines(est, "link")[0].note
    idle = Assumptions().with_overrides(["httpApiRequestsMillion=0", "cloudMapLookupsMillion=0"])
    none = estimate(_ingress(), assumptions=idle)
    assert _monthly(none, "api-gw") == 0.0


def test_cloud_map_bills_the_namespace_zone_and_each_registered_task() -> None:
    est = estimate(_ingress())
    assert _monthly(est, "ns", "route53.zone") == pytest.approx(0.50)
    assert _monthly(est, "sd-api", "cloudmap.instance") == pytest.approx(2 * 0.10)
    # the HTTP API's integration resolves the tasks through Cloud Map
    assert _monthly(est, "sd-api", "cloudmap.lookups") == pytest.approx(0.01 * 1.00)
    assert not est.unpriced


def test_cloud_map_registrations_follow_the_sleep_schedule_of_the_tasks() -> None:
    asleep = estimate(_ingress(sleep=True))
    line = next(li for li in _lines(asleep, "sd-api") if "instance" in li.price_item)
    assert line.monthly_usd == pytest.approx(2 * 0.10 * 60 / 168)
    assert "60 of 168 h" in line.note


def test_a_cloud_map_service_nothing_registers_with_costs_nothing_and_says_so() -> None:
    graph = _ingress()
    graph.resources = [r for r in graph.resources if r.type != "aws:ecs/service:Service"]
    est = estimate(graph)
    line = next(li for li in _lines(est, "sd-api") if "instance" in li.price_item)
    assert line.monthly_usd == 0.0 and "no ECS service" in line.note


def test_a_lambda_authorizer_runs_once_per_api_request() -> None:
    est = estimate(_ingress(authorizer=True))
    requests = 0.01 * 0.20
    duration = 0.01e6 * (128 / 1024) * 0.020 * 0.0000133334
    assert _monthly(est, "origin-check", "lambda.requests") == pytest.approx(requests)
    (line,) = [li for li in _lines(est, "origin-check") if "lambda.arm64" in li.price_item]
    assert line.monthly_usd == pytest.approx(duration)
    (free,) = _lines(est, "origin")
    assert free.monthly_usd == 0.0 and "function's lines" in free.note


def test_the_new_items_are_unpriced_where_no_figure_was_gathered() -> None:
    est = estimate(_ingress(), region="ap-northeast-2")
    unpriced = {li.price_item for li in est.unpriced}
    assert {"apigateway.http.requests.million", "cloudmap.instance.month"} <= unpriced
    assert _monthly(est, "ns", "route53.zone") == pytest.approx(0.50)


def test_a_websocket_api_is_not_priced_as_an_http_api() -> None:
    est = estimate(_graph(_res("aws:apigatewayv2/api:Api", "ws", protocolType="WEBSOCKET")))
    assert [li.resource for li in est.unpriced] == ["ws"]
