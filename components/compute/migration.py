"""MigrationTask: a one-off task definition that runs the database migrations.

Creates:
1. a task definition (family `<api family>-migrate`) with the api image and the api's
   environment, secrets, execution role, task role and log group (stream prefix `migrate`), whose
   command is `alembic upgrade head` (configurable) and which has no port and no health check.
   It has the api's read-only root and volumes (`/tmp`, and the ECS Exec agent's paths where
   `ecsExec` is on, so `run-task --enable-execute-command` works on it too).

It reuses the api's security group and private subnets: `network_configuration` is the
`awsvpcConfiguration` that `aws ecs run-task` takes (no public IP, aws-facts#run-task-network), and
`capacity_provider_strategy` the strategy to pass with it: on-demand FARGATE, whatever the api
uses (a one-off task has no scheduler to replace it after a Spot interruption), never together
with a launch type (aws-facts#launch-type-or-strategy). Run it, wait until STOPPED and check the
container's exit code:

    aws ecs run-task --cluster <cluster> --task-definition <family> \
      --network-configuration '<network_configuration as JSON>' \
      --capacity-provider-strategy capacityProvider=FARGATE,weight=1

`run_once(...)` adds the step that runs it during `pulumi up` (components/release_steps.py,
MigrationRun): once per task definition revision, after the image exists (the revision names
it) and before the services roll out (they depend on the run), failing the `up` with the exit
code and the last log lines. `stackctl migrate` runs it by hand, with the same code.

Inputs (MigrationTaskArgs, defaults in brackets): family, command [["alembic", "upgrade",
"head"]], subnet_ids.

Cost: the task runs for the seconds a migration takes (the `fargate.ondemand.*`
price lines); the task definition itself is free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.compute.fargate_service import FargateService, task_definition_args
from components.kit.transforms import ChildTransforms, Transform
from components.release_steps import ON_DEMAND, MigrationRun

DEFAULT_MIGRATION_COMMAND: tuple[str, ...] = ("alembic", "upgrade", "head")
MIGRATION_CONTAINER = "migrate"


@dataclass(frozen=True)
class MigrationTaskArgs:
    family: str
    """Required: the task definition family, `<api family>-migrate`."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Required: the private subnets `run-task` places the task in."""
    command: Sequence[str] = DEFAULT_MIGRATION_COMMAND
    """The migration command. Cost: the task runs only for the migration's seconds (on-demand
    Fargate)."""
    transform: Mapping[str, Transform] = field(default_factory=dict)
    """Child label -> function that receives the child's resource arguments (as the keyword
    arguments pulumi_aws takes, snake_case) and returns them changed (components/kit/transforms.py).
    Default {}: every child as the component builds it."""


class MigrationTask(pulumi.ComponentResource):
    """The api image with the migration command, ready for `aws ecs run-task`."""

    task_definition: aws.ecs.TaskDefinition
    network_configuration: pulumi.Output[dict[str, Any]]
    capacity_provider_strategy: list[dict[str, Any]]

    def __init__(
        self,
        name: str,
        args: MigrationTaskArgs,
        api: FargateService,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        self._child_transforms = ChildTransforms(name, args.transform)
        super().__init__(
            "fullstack:service:MigrationTask", name, None, self._child_transforms.options(opts)
        )
        self._name = name
        self.args = args
        self.container_name = MIGRATION_CONTAINER
        # Its logs go to the api's log group (stream prefix `migrate/`): the api's execution role
        # may write there, and one place holds what the api image printed.
        self.log_group_name: pulumi.Output[str] = api.log_group.name
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            task_definition_args(
                api.args,
                family=args.family,
                container_definitions=api.container_definitions(
                    MIGRATION_CONTAINER, list(args.command), "migrate", serves_traffic=False
                ),
                execution_role_arn=api.execution_role.arn,
                task_role_arn=api.task_role.arn,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.network_configuration = pulumi.Output.all(
            list(args.subnet_ids), api.security_group.id
        ).apply(
            lambda values: {
                "awsvpcConfiguration": {
                    "subnets": values[0],
                    "securityGroups": [values[1]],
                    "assignPublicIp": "DISABLED",
                }
            }
        )
        # on-demand Fargate whatever the api runs on: a one-off run is not retried by a
        # service scheduler, so a Spot interruption would fail it (and the `up`)
        self.capacity_provider_strategy = [dict(item) for item in ON_DEMAND]
        self._child_transforms.check()
        self.register_outputs(
            {
                "family": self.task_definition.family,
                "networkConfiguration": self.network_configuration,
            }
        )

    @property
    def family(self) -> pulumi.Output[str]:
        return self.task_definition.family

    def run_once(
        self,
        *,
        account: Mapping[str, Any],
        cluster: pulumi.Input[str],
        nat_instance_ids: Sequence[pulumi.Input[str]] = (),
        depends_on: Sequence[pulumi.Resource] = (),
    ) -> MigrationRun:
        """The migration run of `pulumi up` (a child of this component): after the task
        definition (so the image) and `depends_on` (the database, the network, the rules that
        admit the task, the cluster's capacity providers), once per revision; it wakes the NAT
        instances `nat_instance_ids` when they sleep. `account`: components/kit/release_aws.py."""
        return MigrationRun(
            f"{self._name}-run",
            account=account,
            cluster=cluster,
            nat_instance_ids=nat_instance_ids,
            task_definition_arn=self.task_definition.arn,
            container_name=self.container_name,
            network_configuration=self.network_configuration,
            log_group_name=self.log_group_name,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[self.task_definition, *depends_on]
            ),
        )
