"""One pricing function per group of resource types, and `estimate`, which runs them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stackctl import aws_types as types
from stackctl.cost.free import FREE_TYPES
from stackctl.cost.lines import Pricer
from stackctl.cost.model import FREE_TIERS, Assumptions, Estimate
from stackctl.cost.schedule import HOURS_PER_WEEK, instance_awake_hours_per_week
from stackctl.cost.serverless import SERVERLESS_STEPS, SERVERLESS_TYPES
from stackctl.cost.tasks import as_float, idle_tasks
from stackctl.harness import Graph, Resource
from stackctl.prices import PriceTable, load_prices


def _architecture(task_definition: Resource) -> str:
    platform = task_definition.get("runtimePlatform") or {}
    arch = str(platform.get("cpuArchitecture") or "X86_64").upper()
    return "arm64" if arch == "ARM64" else "x86_64"


def split_by_strategy(count: int, strategy: list[dict[str, Any]]) -> dict[str, float]:
    """Tasks per capacity provider: each provider's `base` first, the rest by `weight`."""
    if not strategy:
        return {"FARGATE": float(count)}
    result = {str(s.get("capacityProvider")): 0.0 for s in strategy}
    remaining = float(count)
    for item in strategy:
        base = min(remaining, as_float(item.get("base")))
        result[str(item.get("capacityProvider"))] += base
        remaining -= base
    weights = {str(s.get("capacityProvider")): as_float(s.get("weight")) for s in strategy}
    total_weight = sum(weights.values())
    if remaining > 0:
        if total_weight <= 0:
            # AWS rejects an all-zero-weight strategy; price the remainder as on-demand.
            result["FARGATE"] = result.get("FARGATE", 0.0) + remaining
        else:
            for provider, weight in weights.items():
                result[provider] += remaining * weight / total_weight
    return {k: v for k, v in result.items() if v > 0}


def _price_services(p: Pricer) -> None:
    graph = p.graph
    task_definitions = {
        str(td.outputs.get("arn")): td for td in graph.of_type(types.TASK_DEFINITION) if td.outputs
    }
    by_family = {str(td.get("family")): td for td in graph.of_type(types.TASK_DEFINITION)}
    default_strategy: list[dict[str, Any]] = []
    for capacity in graph.of_type(types.CLUSTER_CAPACITY):
        default_strategy = list(capacity.get("defaultCapacityProviderStrategies") or [])
    used: set[str] = set()
    for service in graph.of_type(types.SERVICE):
        ref = str(service.get("taskDefinition"))
        task = task_definitions.get(ref) or by_family.get(ref.split(":", maxsplit=1)[0])
        if task is None:
            p.unpriced("compute", service, "ECS service", f"task definition {ref!r} not found")
            continue
        used.add(task.urn)
        name = str(service.get("name") or service.name)
        idle = idle_tasks(graph, service)
        count, count_note, share = idle.count, idle.note, idle.share
        if service.get("launchType") and not service.get("capacityProviderStrategies"):
            strategy = [{"capacityProvider": "FARGATE", "weight": 1}]
        else:
            strategy = list(service.get("capacityProviderStrategies") or default_strategy)
        arch = _architecture(task)
        vcpu = as_float(task.get("cpu")) / 1024
        memory_gb = as_float(task.get("memory")) / 1024
        if count == 0:
            p.hourly(
                "compute",
                service,
                f"{name}: 0 tasks (parked)",
                f"fargate.ondemand.{arch}.vcpu_hour",
                0,
                f"{count_note}: the service runs no task (no image deployed yet?)",
            )
        for provider, tasks in split_by_strategy(count, strategy).items():
            kind = "spot" if provider == "FARGATE_SPOT" else "ondemand"
            label = f"{name}: {tasks:g} x {vcpu:g} vCPU/{memory_gb:g} GB {arch} {provider}"
            note = f"{count_note}; strategy {_strategy_text(strategy)}"
            p.hourly(
                "compute",
                service,
                f"{label} (vCPU)",
                f"fargate.{kind}.{arch}.vcpu_hour",
                tasks * vcpu * share,
                note,
            )
            p.hourly(
                "compute",
                service,
                f"{label} (memory)",
                f"fargate.{kind}.{arch}.gb_hour",
                tasks * memory_gb * share,
            )
    for task in graph.of_type(types.TASK_DEFINITION):
        if task.urn not in used:
            p.free(
                "compute",
                task,
                f"task definition {task.get('family')} (no service)",
                "runs on demand (e.g. migrations): nothing idle",
            )


