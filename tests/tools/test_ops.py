"""The ops commands (stackctl/ops.py, stackctl/outputs.py) against moto's ECS, Logs and CloudWatch.

moto runs a task but never runs its container: a task starts RUNNING, each DescribeTasks moves
it one step towards STOPPED, and its container reports exit code 0. The `container_run` fixture
stands in for the container: when RunTask returns, it sets the exit code (or none, for a task
that failed to start) and the stopped reason on moto's task object and writes the log lines the
container would have written to its awslogs stream.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.ecs.models import ecs_backends

from stackctl import ops
from stackctl.__main__ import main
from stackctl.outputs import (
    OUTPUT_NAMES,
    REQUIRED_OUTPUTS,
    OutputsError,
    load_outputs,
    parse_outputs,
)

REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "123456789012"  # moto's account
CLUSTER = "fullstack-dev-cluster"
MIGRATION_FAMILY = "fullstack-dev-migrate"
API_FAMILY = "api"
API_LOG_GROUP = "/fullstack/dev/ecs/api"
SESSION = boto3.session.Session()  # shared: its loaded service models make each client cheap


def awslogs(group: str, prefix: str) -> dict[str, Any]:
    options = {"awslogs-group": group, "awslogs-region": REGION, "awslogs-stream-prefix": prefix}
    return {"logDriver": "awslogs", "options": options}


def register(ecs: Any, family: str, container: str, prefix: str) -> str:
    definition = ecs.register_task_definition(
        family=family,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": container,
                "image": f"{DEFAULT_ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/api:abc",
                "memory": 512,  # moto sums container memory; Fargate itself needs task memory
                "essential": True,
                "logConfiguration": awslogs(API_LOG_GROUP, prefix),
            }
        ],
    )
    return str(definition["taskDefinition"]["taskDefinitionArn"])


@dataclass
class Stack:
    """A deployed stack in moto and its outputs, as `pulumi stack output --json` gives them."""

    outputs_json: dict[str, Any]
    clients: ops.Clients
    out: io.StringIO = field(default_factory=io.StringIO)

    @property
    def outputs(self) -> Any:
        return parse_outputs("dev", self.outputs_json, "test outputs")

    @property
    def runtime(self) -> ops.Runtime:
        return ops.Runtime(out=self.out, sleep=lambda _: None, poll_seconds=0)

    @property
    def printed(self) -> str:
        return self.out.getvalue()

    def backend(self) -> Any:
        return ecs_backends[DEFAULT_ACCOUNT_ID][REGION]

    def settle(self, service: str) -> None:
        """moto never starts a service's tasks: mark them all running, as ECS would."""
        record = self.backend().services[f"{CLUSTER}:{service}"]
        record.running_count = record.desired_count
        record.pending_count = 0


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")  # not needed; slow to load
    with mock_aws():
        ec2 = SESSION.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        # moto names a task's network interface only in VPCs with DNS hostnames (ours have them)
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24")["Subnet"]["SubnetId"]
            for i in (64, 80)
        ]
        group = ec2.create_security_group(GroupName="api", Description="api", VpcId=vpc)
        clients = ops.make_clients(REGION, SESSION)
        clients.ecs.create_cluster(clusterName=CLUSTER)
        register(clients.ecs, MIGRATION_FAMILY, "migrate", "migrate")
        clients.logs.create_log_group(logGroupName=API_LOG_GROUP)
        outputs_json: dict[str, Any] = {
            "clusterName": CLUSTER,
            "serviceNames": {"api": "api", "web": "web"},
            "migrationTaskFamily": MIGRATION_FAMILY,
            "migrationNetworkConfiguration": {
                "subnets": subnets,
                "securityGroups": [group["GroupId"]],
                "assignPublicIp": "DISABLED",
            },
            "migrationContainerName": "migrate",
            "logGroupNames": {
                "api": API_LOG_GROUP,
                "web": "/fullstack/dev/ecs/web",
                "migration": API_LOG_GROUP,
            },
            "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1}],
            "siteUrl": "https://d111111abcdef8.cloudfront.net",
            "apiUrl": "https://d111111abcdef8.cloudfront.net/api",
            "region": REGION,
            "userPoolId": f"{REGION}_0123456789",
        }
        yield Stack(outputs_json=outputs_json, clients=clients)


