"""Autoscaling on CPU for the load-balanced services, and the sleep schedule."""

from __future__ import annotations

from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn

TARGET = "aws:appautoscaling/target:Target"
POLICY = "aws:appautoscaling/policy:Policy"
SCHEDULE = "aws:appautoscaling/scheduledAction:ScheduledAction"


def targets(graph: Graph) -> dict[str, Resource]:
    return {t.get("resourceId").rsplit("/", 1)[1]: t for t in graph.of_type(TARGET)}


def test_no_scaling_without_autoscaling_or_sleep(plan: PlanFn) -> None:
    graph = plan("dev")
    assert graph.of_type(TARGET) == graph.of_type(POLICY) == graph.of_type(SCHEDULE) == []


def test_load_balanced_services_track_cpu_between_min_and_max(plan: PlanFn) -> None:
    graph = plan("prod", "@imageTag=abc1234")
    found = targets(graph)
    assert set(found) == {"api", "web"}, "the worker has no load balancer and no CPU target"
    for name, target in found.items():
        assert target.get("resourceId") == f"service/fullstack-prod-cluster/{name}"
        assert target.get("scalableDimension") == "ecs:service:DesiredCount"
        assert (target.get("minCapacity"), target.get("maxCapacity")) == (2, 4)
    for policy in graph.of_type(POLICY):
        config = policy.get("targetTrackingScalingPolicyConfiguration")
        assert policy.get("policyType") == "TargetTrackingScaling"
        assert config["targetValue"] == 70
        assert config["predefinedMetricSpecification"]["predefinedMetricType"] == (
            "ECSServiceAverageCPUUtilization"
        )
        assert (config["scaleOutCooldown"], config["scaleInCooldown"]) == (60, 300)
        assert config["disableScaleIn"] is False
    assert {p.get("resourceId") for p in graph.of_type(POLICY)} == {
        t.get("resourceId") for t in found.values()
    }


def test_parked_services_are_held_at_zero_by_the_scaler(plan: PlanFn) -> None:
    for target in targets(plan("prod")).values():
        assert (target.get("minCapacity"), target.get("maxCapacity")) == (0, 0)


def test_min_and_max_come_from_settings(plan: PlanFn) -> None:
    graph = plan("prod", "@imageTag=abc1234", 'api={"minCount": 3, "count": 3, "maxCount": 9}')
    api = targets(graph)["api"]
    assert (api.get("minCapacity"), api.get("maxCapacity")) == (3, 9)


def test_sleep_scales_every_service_to_zero_outside_working_hours(plan: PlanFn) -> None:
    graph = plan(
        "dev",
        "images=registry",
        "@imageTag=abc1234",
        "worker.enabled=true",
        "sleep=weekdays 08-20 Europe/Berlin",
    )
    found = targets(graph)
    assert set(found) == {"api", "web", "worker"}
    for target in found.values():
        assert (target.get("minCapacity"), target.get("maxCapacity")) == (1, 1), "pinned at count"
    actions = graph.of_type(SCHEDULE)
    assert len(actions) == 6
    for action in actions:
        assert action.get("timezone") == "Europe/Berlin"
        limits = action.get("scalableTargetAction")
        if action.name.endswith("-sleep"):
            assert action.get("schedule") == "cron(0 20 ? * MON-FRI *)"
            assert (limits["minCapacity"], limits["maxCapacity"]) == (0, 0)
        else:
            assert action.get("schedule") == "cron(0 8 ? * MON-FRI *)"
            assert (limits["minCapacity"], limits["maxCapacity"]) == (1, 1)
        assert action.get("resourceId") in {t.get("resourceId") for t in found.values()}


def test_sleep_every_day_uses_every_day_of_the_week(plan: PlanFn) -> None:
    graph = plan("dev", "images=registry", "@imageTag=abc1234", "sleep=daily 07-22")
    schedules = {a.get("schedule") for a in graph.of_type(SCHEDULE)}
    assert schedules == {"cron(0 22 ? * * *)", "cron(0 7 ? * * *)"}
    assert {a.get("timezone") for a in graph.of_type(SCHEDULE)} == {"UTC"}
