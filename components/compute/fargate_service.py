"""FargateService: one container on ECS Fargate, with its own roles, logs and security group.

One per service of app/contract.json (the wiring builds them from components/config/services.py),
and, through `container_definitions`, the migration task.

Creates:
1. a CloudWatch log group (`retention_days`, one of CloudWatch's values, aws-facts#log-retention);
2. an *execution role* (used by ECS to start the task) that may pull from exactly the given
   ECR repositories, write to exactly this log group and read exactly the secrets the task
   injects (no `*` resource except `ecr:GetAuthorizationToken`, which accepts no other);
3. a *task role* (used by the app) with only `task_policy_statements`, plus `ssmmessages`
   when `ecs_exec` is on (those four actions accept only `*`). Two different roles;
4. a security group whose only rule of its own is egress 443 to anywhere (ECR, AWS APIs via
   NAT or endpoints); every group-to-group pair (the load balancer to the container port, the
   tasks to the database, the cache or the load balancer) is made by `components.kit.links.connect`
   from the service's `entry` (its container port) or `source`;
5. a task definition: awsvpc, FARGATE, cpu/memory (a valid pair, aws-facts#fargate-sizes), CPU
   architecture, the image, user `user` (non-root), a read-only root file system with a
   writable `/tmp` volume (plus the ECS Exec agent's three paths when `ecs_exec` is on), a
   container health check, plain `environment` and `secrets`
   (`valueFrom` full ARNs, `<arn>:<json-key>::` for keys, aws-facts#secret-json-key);
6. a service in private subnets without public IPs, with a capacity provider strategy (Spot per
   `spot`, `on_demand_base` tasks on FARGATE first), the deployment circuit breaker with
   rollback, a health check grace period (load-balanced services only,
   aws-facts#grace-period), ECS Exec per `ecs_exec`, `ignore_changes` on `desiredCount` with
   autoscaling, and `depends_on` the listener rules using its target group and the cluster's
   capacity providers (aws-facts#service-after-listener, aws-facts#launch-type-or-strategy).

Inputs (FargateServiceArgs, defaults in brackets): see the dataclass; the important defaults are
user ["10001"], health_check_grace_seconds [120: start-up ~30 s plus Aurora resume ~15 s plus
margin], on_demand_base [0], command [None: the image's CMD].

Cost: per task, its vCPU and GB hours at the `fargate.<ondemand|spot>.<arch>.vcpu_hour` and
`.gb_hour` lines of prices/prices.yaml (Spot about 70% less); logs at `logs.ingest.gb` and
`logs.storage.gb_month`. The figures: the cost tables of docs/costs.md (`python -m stackctl cost`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.compute.cluster import FARGATE, FARGATE_SPOT
from components.kit.component import Component, ComponentArgs
from components.kit.links import Endpoint, Source
from components.kit.naming import check_logical
from components.kit.roles import inline_policy, policy_document, service_role

ROLE = "aws:iam/role:Role"
TMP_VOLUME = "tmp"
# Writable paths on a read-only root, as (volume name, container path). Each volume is a Fargate
# bind mount (a task-definition volume with no host and no EFS/Docker configuration): task
# storage, empty at start, gone when the task stops. Fargate creates it owned by root with mode
# 0755 unless the image declares the same path with VOLUME, in which case the image's directory
# (and its owner) is copied in: so each image chowns /tmp to the app user and declares it
# (app/api/Dockerfile, app/web/Dockerfile; the app tests read that from the Dockerfiles).
WRITABLE_PATHS: tuple[tuple[str, str], ...] = ((TMP_VOLUME, "/tmp"),)
# ECS Exec bind-mounts the SSM agent under /managed-agents and the agent writes its state and
# logs under /var/lib/amazon/ssm and /var/log/amazon/ssm. The ECS developer guide lists a
# read-only root file system as unsupported with ECS Exec; the agent runs once these three paths
# are writable volumes (the workaround reported in aws/containers-roadmap#1359 and
# aws-containers/amazon-ecs-exec-checker#71). The agent runs as root, so root-owned 0755 volumes
# suit it. Only tasks with ECS Exec on get them.
ECS_EXEC_PATHS: tuple[tuple[str, str], ...] = (
    ("ecs-exec-agents", "/managed-agents"),
    ("ecs-exec-ssm-state", "/var/lib/amazon/ssm"),
    ("ecs-exec-ssm-logs", "/var/log/amazon/ssm"),
)
# Actions that accept no resource narrower than "*" (IAM service authorization reference).
STAR_ONLY_ACTIONS = frozenset(
    {
        "ecr:GetAuthorizationToken",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:CreateDataChannel",
        "ssmmessages:OpenControlChannel",
        "ssmmessages:OpenDataChannel",
    }
)
ECS_EXEC_ACTIONS = sorted(a for a in STAR_ONLY_ACTIONS if a.startswith("ssmmessages:"))


@dataclass(frozen=True)
class FargateServiceArgs(ComponentArgs):
    service_name: str
    """Required: the ECS service's name (from the service's spec)."""
    cluster_arn: pulumi.Input[str]
    """Required: the ECS cluster the service runs in."""
    capacity_providers: pulumi.Resource
    """Required: the cluster's capacity providers resource; the service depends on it."""
    vpc_id: pulumi.Input[str]
    """Required: the VPC of the service's security group."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Required: the private subnets the tasks run in (no public IP)."""
    image: pulumi.Input[str]
    """Required: the container image URI."""
    repository_arns: Sequence[pulumi.Input[str]]
    """Required: the ECR repositories the execution role may pull from."""
    log_group_name: str
    """Required: the service's log group name, `/<project>/<stack>/<service>`."""
    region: str
    """Required: the region of the awslogs driver."""
    cpu: int = 256
    """Task CPU units (256 = 0.25 vCPU), a valid pair with `memory`. Cost: the
    `fargate.*.vcpu_hour` price line, per task."""
    memory: int = 512
    """Task memory in MiB, a valid Fargate pair with `cpu`."""
    desired_count: int = 1
    """Tasks the service runs (0 parks it)."""
    cpu_architecture: str = "ARM64"
    """`ARM64` or `X86_64`. Cost: x86 is about 25% dearer (the
    `fargate.*.x86_64.*` price lines against `fargate.*.arm64.*`)."""
    command: Sequence[str] | None = None
    """The container's command. None: the image's CMD."""
    container_port: int | None = None
    """The port the container serves on. None: a worker without a port (then no
    `target_group_arn`)."""
    health_check_command: Sequence[str] | None = None
    """The container health check command. None: no container health check."""
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Plain environment variables of the container (never secrets)."""
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Environment variable -> `valueFrom`: a Secrets Manager secret's full ARN
    (`<arn>:<json-key>::` for a key) or an SSM parameter's ARN (the app's own secrets)."""
    secret_arns: Sequence[pulumi.Input[str]] = ()
    """The secrets the execution role may read (those `secrets` refer to)."""
    task_policy_statements: Sequence[pulumi.Input[Mapping[str, Any]]] = ()
    """IAM statements of the task role (what the app may call)."""
    target_group_arn: pulumi.Input[str] | None = None
    """The target group the service registers its tasks in. None: not load-balanced."""
    listener_rules: Sequence[pulumi.Resource] = ()
    """The listener rules forwarding to the target group; the service waits for them."""
    service_registries: aws.ecs.ServiceServiceRegistriesArgs | None = None
    """Cloud Map registration of the tasks (the HTTP API ingress finds them there). Default
    None: none."""
    retention_days: int = 7
    """Log retention in days (a value CloudWatch accepts). Cost: `logs.storage.gb_month` stored,
    `logs.ingest.gb` ingested."""
    spot: bool = False
    """Run on FARGATE_SPOT (after `on_demand_base` on-demand tasks). Cost: ~70% less; tasks can
    be interrupted."""
    on_demand_base: int = 0
    """With `spot`: tasks that always run on FARGATE first."""
    ecs_exec: bool = False
    """Allow ECS Exec (a shell in the task): `ssmmessages` on the task role and the agent's
    writable paths."""
    autoscaling: bool = False
    """A scaler owns the desired count: the service ignores its drift."""
    health_check_grace_seconds: int = 120
    """Load-balanced services: seconds the load balancer's failing checks are ignored after a
    task starts (start-up plus Aurora resume plus margin)."""
    user: str = "10001"
    """The container's user (non-root uid)."""
    read_only_root: bool = True
    """Read-only root file system; `/tmp` stays writable as a volume."""
    stop_timeout: int = 30
    """Seconds between SIGTERM and SIGKILL when a task stops (Fargate allows up to 120)."""
    family: str = ""
    """Task definition family; empty: `service_name`. Unique per stack in an account."""
    iam_path: str = "/"
    """IAM path of the task and execution roles."""
    depends_on: pulumi.Input[Sequence[pulumi.Resource]] = ()
    """What the ECS service (only it) waits for: the release steps of `pulumi up` (the migration
    run, the static files), so a new revision rolls out after them. May resolve later."""


