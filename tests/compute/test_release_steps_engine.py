"""The release steps as the engine runs them: a fresh `python -m pulumi.dynamic` process, driven
over gRPC with inputs the SDK serialized (every number a protobuf double), against moto's
server (botocore validates every call's parameters; moto parses them).

moto runs the task through its states to STOPPED (its state manager advances one state per
DescribeTasks) with exit code 0, so the whole run is exercised; what moto does not check is
whether Fargate could really place the task (subnets, capacity, image pull).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc  # type: ignore[import-untyped]
import pytest
from pulumi.runtime.proto import provider_pb2

from components.release_steps import MigrationRunProvider, StaticFilesProvider
from tests.release_helpers import (
    REGION,
    DynamicProviderProcess,
    EngineCalls,
    FakeDocker,
    MotoAws,
    deserialize,
    failure_text,
)

URN = "urn:pulumi:dev::fullstack::fullstack:service:MigrationTask$pulumi-python:dynamic/fullstack:MigrationRun::migrate-run"  # noqa: E501


@pytest.fixture(scope="module")
def aws() -> Iterator[MotoAws]:
    moto = MotoAws()
    yield moto
    moto.stop()


@pytest.fixture(scope="module")
def engine(aws: MotoAws) -> Iterator[DynamicProviderProcess]:
    process = DynamicProviderProcess(aws.environment())
    yield process
    process.close()


def migration_props(aws: MotoAws, revision_of: str = "fullstack-dev-migrate") -> dict[str, Any]:
    """A cluster, a migration task definition and a log group in moto; the run's inputs."""
    ecs, ec2, logs = aws.client("ecs"), aws.client("ec2"), aws.client("logs")
    cluster = ecs.create_cluster(clusterName="fullstack-dev-cluster")["cluster"]["clusterArn"]
    ecs.put_cluster_capacity_providers(
        cluster=cluster,
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
    )
    log_group = "/fullstack/dev/ecs/api"
    if not logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]:
        logs.create_log_group(logGroupName=log_group)
    definition = ecs.register_task_definition(
        family=revision_of,
        networkMode="awsvpc",
        requiresCompatibilities=["FARGATE"],
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "migrate",
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/fullstack-dev/api:1",
                "essential": True,
                "memory": 512,  # moto sums container memory (Fargate takes the task's)
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {"awslogs-group": log_group, "awslogs-stream-prefix": "migrate"},
                },
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    return {
        "account": {"region": REGION},
        "region": REGION,
        "cluster": cluster,
        "taskDefinition": definition,
        "containerName": "migrate",
        "subnets": subnets,
        "securityGroups": [group],
        "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}],
        "logGroupName": log_group,
        "timeoutSeconds": 600,
        "logLines": 30,
        "natInstanceIds": [],
        "exitCode": None,
        "taskArn": None,
    }


def calls(engine: DynamicProviderProcess) -> EngineCalls:
    return EngineCalls(engine, MigrationRunProvider(poll_seconds=0), URN)


def test_the_migration_runs_with_the_inputs_the_engine_sends(
    aws: MotoAws, engine: DynamicProviderProcess
) -> None:
    props = migration_props(aws)
    run = calls(engine)
    checked = run.check({}, props)
    assert not checked.failures
    inputs = deserialize(checked.inputs)
    # what the engine hands on: numbers as doubles, the class of bug under test
    # (aws-facts#dynamic-provider-numbers)
    assert isinstance(inputs["capacityProviderStrategy"][0]["weight"], float)
    created = run.create(inputs)
    outs = deserialize(created.properties)
    assert outs["exitCode"] == 0
    (task,) = aws.client("ecs").describe_tasks(cluster=props["cluster"], tasks=[outs["taskArn"]])[
        "tasks"
    ]
    assert task["taskDefinitionArn"] == props["taskDefinition"]
    assert task["startedBy"] == "pulumi-up-migrate"
    assert task.get("capacityProviderName") == "FARGATE"  # on-demand, not the cluster's Spot

    newer = migration_props(aws)  # a new revision of the same family
    assert newer["taskDefinition"] != props["taskDefinition"]
    diffed = run.diff(outs, newer)
    assert diffed.changes == provider_pb2.DiffResponse.DIFF_SOME
    assert run.diff(outs, props).changes == provider_pb2.DiffResponse.DIFF_NONE
    updated = deserialize(run.update(outs, newer).properties)
    assert updated["exitCode"] == 0 and updated["taskArn"] != outs["taskArn"]
    run.delete(updated)  # a migration stays applied: nothing to undo, no error


