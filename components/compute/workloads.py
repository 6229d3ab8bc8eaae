"""The app's workloads: one ECS service per enabled service spec, and the one-off tasks.

`build_workloads(...)` turns the specs of components/config/services.py (app/contract.json
plus settings) into `FargateService`s and `MigrationTask`s, and asks the ingress (any object
with the `Front` methods below: components/ingress/face.py's `Ingress`) for each service's
attachment, the URLs it calls other services at, and the security group pairs those calls need.
It never asks which ingress it has.

Each service gets, as environment: its image's fixed values, what its data stores hand it
(components/kit/links.py), the `<NAME>_INTERNAL_URL` of every service it calls, its share of
the database's connections (`DB_POOL_SIZE`, components/config/db_budget.py) and, for a serving
Python service, the address ranges whose proxy headers uvicorn trusts (the VPC's, where every
ingress's nodes live). As container secrets: what its data stores hand it, and the app's own
secrets the contract gives it (`app_secrets`, by service: components/kit/app_secrets.py). Every
service waits for `depends_on` (the release gate).

Creates what FargateService and MigrationTask create; costs what they cost (see docs/costs:
the cost tables of docs/costs.md, generated from prices/prices.yaml).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pulumi
import pulumi_aws as aws

from components.compute.cluster import Cluster
from components.compute.fargate_service import FargateService, FargateServiceArgs
from components.compute.migration import MigrationTask, MigrationTaskArgs
from components.compute.registry import Registry
from components.compute.scaling import ScaledService
from components.config.app_contract import SITE_ORIGINS_ENV, AppContract
from components.config.db_budget import service_pools
from components.config.services import ServiceSpec, host_of
from components.config.settings import Settings
from components.kit.links import Connection, Link, Source, connect, merge
from components.kit.naming import Naming


class Attached(Protocol):
    """What one service takes from the ingress (face.py's `Attachment`)."""

    @property
    def target_group_arn(self) -> pulumi.Input[str] | None: ...
    @property
    def listener_rules(self) -> Sequence[pulumi.Resource]: ...
    @property
    def service_registries(self) -> aws.ecs.ServiceServiceRegistriesArgs | None: ...


class Front(Protocol):
    """What the workloads ask of the ingress, whichever it is."""

    def attachment(self, service: str) -> Attached: ...
    def admit(self, service: str, target: FargateService) -> None: ...
    def call_url(self, called: str, site_url: pulumi.Input[str]) -> pulumi.Input[str]: ...
    def admit_caller(self, caller: Source, called: FargateService) -> None: ...


@dataclass(frozen=True)
class Workloads:
    """The services by name, each one's rules to its data stores, and the one-off tasks."""

    services: Mapping[str, FargateService]
    store_connections: Mapping[str, Sequence[Connection]]
    tasks: Mapping[str, MigrationTask]
    migrating: FargateService
    """The service whose image, roles and security group the migration task uses."""
    specs: Sequence[ServiceSpec]
    """The specs the services were built from, in order."""

    def scaled(self) -> list[ScaledService]:
        """Each service's counts for its scalable target (components/compute/scaling.py)."""
        return [
            ScaledService(
                label=spec.name,
                service_name=self.services[spec.name].service.name,
                count=spec.desired_count,
                min_count=spec.min_count,
                max_count=spec.max_count,
                target_tracking=spec.target_tracking,
            )
            for spec in self.specs
        ]

    @property
    def migration(self) -> MigrationTask:
        """The task `pulumi up` runs (and `stackctl migrate` by hand)."""
        return self.tasks["migrate"]

    def exports(self) -> dict[str, Any]:
        """Their stack outputs: service names, log groups, the migration's run-task inputs."""
        migration = self.migration
        return {
            "serviceNames": {name: s.service_name for name, s in self.services.items()},
            "migrationTaskFamily": migration.family,
            "migrationNetworkConfiguration": migration.network_configuration,
            "migrationContainerName": migration.container_name,
            "capacityProviderStrategy": migration.capacity_provider_strategy,
            "logGroupNames": {
                **{name: s.log_group.name for name, s in self.services.items()},
                "migration": migration.log_group_name,
            },
        }


def app_env(
    spec: ServiceSpec, pools: Mapping[str, int], vpc_cidr: str, open_writes: bool
) -> dict[str, str]:
    """The app's own knobs: its share of database connections, (uvicorn) the address ranges
    whose proxy headers it trusts: the VPC's, where every ingress's nodes live, and, with
    `auth: open`, that a service which `uses` auth lets anyone write (and one that `uses` signIn
    offers writing without a sign-in)."""
    env = {}
    if open_writes and spec.serves and {"auth", "signIn"} & set(spec.workload.uses):
        env["ALLOW_ANONYMOUS_WRITES"] = "true"
    if spec.name in pools:
        env["DB_POOL_SIZE"] = str(pools[spec.name])
    if spec.serves and spec.image.runtime == "python":
        env["FORWARDED_ALLOW_IPS"] = vpc_cidr
    return env


def build_workloads(
    specs: Sequence[ServiceSpec],
    contract: AppContract,
    *,
    settings: Settings,
    naming: Naming,
    cluster: Cluster,
    registry: Registry,
    images: Mapping[str, pulumi.Input[str]],
    vpc_id: pulumi.Input[str],
    subnet_ids: Sequence[pulumi.Input[str]],
    links: Mapping[str, Link],
    app_secrets: Mapping[str, Link],
    ingress: Front,
    site_url: pulumi.Input[str],
    site_origins: Sequence[pulumi.Input[str]],
    depends_on: pulumi.Input[Sequence[pulumi.Resource]],
    opts: pulumi.ResourceOptions,
) -> Workloads:
    """One FargateService per spec (in order), then the contract's tasks on their hosts.
    `site_origins`: the site's origins (`https://<name>`), for the images that read them."""
    pools = service_pools(specs, settings)
    origins = pulumi.Output.all(*site_origins).apply(",".join)
    services: dict[str, FargateService] = {}
    store_connections: dict[str, list[Connection]] = {}
    for spec in specs:
        stores = [links[store] for store in spec.workload.uses if store in links]
        own = [app_secrets[spec.name]] if spec.name in app_secrets else []
        linked = merge([*stores, *own])
        calls = {  # the URL it calls another service at: the ingress says which
            f"{c.upper()}_INTERNAL_URL": ingress.call_url(c, site_url) for c in spec.workload.calls
        }
        attachment = ingress.attachment(spec.name)
        site = {SITE_ORIGINS_ENV: origins} if SITE_ORIGINS_ENV in spec.image.env else {}
        service = FargateService(
            spec.name,
            FargateServiceArgs(
                service_name=spec.name,
                cluster_arn=cluster.arn,
                capacity_providers=cluster.capacity_providers,
                vpc_id=vpc_id,
                subnet_ids=subnet_ids,
                image=images[spec.image.name],
                repository_arns=[registry.repositories[spec.image.name].arn],
                log_group_name=naming.log_group("ecs", spec.name),
                region=settings.region,
                cpu=spec.size.cpu,
                memory=spec.size.memory,
                desired_count=spec.desired_count,
                cpu_architecture=settings.cpu_architecture,
                command=spec.workload.command,
                container_port=spec.port,
                health_check_command=spec.workload.health_check,
                environment={
                    **spec.image.fixed_env,
                    **linked.environment,
                    **calls,
                    **site,
                    **app_env(spec, pools, settings.vpc_cidr, settings.auth == "open"),
                },
                secrets=linked.secrets,
                secret_arns=linked.secret_arns,
                task_policy_statements=linked.task_statements,
                target_group_arn=attachment.target_group_arn,
                listener_rules=attachment.listener_rules,
                service_registries=attachment.service_registries,
                retention_days=settings.log_retention_days,
                spot=spec.spot,
                on_demand_base=spec.on_demand_base,
                ecs_exec=settings.ecs_exec,
                autoscaling=spec.owns_desired_count,
                user=spec.image.user,
                read_only_root=spec.image.read_only_root,
                stop_timeout=spec.workload.stop_timeout,
                family=naming.physical("generic", spec.name),
                iam_path=naming.iam_path,
                depends_on=depends_on,
            ),
            opts=opts,
        )
        services[spec.name] = service
        store_connections[spec.name] = [connect(service.source, e) for e in linked.endpoints]
        ingress.admit(spec.name, service)
    for spec in specs:  # a service that calls another: the security group pair the ingress needs
        for called in spec.workload.calls:
            ingress.admit_caller(services[spec.name].source, services[called])
    tasks = {
        name: MigrationTask(
            name,
            MigrationTaskArgs(
                family=naming.physical("generic", name),
                subnet_ids=subnet_ids,
                command=task.command or (),
            ),
            api=services[host_of(task, specs).name],
            opts=opts,
        )
        for name, task in contract.tasks.items()
    }
    migrating = services[host_of(contract.tasks["migrate"], specs).name]
    return Workloads(services, store_connections, tasks, migrating, specs)