class FargateService(Component):
    """A Fargate service with its log group, roles, security group and task definition."""

    log_group: aws.cloudwatch.LogGroup
    execution_role: aws.iam.Role
    task_role: aws.iam.Role
    security_group: aws.ec2.SecurityGroup
    task_definition: aws.ecs.TaskDefinition
    service: aws.ecs.Service

    def __init__(
        self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:service:FargateService", name, args.transform, opts)
        self.args = args
        self._check(args)
        self.log_group = self._create_log_group()
        self.execution_role = self._create_execution_role()
        self.task_role = self._create_task_role()
        self.security_group = self._create_security_group()
        self.task_definition = self._create_task_definition()
        self.service = self._create_service()
        self._finish(
            {
                "serviceName": self.service.name,
                "taskDefinitionArn": self.task_definition.arn,
                "securityGroupId": self.security_group.id,
            }
        )

    # -- public --------------------------------------------------------------------------------

    @property
    def service_name(self) -> pulumi.Output[str]:
        return self.service.name

    @property
    def source(self) -> Source:
        """The tasks' security group as the start of a connection (to the database, ...)."""
        return Source(self, self.args.service_name, self.security_group.id)

    @property
    def entry(self) -> Endpoint:
        """The container port behind the tasks' group: what the load balancer connects to."""
        if self.args.container_port is None:
            raise ValueError(f"{self.args.service_name} serves no port")
        return Endpoint(
            self,
            self._name,
            self.args.service_name,
            self.security_group.id,
            self.args.container_port,
            f"{self.args.service_name} port",
        )

    def container_definitions(
        self,
        container_name: str,
        command: Sequence[str] | None,
        stream_prefix: str,
        serves_traffic: bool = True,
    ) -> pulumi.Output[str]:
        """The JSON container definitions of this service's container (or a variant of it)."""
        return container_definitions(
            self.args,
            container_name,
            command,
            self.log_group.name,
            stream_prefix,
            serves_traffic=serves_traffic,
        )

    # -- steps ---------------------------------------------------------------------------------

    @staticmethod
    def _check(args: FargateServiceArgs) -> None:
        if args.target_group_arn is not None and args.container_port is None:
            raise ValueError(f"{args.service_name}: a target group needs a container port")
        if args.service_registries is not None and args.container_port is None:
            raise ValueError(f"{args.service_name}: a Cloud Map registry needs a container port")

    def _create_log_group(self) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-logs",
            aws.cloudwatch.LogGroupArgs(
                name=self.args.log_group_name, retention_in_days=self.args.retention_days
            ),
            opts=self._child(delete_before_replace=True),
        )

    def _role(self, label: str, description: str) -> aws.iam.Role:
        return service_role(
            check_logical(ROLE, f"{self._name}-{label}"),
            service="ecs-tasks.amazonaws.com",
            path=self.args.iam_path,
            description=description,
            opts=self._child(),
        )

    def _create_execution_role(self) -> aws.iam.Role:
        role = self._role("execution", f"ECS starts the {self.args.service_name} tasks with it")
        statements: list[pulumi.Input[Mapping[str, Any]]] = [
            {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken",
             "Resource": "*"},
            pulumi.Output.all(*self.args.repository_arns).apply(
                lambda arns: {
                    "Sid": "PullImages",
                    "Effect": "Allow",
                    "Action": [
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchGetImage",
                    ],
                    "Resource": sorted(arns),
                }
            ),
            self.log_group.arn.apply(
                lambda arn: {
                    "Sid": "WriteLogs",
                    "Effect": "Allow",
                    # both act on log streams (AWS's data: resource type log-stream only), so
                    # the group's own ARN would be a dead entry
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{arn}:log-stream:*",
                }
            ),
        ]  # fmt: skip
        if self.args.secret_arns:
            arns = pulumi.Output.all(*self.args.secret_arns)
            statements.append(arns.apply(lambda a: secret_read_statements(a)[0]))
            statements.append(arns.apply(lambda a: secret_read_statements(a)[1]))
        self._attach_policy(role, "execution", statements)
        return role

    def _create_task_role(self) -> aws.iam.Role:
        role = self._role("task", f"The {self.args.service_name} app's own AWS permissions")
        statements = list(self.args.task_policy_statements)
        if self.args.ecs_exec:
            statements.append(
                {
                    "Sid": "EcsExec",
                    "Effect": "Allow",
                    "Action": ECS_EXEC_ACTIONS,
                    "Resource": "*",
                }
            )
        if statements:
            self._attach_policy(role, "task", statements)
        return role

    def _attach_policy(
        self,
        role: aws.iam.Role,
        label: str,
        statements: Sequence[pulumi.Input[Mapping[str, Any]]],
    ) -> aws.iam.RolePolicy:
        # an empty statement is one that has nothing to grant (secret_read_statements)
        document = pulumi.Output.all(*statements).apply(
            lambda found: policy_document([s for s in found if s])
        )
        return inline_policy(f"{self._name}-{label}", role, document, self._child())

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        args = self.args
        group = aws.ec2.SecurityGroup(
            f"{self._name}-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=args.vpc_id,
                description=f"{args.service_name} tasks",
                tags={"Name": f"{args.service_name}-tasks"},
            ),
            opts=self._child(),
        )
        # kept: a one-off task in this group (the migration) waits for it
        # (components/compute/migration.py)
        self.https_out = aws.vpc.SecurityGroupEgressRule(
            f"{self._name}-https-out",
            aws.vpc.SecurityGroupEgressRuleArgs(
                security_group_id=group.id,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4="0.0.0.0/0",
                description="HTTPS to ECR, CloudWatch Logs, Secrets Manager, S3 and AWS APIs",
            ),
            opts=self._child(),
        )
        return group

    def _create_task_definition(self) -> aws.ecs.TaskDefinition:
        args = self.args
        return aws.ecs.TaskDefinition(
            f"{self._name}-task",
            task_definition_args(
                args,
                family=args.family or args.service_name,
                container_definitions=self.container_definitions(
                    args.service_name, args.command, args.service_name
                ),
                execution_role_arn=self.execution_role.arn,
                task_role_arn=self.task_role.arn,
            ),
            opts=self._child(),
        )

    def capacity_provider_strategy(self) -> list[aws.ecs.ServiceCapacityProviderStrategyArgs]:
        return capacity_provider_strategy(self.args.spot, self.args.on_demand_base)

    def _create_service(self) -> aws.ecs.Service:
        args = self.args
        load_balancers = None
        grace = None
        if args.target_group_arn is not None and args.container_port is not None:
            load_balancers = [
                aws.ecs.ServiceLoadBalancerArgs(
                    target_group_arn=args.target_group_arn,
                    container_name=args.service_name,
                    container_port=args.container_port,
                )
            ]
            grace = args.health_check_grace_seconds
        return aws.ecs.Service(
            f"{self._name}-service",
            aws.ecs.ServiceArgs(
                name=args.service_name,
                cluster=args.cluster_arn,
                task_definition=self.task_definition.arn,
                desired_count=args.desired_count,
                capacity_provider_strategies=self.capacity_provider_strategy(),
                # The provider refuses to update capacity_provider_strategies (switching
                # fargateSpot or a service's spot on a live stack) unless this is true (pulumi_aws
                # Service docstring). The provider sends it only with an update that happens
                # anyway, so it does not restart the tasks on an `up` that changes nothing.
                force_new_deployment=True,
                network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                    subnets=list(args.subnet_ids),
                    security_groups=[self.security_group.id],
                    assign_public_ip=False,
                ),
                load_balancers=load_balancers,
                service_registries=args.service_registries,
                health_check_grace_period_seconds=grace,
                deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                    enable=True, rollback=True
                ),
                # Start the new task before stopping the old one, even with a single task.
                deployment_minimum_healthy_percent=100,
                deployment_maximum_percent=200,
                enable_execute_command=args.ecs_exec,
                propagate_tags="SERVICE",
                enable_ecs_managed_tags=True,
                wait_for_steady_state=False,
            ),
            # The name is fixed (unique in the cluster): a replacement must delete the old
            # service first, or ECS refuses to create a second service of that name.
            opts=self._child(
                depends_on=pulumi.Output.from_input(args.depends_on).apply(
                    lambda later: [*args.listener_rules, args.capacity_providers, *later]
                ),
                ignore_changes=["desiredCount"] if args.autoscaling else None,
                delete_before_replace=True,
            ),
        )


