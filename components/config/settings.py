"""The dials: every setting of a stack, declared once as a field of `Settings`.

Each field declared with `dial(...)` carries its kind, its doc, its cost and its default in
each profile (components/config/dials.py explains the declaration); `python -m stackctl docs`
writes the README's settings table and `Pulumi.yaml`'s comments from them. The `profile` key
(`lab` or `mvp`) picks the defaults; each key can be overridden on its own in
`Pulumi.<stack>.yaml`. The value types live in values.py, the reading and the checks across
keys in reader.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from components.config import dials
from components.config.aws_account import AwsConfig
from components.config.dials import BOOLEAN, PROFILE_NAMES, Dial, dial
from components.config.limits import (
    LOG_RETENTION_DAYS,
    MAX_ACU,
)
from components.config.values import (
    DEFAULT_DB_ENGINE_VERSION,
    DOMAIN_RE,
    EMAIL_RE,
    GITHUB_REPO_RE,
    GRAVITON_TYPE_RE,
    HOSTED_ZONE_RE,
    IMAGE_TAG_RE,
    KMS_KEY_ARN_RE,
    PAUSING_MAJORS,
    PAUSING_VERSIONS,
    REDIS_NODE_RE,
    S3_BUCKET_RE,
    AuthMode,
    CpuArchitecture,
    EdgeMode,
    ImagesMode,
    IngressMode,
    NatMode,
    Profile,
    RedisEngine,
    ServiceSize,
    SleepSchedule,
    parse_sleep,
    service_kind,
)

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
    aws: AwsConfig = field(default_factory=lambda: AwsConfig(region="us-east-1"))
    """The honoured `aws:` keys (components/config/aws_account.py): the provider, the release
    steps and stackctl."""

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
        allowed=f"Aurora PostgreSQL `MAJOR.MINOR`, {PAUSING_MAJORS[0]}-{PAUSING_MAJORS[-1]}; "
        f"0 ACU needs {PAUSING_VERSIONS}+",
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

    # sign-in
    auth: AuthMode = dial(
        dials.choice("cognito", "none"),
        doc="Who may write: cognito creates an Amazon Cognito user pool (email sign-in, TOTP MFA "
        "optional in mvp) and an app client without a secret; the API refuses writes without a "
        "valid access token. none: no pool; for an app that brings its own sign-in (the "
        "shipped API then refuses every write).",
        cost="$0 at idle; Essentials includes 10,000 monthly active users, then $0.015 each",
        default="cognito",
    )
    self_sign_up: bool = dial(
        BOOLEAN,
        doc="With auth cognito: anyone may create an account (Cognito SignUp, email verified). "
        "Off: only an administrator creates users (`aws cognito-idp admin-create-user`).",
        cost="each user who signs in during a month is one monthly active user",
        default=False,
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
