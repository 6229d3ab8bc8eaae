"""Run a one-off ECS task to completion: RunTask, wait until STOPPED, read the exit code and the
container's last log lines.

One implementation for both callers: `stackctl migrate` (stackctl/ops.py) and the migration step
of `pulumi up` (components/release_steps.py, MigrationRun). Both say what happens through a
`Runtime` (where to print, how to sleep), and both get an `Outcome`: whether the container exited
0, its exit code, and every line said (the failure message of `pulumi up` quotes them).

Facts relied on: RunTask takes a capacity provider strategy or a launch type, never both
(aws-facts#launch-type-or-strategy); a task in private subnets runs without a public IP
(aws-facts#run-task-network); the awslogs driver names a container's stream
`<prefix>/<container>/<task id>` (aws-facts#awslogs-stream-name).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from mypy_boto3_ecs.client import ECSClient
    from mypy_boto3_logs.client import CloudWatchLogsClient

STOPPED = "STOPPED"


class TaskRunError(Exception):
    """The task could not be followed (it vanished); the message says which."""


@dataclass
class Runtime:
    """What a run prints to and how it waits (tests pass a no-op sleep)."""

    out: TextIO | None = field(default_factory=lambda: sys.stdout)
    sleep: Callable[[float], None] = time.sleep
    poll_seconds: float = 6.0
    now: Callable[[], float] = time.time
    said: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.said.append(text)
        if self.out is not None:
            print(text, file=self.out, flush=True)


@dataclass(frozen=True)
class OneOffTask:
    """Which task to run, where, and which container's exit code counts."""

    cluster: str
    task_definition: str  # family, family:revision or ARN
    container_name: str
    subnets: Sequence[str]
    security_groups: Sequence[str]
    capacity_provider_strategy: Sequence[dict[str, Any]] = ()
    started_by: str = "one-off"
    log_group: str | None = None  # where to look when the task definition names none
    assign_public_ip: str = "DISABLED"


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    exit_code: int | None
    task_arn: str | None


def run_task_arguments(task: OneOffTask) -> dict[str, Any]:
    """RunTask's arguments: a capacity provider strategy or launch type FARGATE, never both."""
    arguments: dict[str, Any] = {
        "cluster": task.cluster,
        "taskDefinition": task.task_definition,
        "count": 1,
        "startedBy": task.started_by,
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": list(task.subnets),
                "securityGroups": list(task.security_groups),
                "assignPublicIp": task.assign_public_ip,
            }
        },
    }
    if task.capacity_provider_strategy:
        arguments["capacityProviderStrategy"] = [
            {key: item[key] for key in ("capacityProvider", "weight", "base") if key in item}
            for item in task.capacity_provider_strategy
        ]
    else:
        arguments["launchType"] = "FARGATE"
    return arguments


