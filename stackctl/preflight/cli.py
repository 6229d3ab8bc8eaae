"""The `preflight` subcommand of `python -m stackctl`.

preflight --stack dev                      check every declared resource; exit 1 on a finding
preflight --stack prod --set waf=true      the same with overrides (as `plan --set`)
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from stackctl.harness import ProgramError, run_program
from stackctl.preflight import preflight


def _preflight(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        graph = run_program(args.stack, args.set)
    except ProgramError as failure:
        print(f"The program stopped before creating anything:\n{failure.error}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return 2
    findings = preflight(graph)
    for finding in findings:
        print(finding.line())
    checked = len(graph.custom_resources())
    elapsed = time.perf_counter() - started
    verdict = f"{len(findings)} finding(s)" if findings else "no findings"
    print(
        f"preflight of stack '{graph.stack}': {verdict} in {checked} resources "
        f"({elapsed:.1f} s, offline: AWS itself was not asked)"
    )
    return 1 if findings else 0


def add_preflight_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "preflight",
        help="check every declared resource against AWS's constraint data (offline)",
        description="Run the program under mocks and check each resource it declares against "
        "cfn-lint's CloudFormation schemas and rules, botocore's API models and the cross-field "
        "rules AWS enforces. One line per finding; exit status 1 when there is any.",
    )
    parser.add_argument("--stack", required=True, help="stack name, e.g. dev or prod")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key for this run (as in `plan --set`)",
    )
    parser.set_defaults(func=_preflight)
