"""Operations on a deployed stack, on boto3: what the console would otherwise be used for.

Commands (`python -m stackctl <command> --stack S [--outputs FILE]`):
  migrate   run the migration task once, wait until it STOPPED, print the container's exit code
            and its last log lines; exit non-zero when it failed, failed to start, or has no
            exit code
  rollback  point a service at an earlier ACTIVE revision of its task definition family (the
            previous one by default, or `--to REVISION`), wait for services-stable
  status    desired/running/pending per service, the primary deployment's rollout state, the
            last stopped tasks' reasons, and the stack's CloudWatch alarms in ALARM;
            `--wait` first waits for services-stable and fails if they do not settle
  logs      a service's (or the migration's) CloudWatch Logs since a time, optionally followed

The stack's outputs (names in stackctl/outputs.py) say which cluster, services, task family, subnets
and log groups to use. The AWS account is the stack's own: the `aws:` keys of `Pulumi.<stack>.yaml`
that choose it (profile, shared files, assumeRoles, allowed/forbidden account ids) build the session
as they build the provider (components/config/aws_account.py); without them, the usual environment
(`AWS_PROFILE`, OIDC in CI). The region defaults to the stack's `region` output. Every expected
failure (no credentials, no network, access denied, the stack not deployed) ends in one line on
stderr that says what to do, and exit code 2.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from components.kit import task_run
from components.kit.task_run import OneOffTask, Runtime
from stackctl.outputs import OutputsError, StackOutputs, load_outputs

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.client import CloudWatchClient
    from mypy_boto3_ecs.client import ECSClient
    from mypy_boto3_logs.client import CloudWatchLogsClient

MIGRATION_STARTED_BY = "stackctl-migrate"
ROLL_BACK_BY_TAG = (
    "Roll back by image tag instead: rollback.yml with an image tag, or write the tag to the "
    "stack's image tag parameter (`aws ssm put-parameter --overwrite --type String --name "
    "$(python -m stackctl image-tag-parameter --stack <stack>) --value <tag>`) and run "
    "`pulumi up` (docs/ci.md)."
)
__all__ = ["Runtime"]  # (the shared Runtime of components/kit/task_run.py, re-exported)


class OpsError(Exception):
    """An operation could not be carried out; the message says why and what to do."""


@dataclass
class Clients:
    ecs: ECSClient
    logs: CloudWatchLogsClient
    cloudwatch: CloudWatchClient


def make_clients(region: str, session: Any = None) -> Clients:
    """ECS, Logs and CloudWatch clients for `region` (from `session`, a boto3 Session)."""
    import boto3

    session = session or boto3.session.Session(region_name=region)
    return Clients(
        ecs=session.client("ecs", region_name=region),
        logs=session.client("logs", region_name=region),
        cloudwatch=session.client("cloudwatch", region_name=region),
    )


# -- migrate ----------------------------------------------------------------------------------


def migration_task(outputs: StackOutputs) -> OneOffTask:
    """The stack's migration task, as its outputs name it."""
    return OneOffTask(
        cluster=outputs.cluster_name,
        task_definition=outputs.migration_task_family,
        container_name=outputs.migration_container_name,
        subnets=list(outputs.subnets),
        security_groups=list(outputs.security_groups),
        capacity_provider_strategy=list(outputs.capacity_provider_strategy),
        started_by=MIGRATION_STARTED_BY,
        log_group=outputs.log_group_names.get("migration"),
        assign_public_ip=outputs.assign_public_ip,
    )


def run_task_arguments(outputs: StackOutputs) -> dict[str, Any]:
    """RunTask's arguments: a capacity provider strategy or launch type FARGATE, never both."""
    return task_run.run_task_arguments(migration_task(outputs))