def run_to_completion(
    task: OneOffTask,
    ecs: ECSClient,
    logs: CloudWatchLogsClient,
    runtime: Runtime,
    *,
    timeout_seconds: float = 1800.0,
    log_lines: int = 30,
) -> Outcome:
    """Run `task` once; succeeded only when its container exited 0."""
    how = (
        "capacity provider " + task.capacity_provider_strategy[0]["capacityProvider"]
        if task.capacity_provider_strategy
        else "launch type FARGATE"
    )
    runtime.say(
        f"Running {task.task_definition} on cluster {task.cluster} ({how}, "
        f"subnets {', '.join(task.subnets)}, public IP {task.assign_public_ip})"
    )
    response = ecs.run_task(**run_task_arguments(task))
    failures = response.get("failures") or []
    started = response.get("tasks") or []
    if failures or not started:
        for failure in failures:
            runtime.say(
                f"RunTask failure: {failure.get('reason', '?')} {failure.get('detail', '')} "
                f"({failure.get('arn', '')})".rstrip()
            )
        runtime.say("The task did not start.")
        return Outcome(False, None, None)
    task_arn = started[0]["taskArn"]
    runtime.say(f"Started {task_arn}; waiting until it is STOPPED")
    stopped = _wait_stopped(ecs, task.cluster, task_arn, runtime, timeout_seconds)
    if stopped is None:
        runtime.say(
            f"Timed out after {timeout_seconds:.0f} s; the task is still running and was left "
            f"alone (stop it with: aws ecs stop-task --cluster {task.cluster} --task {task_arn})."
        )
        return Outcome(False, None, task_arn)
    container = next(
        (c for c in stopped.get("containers", []) if c.get("name") == task.container_name), None
    )
    exit_code = container.get("exitCode") if container else None
    _say_logs(task, ecs=ecs, logs=logs, stopped=stopped, runtime=runtime, log_lines=log_lines)
    stopped_reason = stopped.get("stoppedReason") or "none given"
    stop_code = stopped.get("stopCode") or "none"
    if container is None:
        runtime.say(
            f"FAILED: the task has no container named {task.container_name!r} "
            f"(stop code {stop_code}, reason: {stopped_reason})"
        )
        return Outcome(False, None, task_arn)
    if exit_code is None:
        reason = container.get("reason") or stopped_reason
        runtime.say(
            f"FAILED: the container {task.container_name} has no exit code: it did not run to "
            f"completion (stop code {stop_code}, reason: {reason})"
        )
        return Outcome(False, None, task_arn)
    runtime.say(f"Container {task.container_name} exit code: {exit_code}")
    if exit_code != 0:
        runtime.say(f"FAILED: the task exited {exit_code} (task stopped: {stopped_reason})")
        return Outcome(False, int(exit_code), task_arn)
    return Outcome(True, 0, task_arn)


def _wait_stopped(
    ecs: ECSClient, cluster: str, task_arn: str, runtime: Runtime, timeout_seconds: float
) -> dict[str, Any] | None:
    deadline = runtime.now() + timeout_seconds
    last_status = ""
    while True:
        described = ecs.describe_tasks(cluster=cluster, tasks=[task_arn])
        found = described.get("tasks") or []
        if found:
            task: dict[str, Any] = dict(found[0])
            status = str(task.get("lastStatus", ""))
            if status != last_status:
                runtime.say(f"  task status: {status}")
                last_status = status
            if status == STOPPED:
                return task
        elif described.get("failures"):
            raise TaskRunError(f"the task {task_arn} vanished: {described['failures']}")
        if runtime.now() >= deadline:
            return None
        runtime.sleep(runtime.poll_seconds)


def awslogs_stream(
    ecs: ECSClient, task: dict[str, Any], container_name: str
) -> tuple[str | None, str | None]:
    """The awslogs group and stream of a task's container, from its task definition."""
    definition = ecs.describe_task_definition(taskDefinition=task["taskDefinitionArn"])
    for container in definition["taskDefinition"].get("containerDefinitions", []):
        if container.get("name") != container_name:
            continue
        config: dict[str, Any] = dict(container.get("logConfiguration") or {})
        if config.get("logDriver") != "awslogs":
            return None, None
        options = config.get("options") or {}
        prefix = options.get("awslogs-stream-prefix")
        task_id = task["taskArn"].rsplit("/", 1)[-1]
        stream = f"{prefix}/{container_name}/{task_id}" if prefix else None
        return options.get("awslogs-group"), stream
    return None, None


def _say_logs(
    task: OneOffTask,
    *,
    ecs: ECSClient,
    logs: CloudWatchLogsClient,
    stopped: dict[str, Any],
    runtime: Runtime,
    log_lines: int,
) -> None:
    group, stream = awslogs_stream(ecs, stopped, task.container_name)
    group = group or task.log_group
    if not group or not stream:
        runtime.say(f"(no awslogs stream configured for the container {task.container_name})")
        return
    try:
        events = logs.get_log_events(
            logGroupName=group, logStreamName=stream, limit=log_lines, startFromHead=False
        )["events"]
    except logs.exceptions.ResourceNotFoundException:
        runtime.say(f"(no log stream {group} {stream}: the container wrote nothing)")
        return
    runtime.say(f"Last {len(events)} log lines of {group} {stream}:")
    for event in events:
        runtime.say(f"  {timestamp(event.get('timestamp', 0))} {event.get('message', '')}")


def timestamp(milliseconds: int) -> str:
    return datetime.fromtimestamp(milliseconds / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
