"""`stackctl doctor`: each check against real programs and libraries the test controls.

The Pulumi and Docker CLIs are small shell scripts first on PATH, run by a real subprocess and
printing what the real ones print: `pulumi version` prints `v3.272.0` (the SDK strips the `v`,
pulumi/sdk/python/lib/pulumi/automation/_cmd.py), `pulumi whoami -v` prints `User:`,
`Organizations:`, `Backend URL:` and `Token type:` lines (pkg/cmd/pulumi/whoami/whoami.go), and
`docker buildx inspect` prints `Name:`/`Driver:` and a `Platforms:` line per node, a `*` after a
platform set by hand (docker/buildx docs/reference/buildx_inspect.md). STS is moto's.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stackctl.doctor import (
    builder_platforms,
    check_aws,
    check_backend,
    check_docker,
    check_prices,
    check_pulumi,
    required_pulumi,
    run_command,
)
from stackctl.prices import load_prices

WHOAMI = "User: alice\nOrganizations: alice, acme\nBackend URL: {url}\nToken type: personal\n"
NOT_LOGGED_IN = (
    "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions"
)
INSPECT = """Name:          elated_tesla
Driver:        docker-container
Last Activity: 2026-11-30 12:42:47 +0100 CET

Nodes:
Name:      elated_tesla0
Endpoint:  unix:///var/run/docker.sock
Status:    running
Buildkit:  v0.17.3
Platforms: {platforms}
"""


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory that is the whole PATH: only the scripts a test writes exist."""
    directory = tmp_path / "bin"
    directory.mkdir()
    monkeypatch.setenv("PATH", str(directory))
    return directory


