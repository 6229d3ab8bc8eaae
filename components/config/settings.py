"""Stack settings: the one place that reads `pulumi.Config`.

`load_settings()` turns the stack's configuration into a frozen, typed `Settings` object. Every
setting (a "dial") is declared once, as a field of `Settings` below, with its kind, its doc, its
cost and its default in each profile (components/config/dials.py explains the declaration). The
`profile` key (`lab` or `mvp`) picks the defaults; each key can be overridden on its own in
`Pulumi.<stack>.yaml`. Every problem is collected and reported together in one `SettingsError`
that names the key, the value given and what is allowed, before the program registers a single
resource. A key in the project's namespace or in `aws:` that is not known is an error too, with
the closest known key as a suggestion.

Rules across keys (`_check_across_keys`, documented in the README under the settings table):
- `nat: none` needs interface endpoints for Fargate to pull images and write logs: when
  `interfaceEndpoints` is unset they are turned on (and a notice says so); an explicit `false`
  is rejected.
- `dbAutoPauseSeconds` applies only with `dbMinAcu: 0`; it defaults to 300 s then.
- `redisNodes` >= 2 turns on ElastiCache automatic failover and Multi-AZ; with 1 node both are
  off (AWS rejects them on a single node).
- The NAT instance runs an arm64 Amazon Linux image, so `natInstanceType` must be a Graviton type.
- `images: build` builds and tags the images itself (by content), so `imageTag` is refused with
  it; `images: registry` without `imageTag` parks the services at 0 tasks (`Settings.parked`).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from pulumi.errors import RunError

from components.config import dials
from components.config.dials import BOOLEAN, PROFILE_NAMES, Dial, DialPartsError, dial
from components.config.limits import (
    AUTO_PAUSE_MIN_MINOR,
    FARGATE_MEMORY,
    LOG_RETENTION_DAYS,
    MAX_ACU,
    memory_range,
)
from components.config.subnets import RFC1918, plan_subnets

Profile = Literal["lab", "mvp"]
NatMode = Literal["none", "instance", "gateway", "gatewayPerAz"]
EdgeMode = Literal["vpcOrigin", "public"]
IngressMode = Literal["alb", "httpApi"]
RedisEngine = Literal["valkey", "redis"]
CpuArchitecture = Literal["X86_64", "ARM64"]
ImagesMode = Literal["registry", "build"]

DEFAULT_DB_ENGINE_VERSION = "16.8"


# -- kinds of value specific to this program ----------------------------------------------------


@dataclass(frozen=True)
class SleepSchedule:
    """Working hours of a non-production stack: outside them the services scale to zero."""

    days: Literal["weekdays", "daily"]
    wake_hour: int
    sleep_hour: int
    timezone: str = "UTC"

    @property
    def cron_days(self) -> str:
        return "MON-FRI" if self.days == "weekdays" else "*"

    @property
    def awake_hours_per_week(self) -> int:
        return (self.sleep_hour - self.wake_hour) * (5 if self.days == "weekdays" else 7)

    def __str__(self) -> str:
        zone = "" if self.timezone == "UTC" else f" {self.timezone}"
        return f"{self.days} {self.wake_hour:02d}-{self.sleep_hour:02d}{zone}"


SLEEP_RE = re.compile(
    r"^(weekdays|daily) (\d{1,2})-(\d{1,2})(?: ([A-Za-z_]+(?:/[A-Za-z0-9_+-]+)*))?$"
)


def parse_sleep(text: str) -> SleepSchedule | None:
    """`weekdays 08-20`, `daily 07-22 Europe/Berlin` -> SleepSchedule, or None if invalid."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    match = SLEEP_RE.match(text.strip())
    if not match:
        return None
    days, wake, sleep, zone = match.groups()
    wake_hour, sleep_hour = int(wake), int(sleep)
    if not 0 <= wake_hour < sleep_hour <= 23:
        return None
    zone = zone or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return SleepSchedule(cast(Literal["weekdays", "daily"], days), wake_hour, sleep_hour, zone)


@dataclass(frozen=True)
class ServiceSize:
    """Size and count of one ECS service."""

    cpu: int
    memory: int
    count: int
    min_count: int
    max_count: int
    enabled: bool = True
    spot: bool | None = None  # None: follow fargateSpot

    def runs_on_spot(self, fargate_spot: bool) -> bool:
        return fargate_spot if self.spot is None else self.spot

    def __str__(self) -> str:
        if not self.enabled:
            return "off"
        text = f"{self.cpu}/{self.memory} x{self.count}"
        if self.max_count != self.count:
            text += f" (up to {self.max_count})"
        return text + {None: "", True: " on Spot", False: " on demand"}[self.spot]