def test_a_non_integral_number_fails_the_step_naming_the_parameter(
    aws: MotoAws, engine: DynamicProviderProcess
) -> None:
    props = migration_props(aws)
    props["capacityProviderStrategy"] = [{"capacityProvider": "FARGATE", "weight": 1.5}]
    with pytest.raises(grpc.RpcError) as failed:
        calls(engine).create(props)
    text = failure_text(failed.value)
    last = text.strip().splitlines()[-1]
    assert last.startswith("components.kit.release_aws.ReleaseStepError:"), text
    assert "RunTask.capacityProviderStrategy[0].weight must be a whole number" in last


def test_an_aws_error_is_one_line_that_says_how_to_retry(
    aws: MotoAws, engine: DynamicProviderProcess
) -> None:
    props = {**migration_props(aws), "cluster": "no-such-cluster"}
    with pytest.raises(grpc.RpcError) as failed:
        calls(engine).create(props)
    text = failure_text(failed.value)
    last = text.strip().splitlines()[-1]
    assert last.startswith("components.kit.release_aws.ReleaseStepError: running the migration"), (
        text
    )
    assert "ClusterNotFoundException" in last and "run `pulumi up` again" in last
    assert text.count("Traceback") == 1, text  # no chained botocore traceback to read through


# -- a deploy at any hour: the NAT instance sleeps at 03:00 -------------------------------------

SLEEP = "daily 08-20 Europe/Berlin"


def test_at_three_in_the_morning_the_nat_instance_sleeps() -> None:
    """The scenario of the next test: with `sleep` set, 03:00 is between the NAT's stop and
    its start (components/network/nat_schedule.py), so the instance is stopped."""
    from components.config.values import parse_sleep
    from components.network.nat_schedule import nat_times

    schedule = parse_sleep(SLEEP)
    assert schedule is not None
    times = nat_times(schedule, 10, 10)
    stop, start = times["stop"], times["start"]
    three = 3 * 60
    assert stop.hour * 60 + stop.minute > three or start.hour * 60 + start.minute > three
    assert not (start.hour * 60 + start.minute <= three < stop.hour * 60 + stop.minute)


def test_a_deploy_at_three_wakes_the_nat_instance_before_the_migration(
    aws: MotoAws, engine: DynamicProviderProcess
) -> None:
    ec2 = aws.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    nat = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t4g.nano")[
        "Instances"
    ][0]["InstanceId"]
    ec2.stop_instances(InstanceIds=[nat])  # the schedule's stop at 20:10
    props = {**migration_props(aws), "natInstanceIds": [nat]}
    outs = deserialize(calls(engine).create(props).properties)
    assert outs["exitCode"] == 0
    state = ec2.describe_instances(InstanceIds=[nat])["Reservations"][0]["Instances"][0]["State"]
    assert state["Name"] == "running"  # started for the release, left running until its stop
    # and started before the task: the task ran, the instance was woken first (same call)
    assert outs["taskArn"]


def test_the_nat_instance_is_only_looked_at_when_it_is_awake(
    aws: MotoAws, engine: DynamicProviderProcess
) -> None:
    ec2 = aws.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    nat = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t4g.nano")[
        "Instances"
    ][0]["InstanceId"]
    props = {**migration_props(aws), "natInstanceIds": [nat]}
    assert deserialize(calls(engine).create(props).properties)["exitCode"] == 0


# -- the static files step, the same way (a stand-in docker; S3 and ECR in moto) ----------------

STATIC_URN = "urn:pulumi:dev::fullstack::fullstack:edge:Edge$pulumi-python:dynamic/fullstack:StaticFiles::web-static"  # noqa: E501