def migrate(
    outputs: StackOutputs,
    clients: Clients,
    runtime: Runtime,
    *,
    timeout_seconds: float = 1800.0,
    log_lines: int = 30,
) -> int:
    """Run the migration task (components/kit/task_run.py); 0 only when its container exited 0."""
    try:
        outcome = task_run.run_to_completion(
            migration_task(outputs),
            clients.ecs,
            clients.logs,
            runtime,
            timeout_seconds=timeout_seconds,
            log_lines=log_lines,
        )
    except task_run.TaskRunError as error:
        raise OpsError(str(error)) from error
    if not outcome.succeeded:
        return 1
    runtime.say("Migration succeeded.")
    return 0


# -- rollback ---------------------------------------------------------------------------------

_REVISION = re.compile(r"^(?:.*task-definition/)?(?P<family>[A-Za-z0-9_-]+):(?P<revision>\d+)$")


def _family_revision(task_definition: str) -> tuple[str, int]:
    match = _REVISION.match(task_definition)
    if not match:
        raise OpsError(f"cannot read family:revision from {task_definition!r}")
    return match["family"], int(match["revision"])


def _describe_service(outputs: StackOutputs, ecs: ECSClient, service: str) -> dict[str, Any]:
    response = ecs.describe_services(cluster=outputs.cluster_name, services=[service])
    services = response.get("services") or []
    if not services or services[0].get("status") != "ACTIVE":
        raise OpsError(f"service {service} is not ACTIVE in cluster {outputs.cluster_name}")
    return dict(services[0])


def _active_revisions(ecs: ECSClient, family: str) -> list[int]:
    revisions: list[int] = []
    paginator = ecs.get_paginator("list_task_definitions")
    for page in paginator.paginate(familyPrefix=family, status="ACTIVE"):
        for arn in page.get("taskDefinitionArns", []):
            found_family, revision = _family_revision(arn)
            if found_family == family:
                revisions.append(revision)
    return sorted(revisions)


def rollback_target(ecs: ECSClient, current: str, to: str | None) -> str:
    """`family:revision` to roll back to: `to`, or the newest ACTIVE revision before current."""
    family, current_revision = _family_revision(current)
    if to is not None:
        target = f"{family}:{to}" if to.isdigit() else to
        target_family, _ = _family_revision(target)
        if target_family != family:
            raise OpsError(f"{target} is not of the service's family {family}")
        described = ecs.describe_task_definition(taskDefinition=target)["taskDefinition"]
        if described.get("status") != "ACTIVE":
            raise OpsError(
                f"{target} is {described.get('status')}: ECS cannot deploy a deregistered "
                f"revision. {ROLL_BACK_BY_TAG}"
            )
        return f"{family}:{described['revision']}"
    earlier = [r for r in _active_revisions(ecs, family) if r < current_revision]
    if not earlier:
        raise OpsError(
            f"no ACTIVE revision of {family} before {current_revision}: nothing to roll back to "
            "(old revisions are deregistered when replaced unless the task definition keeps "
            f"them). {ROLL_BACK_BY_TAG}"
        )
    return f"{family}:{earlier[-1]}"


def rollback(
    outputs: StackOutputs,
    clients: Clients,
    runtime: Runtime,
    service_key: str,
    *,
    to: str | None = None,
    wait_minutes: float = 15.0,
) -> int:
    service = outputs.service(service_key)
    described = _describe_service(outputs, clients.ecs, service)
    current = str(described["taskDefinition"])
    target = rollback_target(clients.ecs, current, to)
    current_short = "{}:{}".format(*_family_revision(current))
    if target == current_short:
        runtime.say(f"{service} already runs {target}; nothing to do.")
        return 0
    runtime.say(f"Rolling back {service}: {current_short} -> {target}")
    clients.ecs.update_service(cluster=outputs.cluster_name, service=service, taskDefinition=target)
    if not _wait_stable(outputs, clients.ecs, [service], runtime, wait_minutes):
        return 1
    after = _describe_service(outputs, clients.ecs, service)
    runtime.say(
        f"Done: {service} runs {target} ({after.get('runningCount')}/"
        f"{after.get('desiredCount')} tasks). The next `pulumi up` deploys the tag in the "
        "stack's image tag parameter again: write the good tag there to make the rollback "
        f"stick. {ROLL_BACK_BY_TAG}"
    )
    return 0


