"""The reader of the stack's settings: the one place that reads `pulumi.Config`.

`load_settings()` turns the stack's configuration into a frozen, typed `Settings` object (its
dials are declared in settings.py, their value types in values.py). Every problem is collected
and reported together in one `SettingsError` that names the key, the value given and what is
allowed, before the program registers a single resource. A key in the project's namespace or
in `aws:` that is not known is an error too, with the closest known key as a suggestion.

Rules across keys (`_check_across_keys`, documented in docs/settings.md, "Rules across keys"):
- `nat: none` needs interface endpoints for Fargate to pull images and write logs: when
  `interfaceEndpoints` is unset they are turned on (and a notice says so); an explicit `false`
  is rejected.
- `dbAutoPauseSeconds` applies only with `dbMinAcu: 0`; it defaults to 300 s then.
- `redisNodes` >= 2 turns on ElastiCache automatic failover and Multi-AZ; with 1 node both are
  off (AWS rejects them on a single node).
- The NAT instance runs an arm64 Amazon Linux image, so `natInstanceType` must be a Graviton type.
- `imageTag` is refused for every stack (`image_tag_refusal`): `pulumi up --config` saves the
  value it is given into Pulumi.<stack>.yaml, so a tag kept in config comes back with the next
  plain `pulumi up` from an older copy of the file. The tag lives in the stack's parameter
  `/<project>/<stack>/release/image-tag`; components/compute/deployed_tag.py reads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from pulumi.errors import RunError

from components.config import dials
from components.config.aws_account import parse_aws_config
from components.config.dials import PROFILE_NAMES, Dial, DialPartsError
from components.config.limits import (
    AUTO_PAUSE_MIN_MINOR,
    FARGATE_MEMORY,
    memory_range,
)
from components.config.settings import AWS_PROVIDER_KEYS, Settings
from components.config.subnets import RFC1918, plan_subnets
from components.config.values import (
    DEFAULT_DB_ENGINE_VERSION,
    ENGINE_VERSION_RE,
    PAUSING_MAJORS,
    REGION_RE,
    Profile,
    ServiceSize,
    did_you_mean,
    show,
)

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
        self.problems.append(f"{self.key(name)} = {show(value)} is not valid; {allowed}")

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
            hint = did_you_mean(text, kind.choices) if kind.choices else ""
            self.fail(declared.key, text, f"allowed: {kind.allowed}{hint}")
            return default
        return kind.merge(default, value) if kind.merge is not None else value


def _check_unknown_keys(
    project: str, stack: str, raw: Mapping[str, str], known: frozenset[str], problems: list[str]
) -> None:
    for full_key in sorted(raw):
        namespace, _, name = full_key.partition(":")
        if namespace == project and name == RETIRED_IMAGE_TAG_KEY:
            problems.append(image_tag_refusal(project, stack, raw[full_key]))
        elif namespace == project and name not in known:
            hint = did_you_mean(name, sorted(known))
            problems.append(f"{full_key} is not a setting of this project{hint}")
        elif namespace == "aws" and name not in AWS_PROVIDER_KEYS:
            hint = did_you_mean(full_key, sorted(f"aws:{key}" for key in AWS_PROVIDER_KEYS))
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
            f"{PAUSING_MAJORS[0]} to {PAUSING_MAJORS[-1]}, e.g. {DEFAULT_DB_ENGINE_VERSION}",
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
    if v["self_sign_up"] and v["auth"] != "cognito":
        r.fail("selfSignUp", "true", "it is a setting of the user pool; it needs auth cognito")
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


RETIRED_IMAGE_TAG_KEY = "imageTag"


def image_tag_refusal(project: str, stack: str, value: str) -> str:
    """The problem reported for `<project>:imageTag` in the stack's configuration."""
    return (
        f"{project}:{RETIRED_IMAGE_TAG_KEY} = {show(value)} is not read any more: the deployed "
        "image tag lives in the stack's Parameter Store parameter "
        f"/{project}/{stack}/release/image-tag, which CI writes (deploy.yml; rollback.yml to "
        "go back), because `pulumi up --config` saves the tag into Pulumi.<stack>.yaml, where "
        "an older copy would roll the stack back. Remove it with `pulumi config rm "
        f"{RETIRED_IMAGE_TAG_KEY}`; to deploy a tag by hand, write the parameter "
        "(docs/ci.md, Releases and rollbacks)"
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
    _check_unknown_keys(
        project, stack, raw, frozenset({"profile", *(d.key for d in declared)}), problems
    )
    profile = raw.get(f"{project}:profile")
    if profile is None:
        problems.append(
            f"{project}:profile is required; allowed: {', '.join(PROFILE_NAMES)} "
            "(lab: cheap and disposable, mvp: production-ready)"
        )
    elif profile not in PROFILE_NAMES:
        problems.append(
            f"{project}:profile = {show(profile)} is not valid; allowed: "
            f"{', '.join(PROFILE_NAMES)}{did_you_mean(profile, PROFILE_NAMES)}"
        )
    chosen = profile if profile in PROFILE_NAMES else "lab"
    region = raw.get("aws:region")
    if region is None:
        problems.append("aws:region is required; e.g. `pulumi config set aws:region us-east-1`")
    elif not REGION_RE.match(region):
        problems.append(f"aws:region = {show(region)} is not valid; allowed: e.g. us-east-1")

    aws = parse_aws_config(raw, region or "us-east-1", problems)
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
        aws=aws,
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


def _check_connections(settings: Settings) -> None:
    """The services' maximum task counts (app/contract.json and the stack's sizes) must fit in
    Aurora's connection limit at the stack's ACU range, each task with a pool of at least one
    (components/config/db_budget.py): refused here, before any resource exists."""
    from components.config.app_contract import load_contract
    from components.config.db_budget import service_pools
    from components.config.services import service_specs

    try:
        service_pools(service_specs(load_contract(), settings), settings)
    except ValueError as refused:
        raise SettingsError(settings.stack, [f"{settings.project}:{refused}"]) from None


def load_settings() -> Settings:
    """Read and validate the current stack's configuration (raises SettingsError)."""
    import pulumi

    settings = parse_settings(pulumi.get_project(), pulumi.get_stack(), _runtime_config())
    _check_connections(settings)
    for notice in settings.notices:
        pulumi.log.info(notice)
    return settings
