"""The stack outputs the ops commands and the workflows read: names, shapes and loading.

This module is the single source of the output names `__main__.py` exports for operations
(`OUTPUT_NAMES`). `load_outputs("dev")` runs `pulumi stack output --json --stack dev`;
`load_outputs("dev", Path("outputs.json"))` reads the same JSON from a file (what CI saves, or
what a test writes). Every missing or mistyped output is reported at once, by name.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# name -> (required, what it holds). The compute component exports these from __main__.py.
OUTPUT_NAMES: dict[str, tuple[bool, str]] = {
    "clusterName": (True, "ECS cluster name (str)"),
    "serviceNames": (True, 'ECS service names {"api": ..., "web": ..., "worker": ... (optional)}'),
    "migrationTaskFamily": (True, "task definition family of the migration task (str)"),
    "migrationNetworkConfiguration": (
        True,
        '{"subnets": [...], "securityGroups": [...], "assignPublicIp": "DISABLED"}',
    ),
    "migrationContainerName": (True, "container of the migration task whose exit code counts"),
    "logGroupNames": (True, 'CloudWatch log groups {"api": "/...", ..., "migration": "/..."}'),
    "capacityProviderStrategy": (
        False,
        '[{"capacityProvider": "FARGATE", "weight": 1}]; absent: launch type FARGATE',
    ),
    "siteUrl": (True, "public URL of the site (https://...)"),
    "apiUrl": (True, "public URL of the API (https://.../api or https://api.<domain>)"),
    "region": (True, "AWS region of the stack"),
    # only with `auth: cognito` (components/security/user_pool.py); `stackctl user` reads it
    "userPoolId": (False, "Cognito user pool id (<region>_<id>); absent: no user pool"),
}
REQUIRED_OUTPUTS = tuple(name for name, (required, _) in OUTPUT_NAMES.items() if required)


class OutputsError(Exception):
    """The stack's outputs could not be read, or lack what the ops commands need."""


@dataclass(frozen=True)
class StackOutputs:
    """The operational outputs of one stack, typed."""

    stack: str
    cluster_name: str
    service_names: dict[str, str]
    migration_task_family: str
    subnets: list[str]
    security_groups: list[str]
    assign_public_ip: str
    migration_container_name: str
    log_group_names: dict[str, str]
    capacity_provider_strategy: list[dict[str, Any]] = field(default_factory=list)
    site_url: str = ""
    api_url: str = ""
    region: str = ""

    def service(self, key: str) -> str:
        """The ECS service name of `api`, `web` or `worker` (or a full service name)."""
        if key in self.service_names:
            return self.service_names[key]
        if key in self.service_names.values():
            return key
        known = ", ".join(sorted(self.service_names))
        raise OutputsError(f"stack {self.stack} has no service {key!r} (services: {known})")

    def network_configuration(self) -> dict[str, Any]:
        """The `networkConfiguration` argument of ECS RunTask."""
        return {
            "awsvpcConfiguration": {
                "subnets": list(self.subnets),
                "securityGroups": list(self.security_groups),
                "assignPublicIp": self.assign_public_ip,
            }
        }


def _check_str(data: Mapping[str, Any], name: str, problems: list[str]) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        problems.append(f"{name}: expected a non-empty string, got {value!r}")
        return ""
    return value


def _check_str_map(data: Mapping[str, Any], name: str, problems: list[str]) -> dict[str, str]:
    value = data.get(name)
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        problems.append(f"{name}: expected an object of strings, got {value!r}")
        return {}
    return dict(value)


def _check_str_list(value: Any, name: str, problems: list[str]) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        problems.append(f"{name}: expected a non-empty list of strings, got {value!r}")
        return []
    return list(value)