def _wait_stable(
    outputs: StackOutputs,
    ecs: ECSClient,
    services: list[str],
    runtime: Runtime,
    wait_minutes: float,
) -> bool:
    runtime.say(f"Waiting for services-stable: {', '.join(services)}")
    delay = int(runtime.poll_seconds)
    attempts = max(int(wait_minutes * 60 / max(delay, 1)), 1)
    waiter = ecs.get_waiter("services_stable")
    try:
        waiter.wait(
            cluster=outputs.cluster_name,
            services=services,
            WaiterConfig={"Delay": delay, "MaxAttempts": attempts},
        )
    except Exception as error:  # noqa: BLE001 (botocore's WaiterError; reported and exit 1)
        runtime.say(f"FAILED: not stable after {wait_minutes:g} min: {error}")
        return False
    runtime.say("Services are stable.")
    return True


# -- status -----------------------------------------------------------------------------------


def status(
    outputs: StackOutputs,
    clients: Clients,
    runtime: Runtime,
    alarm_prefix: str,
    *,
    stopped_tasks: int = 3,
    wait: bool = False,
    wait_minutes: float = 15.0,
) -> int:
    names = dict(outputs.service_names)
    code = 0
    if wait and not _wait_stable(outputs, clients.ecs, list(names.values()), runtime, wait_minutes):
        code = 1
    described = clients.ecs.describe_services(
        cluster=outputs.cluster_name, services=list(names.values())
    )
    by_name = {s["serviceName"]: s for s in described.get("services", [])}
    runtime.say(f"Stack {outputs.stack}: cluster {outputs.cluster_name} ({outputs.region})")
    runtime.say(f"  site {outputs.site_url}   api {outputs.api_url}")
    for key, name in names.items():
        service = by_name.get(name)
        if service is None:
            runtime.say(f"{key:7} {name}: MISSING")
            code = 1
            continue
        primary: dict[str, Any] = next(
            (dict(d) for d in service.get("deployments", []) if d.get("status") == "PRIMARY"),
            {},
        )
        _, revision = _family_revision(str(service.get("taskDefinition", "x:0")))
        runtime.say(
            f"{key:7} {name}: desired {service.get('desiredCount')}, running "
            f"{service.get('runningCount')}, pending {service.get('pendingCount')}; "
            f"revision {revision}; rollout {primary.get('rolloutState', 'unknown')}"
            + (f" ({primary['rolloutStateReason']})" if primary.get("rolloutStateReason") else "")
        )
        for task in _last_stopped_tasks(outputs, clients.ecs, name, stopped_tasks):
            runtime.say(
                f"          stopped {_iso(task.get('stoppedAt'))} "
                f"{task['taskArn'].rsplit('/', 1)[-1][:12]}: "
                f"{task.get('stoppedReason') or task.get('stopCode') or 'no reason given'}"
            )
    alarms = list(_alarms_in_alarm(clients.cloudwatch, alarm_prefix))
    if alarms:
        runtime.say(f"Alarms in ALARM (prefix {alarm_prefix}):")
        for alarm in alarms:
            runtime.say(f"  {alarm['name']}: {alarm['reason']}")
    else:
        runtime.say(f"No alarm in ALARM (prefix {alarm_prefix}).")
    return code


def _last_stopped_tasks(
    outputs: StackOutputs, ecs: ECSClient, service: str, count: int
) -> list[dict[str, Any]]:
    if count <= 0:
        return []
    arns = ecs.list_tasks(
        cluster=outputs.cluster_name, serviceName=service, desiredStatus="STOPPED"
    ).get("taskArns", [])
    if not arns:
        return []
    tasks = ecs.describe_tasks(cluster=outputs.cluster_name, tasks=arns[:100]).get("tasks", [])
    # Tasks a service started belong to the group `service:<name>`.
    mine = [dict(t) for t in tasks if t.get("group") in (None, f"service:{service}")]
    mine.sort(key=_stopped_at, reverse=True)
    return mine[:count]


