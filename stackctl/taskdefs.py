"""The program's rendered task definitions, as the app's runtime tests read them.

`python -m stackctl taskdefs --stack dev --json FILE` runs the program under mocks (like
`plan`) and writes, per task (`api`, `web`, `worker` when the stack has one, `migrate`), what ECS
would be given: the container definitions, the task's volumes, whether the service turns ECS Exec
on, and the target group's health check for a load-balanced service. It adds what the app's
sandbox needs to stand in for AWS: the endpoints the environment points at (database, cache, the
internal load balancer) and the ARNs of the secrets the tasks inject (`appSecretArns`: the app's
own, app/contract.json `appSecrets`, by name, so the tests can give each a value).
`app/scripts/test.sh` writes one file per stack before the app's tests, which then run the api,
the worker, the migration and the web exactly as these definitions say, so a task-definition
change that would break the app fails a test there.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from stackctl.harness import Graph, ProgramError, Resource, run_program

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
SERVICE = "aws:ecs/service:Service"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
FORMAT_VERSION = 1


def _internal_host(tasks: dict[str, Any]) -> str | None:
    """The host of the first `*_INTERNAL_URL` a task's container is given, if any."""
    from urllib.parse import urlsplit

    for task in tasks.values():
        for definition in task.get("containerDefinitions", []):
            for variable in definition.get("environment", []):
                if str(variable.get("name", "")).endswith("_INTERNAL_URL"):
                    return urlsplit(str(variable.get("value"))).hostname
    return None


def _whole_numbers(value: Any) -> Any:
    """The mocks carry numbers as floats (protobuf); ECS's JSON has integers (8000, not 8000.0)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def _role(graph: Graph, task: Resource) -> str:
    """ "api" for the family `fullstack-dev-api`: families carry the stack's prefix."""
    family = str(task.get("family"))
    prefix = f"{graph.project}-{graph.stack}-"
    if not family.startswith(prefix):
        raise ValueError(f"task definition family {family!r} does not start with {prefix!r}")
    return family.removeprefix(prefix)


def _service_of(graph: Graph, task: Resource) -> Resource | None:
    arn = task.outputs.get("arn")
    return next((s for s in graph.of_type(SERVICE) if s.get("taskDefinition") == arn), None)


def _target_group_check(graph: Graph, service: Resource) -> dict[str, Any] | None:
    for attachment in service.get("loadBalancers") or []:
        arn = attachment.get("targetGroupArn")
        for group in graph.of_type(TARGET_GROUP):
            if group.outputs.get("arn") == arn:
                check: dict[str, Any] = dict(group.get("healthCheck") or {})
                check["containerPort"] = attachment.get("containerPort")
                return check
    return None


def _app_secret_arns(graph: Graph, tasks: dict[str, Any]) -> dict[str, str]:
    """The app's own secrets the tasks inject (components/kit/app_secrets.py), by name."""
    from components.kit.naming import Naming

    prefix = ":parameter" + Naming(graph.project, graph.stack).app_secret("")
    return {
        str(secret["name"]): str(secret["valueFrom"])
        for task in tasks.values()
        for definition in task["containerDefinitions"]
        for secret in definition.get("secrets", [])
        if prefix in str(secret["valueFrom"])
    }


def render_task_definitions(graph: Graph) -> dict[str, Any]:
    """The task definitions of one program run, by role, plus the endpoints and secret ARNs."""
    tasks: dict[str, Any] = {}
    for task in graph.of_type(TASK_DEFINITION):
        service = _service_of(graph, task)
        tasks[_role(graph, task)] = {
            "family": task.get("family"),
            "containerDefinitions": json.loads(task.get("containerDefinitions")),
            "volumes": task.get("volumes") or [],
            "enableExecuteCommand": bool(service and service.get("enableExecuteCommand")),
            "loadBalancerHealthCheck": _target_group_check(graph, service) if service else None,
        }
    exports = graph.exports
    redis = None
    if "redisHost" in exports:
        redis = {"host": exports["redisHost"], "port": exports["redisPort"]}
    rendered: dict[str, Any] = _whole_numbers(
        {
            "version": FORMAT_VERSION,
            "project": graph.project,
            "stack": graph.stack,
            "tasks": dict(sorted(tasks.items())),
            "endpoints": {
                "database": {"host": exports["databaseEndpoint"], "port": exports["databasePort"]},
                "redis": redis,
                # Where services call each other (API_INTERNAL_URL): the internal ALB, or with
                # the HTTP API ingress the called service's Cloud Map name.
                "loadBalancer": {"host": exports.get("albDnsName") or _internal_host(tasks)},
            },
            "secretArns": {
                "database": exports["databaseSecretArn"],
                "app": exports["appSecretArn"],
                **({"redisAuthToken": exports["redisAuthTokenSecretArn"]} if redis else {}),
            },
            "appSecretArns": dict(sorted(_app_secret_arns(graph, tasks).items())),
        }
    )
    return rendered


def write_task_definitions(stack: str, path: Path, overrides: Iterable[str] = ()) -> None:
    rendered = render_task_definitions(run_program(stack, overrides))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rendered, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _taskdefs(args: argparse.Namespace) -> int:
    try:
        write_task_definitions(args.stack, Path(args.json), args.set)
    except ProgramError as failure:
        print(f"The program stopped before creating anything:\n{failure.error}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as error:
        print(str(error), file=sys.stderr)
        return 2
    return 0


def add_taskdefs_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "taskdefs",
        help="write the stack's rendered task definitions as JSON (for the app's tests)",
        description="Run the program under mocks and write each task definition's containers, "
        "volumes, ECS Exec flag and load balancer health check, plus the endpoints and secret "
        "ARNs they refer to. No AWS account needed.",
    )
    parser.add_argument("--stack", required=True, help="stack name, e.g. dev or prod")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a config key"
    )
    parser.add_argument("--json", required=True, metavar="PATH", help="file to write")
    parser.set_defaults(func=_taskdefs)
