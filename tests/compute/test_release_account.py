"""Each key of the release steps' `account` input, against moto's server: the credentials the
steps end up with (sts:GetCallerIdentity answers by the access key: moto knows which account
an assumed role's keys belong to), botocore validating every call (AssumeRole's too).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.kit.release_aws import AccountClients, ReleaseStepError
from components.release_steps import MigrationRunProvider
from tests.release_helpers import REGION, MotoAws

BASE_ACCOUNT = "123456789012"  # moto's account for plain (non-assumed) keys
STAGING = "111111111111"
PROD = "222222222222"


@pytest.fixture(scope="module")
def aws() -> Iterator[MotoAws]:
    moto = MotoAws()
    yield moto
    moto.stop()


@pytest.fixture
def shell(aws: MotoAws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The shell the CLI runs in: moto's endpoint, plain keys, empty shared files."""
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    for key, value in aws.environment().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "empty-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "empty-credentials"))
    return tmp_path


def role_keys(aws: MotoAws, account: str) -> dict[str, str]:
    """Keys that moto attributes to `account` (an assumed role's)."""
    credentials = aws.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/deployer", RoleSessionName="setup"
    )["Credentials"]
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def ini(path: Path, section: str, values: dict[str, str]) -> str:
    path.write_text(f"[{section}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items()))
    return str(path)


def identity(account: dict[str, Any]) -> str:
    clients = AccountClients(account)
    clients.session()
    return str(clients.account_id)


def test_region(shell: Path) -> None:
    clients = AccountClients({"region": "eu-central-1"})
    assert clients("ecs").meta.region_name == "eu-central-1"
    assert identity({"region": REGION}) == BASE_ACCOUNT  # the default chain: the shell's keys


def test_profile_reads_the_profile_of_the_config_file(
    aws: MotoAws, shell: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = ini(shell / "config", "profile staging", role_keys(aws, STAGING))
    monkeypatch.setenv("AWS_CONFIG_FILE", config)
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    assert identity({"region": REGION, "profile": "staging"}) == STAGING
    with pytest.raises(ReleaseStepError, match="no AWS credentials"):
        identity({"region": REGION})  # without the key: the default profile, which has none


def test_shared_config_files(aws: MotoAws, shell: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = ini(shell / "team-config", "profile staging", role_keys(aws, STAGING))
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    account = {"region": REGION, "profile": "staging", "sharedConfigFiles": [config]}
    assert identity(account) == STAGING


def test_shared_credentials_files(
    aws: MotoAws, shell: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = ini(shell / "team-credentials", "staging", role_keys(aws, STAGING))
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    account = {"region": REGION, "profile": "staging", "sharedCredentialsFiles": [credentials]}
    assert identity(account) == STAGING


def test_more_than_one_shared_file_is_refused_naming_the_key(shell: Path) -> None:
    account = {"region": REGION, "sharedConfigFiles": ["/a", "/b"]}
    with pytest.raises(ReleaseStepError, match=r"aws:sharedConfigFiles lists 2 files"):
        identity(account)


def test_assume_roles_is_a_chain_applied_in_order(shell: Path) -> None:
    # every optional argument, as the engine sends it (durationSeconds a double): botocore
    # validates AssumeRole's parameters, so a float or a bad shape would fail here
    first = {
        "roleArn": f"arn:aws:iam::{STAGING}:role/hop",
        "sessionName": "release-hop",
        "externalId": "ext-1234",
        "durationSeconds": 900.0,
        "policy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ),
        "policyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        "tags": {"stack": "dev"},
        "transitiveTagKeys": ["stack"],
        "sourceIdentity": "ci-runner",
    }
    second = {"roleArn": f"arn:aws:iam::{PROD}:role/deployer", "sessionName": None}
    assert identity({"region": REGION, "assumeRoles": [first]}) == STAGING
    assert identity({"region": REGION, "assumeRoles": [first, second]}) == PROD


def test_a_non_integral_duration_is_refused_naming_it(shell: Path) -> None:
    role = {"roleArn": f"arn:aws:iam::{STAGING}:role/hop", "durationSeconds": 900.5}
    with pytest.raises(ReleaseStepError, match=r"AssumeRole.DurationSeconds must be a whole"):
        identity({"region": REGION, "assumeRoles": [role]})


def test_allowed_account_ids(shell: Path) -> None:
    assert identity({"region": REGION, "allowedAccountIds": [BASE_ACCOUNT]}) == BASE_ACCOUNT
    with pytest.raises(ReleaseStepError) as refused:
        identity({"region": REGION, "allowedAccountIds": [STAGING, PROD]})
    message = str(refused.value)
    assert f"AWS account {BASE_ACCOUNT}" in message and "allowedAccountIds" in message
    assert STAGING in message


def test_forbidden_account_ids(shell: Path) -> None:
    assert identity({"region": REGION, "forbiddenAccountIds": [PROD]}) == BASE_ACCOUNT
    with pytest.raises(ReleaseStepError, match=f"account {BASE_ACCOUNT}.*forbiddenAccountIds"):
        identity({"region": REGION, "forbiddenAccountIds": [BASE_ACCOUNT]})


def test_unknown_account_keys_are_refused(shell: Path) -> None:
    with pytest.raises(ReleaseStepError, match=r"unknown keys \['skipCredentialsValidation'\]"):
        AccountClients({"region": REGION, "skipCredentialsValidation": True})


def test_a_wrong_account_fails_the_step_before_any_other_call(aws: MotoAws, shell: Path) -> None:
    ecs = aws.client("ecs")
    cluster = ecs.create_cluster(clusterName="wrong-account")["cluster"]["clusterArn"]
    props = {
        "account": {"region": REGION, "allowedAccountIds": [PROD]},
        "region": REGION,
        "cluster": cluster,
        "taskDefinition": "fullstack-dev-migrate:1",
        "containerName": "migrate",
        "subnets": ["subnet-a"],
        "securityGroups": ["sg-a"],
        "natInstanceIds": [],
    }
    with pytest.raises(ReleaseStepError, match="not one of aws:allowedAccountIds"):
        MigrationRunProvider(poll_seconds=0).create(props)
    assert ecs.list_tasks(cluster=cluster)["taskArns"] == []  # RunTask never sent


def test_no_credentials_is_one_line_that_says_what_to_do(
    shell: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(ReleaseStepError) as failed:
        identity({"region": REGION})
    message = str(failed.value)
    assert "\n" not in message and "no AWS credentials were found" in message
    assert "run `pulumi up` again" in message