def _stopped_at(task: dict[str, Any]) -> datetime:
    value = task.get("stoppedAt")
    return value if isinstance(value, datetime) else datetime.min.replace(tzinfo=UTC)


def _alarms_in_alarm(cloudwatch: CloudWatchClient, prefix: str) -> Iterator[dict[str, str]]:
    paginator = cloudwatch.get_paginator("describe_alarms")
    for page in paginator.paginate(AlarmNamePrefix=prefix, StateValue="ALARM"):
        for alarm in [*page.get("MetricAlarms", []), *page.get("CompositeAlarms", [])]:
            yield {"name": alarm["AlarmName"], "reason": alarm.get("StateReason", "")}


# -- logs -------------------------------------------------------------------------------------

_SINCE = re.compile(r"^(?P<amount>\d+)(?P<unit>[smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> int:
    """`10m`, `2h`, `30s`, `1d` -> seconds."""
    match = _SINCE.match(text.strip())
    if not match:
        raise OpsError(f"--since {text!r}: use a number and s, m, h or d (10m, 2h)")
    return int(match["amount"]) * _UNIT_SECONDS[match["unit"]]


def logs(
    outputs: StackOutputs,
    clients: Clients,
    runtime: Runtime,
    service_key: str,
    *,
    since: str = "10m",
    follow: bool = False,
    max_polls: int | None = None,
) -> int:
    group = outputs.log_group_names.get(service_key)
    if group is None:
        known = ", ".join(sorted(outputs.log_group_names))
        raise OpsError(f"no log group for {service_key!r} (known: {known})")
    start_ms = int((runtime.now() - parse_since(since)) * 1000)
    seen: set[str] = set()
    polls = 0
    while True:
        newest = start_ms
        paginator = clients.logs.get_paginator("filter_log_events")
        for page in paginator.paginate(logGroupName=group, startTime=start_ms):
            for event in page.get("events", []):
                event_id = str(event.get("eventId", ""))
                if event_id in seen:
                    continue
                seen.add(event_id)
                timestamp = int(event.get("timestamp", 0))
                newest = max(newest, timestamp)
                stream = str(event.get("logStreamName", "")).rsplit("/", 1)[-1][:12]
                runtime.say(f"{task_run.timestamp(timestamp)} {stream} {event.get('message', '')}")
        polls += 1
        if not follow or (max_polls is not None and polls >= max_polls):
            return 0
        start_ms = newest  # events at the same millisecond are deduplicated by id
        runtime.sleep(runtime.poll_seconds)


# -- helpers ----------------------------------------------------------------------------------


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return "?"


# -- command line -----------------------------------------------------------------------------


def stack_account(stack: str, region: str | None = None) -> dict[str, Any]:
    """The release steps' `account` of `stack`, from its `Pulumi.<stack>.yaml` (checked as
    `pulumi up` checks it); `region` overrides the stack's."""
    from components.config.aws_account import parse_aws_config, release_account
    from stackctl.harness import stack_config

    try:
        _, raw = stack_config(stack)
    except FileNotFoundError as error:
        raise OpsError(str(error)) from error
    problems: list[str] = []
    config = parse_aws_config(raw, region or raw.get("aws:region", "us-east-1"), problems)
    if problems:
        raise OpsError(f"Pulumi.{stack}.yaml: {'; '.join(problems)}")
    return release_account(config)


def stack_client(stack: str, service: str, region: str | None = None) -> tuple[Any, str]:
    """A boto3 client of `service` in `stack`'s AWS account (its `aws:` keys), and the region it
    uses: `region`, else the stack's `aws:region`."""
    from components.config.aws_account import boto3_session

    account = stack_account(stack, region)
    chosen = str(account["region"])
    return boto3_session(account).client(service, region_name=chosen), chosen


def refuse_extra_arguments(extra: list[str], what: str, after: str | None = None) -> None:
    """Refuse words left after a command's arguments (`after` names the last one) without
    echoing them: `what` (a secret's value, a password) is never taken from the command line,
    where shell history keeps it."""
    if extra:
        where = f" after {after}" if after else ""
        raise OpsError(
            f"{len(extra)} argument(s) too many{where} (not shown). A {what} is never taken "
            f"from the command line: pipe it in or type it at the prompt; if it was a {what}, "
            "remove it from your shell history"
        )


def _outputs_and_clients(args: argparse.Namespace) -> tuple[StackOutputs, Clients]:
    from components.config.aws_account import boto3_session

    outputs = load_outputs(args.stack, Path(args.outputs) if args.outputs else None)
    region = args.region or outputs.region
    session = boto3_session(stack_account(args.stack, region))
    return outputs, make_clients(region, session)


# botocore error code -> what to do (AccessDenied and friends, a stack that is not there).
_ACCESS_CODES = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")
_TOKEN_CODES = (
    "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
    "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch",
)  # fmt: skip
_MISSING_CODES = (
    "ClusterNotFoundException", "ServiceNotFoundException", "ResourceNotFoundException",
)  # fmt: skip


def explain_aws_error(error: BaseException, stack: str) -> str | None:
    """One line saying what went wrong with AWS and what to do, or None if not an AWS error."""
    from botocore import exceptions as aws

    from components.config.aws_account import AccountError

    set_up = "set AWS_PROFILE (or aws:profile in Pulumi.{0}.yaml), or run `aws sso login`"
    if isinstance(error, AccountError):
        return f"wrong AWS account: {error}"
    if isinstance(error, (aws.NoCredentialsError, aws.PartialCredentialsError)):
        return "no AWS credentials found; " + set_up.format(stack)
    if isinstance(error, aws.ProfileNotFound):
        return f"{error}; fix aws:profile in Pulumi.{stack}.yaml or your ~/.aws/config"
    if isinstance(error, aws.NoRegionError):
        return f"no AWS region; pass --region or set aws:region in Pulumi.{stack}.yaml"
    if isinstance(error, (aws.EndpointConnectionError, aws.ConnectTimeoutError)):
        return f"cannot reach AWS ({error}); check the network, proxy or AWS_ENDPOINT_URL"
    if isinstance(error, aws.ReadTimeoutError):
        return f"AWS did not answer in time ({error}); retry, or check the network"
    if isinstance(error, (aws.TokenRetrievalError, aws.SSOError)):
        return f"AWS sign-in expired or missing ({error}); run `aws sso login`"
    if isinstance(error, aws.ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        message = str(error.response.get("Error", {}).get("Message", "")).splitlines()[:1]
        text = f"{code}: {message[0] if message else ''}".strip()
        if code in _ACCESS_CODES:
            return f"access denied by AWS ({text}); use a role that may operate stack {stack}"
        if code in _TOKEN_CODES:
            return f"AWS rejected the credentials ({text}); " + set_up.format(stack)
        if code in _MISSING_CODES:
            return f"stack {stack} is not deployed in this account/region ({text}); run `pulumi up`"
        return f"AWS refused the request ({text})"
    if isinstance(error, aws.BotoCoreError):
        return f"AWS error: {error}"
    return None


def report_failures(
    label: str,
    stack: str,
    body: Callable[[], int],
    expected: tuple[type[Exception], ...] = (OpsError,),
) -> int:
    """Run a command's `body` and return its exit code. An `expected` failure or an AWS error
    becomes one line on stderr, `<label>: <what to do>`, and exit code 2; Ctrl-C exits 130;
    anything else is a bug and is raised. Every stackctl command that calls AWS ends this way."""
    try:
        return body()
    except expected as error:
        print(f"{label}: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        explained = explain_aws_error(error, stack)
        if explained is None:
            raise
        print(f"{label}: {' '.join(explained.split())}", file=sys.stderr)
        return 2


def _alarm_prefix(stack: str) -> str:
    from components.kit.naming import Naming
    from stackctl.harness import project_name

    return Naming(project_name(), stack).prefix


def _run(args: argparse.Namespace) -> int:
    runtime = Runtime()

    def body() -> int:
        outputs, clients = _outputs_and_clients(args)
        if args.command == "migrate":
            return migrate(
                outputs,
                clients,
                runtime,
                timeout_seconds=args.timeout_minutes * 60.0,
                log_lines=args.log_lines,
            )
        if args.command == "rollback":
            return rollback(
                outputs, clients, runtime, args.service, to=args.to, wait_minutes=args.wait_minutes
            )
        if args.command == "status":
            prefix = args.alarm_prefix or _alarm_prefix(args.stack)
            return status(
                outputs, clients, runtime, prefix, wait=args.wait, wait_minutes=args.wait_minutes
            )
        return logs(outputs, clients, runtime, args.service, since=args.since, follow=args.follow)

    return report_failures(args.command, args.stack, body, (OutputsError, OpsError))


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack", required=True, help="stack name, e.g. dev or prod")
    parser.add_argument(
        "--outputs",
        metavar="FILE",
        help="read the stack outputs from this JSON file instead of `pulumi stack output --json`",
    )
    parser.add_argument("--region", help="AWS region (default: the stack's `region` output)")
    parser.set_defaults(func=_run)


def add_ops_commands(commands: Any) -> None:
    """Register migrate, rollback, status and logs on the stackctl subparsers."""
    migrate_parser = commands.add_parser(
        "migrate",
        help="run the migration task and fail on a non-zero exit code",
        description="Run the stack's migration task once (private subnets, no public IP), wait "
        "until it is STOPPED, print the container's exit code and last log lines. Exits 1 when "
        "the migration failed, did not start or has no exit code.",
    )
    _common(migrate_parser)
    migrate_parser.add_argument("--timeout-minutes", type=float, default=30.0)
    migrate_parser.add_argument("--log-lines", type=int, default=30)

    rollback_parser = commands.add_parser(
        "rollback",
        help="deploy the previous ACTIVE task definition revision of a service",
        description="Point a service at an earlier ACTIVE revision of its task definition "
        "family (the one before the current by default) and wait for services-stable.",
    )
    _common(rollback_parser)
    rollback_parser.add_argument("--service", required=True, help="api, web or worker")
    rollback_parser.add_argument("--to", metavar="REVISION", help="revision number or family:rev")
    rollback_parser.add_argument("--wait-minutes", type=float, default=15.0)

    status_parser = commands.add_parser(
        "status",
        help="services, rollouts, stopped tasks and alarms of a stack",
        description="Desired/running/pending per service, the primary deployment's rollout "
        "state, the last stopped tasks' reasons and the stack's alarms in ALARM.",
    )
    _common(status_parser)
    status_parser.add_argument(
        "--wait", action="store_true", help="first wait for services-stable; exit 1 if not"
    )
    status_parser.add_argument("--wait-minutes", type=float, default=15.0)
    status_parser.add_argument(
        "--alarm-prefix", help="alarm name prefix (default: <project>-<stack>)"
    )

    logs_parser = commands.add_parser(
        "logs",
        help="print (and follow) a service's CloudWatch Logs",
        description="Print a service's log events since a time; --follow keeps polling.",
    )
    _common(logs_parser)
    logs_parser.add_argument("--service", required=True, help="api, web, worker or migration")
    logs_parser.add_argument("--since", default="10m", help="10m, 2h, 30s, 1d (default 10m)")
    logs_parser.add_argument("--follow", action="store_true", help="keep polling (Ctrl-C stops)")
