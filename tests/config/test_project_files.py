"""Pulumi.yaml files: config declarations Pulumi accepts and that do not fight the profiles.

Pulumi accepts only the types string, boolean, integer and array in a project's config
declarations, and it makes a declared key without a default *required*: a stack without it
fails before the program starts. A default, on the other hand, reaches the program as if the
stack had set it, which would override the profile's value. So the main project declares only
`profile` (required on purpose) and documents every other key in comments.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.config.settings import KNOWN_KEYS

ROOT = Path(__file__).resolve().parents[2]
PULUMI_TYPES = {"string", "boolean", "integer", "array"}


@pytest.mark.parametrize("path", ["Pulumi.yaml", "bootstrap/Pulumi.yaml"])
def test_declared_config_uses_types_pulumi_accepts(path: str) -> None:
    project = yaml.safe_load((ROOT / path).read_text())
    for key, declaration in (project.get("config") or {}).items():
        assert isinstance(declaration, dict), f"{key}: a plain value would be set for every stack"
        assert declaration["type"] in PULUMI_TYPES, f"{key}: type {declaration['type']!r}"


def test_only_profile_is_declared_and_required() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert set(project["config"]) == {"fullstack:profile"}
    assert "default" not in project["config"]["fullstack:profile"]


def test_bootstrap_declares_only_keys_with_defaults() -> None:
    project = yaml.safe_load((ROOT / "bootstrap" / "Pulumi.yaml").read_text())
    for key, declaration in project["config"].items():
        assert "default" in declaration, f"{key} would be required of every bootstrap stack"


def test_every_setting_is_documented_in_the_project_file() -> None:
    text = (ROOT / "Pulumi.yaml").read_text()
    missing = [
        key for key in sorted(KNOWN_KEYS - {"profile"}) if f"# fullstack:{key} (" not in text
    ]
    assert missing == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_files_set_region_and_profile(stack: str) -> None:
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    assert config["aws:region"] == "us-east-1"
    assert config["fullstack:profile"] == {"dev": "lab", "prod": "mvp"}[stack]


def test_runtime_uses_the_project_venv_without_a_typechecker_pulumi_cannot_satisfy() -> None:
    runtime = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert runtime["name"] == "python"
    assert runtime["options"] == {"toolchain": "pip", "virtualenv": ".venv"}