def _strategy_text(strategy: list[dict[str, Any]]) -> str:
    parts = []
    for item in strategy:
        base = int(as_float(item.get("base")))
        text = f"{item.get('capacityProvider')} w{int(as_float(item.get('weight')))}"
        parts.append(text + (f" base {base}" if base else ""))
    return ", ".join(parts)


def _price_network(p: Pricer) -> None:
    graph = p.graph
    for gateway in graph.of_type(types.NAT_GATEWAY):
        private = str(gateway.get("connectivityType") or "public") == "private"
        p.hourly(
            "network",
            gateway,
            "NAT gateway" + (" (private)" if private else ""),
            "nat_gateway.hour",
            1,
        )
        p.monthly(
            "network",
            gateway,
            "NAT gateway data processed",
            "nat_gateway.gb",
            p.assume.nat_data_gb,
            "assumption natDataGb",
        )
    scheduled_eips: set[str] = set()
    for instance in graph.of_type(types.INSTANCE):
        itype = str(instance.get("instanceType"))
        awake = instance_awake_hours_per_week(graph, instance)
        share = 1.0 if awake is None else awake / HOURS_PER_WEEK
        asleep_note = ""
        if awake is not None:
            asleep_note = (
                f"stopped and started by EventBridge Scheduler: runs {awake:g} of "
                f"{HOURS_PER_WEEK} h a week"
            )
            scheduled_eips.update(_instance_eips(graph, instance))
        p.hourly(
            "network",
            instance,
            f"EC2 {itype} (NAT instance)"
            if instance.get("sourceDestCheck") is False
            else f"EC2 {itype}",
            f"ec2.{itype}.hour",
            share,
            asleep_note,
        )
        root = instance.get("rootBlockDevice") or {}
        size = as_float(root.get("volumeSize"), p.assume.nat_instance_root_gb)
        vtype = str(root.get("volumeType") or "gp3")
        notes = [] if root.get("volumeSize") else ["size not set: assumption natInstanceRootGb"]
        if awake is not None:
            notes.append("EBS bills while the instance is stopped (aws-facts#stopped-instance)")
        p.monthly(
            "network",
            instance,
            f"root volume {size:g} GB {vtype}",
            f"ebs.{vtype}.gb_month",
            size,
            "; ".join(notes),
        )
        if instance.get("associatePublicIpAddress") is True:
            # An auto-assigned public IPv4 is released when the instance stops and a new one
            # assigned when it starts (aws-facts#stopped-instance): it bills the awake hours.
            p.hourly(
                "network",
                instance,
                "auto-assigned public IPv4",
                "public_ipv4.hour",
                share,
                "released while stopped" if awake is not None else "",
            )
    for eip in graph.of_type(types.EIP):
        # An Elastic IP bills every hour it is allocated, attached or not
        # (aws-facts#stopped-instance): it keeps billing while its instance sleeps.
        p.hourly(
            "network",
            eip,
            "Elastic IP (public IPv4, in use or idle)",
            "public_ipv4.hour",
            1,
            "keeps billing while the instance is stopped" if eip.urn in scheduled_eips else "",
        )
    for endpoint in graph.of_type(types.VPC_ENDPOINT):
        kind = str(endpoint.get("vpcEndpointType") or "Gateway")
        service = str(endpoint.get("serviceName") or "").split(".")[-1]
        if kind == "Interface":
            azs = len(endpoint.get("subnetIds") or []) or 1
            p.hourly(
                "network",
                endpoint,
                f"interface endpoint {service} x {azs} AZ",
                "vpc_endpoint.interface.az_hour",
                azs,
            )
            p.monthly(
                "network",
                endpoint,
                f"interface endpoint {service} data",
                "vpc_endpoint.interface.gb",
                p.assume.endpoint_data_gb,
                "assumption endpointDataGb",
            )
        else:
            p.monthly(
                "network",
                endpoint,
                f"{kind.lower()} endpoint {service}",
                "vpc_endpoint.gateway.month",
                1,
            )


