"""Monitoring: alarms to an encrypted SNS topic, and one CloudWatch dashboard.

Creates:
1. a customer-managed KMS key (rotation on) and an SNS topic encrypted with it. CloudWatch can
   publish to an encrypted topic only when the key policy lets `cloudwatch.amazonaws.com` use the
   key, which the AWS-managed `alias/aws/sns` key does not: hence our own key (`kms.key.month`);
2. an email subscription when `alarm_email` is set (AWS sends a confirmation mail first);
3. alarms, each with the topic as alarm and OK action and explicit missing-data handling:
   - load balancer: ELB 5xx and target 5xx counts;
   - per target group: unhealthy hosts, p95 target response time;
   - per service: CPU and memory high, running tasks below desired (not for services parked at 0
     tasks). With Container Insights the alarm compares RunningTaskCount with DesiredTaskCount
     (metric math), so it follows the scaler and a sleep schedule on its own. Without it, the
     running tasks are the sample count of the service's CPU metric (one sample per running
     task and minute) against the configured count; with a sleep schedule that comparison only
     counts during the working hours (metric math on the datapoints' UTC hour and weekday, see
     components/operations/sleep_window.py), otherwise it would fire every night and weekend;
   - Aurora: ACU utilization high, connections near the limit (Aurora's default
     `max_connections` at the stack's ACU range, components/config/db_budget.py, the same figure
     the tasks' pools are sized from; the alarm fires at 80% of it). A paused
     database sends no data: missing data is "not breaching";
   - Redis (when on): engine CPU high, any evictions;
4. with `dashboard`: a dashboard with the load balancer, the services, the database and the
   cache (`cloudwatch.dashboard.month` after the account's first three; the lab leaves it out
   and uses CloudWatch's free automatic dashboards).

Inputs (MonitoringArgs): name_prefix, region, alarm_email [None], load_balancer_arn_suffix,
cluster_name, services (ServiceWatch per service), container_insights [False], dashboard [True],
db_cluster_identifier, db_max_acu, cache_node_ids [()], sleep [None].

Cost (prices/prices.yaml): KMS key `kms.key.month`; alarms `cloudwatch.alarm.month` each after the
account's first 10 free (about 20 here); dashboard `cloudwatch.dashboard.month` after the
account's first 3 free; SNS email free
for the first 1,000 a month.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pulumi
import pulumi_aws as aws

from components.config.db_budget import max_connections
from components.config.values import SleepSchedule
from components.kit.component import Component, ComponentArgs
from components.operations.sleep_window import awake_condition, awake_utc_slots

FIVE_MINUTES = 300


@dataclass(frozen=True)
class ServiceWatch:
    """What to watch of one ECS service."""

    label: str
    service_name: pulumi.Input[str]
    desired_count: int
    target_group_arn_suffix: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class MonitoringArgs(ComponentArgs):
    name_prefix: str
    """Required: `<project>-<stack>`, the prefix of alarm, topic and dashboard names."""
    region: str
    """Required: the region the dashboard's widgets read."""
    load_balancer_arn_suffix: pulumi.Input[str] | None
    """Required: the ALB's ARN suffix, the dimension of its metrics; None without a load
    balancer (the HTTP API ingress): no ALB or target group alarms."""
    cluster_name: pulumi.Input[str]
    """Required: the ECS cluster's name, the dimension of the services' metrics."""
    services: Sequence[ServiceWatch]
    """Required: one ServiceWatch per service (alarms per service and target group)."""
    db_cluster_identifier: pulumi.Input[str]
    """Required: the Aurora cluster's identifier, the dimension of its metrics."""
    db_min_acu: float
    """Required: the database's minimum ACUs (with the maximum, Aurora's connection limit)."""
    db_max_acu: float
    """Required: the database's maximum ACUs (the connections alarm's limit follows from it)."""
    alarm_email: str | None = None
    """Address subscribed to the alarm topic (AWS mails a confirmation first). None: no
    subscription."""
    alarms: bool = True
    """False: no topic, key or alarms (nothing would receive them; the lab without an address)."""
    container_insights: bool = False
    """Container Insights is on: the running-tasks alarms compare running with desired tasks."""
    dashboard: bool = True
    """Create the CloudWatch dashboard. Cost: `cloudwatch.dashboard.month` after the first three."""
    cache_node_ids: Sequence[pulumi.Input[str]] = field(default_factory=tuple)
    """The cache's node ids: one CPU and one evictions alarm each. Empty: no cache alarms."""
    sleep: SleepSchedule | None = None
    """The services' sleep schedule: running-tasks alarms count only awake hours. None: always
    awake."""


