"""Cache: an ElastiCache replication group (Valkey by default) in the isolated subnets.

Creates:
1. a security group with NO ingress at construction; `allow_from(name, sg_id)` adds one
   standalone 6379 rule per client security group, so only named security groups, never CIDRs,
   reach the cache;
2. an ElastiCache subnet group on the isolated subnets;
3. an auth token from `pulumi_random` (64 letters and digits: ElastiCache accepts 16-128
   printable characters with only `! & # $ ^ < > -` as specials, and every one of those but `-`
   must be percent-encoded in a `rediss://` URL; letters and digits give 380 bits and need no
   encoding), kept a Pulumi secret everywhere;
4. a Secrets Manager secret holding the token as a plain string (ECS injects it as
   REDIS_AUTH_TOKEN);
5. the replication group (cluster mode disabled): `nodes` nodes of `node_type`, encryption in
   transit (TLS, clients use `rediss://`) and at rest, the auth token; automatic failover and
   Multi-AZ only with 2 or more nodes (AWS rejects both on one node); with
   `snapshot_retention_days` > 0, daily snapshots kept that long and a final snapshot
   `<replication-group-id>-final-<8 random hex>` on delete (a `random.RandomId` of the stack:
   stable for the stack's life, new when the stack is created again or the engine changes, so
   neither destroying a re-created stack nor deleting a group replaced for a new engine collides
   with the snapshot an earlier delete left); minor engine upgrades in
   the maintenance window, explicitly on (`auto_minor_version_upgrade`).

The group and its subnet group have fixed names (the metrics' dimensions are derived from the
group id): both are `delete_before_replace`, since Pulumi would otherwise create the replacement
first and collide with the old one's name.

Why Valkey by default: ElastiCache for Valkey speaks the Redis OSS 7.2 protocol (same clients,
same `rediss://` URLs, same AUTH) and its node-hours are about 20% cheaper than Redis OSS
(`elasticache.valkey.*` against `elasticache.redis.*` in prices/prices.yaml). `engine="redis"`
stays available for apps that need it.

Inputs (CacheArgs, defaults in brackets): replication_group_id (<= 40, lowercase), vpc_id,
subnet_ids (isolated), engine ["valkey"], engine_version [8.0 for valkey, 7.1 for redis],
node_type ["cache.t4g.micro"], nodes [1], snapshot_retention_days [0],
secret_recovery_window_days [0].

Cost (prices/prices.yaml; figures: the cost tables of docs/costs.md): a cache.t4g.micro node at
`elasticache.valkey.cache.t4g.micro.hour` (Valkey) or `elasticache.redis.cache.t4g.micro.hour`;
each extra node (replica) costs the same again. The token secret `secretsmanager.secret.month`.
Snapshot storage of a micro node: cents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.config.settings import Settings
from components.config.values import RedisEngine
from components.data.snapshots import final_snapshot_name
from components.kit.component import Component, ComponentArgs
from components.kit.links import Endpoint, Link
from components.kit.naming import Naming
from components.kit.secrets import generated_secret

REDIS_PORT = 6379
DEFAULT_ENGINE_VERSIONS: dict[str, str] = {"valkey": "8.0", "redis": "7.1"}
AUTH_TOKEN_LENGTH = 64


@dataclass(frozen=True)
class CacheArgs(ComponentArgs):
    replication_group_id: str
    """Required: the replication group's id (at most 40 characters, lowercase), also the
    metrics' dimension."""
    vpc_id: pulumi.Input[str]
    """Required: the VPC of the cache's security group."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Required: the isolated subnets of the subnet group (no route out of the VPC)."""
    engine: RedisEngine = "valkey"
    """`valkey` (Redis OSS 7.2 protocol, about 20% cheaper node-hours) or `redis`."""
    engine_version: str | None = None
    """The engine version; None: 8.0 for valkey, 7.1 for redis. Minor versions upgrade in the
    maintenance window."""
    node_type: str = "cache.t4g.micro"
    """The node type. Cost: per node, `elasticache.<engine>.cache.t4g.micro.hour`
    for the default type."""
    nodes: int = 1
    """Number of nodes (primary plus replicas); 2 or more turn on automatic failover and
    Multi-AZ. Cost: each node costs as much as the first."""
    snapshot_retention_days: int = 0
    """Days daily snapshots are kept; above 0 also a final snapshot on delete. 0: no snapshots.
    Cost: snapshot storage, cents for a micro node."""
    secret_recovery_window_days: int = 0
    """Days Secrets Manager keeps the auth token secret after `destroy` (0: deleted at once)."""


