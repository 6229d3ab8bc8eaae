"""Stack settings: the one place that reads `pulumi.Config`.

`load_settings()` turns the stack's configuration into a frozen, typed `Settings` object. The
`profile` key (`lab` or `mvp`) picks every default from `PROFILES`; each key can be overridden
on its own in `Pulumi.<stack>.yaml`. Every problem is collected and reported together in one
`SettingsError` that names the key, the value given and what is allowed, before the program
registers a single resource. A key in the project's namespace that the program does not know is
an error too, with the closest known key as a suggestion; so is a key in the `aws:` namespace
that the AWS provider does not read (`aws:regon`), which the provider would otherwise ignore.

`SettingsError` is a `pulumi.RunError`: the Python language host prints a RunError's message
alone, where any other exception is reported as an unhandled error with its traceback.

Decisions taken here (and documented in the README):
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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

from pulumi.errors import RunError

from components.subnets import RFC1918, plan_subnets

T = TypeVar("T")

Profile = Literal["lab", "mvp"]
NatMode = Literal["none", "instance", "gateway", "gatewayPerAz"]
EdgeMode = Literal["vpcOrigin", "public"]
RedisEngine = Literal["valkey", "redis"]
CpuArchitecture = Literal["X86_64", "ARM64"]
ImagesMode = Literal["registry", "build"]

PROFILE_NAMES: tuple[str, ...] = ("lab", "mvp")
NAT_MODES: tuple[str, ...] = ("none", "instance", "gateway", "gatewayPerAz")
EDGE_MODES: tuple[str, ...] = ("vpcOrigin", "public")
PRICE_CLASSES: tuple[str, ...] = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
REDIS_ENGINES: tuple[str, ...] = ("valkey", "redis")
CPU_ARCHITECTURES: tuple[str, ...] = ("X86_64", "ARM64")
IMAGES_MODES: tuple[str, ...] = ("registry", "build")

# CloudWatch Logs accepts exactly these retention periods (days).
LOG_RETENTION_DAYS: tuple[int, ...] = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip

# Fargate task sizes: cpu units -> allowed memory (MiB). ECS "task CPU and memory" docs.
FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

# Oldest minor per Aurora PostgreSQL major that supports a minimum capacity of 0 ACU (auto-pause).
AUTO_PAUSE_MIN_MINOR: dict[int, int] = {13: 15, 14: 12, 15: 7, 16: 3, 17: 0}
DEFAULT_DB_ENGINE_VERSION = "16.8"


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


_SERVICE_FIELDS = {
    "cpu": "cpu",
    "memory": "memory",
    "count": "count",
    "minCount": "min_count",
    "maxCount": "max_count",
    "enabled": "enabled",
    "spot": "spot",
}

# The two profiles. Each value is the default of the key of the same name; see DESIGN.md.
PROFILES: dict[str, dict[str, Any]] = {
    "lab": {
        "vpcCidr": "10.0.0.0/16",
        "azCount": 2,
        "nat": "instance",
        "natInstanceType": "t4g.nano",
        "interfaceEndpoints": False,
        "flowLogs": False,
        "edge": "vpcOrigin",
        "fargateSpot": True,
        "cpuArchitecture": "ARM64",
        "api": ServiceSize(cpu=256, memory=512, count=1, min_count=1, max_count=2),
        "web": ServiceSize(cpu=256, memory=512, count=1, min_count=1, max_count=2),
        "worker": ServiceSize(
            cpu=256, memory=512, count=1, min_count=1, max_count=1, enabled=False
        ),
        "autoscaling": False,
        "ecsExec": True,
        "containerInsights": False,
        "dbEngineVersion": DEFAULT_DB_ENGINE_VERSION,
        "dbMinAcu": 0.0,
        "dbMaxAcu": 2.0,
        "dbReaders": 0,
        "redis": False,
        "redisNodeType": "cache.t4g.micro",
        "redisEngine": "valkey",
        "redisNodes": 1,
        "logRetentionDays": 7,
        "deletionProtection": False,
        "backupRetentionDays": 1,
        "waf": False,
        "dashboard": False,
        "albHttps": False,
        "cloudfrontLogs": False,
        "priceClass": "PriceClass_100",
        "ecrKeepTagged": 10,
        "images": "registry",
    },
    "mvp": {
        "vpcCidr": "10.0.0.0/16",
        "azCount": 2,
        "nat": "instance",
        "natInstanceType": "t4g.nano",
        "interfaceEndpoints": False,
        "flowLogs": True,
        "edge": "vpcOrigin",
        "fargateSpot": False,
        "cpuArchitecture": "ARM64",
        "api": ServiceSize(cpu=256, memory=512, count=2, min_count=2, max_count=4),
        "web": ServiceSize(cpu=256, memory=512, count=2, min_count=2, max_count=4),
        # Background jobs retry and stop cleanly on SIGTERM: the worker is a Spot workload.
        "worker": ServiceSize(cpu=256, memory=512, count=1, min_count=1, max_count=2, spot=True),
        "autoscaling": True,
        "ecsExec": False,
        "containerInsights": False,
        "dbEngineVersion": DEFAULT_DB_ENGINE_VERSION,
        "dbMinAcu": 0.5,
        "dbMaxAcu": 4.0,
        "dbReaders": 0,
        "redis": True,
        "redisNodeType": "cache.t4g.micro",
        "redisEngine": "valkey",
        "redisNodes": 1,
        "logRetentionDays": 30,
        "deletionProtection": True,
        "backupRetentionDays": 7,
        "waf": False,
        "dashboard": True,
        "albHttps": False,
        "cloudfrontLogs": False,
        "priceClass": "PriceClass_100",
        "ecrKeepTagged": 30,
        "images": "registry",
    },
}

# Keys without a profile default (unset unless the stack sets them).
OPTIONAL_KEYS: tuple[str, ...] = (
    "domain",
    "hostedZoneId",
    "dbAutoPauseSeconds",
    "alarmEmail",
    "githubRepo",
    "githubOidcProvider",
    "stateBucket",
    "secretsKeyArn",
    "sleep",
    "imageTag",
)
KNOWN_KEYS: frozenset[str] = frozenset({"profile", *PROFILES["lab"], *OPTIONAL_KEYS})

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


@dataclass(frozen=True)
class Settings:
    """Everything the program needs from the stack's configuration, validated."""

    project: str
    stack: str
    region: str
    profile: Profile
    vpc_cidr: str
    az_count: int
    nat: NatMode
    nat_instance_type: str
    interface_endpoints: bool
    flow_logs: bool
    edge: EdgeMode
    domain: str | None
    hosted_zone_id: str | None
    fargate_spot: bool
    cpu_architecture: CpuArchitecture
    api: ServiceSize
    web: ServiceSize
    worker: ServiceSize
    autoscaling: bool
    ecs_exec: bool
    container_insights: bool
    db_engine_version: str
    db_min_acu: float
    db_max_acu: float
    db_auto_pause_seconds: int | None
    db_readers: int
    redis: bool
    redis_node_type: str
    redis_engine: RedisEngine
    redis_nodes: int
    log_retention_days: int
    deletion_protection: bool
    backup_retention_days: int
    waf: bool
    dashboard: bool
    alb_https: bool
    cloudfront_logs: bool
    price_class: str
    ecr_keep_tagged: int
    images: ImagesMode
    alarm_email: str | None
    github_repo: str | None
    github_oidc_provider: Literal["create", "existing"]
    state_bucket: str | None
    secrets_key_arn: str | None
    sleep: SleepSchedule | None
    image_tag: str | None
    notices: tuple[str, ...] = field(default=())

    @property
    def parked(self) -> bool:
        """No image to run yet (registry images without `imageTag`): every service runs 0 tasks."""
        return self.images == "registry" and self.image_tag is None

    @property
    def tags(self) -> dict[str, str]:
        """Tags every taggable resource carries (through the provider's default_tags)."""
        return {"project": self.project, "stack": self.stack, "managed-by": "pulumi"}


