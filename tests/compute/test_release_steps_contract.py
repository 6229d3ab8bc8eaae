"""The release steps' providers live in the state by reference: their import path is a contract.

`pulumi.dynamic.Resource` stores its provider as `dill.dumps(provider, recurse=True)`
(pulumi/dynamic/dynamic.py, serialize_provider); a class of an importable module is pickled by
reference, and `python -m pulumi.dynamic` (pulumi/dynamic/__main__.py, get_provider) imports that
module again for every later update, diff and delete. These tests take the `__provider` string
the program registers (the SDK's own code path, under mocks), name the classes it references
and load it in a fresh provider process. Moving or renaming a provider fails them: leave a
re-export at `components.release_steps` (components/release_steps.py, "Why dynamic providers").
"""

from __future__ import annotations

import base64
import pickletools
from collections.abc import Iterator

import pytest
from pulumi.runtime.proto import provider_pb2

from tests.conftest import PlanFn
from tests.release_helpers import DynamicProviderProcess, EngineCalls

CONTRACT = {
    "pulumi-python:dynamic/fullstack:MigrationRun": (
        "components.release_steps",
        "MigrationRunProvider",
    ),
    "pulumi-python:dynamic/fullstack:StaticFiles": (
        "components.release_steps",
        "StaticFilesProvider",
    ),
}


def referenced(serialized: str) -> list[tuple[str, str]]:
    """Every (module, name) global the pickle names, in order, without importing any."""
    data = base64.b64decode(serialized)
    names: list[tuple[str, str]] = []
    strings: list[str] = []
    for opcode, argument, _ in pickletools.genops(data):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(str(argument))
        elif opcode.name == "STACK_GLOBAL":
            names.append((strings[-2], strings[-1]))
        elif opcode.name == "GLOBAL":
            module, name = str(argument).split(" ", 1)
            names.append((module, name))
    return names


@pytest.fixture(scope="module")
def engine() -> Iterator[DynamicProviderProcess]:
    process = DynamicProviderProcess({"AWS_DEFAULT_REGION": "us-east-1"})
    yield process
    process.close()


@pytest.mark.parametrize("type_token", sorted(CONTRACT))
def test_the_state_names_the_provider_by_its_import_path(plan: PlanFn, type_token: str) -> None:
    (resource,) = plan("dev").of_type(type_token)
    names = referenced(resource.inputs["__provider"])
    assert names[0] == CONTRACT[type_token], names  # the provider's class, by reference
    assert not [n for n in names if n[0] == "__main__"], names  # nothing from the program file
    assert ("dill._dill", "_create_type") not in names  # no class stored by value


@pytest.mark.parametrize("type_token", sorted(CONTRACT))
def test_a_fresh_provider_process_loads_what_the_state_holds(
    plan: PlanFn, engine: DynamicProviderProcess, type_token: str
) -> None:
    (resource,) = plan("dev").of_type(type_token)
    stored = resource.inputs["__provider"]
    inputs = {k: v for k, v in resource.inputs.items() if k != "__provider"}
    calls = EngineCalls(engine, stored, f"urn:pulumi:dev::fullstack::{type_token}::x")
    # Diff loads the provider from the state's string (dill.loads in the provider process)
    assert calls.diff(inputs, inputs).changes == provider_pb2.DiffResponse.DIFF_NONE
    calls.delete(inputs)  # delete uses the stored provider too: loads, undoes nothing
