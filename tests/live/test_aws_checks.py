"""The live check's AWS side against moto's server (botocore validates every call's parameters):
a test user signs in with USER_PASSWORD_AUTH; the migration record is what the real
MigrationRunProvider stores after running the task in moto, and ECS's answer about that task
is checked (exit code, revision, the task still known)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from components.release_steps import MigrationRunProvider
from tests.compute.test_release_steps_engine import migration_props
from tests.live.aws_checks import (
    MIGRATION_RUN,
    TestUser,
    check_migration,
    migration_record,
)
from tests.live.http_checks import CheckFailedError
from tests.release_helpers import MotoAws


@pytest.fixture(scope="module")
def aws() -> Iterator[MotoAws]:
    moto = MotoAws()
    yield moto
    moto.stop()


def pool_and_client(cognito: Any) -> tuple[str, str]:
    pool = cognito.create_user_pool(PoolName="fullstack-live-users", UsernameAttributes=["email"])
    pool_id = pool["UserPool"]["Id"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    return pool_id, client["UserPoolClient"]["ClientId"]


def test_a_test_user_signs_in_and_is_deleted(aws: MotoAws) -> None:
    cognito = aws.client("cognito-idp")
    pool_id, client_id = pool_and_client(cognito)
    user = TestUser.create(cognito, pool_id, client_id)
    token = user.sign_in(cognito)
    assert cognito.get_user(AccessToken=token)["Username"] in (user.email, user.sub)
    stored = cognito.admin_get_user(UserPoolId=pool_id, Username=user.email)
    assert {"Name": "sub", "Value": user.sub} in stored["UserAttributes"]
    assert stored["UserStatus"] == "CONFIRMED"  # a permanent password: no challenge at sign-in
    user.delete(cognito)
    with pytest.raises(cognito.exceptions.UserNotFoundException):
        cognito.admin_get_user(UserPoolId=pool_id, Username=user.email)


def test_a_wrong_password_fails_naming_the_client(aws: MotoAws) -> None:
    cognito = aws.client("cognito-idp")
    pool_id, client_id = pool_and_client(cognito)
    user = TestUser.create(cognito, pool_id, client_id)
    with pytest.raises(CheckFailedError, match=f"app client {client_id}"):
        replace(user, password=user.password + "x").sign_in(cognito)


def test_a_missing_pool_fails_naming_it(aws: MotoAws) -> None:
    cognito = aws.client("cognito-idp")
    with pytest.raises(CheckFailedError, match="us-east-1_nosuchpool"):
        TestUser.create(cognito, "us-east-1_nosuchpool", "client")


@pytest.fixture(scope="module")
def ran(aws: MotoAws) -> dict[str, Any]:
    """`pulumi stack export`'s deployment after the real provider ran the migration in moto."""
    clients = {s: aws.client(s) for s in ("ecs", "logs", "ec2")}
    provider = MigrationRunProvider(clients=lambda service, _region: clients[service])
    provider.poll_seconds = 0
    outs = provider.create(migration_props(aws)).outs
    urn = f"urn:pulumi:live-ana::fullstack::{MIGRATION_RUN}::api-migrate-run"
    return {"resources": [{"urn": urn, "type": MIGRATION_RUN, "outputs": outs}]}


def test_the_recorded_migration_is_confirmed_by_ecs(aws: MotoAws, ran: dict[str, Any]) -> None:
    record = migration_record(ran)
    assert record.exit_code == 0
    check_migration(aws.client("ecs"), record)


def test_a_non_zero_exit_code_in_the_state_fails(aws: MotoAws, ran: dict[str, Any]) -> None:
    record = replace(migration_record(ran), exit_code=1)
    with pytest.raises(CheckFailedError, match="records exit code 1"):
        check_migration(aws.client("ecs"), record)


def test_a_task_of_another_revision_fails(aws: MotoAws, ran: dict[str, Any]) -> None:
    record = migration_record(ran)
    newer = migration_props(aws)["taskDefinition"]  # the stack moved on since that run
    with pytest.raises(CheckFailedError, match="but the stack's migration task definition is"):
        check_migration(aws.client("ecs"), replace(record, task_definition=newer))


def test_a_task_ecs_no_longer_knows_fails_and_says_why(aws: MotoAws, ran: dict[str, Any]) -> None:
    record = migration_record(ran)
    gone = record.task_arn.rsplit("/", 1)[0] + "/0123456789abcdef0123456789abcdef"
    with pytest.raises(CheckFailedError, match="ECS does not know it"):
        check_migration(aws.client("ecs"), replace(record, task_arn=gone))


def test_a_stack_without_a_migration_step_fails() -> None:
    with pytest.raises(CheckFailedError, match=r"holds 0 .* expected 1"):
        migration_record({"resources": []})
    with pytest.raises(CheckFailedError, match="recorded no task"):
        migration_record({"resources": [{"type": MIGRATION_RUN, "outputs": {"cluster": "c"}}]})
