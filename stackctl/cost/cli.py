"""The `cost` subcommand of `python -m stackctl` (kept here so __main__.py stays a list).

cost --stack dev                      itemized idle cost of one stack
cost --compare dev prod               both side by side
cost --compare lab "lab asleep" mvp   named scenarios (stack + overrides) side by side
cost --compare dev "dev:sleep=weekdays 08-20,nat=gateway"   a stack with overrides
cost --stack dev --json               machine-readable (also with --compare)
cost --compare dev prod --markdown [--baseline main.json]   the pull-request comment
cost --stack dev --region ap-northeast-2 --assume natDataGb=20 --set nat=gateway
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from stackctl.cost import (
    Assumptions,
    Estimate,
    estimates_json,
    render_compare,
    render_estimate,
    render_markdown,
)
from stackctl.cost.scenarios import (
    ESTIMATE_IMAGE_TAG,
    SCENARIOS,
    Scenario,
    deployed_overrides,
    price,
    resolve,
)
from stackctl.harness import ProgramError

__all__ = ["ESTIMATE_IMAGE_TAG", "add_cost_parser", "deployed_overrides"]


def _cost(args: argparse.Namespace) -> int:
    names: list[str] = list(args.compare or ([args.stack] if args.stack else []))
    if not names:
        print("cost: give --stack NAME or --compare A B ...", file=sys.stderr)
        return 2
    try:
        assume = Assumptions().with_overrides(args.assume)
        scenarios = [resolve(name) for name in names] if args.compare else [Scenario("", names[0])]
        estimates: list[Estimate] = [
            price(s, region=args.region, assumptions=assume, extra=tuple(args.set))
            for s in scenarios
        ]
        baseline: dict[str, Any] | None = None
        if args.baseline:
            with open(args.baseline, encoding="utf-8") as handle:
                baseline = json.load(handle)
    except ProgramError as failure:
        print(f"The program stopped before creating anything:\n{failure.error}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return 2
    if args.json:
        print(estimates_json(estimates))
    elif args.markdown:
        print(render_markdown(estimates, baseline))
    elif len(estimates) > 1:
        print(render_compare(estimates))
    else:
        for est in estimates:
            print(render_estimate(est))
    return 0


def add_cost_parser(commands: Any) -> None:
    """Register `cost` on the CLI's subparsers."""
    cost = commands.add_parser(
        "cost",
        help="itemized idle monthly/hourly cost of a stack (offline, from the program's graph)",
        description="Run the program under mocks and price every resource it declares with the "
        "dated table in prices/prices.yaml. Unpriced items are listed, never counted as free; "
        "where the region lacks a figure the stack uses, no total is printed.",
    )
    which = cost.add_mutually_exclusive_group(required=True)
    which.add_argument("--stack", help="stack name, e.g. dev or prod")
    which.add_argument(
        "--compare",
        nargs="+",
        metavar="SCENARIO",
        help="side by side: named scenarios ("
        + ", ".join(repr(s.name) for s in SCENARIOS)
        + ") or STACK[:KEY=VALUE,...]",
    )
    cost.add_argument("--region", help="price in this region instead of the stack's aws:region")
    cost.add_argument(
        "--assume",
        action="append",
        default=[],
        metavar="KEY=NUMBER",
        help="override a usage assumption, e.g. natDataGb=20, logIngestGbPerGroup=1 "
        f"(keys: {', '.join(sorted(Assumptions.keys()))})",
    )
    cost.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key for this run (nat=gateway, api.count=3)",
    )
    output = cost.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print JSON for machines")
    output.add_argument("--markdown", action="store_true", help="print the PR comment")
    cost.add_argument(
        "--baseline",
        metavar="PATH",
        help="with --markdown: JSON from `cost --compare ... --json` on main, for the change",
    )
    cost.set_defaults(func=_cost)
