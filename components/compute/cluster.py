"""Cluster: the ECS cluster the services run in, with both Fargate capacity providers.

Creates:
1. an ECS cluster, Container Insights on or off per `container_insights`;
2. an `aws.ecs.ClusterCapacityProviders` attaching FARGATE and FARGATE_SPOT, with a default
   strategy of FARGATE_SPOT when `fargate_spot` else FARGATE (services set their own strategy
   too; every service must depend on this resource, aws-facts#launch-type-or-strategy).

Inputs (ClusterArgs, defaults in brackets): cluster_name, container_insights [False],
fargate_spot [False].

Cost (us-east-1, 2026-11): the cluster is free; Container Insights bills its metrics
(per metric-month; not in prices/prices.yaml: unpriced); tasks are priced per service.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.kit.component import Component, ComponentArgs

FARGATE = "FARGATE"
FARGATE_SPOT = "FARGATE_SPOT"


@dataclass(frozen=True)
class ClusterArgs(ComponentArgs):
    cluster_name: str
    """Required: the ECS cluster's name, `<project>-<stack>`."""
    container_insights: bool = False
    """Turn on Container Insights (task-level metrics). Cost: its custom metrics, per
    metric-month (unpriced: not in prices/prices.yaml)."""
    fargate_spot: bool = False
    """The cluster's default capacity provider strategy is FARGATE_SPOT instead of FARGATE
    (services set their own strategy too)."""


class Cluster(Component):
    """An ECS cluster for Fargate and Fargate Spot."""

    cluster: aws.ecs.Cluster
    capacity_providers: aws.ecs.ClusterCapacityProviders

    def __init__(
        self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:cluster:Cluster", name, args.transform, opts)
        self.args = args
        self.cluster = self._create_cluster()
        self.capacity_providers = self._attach_capacity_providers()
        self._finish({"clusterName": self.cluster.name, "clusterArn": self.cluster.arn})

    @property
    def name(self) -> pulumi.Output[str]:
        return self.cluster.name

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.cluster.arn

    def exports(self) -> dict[str, object]:
        """Its stack outputs: the cluster's name."""
        return {"clusterName": self.cluster.name}

    def _create_cluster(self) -> aws.ecs.Cluster:
        return aws.ecs.Cluster(
            f"{self._name}-cluster",
            aws.ecs.ClusterArgs(
                name=self.args.cluster_name,
                settings=[
                    aws.ecs.ClusterSettingArgs(
                        name="containerInsights",
                        value="enabled" if self.args.container_insights else "disabled",
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
        )

    def _attach_capacity_providers(self) -> aws.ecs.ClusterCapacityProviders:
        default = FARGATE_SPOT if self.args.fargate_spot else FARGATE
        return aws.ecs.ClusterCapacityProviders(
            f"{self._name}-capacity",
            aws.ecs.ClusterCapacityProvidersArgs(
                cluster_name=self.cluster.name,
                capacity_providers=[FARGATE, FARGATE_SPOT],
                default_capacity_provider_strategies=[
                    aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                        capacity_provider=default, weight=1, base=0
                    )
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
