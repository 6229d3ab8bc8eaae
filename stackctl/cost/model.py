"""The cost model's data: usage assumptions, line items and the estimate they add up to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

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
    # An idle lab is not quite idle: a few visitors, bots and uptime checks. 10,000 requests a
    # month through the HTTP API costs about a cent; set 0 for a truly idle stack.
    http_api_requests_million: float = 0.01
    cloud_map_lookups_million: float = 0.01  # one DiscoverInstances per HTTP API request
    lambda_requests_million: float = 0.0  # invocations a month of a function no API calls
    lambda_ms_per_invocation: float = 20.0  # billed duration of one Lambda invocation
    cognito_mau: float = 0.0  # users who sign in (or are changed) in a month, per user pool

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
    "EventBridge Scheduler: the first 14 million invocations a month of an account are free; "
    "priced here at list price (scheduler.invocations.million)",
    "Lambda: the first 1 million requests and 400,000 GB-seconds a month are free; priced here "
    "at list price",
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
    """Set when the region lacks a figure the stack needs: which, and what to do (no total)."""
    region_gaps: tuple[str, ...] = ()
    """Price items this stack uses that have no figure in its region."""
    # Types with no charge of their own: type -> (resources of it, why it is free).
    free: dict[str, tuple[int, str]] = field(default_factory=dict)
    scenario: str = ""  # the named scenario of `cost --compare`, when there is one

    @property
    def name(self) -> str:
        """The scenario's name, or the stack's."""
        return self.scenario or self.stack

    @property
    def can_total(self) -> bool:
        """False when the region lacks a figure the stack needs: a sum of the priced lines
        would understate the bill, so no total is shown (`region_note` says why)."""
        return not self.region_gaps

    @property
    def total_monthly(self) -> float:
        """The sum of the priced lines (show it only when `can_total`)."""
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
            "scenario": self.scenario,
            "profile": self.profile,
            "region": self.region,
            "hoursPerMonth": self.hours_per_month,
            "totalMonthlyUsd": self.total_monthly if self.can_total else None,
            "totalHourlyUsd": self.total_hourly if self.can_total else None,
            "complete": not self.unpriced,
            "regionGaps": list(self.region_gaps),
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
            "free": {
                token: {"resources": count, "reason": reason}
                for token, (count, reason) in self.free.items()
            },
        }