def cache_args(
    settings: Settings,
    naming: Naming,
    vpc_id: pulumi.Input[str],
    subnet_ids: Sequence[pulumi.Input[str]],
) -> CacheArgs:
    """The stack's cache, in the VPC's isolated subnets `subnet_ids`; with deletion
    protection off, no snapshot is kept and the token secret goes at once."""
    keep_data = settings.deletion_protection
    return CacheArgs(
        replication_group_id=naming.physical("elasticache", "cache"),
        vpc_id=vpc_id,
        subnet_ids=subnet_ids,
        engine=settings.redis_engine,
        node_type=settings.redis_node_type,
        nodes=settings.redis_nodes,
        snapshot_retention_days=settings.backup_retention_days if keep_data else 0,
        secret_recovery_window_days=30 if keep_data else 0,
    )


class Cache(Component):
    """ElastiCache (Valkey or Redis OSS) with TLS, at-rest encryption and an auth token."""

    security_group: aws.ec2.SecurityGroup
    subnet_group: aws.elasticache.SubnetGroup
    auth_token: random.RandomPassword
    auth_token_secret: aws.secretsmanager.Secret
    replication_group: aws.elasticache.ReplicationGroup
    host: pulumi.Output[str]
    port: int
    tls: bool
    auth_token_secret_arn: pulumi.Output[str]

    def __init__(self, name: str, args: CacheArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("fullstack:data:Cache", name, args.transform, opts)
        self.args = args
        if not 1 <= args.nodes <= 6:
            raise ValueError(f"nodes must be 1 to 6, not {args.nodes}")
        self.port = REDIS_PORT
        self.tls = True
        self.security_group = self._create_security_group()
        self.subnet_group = self._create_subnet_group()
        self.auth_token, self.auth_token_secret = self._create_auth_token()
        self.replication_group = self._create_replication_group()
        self.host = self.replication_group.primary_endpoint_address
        self.auth_token_secret_arn = self.auth_token_secret.arn
        self._finish(
            {
                "host": self.host,
                "port": self.port,
                "tls": self.tls,
                "authTokenSecretArn": self.auth_token_secret_arn,
                "securityGroupId": self.security_group.id,
            }
        )

    # -- public --------------------------------------------------------------------------------

    @property
    def multi_az(self) -> bool:
        """Automatic failover and Multi-AZ: only with a replica to fail over to."""
        return self.args.nodes >= 2

    @property
    def node_ids(self) -> list[str]:
        """Cache cluster ids of the group's nodes (`<group>-001`, ...): the metrics' dimension."""
        return [f"{self.args.replication_group_id}-{n:03d}" for n in range(1, self.args.nodes + 1)]

    @property
    def url_without_token(self) -> pulumi.Output[str]:
        """`rediss://<host>:6379`: the app adds the token from REDIS_AUTH_TOKEN."""
        return pulumi.Output.concat("rediss://", self.host, ":", str(self.port))

    @property
    def entry(self) -> Endpoint:
        """Redis/Valkey (6379, TLS) behind the group's security group: `connect` to it."""
        return Endpoint(
            self, self._name, "cache", self.security_group.id, self.port, "Redis/Valkey (TLS)"
        )

    def exports(self) -> dict[str, object]:
        """Its stack outputs: where it is, and the ARN of the AUTH token's secret."""
        return {
            "redisHost": self.host,
            "redisPort": self.port,
            "redisTls": self.tls,
            "redisAuthTokenSecretArn": self.auth_token_secret_arn,
        }

    def link(self) -> Link:
        """What a workload that uses the cache gets: host, port and TLS as plain values, the
        AUTH token as a container secret (and for the execution role), and the endpoint."""
        return Link(
            environment={
                "REDIS_HOST": self.host,
                "REDIS_PORT": str(self.port),
                "REDIS_TLS": "true" if self.tls else "false",
            },
            secrets={"REDIS_AUTH_TOKEN": self.auth_token_secret_arn},
            secret_arns=[self.auth_token_secret_arn],
            endpoint=self.entry,
        )

    # -- steps ---------------------------------------------------------------------------------

    def _create_security_group(self) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            f"{self._name}-sg",
            aws.ec2.SecurityGroupArgs(
                vpc_id=self.args.vpc_id,
                description="ElastiCache: 6379 (TLS) from the service security groups only",
                tags={"Name": f"{self.args.replication_group_id}-sg"},
            ),
            opts=self._child(),
        )

    def _create_subnet_group(self) -> aws.elasticache.SubnetGroup:
        return aws.elasticache.SubnetGroup(
            f"{self._name}-subnets",
            aws.elasticache.SubnetGroupArgs(
                name=f"{self.args.replication_group_id}-isolated",
                description="Isolated subnets (no route out of the VPC) for ElastiCache",
                subnet_ids=self.args.subnet_ids,
            ),
            opts=self._child(delete_before_replace=True),
        )

    def _create_auth_token(self) -> tuple[random.RandomPassword, aws.secretsmanager.Secret]:
        return generated_secret(
            f"{self._name}-auth-token",
            password=random.RandomPasswordArgs(
                length=AUTH_TOKEN_LENGTH,
                special=False,
                min_upper=1,
                min_lower=1,
                min_numeric=1,
            ),
            description=(
                f"AUTH token of ElastiCache {self.args.replication_group_id} "
                "(plain string; ECS injects it as REDIS_AUTH_TOKEN)"
            ),
            recovery_window_days=self.args.secret_recovery_window_days,
            opts=self._child(),
        )

    def _final_snapshot_name(self) -> pulumi.Output[str] | None:
        if self.args.snapshot_retention_days == 0:
            return None
        # Switching the engine (redis <-> valkey) may replace the group: a new suffix with it.
        return final_snapshot_name(
            self,
            f"{self._name}-final-snapshot",
            self.args.replication_group_id,
            replaced_with={"engine": self.args.engine},
        )

    def _create_replication_group(self) -> aws.elasticache.ReplicationGroup:
        args = self.args
        snapshots = args.snapshot_retention_days > 0
        return aws.elasticache.ReplicationGroup(
            f"{self._name}-group",
            aws.elasticache.ReplicationGroupArgs(
                replication_group_id=args.replication_group_id,
                description=f"{args.engine} for the app's cache and worker queue (TLS + AUTH)",
                engine=args.engine,
                engine_version=args.engine_version or DEFAULT_ENGINE_VERSIONS[args.engine],
                node_type=args.node_type,
                num_cache_clusters=args.nodes,
                port=REDIS_PORT,
                subnet_group_name=self.subnet_group.name,
                security_group_ids=[self.security_group.id],
                transit_encryption_enabled=True,
                at_rest_encryption_enabled=True,
                auth_token=pulumi.Output.secret(self.auth_token.result),
                automatic_failover_enabled=self.multi_az,
                multi_az_enabled=self.multi_az,
                snapshot_retention_limit=args.snapshot_retention_days,
                snapshot_window="03:00-04:00" if snapshots else None,
                maintenance_window="sun:05:00-sun:06:00",
                # Supported for Valkey and for Redis OSS 6 and later (pulumi_aws docstring).
                auto_minor_version_upgrade=True,
                final_snapshot_identifier=self._final_snapshot_name(),
            ),
            opts=self._child(delete_before_replace=True),
        )