_SERVICE_PARTS = {
    "cpu": "cpu",
    "memory": "memory",
    "count": "count",
    "minCount": "min_count",
    "maxCount": "max_count",
    "enabled": "enabled",
    "spot": "spot",
}


def _whole_number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def service_kind(may_disable: bool) -> dials.Kind[Any]:
    """A service's size: `{cpu, memory, count, minCount, maxCount, spot}` (+ `enabled`)."""
    parts = [k for k in _SERVICE_PARTS if may_disable or k != "enabled"]

    def parse_parts(given: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        refused: list[tuple[str, object, str]] = []
        for part, value in given.items():
            if part not in parts:
                hint = _did_you_mean(part, parts)
                refused.append((part, value, f"allowed keys: {', '.join(parts)}{hint}"))
            elif part in ("enabled", "spot"):
                flag = dials._boolean_value(value)
                if flag is None:
                    refused.append((part, value, "allowed: true, false"))
                else:
                    values[_SERVICE_PARTS[part]] = flag
            else:
                number = _whole_number(value)
                if number is None or number < 0:
                    refused.append((part, value, "allowed: a whole number, 0 or more"))
                else:
                    values[_SERVICE_PARTS[part]] = number
        if refused:
            raise DialPartsError(refused)
        return values

    return dials.json_object(
        parse_parts,
        f"an object with keys {', '.join(parts)}",
        str,
        lambda default, parts_given: dataclasses.replace(default, **parts_given),
    )


def _show_engine(version: Any) -> str:
    return str(version)


_DNS_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = re.compile(rf"^(?=.{{4,253}}$){_DNS_LABEL}(\.{_DNS_LABEL})+$")
HOSTED_ZONE_RE = re.compile(r"^Z[A-Z0-9]{1,31}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
S3_BUCKET_RE = re.compile(r"^(?!xn--|sthree-)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
KMS_KEY_ARN_RE = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+$")
GITHUB_REPO_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
IMAGE_TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
REDIS_NODE_RE = re.compile(r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
GRAVITON_TYPE_RE = re.compile(r"^[a-z]+[0-9]+g[a-z]*\.[a-z0-9]+$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
ENGINE_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")

_MAJORS = sorted(AUTO_PAUSE_MIN_MINOR)
_PAUSING = "/".join(f"{major}.{minor}" for major, minor in AUTO_PAUSE_MIN_MINOR.items())


# -- the dials ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything the program needs from the stack's configuration, validated.

    Fields declared with `dial(...)` are settings a stack can set (key: the field name in
    camelCase); the others are derived (project, stack, region, profile, notices).
    """

    project: str
    stack: str
    region: str
    profile: Profile

    # network
    vpc_cidr: str = dial(
        dials.custom(lambda text: text, "a private IPv4 CIDR, /16 to /20"),  # checked with azCount
        doc="Private IPv4 CIDR of the VPC (see the address plan under Network).",
        cost="free",
        default="10.0.0.0/16",
    )
    az_count: int = dial(
        dials.integer(2, 3),
        doc="Availability zones every tier spreads over.",
        cost="more NAT gateways with `gatewayPerAz`, more endpoint-hours",
        default=2,
        allowed="2, 3",
    )
    nat: NatMode = dial(
        dials.choice("none", "instance", "gateway", "gatewayPerAz"),
        doc="Egress of the private subnets: a self-healing NAT instance, one NAT gateway, one "
        "per AZ, or none (interface endpoints only).",
        cost="`instance`: t4g.nano + Elastic IP + 8 GB gp3 = **$7.36**. `gateway`: $32.85 + "
        "$3.65 IP (+$0.045/GB): **+$29.17** over the instance. `gatewayPerAz`: +$65.89. "
        "`none`: forces interface endpoints, +$65.49",
        default="instance",
    )
    nat_instance_type: str = dial(
        dials.pattern(
            GRAVITON_TYPE_RE, "a Graviton (arm64) instance type such as t4g.nano or t4g.micro"
        ),
        doc="EC2 instance type of the NAT instance (arm64 Graviton types only: the AMI is arm64).",
        cost="t4g.micro is $3.07 more than t4g.nano",
        default="t4g.nano",
    )
    interface_endpoints: bool = dial(
        BOOLEAN,
        doc="Interface VPC endpoints for ECR, CloudWatch Logs, Secrets Manager (and SSM "
        "messages with ecsExec). Forced on with nat none.",
        cost="$7.30 per endpoint per AZ: +$73.05 in the lab",
        default=False,
    )
    flow_logs: bool = dial(
        BOOLEAN,
        doc="VPC flow logs to CloudWatch Logs (retention logRetentionDays).",
        cost="$0.50/GB ingested",
        lab=False,
        mvp=True,
    )

    # edge
    ingress: IngressMode = dial(
        dials.choice("alb", "httpApi"),
        doc="How CloudFront reaches the services. alb: an internal ALB (host and path rules) "
        "behind a CloudFront VPC origin. httpApi: an API Gateway HTTP API with a VPC link to "
        "the tasks, found in AWS Cloud Map; no hourly charge, but requests time out after 30 s, "
        "payloads are limited to 10 MB, WAF filters on CloudFront only (not on the API), "
        "api.<domain> is not served (the API is /api/* on the site) and an idle VPC link "
        "sleeps after 60 days (the first requests then fail for minutes).",
        cost="alb: $16.43 + LCUs a month; httpApi: $1.00 per million requests, Cloud Map $0.10 "
        "per task a month + a $0.50 private zone",
        lab="httpApi",
        mvp="alb",
    )
    edge: EdgeMode = dial(
        dials.choice("vpcOrigin", "public"),
        doc="vpcOrigin: an internal ALB reached only through a CloudFront VPC origin; public: "
        "an internet-facing ALB that admits only CloudFront.",
        cost="public: +$7.30 for the ALB's two public IPv4 addresses",
        default="vpcOrigin",
    )
    domain: str | None = dial(
        dials.pattern(DOMAIN_RE, "a lowercase DNS name such as example.com (no scheme)"),
        doc="Apex domain for the ACM certificates and Route 53 aliases. Unset: CloudFront's "
        "*.cloudfront.net name.",
        cost="the hosted zone you own is $0.50",
    )
    hosted_zone_id: str | None = dial(
        dials.pattern(HOSTED_ZONE_RE, "a Route 53 zone id such as Z0123456789ABC"),
        doc="Route 53 hosted zone id of the domain; looked up from the domain when unset. "
        "Needs domain.",
        cost="free",
    )
    alb_https: bool = dial(
        BOOLEAN,
        doc="End-to-end TLS: a regional certificate and an HTTPS listener on the ALB; "
        "CloudFront talks HTTPS to it and port 80 redirects to 443. Needs domain.",
        cost="free",
        default=False,
    )
    price_class: str = dial(
        dials.choice("PriceClass_100", "PriceClass_200", "PriceClass_All"),
        doc="CloudFront price class: PriceClass_100 (North America, Europe), _200 or _All.",
        cost="$0 idle",
        default="PriceClass_100",
    )
    cloudfront_logs: bool = dial(
        BOOLEAN,
        doc="CloudFront standard access logs to an S3 bucket (ACLs enabled first: the "
        "distribution waits for them).",
        cost="S3 storage only, $0.023/GB-month",
        default=False,
    )
    waf: bool = dial(
        BOOLEAN,
        doc="AWS WAF on CloudFront: managed common and known-bad-inputs rules, a rate limit; the "
        "common set's 8 KB body limit only counts, since a note body may be 20,000 characters.",
        cost="+$8.00 + $0.60 per million requests",
        default=False,
    )

    # compute
    fargate_spot: bool = dial(
        BOOLEAN,
        doc="Run every service on Fargate Spot (interruptible) unless the service sets spot.",
        cost="Spot is about 70% off on-demand",
        lab=True,
        mvp=False,
    )
    cpu_architecture: CpuArchitecture = dial(
        dials.choice("X86_64", "ARM64"),
        doc="CPU architecture of the tasks (and the platform the images are built for).",
        cost="Graviton is 20% cheaper on demand (+$7.21 for x86 in mvp)",
        default="ARM64",
    )
    api: ServiceSize = dial(
        service_kind(may_disable=False),
        doc="API service: {cpu, memory (a valid Fargate pair), count, minCount, maxCount, "
        "spot (overrides fargateSpot)}.",
        cost="a 0.25 vCPU / 0.5 GB arm64 task is $7.21 on demand, at most $2.85 on Spot",
        lab=ServiceSize(cpu=256, memory=512, count=1, min_count=1, max_count=2),
        mvp=ServiceSize(cpu=256, memory=512, count=2, min_count=2, max_count=4),
    )
    web: ServiceSize = dial(
        service_kind(may_disable=False),
        doc="Next.js service: {cpu, memory, count, minCount, maxCount, spot}.",
        cost="as api",
        lab=ServiceSize(cpu=256, memory=512, count=1, min_count=1, max_count=2),
        mvp=ServiceSize(cpu=256, memory=512, count=2, min_count=2, max_count=4),
    )
    worker: ServiceSize = dial(
        service_kind(may_disable=True),
        doc="Worker service: {enabled, cpu, memory, count, minCount, maxCount, spot}. Background "
        "jobs retry and stop cleanly on SIGTERM: in mvp the worker is a Spot workload.",
        cost="as api",
        lab=ServiceSize(cpu=256, memory=512, count=1, min_count=1, max_count=1, enabled=False),
        mvp=ServiceSize(cpu=256, memory=512, count=1, min_count=1, max_count=2, spot=True),
    )
    autoscaling: bool = dial(
        BOOLEAN,
        doc="CPU target tracking for api and web between minCount and maxCount.",
        cost="free (tasks beyond minCount bill while they run)",
        lab=False,
        mvp=True,
    )
    sleep: SleepSchedule | None = dial(
        dials.custom(
            parse_sleep,
            "'weekdays HH-HH' or 'daily HH-HH' (wake hour before sleep hour, 0-23), "
            "optionally followed by an IANA time zone, e.g. 'weekdays 08-20 Europe/Berlin'",
        ),
        doc="Working hours of a lab stack: outside them every service scales to 0 tasks. "
        "Not allowed with profile mvp.",
        cost="`weekdays 08-20` bills tasks 60 of 168 h",
        allowed="`weekdays HH-HH` or `daily HH-HH` [+ IANA zone], lab only",
    )
    ecs_exec: bool = dial(
        BOOLEAN,
        doc="Allow `aws ecs execute-command` into tasks.",
        cost="free (with interface endpoints: +$7.30 per AZ for ssmmessages)",
        lab=True,
        mvp=False,
    )
    container_insights: bool = dial(
        BOOLEAN,
        doc="ECS Container Insights. Off in both profiles: the alarms use the free AWS/ECS "
        "metrics.",
        cost="dozens of custom metrics at $0.30 each a month (not in our price table)",
        default=False,
    )
    dashboard: bool = dial(
        BOOLEAN,
        doc="A CloudWatch dashboard of the ALB, services, database and cache.",
        cost="$3 a month after the account's first three",
        lab=False,
        mvp=True,
    )
    alarms: bool = dial(
        BOOLEAN,
        doc="CloudWatch alarms on the services, load balancer, database and cache, to an "
        "encrypted SNS topic. Off: none of them, nor the topic and its KMS key (the NAT "
        "instance's reboot alarm stays: it acts). Turned on when alarmEmail is set.",
        cost="$0.10 per alarm a month (about 16 in the lab, 24 in mvp) + $1.00 for the topic's "
        "KMS key",
        lab=False,
        mvp=True,
    )
    alarm_email: str | None = dial(
        dials.pattern(EMAIL_RE, "an email address"),
        doc="Email address subscribed to the alarm topic. Unset: alarms go to the topic only.",
        cost="free",
        allowed="email",
    )

    # data
    db_engine_version: str = dial(
        dials.pattern(re.compile(r".+"), "a version such as 16.8"),
        doc="Aurora PostgreSQL engine version MAJOR.MINOR; must support the chosen dbMinAcu.",
        cost="",
        default=DEFAULT_DB_ENGINE_VERSION,
        allowed=f"Aurora PostgreSQL `MAJOR.MINOR`, {_MAJORS[0]}-{_MAJORS[-1]}; "
        f"0 ACU needs {_PAUSING}+",
    )
    db_min_acu: float = dial(
        dials.steps(0, MAX_ACU, 0.5),
        doc="Aurora Serverless v2 minimum capacity (0: pauses when idle).",
        cost="$0.12 per ACU-hour: 0.5 ACU always on = **$43.80**; 0 pauses when idle ($0)",
        lab=0.0,
        mvp=0.5,
        allowed="0-256 in 0.5 steps, at most dbMaxAcu",
    )
    db_max_acu: float = dial(
        dials.steps(1, MAX_ACU, 0.5),
        doc="Aurora Serverless v2 maximum capacity.",
        cost="billed only while used",
        lab=2.0,
        mvp=4.0,
        allowed="1-256 in 0.5 steps",
    )
    db_auto_pause_seconds: int | None = dial(
        dials.integer(300, 86400),
        doc="Idle seconds before Aurora pauses; only with dbMinAcu 0, where it defaults to 300.",
        cost="",
        allowed="300-86400, only with `dbMinAcu: 0` (then 300 when unset)",
    )
    db_readers: int = dial(
        dials.integer(0, 15),
        doc="Aurora reader instances.",
        cost="each reader costs at least its min ACU",
        default=0,
    )
    backup_retention_days: int = dial(
        dials.integer(1, 35),
        doc="Aurora automated backup retention in days (also the cache's snapshots when kept).",
        cost="free up to the cluster's size",
        lab=1,
        mvp=7,
    )
    redis: bool = dial(
        BOOLEAN,
        doc="ElastiCache (TLS, AUTH token) for the worker's jobs.",
        cost="+$9.94 (node + token secret)",
        lab=False,
        mvp=True,
    )
    redis_engine: RedisEngine = dial(
        dials.choice("valkey", "redis"),
        doc="ElastiCache engine: valkey (Redis OSS-compatible) or redis.",
        cost="Valkey is the Redis protocol at about 20% less",
        default="valkey",
    )
    redis_nodes: int = dial(
        dials.integer(1, 6),
        doc="ElastiCache nodes (primary + replicas); 2 or more turns on automatic failover and "
        "Multi-AZ.",
        cost="$9.34 per cache.t4g.micro Valkey node",
        default=1,
    )
    redis_node_type: str = dial(
        dials.pattern(REDIS_NODE_RE, "an ElastiCache node type like cache.t4g.micro"),
        doc="ElastiCache node type.",
        cost="",
        default="cache.t4g.micro",
        allowed="`cache.*`",
    )
    log_retention_days: int = dial(
        dials.one_of_integers(LOG_RETENTION_DAYS),
        doc="CloudWatch Logs retention of every log group.",
        cost="$0.03/GB-month stored",
        lab=7,
        mvp=30,
        allowed="a CloudWatch retention value (1, 3, 5, 7, 14, 30, 60, 90, ...)",
    )
    deletion_protection: bool = dial(
        BOOLEAN,
        doc="Protect data from destroy: Aurora deletion protection and final snapshot, ALB "
        "protection, buckets kept, Pulumi protect.",
        cost="kept data keeps billing after destroy",
        lab=False,
        mvp=True,
    )

    # images and delivery
    ecr_keep_tagged: int = dial(
        dials.integer(1, 1000),
        doc="Tagged images each ECR repository keeps (older ones expire; untagged after 7 days).",
        cost="$0.10/GB-month",
        lab=10,
        mvp=30,
    )
    images: ImagesMode = dial(
        dials.choice("registry", "build"),
        doc="registry: CI pushes the images to ECR tagged with the git SHA and imageTag picks "
        "one. build: pulumi up builds app/api and app/web with Docker for cpuArchitecture's "
        "platform and pushes them tagged by content (needs Docker, refuses imageTag).",
        cost="free in AWS",
        lab="build",
        mvp="registry",
    )
    image_tag: str | None = dial(
        dials.pattern(IMAGE_TAG_RE, "a Docker tag ([A-Za-z0-9_.-], up to 128 chars)"),
        doc="With images registry: the tag of the api and web images to deploy (CI sets the git "
        "SHA). Unset: the services are created with 0 tasks until images are pushed.",
        cost="",
        allowed="Docker tag, not `latest`; only with `images: registry`",
    )

    # CI
    github_repo: str | None = dial(
        dials.pattern(GITHUB_REPO_RE, "owner/name of a GitHub repository, without wildcards"),
        doc="owner/name of the GitHub repository the CI roles trust (OIDC). Unset: no CI roles.",
        cost="free",
        allowed="`owner/name`",
    )
    github_oidc_provider: Literal["create", "existing"] = dial(
        dials.choice("create", "existing"),
        doc="create: this stack creates the account's GitHub OIDC provider; existing: look it "
        "up (an account holds one per URL, so the second stack in an account uses existing).",
        cost="free",
        default="create",
    )
    state_bucket: str | None = dial(
        dials.pattern(S3_BUCKET_RE, "the name of the S3 bucket that holds Pulumi state"),
        doc="S3 bucket of the Pulumi state backend; the CI roles get its .pulumi/ prefix. "
        "Unset: Pulumi Cloud.",
        cost="",
    )
    secrets_key_arn: str | None = dial(
        dials.pattern(
            KMS_KEY_ARN_RE,
            "the ARN of the KMS key (or alias) of the awskms:// secrets provider",
        ),
        doc="KMS key (or alias) ARN of the awskms:// secrets provider; the CI roles may use it. "
        "Unset: Pulumi Cloud's secrets.",
        cost="",
    )

    notices: tuple[str, ...] = field(default=())

    @property
    def parked(self) -> bool:
        """No image to run yet (registry images without `imageTag`): every service runs 0 tasks."""
        return self.images == "registry" and self.image_tag is None

    @property
    def tags(self) -> dict[str, str]:
        """Tags every taggable resource carries (through the provider's default_tags)."""
        return {"project": self.project, "stack": self.stack, "managed-by": "pulumi"}


DIALS: tuple[Dial, ...] = dials.dials_of(Settings)
DIALS_BY_KEY: dict[str, Dial] = {d.key: d for d in DIALS}
KNOWN_KEYS: frozenset[str] = frozenset({"profile", *DIALS_BY_KEY})
# Each profile's defaults, key -> value (None: unset), as the docs' table shows them.
PROFILES: dict[str, dict[str, Any]] = {
    profile: {d.key: d.default(profile) for d in DIALS} for profile in PROFILE_NAMES
}

# The configuration keys the AWS provider reads (`aws:<key>`), as listed in pulumi_aws/config/
# vars.py of the pinned pulumi_aws (a test keeps the two equal). Any other `aws:` key is ignored
# by the provider without a word, so a misspelled `aws:regon` would silently fall back to the
# default region.
AWS_PROVIDER_KEYS: frozenset[str] = frozenset({
    "accessKey", "allowedAccountIds", "assumeRoleWithWebIdentity", "assumeRoles",
    "customCaBundle", "defaultTags", "ec2MetadataServiceEndpoint",
    "ec2MetadataServiceEndpointMode", "endpoints", "forbiddenAccountIds", "httpProxy",
    "httpsProxy", "ignoreTags", "insecure", "maxRetries", "noProxy", "profile", "region",
    "retryMode", "s3UsEast1RegionalEndpoint", "s3UsePathStyle", "secretKey",
    "sharedConfigFiles", "sharedCredentialsFiles", "skipCredentialsValidation",
    "skipMetadataApiCheck", "skipRegionValidation", "skipRequestingAccountId", "stsRegion",
    "tagPolicyCompliance", "token", "tokenBucketRateLimiterCapacity", "useDualstackEndpoint",
    "useFipsEndpoint", "userAgents",
})  # fmt: skip


# -- parsing ------------------------------------------------------------------------------------


class SettingsError(RunError):
    """The stack's configuration is invalid; `problems` lists every reason.

    A `pulumi.RunError`: the Python language host prints a RunError's message alone, where any
    other exception is reported as an unhandled error with its traceback.
    """

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(
            f"stack '{stack}' has {len(problems)} configuration problem"
            f"{'s' if len(problems) != 1 else ''}:\n{lines}\n"
            f"Fix them in Pulumi.{stack}.yaml or with `pulumi config set <key> <value>`."
        )


def _show(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


def _did_you_mean(value: str, candidates: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        if value.lower() in lowered:
            close = [lowered[value.lower()]]
    return f" (did you mean {_show(close[0])}?)" if close else ""


class _Reader:
    """Reads every dial of one stack, collecting every problem."""

    def __init__(self, project: str, raw: Mapping[str, str], profile: str) -> None:
        self.project = project
        self.raw = raw
        self.profile = profile
        self.problems: list[str] = []

    def key(self, name: str) -> str:
        return f"{self.project}:{name}"

    def is_set(self, name: str) -> bool:
        return self.key(name) in self.raw

    def text(self, name: str) -> str:
        return self.raw[self.key(name)]

    def fail(self, name: str, value: object, allowed: str) -> None:
        self.problems.append(f"{self.key(name)} = {_show(value)} is not valid; {allowed}")

    def read(self, declared: Dial) -> Any:
        """The stack's value of a dial, or the profile's default (also when the value is bad)."""
        default = declared.default(self.profile)
        if not self.is_set(declared.key):
            return default
        text = self.text(declared.key)
        kind = declared.kind
        try:
            value = kind.parse(text)
        except DialPartsError as refused:
            for part, given, allowed in refused.problems:
                self.fail(f"{declared.key}.{part}", given, allowed)
            return default
        except (ValueError, TypeError):
            value = None
        if value is None:
            hint = _did_you_mean(text, kind.choices) if kind.choices else ""
            self.fail(declared.key, text, f"allowed: {kind.allowed}{hint}")
            return default
        return kind.merge(default, value) if kind.merge is not None else value


def _check_unknown_keys(
    project: str, raw: Mapping[str, str], known: frozenset[str], problems: list[str]
) -> None:
    for full_key in sorted(raw):
        namespace, _, name = full_key.partition(":")
        if namespace == project and name not in known:
            hint = _did_you_mean(name, sorted(known))
            problems.append(f"{full_key} is not a setting of this project{hint}")
        elif namespace == "aws" and name not in AWS_PROVIDER_KEYS:
            hint = _did_you_mean(full_key, sorted(f"aws:{key}" for key in AWS_PROVIDER_KEYS))
            problems.append(f"{full_key} is not a setting of the AWS provider{hint}")


def _check_service(r: _Reader, name: str, size: ServiceSize) -> None:
    key = r.key(name)
    allowed_memory = FARGATE_MEMORY.get(size.cpu)
    if allowed_memory is None:
        r.problems.append(
            f"{key}.cpu = {size.cpu} is not a Fargate CPU size; allowed: "
            f"{', '.join(str(c) for c in FARGATE_MEMORY)}"
        )
    elif size.memory not in allowed_memory:
        r.problems.append(
            f"{key}.memory = {size.memory} is not valid with cpu {size.cpu} on Fargate; "
            f"allowed: {memory_range(allowed_memory)}"
        )
    if size.max_count < 1:
        r.problems.append(f"{key}.maxCount = {size.max_count} is not valid; allowed: 1 or more")
    if not size.min_count <= size.count <= size.max_count:
        r.problems.append(
            f"{key} has count {size.count}, minCount {size.min_count}, maxCount "
            f"{size.max_count}; allowed: minCount <= count <= maxCount"
        )


def _check_engine_version(r: _Reader, version: str, min_acu: float) -> None:
    match = ENGINE_VERSION_RE.match(version)
    if not match or int(match.group(1)) not in AUTO_PAUSE_MIN_MINOR:
        r.fail(
            "dbEngineVersion",
            version,
            f"allowed: an Aurora PostgreSQL version MAJOR.MINOR with major "
            f"{_MAJORS[0]} to {_MAJORS[-1]}, e.g. {DEFAULT_DB_ENGINE_VERSION}",
        )
        return
    major, minor = int(match.group(1)), int(match.group(2))
    oldest = AUTO_PAUSE_MIN_MINOR[major]
    if min_acu == 0 and minor < oldest:
        r.fail(
            "dbEngineVersion",
            version,
            f"dbMinAcu 0 (auto-pause) needs {major}.{oldest} or newer; "
            "raise the version or set dbMinAcu to 0.5 or more",
        )


def _check_vpc_cidr(r: _Reader, cidr: str, az_count: int) -> None:
    try:
        layout = plan_subnets(cidr, az_count)
    except ValueError as error:
        reason = str(error)
        if "host bits" in reason:
            reason = "it has host bits set; use the network address"
        r.fail("vpcCidr", cidr, f"{reason}; allowed: a private IPv4 CIDR from /16 to /20")
        return
    if not any(layout.vpc.subnet_of(block) for block in RFC1918):
        r.fail(
            "vpcCidr",
            cidr,
            "allowed: a private range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        )


def _check_across_keys(r: _Reader, v: dict[str, Any], notices: list[str]) -> None:
    """The rules that involve more than one key; they may complete derived defaults in `v`."""
    _check_vpc_cidr(r, v["vpc_cidr"], v["az_count"])
    if v["nat"] == "none":
        if not r.is_set("interfaceEndpoints"):
            v["interface_endpoints"] = True
            notices.append(
                "nat is none, so interfaceEndpoints is on: Fargate needs them to pull images, "
                "write logs and read secrets without a route to the internet"
            )
        elif not v["interface_endpoints"]:
            r.fail(
                "interfaceEndpoints",
                "false",
                "with nat none the tasks cannot reach ECR, CloudWatch Logs or Secrets Manager; "
                "allowed: true, or a nat mode other than none",
            )
    if v["alarm_email"] and not v["alarms"]:
        if r.is_set("alarms"):
            r.fail("alarms", "false", "alarmEmail is set: its alarms need alarms true")
        else:
            v["alarms"] = True
            notices.append("alarmEmail is set, so alarms is on: the address gets the alarms")
    if v["ingress"] == "httpApi":
        # `edge: public` and `albHttps` are settings of the load balancer: asked for in a stack
        # whose profile defaults to the HTTP API, they bring the load balancer (with a notice);
        # asked for together with an explicit `ingress: httpApi`, they are refused.
        for key, field_, value in (("edge", "edge", "public"), ("albHttps", "alb_https", True)):
            if not (r.is_set(key) and v[field_] == value):
                continue
            if r.is_set("ingress"):
                r.fail(
                    key,
                    r.text(key),
                    "it applies to the load balancer, and ingress httpApi has none: "
                    "set ingress to alb, or unset it",
                )
            else:
                v["ingress"] = "alb"
                notices.append(f"{key} is set, so ingress is alb: it is a load balancer's setting")
    if v["hosted_zone_id"] and not r.is_set("domain"):
        r.fail("hostedZoneId", v["hosted_zone_id"], "it needs domain to be set as well")
    for name in ("api", "web", "worker"):
        if v[name].enabled:
            _check_service(r, name, v[name])
    if v["db_min_acu"] > v["db_max_acu"]:
        r.fail("dbMinAcu", v["db_min_acu"], f"it must not exceed dbMaxAcu ({v['db_max_acu']:g})")
    if v["db_min_acu"] == 0:
        v["db_auto_pause_seconds"] = v["db_auto_pause_seconds"] or 300
    elif r.is_set("dbAutoPauseSeconds"):
        r.fail(
            "dbAutoPauseSeconds",
            r.text("dbAutoPauseSeconds"),
            f"auto-pause needs dbMinAcu 0 (it is {v['db_min_acu']:g}); unset it or set "
            "dbMinAcu to 0",
        )
        v["db_auto_pause_seconds"] = None
    _check_engine_version(r, v["db_engine_version"], v["db_min_acu"])
    if v["alb_https"] and not v["domain"]:
        r.fail(
            "albHttps",
            "true",
            "end-to-end TLS needs a certificate for a domain; set domain as well, or false",
        )
    if v["sleep"] is not None and r.profile == "mvp":
        r.fail(
            "sleep",
            r.text("sleep"),
            "sleep mode is for non-production stacks; allowed only with profile lab",
        )
    if v["images"] == "build" and r.is_set("imageTag"):
        r.fail(
            "imageTag",
            r.text("imageTag"),
            "with images build, pulumi up builds the images and tags them by content; "
            "unset imageTag, or set images to registry to deploy images pushed by CI",
        )
    elif v["image_tag"] == "latest":
        r.fail(
            "imageTag",
            "latest",
            "the ECR repositories have immutable tags, so a moving tag cannot be redeployed; "
            "allowed: a tag that names one build, such as the git SHA",
        )
    elif v["images"] == "registry" and v["image_tag"] is None:
        notices.append(
            "imageTag is unset: the services are created with 0 tasks (parked) until images "
            "are pushed to ECR and imageTag names them"
        )


def parse_settings(
    project: str, stack: str, raw: Mapping[str, str], settings_class: type[Settings] = Settings
) -> Settings:
    """Build `Settings` from raw config (`{"<project>:<key>": "<string>"}`, `aws:*` included).

    `settings_class` is `Settings` or a subclass that declares more dials (the tests add one to
    show that a new dial needs nothing but its declaration). Raises SettingsError listing every
    problem.
    """
    declared = dials.dials_of(settings_class)
    problems: list[str] = []
    _check_unknown_keys(project, raw, frozenset({"profile", *(d.key for d in declared)}), problems)
    profile = raw.get(f"{project}:profile")
    if profile is None:
        problems.append(
            f"{project}:profile is required; allowed: {', '.join(PROFILE_NAMES)} "
            "(lab: cheap and disposable, mvp: production-ready)"
        )
    elif profile not in PROFILE_NAMES:
        problems.append(
            f"{project}:profile = {_show(profile)} is not valid; allowed: "
            f"{', '.join(PROFILE_NAMES)}{_did_you_mean(profile, PROFILE_NAMES)}"
        )
    chosen = profile if profile in PROFILE_NAMES else "lab"
    region = raw.get("aws:region")
    if region is None:
        problems.append("aws:region is required; e.g. `pulumi config set aws:region us-east-1`")
    elif not REGION_RE.match(region):
        problems.append(f"aws:region = {_show(region)} is not valid; allowed: e.g. us-east-1")

    r = _Reader(project, raw, chosen)
    r.problems = problems
    values = {dials.field_name(d.key): r.read(d) for d in declared}
    notices: list[str] = []
    _check_across_keys(r, values, notices)
    if r.problems:
        raise SettingsError(stack, r.problems)
    return settings_class(
        project=project,
        stack=stack,
        region=region or "us-east-1",
        profile=cast(Profile, chosen),
        notices=tuple(notices),
        **values,
    )


def _runtime_config() -> dict[str, str]:
    """All config the Pulumi runtime holds for this stack, as raw strings."""
    from pulumi.runtime import config as runtime_config

    raw: dict[str, Any] = dict(runtime_config.get_config_env())
    raw.update(runtime_config.CONFIG.get())
    return {
        key: value if isinstance(value, str) else json.dumps(value) for key, value in raw.items()
    }


def load_settings() -> Settings:
    """Read and validate the current stack's configuration (raises SettingsError)."""
    import pulumi

    settings = parse_settings(pulumi.get_project(), pulumi.get_stack(), _runtime_config())
    for notice in settings.notices:
        pulumi.log.info(notice)
    return settings
