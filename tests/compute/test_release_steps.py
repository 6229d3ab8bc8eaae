"""The release steps of `pulumi up` (components/release_steps.py): their place in the graph,
what they do against AWS and Docker (stub clients), and that a preview runs nothing.

The mocks never call a dynamic provider (the engine would, outside of preview); so the graph
tests check the ordering the engine follows (dependencies) and the provider tests call the
provider's methods directly with stub clients and a stub `docker`.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from components.release_steps import (
    IMMUTABLE,
    MigrationRunProvider,
    ReleaseStepError,
    StaticFilesProvider,
)
from stackctl.harness import Graph, Resource
from tests.conftest import PlanFn
from tests.release_helpers import FakeDocker


def stub_client(service: str) -> Any:
    """A real boto3 client whose calls botocore's Stubber answers after validating them, with
    the argument coercion every client of the steps has (components/kit/release_aws.py)."""
    import boto3
    from botocore.stub import Stubber

    from components.kit.release_aws import with_shape_coercion

    client = with_shape_coercion(
        boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        ).client(service)  # type: ignore[call-overload]
    )
    client.stubber = Stubber(client)
    client.stubber.activate()
    return client


MIGRATION_RUN = "pulumi-python:dynamic/fullstack:MigrationRun"
STATIC_FILES = "pulumi-python:dynamic/fullstack:StaticFiles"
SERVICE = "aws:ecs/service:Service"
REGION = "us-east-1"


def one(graph: Graph, type_token: str) -> Resource:
    (found,) = graph.of_type(type_token)
    return found


def depends_on(graph: Graph, resource: Resource) -> set[str]:
    return {graph.by_urn(urn).name for urn in resource.depends_on}


# -- the graph: after the images, before the services ------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_migration_runs_after_its_image_and_task_definition_and_the_database(
    plan: PlanFn, stack: str
) -> None:
    graph = plan(stack, "images=build")
    run = one(graph, MIGRATION_RUN)
    task = graph.named("migrate-task")
    assert {"migrate-task", "database-cluster", "database-writer"} <= depends_on(graph, run)
    # the route out of the private subnets (to pull the image) and the secret values it reads
    after = {graph.by_urn(urn).type for urn in run.depends_on}
    # (the app secret is an SSM parameter by default, appSecretStore; prod's cache token a
    # Secrets Manager version)
    assert {"aws:ec2/route:Route", "aws:ssm/parameter:Parameter"} <= after
    assert "registry-api-image" in depends_on(graph, task)  # the revision names the new image
    assert run.get("taskDefinition") == task.outputs["arn"]
    assert run.get("containerName") == "migrate"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_service_rolls_out_after_the_migration_and_the_static_files(
    plan: PlanFn, stack: str
) -> None:
    graph = plan(stack, "images=build", "worker.enabled=true")
    services = graph.of_type(SERVICE)
    assert {s.name for s in services} == {"api-service", "web-service", "worker-service"}
    for service in services:
        assert {"migrate-run", "web-static"} <= depends_on(graph, service), service.name
    # and nothing the steps need waits for a service (no cycle, no service first)
    for step in (one(graph, MIGRATION_RUN), one(graph, STATIC_FILES)):
        assert not depends_on(graph, step) & {s.name for s in services}


def test_the_migration_runs_where_the_api_runs(plan: PlanFn) -> None:
    graph = plan("dev")
    run = one(graph, MIGRATION_RUN)
    api = graph.named("api-service")
    network = api.get("networkConfiguration")
    assert run.get("subnets") == network["subnets"]
    assert run.get("securityGroups") == network["securityGroups"]
    assert run.get("region") == REGION
    assert run.get("account") == {"region": REGION, "assumeRoles": []}  # dev sets no aws: keys
    assert run.get("logGroupName") == graph.named("api-logs").get("name")


def test_the_lab_migration_runs_on_demand_while_its_api_runs_on_spot(plan: PlanFn) -> None:
    graph = plan("dev")  # the lab profile: the services on Fargate Spot
    assert graph.exports["profile"] == "lab"
    api_strategy = graph.named("api-service").get("capacityProviderStrategies")
    assert {s["capacityProvider"] for s in api_strategy} == {"FARGATE_SPOT"}
    on_demand = [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert graph.exports["capacityProviderStrategy"] == on_demand  # `stackctl migrate` too
    # RunTask as the step sends it, checked against ECS's model by botocore's Stubber
    props = {k: v for k, v in one(graph, MIGRATION_RUN).inputs.items() if k != "__provider"}
    ecs = stub_client("ecs")
    expected = {
        "cluster": props["cluster"],
        "taskDefinition": props["taskDefinition"],
        "count": 1,
        "startedBy": "pulumi-up-migrate",
        "networkConfiguration": {
            "awsvpcConfiguration": {
                "subnets": props["subnets"],
                "securityGroups": props["securityGroups"],
                "assignPublicIp": "DISABLED",
            }
        },
        "capacityProviderStrategy": on_demand,  # and no launchType, no Spot
    }
    ecs.stubber.add_response("run_task", {"tasks": [], "failures": []}, expected)
    ec2 = stub_client("ec2")  # the NAT instance is awake: looked at, not started
    (nat,) = props["natInstanceIds"]
    awake = {"Reservations": [{"Instances": [{"InstanceId": nat, "State": {"Name": "running"}}]}]}
    ec2.stubber.add_response("describe_instances", awake, {"InstanceIds": [nat]})
    clients = {"ecs": ecs, "ec2": ec2, "logs": stub_client("logs")}
    provider = MigrationRunProvider(clients=lambda service, region: clients[service])
    with pytest.raises(ReleaseStepError, match="did not start"):
        provider.create(props)
    ecs.stubber.assert_no_pending_responses()
    ec2.stubber.assert_no_pending_responses()


def test_the_migration_waits_for_its_network_rules_and_capacity_providers(plan: PlanFn) -> None:
    graph = plan("dev", "images=build")
    run = one(graph, MIGRATION_RUN)
    after = depends_on(graph, run)
    # the rules that let the api's group (the task's) reach the database, both sides
    assert {"database-from-api", "api-to-db"} <= after
    assert {"api-sg", "api-https-out"} <= after  # its group and its way out (ECR, logs, secrets)
    assert "cluster-capacity" in after  # aws:ecs/clusterCapacityProviders: FARGATE associated
    kinds = {graph.by_urn(urn).type for urn in run.depends_on}
    assert "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders" in kinds
    assert "aws:ec2/instance:Instance" in kinds  # the NAT instance (the lab's way out)
    assert "aws:ec2/route:Route" in kinds


def test_with_redis_the_migration_also_waits_for_the_rules_to_the_cache(plan: PlanFn) -> None:
    graph = plan("prod", "images=build")
    after = depends_on(graph, one(graph, MIGRATION_RUN))
    assert {"cache-from-api", "api-to-cache", "database-from-api", "api-to-db"} <= after
    kinds = {graph.by_urn(urn).type for urn in one(graph, MIGRATION_RUN).depends_on}
    assert "aws:ec2/natGateway:NatGateway" in kinds or "aws:ec2/instance:Instance" in kinds


def test_the_static_files_come_from_the_web_image_the_service_runs(plan: PlanFn) -> None:
    graph = plan("dev")
    static = one(graph, STATIC_FILES)
    web_image = graph.named("registry-web-image").outputs["imageUri"]
    assert static.get("image") == web_image
    assert static.get("bucket") == graph.exports["staticBucketName"]
    assert static.get("platform") == "linux/arm64"
    assert static.get("keyPrefix") == "_next/static/"


def test_registry_mode_runs_the_steps_on_the_deployed_tag(plan: PlanFn) -> None:
    graph = plan("prod", "@imageTag=3f9c2a1")
    static = one(graph, STATIC_FILES)
    assert static.get("image").endswith("/fullstack-prod/web:3f9c2a1")
    assert one(graph, MIGRATION_RUN)


def test_parked_stacks_have_no_release_step_and_still_declare_their_services(
    plan: PlanFn,
) -> None:
    graph = plan("prod")  # registry mode, no image tag parameter yet: nothing to run
    assert graph.of_type(MIGRATION_RUN) == [] and graph.of_type(STATIC_FILES) == []
    assert {"api-service", "web-service"} <= {s.name for s in graph.of_type(SERVICE)}


def test_the_dev_stack_without_image_tag_builds_and_runs(plan: PlanFn) -> None:
    graph = plan("dev")
    assert {s.name: s.get("desiredCount") for s in graph.of_type(SERVICE)} == {
        "api-service": 1,
        "web-service": 1,
    }
    assert not any("0 tasks (parked)" in log for log in graph.logs)


def test_up_prints_the_site_url(plan: PlanFn) -> None:
    graph = plan("dev")
    url = graph.exports["siteUrl"]
    assert url.startswith("https://")
    assert f"info: The site: {url}" in graph.logs


# Run in a fresh interpreter: after a program error the SDK's global state (its RPC manager,
# pending outputs) still holds tasks of the closed event loop, and the next program run of this
# process would fail on them.
INJECTED_FAILURE = """
import importlib, json, sys
module_name, class_name, number = sys.argv[1], sys.argv[2], int(sys.argv[3])
cls = getattr(importlib.import_module(module_name), class_name)
original, seen = cls.__init__, [0]
def constructor(self, *args, **kwargs):
    seen[0] += 1
    if seen[0] == number:
        raise RuntimeError("the program broke between the gate and the release steps")
    original(self, *args, **kwargs)