def _instance_eips(graph: Graph, instance: Resource) -> set[str]:
    """URNs of the Elastic IPs attached to `instance` (`instance` input or an association)."""
    found = {e.urn for e in graph.of_type(types.EIP) if e.get("instance") == instance.id}
    eips = {e.id: e for e in graph.of_type(types.EIP)}
    for association in graph.of_type(types.EIP_ASSOCIATION):
        eip = eips.get(str(association.get("allocationId")))
        if eip is not None and association.get("instanceId") == instance.id:
            found.add(eip.urn)
    return found


def _price_edge(p: Pricer) -> None:
    graph = p.graph
    for alb in graph.of_type(types.ALB):
        if str(alb.get("loadBalancerType") or "application") != "application":
            p.unpriced(
                "edge",
                alb,
                f"{alb.get('loadBalancerType')} load balancer",
                "only application load balancers are in the table",
            )
            continue
        p.hourly("edge", alb, "application load balancer", "alb.hour", 1)
        p.hourly(
            "edge",
            alb,
            f"idle LCUs ({p.assume.alb_lcu:g})",
            "alb.lcu_hour",
            p.assume.alb_lcu,
            "assumption albLcu",
        )
        if alb.get("internal") is not True:
            azs = len(alb.get("subnets") or alb.get("subnetMappings") or []) or 2
            p.hourly(
                "edge",
                alb,
                f"internet-facing: {azs} public IPv4 (one per AZ)",
                "public_ipv4.hour",
                azs,
            )
    for distribution in graph.of_type(types.DISTRIBUTION):
        p.monthly(
            "edge", distribution, "CloudFront distribution", "cloudfront.distribution.month", 1
        )
    for acl in graph.of_type(types.WEB_ACL):
        rules = len(acl.get("rules") or [])
        p.monthly("edge", acl, "WAF web ACL", "wafv2.web_acl.month", 1)
        if rules:
            p.monthly("edge", acl, f"WAF rules x {rules}", "wafv2.rule.month", rules)
        p.monthly(
            "edge",
            acl,
            "WAF requests",
            "wafv2.requests.million",
            p.assume.waf_requests_million,
            "assumption wafRequestsMillion",
        )
    for zone in graph.of_type(types.ZONE):
        p.monthly("dns", zone, f"hosted zone {zone.get('name')}", "route53.zone.month", 1)
    for token, args in graph.calls:
        if token == types.GET_ZONE:
            placeholder = Resource(
                urn="",
                type=types.GET_ZONE,
                name=str(args.get("name") or "zone"),
                custom=False,
                parent="",
                inputs={},
            )
            p.free(
                "dns",
                placeholder,
                "looked-up hosted zone",
                "not created by this stack: billed to whoever owns it",
            )
            break


