"""Command line: `python -m stackctl <command> --stack <name>`.

Commands:
  plan   run the program offline under mocks and print what the stack would create
  cost   itemized idle cost of a stack, or two side by side (stackctl/cost/)
  preflight  check what a stack declares against AWS's constraint data (stackctl/preflight/)
  doctor check what a real deploy needs (Pulumi CLI, Docker, AWS, backend; docs/doctor.md)
  docs   write the generated docs (settings table, Pulumi.yaml comments, cost figures)
  taskdefs  the rendered task definitions as JSON, for the app's tests (stackctl/taskdefs.py)
  image-tag-parameter  the name of the stack's image tag parameter (what CI writes, docs/ci.md)
  migrate, rollback, status, logs   operations on a deployed stack (stackctl/ops.py)
  dev    run the app locally: api, web, worker, PostgreSQL, Redis, no Docker (stackctl/dev/)
  secret set|list|rm   the app's own secrets of a stack (stackctl/secrets.py)
  user add|list|rm     who may sign in to a stack's site (stackctl/users.py)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from components.kit.naming import Naming
from stackctl.cost import estimate
from stackctl.cost.cli import add_cost_parser
from stackctl.dev.cli import add_dev_parser
from stackctl.docs import add_docs_parser
from stackctl.doctor_cli import add_doctor_parser
from stackctl.harness import DEPLOYED_TAG_KEY, ProgramError, project_name, run_program
from stackctl.ops import add_ops_commands
from stackctl.plan import render_plan
from stackctl.plan_summary import render_summary
from stackctl.preflight.cli import add_preflight_parser
from stackctl.secrets import add_secret_parser
from stackctl.taskdefs import add_taskdefs_parser
from stackctl.users import add_user_parser

# Exit codes of `plan`: 0 done; 1 the output could not be written (stdout closed early, e.g.
# `plan ... | head -1`, or the --json file); 2 the program or its config was refused.
CALLER_CWD_VARIABLE = "STACKCTL_CALLER_CWD"  # scripts/plan passes the caller's directory


def _json_target(path: str) -> Path:
    """--json PATH, a relative one from the caller's directory (scripts/plan cds to the repo)."""
    base = Path(os.environ.get(CALLER_CWD_VARIABLE) or os.getcwd())
    return (base / Path(path).expanduser()).resolve()


def _plan(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        graph = run_program(args.stack, args.set)
    except ProgramError as failure:
        print(f"The program stopped before creating anything:\n{failure.error}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return 2
    if args.json and args.json != "-":
        target = _json_target(args.json)
        try:
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(graph.to_json(), indent=2, default=str) + "\n")
        except OSError as error:
            print(f"plan: cannot write --json {target}: {error.strerror}", file=sys.stderr)
            return 1
    if args.json == "-":
        text = json.dumps(graph.to_json(), indent=2, default=str)
    else:
        summary = render_summary(graph, args.set, estimate(graph))
        elapsed = time.perf_counter() - started
        text = f"{render_plan(graph, summary)}\n\n(planned in {elapsed:.2f} s)"
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # Nothing more can reach stdout: point it at /dev/null so the exit's flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("plan: stdout closed before the plan was written in full", file=sys.stderr)
        return 1
    if args.json and args.json != "-":
        print(f"wrote {target}", file=sys.stderr)
    return 0


def _image_tag_parameter(args: argparse.Namespace) -> int:
    print(Naming(project_name(), args.stack).image_tag_parameter)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stackctl", description="Offline planning and operations for this Pulumi project."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    plan = commands.add_parser(
        "plan",
        help="print what a stack would create (offline, under mocks)",
        description="Run the program under Pulumi mocks with the stack's config and print the "
        "resource tree, key properties, counts by type and exports, then a summary: the "
        "settings in effect, the monthly cost and the tasks per service. No AWS account needed. "
        "Exit codes: 0 done, 1 the output could not be written (stdout closed early, or the "
        "--json file), 2 the program or its configuration was refused.",
    )
    plan.add_argument("--stack", required=True, help="stack name, e.g. dev or prod")
    plan.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config key for this run (nat=gateway, api.count=3, aws:region=eu-west-1); "
        f"{DEPLOYED_TAG_KEY}=<tag>: plan as if the stack's image tag parameter held <tag> (without "
        "it: no parameter yet, so images: registry is parked)",
    )
    plan.add_argument(
        "--json",
        metavar="PATH",
        help="also write the graph as JSON to PATH (relative to where you ran the command); "
        "'-': the JSON alone on stdout",
    )
    plan.set_defaults(func=_plan)
    parameter = commands.add_parser(
        "image-tag-parameter",
        help="print the name of the stack's image tag parameter (offline)",
        description="Print /<project>/<stack>/release/image-tag: the Parameter Store parameter "
        "that names the image tag `pulumi up` deploys with images: registry. CI writes it "
        "(aws ssm put-parameter); docs/ci.md, Releases and rollbacks.",
    )
    parameter.add_argument("--stack", required=True, help="stack name, e.g. dev or prod")
    parameter.set_defaults(func=_image_tag_parameter)
    add_cost_parser(commands)
    add_preflight_parser(commands)
    add_docs_parser(commands)
    add_doctor_parser(commands)
    add_ops_commands(commands)
    add_taskdefs_parser(commands)
    add_dev_parser(commands)
    add_secret_parser(commands)
    add_user_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


def run() -> None:
    """Entry point: exit without tearing down the interpreter.

    A plan imports pulumi_aws' packages (hundreds of thousands of objects); freeing them one by
    one at exit takes longer than some commands. Output is flushed first; nothing registers
    exit handlers that matter here.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
