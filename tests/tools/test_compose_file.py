"""app/compose.yaml: valid Compose, run like Fargate runs the tasks, the contract's names.

There is no Docker here, so the file is never run in this repository; what can be checked is:
- the Compose Specification's own JSON schema accepts it (the copy check-jsonschema ships,
  `vendor.compose-spec`, pinned in requirements-dev.txt: not a schema written here);
- each app service gets exactly the environment names `stackctl dev` gives the same workload
  (stackctl/dev/env.py, itself checked against the task definitions in test_dev_env.py);
- the app's containers run as the image's user with a read-only root and /tmp writable, and
  their images are built from the app's Dockerfiles;
- nothing secret is written in it: every secret is a `${NAME}` from the env file.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

import jsonschema
import pytest
import yaml

from components.config.app_contract import CONTRACT_PATH, load_contract
from stackctl.dev.env import declared, env_names
from stackctl.dev.values import DATABASE_TUNABLES, Endpoint, Local, process_env

COMPOSE_PATH = CONTRACT_PATH.parent / "compose.yaml"
RAW = json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE_PATH.read_text(encoding="utf-8"))
    return data


def _schema() -> dict[str, Any]:
    vendor = resources.files("check_jsonschema") / "builtin_schemas" / "vendor"
    schema: dict[str, Any] = json.loads((vendor / "compose-spec.json").read_text("utf-8"))
    return schema


def _errors(document: dict[str, Any]) -> list[str]:
    schema = _schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_the_schema_is_the_compose_specifications() -> None:
    schema = _schema()
    assert "compose" in schema.get("$id", "") + schema.get("title", "").lower()
    assert {"services", "volumes", "networks"} <= set(schema["properties"])


def test_the_file_is_valid_compose() -> None:
    assert _errors(_compose()) == []


def test_the_schema_refuses_a_broken_file() -> None:
    """The validation is real: a typo'd key and a wrong type are refused."""
    broken = _compose()
    broken["services"]["api"]["read_only"] = ["yes"]
    broken["services"]["web"]["enviroment"] = {"X": "1"}
    errors = _errors(broken)
    assert any("read_only" in e for e in errors)
    assert any("enviroment" in e for e in errors)


def _dev_env(workload: str) -> set[str]:
    names = declared(RAW)
    contract = load_contract()
    local = Local(
        database=Endpoint("postgres", 5432),
        redis=Endpoint("redis", 6379),
        urls={n: f"http://{n}:{w.port}" for n, w in contract.services.items() if w.port},
        auth="open",
        dotenv=dict.fromkeys(names.secrets, "x"),
        fixed_env={k: v for i in contract.images.values() for k, v in i.fixed_env.items()},
        optional=names.optional,
        contract_names=names.names,
    )
    return set(process_env(env_names(contract, workload, "open"), local))


@pytest.mark.parametrize("workload", ["api", "worker", "web", "migrate"])
def test_each_app_service_gets_the_names_stackctl_dev_gives_it(workload: str) -> None:
    service = _compose()["services"][workload]
    assert set(service["environment"]) == _dev_env(workload)


def test_the_app_services_are_every_workload_of_the_contract() -> None:
    contract = load_contract()
    app = {n for n, s in _compose()["services"].items() if "build" in s}
    assert app == {*contract.services, *contract.tasks}


def test_the_app_containers_run_like_their_task_definitions() -> None:
    contract = load_contract()
    compose = _compose()
    for name in [*contract.services, *contract.tasks]:
        workload = contract.services.get(name) or contract.tasks[name]
        service = compose["services"][name]
        assert service["build"]["context"] == f"./{workload.image.name}", name
        assert service["user"] == f"{workload.image.user}:{workload.image.user}", name
        assert service["read_only"] is workload.image.read_only_root, name
        mounted = {entry.split(":")[0] for entry in service["tmpfs"]}
        assert mounted == set(workload.image.writable_paths), name
        if workload.command:  # a service's command replaces the image's CMD, as in ECS
            assert service["command"] == list(workload.command), name
        if name in contract.tasks:
            assert service["command"] == list(workload.command or ()), name
        port = workload.port
        if port is not None:
            assert service["ports"] == [f"127.0.0.1:{port}:{port}"], name


def test_no_secret_is_written_in_the_file() -> None:
    compose = _compose()
    secret_names = set(declared(RAW).secrets) | {"POSTGRES_PASSWORD"}
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if key in secret_names:
                assert re.fullmatch(r"\$\{[A-Z_]+(:\?[^}]*)?\}", str(value)), (name, key)
    assert set(DATABASE_TUNABLES) <= set(compose["services"]["api"]["environment"])
