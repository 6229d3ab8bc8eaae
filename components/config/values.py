"""The kinds of value the stack's settings hold, and the patterns their text must match.

The modes' literal types (`NatMode`, `IngressMode`, ...), the value types specific to this
program (`SleepSchedule`, `ServiceSize`) with their parsers, and the regular expressions the
dials check text against. Components import these types; the dials (settings.py) and the reader
(reader.py) are built on them. Pure: no Pulumi, no I/O.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal, cast

from components.config import dials
from components.config.dials import DialPartsError
from components.config.limits import (
    AUTO_PAUSE_MIN_MINOR,
)

Profile = Literal["lab", "mvp"]
NatMode = Literal["none", "instance", "gateway", "gatewayPerAz"]
EdgeMode = Literal["vpcOrigin", "public"]
IngressMode = Literal["alb", "httpApi"]
AuthMode = Literal["open", "cognito", "none"]
RedisEngine = Literal["valkey", "redis"]
CpuArchitecture = Literal["X86_64", "ARM64"]
# ECS `cpuArchitecture` -> the Docker platform the images are built for (and `doctor` checks).
PLATFORMS: dict[str, str] = {"ARM64": "linux/arm64", "X86_64": "linux/amd64"}
ImagesMode = Literal["registry", "build"]
AppSecretStore = Literal["parameterStore", "secretsManager"]
NatAddress = Literal["elasticIp", "instanceIp"]

DEFAULT_DB_ENGINE_VERSION = "16.8"


def show(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) else str(value)


def did_you_mean(value: str, candidates: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(value, list(candidates), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        if value.lower() in lowered:
            close = [lowered[value.lower()]]
    return f" (did you mean {show(close[0])}?)" if close else ""


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
                hint = did_you_mean(part, parts)
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

PAUSING_MAJORS = sorted(AUTO_PAUSE_MIN_MINOR)
PAUSING_VERSIONS = "/".join(f"{major}.{minor}" for major, minor in AUTO_PAUSE_MIN_MINOR.items())