def _price_data(p: Pricer) -> None:
    graph = p.graph
    instances = graph.of_type(types.RDS_CLUSTER_INSTANCE)
    for cluster in graph.of_type(types.RDS_CLUSTER):
        scaling = cluster.get("serverlessv2ScalingConfiguration") or {}
        min_acu = as_float(scaling.get("minCapacity"))
        ident = cluster.get("clusterIdentifier")
        members = [
            i
            for i in instances
            if i.get("clusterIdentifier") in (cluster.id, ident, cluster.outputs.get("id"))
        ]
        for member in members:
            klass = str(member.get("instanceClass"))
            if klass == "db.serverless":
                if min_acu == 0:
                    pause = scaling.get("secondsUntilAutoPause")
                    p.hourly(
                        "database",
                        member,
                        "Aurora Serverless v2 at 0 ACU (paused)",
                        "aurora.serverless_v2.acu_hour",
                        0,
                        f"assumes it pauses: no open connection for {pause} s; "
                        "each hour awake costs min 0.5 ACU",
                    )
                else:
                    p.hourly(
                        "database",
                        member,
                        f"Aurora Serverless v2 at min {min_acu:g} ACU",
                        "aurora.serverless_v2.acu_hour",
                        min_acu,
                    )
            else:
                p.hourly("database", member, f"Aurora instance {klass}", f"rds.{klass}.hour", 1)
        if not members:
            p.unpriced(
                "database",
                cluster,
                "Aurora cluster without a known instance",
                "no aws:rds/clusterInstance found for it",
            )
        p.monthly(
            "database",
            cluster,
            "Aurora storage",
            "aurora.storage.gb_month",
            p.assume.aurora_storage_gb,
            "assumption auroraStorageGb",
        )
        p.monthly(
            "database",
            cluster,
            "Aurora I/O (standard)",
            "aurora.io.million",
            p.assume.aurora_io_million,
            "assumption auroraIoMillion",
        )
        if cluster.get("manageMasterUserPassword") is True:
            p.monthly(
                "secrets", cluster, "RDS-managed master secret", "secretsmanager.secret.month", 1
            )
    for instance in graph.of_type(types.RDS_INSTANCE):
        klass = str(instance.get("instanceClass"))
        p.hourly("database", instance, f"RDS {klass}", f"rds.{klass}.hour", 1)
    for group in graph.of_type(types.REPLICATION_GROUP):
        node = str(group.get("nodeType"))
        engine = str(group.get("engine") or "redis")
        if group.get("numCacheClusters") is not None:
            nodes = int(as_float(group.get("numCacheClusters"), 1))
        else:
            shards = int(as_float(group.get("numNodeGroups"), 1))
            nodes = shards * (1 + int(as_float(group.get("replicasPerNodeGroup"))))
        p.hourly(
            "cache",
            group,
            f"ElastiCache {engine} {node} x {nodes}",
            f"elasticache.{engine}.{node}.hour",
            nodes,
        )
    for cache in graph.of_type(types.SERVERLESS_CACHE):
        p.unpriced("cache", cache, "ElastiCache Serverless", "not in the price table")


# Cognito's Lite and Essentials plans include 10,000 monthly active users per account (AWS's
# Cognito pricing page, as transcribed 2026-09; prices/prices.yaml `cognito`).
COGNITO_FREE_MAU = 10_000


def _price_storage_and_ops(p: Pricer) -> None:
    graph = p.graph
    for secret in graph.of_type(types.SECRET):
        p.monthly("secrets", secret, "Secrets Manager secret", "secretsmanager.secret.month", 1)
    for parameter in graph.of_type(types.PARAMETER):
        tier = parameter.get("tier") or "Standard"  # the provider's default tier
        if tier == "Standard":
            p.monthly(
                "secrets",
                parameter,
                f"SSM {parameter.get('type') or ''} parameter (standard tier)".replace("  ", " "),
                "ssm.parameter.standard.month",
                1,
            )
        else:
            p.unpriced("secrets", parameter, f"SSM parameter ({tier} tier)", "not in the table")
    for key in graph.of_type(types.KMS_KEY):
        p.monthly("secrets", key, "KMS customer managed key", "kms.key.month", 1)
    for pool in graph.of_type(types.USER_POOL):  # billed per monthly active user, none idle
        billed = max(0.0, p.assume.cognito_mau - COGNITO_FREE_MAU)
        p.monthly(
            "secrets",
            pool,
            f"Cognito {pool.get('userPoolTier') or 'ESSENTIALS'} MAU above {COGNITO_FREE_MAU:,}",
            "cognito.essentials.mau",
            billed,
            "assumption cognitoMau; the free MAU are per account, shared by its pools",
        )
    for bucket in graph.of_type(types.BUCKET):
        p.monthly(
            "storage",
            bucket,
            "S3 standard storage",
            "s3.standard.gb_month",
            p.assume.s3_gb_per_bucket,
            "assumption s3GbPerBucket",
        )
    for repository in graph.of_type(types.REPOSITORY):
        p.monthly(
            "storage",
            repository,
            f"ECR storage {repository.get('name') or ''}".strip(),
            "ecr.storage.gb_month",
            p.assume.ecr_gb_per_repository,
            "assumption ecrGbPerRepository",
        )
    alarms = graph.of_type(types.ALARM)
    for alarm in alarms:
        p.monthly(
            "monitoring",
            alarm,
            "CloudWatch alarm",
            "cloudwatch.alarm.month",
            1,
            "account free tier (10 alarms) not applied",
        )
    for dashboard in graph.of_type(types.DASHBOARD):
        p.monthly(
            "monitoring",
            dashboard,
            "CloudWatch dashboard",
            "cloudwatch.dashboard.month",
            1,
            "account free tier (3) not applied",
        )
    for group in graph.of_type(types.LOG_GROUP):
        ingest = p.assume.log_ingest_gb_per_group
        retention = int(as_float(group.get("retentionInDays")))
        kept_days = retention if retention > 0 else 3653  # never expire: ~10 years bound
        stored = ingest * min(kept_days, 3653) / 30
        label = f"{retention} d" if retention else "never expires"
        p.monthly(
            "logs",
            group,
            f"logs ingest {ingest:g} GB ({group.get('name')})",
            "logs.ingest.gb",
            ingest,
            "assumption logIngestGbPerGroup",
        )
        p.monthly(
            "logs",
            group,
            f"logs stored {stored:.3g} GB (retention {label})",
            "logs.storage.gb_month",
            stored,
            "steady state: ingest x retention / 30",
        )
    for cluster in graph.of_type(types.ECS_CLUSTER):
        settings = {s.get("name"): s.get("value") for s in cluster.get("settings") or []}
        if settings.get("containerInsights") in ("enabled", "enhanced"):
            p.unpriced(
                "monitoring",
                cluster,
                "ECS Container Insights",
                "billed as custom metrics + performance logs by task count; not in the price table",
            )


