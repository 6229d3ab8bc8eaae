"""Scaling: CPU target tracking for the load-balanced services, and sleep mode.

Creates, per service that needs it:
1. an Application Auto Scaling target on the service's desired count: between `min_count` and
   `max_count` with autoscaling, pinned at `count` when only sleep mode uses it;
2. with autoscaling (load-balanced services): a target tracking policy on average CPU (70% by
   default) that scales out after 60 s and in after 300 s of cooldown (scale-in stays enabled);
3. with a sleep schedule: two scheduled actions, one that sets min and max to 0 when the working
   hours end and one that restores them when they begin (in the schedule's time zone).

The services ignore drift of their desired count whenever a scalable target owns it, so a
`pulumi up` never fights the scaler (or wakes a sleeping stack).

Inputs (ScalingArgs): cluster_name, services (ScaledService each: label, service_name, count,
min_count, max_count, target_tracking), sleep [None], cpu_target [70],
scale_out_cooldown [60], scale_in_cooldown [300].

Cost: Application Auto Scaling is free; it changes what Fargate bills. Sleep mode on
`weekdays 08-20` keeps tasks up 60 of 168 hours a week: 64% off the services' Fargate bill.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config.values import SleepSchedule
from components.kit.component import Component, ComponentArgs


@dataclass(frozen=True)
class ScaledService:
    label: str
    service_name: pulumi.Input[str]
    count: int
    min_count: int
    max_count: int
    target_tracking: bool


@dataclass(frozen=True)
class ScalingArgs(ComponentArgs):
    cluster_name: pulumi.Input[str]
    """Required: the ECS cluster's name (scalable targets are `service/<cluster>/<service>`)."""
    services: Sequence[ScaledService]
    """Required: the services to scale (one ScaledService each)."""
    sleep: SleepSchedule | None = None
    """Schedule that sets the services to 0 outside working hours. None: always awake. Cost:
    `weekdays 08-20` saves 64% of the services' Fargate bill."""
    cpu_target: float = 70.0
    """Average CPU percent the target tracking policy holds."""
    scale_out_cooldown: int = 60
    """Seconds after a scale-out before another."""
    scale_in_cooldown: int = 300
    """Seconds after a scale-in before another."""


def owns_desired_count(target_tracking: bool, sleep: SleepSchedule | None) -> bool:
    """Whether a scalable target will manage a service's desired count."""
    return target_tracking or sleep is not None


class Scaling(Component):
    """Scalable targets, CPU policies and sleep schedules."""

    targets: dict[str, aws.appautoscaling.Target]
    policies: dict[str, aws.appautoscaling.Policy]
    schedules: dict[str, list[aws.appautoscaling.ScheduledAction]]

    def __init__(
        self, name: str, args: ScalingArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:scaling:Scaling", name, args.transform, opts)
        self.args = args
        self.targets, self.policies, self.schedules = {}, {}, {}
        for service in args.services:
            if not owns_desired_count(service.target_tracking, args.sleep):
                continue
            target = self._create_target(service)
            self.targets[service.label] = target
            if service.target_tracking:
                self.policies[service.label] = self._create_cpu_policy(service, target)
            if args.sleep is not None:
                self.schedules[service.label] = self._create_schedule(service, target, args.sleep)
        self._finish({})

    def _create_target(self, service: ScaledService) -> aws.appautoscaling.Target:
        low, high = (
            (service.min_count, service.max_count)
            if service.target_tracking
            else (service.count, service.count)
        )
        resource_id = pulumi.Output.concat(
            "service/", self.args.cluster_name, "/", service.service_name
        )
        return aws.appautoscaling.Target(
            f"{self._name}-{service.label}",
            aws.appautoscaling.TargetArgs(
                service_namespace="ecs",
                scalable_dimension="ecs:service:DesiredCount",
                resource_id=resource_id,
                min_capacity=low,
                max_capacity=high,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_cpu_policy(
        self, service: ScaledService, target: aws.appautoscaling.Target
    ) -> aws.appautoscaling.Policy:
        return aws.appautoscaling.Policy(
            f"{self._name}-{service.label}-cpu",
            aws.appautoscaling.PolicyArgs(
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    target_value=self.args.cpu_target,
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type="ECSServiceAverageCPUUtilization"
                    ),
                    scale_in_cooldown=self.args.scale_in_cooldown,
                    scale_out_cooldown=self.args.scale_out_cooldown,
                    disable_scale_in=False,
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_schedule(
        self, service: ScaledService, target: aws.appautoscaling.Target, sleep: SleepSchedule
    ) -> list[aws.appautoscaling.ScheduledAction]:
        awake = (
            (service.min_count, service.max_count)
            if service.target_tracking
            else (service.count, service.count)
        )
        actions = []
        for moment, hour, (low, high) in (
            ("sleep", sleep.sleep_hour, (0, 0)),
            ("wake", sleep.wake_hour, awake),
        ):
            actions.append(
                aws.appautoscaling.ScheduledAction(
                    f"{self._name}-{service.label}-{moment}",
                    aws.appautoscaling.ScheduledActionArgs(
                        service_namespace=target.service_namespace,
                        scalable_dimension=target.scalable_dimension,
                        resource_id=target.resource_id,
                        schedule=f"cron(0 {hour} ? * {sleep.cron_days} *)",
                        timezone=sleep.timezone,
                        scalable_target_action=aws.appautoscaling.ScheduledActionScalableTargetActionArgs(
                            min_capacity=low, max_capacity=high
                        ),
                    ),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        return actions
