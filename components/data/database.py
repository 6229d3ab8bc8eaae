"""Database: Aurora PostgreSQL Serverless v2 in the isolated subnets, password managed by RDS.

Creates:
1. a security group with NO ingress at construction; `allow_from(name, sg_id)` adds one
   standalone 5432 rule per client security group (the services call it), so only named
   security groups, never CIDRs, reach the database;
2. a DB subnet group on the isolated subnets (no route out of the VPC; >= 2 AZs);
3. the CloudWatch log group RDS exports PostgreSQL logs to, created first so it has the stack's
   retention (RDS would otherwise create it with "never expire");
4. an Aurora cluster (`aurora-postgresql`, engine mode `provisioned`, a pinned 16.x version)
   with Serverless v2 scaling from `min_acu` to `max_acu` and auto-pause after
   `auto_pause_seconds` when `min_acu` is 0; `manage_master_user_password=True`, so RDS creates
   and rotates the master secret in Secrets Manager and no password exists in code, config,
   environment or state; storage encrypted, backups kept `backup_retention_days`, tags copied
   to snapshots, PostgreSQL logs exported;
5. one writer and `readers` readers, all `db.serverless`, spread over the AZs (readers in
   promotion tier 1, so they scale with the writer and can take over), Performance Insights on
   the free tier (7 days).

With `deletion_protection`: AWS deletion protection, a final snapshot named
`<cluster-identifier>-final-<8 random hex>`, and Pulumi `protect` on the cluster (`pulumi destroy`
stops there; `pulumi destroy --exclude-protected` removes everything else). The random part is a
`random.RandomId` of the stack: it stays the same for the stack's life and is new when the stack
is created again, so the second destroy of a re-created stack does not collide with the first
destroy's snapshot (snapshot names are unique per account and region). Without it: no final
snapshot and no protection, so `pulumi destroy` of a lab removes the database and its data.

Names and replacement: the cluster, its instances, the subnet group and the log group have fixed
names (the log group's is the one RDS exports to, and the others are what operators and the
alarms see). Pulumi creates a replacement before deleting the old resource, and a fixed name
would collide with itself, so each is `delete_before_replace` (and the cluster is protected when
it holds production data, so a change that would replace it stops the `up` instead).

Engine version: `engine_version` is what the cluster is created with. Instances upgrade their
minor version automatically in the maintenance window (`auto_minor_version_upgrade`, set
explicitly), after which RDS reports the newer version; the program ignores that drift
(`ignore_changes` on `engineVersion` of the cluster and the instances), otherwise the next `up`
would try to go back to the older minor, which RDS refuses. A deliberate upgrade is done with
`aws rds modify-db-cluster --engine-version ...`; then set `dbEngineVersion` to match, for new
stacks.

The RDS-managed secret holds only `username` and `password`
(aws-facts#managed-master-secret): host, port and database name are exposed here as plain
values for the containers' environment. RDS rotates the password every 7 days.

Inputs (DatabaseArgs, defaults in brackets): cluster_identifier, vpc_id, subnet_ids (isolated),
availability_zones, engine_version ["16.8"], min_acu [0], max_acu [2], auto_pause_seconds
[300, only with min_acu 0], readers [0], backup_retention_days [1], deletion_protection [False],
log_retention_days [7], database_name ["app"], master_username ["app_admin"].

Cost (prices/prices.yaml; figures: docs/costs.md): `aurora.serverless_v2.acu_hour`
per ACU per instance. min 0 with auto-pause: no compute charge while paused (resume ~15 s); min
0.5 bills half an ACU all month per instance; each reader costs as much as the writer. Storage
`aurora.storage.gb_month`, I/O `aurora.io.million`; backups up to the cluster's size free. The
RDS-managed secret `secretsmanager.secret.month`. Performance Insights free tier and log export:
free (CloudWatch Logs `logs.ingest.gb`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.config.settings import Settings
from components.data.snapshots import final_snapshot_name
from components.kit.component import Component, ComponentArgs
from components.kit.links import Endpoint, Link
from components.kit.naming import Naming

POSTGRES_PORT = 5432
ENGINE = "aurora-postgresql"
INSTANCE_CLASS = "db.serverless"
PERFORMANCE_INSIGHTS_FREE_DAYS = 7


@dataclass(frozen=True)
class DatabaseArgs(ComponentArgs):
    cluster_identifier: str
    """Required: the Aurora cluster's identifier, `<project>-<stack>-db`; the instances are
    named after it."""
    vpc_id: pulumi.Input[str]
    """Required: the VPC of the database's security group."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Required: the isolated subnets of the DB subnet group (at least 2 AZs)."""
    availability_zones: Sequence[str]
    """Required: the AZs the writer and readers are spread over."""
    engine_version: str = "16.8"
    """Aurora PostgreSQL version the cluster is created with; later automatic minor upgrades are
    ignored, not reverted."""
    min_acu: float = 0.0
    """Serverless v2 minimum capacity in ACUs; 0 allows auto-pause. Cost:
    `aurora.serverless_v2.acu_hour` per ACU per instance (0 and paused: no compute charge)."""
    max_acu: float = 2.0
    """Serverless v2 maximum capacity in ACUs (also sets the connection limit the alarm
    watches). Cost: up to that many `aurora.serverless_v2.acu_hour`."""
    auto_pause_seconds: int | None = 300
    """Idle seconds before the cluster pauses; only with `min_acu` 0 (else None). Resuming takes
    ~15 s."""
    readers: int = 0
    """Number of reader instances besides the writer. Cost: each reader costs as much as the
    writer."""
    backup_retention_days: int = 1
    """Days automated backups are kept (1-35). Cost: backups up to the cluster's size are free."""
    deletion_protection: bool = False
    """AWS deletion protection, a final snapshot on delete and Pulumi `protect` on the cluster;
    off: `destroy` removes the data."""
    log_retention_days: int = 7
    """Retention of the exported PostgreSQL log group (a value CloudWatch accepts). Cost:
    `logs.ingest.gb`."""
    database_name: str = "app"
    """Name of the database created in the cluster."""
    master_username: str = "app_admin"
    """Master user name; RDS generates, stores and rotates its password."""


