"""The workflows release through the stack's image tag parameter, never through config.

`pulumi up --config`/`pulumi config set` save the tag into Pulumi.<stack>.yaml (docs/ci.md), so
deploy and rollback write the parameter the program reads (components/compute/deployed_tag.py)
and run a plain `pulumi up`. The steps that write it are run here as GitHub would run them
(bash, from the repository root, with the step's env) against a stand-in `aws` command that
records its arguments: the name they write is the one the program reads.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.kit.naming import Naming
from stackctl.harness import PROJECT_ROOT, project_name

DEPLOY_STACK = PROJECT_ROOT / ".github/actions/deploy-stack/action.yml"
WORKFLOWS = PROJECT_ROOT / ".github/workflows"
CI_FILES = [DEPLOY_STACK, *sorted(WORKFLOWS.glob("*.yml"))]


def steps_of(path: Path) -> list[dict[str, Any]]:
    document = yaml.safe_load(path.read_text())
    if "runs" in document:  # a composite action
        return list(document["runs"]["steps"])
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


def index_of(steps: list[dict[str, Any]], predicate: Any) -> int:
    (found,) = [i for i, step in enumerate(steps) if predicate(step)]
    return found


def writes_parameter(step: dict[str, Any]) -> bool:
    return "aws ssm put-parameter" in str(step.get("run", ""))


def is_pulumi_up(step: dict[str, Any]) -> bool:
    return str(step.get("uses", "")).startswith("pulumi/actions@") and (
        step.get("with", {}).get("command") == "up"
    )


def run_step(step: dict[str, Any], env: dict[str, str], tmp_path: Path) -> list[str]:
    """Run the step's script with bash as GitHub does; what `aws` was called with."""
    stub = tmp_path / "bin"
    stub.mkdir()
    record = tmp_path / "aws-args"
    (stub / "aws").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > "{record}"\n')
    (stub / "aws").chmod(0o755)
    if not (PROJECT_ROOT / ".venv/bin/python").exists():  # what setup-tools and scripts/test make
        pytest.skip("the steps run .venv/bin/python: create .venv first (scripts/test)")
    script = tmp_path / "step.sh"
    script.write_text(str(step["run"]))
    subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env, "PATH": f"{stub}:{os.environ['PATH']}"},
        check=True,
        timeout=120,
    )
    return record.read_text().splitlines()


def put_parameter_args(stack: str, tag: str) -> list[str]:
    name = Naming(project_name(), stack).image_tag_parameter
    return [
        "ssm",
        "put-parameter",
        "--name",
        name,
        "--type",
        "String",
        "--value",
        tag,
        "--overwrite",
    ]


def test_deploy_writes_the_pushed_tag_to_the_parameter_then_runs_a_plain_up(
    tmp_path: Path,
) -> None:
    steps = steps_of(DEPLOY_STACK)
    write = index_of(steps, writes_parameter)
    pushes = [i for i, s in enumerate(steps) if "build-push-action" in str(s.get("uses", ""))]
    up = index_of(steps, is_pulumi_up)
    assert pushes and max(pushes) < write < up  # images pushed, then the tag, then `up`
    assert set(steps[up]["with"]) <= {"command", "stack-name", "message"}  # no config input
    env = {"STACK": "prod", "IMAGE_TAG": "3f9c2a1"}
    assert steps[write]["env"] == {
        "STACK": "${{ inputs.stack }}",
        "IMAGE_TAG": "${{ inputs.image-tag }}",
    }
    assert run_step(steps[write], env, tmp_path) == put_parameter_args("prod", "3f9c2a1")


def test_rollback_writes_the_earlier_tag_then_runs_a_plain_up(tmp_path: Path) -> None:
    path = WORKFLOWS / "rollback.yml"
    steps = steps_of(path)
    write = index_of(steps, writes_parameter)
    up = index_of(steps, is_pulumi_up)
    assert write < up
    assert steps[write]["if"] == steps[up]["if"] == "inputs.image-tag != ''"
    job_env = yaml.safe_load(path.read_text())["jobs"]["rollback"]["env"]
    assert job_env["STACK"] == "${{ inputs.stack }}"
    assert job_env["IMAGE_TAG"] == "${{ inputs.image-tag }}"
    env = {"STACK": "dev", "IMAGE_TAG": "abc1234"}
    assert run_step(steps[write], env, tmp_path) == put_parameter_args("dev", "abc1234")


@pytest.mark.parametrize("path", CI_FILES, ids=lambda p: p.name)
def test_no_workflow_puts_the_image_tag_into_config(path: Path) -> None:
    text = path.read_text()
    for forbidden in (
        "config set imageTag",
        "--config imageTag",
        "-c imageTag",
        "stack output imageTag",
    ):
        assert forbidden not in text, f"{path.name}: {forbidden}"
    for step in steps_of(path):
        if is_pulumi_up(step) or step.get("with", {}).get("command") == "preview":
            assert "config-map" not in step.get("with", {}), path.name
