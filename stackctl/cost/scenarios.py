"""Named cost scenarios (a stack plus overrides) and the budget each one must stay within.

`cost --compare lab "lab asleep" "lab with ALB" mvp` prices these side by side; any other
argument is a stack, optionally with overrides: `dev:sleep=weekdays 08-20,nat=gateway`. The
cost tables of docs/costs.md and the README's cost summary are generated from `SCENARIOS`
(`python -m stackctl docs`), and tests/tools/test_cost_scenarios.py checks every budget.

Budgets: idle, images deployed, no free tiers applied, us-east-1 prices. `target` is the
user's own number (the `target` of each scenario below); where the budget is above
it, no dial reaches the target without giving up something a user would miss, and docs/costs.md
says what (the "mvp on the HTTP API" row shows the biggest such trade).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from components.config.reader import SettingsError, parse_settings
from components.config.settings import KNOWN_KEYS
from stackctl.cost.model import Assumptions, Estimate
from stackctl.cost.pricers import estimate
from stackctl.harness import Graph, deployed_tag, run_program, stack_config

# With `images: registry` and no tag in the stack's image tag parameter (under the mocks: no
# `@imageTag=` override), the program parks every service at 0 tasks (nothing to run yet). A cost
# estimate is about the running stack, so it prices the stack as if images were deployed
# (`images: build` never parks: nothing to add then).
ESTIMATE_IMAGE_TAG = "@imageTag=cost-estimate"


@dataclass(frozen=True)
class Scenario:
    name: str
    stack: str
    overrides: tuple[str, ...] = ()
    budget: float | None = None  # USD a month, idle, us-east-1
    what: str = ""
    target: float | None = None  # the user's number, when the budget cannot honestly meet it

    def unknown_keys(self) -> list[str]:
        """Override keys that are not settings of this program (`api.count` is `api`'s)."""
        keys = [o.partition("=")[0] for o in self.overrides]
        return [k for k in keys if ":" not in k and k.partition(".")[0] not in KNOWN_KEYS]

    def check(self) -> None:
        unknown = self.unknown_keys()
        if unknown:
            raise ValueError(
                f"scenario {self.name!r} sets {', '.join(repr(k) for k in unknown)}, which "
                f"{'is not a setting' if len(unknown) == 1 else 'are not settings'} of this "
                f"program; settings: {', '.join(sorted(KNOWN_KEYS))}"
            )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("lab", "dev", (), 14.0, "the lab profile as shipped, always on", 10.0),
    Scenario(
        "lab asleep",
        "dev",
        ("sleep=weekdays 08-20",),
        6.5,
        "the lab, awake 60 of 168 h a week",
        6.0,
    ),
    Scenario("lab with ALB", "dev", ("ingress=alb",), 30.0, "the lab behind the internal ALB"),
    Scenario("mvp", "prod", (), 104.0, "the mvp profile as shipped", 100.0),
    Scenario(
        "mvp on the HTTP API",
        "prod",
        ("ingress=httpApi",),
        90.0,
        "mvp without the ALB: 30 s request limit, 10 MB payloads, no api.<domain>",
    ),
)
BY_NAME = {s.name: s for s in SCENARIOS}

# The rows of docs/costs.md's "what each setting costs": (stack, overrides, remark). A row
# without overrides is the base the following rows of its stack are compared with.
DIAL_ROWS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("dev", (), "lab as shipped"),
    ("dev", ("nat=gateway",), ""),
    ("dev", ("nat=gatewayPerAz",), ""),
    ("dev", ("nat=none",), "forces interface endpoints"),
    ("dev", ("interfaceEndpoints=true",), ""),
    ("dev", ("fargateSpot=false",), ""),
    ("dev", ("dbMinAcu=0.5",), ""),
    ("dev", ("redis=true",), ""),
    ("dev", ("ingress=alb",), "the internal ALB instead of the HTTP API"),
    ("dev", ("waf=true",), ""),
    ("dev", ("dashboard=true",), ""),
    ("dev", ("appSecretStore=secretsManager",), ""),
    ("dev", ("sleep=weekdays 08-20",), ""),
    ("dev", ("sleep=weekdays 08-20", "natAddress=elasticIp"), "compare with the row above"),
    ("prod", (), "mvp as shipped"),
    ("prod", ("worker.spot=false",), ""),
    ("prod", ("redisNodes=2",), ""),
    ("prod", ("cpuArchitecture=X86_64",), ""),
    ("prod", ("fargateSpot=false",), "every api and web task on demand"),
    ("prod", ("dashboard=true",), ""),
    ("prod", ("edge=public",), "the ALB internet-facing: its public IPv4 addresses"),
    ("prod", ("natAddress=instanceIp",), "same price always on"),
    ("prod", ("nat=gateway",), ""),
    ("prod", ("containerInsights=true",), ""),
)


def resolve(argument: str) -> Scenario:
    """A scenario name, or `STACK` / `STACK:KEY=VALUE[,KEY=VALUE...]`."""
    if argument in BY_NAME:
        scenario = BY_NAME[argument]
    else:
        stack, sep, rest = argument.partition(":")
        overrides = tuple(o.strip() for o in rest.split(",")) if sep else ()
        bad = [o for o in overrides if "=" not in o or not o.partition("=")[0]]
        if not stack or bad:
            raise ValueError(
                f"cost --compare {argument!r}: expected a scenario ({', '.join(BY_NAME)}) or "
                "STACK[:KEY=VALUE,...]"
            )
        scenario = Scenario(argument if sep else "", stack, overrides)
    scenario.check()
    return scenario


def deployed_overrides(stack: str, overrides: list[str]) -> list[str]:
    """`overrides`, plus an image tag (`@imageTag=`) when the stack would be parked."""
    project, config = stack_config(stack, overrides)
    try:
        images = parse_settings(project, stack, config).images  # (the profile picks it)
    except SettingsError:
        return list(overrides)  # the program names the problem itself
    parked = images == "registry" and deployed_tag(overrides) is None
    return [ESTIMATE_IMAGE_TAG, *overrides] if parked else list(overrides)


def run_deployed(stack: str, overrides: list[str]) -> Graph:
    return run_program(stack, deployed_overrides(stack, overrides))


def price(
    scenario: Scenario,
    run: Callable[[str, list[str]], Graph] = run_deployed,
    region: str | None = None,
    assumptions: Assumptions | None = None,
    extra: tuple[str, ...] = (),
) -> Estimate:
    """The estimate of one scenario (`extra` overrides after its own); `run(stack, overrides)`
    gives the graph (by default: the program, as deployed)."""
    graph = run(scenario.stack, [*scenario.overrides, *extra])
    est = estimate(graph, region=region, assumptions=assumptions)
    est.scenario = scenario.name
    return est
