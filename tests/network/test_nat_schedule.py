"""NatSchedule: the NAT instance stops and starts with the services' sleep schedule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.config.values import SleepSchedule, parse_sleep
from components.network.nat_schedule import (
    START_TARGET,
    STOP_TARGET,
    CronTime,
    check_name_prefix,
    nat_times,
)
from stackctl.harness import Graph
from stackctl.preflight import preflight
from tests.component_helpers import run_snippet

SCHEDULE = "aws:scheduler/schedule:Schedule"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
INSTANCE = "aws:ec2/instance:Instance"
SCALING_ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"

PROGRAM = """
import pulumi_aws as aws

from components.network.nat_instance import NatInstance, NatInstanceArgs
from components.network.nat_schedule import NatSchedule, NatScheduleArgs
from components.compute.scaling import ScaledService, Scaling, ScalingArgs
from components.config.settings import parse_sleep

sleep = parse_sleep("SLEEP")
vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16")
public = aws.ec2.Subnet("public", vpc_id=vpc.id, cidr_block="10.0.0.0/24")
nat = NatInstance(
    "nat",
    NatInstanceArgs(vpc_id=vpc.id, vpc_cidr="10.0.0.0/16", subnet_id=public.id, region="us-east-1"),
)
NatSchedule(
    "nat-schedule",
    NatScheduleArgs(
        name_prefix="fullstack-dev",
        instance_id=nat.instance.id,
        instance_arn=nat.instance.arn,
        sleep=sleep,
    ),
)
# The services' own sleep schedule, to compare the hours with.
Scaling(
    "scaling",
    ScalingArgs(
        cluster_name="fullstack-dev",
        services=[ScaledService("web", "web", 1, 1, 1, False)],
        sleep=sleep,
    ),
)
"""


def build(root: Path, sleep: str) -> Graph:
    return run_snippet(root, PROGRAM.replace("SLEEP", sleep))


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Graph:
    return build(tmp_path_factory.mktemp("nat-schedule"), "weekdays 08-20 Europe/Berlin")


def schedules(graph: Graph) -> dict[str, dict[str, object]]:
    return {str(s.name).rsplit("-", 1)[1]: s.inputs for s in graph.of_type(SCHEDULE)}


def test_the_nat_starts_before_the_services_wake_and_stops_after_they_sleep(graph: Graph) -> None:
    found = schedules(graph)
    assert found["start"]["scheduleExpression"] == "cron(50 7 ? * MON-FRI *)"
    assert found["stop"]["scheduleExpression"] == "cron(10 20 ? * MON-FRI *)"
    for inputs in found.values():
        assert inputs["scheduleExpressionTimezone"] == "Europe/Berlin"
        assert inputs["flexibleTimeWindow"] == {"mode": "OFF"}
    # The services scale at the full hours of the same schedule, in the same zone.
    services = {a.name.rsplit("-", 1)[1]: a.inputs for a in graph.of_type(SCALING_ACTION)}
    assert services["wake"]["schedule"] == "cron(0 8 ? * MON-FRI *)"
    assert services["sleep"]["schedule"] == "cron(0 20 ? * MON-FRI *)"
    assert {a["timezone"] for a in services.values()} == {"Europe/Berlin"}


def test_the_targets_are_the_ec2_universal_targets_with_the_instance_id(graph: Graph) -> None:
    (instance,) = graph.of_type(INSTANCE)
    found = schedules(graph)
    assert found["start"]["target"]["arn"] == START_TARGET  # type: ignore[index]
    assert found["stop"]["target"]["arn"] == STOP_TARGET  # type: ignore[index]
    assert START_TARGET == "arn:aws:scheduler:::aws-sdk:ec2:startInstances"
    assert STOP_TARGET == "arn:aws:scheduler:::aws-sdk:ec2:stopInstances"
    for inputs in found.values():
        target = inputs["target"]
        assert json.loads(target["input"]) == {"InstanceIds": [instance.id]}  # type: ignore[index]


def test_the_role_may_only_start_and_stop_this_instance(graph: Graph) -> None:
    (instance,) = graph.of_type(INSTANCE)
    role = next(r for r in graph.of_type(ROLE) if r.name == "nat-schedule-scheduler")
    trust = json.loads(role.get("assumeRolePolicy"))
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    policy = next(p for p in graph.of_type(ROLE_POLICY) if p.get("role") == role.id)
    (allow,) = json.loads(policy.get("policy"))["Statement"]
    assert allow["Effect"] == "Allow"
    assert sorted(allow["Action"]) == ["ec2:StartInstances", "ec2:StopInstances"]
    assert allow["Resource"] == instance.outputs["arn"]
    assert "*" not in allow["Resource"]
    for inputs in schedules(graph).values():
        assert inputs["target"]["roleArn"] == role.outputs["arn"]  # type: ignore[index]


def test_the_schedules_have_fixed_names_that_go_first_on_replacement(graph: Graph) -> None:
    names = sorted(str(s.get("name")) for s in graph.of_type(SCHEDULE))
    assert names == ["fullstack-dev-nat-start", "fullstack-dev-nat-stop"]
    assert all(s.delete_before_replace for s in graph.of_type(SCHEDULE))


def test_a_stopped_nat_triggers_no_recovery_or_reboot(graph: Graph) -> None:
    """A stopped instance sends no status-check data: missing data must stay missing (the
    alarm goes to INSUFFICIENT_DATA, which has no action), never count as breaching."""
    alarms = [a for a in graph.of_type(ALARM) if a.get("namespace") == "AWS/EC2"]
    assert len(alarms) == 1  # the reboot alarm (system failures: EC2 recovers)
    for alarm in alarms:
        assert alarm.get("treatMissingData") == "missing"
        assert not alarm.get("insufficientDataActions")
        assert not alarm.get("okActions")


def test_a_daily_schedule_in_utc(tmp_path: Path) -> None:
    found = schedules(build(tmp_path, "daily 07-22"))
    assert found["start"]["scheduleExpression"] == "cron(50 6 ? * * *)"
    assert found["stop"]["scheduleExpression"] == "cron(10 22 ? * * *)"
    assert {i["scheduleExpressionTimezone"] for i in found.values()} == {"UTC"}


@pytest.mark.parametrize(
    ("text", "lead", "lag", "start", "stop"),
    [
        ("weekdays 08-20", 10, 10, CronTime(50, 7, "MON-FRI"), CronTime(10, 20, "MON-FRI")),
        ("daily 07-22 America/New_York", 10, 10, CronTime(50, 6, "*"), CronTime(10, 22, "*")),
        # Waking at midnight: the NAT starts the evening before, so the days move back one.
        (
            "weekdays 00-06",
            10,
            10,
            CronTime(50, 23, "SUN,MON,TUE,WED,THU"),
            CronTime(10, 6, "MON-FRI"),
        ),
        ("daily 00-23", 15, 59, CronTime(45, 23, "*"), CronTime(59, 23, "*")),
        # Lead and lag 0: the same minute as the services.
        ("weekdays 09-17", 0, 0, CronTime(0, 9, "MON-FRI"), CronTime(0, 17, "MON-FRI")),
    ],
)
def test_nat_times(text: str, lead: int, lag: int, start: CronTime, stop: CronTime) -> None:
    schedule = parse_sleep(text)
    assert schedule is not None
    assert nat_times(schedule, lead, lag) == {"start": start, "stop": stop}


@pytest.mark.parametrize(("lead", "lag"), [(60, 10), (10, -1)])
def test_lead_and_lag_stay_within_the_hour(lead: int, lag: int) -> None:
    with pytest.raises(ValueError, match="0 to 59 minutes"):
        nat_times(SleepSchedule("weekdays", 8, 20), lead, lag)


def test_preflight_finds_nothing_in_the_schedule(graph: Graph) -> None:
    findings = preflight(graph)
    assert findings == [], "\n".join(str(f) for f in findings)


@pytest.mark.parametrize("prefix", ["x" * 60, "a/b", "fullstack dev"])
def test_schedule_names_aws_would_refuse_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="must be 1 to 64"):
        check_name_prefix(prefix)
    check_name_prefix("fullstack-dev")  # the shape the program uses
