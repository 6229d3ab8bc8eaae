"""`stackctl cost`: an itemized idle monthly and hourly estimate, from the program's own graph.

The model walks the resources a stack *declares* (the `Graph` that `run_program` records, not
the settings) and turns each priced resource into line items with the dated price table in
prices/prices.yaml. What it reflects, resource by resource:

- ECS services: task cpu/memory and `runtimePlatform.cpuArchitecture` of the task definition;
  the capacity provider strategy (on-demand `base` first, the rest split by `weight` between
  FARGATE and FARGATE_SPOT); the idle task count is the autoscaling target's `minCapacity`
  when one exists, else `desiredCount`. Task definitions without a service (the migration
  task) run on demand: $0 idle.
- NAT: a NAT gateway per hour plus processed GB (assumption); a NAT instance per instance-hour
  plus its root gp3 volume (8 GB assumed when the size is not set). Every Elastic IP is a
  public IPv4 address ($0.005/h), and so is an instance's auto-assigned public IP.
- ALB: hour plus an idle LCU assumption; an internet-facing ALB holds one public IPv4 address
  per subnet (AZ); an internal one none.
- Aurora Serverless v2: every `db.serverless` instance runs at the cluster's minimum ACU.
  0 ACU means the cluster pauses when idle (no open connection for `secondsUntilAutoPause`):
  $0 compute, which the output states. Storage and I/O per assumption. An RDS-managed master
  secret (`manageMasterUserPassword`) is a Secrets Manager secret.
- ElastiCache replication groups: node type x nodes (Valkey or Redis OSS price).
- Interface VPC endpoints per AZ (subnet) hour plus GB; gateway endpoints are free.
- CloudWatch alarms and dashboards at list price: the account-wide free tier (10 alarms,
  3 dashboards) is stated, not applied, because other stacks in the account may use it.
- Log groups: ingest GB a month (assumption) and the stored GB that follows from retention.
- KMS keys, Secrets Manager secrets, Route 53 zones the program creates (a looked-up zone is
  not the stack's and costs it nothing), WAF web ACLs with their rules, S3 and ECR storage
  (assumptions), CloudFront (stated to be within the always-free tier).

An item or region without a price is listed as *unpriced* with the reason, never as $0.
Container Insights is billed by AWS as custom metrics and performance-log ingestion: listed
unpriced. Data transfer out through CloudFront is within its free tier; NAT and endpoint GB
are assumptions you can change: `cost --stack dev --assume natDataGb=20`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from stackctl.harness import Graph, Resource
from stackctl.prices import PriceTable, load_prices

# -- usage assumptions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Assumptions:
    """Usage that idle prices depend on. Each one is printed and can be overridden."""

    log_ingest_gb_per_group: float = 0.1  # GB ingested a month by each log group, idle
    aurora_storage_gb: float = 1.0  # GB of data in each Aurora cluster
    aurora_io_million: float = 0.1  # million I/O requests a month per cluster (standard)
    s3_gb_per_bucket: float = 1.0  # GB stored in each bucket
    ecr_gb_per_repository: float = 1.0  # GB of images kept in each repository
    nat_data_gb: float = 5.0  # GB through each NAT gateway a month (image pulls, API calls)
    endpoint_data_gb: float = 1.0  # GB through each interface endpoint a month
    alb_lcu: float = 0.1  # average LCUs of an idle ALB (health checks only)
    waf_requests_million: float = 0.0  # million requests a month through WAF (idle: none)
    nat_instance_root_gb: float = 8.0  # root volume of a NAT instance when the size is not set

    # camelCase names as the CLI accepts them (`--assume natDataGb=20`).
    @staticmethod
    def keys() -> dict[str, str]:
        return {_camel(f): f for f in Assumptions.__dataclass_fields__}

    def with_overrides(self, overrides: Iterable[str]) -> Assumptions:
        known = self.keys()
        changes: dict[str, float] = {}
        for override in overrides:
            key, sep, text = override.partition("=")
            if not sep or key not in known:
                raise ValueError(
                    f"assumption {override!r}: expected KEY=NUMBER with KEY one of "
                    f"{', '.join(sorted(known))}"
                )
            try:
                value = float(text)
            except ValueError:
                raise ValueError(f"assumption {key}: {text!r} is not a number") from None
            if value < 0:
                raise ValueError(f"assumption {key}: {value} is negative")
            changes[known[key]] = value
        return replace(self, **changes)

    def described(self) -> dict[str, float]:
        return {_camel(k): v for k, v in asdict(self).items()}


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p.capitalize() for p in rest)


FREE_TIERS = (
    "CloudWatch: the first 10 alarms and 3 dashboards of an account are free; priced here at "
    "list price because other stacks in the account may use them",
    "CloudFront: the first 1 TB out and 10M requests a month are free (always-free tier, "
    "account-wide); an idle stack stays inside it",
    "Aurora backups up to 100% of the cluster's storage are free; Performance Insights with 7 "
    "days of retention is free",
    "Fargate: 20 GB of ephemeral storage per task is included",
)

# -- the model ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineItem:
    """One priced (or unpriced) quantity of one resource."""

    category: str
    resource: str  # logical name
    type: str
    description: str
    quantity: float
    unit: str
    unit_usd: float | None  # None: unpriced
    monthly_usd: float | None
    hourly_usd: float | None
    price_item: str = ""
    source: str = ""
    date: str = ""
    note: str = ""

    @property
    def priced(self) -> bool:
        return self.monthly_usd is not None


@dataclass
class Estimate:
    stack: str
    profile: str
    region: str
    hours_per_month: int
    lines: list[LineItem] = field(default_factory=list)
    assumptions: dict[str, float] = field(default_factory=dict)
    statements: list[str] = field(default_factory=list)
    region_note: str = ""

    @property
    def total_monthly(self) -> float:
        return round(sum(line.monthly_usd or 0.0 for line in self.lines), 2)

    @property
    def total_hourly(self) -> float:
        return round(sum(line.hourly_usd or 0.0 for line in self.lines), 4)

    @property
    def unpriced(self) -> list[LineItem]:
        return [line for line in self.lines if not line.priced]

    def top(self, count: int = 8) -> list[LineItem]:
        priced = [line for line in self.lines if line.priced]
        return sorted(priced, key=lambda line: -(line.monthly_usd or 0.0))[:count]

    def by_category(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for line in self.lines:
            totals[line.category] = totals.get(line.category, 0.0) + (line.monthly_usd or 0.0)
        return {k: round(v, 2) for k, v in totals.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "profile": self.profile,
            "region": self.region,
            "hoursPerMonth": self.hours_per_month,
            "totalMonthlyUsd": self.total_monthly,
            "totalHourlyUsd": self.total_hourly,
            "complete": not self.unpriced,
            "byCategory": self.by_category(),
            "lines": [
                {
                    "category": line.category,
                    "resource": line.resource,
                    "type": line.type,
                    "description": line.description,
                    "quantity": line.quantity,
                    "unit": line.unit,
                    "unitUsd": line.unit_usd,
                    "monthlyUsd": None if line.monthly_usd is None else round(line.monthly_usd, 4),
                    "hourlyUsd": None if line.hourly_usd is None else round(line.hourly_usd, 6),
                    "priceItem": line.price_item,
                    "source": line.source,
                    "date": line.date,
                    "note": line.note,
                }
                for line in self.lines
            ],
            "unpriced": [
                f"{line.resource}: {line.description} ({line.note})" for line in self.unpriced
            ],
            "assumptions": self.assumptions,
            "statements": self.statements,
            "regionNote": self.region_note,
        }


class _Pricer:
    """Builds line items for one graph in one region."""

    def __init__(self, graph: Graph, table: PriceTable, assume: Assumptions, region: str) -> None:
        self.graph = graph
        self.table = table
        self.assume = assume
        self.region = region
        self.hours = table.hours_per_month
        self.lines: list[LineItem] = []
        self.statements: list[str] = []

    # A quantity billed per hour (count of things running all month).
    def hourly(  # noqa: PLR0917 (the line item fields, in order)
        self,
        category: str,
        resource: Resource,
        description: str,
        item: str,
        quantity: float,
        note: str = "",
    ) -> None:
        self._add(category, resource, description, item, quantity, per_hour=True, note=note)

    # A quantity billed per month (GB-month, secret-month, GB ingested a month...).
    def monthly(  # noqa: PLR0917 (the line item fields, in order)
        self,
        category: str,
        resource: Resource,
        description: str,
        item: str,
        quantity: float,
        note: str = "",
    ) -> None:
        self._add(category, resource, description, item, quantity, per_hour=False, note=note)

    def free(self, category: str, resource: Resource, description: str, note: str) -> None:
        self.lines.append(
            LineItem(
                category,
                resource.name,
                resource.type,
                description,
                1,
                "-",
                0.0,
                0.0,
                0.0,
                note=note,
            )
        )

    def unpriced(self, category: str, resource: Resource, description: str, note: str) -> None:
        self.lines.append(
            LineItem(
                category,
                resource.name,
                resource.type,
                description,
                1,
                "-",
                None,
                None,
                None,
                note=f"UNPRICED: {note}",
            )
        )

    def _add(  # noqa: PLR0917 (the line item fields, in order)
        self,
        category: str,
        resource: Resource,
        description: str,
        item: str,
        quantity: float,
        per_hour: bool,
        note: str,
    ) -> None:
        region = str(resource.inputs.get("region") or self.region)
        price = self.table.get(item, region)
        unit = self.table.units.get(item, item)
        if price is None:
            reason = self.table.unpriced_regions.get(region, f"no price for {item} in {region}")
            self.lines.append(
                LineItem(
                    category,
                    resource.name,
                    resource.type,
                    description,
                    quantity,
                    unit,
                    None,
                    None,
                    None,
                    price_item=item,
                    note=f"UNPRICED: {reason}" + (f"; {note}" if note else ""),
                )
            )
            return
        if per_hour:
            hourly = quantity * price.usd
            monthly = hourly * self.hours
        else:
            monthly = quantity * price.usd
            hourly = monthly / self.hours
        notes = "; ".join(n for n in (note, price.note) if n)
        self.lines.append(
            LineItem(
                category,
                resource.name,
                resource.type,
                description,
                quantity,
                unit,
                price.usd,
                monthly,
                hourly,
                price_item=item,
                source=self.table.sources[price.source],
                date=price.date,
                note=notes,
            )
        )


# -- resource types --------------------------------------------------------------------------

SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SCALING_TARGET = "aws:appautoscaling/target:Target"
SCHEDULED_ACTION = "aws:appautoscaling/scheduledAction:ScheduledAction"
HOURS_PER_WEEK = 168
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
CLUSTER_CAPACITY = "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"
ALB = "aws:lb/loadBalancer:LoadBalancer"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
INSTANCE = "aws:ec2/instance:Instance"
EIP = "aws:ec2/eip:Eip"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
RDS_CLUSTER = "aws:rds/cluster:Cluster"
RDS_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
RDS_INSTANCE = "aws:rds/instance:Instance"
REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"
SERVERLESS_CACHE = "aws:elasticache/serverlessCache:ServerlessCache"
SECRET = "aws:secretsmanager/secret:Secret"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
KMS_KEY = "aws:kms/key:Key"
ZONE = "aws:route53/zone:Zone"
GET_ZONE = "aws:route53/getZone:getZone"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
BUCKET = "aws:s3/bucket:Bucket"
REPOSITORY = "aws:ecr/repository:Repository"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"

# Types that cost nothing idle (or only through another line): not listed as unpriced.
FREE_TYPES = frozenset(
    {
        "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/routeTable:RouteTable",
        "aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/internetGateway:InternetGateway", "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/policy:Policy", "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        "aws:iam/instanceProfile:InstanceProfile",
        "aws:lb/targetGroup:TargetGroup", "aws:lb/listener:Listener",
        "aws:lb/listenerRule:ListenerRule", "aws:rds/subnetGroup:SubnetGroup",
        "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        "aws:elasticache/subnetGroup:SubnetGroup",
        "aws:secretsmanager/secretVersion:SecretVersion", "aws:s3/bucketPolicy:BucketPolicy",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws:ecs/cluster:Cluster",
        "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
        "aws:appautoscaling/target:Target", "aws:appautoscaling/policy:Policy",
        "aws:appautoscaling/scheduledAction:ScheduledAction",
        "aws:cloudfront/originAccessControl:OriginAccessControl",
        "aws:cloudfront/vpcOrigin:VpcOrigin", "aws:cloudfront/cachePolicy:CachePolicy",
        "aws:cloudfront/originRequestPolicy:OriginRequestPolicy",
        "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy",
        "aws:cloudfront/function:Function", "aws:acm/certificate:Certificate",
        "aws:acm/certificateValidation:CertificateValidation", "aws:route53/record:Record",
        "aws:sns/topic:Topic", "aws:sns/topicSubscription:TopicSubscription",
        "aws:sns/topicPolicy:TopicPolicy", "aws:kms/alias:Alias", "aws:ec2/flowLog:FlowLog",
        "aws:s3/bucketObjectv2:BucketObjectv2", "aws:s3/bucketObject:BucketObject",
        "aws:ecs/taskDefinition:TaskDefinition", "aws:ec2/launchTemplate:LaunchTemplate",
        "aws:ec2/networkInterface:NetworkInterface", "aws:cloudwatch/eventRule:EventRule",
        "aws:cloudwatch/eventTarget:EventTarget", "aws:lambda/permission:Permission",
    }
)  # fmt: skip


def _as_float(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


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
        base = min(remaining, _as_float(item.get("base")))
        result[str(item.get("capacityProvider"))] += base
        remaining -= base
    weights = {str(s.get("capacityProvider")): _as_float(s.get("weight")) for s in strategy}
    total_weight = sum(weights.values())
    if remaining > 0:
        if total_weight <= 0:
            # AWS rejects an all-zero-weight strategy; price the remainder as on-demand.
            result["FARGATE"] = result.get("FARGATE", 0.0) + remaining
        else:
            for provider, weight in weights.items():
                result[provider] += remaining * weight / total_weight
    return {k: v for k, v in result.items() if v > 0}


def awake_hours_per_week(graph: Graph, resource_id: str) -> int | None:
    """Hours a week a sleep schedule keeps a service up, or None without one.

    Reads the two scheduled actions Scaling creates: one that sets max capacity 0 (sleep) and
    one that restores it (wake), both `cron(0 <hour> ? * <days> *)`.
    """
    actions = [a for a in graph.of_type(SCHEDULED_ACTION) if a.get("resourceId") == resource_id]
    sleeps = [a for a in actions if (a.get("scalableTargetAction") or {}).get("maxCapacity") == 0]
    wakes = [a for a in actions if a not in sleeps]
    if len(sleeps) != 1 or len(wakes) != 1:
        return None
    sleep, wake = (_cron_hour_and_days(str(a.get("schedule"))) for a in (sleeps[0], wakes[0]))
    if sleep is None or wake is None or sleep[1] != wake[1]:
        return None
    days = 5 if sleep[1] == "MON-FRI" else 7 if sleep[1] == "*" else None
    if days is None:
        return None
    return ((sleep[0] - wake[0]) % 24) * days


def _cron_hour_and_days(schedule: str) -> tuple[int, str] | None:
    parts = schedule.removeprefix("cron(").removesuffix(")").split()
    if len(parts) != 6 or parts[0] != "0" or not parts[1].isdigit():
        return None
    return int(parts[1]), parts[4]


def _price_services(p: _Pricer) -> None:
    graph = p.graph
    task_definitions = {
        str(td.outputs.get("arn")): td for td in graph.of_type(TASK_DEFINITION) if td.outputs
    }
    by_family = {str(td.get("family")): td for td in graph.of_type(TASK_DEFINITION)}
    scaling = {
        str(t.get("resourceId")): t
        for t in graph.of_type(SCALING_TARGET)
        if str(t.get("scalableDimension")) == "ecs:service:DesiredCount"
    }
    default_strategy: list[dict[str, Any]] = []
    for capacity in graph.of_type(CLUSTER_CAPACITY):
        default_strategy = list(capacity.get("defaultCapacityProviderStrategies") or [])
    used: set[str] = set()
    for service in graph.of_type(SERVICE):
        ref = str(service.get("taskDefinition"))
        task = task_definitions.get(ref) or by_family.get(ref.split(":", maxsplit=1)[0])
        if task is None:
            p.unpriced("compute", service, "ECS service", f"task definition {ref!r} not found")
            continue
        used.add(task.urn)
        name = str(service.get("name") or service.name)
        target = next((t for rid, t in scaling.items() if rid.endswith(f"/{name}")), None)
        awake = None
        if target is not None:
            count = int(_as_float(target.get("minCapacity")))
            count_note = f"scalable target: idle at minCapacity {count}"
            awake = awake_hours_per_week(graph, str(target.get("resourceId")))
            if awake is not None:
                count_note += f"; sleep schedule: up {awake} of {HOURS_PER_WEEK} h a week"
        else:
            count = int(_as_float(service.get("desiredCount"), 1))
            count_note = f"desiredCount {count}"
        if service.get("launchType") and not service.get("capacityProviderStrategies"):
            strategy = [{"capacityProvider": "FARGATE", "weight": 1}]
        else:
            strategy = list(service.get("capacityProviderStrategies") or default_strategy)
        arch = _architecture(task)
        vcpu = _as_float(task.get("cpu")) / 1024
        memory_gb = _as_float(task.get("memory")) / 1024
        if count == 0:
            p.hourly(
                "compute",
                service,
                f"{name}: 0 tasks (parked)",
                f"fargate.ondemand.{arch}.vcpu_hour",
                0,
                f"{count_note}: the service runs no task (no image deployed yet?)",
            )
        share = (awake / HOURS_PER_WEEK) if awake is not None else 1.0
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
    for task in graph.of_type(TASK_DEFINITION):
        if task.urn not in used:
            p.free(
                "compute",
                task,
                f"task definition {task.get('family')} (no service)",
                "runs on demand (e.g. migrations): $0 idle",
            )


def _strategy_text(strategy: list[dict[str, Any]]) -> str:
    parts = []
    for item in strategy:
        base = int(_as_float(item.get("base")))
        text = f"{item.get('capacityProvider')} w{int(_as_float(item.get('weight')))}"
        parts.append(text + (f" base {base}" if base else ""))
    return ", ".join(parts)


def _price_network(p: _Pricer) -> None:
    graph = p.graph
    for gateway in graph.of_type(NAT_GATEWAY):
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
    for instance in graph.of_type(INSTANCE):
        itype = str(instance.get("instanceType"))
        p.hourly(
            "network",
            instance,
            f"EC2 {itype} (NAT instance)"
            if instance.get("sourceDestCheck") is False
            else f"EC2 {itype}",
            f"ec2.{itype}.hour",
            1,
        )
        root = instance.get("rootBlockDevice") or {}
        size = _as_float(root.get("volumeSize"), p.assume.nat_instance_root_gb)
        vtype = str(root.get("volumeType") or "gp3")
        note = "" if root.get("volumeSize") else "size not set: assumption natInstanceRootGb"
        p.monthly(
            "network",
            instance,
            f"root volume {size:g} GB {vtype}",
            f"ebs.{vtype}.gb_month",
            size,
            note,
        )
        if instance.get("associatePublicIpAddress") is True:
            p.hourly("network", instance, "auto-assigned public IPv4", "public_ipv4.hour", 1)
    for eip in graph.of_type(EIP):
        p.hourly("network", eip, "Elastic IP (public IPv4, in use or idle)", "public_ipv4.hour", 1)
    for endpoint in graph.of_type(VPC_ENDPOINT):
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


def _price_edge(p: _Pricer) -> None:
    graph = p.graph
    for alb in graph.of_type(ALB):
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
    for distribution in graph.of_type(DISTRIBUTION):
        p.monthly(
            "edge", distribution, "CloudFront distribution", "cloudfront.distribution.month", 1
        )
    for acl in graph.of_type(WEB_ACL):
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
    for zone in graph.of_type(ZONE):
        p.monthly("dns", zone, f"hosted zone {zone.get('name')}", "route53.zone.month", 1)
    for token, args in graph.calls:
        if token == GET_ZONE:
            placeholder = Resource(
                urn="",
                type=GET_ZONE,
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


def _price_data(p: _Pricer) -> None:
    graph = p.graph
    instances = graph.of_type(RDS_CLUSTER_INSTANCE)
    for cluster in graph.of_type(RDS_CLUSTER):
        scaling = cluster.get("serverlessv2ScalingConfiguration") or {}
        min_acu = _as_float(scaling.get("minCapacity"))
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
    for instance in graph.of_type(RDS_INSTANCE):
        klass = str(instance.get("instanceClass"))
        p.hourly("database", instance, f"RDS {klass}", f"rds.{klass}.hour", 1)
    for group in graph.of_type(REPLICATION_GROUP):
        node = str(group.get("nodeType"))
        engine = str(group.get("engine") or "redis")
        if group.get("numCacheClusters") is not None:
            nodes = int(_as_float(group.get("numCacheClusters"), 1))
        else:
            shards = int(_as_float(group.get("numNodeGroups"), 1))
            nodes = shards * (1 + int(_as_float(group.get("replicasPerNodeGroup"))))
        p.hourly(
            "cache",
            group,
            f"ElastiCache {engine} {node} x {nodes}",
            f"elasticache.{engine}.{node}.hour",
            nodes,
        )
    for cache in graph.of_type(SERVERLESS_CACHE):
        p.unpriced("cache", cache, "ElastiCache Serverless", "not in the price table")


def _price_storage_and_ops(p: _Pricer) -> None:
    graph = p.graph
    for secret in graph.of_type(SECRET):
        p.monthly("secrets", secret, "Secrets Manager secret", "secretsmanager.secret.month", 1)
    for key in graph.of_type(KMS_KEY):
        p.monthly("secrets", key, "KMS customer managed key", "kms.key.month", 1)
    for bucket in graph.of_type(BUCKET):
        p.monthly(
            "storage",
            bucket,
            "S3 standard storage",
            "s3.standard.gb_month",
            p.assume.s3_gb_per_bucket,
            "assumption s3GbPerBucket",
        )
    for repository in graph.of_type(REPOSITORY):
        p.monthly(
            "storage",
            repository,
            f"ECR storage {repository.get('name') or ''}".strip(),
            "ecr.storage.gb_month",
            p.assume.ecr_gb_per_repository,
            "assumption ecrGbPerRepository",
        )
    alarms = graph.of_type(ALARM)
    for alarm in alarms:
        p.monthly(
            "monitoring",
            alarm,
            "CloudWatch alarm",
            "cloudwatch.alarm.month",
            1,
            "account free tier (10 alarms) not applied",
        )
    for dashboard in graph.of_type(DASHBOARD):
        p.monthly(
            "monitoring",
            dashboard,
            "CloudWatch dashboard",
            "cloudwatch.dashboard.month",
            1,
            "account free tier (3) not applied",
        )
    for group in graph.of_type(LOG_GROUP):
        ingest = p.assume.log_ingest_gb_per_group
        retention = int(_as_float(group.get("retentionInDays")))
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
    for cluster in graph.of_type(ECS_CLUSTER):
        settings = {s.get("name"): s.get("value") for s in cluster.get("settings") or []}
        if settings.get("containerInsights") in ("enabled", "enhanced"):
            p.unpriced(
                "monitoring",
                cluster,
                "ECS Container Insights",
                "billed as custom metrics + performance logs by task count; not in the price table",
            )


_STEPS: tuple[Callable[[_Pricer], None], ...] = (
    _price_services,
    _price_network,
    _price_edge,
    _price_data,
    _price_storage_and_ops,
)
_HANDLED = frozenset(
    {
        SERVICE, NAT_GATEWAY, INSTANCE, EIP, VPC_ENDPOINT, ALB, DISTRIBUTION, WEB_ACL, ZONE,
        RDS_CLUSTER, RDS_CLUSTER_INSTANCE, RDS_INSTANCE, REPLICATION_GROUP, SERVERLESS_CACHE,
        SECRET, KMS_KEY, BUCKET, REPOSITORY, ALARM, DASHBOARD, LOG_GROUP,
    }
)  # fmt: skip


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
    pricer = _Pricer(graph, table, assume, region)
    for step in _STEPS:
        step(pricer)
    for resource in graph.custom_resources():
        if resource.type in _HANDLED or resource.type in FREE_TYPES:
            continue
        if resource.type.startswith(("pulumi:", "random:")):
            continue
        pricer.unpriced(
            "other", resource, resource.type.split(":")[-1], "type not known to the cost model"
        )
    profile = str(graph.config.get(f"{graph.project}:profile", "?"))
    note = ""
    if region in table.unpriced_regions:
        note = f"{region} is not priced: {table.unpriced_regions[region]}"
    elif region not in table.priced_regions:
        note = f"{region} is not priced (priced: {', '.join(table.priced_regions)})"
    return Estimate(
        stack=graph.stack,
        profile=profile,
        region=region,
        hours_per_month=table.hours_per_month,
        lines=pricer.lines,
        assumptions=assume.described(),
        statements=list(FREE_TIERS),
        region_note=note,
    )


# -- rendering --------------------------------------------------------------------------------


def _money(value: float | None, digits: int = 2) -> str:
    return "unpriced" if value is None else f"${value:,.{digits}f}"


def render_estimate(est: Estimate) -> str:
    out = [
        f"Idle cost of stack '{est.stack}' (profile {est.profile}) in {est.region}: "
        f"{est.hours_per_month} h a month, prices from prices/prices.yaml",
    ]
    if est.region_note:
        out.append(f"  NOTE: {est.region_note}")
    out.append("")
    header = f"  {'category':<10} {'resource':<28} {'item':<52} {'$/hour':>9} {'$/month':>9}"
    out.append(header)
    out.append("  " + "-" * (len(header) - 2))
    order = ["compute", "network", "edge", "database", "cache", "secrets", "storage",
             "monitoring", "logs", "dns", "other"]  # fmt: skip
    lines = sorted(
        est.lines,
        key=lambda li: (order.index(li.category) if li.category in order else 99, li.resource),
    )
    for line in lines:
        hourly = "" if line.hourly_usd is None else f"{line.hourly_usd:.4f}"
        monthly = "unpriced" if line.monthly_usd is None else f"{line.monthly_usd:.2f}"
        desc = line.description if len(line.description) <= 52 else line.description[:51] + "…"
        res = line.resource if len(line.resource) <= 28 else line.resource[:27] + "…"
        out.append(f"  {line.category:<10} {res:<28} {desc:<52} {hourly:>9} {monthly:>9}")
    out.append("  " + "-" * (len(header) - 2))
    out.append(
        f"  {'TOTAL':<10} {'':<28} {'(priced lines)':<52} {est.total_hourly:>9.4f} "
        f"{est.total_monthly:>9.2f}"
    )
    out.append("")
    out.append(
        "By category ($/month): "
        + ", ".join(
            f"{k} {v:.2f}" for k, v in sorted(est.by_category().items(), key=lambda kv: -kv[1])
        )
    )
    if est.unpriced:
        out.append("")
        out.append(f"Unpriced ({len(est.unpriced)}): the total leaves these out")
        for line in est.unpriced:
            out.append(f"  - {line.resource}: {line.description}: {line.note}")
    notes = [line for line in lines if line.note and line.priced]
    if notes:
        out.append("")
        out.append("Notes:")
        seen: set[str] = set()
        for line in notes:
            text = f"{line.description}: {line.note}"
            if text not in seen:
                seen.add(text)
                out.append(f"  - {text}")
    out.append("")
    out.append("Usage assumptions (override with --assume KEY=VALUE):")
    out.append("  " + ", ".join(f"{k}={v:g}" for k, v in est.assumptions.items()))
    out.append("Free tiers (stated, not applied unless said):")
    for statement in est.statements:
        out.append(f"  - {statement}")
    return "\n".join(out)


def _rows(est: Estimate) -> dict[tuple[str, str, str], tuple[str, float | None]]:
    """Monthly cost by (category, resource, price item): the same across stacks."""
    rows: dict[tuple[str, str, str], tuple[str, float | None]] = {}
    for line in est.lines:
        key = (line.category, line.resource, line.price_item or line.description)
        text = f"{line.resource}: {line.price_item or line.description}"
        previous = rows.get(key)
        if line.monthly_usd is None:
            rows[key] = (text, None)
        elif previous is None:
            rows[key] = (text, line.monthly_usd)
        elif previous[1] is not None:
            rows[key] = (text, previous[1] + line.monthly_usd)
    return rows


def render_compare(a: Estimate, b: Estimate) -> str:
    """Two stacks side by side: one row per resource and price item."""
    ra, rb = _rows(a), _rows(b)
    keys = sorted(set(ra) | set(rb))
    width = 62
    out = [
        f"Idle monthly cost (USD), {a.stack} ({a.profile}, {a.region}) vs {b.stack} "
        f"({b.profile}, {b.region})",
        "",
        f"  {'category':<10} {'resource: price item':<{width}} {a.stack:>9} {b.stack:>9}",
        "  " + "-" * (width + 31),
    ]
    for key in keys:
        text = (ra.get(key) or rb[key])[0]
        va = ra[key][1] if key in ra else 0.0
        vb = rb[key][1] if key in rb else 0.0
        if va == 0.0 and vb == 0.0:
            continue
        text = text if len(text) <= width else text[: width - 1] + "…"
        sa = "unpriced" if va is None else f"{va:.2f}"
        sb = "unpriced" if vb is None else f"{vb:.2f}"
        out.append(f"  {key[0]:<10} {text:<{width}} {sa:>9} {sb:>9}")
    out.append("  " + "-" * (width + 31))
    out.append(
        f"  {'TOTAL':<10} {'$/month':<{width}} {a.total_monthly:>9.2f} {b.total_monthly:>9.2f}"
    )
    out.append(f"  {'':<10} {'$/hour':<{width}} {a.total_hourly:>9.4f} {b.total_hourly:>9.4f}")
    for est in (a, b):
        if est.unpriced:
            out.append(
                f"  {est.stack}: {len(est.unpriced)} unpriced item(s), not in the total: "
                + "; ".join(f"{u.resource} {u.description}" for u in est.unpriced)
            )
    return "\n".join(out)


def render_markdown(estimates: list[Estimate], baseline: Mapping[str, Any] | None = None) -> str:
    """The pull-request comment: totals per stack, the change against `baseline` (the JSON that
    `cost --compare ... --json` printed on main), and the itemized tables folded."""
    base_totals: dict[str, float] = {}
    if baseline:
        for item in baseline.get("stacks", []):
            base_totals[str(item["stack"])] = float(item["totalMonthlyUsd"])
    out = ["### Idle cost estimate (us-east-1 prices, `stackctl cost`)", ""]
    out.append("| stack | profile | $/month | $/hour | change vs main | unpriced |")
    out.append("|---|---|---:|---:|---:|---|")
    for est in estimates:
        if est.stack in base_totals:
            delta = est.total_monthly - base_totals[est.stack]
            change = f"{'+' if delta >= 0 else '-'}${abs(delta):,.2f}"
        else:
            change = "n/a (no baseline)"
        unpriced = ", ".join(f"{u.resource} {u.description}" for u in est.unpriced) or "none"
        out.append(
            f"| {est.stack} | {est.profile} | {_money(est.total_monthly)} | "
            f"{_money(est.total_hourly, 4)} | {change} | {unpriced} |"
        )
    for est in estimates:
        out.append("")
        out.append(f"<details><summary>{est.stack}: itemized</summary>")
        out.append("")
        out.append("| category | resource | item | $/month |")
        out.append("|---|---|---|---:|")
        for line in sorted(est.lines, key=lambda li: -(li.monthly_usd or 0.0)):
            if line.monthly_usd == 0.0 and not line.note:
                continue
            out.append(
                f"| {line.category} | {line.resource} | {line.description} | "
                f"{_money(line.monthly_usd)} |"
            )
        out.append("")
        out.append("</details>")
    out.append("")
    out.append(
        "Assumptions: " + ", ".join(f"{k}={v:g}" for k, v in estimates[0].assumptions.items())
        if estimates
        else ""
    )
    return "\n".join(out)


def estimates_json(estimates: list[Estimate]) -> str:
    return json.dumps({"stacks": [e.to_json() for e in estimates]}, indent=2)