def script(directory: Path, name: str, cases: dict[str, tuple[int, str, str]]) -> None:
    """`name` answering `"$*"` (its arguments joined) with (exit code, stdout, stderr)."""
    lines = ["#!/bin/sh", 'case "$*" in']
    for args, (code, out, err) in cases.items():
        out_file = directory / f"{name}-{len(lines)}.out"
        err_file = directory / f"{name}-{len(lines)}.err"
        out_file.write_text(out)
        err_file.write_text(err)
        lines.append(f'  "{args}") /bin/cat "{out_file}"; /bin/cat "{err_file}" >&2; exit {code};;')
    lines += ['  *) echo "unexpected arguments: $*" >&2; exit 99;;', "esac"]
    path = directory / name
    path.write_text("\n".join(lines) + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


# -- Pulumi CLI ---------------------------------------------------------------------------------


def test_the_required_version_is_the_sdk_pin_not_a_provider_pin(tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pulumi-aws==7.51.1\npulumi==3.272.0\npulumi-random==4.21.4\n")
    assert required_pulumi(requirements) == (3, 272, 0)
    assert required_pulumi()[0] == 3  # the project's own requirements.txt


@pytest.mark.parametrize(
    ("printed", "status", "words"),
    [
        ("v3.272.0\n", "ok", "Pulumi CLI 3.272.0"),
        ("v3.280.1\n", "ok", "at least 3.272.0"),
        ("v3.150.0\n", "problem", "older than 3.272.0"),
        ("v4.0.0\n", "problem", "another major version"),
    ],
)
def test_pulumi_version_against_the_sdk_pin(
    bin_dir: Path, printed: str, status: str, words: str
) -> None:
    script(bin_dir, "pulumi", {"version": (0, printed, "")})
    finding = check_pulumi(run_command, (3, 272, 0))
    assert finding.status == status and words in finding.text
    if status == "problem":
        assert "--version 3.272.0" in finding.fix


def test_no_pulumi_cli_is_a_problem_naming_the_install(bin_dir: Path) -> None:
    finding = check_pulumi(run_command, (3, 272, 0))
    assert finding.status == "problem" and "not on PATH" in finding.text
    assert "get.pulumi.com" in finding.fix


# -- Docker -------------------------------------------------------------------------------------


def test_platforms_of_every_node_without_the_hand_set_mark() -> None:
    text = INSPECT.format(platforms="linux/arm64*, linux/arm/v7") + (
        "\nName:      elated_tesla1\nPlatforms: linux/amd64\n"
    )
    assert builder_platforms(text) == (
        "elated_tesla",
        ["linux/arm64", "linux/arm/v7", "linux/amd64"],
    )


def test_images_registry_needs_no_docker(bin_dir: Path) -> None:
    finding = check_docker(run_command, "registry", "ARM64", "linux/arm64")
    assert finding.status == "ok" and "not needed" in finding.text


def test_a_builder_with_the_target_platform_passes(bin_dir: Path) -> None:
    script(
        bin_dir,
        "docker",
        {
            "buildx version": (0, "github.com/docker/buildx v0.19.3 48d6a39\n", ""),
            "buildx inspect --bootstrap": (
                0,
                INSPECT.format(platforms="linux/amd64, linux/arm64*"),
                "",
            ),
        },
    )
    finding = check_docker(run_command, "build", "ARM64", "linux/arm64")
    assert finding.status == "ok" and "elated_tesla builds linux/arm64" in finding.text


def test_a_builder_without_the_target_platform_names_qemu_or_the_dial(bin_dir: Path) -> None:
    script(
        bin_dir,
        "docker",
        {
            "buildx version": (0, "github.com/docker/buildx v0.19.3 48d6a39\n", ""),
            "buildx inspect --bootstrap": (
                0,
                INSPECT.format(platforms="linux/amd64, linux/386"),
                "",
            ),
        },
    )
    finding = check_docker(run_command, "build", "ARM64", "linux/arm64")
    assert finding.status == "problem" and "cannot build linux/arm64" in finding.text
    assert "tonistiigi/binfmt --install arm64" in finding.fix and "cpuArchitecture" in finding.fix


def test_docker_without_buildx_or_without_a_daemon(bin_dir: Path) -> None:
    script(
        bin_dir,
        "docker",
        {"buildx version": (1, "", "docker: 'buildx' is not a docker command.\n")},
    )
    finding = check_docker(run_command, "build", "X86_64", "linux/amd64")
    assert finding.status == "problem" and "no buildx plugin" in finding.text
    script(
        bin_dir,
        "docker",
        {
            "buildx version": (0, "github.com/docker/buildx v0.19.3 48d6a39\n", ""),
            "buildx inspect --bootstrap": (
                1,
                "",
                "ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                "Is the docker daemon running?\n",
            ),
        },
    )
    finding = check_docker(run_command, "build", "X86_64", "linux/amd64")
    assert finding.status == "problem" and "Cannot connect to the Docker daemon" in finding.text
    assert "start the Docker daemon" in finding.fix


def test_no_docker_with_images_build_is_a_problem(bin_dir: Path) -> None:
    finding = check_docker(run_command, "build", "ARM64", "linux/arm64")
    assert finding.status == "problem" and "docker is not on PATH" in finding.text


# -- state backend ------------------------------------------------------------------------------


def test_the_backend_is_the_stacks_state_bucket(bin_dir: Path) -> None:
    url = "s3://fullstack-state-123456789012-us-east-1?region=us-east-1"
    script(bin_dir, "pulumi", {"whoami -v": (0, WHOAMI.format(url=url), "")})
    ok = check_backend(run_command, "fullstack-state-123456789012-us-east-1")
    assert ok.status == "ok" and url in ok.text and "the last `pulumi login`" in ok.text
    wrong = check_backend(run_command, "another-bucket", env_url=url)
    assert wrong.status == "problem" and "stateBucket is another-bucket" in wrong.text
    assert "s3://another-bucket" in wrong.fix and "unset PULUMI_BACKEND_URL" in wrong.fix
    unset = check_backend(run_command, None)
    assert unset.status == "warn" and "CI roles" in unset.text


def test_pulumi_cloud_without_a_state_bucket_passes(bin_dir: Path) -> None:
    script(
        bin_dir, "pulumi", {"whoami -v": (0, WHOAMI.format(url="https://app.pulumi.com/alice"), "")}
    )
    finding = check_backend(run_command, None, project_url="https://api.pulumi.com")
    assert finding.status == "ok" and "Pulumi.yaml backend.url" in finding.text


def test_not_logged_in_names_the_login(bin_dir: Path) -> None:
    script(bin_dir, "pulumi", {"whoami -v": (255, "", NOT_LOGGED_IN + "\n")})
    finding = check_backend(run_command, "my-state")
    assert finding.status == "problem" and "PULUMI_ACCESS_TOKEN must be set" in finding.text
    assert "pulumi login 's3://my-state" in finding.fix


# -- AWS ----------------------------------------------------------------------------------------


@pytest.fixture
def sts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's STS (account 123456789012), plain keys, no shared files."""
    from moto import mock_aws

    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    with mock_aws():
        yield


def _account(**values: Any) -> dict[str, Any]:
    return {"region": "eu-west-1", "assumeRoles": [], **values}


def test_the_allowed_account_passes(sts: None) -> None:
    finding = check_aws(_account(allowedAccountIds=["123456789012"]), "dev")
    assert finding.status == "ok" and "123456789012 in eu-west-1" in finding.text


def test_another_account_is_a_problem(sts: None) -> None:
    finding = check_aws(_account(allowedAccountIds=["111111111111"]), "dev")
    assert finding.status == "problem"
    assert "123456789012, not one of aws:allowedAccountIds (111111111111)" in finding.text
    assert "pick the right profile or role" in finding.fix


def test_without_allowed_ids_the_account_is_named_and_pinning_suggested(sts: None) -> None:
    finding = check_aws(_account(), "dev")
    assert finding.status == "warn" and "123456789012" in finding.text
    assert "aws:allowedAccountIds[0]' 123456789012" in finding.fix


def test_no_credentials_is_a_problem_naming_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    finding = check_aws(_account(), "dev")
    assert finding.status == "problem" and "no AWS credentials found" in finding.text
    assert "AWS_PROFILE" in finding.fix


# -- prices -------------------------------------------------------------------------------------


def test_prices_of_the_region() -> None:
    table = load_prices()
    assert check_prices("us-east-1", table).status == "ok"
    unpriced = check_prices("eu-west-1", table)
    assert unpriced.status == "warn"
    assert (
        "cannot price eu-west-1: prices/prices.yaml has us-east-1, ap-northeast-2" in unpriced.text
    )
    partial = check_prices("ap-northeast-2", table)
    assert partial.status == "warn" and "ec2.t4g.nano.hour" in partial.text


# -- the command --------------------------------------------------------------------------------


def test_doctor_prints_a_line_per_check_and_fails_on_a_problem(
    bin_dir: Path, sts: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from stackctl.__main__ import main

    script(
        bin_dir,
        "pulumi",
        {
            "version": (0, "v3.272.0\n", ""),
            "whoami -v": (0, WHOAMI.format(url="https://app.pulumi.com/alice"), ""),
        },
    )
    # dev is the lab: images build for ARM64; this builder has no arm64
    script(
        bin_dir,
        "docker",
        {
            "buildx version": (0, "github.com/docker/buildx v0.19.3 48d6a39\n", ""),
            "buildx inspect --bootstrap": (0, INSPECT.format(platforms="linux/amd64"), ""),
        },
    )
    assert main(["doctor", "--stack", "dev"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in out[:-1]] == [
        "pulumi", "config", "docker", "aws", "backend", "prices",
    ]  # fmt: skip
    assert out[2].startswith("PROBLEM docker") and "Fix: add QEMU emulation" in out[2]
    assert out[-1] == "1 problem(s) to fix before `pulumi up --stack dev`"
    script(
        bin_dir,
        "docker",
        {
            "buildx version": (0, "github.com/docker/buildx v0.19.3 48d6a39\n", ""),
            "buildx inspect --bootstrap": (0, INSPECT.format(platforms="linux/arm64"), ""),
        },
    )
    assert main(["doctor", "--stack", "dev"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "ready for `pulumi up --stack dev`"