@dataclass
class ContainerRun:
    """What the migration container does once RunTask has placed its task."""

    exit_code: int | None = 0
    stopped_reason: str = "Essential container in task exited"
    log_lines: list[str] = field(default_factory=list)
    run_task_calls: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def container_run(stack: Stack) -> ContainerRun:
    run = ContainerRun()

    def before_run_task(params: dict[str, Any], **_: Any) -> None:
        run.run_task_calls.append(dict(params))

    def after_run_task(parsed: dict[str, Any], **_: Any) -> None:
        for described in parsed.get("tasks", []):
            task = stack.backend().tasks[CLUSTER][described["taskArn"]]
            task.containers[0].exitCode = run.exit_code
            task.stopped_reason = run.stopped_reason
            if run.log_lines:
                stream = f"migrate/migrate/{task.id}"
                stack.clients.logs.create_log_stream(
                    logGroupName=API_LOG_GROUP, logStreamName=stream
                )
                now = int(time.time() * 1000)
                stack.clients.logs.put_log_events(
                    logGroupName=API_LOG_GROUP,
                    logStreamName=stream,
                    logEvents=[
                        {"timestamp": now + i, "message": line}
                        for i, line in enumerate(run.log_lines)
                    ],
                )

    events = stack.clients.ecs.meta.events
    events.register("provide-client-params.ecs.RunTask", before_run_task)
    events.register("after-call.ecs.RunTask", after_run_task)
    return run


# -- migrate ----------------------------------------------------------------------------------


def test_migration_that_exits_zero_succeeds_and_prints_its_logs(
    stack: Stack, container_run: ContainerRun
) -> None:
    container_run.log_lines = ["INFO  [alembic] Running upgrade -> 0001", "done"]
    code = ops.migrate(stack.outputs, stack.clients, stack.runtime)
    assert code == 0, stack.printed
    assert "exit code: 0" in stack.printed
    assert "Running upgrade -> 0001" in stack.printed
    assert "task status: STOPPED" in stack.printed


def test_migration_that_exits_non_zero_fails_with_its_exit_code_and_last_log_lines(
    stack: Stack, container_run: ContainerRun
) -> None:
    container_run.exit_code = 3
    container_run.log_lines = [f"line {i}" for i in range(50)] + ["sqlalchemy.exc.OperationalError"]
    code = ops.migrate(stack.outputs, stack.clients, stack.runtime, log_lines=5)
    assert code != 0
    assert "exit code: 3" in stack.printed
    assert "sqlalchemy.exc.OperationalError" in stack.printed
    assert "line 46" in stack.printed and "line 45" not in stack.printed  # only the last 5


def test_migration_that_failed_to_start_fails_with_the_stopped_reason(
    stack: Stack, container_run: ContainerRun
) -> None:
    container_run.exit_code = None
    container_run.stopped_reason = "CannotPullContainerError: pull image manifest has been retried"
    code = ops.migrate(stack.outputs, stack.clients, stack.runtime)
    assert code != 0
    assert "no exit code" in stack.printed
    assert "CannotPullContainerError" in stack.printed