def database_args(
    settings: Settings,
    naming: Naming,
    vpc_id: pulumi.Input[str],
    subnet_ids: Sequence[pulumi.Input[str]],
    availability_zones: Sequence[str],
) -> DatabaseArgs:
    """The stack's database, in the VPC's isolated subnets `subnet_ids`."""
    return DatabaseArgs(
        cluster_identifier=naming.physical("rds", "db"),
        vpc_id=vpc_id,
        subnet_ids=subnet_ids,
        availability_zones=availability_zones,
        engine_version=settings.db_engine_version,
        min_acu=settings.db_min_acu,
        max_acu=settings.db_max_acu,
        auto_pause_seconds=settings.db_auto_pause_seconds,
        readers=settings.db_readers,
        backup_retention_days=settings.backup_retention_days,
        deletion_protection=settings.deletion_protection,
        log_retention_days=settings.log_retention_days,
    )


class Database(Component):
    """Aurora Serverless v2 PostgreSQL with an RDS-managed master secret."""

    security_group: aws.ec2.SecurityGroup
    subnet_group: aws.rds.SubnetGroup
    log_group: aws.cloudwatch.LogGroup
    cluster: aws.rds.Cluster
    writer: aws.rds.ClusterInstance
    readers: list[aws.rds.ClusterInstance]
    endpoint: pulumi.Output[str]
    reader_endpoint: pulumi.Output[str]
    port: int
    database_name: str
    master_username: str
    master_secret_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("fullstack:data:Database", name, args.transform, opts)
        self.args = args
        self._check(args)
        self.port = POSTGRES_PORT
        self.database_name = args.database_name
        self.master_username = args.master_username
        self.security_group = self._create_security_group()
        self.subnet_group = self._create_subnet_group()
        self.log_group = self._create_log_group()
        self.cluster = self._create_cluster()
        self.writer, self.readers = self._create_instances()
        self.endpoint = self.cluster.endpoint
        self.reader_endpoint = self.cluster.reader_endpoint
        self.master_secret_arn = self.cluster.master_user_secrets.apply(
            lambda secrets: (secrets[0].secret_arn or "") if secrets else ""
        )
        self._finish(
            {
                "endpoint": self.endpoint,
                "readerEndpoint": self.reader_endpoint,
                "port": self.port,
                "databaseName": self.database_name,
                "masterSecretArn": self.master_secret_arn,
                "securityGroupId": self.security_group.id,
            }
        )

    # -- public --------------------------------------------------------------------------------

    @property
    def entry(self) -> Endpoint:
        """PostgreSQL (5432) behind the cluster's security group: `connect` a service to it."""
        return Endpoint(self, self._name, "db", self.security_group.id, self.port, "PostgreSQL")

    def exports(self) -> dict[str, object]:
        """Its stack outputs: where it is, and the ARN of the managed master secret."""
        return {
            "databaseEndpoint": self.endpoint,
            "databaseReaderEndpoint": self.reader_endpoint,
            "databasePort": self.port,
            "databaseName": self.database_name,
            "databaseSecretArn": self.master_secret_arn,
        }

    def link(self, region: str) -> Link:
        """What a workload that uses the database gets: where it is (plain values), the
        managed secret's two keys as container secrets, the secret itself for the execution
        role, the task role's right to re-read it after RDS rotates it, and the endpoint."""
        secret = self.master_secret_arn
        return Link(
            environment={
                "AWS_REGION": region,
                "DB_HOST": self.endpoint,
                "DB_PORT": str(self.port),
                "DB_NAME": self.database_name,
                "DB_SECRET_ARN": secret,
            },
            secrets={
                "DB_USERNAME": pulumi.Output.concat(secret, ":username::"),
                "DB_PASSWORD": pulumi.Output.concat(secret, ":password::"),
            },
            secret_arns=[secret],
            task_statements=[
                secret.apply(
                    lambda arn: {
                        "Sid": "RefreshDatabaseCredentials",
                        "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": arn,
                    }
                )
            ],
            endpoint=self.entry,
        )

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def _check(args: DatabaseArgs) -> None:
        if len(set(args.availability_zones)) < 2:
            raise ValueError("Aurora's DB subnet group needs subnets in at least 2 AZs")
        if args.auto_pause_seconds is not None and args.min_acu != 0:
            raise ValueError("auto_pause_seconds applies only with min_acu 0")

    def _final_snapshot_identifier(self) -> pulumi.Output[str] | None:
        if not self.args.deletion_protection:
            return None
        # Kept with the protected cluster: `destroy --exclude-protected` leaves both.
        return final_snapshot_name(
            self, f"{self._name}-final-snapshot", self.args.cluster_identifier, protect=True
        )

    # -- steps ---------------------------------------------------------------------------------

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        # No inline rules and no egress: the database never opens connections.
        return aws.ec2.SecurityGroup(
            f"{self._name}-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=self.args.vpc_id,
                description="Aurora PostgreSQL: 5432 from the service security groups only",
                tags={"Name": f"{self.args.cluster_identifier}-sg"},
            ),
            opts=self._child(),
        )

    def _create_subnet_group(self) -> aws.rds.SubnetGroup:
        return aws.rds.SubnetGroup(
            f"{self._name}-subnets",
            aws.rds.SubnetGroupArgs(
                name=f"{self.args.cluster_identifier}-isolated",
                description="Isolated subnets (no route out of the VPC) for Aurora",
                subnet_ids=self.args.subnet_ids,
            ),
            opts=self._child(delete_before_replace=True),
        )

    def _create_log_group(self) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-postgresql-logs",
            aws.cloudwatch.LogGroupArgs(
                name=f"/aws/rds/cluster/{self.args.cluster_identifier}/postgresql",
                retention_in_days=self.args.log_retention_days,
            ),
            opts=self._child(delete_before_replace=True),
        )

    def _create_cluster(self) -> aws.rds.Cluster:
        args = self.args
        protected = args.deletion_protection
        scaling = aws.rds.ClusterServerlessv2ScalingConfigurationArgs(
            min_capacity=args.min_acu,
            max_capacity=args.max_acu,
            seconds_until_auto_pause=args.auto_pause_seconds if args.min_acu == 0 else None,
        )
        return aws.rds.Cluster(
            f"{self._name}-cluster",
            aws.rds.ClusterArgs(
                cluster_identifier=args.cluster_identifier,
                engine=ENGINE,
                engine_mode="provisioned",
                engine_version=args.engine_version,
                database_name=args.database_name,
                master_username=args.master_username,
                manage_master_user_password=True,
                port=POSTGRES_PORT,
                serverlessv2_scaling_configuration=scaling,
                db_subnet_group_name=self.subnet_group.name,
                vpc_security_group_ids=[self.security_group.id],
                storage_encrypted=True,
                backup_retention_period=args.backup_retention_days,
                preferred_backup_window="03:00-04:00",
                preferred_maintenance_window="sun:04:30-sun:05:30",
                copy_tags_to_snapshot=True,
                enabled_cloudwatch_logs_exports=["postgresql"],
                deletion_protection=protected,
                skip_final_snapshot=not protected,
                final_snapshot_identifier=self._final_snapshot_identifier(),
                # No availability_zones: RDS widens the list and every update would replace the
                # cluster (aws-facts#rds-no-azs). The subnet group decides where instances can go.
            ),
            opts=self._child(
                protect=protected,
                depends_on=[self.log_group],
                delete_before_replace=True,
                ignore_changes=["engineVersion"],
            ),
        )

    def _create_instances(
        self,
    ) -> tuple[aws.rds.ClusterInstance, list[aws.rds.ClusterInstance]]:
        zones = self.args.availability_zones
        instances = []
        for index in range(1 + self.args.readers):
            role = "writer" if index == 0 else f"reader-{index}"
            instances.append(
                aws.rds.ClusterInstance(
                    f"{self._name}-{role}",
                    aws.rds.ClusterInstanceArgs(
                        identifier=f"{self.args.cluster_identifier}-{role}",
                        cluster_identifier=self.cluster.id,
                        engine=aws.rds.EngineType.AURORA_POSTGRESQL,
                        engine_version=self.cluster.engine_version,
                        instance_class=INSTANCE_CLASS,
                        availability_zone=zones[index % len(zones)],
                        db_subnet_group_name=self.subnet_group.name,
                        promotion_tier=0 if index == 0 else 1,
                        publicly_accessible=False,
                        performance_insights_enabled=True,
                        performance_insights_retention_period=PERFORMANCE_INSIGHTS_FREE_DAYS,
                        copy_tags_to_snapshot=True,
                        auto_minor_version_upgrade=True,
                    ),
                    opts=self._child(delete_before_replace=True, ignore_changes=["engineVersion"]),
                )
            )
        return instances[0], instances[1:]
