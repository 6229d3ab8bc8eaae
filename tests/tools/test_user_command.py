"""`stackctl user add|list|rm` against moto's cognito-idp.

The pool is made from the planned dev stack's own user pool (its username attribute, case
setting and password policy, as components/security/user_pool.py declares them), with an app
client like the web's. botocore validates every request against the cognito-idp model before
moto sees it; a user that `add` created signs in with InitiateAuth USER_PASSWORD_AUTH and gets
a token moto issued.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.config import aws_account
from stackctl import harness
from stackctl.__main__ import main
from stackctl.users import PasswordPolicy
from tests.conftest import plan_stack
from tests.data_helpers import only

REGION = "us-east-1"
EMAIL = "ana@example.com"
PASSWORD = "Correct horse 42"  # 16 characters, lower, upper, digit: the shipped policy
POOL = "aws:cognito/userPool:UserPool"


class Stdin(io.StringIO):
    def __init__(self, text: str, tty: bool = False) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def shipped_pool() -> dict[str, Any]:
    """CreateUserPool's arguments for the dev stack's pool as the program declares it."""
    pool = only(plan_stack("dev").of_type(POOL))
    policy = pool.get("passwordPolicy")
    case_sensitive = pool.get("usernameConfiguration")["caseSensitive"]
    admin_only = pool.get("adminCreateUserConfig")["allowAdminCreateUserOnly"]
    return {
        "PoolName": pool.get("name"),
        "UsernameAttributes": pool.get("usernameAttributes"),
        "UsernameConfiguration": {"CaseSensitive": case_sensitive},
        "AutoVerifiedAttributes": pool.get("autoVerifiedAttributes"),
        "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": admin_only},
        "Policies": {
            "PasswordPolicy": {
                # (numbers come through the engine's protobuf as floats)
                "MinimumLength": int(policy["minimumLength"]),
                "RequireLowercase": policy["requireLowercase"],
                "RequireUppercase": policy["requireUppercase"],
                "RequireNumbers": policy["requireNumbers"],
                "RequireSymbols": policy["requireSymbols"],
                "TemporaryPasswordValidityDays": int(policy["temporaryPasswordValidityDays"]),
            }
        },
    }


@dataclass
class Pool:
    cognito: Any
    pool_id: str
    client_id: str
    outputs: Path

    def sign_in(self, email: str, password: str) -> str:
        answer = self.cognito.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        return str(answer["AuthenticationResult"]["AccessToken"])

    def emails(self) -> list[str]:
        users = self.cognito.list_users(UserPoolId=self.pool_id)["Users"]
        return sorted(a["Value"] for u in users for a in u["Attributes"] if a["Name"] == "email")


@pytest.fixture
def pool(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Pool]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    params = shipped_pool()
    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool_id = cognito.create_user_pool(**params)["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="web",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        )["UserPoolClient"]["ClientId"]
        outputs = tmp_path / "outputs.json"
        outputs.write_text(json.dumps({"region": REGION, "userPoolId": pool_id}))
        yield Pool(cognito, pool_id, client_id, outputs)


def run(
    monkeypatch: pytest.MonkeyPatch, pool: Pool, *argv: str, stdin: str = "", tty: bool = False
) -> int:
    monkeypatch.setattr("sys.stdin", Stdin(stdin, tty))
    action, *rest = argv
    return main(["user", action, "--stack", "dev", "--outputs", str(pool.outputs), *rest])


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_the_test_pool_has_the_shipped_policy(pool: Pool) -> None:
    described = pool.cognito.describe_user_pool(UserPoolId=pool.pool_id)["UserPool"]
    policy = PasswordPolicy.of_pool(described)
    assert policy.minimum_length >= 12 and policy.uppercase and policy.numbers
    assert described["UsernameAttributes"] == ["email"]


def test_add_creates_a_user_who_signs_in_with_a_real_token(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sent: list[dict[str, Any]] = []
    real_session = aws_account.boto3_session

    def session(account: Any) -> Any:  # the command's own session, with a listener on its calls
        made = real_session(account)
        made.events.register(
            "provide-client-params.cognito-idp.AdminCreateUser",
            lambda params, **_: sent.append(dict(params)),
        )
        return made

    monkeypatch.setattr(aws_account, "boto3_session", session)
    assert run(monkeypatch, pool, "add", EMAIL, stdin=PASSWORD + "\n") == 0
    assert [call["MessageAction"] for call in sent] == ["SUPPRESS"]  # no invitation mail
    printed = capsys.readouterr()
    assert f"Added {EMAIL} to stack dev" in printed.out
    assert PASSWORD not in printed.out + printed.err
    user = pool.cognito.admin_get_user(UserPoolId=pool.pool_id, Username=EMAIL)
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email"] == EMAIL and attributes["email_verified"] == "true"
    assert user["UserStatus"] == "CONFIRMED"  # permanent: no new-password challenge
    token = pool.sign_in(EMAIL, PASSWORD)
    assert pool.cognito.get_user(AccessToken=token)["Username"] == user["Username"]


def test_add_asks_twice_without_echo_at_a_terminal(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert run(monkeypatch, pool, "add", EMAIL, tty=True) == 2
    assert one_line(capsys) == "user add: the two passwords differ; nothing was changed"
    assert pool.emails() == []
    answers = iter([PASSWORD, PASSWORD])
    assert run(monkeypatch, pool, "add", EMAIL, tty=True) == 0
    assert pool.sign_in(EMAIL, PASSWORD)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("Short 1a", "at least 12 characters (it has 8)"),
        ("all lower case 42", "an upper-case letter (A-Z)"),
        ("ALL UPPER CASE 42", "a lower-case letter (a-z)"),
        ("No digits in here", "a digit (0-9)"),
        (" Leading space 42", "no space at the start or the end"),
        ("Ümlauts are not 42", "only letters A-Z/a-z, digits and Cognito's special characters"),
    ],
)
def test_add_refuses_a_password_against_the_pools_policy_naming_the_rule(
    pool: Pool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    password: str,
    rule: str,
) -> None:
    assert run(monkeypatch, pool, "add", EMAIL, stdin=password) == 2
    err = one_line(capsys)
    assert err.startswith("user add: the password does not meet the user pool's password policy")
    assert rule in err and password.strip() not in err
    assert pool.emails() == []  # refused before AdminCreateUser


def test_the_policy_is_the_pools_not_a_copy(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pool.cognito.update_user_pool(
        UserPoolId=pool.pool_id,
        Policies={"PasswordPolicy": {"MinimumLength": 20, "RequireSymbols": True}},
    )
    assert run(monkeypatch, pool, "add", EMAIL, stdin="Abcdefghijk12") == 2
    err = one_line(capsys)
    assert "at least 20 characters (it has 13)" in err and "a special character" in err
    assert "upper-case" not in err  # no longer required by the pool


def test_a_password_cognito_refuses_leaves_no_half_made_user(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # moto refuses 99+ characters (real Cognito allows 256): AdminSetUserPassword fails after
    # AdminCreateUser succeeded, and the user is deleted again
    assert run(monkeypatch, pool, "add", EMAIL, stdin="Aa1" + "x" * 100) == 2
    assert "Cognito refused the password" in one_line(capsys)
    assert pool.emails() == []


def test_an_existing_user_is_refused_and_reset_password_sets_a_new_one(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, pool, "add", EMAIL, stdin=PASSWORD) == 0
    capsys.readouterr()
    assert run(monkeypatch, pool, "add", EMAIL.upper(), stdin="Another pass 43") == 2
    err = one_line(capsys)
    assert "is already a user of stack dev (status CONFIRMED)" in err
    assert f"user add --stack dev --reset-password {EMAIL}" in err  # stored in lower case
    assert pool.sign_in(EMAIL, PASSWORD)  # untouched
    assert run(monkeypatch, pool, "add", "--reset-password", EMAIL, stdin="Another pass 43") == 0
    assert "New password set for" in capsys.readouterr().out
    assert pool.sign_in(EMAIL, "Another pass 43")
    with pytest.raises(pool.cognito.exceptions.NotAuthorizedException):
        pool.sign_in(EMAIL, PASSWORD)
    # --reset-password of nobody
    assert run(monkeypatch, pool, "add", "--reset-password", "bo@example.com", stdin=PASSWORD) == 2
    assert "has no user bo@example.com; add one without --reset-password" in one_line(capsys)


def test_a_password_on_the_command_line_is_refused_unseen(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, pool, "add", EMAIL, PASSWORD, stdin=PASSWORD) == 2
    printed = capsys.readouterr()
    assert "argument(s) too many (not shown)" in printed.err and "shell history" in printed.err
    assert PASSWORD not in printed.out + printed.err
    assert pool.emails() == []
    # and argparse has no option that takes one
    with pytest.raises(SystemExit):
        run(monkeypatch, pool, "add", EMAIL, "--password", PASSWORD)


def test_not_an_email_is_refused_before_aws(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, pool, "add", "ana", stdin=PASSWORD) == 2
    assert "'ana' is not an email address" in one_line(capsys)


def test_list_shows_email_status_enabled_created_and_no_token(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, pool, "list") == 0
    assert "none yet: `python -m stackctl user add --stack dev EMAIL`" in capsys.readouterr().out
    for email in (EMAIL, "bo@example.com"):
        assert run(monkeypatch, pool, "add", email, stdin=PASSWORD) == 0
    token = pool.sign_in(EMAIL, PASSWORD)
    pool.cognito.admin_disable_user(UserPoolId=pool.pool_id, Username="bo@example.com")
    capsys.readouterr()
    assert run(monkeypatch, pool, "list") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"Users of stack dev (user pool {pool.pool_id}, {REGION}):"
    assert lines[1].split()[:3] == ["ana@example.com", "CONFIRMED", "enabled"]
    assert lines[2].split()[:3] == ["bo@example.com", "CONFIRMED", "DISABLED"]
    assert all("created 20" in line and line.endswith(" UTC") for line in lines[1:])
    assert token not in out and "eyJ" not in out and PASSWORD not in out


def test_rm_asks_first_unless_yes(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, pool, "add", EMAIL, stdin=PASSWORD) == 0
    capsys.readouterr()
    # no terminal, no --yes: refused
    assert run(monkeypatch, pool, "rm", EMAIL) == 2
    assert "pass --yes to delete" in one_line(capsys)
    # a terminal: the answer decides
    monkeypatch.setattr("builtins.input", lambda question: "n")
    assert run(monkeypatch, pool, "rm", EMAIL, tty=True) == 1
    assert pool.emails() == [EMAIL]
    monkeypatch.setattr("builtins.input", lambda question: "y")
    assert run(monkeypatch, pool, "rm", EMAIL, tty=True) == 0
    assert pool.emails() == []
    assert run(monkeypatch, pool, "add", EMAIL, stdin=PASSWORD) == 0
    assert run(monkeypatch, pool, "rm", EMAIL, "--yes") == 0
    assert pool.emails() == []
    capsys.readouterr()
    assert run(monkeypatch, pool, "rm", EMAIL, "--yes") == 2
    assert one_line(capsys) == f"user rm: stack dev has no user {EMAIL}; nothing removed"


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (["auth=open"], "its `auth` is 'open', and only `auth: cognito` has users"),
        (["auth=none"], "`pulumi config set auth cognito --stack dev`"),
        ([], "its `auth` is cognito, but the stack was deployed without a user pool"),
    ],
)
def test_a_stack_without_a_user_pool_says_what_to_set(
    pool: Pool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    overrides: list[str],
    says: str,
) -> None:
    monkeypatch.setattr(
        harness, "stack_config", functools.partial(harness.stack_config, overrides=overrides)
    )
    pool.outputs.write_text(json.dumps({"region": REGION}))
    for argv in (("list",), ("add", EMAIL), ("rm", EMAIL, "--yes")):
        assert run(monkeypatch, pool, *argv, stdin=PASSWORD) == 2
        err = one_line(capsys)
        assert err.startswith(f"user {argv[0]}: stack dev has ") and says in err
        assert "pulumi up --stack dev" in err


def test_a_pool_that_is_not_there_is_one_line(
    pool: Pool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pool.outputs.write_text(json.dumps({"region": REGION, "userPoolId": f"{REGION}_gone"}))
    assert run(monkeypatch, pool, "list") == 2
    err = one_line(capsys)
    assert err.startswith("user list: stack dev is not deployed in this account/region")
