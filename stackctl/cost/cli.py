"""The `cost` subcommand of `python -m stackctl` (kept here so __main__.py stays a list).

cost --stack dev                      itemized idle cost of one stack
cost --compare dev prod               both side by side
cost --stack dev --json               machine-readable (also with --compare)
cost --compare dev prod --markdown [--baseline main.json]   the pull-request comment
cost --stack dev --region ap-northeast-2 --assume natDataGb=20 --set nat=gateway
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from components.settings import SettingsError, parse_settings
from stackctl.cost import (
    Assumptions,
    Estimate,
    estimate,
    estimates_json,
    render_compare,
    render_estimate,
    render_markdown,
)
from stackctl.harness import ProgramError, run_program, stack_config

# Without `imageTag` the program parks every service at 0 tasks (nothing to run yet). A cost
# estimate is about the running stack, so it prices the stack as if images were deployed
# (`images: build` never parks and refuses `imageTag`: nothing to add then).
ESTIMATE_IMAGE_TAG = "imageTag=cost-estimate"


def deployed_overrides(stack: str, overrides: list[str]) -> list[str]:
    """`overrides`, plus an image tag when neither the stack nor the overrides set one."""
    project, config = stack_config(stack, overrides)
    try:
        parked = parse_settings(project, stack, config).parked  # (the profile picks `images`)
    except SettingsError:
        return list(overrides)  # the program names the problem itself
    return [ESTIMATE_IMAGE_TAG, *overrides] if parked else list(overrides)


def _cost(args: argparse.Namespace) -> int:
    stacks: list[str] = list(args.compare or ([args.stack] if args.stack else []))
    if not stacks:
        print("cost: give --stack NAME or --compare A B", file=sys.stderr)
        return 2
    try:
        assume = Assumptions().with_overrides(args.assume)
        estimates: list[Estimate] = []
        for stack in stacks:
            graph = run_program(stack, deployed_overrides(stack, args.set))
            estimates.append(estimate(graph, region=args.region, assumptions=assume))
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
    elif len(estimates) == 2:
        print(render_compare(estimates[0], estimates[1]))
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
        "dated table in prices/prices.yaml. Unpriced items and regions are listed, never $0.",
    )
    which = cost.add_mutually_exclusive_group(required=True)
    which.add_argument("--stack", help="stack name, e.g. dev or prod")
    which.add_argument("--compare", nargs=2, metavar="STACK", help="two stacks side by side")
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