# What the execution role needs to inject a container secret, by the service in the ARN
# (`arn:aws:<service>:...`): the agent calls GetParameters for SSM parameters and
# GetSecretValue for Secrets Manager secrets (aws-facts#ssm-securestring).
SECRET_READ_ACTIONS = {
    "ssm": "ssm:GetParameters",
    "secretsmanager": "secretsmanager:GetSecretValue",
}


def secret_read_statements(arns: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The execution role's two read statements: Secrets Manager secrets and SSM parameters,
    each on exactly the ARNs injected; `{}` for a kind with none (the policy leaves it out)."""
    by_service: dict[str, set[str]] = {service: set() for service in SECRET_READ_ACTIONS}
    for arn in arns:
        service = arn.split(":")[2] if arn.count(":") >= 5 else ""
        if service not in by_service:
            raise ValueError(f"a container secret must be a Secrets Manager or SSM ARN: {arn!r}")
        by_service[service].add(arn)
    return (
        _read_statement("ReadInjectedSecrets", "secretsmanager", by_service),
        _read_statement("ReadInjectedParameters", "ssm", by_service),
    )


def _read_statement(sid: str, service: str, by_service: dict[str, set[str]]) -> dict[str, Any]:
    if not by_service[service]:
        return {}
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": SECRET_READ_ACTIONS[service],
        "Resource": sorted(by_service[service]),
    }


def capacity_provider_strategy(
    spot: bool, on_demand_base: int = 0
) -> list[aws.ecs.ServiceCapacityProviderStrategyArgs]:
    """Spot for every task, after `on_demand_base` on-demand tasks; or on-demand only."""
    if not spot:
        return [aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider=FARGATE, weight=1)]
    strategy = [
        aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider=FARGATE_SPOT, weight=1)
    ]
    if on_demand_base > 0:
        strategy.insert(
            0,
            aws.ecs.ServiceCapacityProviderStrategyArgs(
                capacity_provider=FARGATE, weight=0, base=on_demand_base
            ),
        )
    return strategy


def task_definition_args(
    args: FargateServiceArgs,
    family: str,
    container_definitions: pulumi.Input[str],
    execution_role_arn: pulumi.Input[str],
    task_role_arn: pulumi.Input[str],
) -> aws.ecs.TaskDefinitionArgs:
    return aws.ecs.TaskDefinitionArgs(
        family=family,
        cpu=str(args.cpu),
        memory=str(args.memory),
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            cpu_architecture=args.cpu_architecture, operating_system_family="LINUX"
        ),
        execution_role_arn=execution_role_arn,
        task_role_arn=task_role_arn,
        container_definitions=container_definitions,
        volumes=[aws.ecs.TaskDefinitionVolumeArgs(name=name) for name, _ in writable_paths(args)],
        # Keep replaced revisions ACTIVE so `stackctl rollback` can return to the previous one.
        skip_destroy=True,
    )


def writable_paths(args: FargateServiceArgs) -> tuple[tuple[str, str], ...]:
    """The (volume, container path) pairs a task gets on its read-only root."""
    return WRITABLE_PATHS + (ECS_EXEC_PATHS if args.ecs_exec else ())


def container_definitions(
    args: FargateServiceArgs,
    container_name: str,
    command: Sequence[str] | None,
    log_group_name: pulumi.Input[str],
    stream_prefix: str,
    *,
    serves_traffic: bool = True,
) -> pulumi.Output[str]:
    """JSON container definitions: one essential container as the contract describes it.

    `serves_traffic=False` (the migration task) drops the port mapping and the health check.
    """
    environment = pulumi.Output.from_input(dict(args.environment))
    secrets = pulumi.Output.from_input(dict(args.secrets))

    def render(values: list[Any]) -> str:
        env, secret_refs, image, log_group = values
        container: dict[str, Any] = {
            "name": container_name,
            "image": image,
            "essential": True,
            "user": args.user,
            "readonlyRootFilesystem": args.read_only_root,
            "mountPoints": [
                {"sourceVolume": name, "containerPath": path, "readOnly": False}
                for name, path in writable_paths(args)
            ],
            "environment": [{"name": k, "value": str(v)} for k, v in sorted(env.items())],
            "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(secret_refs.items())],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group,
                    "awslogs-region": args.region,
                    "awslogs-stream-prefix": stream_prefix,
                },
            },
            "stopTimeout": args.stop_timeout,
            "linuxParameters": {"initProcessEnabled": True},
        }
        if command is not None:
            container["command"] = list(command)
        if args.container_port is not None and serves_traffic:
            container["portMappings"] = [
                {"containerPort": args.container_port, "protocol": "tcp", "name": "http"}
            ]
        if serves_traffic and args.health_check_command:
            container["healthCheck"] = {
                "command": list(args.health_check_command),
                "interval": 30,
                "timeout": 5,
                "retries": 3,
                "startPeriod": 60,
            }
        return json.dumps([container])

    return pulumi.Output.all(environment, secrets, args.image, log_group_name).apply(render)