def test_migration_runs_in_private_subnets_with_a_strategy_and_no_launch_type(
    stack: Stack, container_run: ContainerRun
) -> None:
    ops.migrate(stack.outputs, stack.clients, stack.runtime)
    (call,) = container_run.run_task_calls
    assert call["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "DISABLED"
    assert call["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == (stack.outputs.subnets)
    assert call["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "weight": 1}]
    assert "launchType" not in call
    assert call["taskDefinition"] == MIGRATION_FAMILY


def test_migration_without_a_strategy_uses_launch_type_fargate_only(stack: Stack) -> None:
    del stack.outputs_json["capacityProviderStrategy"]
    arguments = ops.run_task_arguments(stack.outputs)
    assert arguments["launchType"] == "FARGATE"
    assert "capacityProviderStrategy" not in arguments


def test_migrate_command_exits_non_zero_when_the_migration_fails(
    stack: Stack, container_run: ContainerRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    container_run.exit_code = 1
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(stack.outputs_json))
    monkeypatch.setattr(ops, "make_clients", lambda region, session=None: stack.clients)
    runtime = stack.runtime
    monkeypatch.setattr(ops, "Runtime", lambda: runtime)
    assert main(["migrate", "--stack", "dev", "--outputs", str(outputs_file)]) == 1
    assert "exit code: 1" in stack.printed


def test_migrate_command_exits_zero_when_the_migration_succeeds(
    stack: Stack, container_run: ContainerRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(stack.outputs_json))
    monkeypatch.setattr(ops, "make_clients", lambda region, session=None: stack.clients)
    runtime = stack.runtime
    monkeypatch.setattr(ops, "Runtime", lambda: runtime)
    assert main(["migrate", "--stack", "dev", "--outputs", str(outputs_file)]) == 0


# -- rollback ---------------------------------------------------------------------------------


@pytest.fixture
def api_service(stack: Stack) -> list[str]:
    """The api service on revision 3 of its family, with revisions 1 and 2 still ACTIVE."""
    arns = [register(stack.clients.ecs, API_FAMILY, "api", "api") for _ in range(3)]
    stack.clients.ecs.create_service(
        cluster=CLUSTER,
        serviceName="api",
        taskDefinition=arns[-1],
        desiredCount=2,
        networkConfiguration=stack.outputs.network_configuration(),
    )
    stack.settle("api")
    return arns


def current_revision(stack: Stack, service: str = "api") -> str:
    described = stack.clients.ecs.describe_services(cluster=CLUSTER, services=[service])
    return str(described["services"][0]["taskDefinition"]).rsplit("/", 1)[-1]


def test_rollback_deploys_the_previous_active_revision(
    stack: Stack, api_service: list[str]
) -> None:
    code = ops.rollback(stack.outputs, stack.clients, stack.runtime, "api")
    assert code == 0, stack.printed
    assert current_revision(stack) == f"{API_FAMILY}:2"
    assert f"{API_FAMILY}:3 -> {API_FAMILY}:2" in stack.printed
    assert "Services are stable" in stack.printed


def test_rollback_skips_deregistered_revisions(stack: Stack, api_service: list[str]) -> None:
    stack.clients.ecs.deregister_task_definition(taskDefinition=api_service[1])
    assert ops.rollback(stack.outputs, stack.clients, stack.runtime, "api") == 0
    assert current_revision(stack) == f"{API_FAMILY}:1"


def test_rollback_to_a_named_revision(stack: Stack, api_service: list[str]) -> None:
    assert ops.rollback(stack.outputs, stack.clients, stack.runtime, "api", to="1") == 0
    assert current_revision(stack) == f"{API_FAMILY}:1"


def test_rollback_refuses_an_inactive_revision(stack: Stack, api_service: list[str]) -> None:
    stack.clients.ecs.deregister_task_definition(taskDefinition=api_service[0])
    with pytest.raises(ops.OpsError, match="INACTIVE"):
        ops.rollback(stack.outputs, stack.clients, stack.runtime, "api", to="1")
    assert current_revision(stack) == f"{API_FAMILY}:3"


def test_rollback_refuses_another_family(stack: Stack, api_service: list[str]) -> None:
    with pytest.raises(ops.OpsError, match="not of the service's family"):
        ops.rollback(stack.outputs, stack.clients, stack.runtime, "api", to=f"{MIGRATION_FAMILY}:1")


def test_rollback_without_an_earlier_revision_says_what_to_do(
    stack: Stack, api_service: list[str]
) -> None:
    for arn in api_service[:2]:
        stack.clients.ecs.deregister_task_definition(taskDefinition=arn)
    with pytest.raises(ops.OpsError, match="image tag parameter"):
        ops.rollback(stack.outputs, stack.clients, stack.runtime, "api")


def test_rollback_of_an_unknown_service_names_the_known_ones(stack: Stack) -> None:
    with pytest.raises(OutputsError, match="api, web"):
        ops.rollback(stack.outputs, stack.clients, stack.runtime, "worker")


# -- status -----------------------------------------------------------------------------------


def test_status_shows_counts_rollout_stopped_reasons_and_only_this_stacks_alarms(
    stack: Stack, api_service: list[str]
) -> None:
    stack.clients.ecs.create_service(
        cluster=CLUSTER,
        serviceName="web",
        taskDefinition=api_service[0],
        desiredCount=1,
        networkConfiguration=stack.outputs.network_configuration(),
    )
    failed = stack.clients.ecs.run_task(
        cluster=CLUSTER,
        taskDefinition=api_service[-1],
        group="service:api",
        launchType="FARGATE",
        networkConfiguration=stack.outputs.network_configuration(),
    )["tasks"][0]
    stack.clients.ecs.stop_task(
        cluster=CLUSTER, task=failed["taskArn"], reason="Task failed ELB health checks"
    )
    for name in ("fullstack-dev-api-5xx", "fullstack-prod-api-5xx"):
        stack.clients.cloudwatch.put_metric_alarm(
            AlarmName=name,
            MetricName="HTTPCode_Target_5XX_Count",
            Namespace="AWS/ApplicationELB",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=5,
            ComparisonOperator="GreaterThanThreshold",
        )
        stack.clients.cloudwatch.set_alarm_state(
            AlarmName=name, StateValue="ALARM", StateReason="Threshold crossed: 9 > 5"
        )
    code = ops.status(stack.outputs, stack.clients, stack.runtime, "fullstack-dev")
    lines = stack.printed.splitlines()
    api_line = next(line for line in lines if line.startswith("api "))
    web_line = next(line for line in lines if line.startswith("web "))
    assert code == 0
    assert "desired 2, running 2, pending 0" in api_line
    assert "revision 3" in api_line and "rollout" in api_line
    assert "desired 1, running 0, pending 1" in web_line
    assert "Task failed ELB health checks" in stack.printed
    assert "fullstack-dev-api-5xx: Threshold crossed" in stack.printed
    assert "fullstack-prod-api-5xx" not in stack.printed


def test_status_wait_fails_when_a_service_does_not_settle(
    stack: Stack, api_service: list[str]
) -> None:
    stack.outputs_json["serviceNames"] = {"api": "api"}
    record = stack.backend().services[f"{CLUSTER}:api"]
    record.running_count = 1  # of 2 desired
    code = ops.status(
        stack.outputs, stack.clients, stack.runtime, "fullstack-dev", wait=True, wait_minutes=0.05
    )
    assert code == 1
    assert "not stable" in stack.printed


# -- logs -------------------------------------------------------------------------------------


def put_log(stack: Stack, stream: str, message: str, at_ms: int) -> None:
    logs = stack.clients.logs
    existing = logs.describe_log_streams(logGroupName=API_LOG_GROUP, logStreamNamePrefix=stream)
    if not existing["logStreams"]:
        logs.create_log_stream(logGroupName=API_LOG_GROUP, logStreamName=stream)
    logs.put_log_events(
        logGroupName=API_LOG_GROUP,
        logStreamName=stream,
        logEvents=[{"timestamp": at_ms, "message": message}],
    )


def test_logs_prints_events_since_the_given_time_only(stack: Stack) -> None:
    now_ms = int(time.time() * 1000)
    put_log(stack, "api/api/task1", "old request", now_ms - 3_600_000)
    put_log(stack, "api/api/task1", "GET /api/healthz 200", now_ms - 60_000)
    assert ops.logs(stack.outputs, stack.clients, stack.runtime, "api", since="10m") == 0
    assert "GET /api/healthz 200" in stack.printed
    assert "old request" not in stack.printed


def test_logs_follow_prints_new_events_once(stack: Stack) -> None:
    now_ms = int(time.time() * 1000)
    put_log(stack, "api/api/task1", "first", now_ms - 1000)
    pending = ["second"]  # written while the command sleeps between its first two polls

    def sleep(_: float) -> None:
        while pending:
            put_log(stack, "api/api/task1", pending.pop(), now_ms)

    runtime = stack.runtime
    runtime.sleep = sleep
    ops.logs(stack.outputs, stack.clients, runtime, "api", since="5m", follow=True, max_polls=3)
    assert stack.printed.count("first") == 1
    assert stack.printed.count("second") == 1


def test_logs_rejects_an_unreadable_since(stack: Stack) -> None:
    with pytest.raises(ops.OpsError, match="--since"):
        ops.logs(stack.outputs, stack.clients, stack.runtime, "api", since="ten minutes")


# -- outputs ----------------------------------------------------------------------------------


def test_outputs_come_from_pulumi_stack_output_json(stack: Stack) -> None:
    seen: list[list[str]] = []

    def runner(command: Any) -> Any:
        seen.append(list(command))
        import subprocess

        return subprocess.CompletedProcess(command, 0, json.dumps(stack.outputs_json), "")

    outputs = load_outputs("dev", runner=runner)
    assert seen == [["pulumi", "stack", "output", "--json", "--stack", "dev"]]
    assert outputs.cluster_name == CLUSTER
    assert outputs.service("api") == "api"


def test_missing_outputs_are_all_named(tmp_path: Path) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({"clusterName": "c", "region": REGION}))
    with pytest.raises(OutputsError) as failure:
        load_outputs("dev", path)
    for name in ("serviceNames", "migrationTaskFamily", "logGroupNames", "siteUrl", "apiUrl"):
        assert name in str(failure.value)


def test_outputs_refuse_a_public_ip_for_the_migration(stack: Stack) -> None:
    stack.outputs_json["migrationNetworkConfiguration"]["assignPublicIp"] = "ENABLED"
    with pytest.raises(OutputsError, match="assignPublicIp"):
        parse_outputs("dev", stack.outputs_json, "test")


def test_output_names_are_the_single_list_the_fixture_follows(stack: Stack) -> None:
    assert set(stack.outputs_json) == set(OUTPUT_NAMES)
    assert "capacityProviderStrategy" not in REQUIRED_OUTPUTS


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_the_program_exports_every_output_the_ops_commands_read(plan: Any, stack_name: str) -> None:
    exports = plan(stack_name).exports
    missing = [name for name in OUTPUT_NAMES if name not in exports]
    assert not missing, f"__main__.py does not export {missing}"
    parse_outputs(stack_name, exports, f"the {stack_name} stack's exports")
