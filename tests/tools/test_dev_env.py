"""`stackctl dev`'s environment: derived from app/contract.json like the stack derives it.

The reference is the program itself: its rendered task definitions (under mocks) for a stack
with every store, for each `auth`. A store's link handing out a new name, or a contract change,
shows up here as a difference.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.config.app_contract import CONTRACT_PATH, load_contract, parse_contract
from stackctl.dev.env import declared, env_names
from stackctl.dev.values import (
    DevConfigError,
    Endpoint,
    Local,
    ensure_env_file,
    process_env,
    read_env_file,
)
from stackctl.taskdefs import render_task_definitions
from tests.conftest import PlanFn

RAW = json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))


def _rendered_names(
    plan: PlanFn, auth: str, self_sign_up: bool = False
) -> dict[str, tuple[set[str], set[str]]]:
    # prod: every store (the cache too) and the worker; `auth` (and selfSignUp) as given
    dials = [f"auth={auth}"] + (["selfSignUp=true"] if self_sign_up else [])
    tasks = render_task_definitions(plan("prod", *dials))["tasks"]
    names = {}
    for role, task in tasks.items():
        (container,) = task["containerDefinitions"]
        plain = {e["name"] for e in container.get("environment", [])}
        secrets = {s["name"] for s in container.get("secrets", [])}
        names[role] = (plain, secrets)
    return names


@pytest.mark.parametrize(
    ("auth", "self_sign_up"),
    [("open", False), ("cognito", False), ("cognito", True), ("none", False)],
)
def test_each_process_gets_the_names_its_task_definition_has(
    plan: PlanFn, auth: str, self_sign_up: bool
) -> None:
    contract = load_contract()
    rendered = _rendered_names(plan, auth, self_sign_up)
    assert set(rendered) == {*contract.services, *contract.tasks}
    for role, (plain, secrets) in rendered.items():
        # prod is the mvp profile: its pool allows TOTP MFA (MFA=optional for the web)
        derived = env_names(contract, role, auth, self_sign_up, totp_mfa=True)
        assert set(derived.plain) == plain, role
        assert set(derived.secrets) == secrets, role


def test_every_derived_name_is_one_the_image_declares() -> None:
    contract = load_contract()
    for name in [*contract.services, *contract.tasks]:
        workload = contract.services.get(name) or contract.tasks[name]
        section = RAW["images"][workload.image.name]
        derived = env_names(contract, name, "cognito", self_sign_up=True, totp_mfa=True)
        assert set(derived.plain) <= {*section["env"], *section.get("fixedEnv", {})}, name
        assert set(derived.secrets) <= set(section["secrets"]), name


def _edited(edit: dict[str, object]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(RAW))
    for path, value in edit.items():
        kind, name, key = path.split(".")
        data[kind][name][key] = value
    return data


def test_names_follow_the_contract_not_a_copy_of_it() -> None:
    """A worker that no longer uses the cache loses the Redis names; a web that calls a new
    service gets its URL name; the migration follows the api (its host) wherever it goes."""
    edited = _edited({"services.worker.uses": ["database", "storage"]})
    worker = env_names(parse_contract(edited), "worker")
    assert not {n for n in worker.all if n.startswith("REDIS_")}
    assert "DB_HOST" in worker.plain

    edited = _edited({"services.api.uses": ["database"]})
    contract = parse_contract(edited)
    assert "UPLOADS_BUCKET" not in env_names(contract, "migrate").plain
    assert "APP_SECRET_KEY" not in env_names(contract, "api").secrets
    assert "ALLOW_ANONYMOUS_WRITES" not in env_names(contract, "api").plain  # no auth: no knob


def _local(**overrides: object) -> Local:
    names = declared(RAW)
    values: dict[str, object] = {
        "database": Endpoint("127.0.0.1", 55432),
        "redis": Endpoint("127.0.0.1", 56379),
        "urls": {"api": "http://127.0.0.1:18000", "web": "http://127.0.0.1:13000"},
        "auth": "open",
        "dotenv": {
            "DB_USERNAME": "app",
            "DB_PASSWORD": "pw",
            "REDIS_AUTH_TOKEN": "tok",
            "APP_SECRET_KEY": "key",
        },
        "fixed_env": {"HOSTNAME": "0.0.0.0"},
        "optional": names.optional,
        "contract_names": names.names,
    }
    values.update(overrides)
    return Local(**values)  # type: ignore[arg-type]


def test_local_values_point_at_this_machine() -> None:
    contract = load_contract()
    api = process_env(env_names(contract, "api"), _local())
    assert api["DB_HOST"] == "127.0.0.1" and api["DB_PORT"] == "55432"
    assert api["REDIS_PORT"] == "56379" and api["REDIS_TLS"] == "false"
    assert api["ALLOW_ANONYMOUS_WRITES"] == "true"
    assert api["DB_PASSWORD"] == "pw" and api["APP_SECRET_KEY"] == "key"
    assert "DB_SECRET_ARN" not in api  # credentials from the environment, never Secrets Manager
    assert "UPLOADS_BUCKET" not in api  # optional, nothing uses it yet
    web = process_env(env_names(contract, "web"), _local())
    assert web == {
        "API_INTERNAL_URL": "http://127.0.0.1:18000",
        "HOSTNAME": "0.0.0.0",
        "ALLOW_ANONYMOUS_WRITES": "true",  # auth open: the web shows the write controls
        "SITE_ORIGINS": "http://127.0.0.1:13000",  # the web's own address: no CDN locally
    }
    worker = process_env(env_names(contract, "worker"), _local())
    assert "ALLOW_ANONYMOUS_WRITES" not in worker and "FORWARDED_ALLOW_IPS" not in worker


def test_contract_names_in_the_env_file_go_only_where_the_contract_sends_them() -> None:
    contract = load_contract()
    dotenv = {**_local().dotenv, "UPLOADS_BUCKET": "b", "API_DOCS": "true"}
    web = process_env(env_names(contract, "web"), _local(dotenv=dotenv))
    assert "UPLOADS_BUCKET" not in web and "APP_SECRET_KEY" not in web
    assert web["API_DOCS"] == "true"  # a knob outside the contract: every process
    assert process_env(env_names(contract, "api"), _local(dotenv=dotenv))["UPLOADS_BUCKET"] == "b"


def test_a_required_name_without_a_local_value_is_refused_by_name() -> None:
    """With the user pool's names required (not in optionalEnv) and none in the env file,
    --auth cognito stops before anything starts, naming the names and the file."""
    data = json.loads(json.dumps(RAW))
    for image in data["images"].values():  # optional anywhere is optional for the dev loop
        optional = image.get("optionalEnv", [])
        image["optionalEnv"] = [n for n in optional if not n.startswith("USER_POOL_")]
    names = declared(data)
    local = _local(auth="cognito", optional=names.optional, contract_names=names.names)
    pattern = r"api needs USER_POOL_CLIENT_ID, USER_POOL_ISSUER, USER_POOL_JWKS_URL .*\.env\.dev"
    with pytest.raises(DevConfigError, match=pattern):
        process_env(env_names(parse_contract(data), "api", "cognito"), local)
    given = {**local.dotenv, **dict.fromkeys(("USER_POOL_ISSUER", "USER_POOL_CLIENT_ID"), "x")}
    with pytest.raises(DevConfigError, match=r"api needs USER_POOL_JWKS_URL \("):
        process_env(
            env_names(parse_contract(data), "api", "cognito"),
            _local(
                auth="cognito", dotenv=given, optional=names.optional, contract_names=names.names
            ),
        )


def test_the_env_file_may_not_move_the_addresses() -> None:
    contract = load_contract()
    local = _local(dotenv={**_local().dotenv, "DB_HOST": "elsewhere"})
    with pytest.raises(DevConfigError, match=r"DB_HOST is set by the dev loop.*--db HOST:PORT"):
        process_env(env_names(contract, "api"), local)


def test_the_env_file_is_generated_private_and_kept(tmp_path: Path) -> None:
    path = tmp_path / ".env.dev"
    secret_names = declared(RAW).secrets
    values, added = ensure_env_file(path, secret_names)
    assert set(added) == set(secret_names)
    assert path.stat().st_mode & 0o777 == 0o600
    assert values["DB_USERNAME"] == "app" and len(values["DB_PASSWORD"]) >= 32
    again, added_again = ensure_env_file(path, secret_names)
    assert again == values and added_again == []  # a second run keeps the same secrets
    path.write_text(path.read_text().replace(f"APP_SECRET_KEY={values['APP_SECRET_KEY']}\n", ""))
    refilled, added = ensure_env_file(path, secret_names)
    assert added == ["APP_SECRET_KEY"] and refilled["DB_PASSWORD"] == values["DB_PASSWORD"]


def test_a_malformed_env_file_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / ".env.dev"
    path.write_text("# fine\nDB_PASSWORD='quoted'\nnot a pair\n")
    with pytest.raises(DevConfigError, match=r":3: expected KEY=VALUE"):
        read_env_file(path)
    path.write_text("export DB_PASSWORD='quoted'\n")
    assert read_env_file(path) == {"DB_PASSWORD": "quoted"}
