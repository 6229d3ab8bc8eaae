"""`python -m stackctl doctor [--stack dev]`: what a real deploy of the stack needs, checked.

One line per check: `ok`, `WARN` (the deploy works, something is worth knowing) or `PROBLEM`
with its fix; exit code 1 when there is a problem, else 0. The checks are in stackctl/doctor.py;
this module reads the stack's configuration (Pulumi.<stack>.yaml and the profile's defaults,
as `pulumi up` would) and hands each check what it needs. docs/doctor.md explains them.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

import yaml

from stackctl.doctor import (
    ROOT,
    Connect,
    Finding,
    Runner,
    check_aws,
    check_backend,
    check_docker,
    check_prices,
    check_pulumi,
    required_pulumi,
    run_command,
)


def _project_backend_url() -> str | None:
    document = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8")) or {}
    backend = document.get("backend") or {}
    return str(backend["url"]) if isinstance(backend, dict) and backend.get("url") else None


def diagnose(
    stack: str,
    run: Runner = run_command,
    connect: Connect | None = None,
    environ: Callable[[str], str | None] = os.environ.get,
) -> list[Finding]:
    """Every check for `stack`, in the order a first deploy meets them."""
    from components.config.aws_account import release_account
    from components.config.reader import SettingsError, parse_settings
    from components.config.values import PLATFORMS
    from stackctl.harness import stack_config
    from stackctl.prices import load_prices

    findings = [check_pulumi(run, required_pulumi())]
    try:
        project, raw = stack_config(stack)
        settings = parse_settings(project, stack, raw)
    except FileNotFoundError as error:
        findings.append(
            Finding(
                "config", "problem", f"{error}.", f"`pulumi stack init {stack}` and set its config"
            )
        )
        return findings
    except SettingsError as error:
        findings.append(
            Finding(
                "config",
                "problem",
                f"Pulumi.{stack}.yaml is refused: {'; '.join(error.problems)}.",
                f"correct those keys in Pulumi.{stack}.yaml (`python -m stackctl plan --stack "
                f"{stack}` shows the same)",
            )
        )
        return findings
    findings.append(
        Finding(
            "config", "ok", f"Pulumi.{stack}.yaml: profile {settings.profile}, {settings.region}."
        )
    )
    findings.append(
        check_docker(
            run,
            settings.images,
            settings.cpu_architecture,
            PLATFORMS[settings.cpu_architecture],
        )
    )
    findings.append(check_aws(release_account(settings.aws), stack, connect))
    findings.append(
        check_backend(
            run, settings.state_bucket, environ("PULUMI_BACKEND_URL"), _project_backend_url()
        )
    )
    findings.append(check_prices(settings.region, load_prices()))
    return findings


def _doctor(args: argparse.Namespace) -> int:
    findings = diagnose(args.stack)
    for finding in findings:
        print(finding.line())
    problems = sum(f.status == "problem" for f in findings)
    print(
        f"{problems} problem(s) to fix before `pulumi up --stack {args.stack}`"
        if problems
        else f"ready for `pulumi up --stack {args.stack}`"
    )
    return 1 if problems else 0


def add_doctor_parser(commands: Any) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check what a real deploy needs: Pulumi CLI, Docker, AWS credentials, backend",
        description="Check what `pulumi up` of a stack needs on this machine: the Pulumi CLI and "
        "its version, Docker buildx for the stack's platform (with images build), AWS "
        "credentials in the stack's allowed account, the state backend, and whether the "
        "stack's region is priced. One line per check; a problem names its fix. Exit codes: "
        "0 no problem, 1 a problem (docs/doctor.md).",
    )
    doctor.add_argument("--stack", default="dev", help="stack name (default dev)")
    doctor.set_defaults(func=_doctor)
