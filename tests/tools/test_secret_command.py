"""`stackctl secret set|list|rm` and the deploy-time check, against moto's Systems Manager.

moto keeps the parameters; botocore validates every request against the service model before
moto sees it. The contract used declares STRIPE_API_KEY (api, worker; required) and
OAUTH_CLIENT_SECRET (web; optional).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.config.app_contract import CONTRACT_ENV, CONTRACT_PATH, load_contract
from components.kit.app_secrets import AppSecretsCheckProvider, check_props
from components.kit.naming import Naming
from components.kit.release_aws import ReleaseStepError
from stackctl.__main__ import main

REGION = "us-east-1"
VALUE = "sk_live_0123456789abcdef"
APP_SECRETS = {
    "STRIPE_API_KEY": {"services": ["api", "worker"], "doc": "Stripe secret key"},
    "OAUTH_CLIENT_SECRET": {"services": ["web"], "doc": "OAuth client secret", "optional": True},
}


class Stdin(io.StringIO):
    def __init__(self, text: str, tty: bool = False) -> None:
        super().__init__(text)
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.fixture
def ssm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    contract: dict[str, Any] = json.loads(CONTRACT_PATH.read_text())
    contract["appSecrets"] = APP_SECRETS
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(contract))
    monkeypatch.setenv(CONTRACT_ENV, str(path))
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield boto3.client("ssm", region_name=REGION)


def run(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "", tty: bool = False) -> int:
    monkeypatch.setattr("sys.stdin", Stdin(stdin, tty))
    return main(["secret", *argv])


def parameter(ssm: Any, name: str, stack: str = "dev") -> dict[str, Any]:
    found: dict[str, Any] = ssm.get_parameter(
        Name=f"/fullstack/{stack}/app-secrets/{name}", WithDecryption=True
    )["Parameter"]
    return found


def test_set_stores_stdin_as_a_securestring_under_the_stacks_path(
    ssm: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, "set", "--stack", "dev", "STRIPE_API_KEY", stdin=VALUE + "\n") == 0
    stored = parameter(ssm, "STRIPE_API_KEY")
    assert stored["Type"] == "SecureString" and stored["Value"] == VALUE  # newline dropped
    described = ssm.describe_parameters()["Parameters"][0]
    assert described["Tier"] == "Standard" and "KeyId" in described  # aws/ssm
    printed = capsys.readouterr()
    assert "Stored STRIPE_API_KEY for stack dev" in printed.out and "api, worker" in printed.out
    assert VALUE not in printed.out + printed.err
    # again: a new version of the same parameter
    assert run(monkeypatch, "set", "--stack", "dev", "STRIPE_API_KEY", stdin="v2") == 0
    assert parameter(ssm, "STRIPE_API_KEY")["Value"] == "v2"
    assert parameter(ssm, "STRIPE_API_KEY")["Version"] == 2


def test_set_asks_twice_without_echo_at_a_terminal(
    ssm: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([VALUE, VALUE, VALUE, "typo"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert run(monkeypatch, "set", "--stack", "prod", "STRIPE_API_KEY", tty=True) == 0
    assert parameter(ssm, "STRIPE_API_KEY", "prod")["Value"] == VALUE
    assert run(monkeypatch, "set", "--stack", "prod", "STRIPE_API_KEY", tty=True) == 2
    assert "the two values differ; nothing was stored" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "stdin", "expected"),
    [
        (("STRIPE_API_KEY", VALUE), "", "argument(s) too many after the name (not shown)"),
        (("UNDECLARED_KEY",), "x", "UNDECLARED_KEY is not declared in app/contract.json"),
        (("lower",), "x", "'lower' is not a secret name"),
        (("STRIPE_API_KEY",), "\n", "the value is empty; nothing was stored"),
        (("STRIPE_API_KEY",), "x" * 4097, "a standard parameter holds at most 4096"),
    ],
)
def test_set_refusals_are_one_line_and_never_echo_the_value(  # noqa: PLR0917 (fixtures)
    ssm: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    stdin: str,
    expected: str,
) -> None:
    assert run(monkeypatch, "set", "--stack", "dev", *argv, stdin=stdin) == 2
    err = capsys.readouterr().err
    assert err.startswith("secret set: ") and expected in err and err.count("\n") == 1, err
    assert VALUE not in err
    assert ssm.describe_parameters()["Parameters"] == []


def test_list_shows_names_services_and_state_never_values(
    ssm: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(monkeypatch, "list", "--stack", "dev") == 1  # a required one is not set
    out = capsys.readouterr().out
    assert "STRIPE_API_KEY" in out and "NOT SET" in out
    assert "python -m stackctl secret set --stack dev STRIPE_API_KEY" in out
    run(monkeypatch, "set", "--stack", "dev", "STRIPE_API_KEY", stdin=VALUE)
    ssm.put_parameter(Name="/fullstack/dev/app-secrets/OLD_KEY", Value="x", Type="SecureString")
    ssm.put_parameter(Name="/fullstack/prod/app-secrets/STRIPE_API_KEY", Value="x", Type="String")
    capsys.readouterr()
    assert run(monkeypatch, "list", "--stack", "dev") == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:] if line.strip()}
    assert "required" in lines["STRIPE_API_KEY"] and "api, worker" in lines["STRIPE_API_KEY"]
    assert "set (changed " in lines["STRIPE_API_KEY"]
    assert "optional" in lines["OAUTH_CLIENT_SECRET"] and "not set" in lines["OAUTH_CLIENT_SECRET"]
    assert "not declared" in lines["OLD_KEY"]
    assert VALUE not in out
    # another stack's parameters are not this stack's; a plain String is not ready
    assert run(monkeypatch, "list", "--stack", "prod") == 1
    assert "stored as String, not SecureString" in capsys.readouterr().out


def test_rm_deletes_and_says_what_a_required_secret_means(
    ssm: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run(monkeypatch, "set", "--stack", "dev", "STRIPE_API_KEY", stdin=VALUE)
    capsys.readouterr()
    assert run(monkeypatch, "rm", "--stack", "dev", "STRIPE_API_KEY") == 0
    out = capsys.readouterr().out
    assert "Removed STRIPE_API_KEY" in out and "the next `pulumi up` refuses" in out
    assert ssm.describe_parameters()["Parameters"] == []
    assert run(monkeypatch, "rm", "--stack", "dev", "STRIPE_API_KEY") == 2
    err = capsys.readouterr().err
    assert err == "secret rm: STRIPE_API_KEY is not set for stack dev; nothing removed\n"


def test_aws_failures_are_one_line(
    ssm: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert run(monkeypatch, "list", "--stack", "dev") == 2
    err = capsys.readouterr().err
    assert err.startswith("secret list: no AWS credentials found") and err.count("\n") == 1
    assert run(monkeypatch, "list", "--stack", "nosuchstack") == 2
    assert "nosuchstack" in capsys.readouterr().err


# -- the deploy-time check (components/kit/app_secrets.py) -------------------------------------


def provider_props(stack: str = "dev") -> dict[str, Any]:
    return check_props(load_contract(), Naming("fullstack", stack), {"region": REGION})


def test_the_check_refuses_a_missing_required_secret_naming_it_and_the_command(
    ssm: Any,
) -> None:
    provider = AppSecretsCheckProvider(clients=lambda service, region: ssm)
    with pytest.raises(ReleaseStepError) as refused:
        provider.create(provider_props())
    message = str(refused.value)
    assert "STRIPE_API_KEY (for api, worker) is not set" in message
    assert "`python -m stackctl secret set --stack dev STRIPE_API_KEY`" in message
    assert "OAUTH_CLIENT_SECRET" not in message  # optional
    ssm.put_parameter(Name="/fullstack/dev/app-secrets/STRIPE_API_KEY", Value="x", Type="String")
    with pytest.raises(ReleaseStepError, match="stored as a String parameter"):
        provider.update("id", {}, provider_props())
    ssm.put_parameter(
        Name="/fullstack/dev/app-secrets/STRIPE_API_KEY",
        Value="x",
        Type="SecureString",
        Overwrite=True,
    )
    created = provider.create(provider_props())
    assert created.outs == provider_props()  # inputs only: no value, no parameter data
    # every `up` checks again
    assert provider.diff("id", provider_props(), provider_props()).changes is True