def test_the_static_files_publish_with_the_inputs_the_engine_sends(
    aws: MotoAws, engine: DynamicProviderProcess
) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="fullstack-dev-static-123456789012")
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fullstack-dev/web@sha256:abc"
    props: dict[str, Any] = {
        "account": {"region": REGION, "allowedAccountIds": ["123456789012"]},
        "region": REGION,
        "bucket": "fullstack-dev-static-123456789012",
        "image": image,
        "platform": "linux/arm64",
        "sourcePath": "/app/.next/static",
        "keyPrefix": "_next/static/",
        "fileCount": None,
    }
    # the provider process loads FakeDocker by reference (tests/ is importable from the root)
    step = EngineCalls(engine, StaticFilesProvider(run=FakeDocker()), STATIC_URN)
    inputs = deserialize(step.check({}, props).inputs)
    outs = deserialize(step.create(inputs).properties)
    assert outs["fileCount"] == 3
    listed = s3.list_objects_v2(Bucket=props["bucket"])["Contents"]
    assert {o["Key"] for o in listed} == {
        "_next/static/chunks/app-3f9c2a1b.js",
        "_next/static/css/a1b2c3.css",
        "_next/static/Bx7y_buildId/_buildManifest.js",
    }
    head = s3.head_object(Bucket=props["bucket"], Key="_next/static/css/a1b2c3.css")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"
    assert head["ContentType"] == "text/css"
    newer = {**props, "image": image.replace("abc", "def")}
    assert step.diff(outs, newer).changes == provider_pb2.DiffResponse.DIFF_SOME
    assert deserialize(step.update(outs, newer).properties)["fileCount"] == 3
    step.delete(outs)  # old files stay
    assert len(s3.list_objects_v2(Bucket=props["bucket"])["Contents"]) == 3


def test_the_static_files_refuse_a_forbidden_account_in_one_line(
    aws: MotoAws, engine: DynamicProviderProcess
) -> None:
    props = {
        "account": {"region": REGION, "forbiddenAccountIds": ["123456789012"]},
        "region": REGION,
        "bucket": "never-written",
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/fullstack-dev/web:1",
        "platform": "linux/arm64",
        "sourcePath": "/app/.next/static",
        "keyPrefix": "_next/static/",
    }
    step = EngineCalls(engine, StaticFilesProvider(run=FakeDocker()), STATIC_URN)
    with pytest.raises(grpc.RpcError) as failed:
        step.create(props)
    last = failure_text(failed.value).strip().splitlines()[-1]
    assert last.startswith("components.kit.release_aws.ReleaseStepError: the credentials are for")
    assert "123456789012" in last and "forbiddenAccountIds" in last


# -- the app's own secrets: the deploy-time check -----------------------------------------------

SECRETS_URN = "urn:pulumi:dev::fullstack::pulumi-python:dynamic:Resource::app-secrets-check"


def test_the_app_secrets_check_runs_with_the_inputs_the_engine_sends(
    aws: MotoAws, engine: DynamicProviderProcess
) -> None:
    """AppSecretsCheckProvider in the engine's provider process, its DescribeParameters call
    validated by botocore against moto: a missing required secret fails the step in one line
    naming it, a stored one passes, and nothing of the value reaches the outputs."""
    from components.kit.app_secrets import AppSecretsCheckProvider

    props: dict[str, Any] = {
        "account": {"region": REGION, "allowedAccountIds": ["123456789012"]},
        "region": REGION,
        "project": "fullstack",
        "stack": "dev",
        "secrets": [
            {"name": "ENGINE_API_KEY", "services": ["api", "worker"], "optional": False},
            {"name": "ENGINE_OPTIONAL", "services": ["web"], "optional": True},
        ],
    }
    step = EngineCalls(engine, AppSecretsCheckProvider(), SECRETS_URN)
    inputs = deserialize(step.check({}, props).inputs)
    with pytest.raises(grpc.RpcError) as failed:
        step.create(inputs)
    last = failure_text(failed.value).strip().splitlines()[-1]
    assert "ENGINE_API_KEY (for api, worker) is not set" in last, last
    assert "python -m stackctl secret set --stack dev ENGINE_API_KEY" in last
    assert "ENGINE_OPTIONAL" not in last
    aws.client("ssm").put_parameter(
        Name="/fullstack/dev/app-secrets/ENGINE_API_KEY", Value="s3cret", Type="SecureString"
    )
    outs = deserialize(step.create(inputs).properties)
    assert "s3cret" not in repr(outs)
    assert step.diff(outs, props).changes == provider_pb2.DiffResponse.DIFF_SOME
