"""Monitoring: encrypted alarm topic, alarms per profile with OK actions, and the dashboard."""

from __future__ import annotations

import json
from typing import Any

import pytest

from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
RUNNING = ("dev", "images=registry", "@imageTag=abc1234", "alarms=true")
# Both profiles with their alarms: the lab has none unless asked (alarms, or alarmEmail).
WITH_ALARMS = [("dev", "images=registry", "alarms=true", "ingress=alb"), ("prod",)]


@pytest.fixture(params=WITH_ALARMS, ids=["dev-alarms", "prod"])
def alarmed(request: pytest.FixtureRequest, plan: PlanFn) -> Graph:
    return plan(*request.param)


def alarms(graph: Graph) -> dict[str, Resource]:
    """The monitoring component's alarms by key (`api-cpu`, `db-acu`, ...)."""
    return {
        a.name.removeprefix("monitoring-"): a
        for a in graph.of_type(ALARM)
        if a.name.startswith("monitoring-")
    }


def topic(graph: Graph) -> Resource:
    (found,) = graph.of_type(TOPIC)
    return found


def test_topic_is_encrypted_with_a_key_cloudwatch_may_use(alarmed: Graph) -> None:
    stack_graph = alarmed
    (key,) = stack_graph.of_type("aws:kms/key:Key")
    assert key.get("enableKeyRotation") is True
    assert topic(stack_graph).get("kmsMasterKeyId") == key.outputs["arn"]
    statements = {s["Sid"]: s for s in json.loads(key.get("policy"))["Statement"]}
    cloudwatch = statements["CloudWatchPublishesAlarms"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(cloudwatch["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}


def test_email_subscription_only_with_an_address(plan: PlanFn) -> None:
    assert (
        plan("dev", "alarms=true", "ingress=alb").of_type(
            "aws:sns/topicSubscription:TopicSubscription"
        )
        == []
    )
    (subscription,) = plan("prod", "alarmEmail=ops@example.com").of_type(
        "aws:sns/topicSubscription:TopicSubscription"
    )
    assert subscription.get("protocol") == "email"
    assert subscription.get("endpoint") == "ops@example.com"
    assert subscription.get("topic") == topic(plan("prod")).outputs["arn"]


def test_every_alarm_notifies_on_alarm_and_on_recovery(alarmed: Graph) -> None:
    stack_graph = alarmed
    arn = topic(stack_graph).outputs["arn"]
    for alarm in alarms(stack_graph).values():
        assert alarm.get("alarmActions") == [arn], alarm.name
        assert alarm.get("okActions") == [arn], alarm.name
        assert alarm.get("treatMissingData") in {"notBreaching", "breaching"}, alarm.name


SERVICE_ALARMS = ("cpu", "memory", "unhealthy", "p95")
DEV_ALARMS = {
    "alb-5xx",
    "target-5xx",
    "db-acu",
    "db-connections",
    *(f"{service}-{key}" for service in ("api", "web") for key in SERVICE_ALARMS),
}
PROD_ALARMS = {
    "alb-5xx", "target-5xx", "db-acu", "db-connections", "cache-1-cpu", "cache-1-evictions",
    *(f"{service}-{key}" for service in ("api", "web") for key in (*SERVICE_ALARMS, "running")),
    "worker-cpu", "worker-memory", "worker-running",
}  # fmt: skip


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (("dev", "images=registry", "alarms=true", "ingress=alb"), DEV_ALARMS),
        (("prod", "@imageTag=abc1234"), PROD_ALARMS),
    ],
)
def test_alarms_per_profile(plan: PlanFn, config: tuple[str, ...], expected: set[str]) -> None:
    assert set(alarms(plan(*config))) == expected


def test_parked_services_get_no_running_tasks_alarm(plan: PlanFn) -> None:
    assert not any(
        k.endswith("-running")
        for k in alarms(plan("dev", "images=registry", "alarms=true", "ingress=alb"))
    )
    assert {k for k in alarms(plan(*RUNNING)) if k.endswith("-running")} == {
        "api-running",
        "web-running",
    }


def queries(alarm: Resource) -> dict[str, dict[str, Any]]:
    return {q["id"]: q for q in alarm.get("metricQueries") or []}


def test_running_tasks_alarm_follows_container_insights(plan: PlanFn) -> None:
    """With Container Insights: running compared with desired, whatever sets the desired."""
    with_insights = alarms(plan("prod", "@imageTag=abc1234", "containerInsights=true"))[
        "api-running"
    ]
    found = queries(with_insights)
    assert {q["metric"]["metricName"] for q in found.values() if "metric" in q} == {
        "RunningTaskCount",
        "DesiredTaskCount",
    }
    assert all(q["metric"]["namespace"] == "ECS/ContainerInsights"
               for q in found.values() if "metric" in q)  # fmt: skip
    (returned,) = [q for q in found.values() if q["returnData"]]
    assert returned["expression"] == "FILL(desired, 0) - FILL(running, 0)"
    assert with_insights.get("comparisonOperator") == "GreaterThanThreshold"
    assert with_insights.get("threshold") == 0
    assert not with_insights.get("metricName"), "a metric math alarm names no single metric"
    without = alarms(plan(*RUNNING))["api-running"]
    assert (without.get("namespace"), without.get("metricName"), without.get("statistic")) == (
        "AWS/ECS",
        "CPUUtilization",
        "SampleCount",
    )
    assert (
        without.get("threshold") == 1 and without.get("comparisonOperator") == "LessThanThreshold"
    )
    assert without.get("treatMissingData") == "breaching", "no data means no task runs"


SLEEPING = (
    "dev",
    "images=registry",
    "@imageTag=abc1234",
    "alarms=true",
    "sleep=weekdays 08-20 Europe/Berlin",
)


def test_a_sleeping_stack_counts_running_tasks_only_in_working_hours(plan: PlanFn) -> None:
    """At night and at weekends no task runs by design: the alarm must not fire then."""
    alarm = alarms(plan(*SLEEPING))["api-running"]
    found = queries(alarm)
    assert found["samples"]["metric"]["stat"] == "SampleCount"
    assert found["tasks"]["expression"] == "FILL(samples, 0)"
    expression = found["awake"]["expression"]
    assert found["awake"]["returnData"] is True
    # Europe/Berlin is UTC+1 in winter and UTC+2 in summer: 09-20 local (after the start hour)
    # is surely 08-18 UTC, Monday (1) to Friday (5); outside it the expression is the desired
    # count itself, which is never below the threshold.
    clauses = [f"(DAY(tasks)=={d} AND HOUR(tasks)>=8 AND HOUR(tasks)<18)" for d in range(1, 6)]
    assert expression == f"IF({' OR '.join(clauses)}, tasks, 1)"
    assert alarm.get("threshold") == 1 and alarm.get("comparisonOperator") == "LessThanThreshold"
    assert alarm.get("treatMissingData") == "notBreaching"


def test_a_sleeping_stack_with_insights_compares_with_desired(plan: PlanFn) -> None:
    alarm = alarms(plan(*SLEEPING, "containerInsights=true"))["api-running"]
    assert "DesiredTaskCount" in json.dumps(alarm.get("metricQueries"))
    assert alarm.get("treatMissingData") == "notBreaching", "a sleeping service may report none"


def test_target_group_alarms_watch_each_group_of_the_load_balancer(alarmed: Graph) -> None:
    stack_graph = alarmed
    found = alarms(stack_graph)
    (alb,) = stack_graph.of_type("aws:lb/loadBalancer:LoadBalancer")
    for service in ("api", "web"):
        for key in ("unhealthy", "p95"):
            dimensions = found[f"{service}-{key}"].get("dimensions")
            assert dimensions["LoadBalancer"] == alb.outputs["arnSuffix"]
            group = next(
                g
                for g in stack_graph.of_type("aws:lb/targetGroup:TargetGroup")
                if g.outputs.get("arnSuffix") == dimensions["TargetGroup"]
            )
            assert group.get("port") == {"api": 8000, "web": 3000}[service]
    assert found["api-p95"].get("extendedStatistic") == "p95"
    assert found["api-p95"].get("statistic") is None


@pytest.mark.parametrize(
    ("acu", "limit"),
    [
        # AWS's table of Aurora PostgreSQL Serverless v2's default max_connections by maximum
        # ACU (aws-facts#serverless-v2-max-connections): 8 ACU 1669, 16 ACU 3360, capped at 2000
        # while the minimum is 0 or 0.5 ACU
        (("dbMinAcu=0.5", "dbMaxAcu=8"), 1669),
        (("dbMinAcu=1", "dbMaxAcu=16"), 3360),
        (("dbMinAcu=0.5", "dbMaxAcu=16"), 2000),
    ],
)
def test_the_connections_alarm_fires_at_80_percent_of_auroras_limit(
    plan: PlanFn, acu: tuple[str, str], limit: int
) -> None:
    found = alarms(plan("prod", *acu))
    assert found["db-connections"].get("threshold") == round(0.8 * limit)


def test_database_alarms_scale_with_max_capacity(plan: PlanFn) -> None:
    found = alarms(plan("prod", "dbMaxAcu=8"))
    assert found["db-acu"].get("dimensions") == {"DBClusterIdentifier": "fullstack-prod-db"}
    assert found["db-acu"].get("treatMissingData") == "notBreaching", "a paused database is fine"


def test_cache_alarms_watch_every_node(plan: PlanFn) -> None:
    found = alarms(plan("prod", "redisNodes=2"))
    assert found["cache-2-evictions"].get("dimensions") == {
        "CacheClusterId": "fullstack-prod-cache-002"
    }
    assert "cache-1-cpu" not in alarms(plan("dev", "alarms=true", "ingress=alb"))


def test_dashboard_is_a_dial_off_in_the_lab(plan: PlanFn) -> None:
    assert plan("dev").of_type("aws:cloudwatch/dashboard:Dashboard") == []
    assert len(plan("dev", "dashboard=true").of_type("aws:cloudwatch/dashboard:Dashboard")) == 1


def test_dashboard_covers_alb_services_database_and_cache(plan: PlanFn) -> None:
    (dashboard,) = plan("prod", "dashboard=true").of_type("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.get("dashboardName") == "fullstack-prod"
    body = json.loads(dashboard.get("dashboardBody"))
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert any("Load balancer" in t for t in titles)
    assert any("Aurora" in t for t in titles) and any("Redis" in t for t in titles)
    metrics = json.dumps(body)
    assert "fullstack-prod-cluster" in metrics and "fullstack-prod-db" in metrics
    for widget in body["widgets"]:
        assert widget["properties"]["region"] == "us-east-1"
        assert widget["properties"]["metrics"], widget["properties"]["title"]


def test_the_lab_without_an_address_pays_for_no_alarm_no_topic_and_no_key(plan: PlanFn) -> None:
    """Nothing that costs money and serves no one: without alarmEmail the lab has no topic,
    no KMS key and no service alarm; the NAT instance's recovery alarms stay (they act)."""
    lab = plan("dev")
    assert lab.of_type(TOPIC) == [] and lab.of_type("aws:kms/key:Key") == []
    assert alarms(lab) == {}
    recovery = [a for a in lab.of_type(ALARM) if not a.name.startswith("monitoring-")]
    actions = {json.dumps(a.get("alarmActions")) for a in recovery}
    assert recovery and all(":ec2:re" in action for action in actions), actions
    emailed = plan("dev", "alarmEmail=ops@example.com")
    assert len(emailed.of_type(TOPIC)) == 1 and alarms(emailed)


def test_alarm_email_with_alarms_off_is_refused(plan: PlanFn) -> None:
    from stackctl.harness import ProgramError

    with pytest.raises(ProgramError, match="alarmEmail is set"):
        plan("dev", "alarms=false", "alarmEmail=ops@example.com")