_STEPS: tuple[Callable[[Pricer], None], ...] = (
    _price_services,
    _price_network,
    _price_edge,
    _price_data,
    _price_storage_and_ops,
    *SERVERLESS_STEPS,
)
_HANDLED = frozenset(
    {
        types.SERVICE,
        types.NAT_GATEWAY,
        types.INSTANCE,
        types.EIP,
        types.VPC_ENDPOINT,
        types.ALB,
        types.DISTRIBUTION,
        types.WEB_ACL,
        types.ZONE,
        types.RDS_CLUSTER,
        types.RDS_CLUSTER_INSTANCE,
        types.RDS_INSTANCE,
        types.REPLICATION_GROUP,
        types.SERVERLESS_CACHE,
        types.SECRET,
        types.PARAMETER,
        types.USER_POOL,
        types.KMS_KEY,
        types.BUCKET,
        types.REPOSITORY,
        types.ALARM,
        types.DASHBOARD,
        types.LOG_GROUP,
        *SERVERLESS_TYPES,
    }
)


def estimate(
    graph: Graph,
    region: str | None = None,
    assumptions: Assumptions | None = None,
    table: PriceTable | None = None,
) -> Estimate:
    """Itemized idle cost of `graph` in `region` (the stack's `aws:region` by default)."""
    table = table or load_prices()
    assume = assumptions or Assumptions()
    region = region or graph.config.get("aws:region", "us-east-1")
    pricer = Pricer(graph, table, assume, region)
    for step in _STEPS:
        step(pricer)
    free: dict[str, int] = {}
    for resource in graph.custom_resources():
        if resource.type in _HANDLED:
            continue
        if resource.type in FREE_TYPES:
            free[resource.type] = free.get(resource.type, 0) + 1
            continue
        if resource.type.startswith(("pulumi:providers:", "random:")):
            # A provider and a generated value are not AWS resources: nothing to bill.
            continue
        pricer.unpriced(
            "other", resource, resource.type.split(":")[-1], "type not known to the cost model"
        )
    profile = str(graph.config.get(f"{graph.project}:profile", "?"))
    # An item of the table without a figure in the region: the total would understate the bill.
    gaps = sorted(
        {li.price_item for li in pricer.lines if li.price_item in table.units and not li.priced}
    )
    return Estimate(
        stack=graph.stack,
        profile=profile,
        region=region,
        hours_per_month=table.hours_per_month,
        lines=pricer.lines,
        assumptions=assume.described(),
        statements=list(FREE_TIERS),
        region_note=table.cannot_price(region, gaps),
        region_gaps=tuple(gaps),
        free={token: (count, FREE_TYPES[token]) for token, count in sorted(free.items())},
    )