cls.__init__ = constructor
from stackctl.harness import ProgramError, run_program
try:
    run_program("dev", ("images=build", "worker.enabled=true"))
    print(json.dumps({"error": None}))
except ProgramError as error:
    graph = error.graph
    services = {
        s.name: sorted(graph.by_urn(urn).name for urn in s.depends_on)
        for s in graph.of_type("aws:ecs/service:Service")
    }
    print(json.dumps({"error": str(error), "services": services}))
"""


@pytest.mark.parametrize(
    ("where", "call"),
    [
        (
            "components.compute.fargate_service.FargateService",
            2,
        ),  # the api is declared, the web fails
        ("components.compute.migration.MigrationTask", 1),  # every service declared, then a failure
        ("components.release_steps.StaticFiles", 1),  # right before the steps
        ("components.release_steps.MigrationRun", 1),
    ],
)
def test_a_program_error_before_the_gate_opens_registers_no_service(where: str, call: int) -> None:
    module_name, class_name = where.rsplit(".", 1)
    done = subprocess.run(
        [sys.executable, "-c", INJECTED_FAILURE, module_name, class_name, str(call)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,  # a services' wait that never ends would hang here
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["error"] is not None
    for name, after in result["services"].items():  # none, or each behind the migration run
        assert "migrate-run" in after, name
    assert result["services"] == {}
    # the program's own error is what `pulumi up` prints (inside the gate's), no hang
    assert "the program broke between the gate and the release steps" in result["error"]
    assert "no ECS service was registered" in result["error"]


# -- the migration step against stub clients ---------------------------------------------------


class Stub:
    """A boto3 client stand-in: named methods answer, any other call fails the test."""

    def __init__(self, **answers: Any) -> None:
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        if name not in self.answers:
            raise AssertionError(f"unexpected AWS call {name}")

        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            answer = self.answers[name]
            return answer(**kwargs) if callable(answer) else answer

        return call


TASK_ARN = "arn:aws:ecs:us-east-1:123456789012:task/fullstack-dev-cluster/0123abcd"
TASK_DEFINITION = "arn:aws:ecs:us-east-1:123456789012:task-definition/fullstack-dev-migrate:7"
MIGRATION_PROPS: dict[str, Any] = {
    "region": REGION,
    "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/fullstack-dev-cluster",
    "taskDefinition": TASK_DEFINITION,
    "containerName": "migrate",
    "subnets": ["subnet-a", "subnet-b"],
    "securityGroups": ["sg-api"],
    "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}],
    "logGroupName": "/fullstack/dev/ecs/api",
    "timeoutSeconds": 60,
    "logLines": 5,
}


def migration_clients(exit_code: int | None, lines: list[str]) -> dict[str, Stub]:
    stopped = {
        "taskArn": TASK_ARN,
        "taskDefinitionArn": TASK_DEFINITION,
        "lastStatus": "STOPPED",
        "stoppedReason": "Essential container in task exited",
        "containers": [{"name": "migrate", "exitCode": exit_code}],
    }
    log_config = {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/fullstack/dev/ecs/api", "awslogs-stream-prefix": "migrate"},
    }
    ecs = Stub(
        run_task={"tasks": [{"taskArn": TASK_ARN}], "failures": []},
        describe_tasks={"tasks": [stopped]},
        describe_task_definition={
            "taskDefinition": {
                "containerDefinitions": [{"name": "migrate", "logConfiguration": log_config}]
            }
        },
    )
    logs = Stub(
        get_log_events=lambda limit, **_: {
            "events": [{"timestamp": 0, "message": line} for line in lines][-limit:]
        }
    )
    return {"ecs": ecs, "logs": logs}


def provider_with(clients: dict[str, Stub]) -> MigrationRunProvider:
    return MigrationRunProvider(clients=lambda service, region: clients[service], poll_seconds=0)


def test_a_failing_migration_fails_the_up_with_its_exit_code_and_last_log_lines() -> None:
    lines = [f"line {i}" for i in range(20)] + ["sqlalchemy.exc.OperationalError: no such table"]
    provider = provider_with(migration_clients(1, lines))
    with pytest.raises(ReleaseStepError) as failed:
        provider.create(dict(MIGRATION_PROPS))
    message = str(failed.value)
    assert "the migration task failed (exit code 1)" in message
    assert "sqlalchemy.exc.OperationalError: no such table" in message
    assert "line 16" in message and "line 15" not in message  # the last 5 lines only
    assert "migrate/migrate/0123abcd" in message  # the stream it read


def test_a_migration_without_exit_code_fails_the_up_and_says_why() -> None:
    provider = provider_with(migration_clients(None, []))
    with pytest.raises(ReleaseStepError, match="no exit code"):
        provider.update("id", dict(MIGRATION_PROPS), dict(MIGRATION_PROPS))


def test_a_succeeding_migration_records_its_task_and_runs_where_told() -> None:
    clients = migration_clients(0, ["INFO  [alembic] Running upgrade -> 0002"])
    result = provider_with(clients).create(dict(MIGRATION_PROPS))
    assert result.outs is not None
    assert result.outs["exitCode"] == 0 and result.outs["taskArn"] == TASK_ARN
    ((name, call), *_) = clients["ecs"].calls
    assert name == "run_task"
    assert call["taskDefinition"] == TASK_DEFINITION  # this revision, not the family's latest
    assert call["networkConfiguration"]["awsvpcConfiguration"] == {
        "subnets": ["subnet-a", "subnet-b"],
        "securityGroups": ["sg-api"],
        "assignPublicIp": "DISABLED",
    }
    assert call["capacityProviderStrategy"] == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 0}
    ]
    assert "launchType" not in call


def test_the_migration_runs_again_only_for_a_new_task_definition_revision() -> None:
    provider = MigrationRunProvider(clients=_no_aws)
    same = provider.diff("id", dict(MIGRATION_PROPS), dict(MIGRATION_PROPS))
    assert same.changes is False
    newer = {**MIGRATION_PROPS, "taskDefinition": TASK_DEFINITION.replace(":7", ":8")}
    changed = provider.diff("id", dict(MIGRATION_PROPS), newer)
    assert changed.changes is True and changed.replaces == []


# -- the static files step against a stub docker and S3 ----------------------------------------


def _no_aws(service: str, region: str) -> Any:
    raise AssertionError(f"AWS client {service} made during check/diff")


def _no_docker(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"docker run during check/diff: {args}")


IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fullstack-dev/web@sha256:abc"
STATIC_PROPS: dict[str, Any] = {
    "region": REGION,
    "bucket": "fullstack-dev-static-123456789012",
    "image": IMAGE,
    "platform": "linux/arm64",
    "sourcePath": "/app/.next/static",
    "keyPrefix": "_next/static/",
}


def static_clients() -> dict[str, Stub]:
    token = base64.b64encode(b"AWS:s3cr3t-token").decode()
    endpoint = "https://123456789012.dkr.ecr.us-east-1.amazonaws.com"
    ecr = Stub(
        get_authorization_token={
            "authorizationData": [{"authorizationToken": token, "proxyEndpoint": endpoint}]
        }
    )
    return {"ecr": ecr, "s3": Stub(put_object={})}


def test_static_files_are_uploaded_from_the_image_under_their_own_immutable_keys() -> None:
    clients = static_clients()
    docker = FakeDocker()
    provider = StaticFilesProvider(clients=lambda service, region: clients[service], run=docker)
    result = provider.create(dict(STATIC_PROPS))
    uploads = {call["Key"]: call for _, call in clients["s3"].calls}
    assert set(uploads) == {
        "_next/static/chunks/app-3f9c2a1b.js",
        "_next/static/css/a1b2c3.css",
        "_next/static/Bx7y_buildId/_buildManifest.js",
    }
    assert {call["CacheControl"] for call in uploads.values()} == {IMMUTABLE}
    assert uploads["_next/static/css/a1b2c3.css"]["ContentType"] == "text/css"
    assert {call["Bucket"] for call in uploads.values()} == {STATIC_PROPS["bucket"]}
    assert [name for name, _ in clients["s3"].calls] == ["put_object"] * 3  # never a delete
    assert result.outs is not None and result.outs["fileCount"] == 3
    verbs = [argv[3] for argv in docker.commands]
    assert verbs == ["login", "pull", "create", "cp", "rm"]  # created, never started
    login = docker.commands[0]
    assert "s3cr3t-token" not in " ".join(login) and docker.stdin[0] == "s3cr3t-token"
    configs = {argv[2] for argv in docker.commands}
    assert len(configs) == 1 and not Path(configs.pop()).exists()  # a temporary config, gone
    assert docker.commands[1][-3:] == ["--platform", "linux/arm64", IMAGE]
    assert docker.commands[3][4] == "c0ffee:/app/.next/static"


def test_a_docker_failure_fails_the_up_naming_the_command_and_removes_the_container() -> None:
    clients = static_clients()
    docker = FakeDocker(fail_on="cp")
    provider = StaticFilesProvider(clients=lambda service, region: clients[service], run=docker)
    with pytest.raises(ReleaseStepError, match=r"`docker --config .* cp c0ffee:/app/.next/static"):
        provider.update("id", dict(STATIC_PROPS), dict(STATIC_PROPS))
    assert docker.commands[-1][3] == "rm"
    assert clients["s3"].calls == []


def test_static_files_upload_again_only_for_another_image() -> None:
    provider = StaticFilesProvider(clients=_no_aws, run=_no_docker)
    assert provider.diff("id", dict(STATIC_PROPS), dict(STATIC_PROPS)).changes is False
    other = {**STATIC_PROPS, "image": IMAGE.replace("abc", "def")}
    assert provider.diff("id", dict(STATIC_PROPS), other).changes is True


# -- preview: only check and diff run, and they touch nothing ----------------------------------


@pytest.mark.parametrize(
    ("provider", "props"),
    [
        (MigrationRunProvider(clients=_no_aws), MIGRATION_PROPS),
        (StaticFilesProvider(clients=_no_aws, run=_no_docker), STATIC_PROPS),
    ],
)
def test_check_and_diff_make_no_aws_or_docker_call(provider: Any, props: dict[str, Any]) -> None:
    unknown = {**props, "taskDefinition": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}  # rpc.UNKNOWN
    checked = provider.check({}, dict(props))
    assert checked.inputs == props and not checked.failures
    provider.diff("id", dict(props), unknown)
    provider.diff("id", dict(props), dict(props))
    provider.delete("id", dict(props))  # deleting the step undoes nothing and calls nothing


def test_with_sleep_the_migration_wakes_the_stacks_nat_instance(plan: PlanFn) -> None:
    graph = plan("dev", "sleep=daily 08-20 Europe/Berlin")
    run = one(graph, MIGRATION_RUN)
    (nat,) = graph.of_type("aws:ec2/instance:Instance")
    assert run.get("natInstanceIds") == [nat.id]
    assert nat.urn in run.depends_on
    assert graph.of_type("aws:scheduler/schedule:Schedule")  # the NAT does sleep in this stack
    # the services wait for the run: none pulls an image before the NAT is awake
    for service in graph.of_type(SERVICE):
        assert "migrate-run" in depends_on(graph, service)


def test_without_a_nat_instance_there_is_nothing_to_wake(plan: PlanFn) -> None:
    graph = plan("prod", "nat=gateway", "images=build")
    assert one(graph, MIGRATION_RUN).get("natInstanceIds") == []