class SettingsError(RunError):
    """The stack's configuration is invalid; `problems` lists every reason."""

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
    """Parses raw config strings into typed values, collecting every problem."""

    def __init__(self, project: str, raw: Mapping[str, str], defaults: Mapping[str, Any]):
        self.project = project
        self.raw = raw
        self.defaults = defaults
        self.problems: list[str] = []

    def key(self, name: str) -> str:
        return f"{self.project}:{name}"

    def is_set(self, name: str) -> bool:
        return self.key(name) in self.raw

    def fail(self, name: str, value: object, allowed: str) -> None:
        self.problems.append(f"{self.key(name)} = {_show(value)} is not valid; {allowed}")

    def _parse(self, name: str, parse: Callable[[str], T | None], allowed: str) -> T | None:
        """Parse the raw value, or return the profile default (also when invalid)."""
        default = cast("T | None", self.defaults.get(name))
        if not self.is_set(name):
            return default
        text = self.raw[self.key(name)]
        try:
            value = parse(text)
        except (ValueError, TypeError):
            value = None
        if value is None:
            self.fail(name, text, allowed)
            return default
        return value

    def boolean(self, name: str) -> bool:
        return bool(self._parse(name, _boolean, "allowed: true, false"))

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        text = self.raw.get(self.key(name))
        if text is not None and text not in allowed:
            self.fail(
                name,
                text,
                f"allowed: {', '.join(allowed)}{_did_you_mean(text, allowed)}",
            )
        return text if text in allowed else str(self.defaults.get(name, allowed[0]))

    def integer(self, name: str, low: int, high: int) -> int | None:
        def parse(text: str) -> int | None:
            number = int(text)
            return number if low <= number <= high else None

        return self._parse(name, parse, f"allowed: a whole number from {low} to {high}")

    def acu(self, name: str, low: float) -> float:
        def parse(text: str) -> float | None:
            number = float(text)
            ok = low <= number <= 256 and (number * 2).is_integer()
            return number if ok else None

        value = self._parse(name, parse, f"allowed: {low:g} to 256 in steps of 0.5")
        return float(value if value is not None else 0.0)

    def pattern(self, name: str, regex: re.Pattern[str], allowed: str) -> str | None:
        return self._parse(name, lambda text: text if regex.match(text) else None, allowed)

    def service(self, name: str, may_disable: bool) -> ServiceSize:
        default = cast(ServiceSize, self.defaults[name])
        if not self.is_set(name):
            return default
        text = self.raw[self.key(name)]
        fields = [k for k in _SERVICE_FIELDS if may_disable or k != "enabled"]
        try:
            given = json.loads(text)
        except ValueError:
            given = None
        if not isinstance(given, dict):
            self.fail(name, text, f"allowed: an object with keys {', '.join(fields)}")
            return default
        values = {attr: getattr(default, attr) for attr in _SERVICE_FIELDS.values()}
        for field_name, given_value in given.items():
            full = f"{name}.{field_name}"
            if field_name not in fields:
                self.fail(
                    full,
                    given_value,
                    f"allowed keys: {', '.join(fields)}{_did_you_mean(field_name, fields)}",
                )
                continue
            parsed: bool | int | None
            if field_name in ("enabled", "spot"):
                parsed = _boolean(given_value)
                if parsed is None:
                    self.fail(full, given_value, "allowed: true, false")
                    continue
            else:
                parsed = _whole_number(given_value)
                if parsed is None or parsed < 0:
                    self.fail(full, given_value, "allowed: a whole number, 0 or more")
                    continue
            values[_SERVICE_FIELDS[field_name]] = parsed
        return ServiceSize(**values)


