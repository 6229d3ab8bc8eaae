"""The stack's `aws:` keys: each honoured one reaches the explicit provider (as the engine would
receive it) and, when it chooses the account, the release steps' `account`; each refused one
stops `pulumi up` at settings load, naming the key, before any resource exists."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.config.aws_account import (
    HONOURED,
    REFUSED,
    AccountError,
    boto3_session,
    parse_duration,
)
from components.config.reader import SettingsError, parse_settings
from components.config.settings import AWS_PROVIDER_KEYS
from components.kit.provider import account
from stackctl.harness import Graph, ProgramError, Resource, run_program, stack_config

ROLE = "arn:aws:iam::123456789012:role/deploy"
ROLES = [
    {
        "roleArn": ROLE,
        "sessionName": "ci-deploy",
        "externalId": "ext-1",
        "duration": "1h30m",
        "policy": '{"Version":"2012-10-17","Statement":[]}',
        "policyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
        "tags": {"team": "web"},
        "transitiveTagKeys": ["team"],
        "sourceIdentity": "alice",
    }
]

# key -> (value as `pulumi config set` stores it, the provider's input as the engine receives it)
HONOURED_CASES: dict[str, tuple[str, Any]] = {
    "profile": ("staging", "staging"),
    "sharedConfigFiles": ('["~/.aws/config-work"]', ["~/.aws/config-work"]),
    "sharedCredentialsFiles": ('["~/.aws/credentials-work"]', ["~/.aws/credentials-work"]),
    "assumeRoles": (
        json.dumps(ROLES),
        [{**{k: v for k, v in ROLES[0].items() if k != "duration"}, "duration": "5400s"}],
    ),
    "allowedAccountIds": ('["123456789012"]', ["123456789012"]),
    "skipCredentialsValidation": ("true", True),
    "skipMetadataApiCheck": ("true", True),
    "skipRegionValidation": ("false", False),
    "skipRequestingAccountId": ("true", True),
    "maxRetries": ("7", 7),
    "retryMode": ("adaptive", "adaptive"),
    "tokenBucketRateLimiterCapacity": ("1000", 1000),
    "userAgents": ('["team-web/1.0"]', ["team-web/1.0"]),
    "ignoreTags": ('{"keyPrefixes": ["kubernetes.io/"]}', {"keyPrefixes": ["kubernetes.io/"]}),
    "tagPolicyCompliance": ("warning", "warning"),
}
# forbiddenAccountIds conflicts with allowedAccountIds: its own run.
FORBIDDEN_CASE = ('["210987654321"]', ["210987654321"])


def _input(provider: Resource, key: str) -> Any:
    value = provider.get(key)
    # Providers receive non-string inputs as JSON strings (pulumi_aws/provider.py: to_json).
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def _overrides(cases: dict[str, tuple[str, Any]]) -> list[str]:
    return [f"aws:{key}={value}" for key, (value, _) in cases.items()]


@pytest.fixture(scope="module")
def honoured_graph() -> Graph:
    return run_program("dev", _overrides(HONOURED_CASES))


@pytest.fixture(scope="module")
def provider(honoured_graph: Graph) -> Resource:
    (found,) = honoured_graph.of_type("pulumi:providers:aws")
    return found


def test_every_provider_key_is_either_honoured_or_refused() -> None:
    """A new key of pulumi_aws (AWS_PROVIDER_KEYS follows its config/vars.py) needs a decision."""
    assert set(HONOURED) | set(REFUSED) == AWS_PROVIDER_KEYS
    assert not set(HONOURED) & set(REFUSED)
    assert set(HONOURED_CASES) | {"region", "forbiddenAccountIds"} == set(HONOURED)


@pytest.mark.parametrize("key", sorted(HONOURED_CASES))
def test_each_honoured_key_reaches_the_explicit_provider(provider: Resource, key: str) -> None:
    assert _input(provider, key) == HONOURED_CASES[key][1]


def test_forbidden_account_ids_reach_the_provider() -> None:
    graph = run_program("dev", [f"aws:forbiddenAccountIds={FORBIDDEN_CASE[0]}"])
    (found,) = graph.of_type("pulumi:providers:aws")
    assert _input(found, "forbiddenAccountIds") == FORBIDDEN_CASE[1]


def test_unset_keys_stay_unset_on_the_provider(plan: Any) -> None:
    graph = plan("dev")
    (found,) = graph.of_type("pulumi:providers:aws")
    for key in ("profile", "assumeRoles", "allowedAccountIds", "sharedConfigFiles"):
        assert found.get(key) is None, key


def test_profile_staging_with_allowed_ids_reaches_the_provider_and_the_release_account() -> None:
    overrides = ["aws:profile=staging", 'aws:allowedAccountIds=["123456789012"]']
    graph = run_program("dev", overrides)
    (found,) = graph.of_type("pulumi:providers:aws")
    assert found.get("profile") == "staging"
    assert _input(found, "allowedAccountIds") == ["123456789012"]
    project, raw = stack_config("dev", overrides)
    release = account(parse_settings(project, "dev", raw))
    assert release["profile"] == "staging"
    assert release["allowedAccountIds"] == ["123456789012"]
    assert release["region"] == found.get("region")


def test_the_release_account_has_exactly_the_agreed_schema() -> None:
    project, raw = stack_config("dev", _overrides(HONOURED_CASES))
    release = account(parse_settings(project, "dev", raw))
    assert release == {
        "region": "us-east-1",
        "profile": "staging",
        "sharedConfigFiles": ["~/.aws/config-work"],
        "sharedCredentialsFiles": ["~/.aws/credentials-work"],
        "assumeRoles": [
            {
                "roleArn": ROLE,
                "sessionName": "ci-deploy",
                "externalId": "ext-1",
                "durationSeconds": 5400,
                "policy": ROLES[0]["policy"],
                "policyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                "tags": {"team": "web"},
                "transitiveTagKeys": ["team"],
                "sourceIdentity": "alice",
            }
        ],
        "allowedAccountIds": ["123456789012"],
        "forbiddenAccountIds": None,
    }
    json.dumps(release)  # plain JSON values: it crosses the engine as a resource input


def test_an_unquoted_account_id_in_yaml_is_read_as_the_id() -> None:
    raw = {"aws:region": "us-east-1", "fullstack:profile": "lab"}
    raw["aws:allowedAccountIds"] = "[123456789012]"  # YAML `- 123456789012` is a number
    assert account(parse_settings("fullstack", "dev", raw))["allowedAccountIds"] == ["123456789012"]


# -- refused keys and bad values: through settings load, as `pulumi up` runs it -------------------

REFUSED_VALUES = {
    "accessKey": "AKIAIOSFODNN7EXAMPLE",
    "secretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "token": "FwoGZXIvYXdzEXAMPLE",
    "assumeRoleWithWebIdentity": json.dumps({"roleArn": ROLE, "webIdentityTokenFile": "/t"}),
    "endpoints": json.dumps([{"s3": "http://localhost:4566"}]),
    "customCaBundle": "/etc/ca.pem",
    "httpProxy": "http://proxy:3128",
    "httpsProxy": "http://proxy:3128",
    "noProxy": "localhost",
    "insecure": "true",
    "ec2MetadataServiceEndpoint": "http://169.254.169.254",
    "ec2MetadataServiceEndpointMode": "IPv6",
    "useFipsEndpoint": "true",
    "useDualstackEndpoint": "true",
    "stsRegion": "us-west-2",
    "s3UsePathStyle": "true",
    "s3UsEast1RegionalEndpoint": "regional",
    "defaultTags": json.dumps({"tags": {"team": "web"}}),
}


def _refused_by_the_program(overrides: list[str]) -> SettingsError:
    with pytest.raises(ProgramError) as caught:
        run_program("dev", overrides)
    assert caught.value.graph.resources == [], "nothing may be registered before validation"
    error = caught.value.error
    assert isinstance(error, SettingsError)
    return error


def test_every_refused_key_has_a_case() -> None:
    assert set(REFUSED_VALUES) == set(REFUSED)


@pytest.mark.parametrize("key", sorted(REFUSED))
def test_each_refused_key_stops_the_program_naming_it(key: str) -> None:
    value = REFUSED_VALUES[key]
    raw = {"aws:region": "us-east-1", "fullstack:profile": "lab", f"aws:{key}": value}
    with pytest.raises(SettingsError) as caught:
        parse_settings("fullstack", "dev", raw)
    (problem,) = caught.value.problems
    assert problem.startswith(f"aws:{key} = ") and "not honoured" in problem
    assert REFUSED[key] in problem, "says why and what to do instead"
    if key in ("accessKey", "secretKey", "token"):
        assert value not in str(caught.value), "a credential is never echoed"


def test_a_refused_key_stops_pulumi_up_before_any_resource() -> None:
    error = _refused_by_the_program(["aws:secretKey=abc", "aws:accessKey=AKIAEXAMPLE"])
    assert {p.split(" ")[0] for p in error.problems} == {"aws:secretKey", "aws:accessKey"}
    assert "abc" not in str(error)


BAD_VALUES = {
    "allowedAccountIds": ('["1234"]', "12-digit"),
    "forbiddenAccountIds": ("123456789012", "12-digit"),
    "sharedConfigFiles": ('["a", "b"]', "exactly one path"),
    "sharedCredentialsFiles": ("[]", "one path"),
    "profile": (" ", "profile name"),
    "assumeRoles": ('{"roleArn": "deploy"}', "a list of"),
    "skipCredentialsValidation": ("yes", "true, false"),
    "maxRetries": ("-1", "whole number"),
    "retryMode": ("legacy", "standard, adaptive"),
    "tokenBucketRateLimiterCapacity": ("0", "whole number"),
    "userAgents": ('"x"', "list of strings"),
    "ignoreTags": ('{"key": ["a"]}', "keyPrefixes"),
    "tagPolicyCompliance": ("strict", "error, warning, disabled"),
}


@pytest.mark.parametrize("key", sorted(BAD_VALUES))
def test_a_bad_value_of_an_honoured_key_names_key_value_and_what_is_allowed(key: str) -> None:
    value, allowed = BAD_VALUES[key]
    raw = {"aws:region": "us-east-1", "fullstack:profile": "lab", f"aws:{key}": value}
    with pytest.raises(SettingsError) as caught:
        parse_settings("fullstack", "dev", raw)
    (problem,) = caught.value.problems
    assert problem.startswith(f"aws:{key} = {json.dumps(value)}"), problem
    assert allowed in problem


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("duration", "10m", "15m to 12h"),
        ("duration", "13h", "15m to 12h"),
        ("duration", "an hour", "15m to 12h"),
        ("sessionName", "a b", "2-64 characters"),
        ("roleArn", "arn:aws:iam::123:role/x", "IAM role ARN"),
        ("policyArns", ["ReadOnlyAccess"], "IAM policy ARNs"),
        ("durationSeconds", 3600, "the fields roleArn"),
    ],
)
def test_a_bad_role_field_is_named_with_its_index(field: str, value: Any, allowed: str) -> None:
    role = {"roleArn": ROLE, field: value}
    raw = {"aws:region": "us-east-1", "fullstack:profile": "lab"}
    raw["aws:assumeRoles"] = json.dumps([role])
    with pytest.raises(SettingsError) as caught:
        parse_settings("fullstack", "dev", raw)
    (problem,) = caught.value.problems
    assert problem.startswith(f"aws:assumeRoles[0].{field} = "), problem
    assert allowed in problem


def test_allowed_and_forbidden_together_are_refused_as_the_provider_would() -> None:
    error = _refused_by_the_program(
        ['aws:allowedAccountIds=["123456789012"]', 'aws:forbiddenAccountIds=["210987654321"]']
    )
    assert any("both set" in p for p in error.problems)


def test_go_durations_as_the_provider_takes_them() -> None:
    assert parse_duration("1h") == 3600
    assert parse_duration("1h30m") == 5400
    assert parse_duration("900s") == 900
    assert parse_duration("") is None
    assert parse_duration("1d") is None


# -- the session builder of the release steps and stackctl, against botocore (moto's STS) --------


@pytest.fixture
def credentials_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    path = tmp_path / "credentials"
    path.write_text(
        "[staging]\naws_access_key_id = AKIASTAGINGEXAMPLE\n"
        "aws_secret_access_key = stagingsecretexample\n"
    )
    from moto import mock_aws

    with mock_aws():
        yield path


def _account(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "region": "us-east-1",
        "profile": None,
        "sharedConfigFiles": None,
        "sharedCredentialsFiles": None,
        "assumeRoles": [],
        "allowedAccountIds": None,
        "forbiddenAccountIds": None,
    }
    return {**base, **values}


def test_the_session_uses_the_profile_of_the_credentials_file(credentials_file: Path) -> None:
    session = boto3_session(
        _account(profile="staging", sharedCredentialsFiles=[str(credentials_file)])
    )
    assert session.get_credentials().access_key == "AKIASTAGINGEXAMPLE"
    assert session.region_name == "us-east-1"


def test_the_session_assumes_the_role_chain_with_every_field(credentials_file: Path) -> None:
    """Every AssumeRole argument passes botocore's own parameter validation (moto's STS)."""
    role = dict(HONOURED_CASES["assumeRoles"][1][0])
    role.pop("duration")
    role["durationSeconds"] = 5400
    session = boto3_session(
        _account(
            profile="staging",
            sharedCredentialsFiles=[str(credentials_file)],
            assumeRoles=[role],
            allowedAccountIds=["123456789012"],
        )
    )
    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/deploy/ci-deploy")


def test_the_session_refuses_an_account_that_is_not_allowed(credentials_file: Path) -> None:
    account_of = _account(
        profile="staging",
        sharedCredentialsFiles=[str(credentials_file)],
        allowedAccountIds=["210987654321"],
    )
    with pytest.raises(AccountError, match="not one of aws:allowedAccountIds"):
        boto3_session(account_of)
    with pytest.raises(AccountError, match="forbiddenAccountIds"):
        boto3_session(
            _account(
                profile="staging",
                sharedCredentialsFiles=[str(credentials_file)],
                forbiddenAccountIds=["123456789012"],
            )
        )


def test_stackctl_commands_build_their_session_from_the_stacks_account(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """migrate/rollback/status/logs act in the account `pulumi up` deploys into."""
    import argparse

    import components.config.aws_account
    import stackctl.harness
    from stackctl import ops

    raw = {
        "aws:region": "eu-west-1",
        "fullstack:profile": "lab",
        "aws:profile": "staging",
        "aws:allowedAccountIds": '["123456789012"]',
        "aws:assumeRoles": json.dumps([{"roleArn": ROLE}]),
    }
    monkeypatch.setattr(stackctl.harness, "stack_config", lambda stack: ("fullstack", raw))
    seen: list[dict[str, Any]] = []

    def record(account: dict[str, Any]) -> None:
        seen.append(account)

    monkeypatch.setattr(components.config.aws_account, "boto3_session", record)
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(_OUTPUTS))
    args = argparse.Namespace(stack="dev", outputs=str(outputs), region=None)
    ops._outputs_and_clients(args)
    expected = account(parse_settings("fullstack", "dev", raw))
    assert seen == [{**expected, "region": "us-east-1"}]  # the outputs' region, as documented


_OUTPUTS = {
    "clusterName": "c",
    "serviceNames": {"api": "a"},
    "migrationTaskFamily": "f",
    "migrationNetworkConfiguration": {
        "subnets": ["subnet-1"],
        "securityGroups": ["sg-1"],
        "assignPublicIp": "DISABLED",
    },
    "migrationContainerName": "m",
    "logGroupNames": {"api": "/a"},
    "siteUrl": "https://x",
    "apiUrl": "https://x/api",
    "region": "us-east-1",
}