@dataclass(frozen=True)
class _Query:
    """One entry of a metric math alarm: a metric (`metric` set) or an expression."""

    id: str
    expression: str | None = None
    namespace: str | None = None
    metric: str | None = None
    dimensions: dict[str, pulumi.Input[str]] = field(default_factory=dict)
    statistic: str = "Average"
    returned: bool = False


@dataclass(frozen=True)
class _Alarm:
    key: str
    description: str
    namespace: str
    metric: str
    dimensions: dict[str, pulumi.Input[str]]
    comparison: str
    threshold: float
    statistic: str | None = "Sum"
    extended_statistic: str | None = None
    period: int = FIVE_MINUTES
    evaluation_periods: int = 1
    missing: str = "notBreaching"
    queries: tuple[_Query, ...] = ()


class Monitoring(Component):
    """Alarm topic, alarms and dashboard."""

    key: aws.kms.Key | None
    topic: aws.sns.Topic | None
    alarms: dict[str, aws.cloudwatch.MetricAlarm]
    dashboard: aws.cloudwatch.Dashboard | None

    def __init__(
        self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:monitoring:Monitoring", name, args.transform, opts)
        self.args = args
        # Without alarms (the lab without alarmEmail) there is nothing to notify: no topic, no
        # key, no alarm billed every month that no one receives.
        self.key = self._create_key() if args.alarms else None
        self.topic = self._create_topic() if args.alarms else None
        self.alarms = {}
        for alarm in self._alarm_definitions() if args.alarms else ():
            if args.load_balancer_arn_suffix is None and alarm.namespace == "AWS/ApplicationELB":
                continue
            self.alarms[alarm.key] = self._create_alarm(alarm)
        self.dashboard = self._create_dashboard() if args.dashboard else None
        self._finish({"topicArn": self.topic.arn if self.topic else ""})

    # -- topic ---------------------------------------------------------------------------------

    def _create_key(self) -> aws.kms.Key:
        account = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self)).account_id
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AccountAdministers",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                },
                {
                    "Sid": "CloudWatchPublishesAlarms",
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                },
            ],
        }
        key = aws.kms.Key(
            f"{self._name}-alarms",
            aws.kms.KeyArgs(
                description=f"{self.args.name_prefix}: encrypts the alarm topic",
                enable_key_rotation=True,
                deletion_window_in_days=7,
                policy=json.dumps(policy),
            ),
            opts=self._child(),
        )
        aws.kms.Alias(
            f"{self._name}-alarms",
            aws.kms.AliasArgs(
                name=f"alias/{self.args.name_prefix}-alarms", target_key_id=key.key_id
            ),
            opts=self._child(delete_before_replace=True),
        )
        return key

    def _create_topic(self) -> aws.sns.Topic:
        assert self.key is not None  # created just before, whenever there are alarms
        topic = aws.sns.Topic(
            f"{self._name}-alarms",
            aws.sns.TopicArgs(
                display_name=f"{self.args.name_prefix} alarms",
                kms_master_key_id=self.key.arn,
            ),
            opts=self._child(),
        )
        if self.args.alarm_email:
            aws.sns.TopicSubscription(
                f"{self._name}-email",
                aws.sns.TopicSubscriptionArgs(
                    topic=topic.arn, protocol="email", endpoint=self.args.alarm_email
                ),
                opts=self._child(),
            )
        return topic

    # -- alarms --------------------------------------------------------------------------------

    def _alarm_definitions(self) -> list[_Alarm]:
        args = self.args
        # (with no load balancer these ALB alarms are dropped by the caller)
        lb: dict[str, pulumi.Input[str]] = {"LoadBalancer": args.load_balancer_arn_suffix or ""}
        alarms = [
            _Alarm(
                "alb-5xx",
                "The load balancer itself answered 5xx (no healthy target, or it failed).",
                "AWS/ApplicationELB",
                "HTTPCode_ELB_5XX_Count",
                lb,
                "GreaterThanThreshold",
                10,
            ),
            _Alarm(
                "target-5xx",
                "The services answered more than 10 5xx responses in 5 minutes.",
                "AWS/ApplicationELB",
                "HTTPCode_Target_5XX_Count",
                lb,
                "GreaterThanThreshold",
                10,
            ),
        ]
        for service in args.services:
            alarms.extend(self._service_alarms(service, lb))
        alarms.extend(self._database_alarms())
        alarms.extend(self._cache_alarms())
        return alarms

    def _service_alarms(
        self, service: ServiceWatch, lb: dict[str, pulumi.Input[str]]
    ) -> list[_Alarm]:
        ecs = {"ClusterName": self.args.cluster_name, "ServiceName": service.service_name}
        alarms = [
            _Alarm(
                f"{service.label}-cpu",
                f"{service.label}: CPU above 85% for 15 minutes.",
                "AWS/ECS",
                "CPUUtilization",
                ecs,
                "GreaterThanThreshold",
                85,
                statistic="Average",
                evaluation_periods=3,
            ),
            _Alarm(
                f"{service.label}-memory",
                f"{service.label}: memory above 85% for 15 minutes.",
                "AWS/ECS",
                "MemoryUtilization",
                ecs,
                "GreaterThanThreshold",
                85,
                statistic="Average",
                evaluation_periods=3,
            ),
        ]
        if service.desired_count > 0:
            alarms.append(self._running_alarm(service, ecs))
        if service.target_group_arn_suffix is not None:
            group = {**lb, "TargetGroup": service.target_group_arn_suffix}
            alarms.append(
                _Alarm(
                    f"{service.label}-unhealthy",
                    f"{service.label}: at least one target failed its health check for 3 minutes.",
                    "AWS/ApplicationELB",
                    "UnHealthyHostCount",
                    group,
                    "GreaterThanThreshold",
                    0,
                    statistic="Maximum",
                    period=60,
                    evaluation_periods=3,
                )
            )
            alarms.append(
                _Alarm(
                    f"{service.label}-p95",
                    f"{service.label}: p95 response time above 1.5 s for 15 minutes.",
                    "AWS/ApplicationELB",
                    "TargetResponseTime",
                    group,
                    "GreaterThanThreshold",
                    1.5,
                    statistic=None,
                    extended_statistic="p95",
                    evaluation_periods=3,
                )
            )
        return alarms

    def _running_alarm(self, service: ServiceWatch, ecs: dict[str, pulumi.Input[str]]) -> _Alarm:
        """Fewer tasks running than desired, for 5 minutes."""
        key, sleep = f"{service.label}-running", self.args.sleep
        if self.args.container_insights:
            # ECS reports both counts: no threshold to keep in step with scaling or sleep.
            insights = "ECS/ContainerInsights"
            return _Alarm(
                key,
                f"{service.label}: fewer tasks running than desired for 5 minutes.",
                insights,
                "RunningTaskCount",
                ecs,
                "GreaterThanThreshold",
                0,
                period=60,
                evaluation_periods=5,
                missing="notBreaching" if sleep else "breaching",
                queries=(
                    _Query("running", namespace=insights, metric="RunningTaskCount",
                           dimensions=ecs),
                    _Query("desired", namespace=insights, metric="DesiredTaskCount",
                           dimensions=ecs),
                    _Query("missing", "FILL(desired, 0) - FILL(running, 0)", returned=True),
                ),
            )  # fmt: skip
        if sleep is None:
            return _Alarm(
                key,
                f"{service.label}: fewer than {service.desired_count} running tasks for "
                "5 minutes (no data means no task is running).",
                "AWS/ECS",
                "CPUUtilization",
                ecs,
                "LessThanThreshold",
                service.desired_count,
                statistic="SampleCount",
                period=60,
                evaluation_periods=5,
                missing="breaching",
            )
        # Outside the working hours the expression answers the desired count itself, so the
        # alarm cannot fire while the stack sleeps.
        awake = awake_condition("tasks", awake_utc_slots(sleep, datetime.now(UTC).year))
        return _Alarm(
            key,
            f"{service.label}: fewer than {service.desired_count} running tasks for 5 minutes "
            f"during the working hours ({sleep.days} {sleep.wake_hour:02d}-"
            f"{sleep.sleep_hour:02d} {sleep.timezone}).",
            "AWS/ECS",
            "CPUUtilization",
            ecs,
            "LessThanThreshold",
            service.desired_count,
            period=60,
            evaluation_periods=5,
            # A window with no datapoint at all has no time either: treated as not breaching.
            missing="notBreaching",
            queries=(
                _Query("samples", namespace="AWS/ECS", metric="CPUUtilization", dimensions=ecs,
                       statistic="SampleCount"),
                _Query("tasks", "FILL(samples, 0)"),
                _Query("awake", f"IF({awake}, tasks, {service.desired_count})", returned=True),
            ),
        )  # fmt: skip

    def _database_alarms(self) -> list[_Alarm]:
        db = {"DBClusterIdentifier": self.args.db_cluster_identifier}
        limit = max_connections(self.args.db_min_acu, self.args.db_max_acu)
        connections = round(0.8 * limit)
        return [
            _Alarm(
                "db-acu",
                "Aurora runs above 90% of its maximum capacity for 15 minutes: raise dbMaxAcu.",
                "AWS/RDS",
                "ACUUtilization",
                db,
                "GreaterThanThreshold",
                90,
                statistic="Average",
                evaluation_periods=3,
            ),
            _Alarm(
                "db-connections",
                f"Aurora has more than {connections} connections (80% of its limit of "
                f"{limit} at dbMinAcu/dbMaxAcu): raise dbMaxAcu or lower the pools.",
                "AWS/RDS",
                "DatabaseConnections",
                db,
                "GreaterThanThreshold",
                connections,
                statistic="Maximum",
                evaluation_periods=2,
            ),
        ]

    def _cache_alarms(self) -> list[_Alarm]:
        alarms = []
        for index, node in enumerate(self.args.cache_node_ids, start=1):
            node_dims = {"CacheClusterId": node}
            alarms.append(
                _Alarm(
                    f"cache-{index}-cpu",
                    f"Redis node {index}: engine CPU above 80% for 15 minutes.",
                    "AWS/ElastiCache",
                    "EngineCPUUtilization",
                    node_dims,
                    "GreaterThanThreshold",
                    80,
                    statistic="Average",
                    evaluation_periods=3,
                )
            )
            alarms.append(
                _Alarm(
                    f"cache-{index}-evictions",
                    f"Redis node {index} evicted keys: jobs may be lost; use a bigger node.",
                    "AWS/ElastiCache",
                    "Evictions",
                    node_dims,
                    "GreaterThanThreshold",
                    0,
                )
            )
        return alarms

    def _create_alarm(self, alarm: _Alarm) -> aws.cloudwatch.MetricAlarm:
        assert self.topic is not None  # alarms exist only with their topic
        single = not alarm.queries
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{alarm.key}",
            aws.cloudwatch.MetricAlarmArgs(
                name=f"{self.args.name_prefix}-{alarm.key}",
                alarm_description=alarm.description,
                namespace=alarm.namespace if single else None,
                metric_name=alarm.metric if single else None,
                dimensions=alarm.dimensions if single else None,
                statistic=alarm.statistic if single else None,
                extended_statistic=alarm.extended_statistic,
                period=alarm.period if single else None,
                metric_queries=[self._query(q, alarm.period) for q in alarm.queries] or None,
                evaluation_periods=alarm.evaluation_periods,
                threshold=alarm.threshold,
                comparison_operator=alarm.comparison,
                treat_missing_data=alarm.missing,
                alarm_actions=[self.topic.arn],
                ok_actions=[self.topic.arn],
            ),
            opts=self._child(delete_before_replace=True),
        )

    @staticmethod
    def _query(query: _Query, period: int) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        if query.expression is not None:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query.id, expression=query.expression, return_data=query.returned
            )
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query.id,
            return_data=query.returned,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=query.namespace,
                metric_name=str(query.metric),
                dimensions=query.dimensions,
                period=period,
                stat=query.statistic,
            ),
        )

    # -- dashboard -----------------------------------------------------------------------------

    def _create_dashboard(self) -> aws.cloudwatch.Dashboard:
        args = self.args
        inputs: dict[str, Any] = {
            "lb": args.load_balancer_arn_suffix,
            "cluster": args.cluster_name,
            "db": args.db_cluster_identifier,
            "services": [s.service_name for s in args.services],
            "groups": [s.target_group_arn_suffix or "" for s in args.services],
            "nodes": list(args.cache_node_ids),
        }
        body = pulumi.Output.all(**inputs).apply(lambda v: json.dumps(self._dashboard_body(v)))
        return aws.cloudwatch.Dashboard(
            f"{self._name}-dashboard",
            aws.cloudwatch.DashboardArgs(dashboard_name=args.name_prefix, dashboard_body=body),
            opts=self._child(delete_before_replace=True),
        )

    def _dashboard_body(self, values: dict[str, Any]) -> dict[str, Any]:
        region = self.args.region
        labels = [s.label for s in self.args.services]

        def widget(
            title: str, metrics: list[list[Any]], x: int, y: int, stat: str = "Sum"
        ) -> dict[str, Any]:
            return {
                "type": "metric",
                "x": x,
                "y": y,
                "width": 12,
                "height": 6,
                "properties": {
                    "title": title,
                    "region": region,
                    "stat": stat,
                    "period": 300,
                    "view": "timeSeries",
                    "metrics": metrics,
                },
            }

        lb = values["lb"]
        alb = "AWS/ApplicationELB"
        widgets = [
            widget(
                "Load balancer: requests and errors",
                [
                    [alb, "RequestCount", "LoadBalancer", lb],
                    [alb, "HTTPCode_Target_5XX_Count", "LoadBalancer", lb],
                    [alb, "HTTPCode_ELB_5XX_Count", "LoadBalancer", lb],
                    [alb, "HTTPCode_Target_4XX_Count", "LoadBalancer", lb],
                ],
                0,
                0,
            ),
            widget(
                "Response time p95 by target group",
                [
                    [
                        alb,
                        "TargetResponseTime",
                        "TargetGroup",
                        group,
                        "LoadBalancer",
                        lb,
                        {"label": label},
                    ]
                    for label, group in zip(labels, values["groups"], strict=True)
                    if group
                ],
                12,
                0,
                stat="p95",
            ),
            widget(
                "Services: CPU %",
                [
                    [
                        "AWS/ECS",
                        "CPUUtilization",
                        "ClusterName",
                        values["cluster"],
                        "ServiceName",
                        name,
                        {"label": label},
                    ]
                    for label, name in zip(labels, values["services"], strict=True)
                ],
                0,
                6,
                stat="Average",
            ),
            widget(
                "Services: memory %",
                [
                    [
                        "AWS/ECS",
                        "MemoryUtilization",
                        "ClusterName",
                        values["cluster"],
                        "ServiceName",
                        name,
                        {"label": label},
                    ]
                    for label, name in zip(labels, values["services"], strict=True)
                ],
                12,
                6,
                stat="Average",
            ),
            widget(
                "Aurora: capacity (ACU) and connections",
                [
                    ["AWS/RDS", "ServerlessDatabaseCapacity", "DBClusterIdentifier", values["db"]],
                    [
                        "AWS/RDS",
                        "DatabaseConnections",
                        "DBClusterIdentifier",
                        values["db"],
                        {"yAxis": "right"},
                    ],
                ],
                0,
                12,
                stat="Maximum",
            ),
        ]
        if values["nodes"]:
            widgets.append(
                widget(
                    "Redis: engine CPU % and evictions",
                    [
                        metric
                        for node in values["nodes"]
                        for metric in (
                            ["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", node],
                            [
                                "AWS/ElastiCache",
                                "Evictions",
                                "CacheClusterId",
                                node,
                                {"yAxis": "right"},
                            ],
                        )
                    ],
                    12,
                    12,
                    stat="Maximum",
                )
            )
        return {"widgets": widgets}