def _boolean(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.strip().lower())
    return None


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


def _check_service(reader: _Reader, name: str, size: ServiceSize) -> None:
    key = reader.key(name)
    allowed_memory = FARGATE_MEMORY.get(size.cpu)
    if allowed_memory is None:
        reader.problems.append(
            f"{key}.cpu = {size.cpu} is not a Fargate CPU size; allowed: "
            f"{', '.join(str(c) for c in FARGATE_MEMORY)}"
        )
    elif size.memory not in allowed_memory:
        reader.problems.append(
            f"{key}.memory = {size.memory} is not valid with cpu {size.cpu} on Fargate; "
            f"allowed: {_memory_range(allowed_memory)}"
        )
    if size.max_count < 1:
        reader.problems.append(
            f"{key}.maxCount = {size.max_count} is not valid; allowed: 1 or more"
        )
    if not size.min_count <= size.count <= size.max_count:
        reader.problems.append(
            f"{key} has count {size.count}, minCount {size.min_count}, maxCount "
            f"{size.max_count}; allowed: minCount <= count <= maxCount"
        )


def _memory_range(values: tuple[int, ...]) -> str:
    if len(values) <= 3:
        return ", ".join(str(v) for v in values)
    step = values[1] - values[0]
    return f"{values[0]} to {values[-1]} in steps of {step}"


