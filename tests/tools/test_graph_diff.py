"""scripts/graph_diff.py, the check that a refactor leaves the deployed graph alone: its
comparison must see every change the engine would see, and nothing that varies between runs."""

from __future__ import annotations

import copy
import json
import runpy
from pathlib import Path
from typing import Any

import pytest

from stackctl.harness import Graph, run_program

ROOT = Path(__file__).resolve().parents[2]
compare_graphs = runpy.run_path(str(ROOT / "scripts" / "graph_diff.py"))["compare_graphs"]


@pytest.fixture(scope="module")
def dev() -> dict[str, Any]:
    graph: Graph = run_program("dev")
    data: dict[str, Any] = json.loads(json.dumps(graph.to_json(), default=str))
    return data


def test_a_second_run_of_the_same_program_is_the_same_graph(dev: dict[str, Any]) -> None:
    again = json.loads(json.dumps(run_program("dev").to_json(), default=str))
    assert compare_graphs(dev, again) == []


def test_a_renamed_resource_is_gone_and_new(dev: dict[str, Any]) -> None:
    changed = copy.deepcopy(dev)
    resource = next(r for r in changed["resources"] if r["custom"])
    old = resource["urn"]
    resource["urn"] = old + "-renamed"
    assert compare_graphs(dev, changed) == [f"  gone: {old}", f"  new:  {old}-renamed"]


def test_a_changed_input_option_or_export_is_reported(dev: dict[str, Any]) -> None:
    changed = copy.deepcopy(dev)
    resource = next(r for r in changed["resources"] if r["custom"] and r["inputs"])
    key = next(iter(resource["inputs"]))
    resource["inputs"][key] = "something else"
    resource["options"]["protect"] = not resource["options"]["protect"]
    changed["exports"]["region"] = "eu-west-1"
    assert compare_graphs(dev, changed) == [
        f"  changed inputs: {resource['urn']}",
        f"  changed options: {resource['urn']}",
        "  export changed: region",
    ]


def test_the_order_of_depends_on_and_object_addresses_do_not_count(dev: dict[str, Any]) -> None:
    changed = copy.deepcopy(dev)
    for resource in changed["resources"]:
        resource["options"]["dependsOn"].reverse()
        for key, value in resource["inputs"].items():
            if isinstance(value, str) and " object at 0x" in value:
                resource["inputs"][key] = value.replace(" object at 0x", " object at 0x1")
    assert compare_graphs(dev, changed) == []