def parse_outputs(stack: str, data: Mapping[str, Any], source: str) -> StackOutputs:
    """Validate the JSON of `pulumi stack output --json` and return typed outputs."""
    missing = [name for name in REQUIRED_OUTPUTS if name not in data]
    if missing:
        raise OutputsError(
            f"{source} lacks the outputs {', '.join(missing)} "
            f"(has: {', '.join(sorted(data)) or 'none'}). Has `pulumi up` run for stack {stack}?"
        )
    problems: list[str] = []
    network = data.get("migrationNetworkConfiguration")
    if isinstance(network, dict) and "awsvpcConfiguration" in network:
        network = network["awsvpcConfiguration"]  # accept RunTask's own shape too
    if not isinstance(network, dict):
        problems.append(f"migrationNetworkConfiguration: expected an object, got {network!r}")
        network = {}
    subnets = _check_str_list(
        network.get("subnets"), "migrationNetworkConfiguration.subnets", problems
    )
    groups = _check_str_list(
        network.get("securityGroups"), "migrationNetworkConfiguration.securityGroups", problems
    )
    assign_public_ip = network.get("assignPublicIp", "DISABLED")
    if assign_public_ip != "DISABLED":
        problems.append(
            "migrationNetworkConfiguration.assignPublicIp: must be DISABLED (tasks run in private "
            f"subnets), got {assign_public_ip!r}"
        )
    strategy = data.get("capacityProviderStrategy") or []
    if not isinstance(strategy, list) or not all(
        isinstance(item, dict) and isinstance(item.get("capacityProvider"), str)
        for item in strategy
    ):
        problems.append(
            f"capacityProviderStrategy: expected a list of {{capacityProvider, weight}}, got "
            f"{strategy!r}"
        )
        strategy = []
    outputs = StackOutputs(
        stack=stack,
        cluster_name=_check_str(data, "clusterName", problems),
        service_names=_check_str_map(data, "serviceNames", problems),
        migration_task_family=_check_str(data, "migrationTaskFamily", problems),
        subnets=subnets,
        security_groups=groups,
        assign_public_ip=str(assign_public_ip),
        migration_container_name=_check_str(data, "migrationContainerName", problems),
        log_group_names=_check_str_map(data, "logGroupNames", problems),
        capacity_provider_strategy=[dict(item) for item in strategy],
        site_url=_check_str(data, "siteUrl", problems),
        api_url=_check_str(data, "apiUrl", problems),
        region=_check_str(data, "region", problems),
    )
    if problems:
        raise OutputsError(f"{source} has unusable outputs:\n  " + "\n  ".join(problems))
    return outputs


Runner = Callable[[Sequence[str]], "subprocess.CompletedProcess[str]"]


def _run_pulumi(command: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), capture_output=True, text=True, check=False, cwd=PROJECT_ROOT
    )


def read_outputs_json(
    stack: str, outputs_file: Path | None = None, runner: Runner = _run_pulumi
) -> dict[str, Any]:
    """The raw outputs: from `outputs_file`, else from `pulumi stack output --json`."""
    if outputs_file is not None:
        try:
            text = outputs_file.read_text(encoding="utf-8")
        except OSError as error:
            raise OutputsError(f"cannot read outputs file {outputs_file}: {error}") from error
        source = str(outputs_file)
    else:
        command = ["pulumi", "stack", "output", "--json", "--stack", stack]
        try:
            result = runner(command)
        except FileNotFoundError as error:
            raise OutputsError(
                "the pulumi CLI is not installed; pass --outputs FILE with the stack's outputs"
            ) from error
        if result.returncode != 0:
            lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
            raise OutputsError(
                f"`{' '.join(command)}` failed ({lines[-1] if lines else result.returncode}); "
                f"is stack {stack} deployed and selected (`pulumi login`, `pulumi up`)? "
                "Or pass --outputs FILE"
            )
        text = result.stdout
        source = f"stack {stack}"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise OutputsError(f"{source}: outputs are not JSON ({error})") from error
    if not isinstance(data, dict):
        raise OutputsError(f"{source}: outputs are not a JSON object")
    return data


def user_pool_output(data: Mapping[str, Any]) -> str | None:
    """The stack's `userPoolId`, or None when it has no user pool (`auth` other than cognito)."""
    value = data.get("userPoolId")
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise OutputsError(f"userPoolId: expected a non-empty string, got {value!r}")
    return value


def load_outputs(
    stack: str, outputs_file: Path | None = None, runner: Runner = _run_pulumi
) -> StackOutputs:
    """Read and validate the stack's operational outputs."""
    source = str(outputs_file) if outputs_file is not None else f"stack {stack}"
    return parse_outputs(stack, read_outputs_json(stack, outputs_file, runner), source)