def _check_engine_version(reader: _Reader, version: str, min_acu: float) -> None:
    match = ENGINE_VERSION_RE.match(version)
    majors = sorted(AUTO_PAUSE_MIN_MINOR)
    if not match or int(match.group(1)) not in AUTO_PAUSE_MIN_MINOR:
        reader.fail(
            "dbEngineVersion",
            version,
            f"allowed: an Aurora PostgreSQL version MAJOR.MINOR with major "
            f"{majors[0]} to {majors[-1]}, e.g. {DEFAULT_DB_ENGINE_VERSION}",
        )
        return
    major, minor = int(match.group(1)), int(match.group(2))
    oldest = AUTO_PAUSE_MIN_MINOR[major]
    if min_acu == 0 and minor < oldest:
        reader.fail(
            "dbEngineVersion",
            version,
            f"dbMinAcu 0 (auto-pause) needs {major}.{oldest} or newer; "
            "raise the version or set dbMinAcu to 0.5 or more",
        )


def _check_vpc_cidr(reader: _Reader, cidr: str, az_count: int) -> None:
    try:
        layout = plan_subnets(cidr, az_count)
    except ValueError as error:
        reason = str(error)
        if "host bits" in reason:
            reason = "it has host bits set; use the network address"
        reader.fail("vpcCidr", cidr, f"{reason}; allowed: a private IPv4 CIDR from /16 to /20")
        return
    if not any(layout.vpc.subnet_of(block) for block in RFC1918):
        reader.fail(
            "vpcCidr",
            cidr,
            "allowed: a private range inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        )


def parse_settings(project: str, stack: str, raw: Mapping[str, str]) -> Settings:
    """Build `Settings` from raw config (`{"<project>:<key>": "<string>"}`, `aws:*` included).

    Raises SettingsError listing every problem.
    """
    problems: list[str] = []
    prefix = f"{project}:"
    for full_key in sorted(raw):
        if full_key.startswith(prefix) and full_key[len(prefix) :] not in KNOWN_KEYS:
            name = full_key[len(prefix) :]
            hint = _did_you_mean(name, sorted(KNOWN_KEYS))
            problems.append(f"{full_key} is not a setting of this project{hint}")
        elif full_key.startswith("aws:") and full_key[4:] not in AWS_PROVIDER_KEYS:
            hint = _did_you_mean(full_key, sorted(f"aws:{key}" for key in AWS_PROVIDER_KEYS))
            problems.append(f"{full_key} is not a setting of the AWS provider{hint}")

    profile = raw.get(f"{project}:profile")
    if profile is None:
        problems.append(
            f"{project}:profile is required; allowed: {', '.join(PROFILE_NAMES)} "
            "(lab: cheap and disposable, mvp: production-ready)"
        )
    elif profile not in PROFILES:
        problems.append(
            f"{project}:profile = {_show(profile)} is not valid; allowed: "
            f"{', '.join(PROFILE_NAMES)}{_did_you_mean(profile, PROFILE_NAMES)}"
        )
    chosen = profile if profile in PROFILES else "lab"
    r = _Reader(project, raw, PROFILES[chosen])
    r.problems = problems

    region = raw.get("aws:region")
    if region is None:
        problems.append("aws:region is required; e.g. `pulumi config set aws:region us-east-1`")
    elif not REGION_RE.match(region):
        problems.append(f"aws:region = {_show(region)} is not valid; allowed: e.g. us-east-1")

    az_count = r.integer("azCount", 2, 3) or 2
    vpc_cidr = r.raw.get(r.key("vpcCidr"), str(PROFILES[chosen]["vpcCidr"]))
    _check_vpc_cidr(r, vpc_cidr, az_count)

    nat = r.choice("nat", NAT_MODES)
    notices: list[str] = []
    interface_endpoints = r.boolean("interfaceEndpoints")
    if nat == "none":
        if not r.is_set("interfaceEndpoints"):
            interface_endpoints = True
            notices.append(
                "nat is none, so interfaceEndpoints is on: Fargate needs them to pull images, "
                "write logs and read secrets without a route to the internet"
            )
        elif not interface_endpoints:
            r.fail(
                "interfaceEndpoints",
                "false",
                "with nat none the tasks cannot reach ECR, CloudWatch Logs or Secrets Manager; "
                "allowed: true, or a nat mode other than none",
            )

    nat_instance_type = (
        r.pattern(
            "natInstanceType",
            GRAVITON_TYPE_RE,
            "allowed: a Graviton (arm64) instance type such as t4g.nano or t4g.micro",
        )
        or "t4g.nano"
    )

    domain = r.pattern(
        "domain", DOMAIN_RE, "allowed: a lowercase DNS name such as example.com (no scheme)"
    )
    hosted_zone_id = r.pattern(
        "hostedZoneId", HOSTED_ZONE_RE, "allowed: a Route 53 zone id such as Z0123456789ABC"
    )
    if hosted_zone_id and not r.is_set("domain"):
        r.fail("hostedZoneId", hosted_zone_id, "it needs domain to be set as well")

    api = r.service("api", may_disable=False)
    web = r.service("web", may_disable=False)
    worker = r.service("worker", may_disable=True)
    for name, size in (("api", api), ("web", web), ("worker", worker)):
        if size.enabled:
            _check_service(r, name, size)

    db_min_acu = r.acu("dbMinAcu", 0)
    db_max_acu = r.acu("dbMaxAcu", 1)
    if db_min_acu > db_max_acu:
        r.fail("dbMinAcu", db_min_acu, f"it must not exceed dbMaxAcu ({db_max_acu:g})")
    db_auto_pause = r.integer("dbAutoPauseSeconds", 300, 86400)
    if db_min_acu == 0:
        db_auto_pause = db_auto_pause or 300
    elif r.is_set("dbAutoPauseSeconds"):
        r.fail(
            "dbAutoPauseSeconds",
            r.raw[r.key("dbAutoPauseSeconds")],
            f"auto-pause needs dbMinAcu 0 (it is {db_min_acu:g}); unset it or set dbMinAcu to 0",
        )
        db_auto_pause = None
    else:
        db_auto_pause = None
    db_engine_version = r.pattern(
        "dbEngineVersion", re.compile(r".+"), "allowed: a version such as 16.8"
    )
    _check_engine_version(r, db_engine_version or DEFAULT_DB_ENGINE_VERSION, db_min_acu)

    alb_https = r.boolean("albHttps")
    if alb_https and not domain:
        r.fail(
            "albHttps",
            "true",
            "end-to-end TLS needs a certificate for a domain; set domain as well, or false",
        )

    sleep = r._parse(
        "sleep",
        parse_sleep,
        "allowed: 'weekdays HH-HH' or 'daily HH-HH' (wake hour before sleep hour, 0-23), "
        "optionally followed by an IANA time zone, e.g. 'weekdays 08-20 Europe/Berlin'",
    )
    if sleep is not None and chosen == "mvp":
        r.fail(
            "sleep",
            r.raw[r.key("sleep")],
            "sleep mode is for non-production stacks; allowed only with profile lab",
        )

    retention = r.integer("logRetentionDays", 1, 3653)
    if retention is not None and retention not in LOG_RETENTION_DAYS:
        r.fail(
            "logRetentionDays",
            retention,
            f"allowed: {', '.join(str(d) for d in LOG_RETENTION_DAYS)}",
        )

    settings = Settings(
        project=project,
        stack=stack,
        region=region or "us-east-1",
        profile=cast(Profile, chosen),
        vpc_cidr=vpc_cidr,
        az_count=az_count,
        nat=cast(NatMode, nat),
        nat_instance_type=nat_instance_type,
        interface_endpoints=interface_endpoints,
        flow_logs=r.boolean("flowLogs"),
        edge=cast(EdgeMode, r.choice("edge", EDGE_MODES)),
        domain=domain,
        hosted_zone_id=hosted_zone_id,
        fargate_spot=r.boolean("fargateSpot"),
        cpu_architecture=cast(CpuArchitecture, r.choice("cpuArchitecture", CPU_ARCHITECTURES)),
        api=api,
        web=web,
        worker=worker,
        autoscaling=r.boolean("autoscaling"),
        ecs_exec=r.boolean("ecsExec"),
        container_insights=r.boolean("containerInsights"),
        db_engine_version=db_engine_version or DEFAULT_DB_ENGINE_VERSION,
        db_min_acu=db_min_acu,
        db_max_acu=db_max_acu,
        db_auto_pause_seconds=db_auto_pause,
        db_readers=r.integer("dbReaders", 0, 15) or 0,
        redis=r.boolean("redis"),
        redis_node_type=r.pattern(
            "redisNodeType", REDIS_NODE_RE, "allowed: an ElastiCache node type like cache.t4g.micro"
        )
        or "cache.t4g.micro",
        redis_engine=cast(RedisEngine, r.choice("redisEngine", REDIS_ENGINES)),
        redis_nodes=r.integer("redisNodes", 1, 6) or 1,
        log_retention_days=retention or 7,
        deletion_protection=r.boolean("deletionProtection"),
        backup_retention_days=r.integer("backupRetentionDays", 1, 35) or 1,
        waf=r.boolean("waf"),
        dashboard=r.boolean("dashboard"),
        alb_https=alb_https,
        cloudfront_logs=r.boolean("cloudfrontLogs"),
        price_class=r.choice("priceClass", PRICE_CLASSES),
        ecr_keep_tagged=r.integer("ecrKeepTagged", 1, 1000) or 10,
        images=cast(ImagesMode, r.choice("images", IMAGES_MODES)),
        alarm_email=r.pattern("alarmEmail", EMAIL_RE, "allowed: an email address"),
        github_repo=r.pattern(
            "githubRepo",
            GITHUB_REPO_RE,
            "allowed: owner/name of a GitHub repository, without wildcards",
        ),
        github_oidc_provider=cast(
            Literal["create", "existing"], r.choice("githubOidcProvider", ("create", "existing"))
        ),
        state_bucket=r.pattern(
            "stateBucket",
            S3_BUCKET_RE,
            "allowed: the name of the S3 bucket that holds Pulumi state",
        ),
        secrets_key_arn=r.pattern(
            "secretsKeyArn",
            KMS_KEY_ARN_RE,
            "allowed: the ARN of the KMS key (or alias) of the awskms:// secrets provider",
        ),
        sleep=sleep,
        image_tag=r.pattern(
            "imageTag", IMAGE_TAG_RE, "allowed: a Docker tag ([A-Za-z0-9_.-], up to 128 chars)"
        ),
        notices=tuple(notices),
    )
    if settings.images == "build" and r.is_set("imageTag"):
        r.fail(
            "imageTag",
            r.raw[r.key("imageTag")],
            "with images build, pulumi up builds the images and tags them by content; "
            "unset imageTag, or set images to registry to deploy images pushed by CI",
        )
    elif settings.image_tag == "latest":
        r.fail(
            "imageTag",
            "latest",
            "the ECR repositories have immutable tags, so a moving tag cannot be redeployed; "
            "allowed: a tag that names one build, such as the git SHA",
        )
    elif settings.parked:
        notices.append(
            "imageTag is unset: the services are created with 0 tasks (parked) until images "
            "are pushed to ECR and imageTag names them"
        )
    if r.problems:
        raise SettingsError(stack, r.problems)
    return dataclasses.replace(settings, notices=tuple(notices))


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
