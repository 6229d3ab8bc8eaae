"""The dials: every setting of a stack, declared once as a field of `Settings`.

Each field declared with `dial(...)` carries its kind, its doc, its cost and its default in
each profile (components/config/dials.py explains the declaration); `python -m stackctl docs`
writes docs/settings.md's settings table and `Pulumi.yaml`'s comments from them. The `profile` key
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
    KMS_KEY_ARN_RE,
    PAUSING_MAJORS,
    PAUSING_VERSIONS,
    REDIS_NODE_RE,
    S3_BUCKET_RE,
    AppSecretStore,
    AuthMode,
    CpuArchitecture,
    EdgeMode,
    ImagesMode,
    IngressMode,
    NatAddress,
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
        doc="Private IPv4 CIDR of the VPC (the address plan: docs/network.md).",
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
        cost="`instance`: a t4g.nano {price ec2.t4g.nano.hour}, an Elastic IP "
        "{price public_ipv4.hour} and 8 GB gp3 at {price ebs.gp3.gb_month}. `gateway`: "
        "{price nat_gateway.hour} and its IP, plus {price nat_gateway.gb}: "
        "**{dial dev nat=gateway}** over the instance. `gatewayPerAz`: "
        "{dial dev nat=gatewayPerAz}. `none`: forces interface endpoints, {dial dev nat=none}",
        default="instance",
    )
    nat_instance_type: str = dial(
        dials.pattern(
            GRAVITON_TYPE_RE, "a Graviton (arm64) instance type such as t4g.nano or t4g.micro"
        ),
        doc="EC2 instance type of the NAT instance (arm64 Graviton types only: the AMI is arm64).",
        cost="t4g.micro is twice t4g.nano's {price ec2.t4g.nano.hour} (not in the price table)",
        default="t4g.nano",
    )
    nat_address: NatAddress = dial(
        dials.choice("elasticIp", "instanceIp"),
        doc="Public address of the NAT instance: an Elastic IP (the same egress address for "
        "good, for allow-lists) or the address EC2 gives the instance at each start (changes "
        "whenever it stops, e.g. every night with sleep). Ignored unless nat is instance.",
        cost="elasticIp: {price public_ipv4.hour}, every hour of the month; instanceIp: the same "
        "rate only while the instance runs (with `sleep: weekdays 08-20`, 60 of the week's 168 "
        "hours)",
        lab="instanceIp",
        mvp="elasticIp",
    )
    interface_endpoints: bool = dial(
        BOOLEAN,
        doc="Interface VPC endpoints for ECR, CloudWatch Logs, Secrets Manager (and SSM "
        "messages with ecsExec). Forced on with nat none.",
        cost="{price vpc_endpoint.interface.az_hour} per endpoint per AZ: "
        "{dial dev interfaceEndpoints=true} in the lab",
        default=False,
    )
    flow_logs: bool = dial(
        BOOLEAN,
        doc="VPC flow logs to CloudWatch Logs (retention logRetentionDays).",
        cost="{price logs.ingest.gb}",
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
        cost="alb: {price alb.hour} + LCUs at {price alb.lcu_hour}; httpApi: "
        "{price apigateway.http.requests.million}, Cloud Map "
        "{price cloudmap.instance.month} (per task) + a private zone at {price route53.zone.month}",
        lab="httpApi",
        mvp="alb",
    )
    edge: EdgeMode = dial(
        dials.choice("vpcOrigin", "public"),
        doc="vpcOrigin: an internal ALB reached only through a CloudFront VPC origin; public: "
        "an internet-facing ALB that admits only CloudFront.",
        cost="public: the ALB's public IPv4 addresses, one per AZ at {price public_ipv4.hour} "
        "each ({dial prod edge=public} in mvp); a lab on the HTTP API gets the ALB with it "
        "({dial dev ingress=alb} for the ALB alone)",
        default="vpcOrigin",
    )
    domain: str | None = dial(
        dials.pattern(DOMAIN_RE, "a lowercase DNS name such as example.com (no scheme)"),
        doc="Apex domain for the ACM certificates and Route 53 aliases. Unset: CloudFront's "
        "*.cloudfront.net name.",
        cost="the hosted zone you own is {price route53.zone.month}",
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
        cost="nothing idle",
        default="PriceClass_100",
    )
    cloudfront_logs: bool = dial(
        BOOLEAN,
        doc="CloudFront standard access logs to an S3 bucket (ACLs enabled first: the "
        "distribution waits for them).",
        cost="S3 storage only, {price s3.standard.gb_month}",
        default=False,
    )
    waf: bool = dial(
        BOOLEAN,
        doc="AWS WAF on CloudFront: managed common and known-bad-inputs rules, a rate limit; the "
        "common set's 8 KB body limit only counts, since a note body may be 20,000 characters.",
        cost="{dial dev waf=true} (a web ACL {price wafv2.web_acl.month}, each rule "
        "{price wafv2.rule.month}) + {price wafv2.requests.million}",
        default=False,
    )

    # compute
    fargate_spot: bool = dial(
        BOOLEAN,
        doc="Run every service on Fargate Spot (interruptible) unless the service sets spot. "
        "In mvp the api and web keep one on-demand task each (capacity provider base 1) and "
        "run the rest on Spot: a Spot reclaim (2 minutes' notice, not replaced on-demand) can "
        "leave each with that one task until Spot capacity returns.",
        cost="arm64 Spot is priced {off fargate.spot.arm64.vcpu_hour "
        "fargate.ondemand.arm64.vcpu_hour} below on demand ({price fargate.spot.arm64.vcpu_hour} "
        "against {price fargate.ondemand.arm64.vcpu_hour}; the real price moves with spare "
        "capacity); in mvp it applies beyond the first api and web task",
        default=True,
    )
    cpu_architecture: CpuArchitecture = dial(
        dials.choice("X86_64", "ARM64"),
        doc="CPU architecture of the tasks (and the platform the images are built for).",
        cost="Graviton is {off fargate.ondemand.arm64.vcpu_hour fargate.ondemand.x86_64.vcpu_hour} "
        "cheaper on demand (x86 in mvp: {dial prod cpuArchitecture=X86_64})",
        default="ARM64",
    )
    api: ServiceSize = dial(
        service_kind(may_disable=False),
        doc="API service: {cpu, memory (a valid Fargate pair), count, minCount, maxCount, "
        "spot (overrides fargateSpot)}.",
        cost="arm64 on demand {price fargate.ondemand.arm64.vcpu_hour} + "
        "{price fargate.ondemand.arm64.gb_hour}; on Spot {price fargate.spot.arm64.vcpu_hour} + "
        "{price fargate.spot.arm64.gb_hour}",
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
        cost="free (with interface endpoints: {price vpc_endpoint.interface.az_hour} per AZ "
        "for ssmmessages)",
        lab=True,
        mvp=False,
    )
    container_insights: bool = dial(
        BOOLEAN,
        doc="ECS Container Insights. Off in both profiles: the alarms use the free AWS/ECS "
        "metrics.",
        cost="dozens of custom metrics, each billed by the month (not in our price table)",
        default=False,
    )
    dashboard: bool = dial(
        BOOLEAN,
        doc="A CloudWatch dashboard of the ALB, services, database and cache. Off in both "
        "profiles: the alarms watch the same metrics, and CloudWatch's automatic per-service "
        "dashboards (free) and the ECS console show them.",
        cost="{price cloudwatch.dashboard.month} after the account's first three",
        default=False,
    )
    alarms: bool = dial(
        BOOLEAN,
        doc="CloudWatch alarms on the services, load balancer, database and cache, to an "
        "encrypted SNS topic. Off: none of them, nor the topic and its KMS key (the NAT "
        "instance's reboot alarm stays: it acts). Turned on when alarmEmail is set.",
        cost="{price cloudwatch.alarm.month} (about 16 in the lab, 24 in mvp) + "
        "{price kms.key.month} for the topic's KMS key",
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
        cost="{price aurora.serverless_v2.acu_hour}: 0.5 ACU always on = "
        "**{dial dev dbMinAcu=0.5}**; 0 pauses when idle (no compute charge)",
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
        cost="{dial dev redis=true} (node + token secret)",
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
        cost="{price elasticache.valkey.cache.t4g.micro.hour} per cache.t4g.micro Valkey "
        "node; a second one in mvp: {dial prod redisNodes=2}",
        default=1,
    )
    redis_node_type: str = dial(
        dials.pattern(REDIS_NODE_RE, "an ElastiCache node type like cache.t4g.micro"),
        doc="ElastiCache node type.",
        cost="",
        default="cache.t4g.micro",
        allowed="`cache.*`",
    )
    app_secret_store: AppSecretStore = dial(
        dials.choice("parameterStore", "secretsManager"),
        doc="Where the app's generated session key (APP_SECRET_KEY) is kept: a SecureString "
        "standard parameter `/<project>/<stack>/app-secret-key` (encrypted with the account's "
        "aws/ssm key) or a Secrets Manager secret. ECS injects either; neither is rotated. "
        "The database's secret stays in Secrets Manager (RDS rotates it).",
        cost="parameterStore: {price ssm.parameter.standard.month} (standard tier); "
        "secretsManager: {price secretsmanager.secret.month}",
        default="parameterStore",
    )
    log_retention_days: int = dial(
        dials.one_of_integers(LOG_RETENTION_DAYS),
        doc="CloudWatch Logs retention of every log group.",
        cost="{price logs.storage.gb_month} stored",
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
        dials.choice("open", "cognito", "none"),
        doc="Who may write (anyone reads). cognito: an Amazon Cognito user pool (email sign-in, "
        "TOTP MFA optional in mvp) and an app client without a secret; the web signs users in "
        "and the API refuses writes without a valid access token (docs/auth.md). open: no pool, "
        "anyone may write (the API and the web are told so with ALLOW_ANONYMOUS_WRITES). none: "
        "no pool, for an app that brings its own sign-in (the shipped API then refuses every "
        "write and the web is read-only).",
        cost="free at idle (Essentials includes 10,000 monthly active users), then "
        "{price cognito.essentials.mau}",
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
        cost="{price ecr.storage.gb_month}",
        lab=10,
        mvp=30,
    )
    images: ImagesMode = dial(
        dials.choice("registry", "build"),
        doc="registry: CI pushes the images to ECR tagged with the git SHA and writes that tag "
        "to the stack's parameter /<project>/<stack>/release/image-tag, which pulumi up "
        "deploys (docs/ci.md). build: pulumi up builds app/api and app/web with Docker for "
        "cpuArchitecture's platform and pushes them tagged by content (needs Docker).",
        cost="free in AWS",
        lab="build",
        mvp="registry",
    )
    # The image tag the services run. Not a configuration key: `pulumi up --config` saves what
    # it is given into Pulumi.<stack>.yaml, so a tag kept in config would be redeployed by the
    # next plain `pulumi up` from any older copy of that file. The program reads it from the
    # stack's Parameter Store parameter, which CI writes (components/compute/deployed_tag.py),
    # and fills it in with `dataclasses.replace`; `imageTag` in config is refused (reader.py).
    image_tag: str | None = field(default=None)

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
        """No image to run yet (registry images, and the stack's image tag parameter names none):
        every service runs 0 tasks."""
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
