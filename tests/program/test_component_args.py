"""Components' arguments: every field documented, and the `transform` hook of each component.

The documentation check reads components/*.py with `ast`: each field of a `*Args` dataclass is
followed by its docstring, and a field without a default says why in a docstring that starts
with "Required:". The transform tests run the whole program (dev or prod) with one component's
`transform` set, and compare every resource's inputs with the run without it.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.compute.fargate_service import FargateService
from components.data.app_storage import AppStorage
from components.data.database import Database
from components.ingress.load_balancer import LoadBalancer
from components.kit.transforms import Transform
from components.network.network import Network
from stackctl.harness import Graph, ProgramError, Resource, run_program
from tests.conftest import PlanFn

COMPONENTS = Path(__file__).resolve().parents[2] / "components"
REQUIRED = "Required:"
ROLE = "aws:iam/role:Role"


# -- every field documented ---------------------------------------------------------------------


def _docstring(node: ast.stmt | None) -> str | None:
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
        value = node.value.value
        return value if isinstance(value, str) else None
    return None


def args_problems(source: str, filename: str = "<source>") -> list[str]:
    """One line per field of an `*Args` class that breaks the documentation rule."""
    problems = []
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.ClassDef) and node.name.endswith("Args")):
            continue
        fields = [n for n in node.body if isinstance(n, ast.AnnAssign)]
        inherited = any(isinstance(b, ast.Name) and b.id == "ComponentArgs" for b in node.bases)
        own = {f.target.id for f in fields if isinstance(f.target, ast.Name)}
        if "transform" not in own and not inherited:
            problems.append(
                f"{filename}:{node.lineno} {node.name} has no `transform` field "
                "(subclass ComponentArgs)"
            )
        for index, item in enumerate(node.body):
            if not (isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)):
                continue
            where = f"{filename}:{item.lineno} {node.name}.{item.target.id}"
            following = node.body[index + 1] if index + 1 < len(node.body) else None
            doc = _docstring(following)
            if not doc or not doc.strip():
                problems.append(f"{where} has no docstring")
            elif item.value is None and not doc.startswith(REQUIRED):
                problems.append(f"{where} has no default and its docstring does not say {REQUIRED}")
            elif item.value is not None and doc.startswith(REQUIRED):
                problems.append(f"{where} has a default but its docstring says {REQUIRED}")
    return problems


def args_classes() -> Iterator[tuple[Path, str]]:
    for path in sorted(COMPONENTS.rglob("*.py")):
        source = path.read_text()
        names = [
            n.name
            for n in ast.parse(source).body
            if isinstance(n, ast.ClassDef) and n.name.endswith("Args")
        ]
        if names:
            yield path, source


def test_every_args_field_has_a_docstring_and_a_default_or_says_required() -> None:
    found = list(args_classes())
    assert len(found) >= 15, [p.name for p, _ in found]
    problems = [p for path, source in found for p in args_problems(source, path.name)]
    assert not problems, "\n".join(problems)


SAMPLE = '''
from dataclasses import dataclass, field

@dataclass
class SampleArgs:
    name: str
    """Required: the name."""
    size: int = 1
    """How big."""
    transform: dict = field(default_factory=dict)
    """Child label -> function."""
'''


def test_the_documentation_check_finds_each_kind_of_problem() -> None:
    assert args_problems(SAMPLE) == []
    undocumented = SAMPLE.replace('    """How big."""\n', "")
    assert args_problems(undocumented) == ["<source>:8 SampleArgs.size has no docstring"]
    not_required = SAMPLE.replace("Required: the name.", "The name.")
    assert args_problems(not_required) == [
        "<source>:6 SampleArgs.name has no default and its docstring does not say Required:"
    ]
    required_with_default = SAMPLE.replace('    """How big."""', '    """Required: big."""')
    assert args_problems(required_with_default) == [
        "<source>:8 SampleArgs.size has a default but its docstring says Required:"
    ]
    no_transform = SAMPLE.split("    transform", maxsplit=1)[0]
    assert args_problems(no_transform) == [
        "<source>:5 SampleArgs has no `transform` field (subclass ComponentArgs)"
    ]
    inherits = no_transform.replace("class SampleArgs:", "class SampleArgs(ComponentArgs):")
    assert args_problems(inherits) == []


# -- transform: through the whole program ---------------------------------------------------------


def with_transform(
    monkeypatch: pytest.MonkeyPatch,
    component: type,
    transform: Mapping[str, Transform],
    only: str | None = None,
) -> None:
    """Every `component` the program builds (or only the one named `only`) gets `transform`."""
    current: Callable[..., None] = vars(component)["__init__"]
    original: Callable[..., None] = getattr(current, "unpatched", current)

    def init(self: Any, name: str, args: Any, *rest: Any, **kwargs: Any) -> None:
        if only in (None, name):
            args = dataclasses.replace(args, transform=transform)
        original(self, name, args, *rest, **kwargs)

    init.unpatched = original  # type: ignore[attr-defined]
    monkeypatch.setattr(component, "__init__", init)


def differences(before: Graph, after: Graph) -> dict[str, dict[str, tuple[Any, Any]]]:
    """Resource (type name) -> input -> (before, after), for every input that differs."""

    def key(r: Resource) -> str:
        return f"{r.type} {r.name}"

    old = {key(r): r for r in before.resources}
    new = {key(r): r for r in after.resources}
    assert old.keys() == new.keys()
    changed: dict[str, dict[str, tuple[Any, Any]]] = {}
    for name, resource in new.items():
        inputs = set(resource.inputs) | set(old[name].inputs)
        for item in sorted(inputs):
            was, now = old[name].get(item), resource.get(item)
            if isinstance(was, pulumi.asset.Archive) and type(was) is type(now):
                continue  # a code archive: a new object each run, the same files
            if now != was:
                changed.setdefault(name, {})[item] = (was, now)
    return changed


def test_a_transform_changes_exactly_one_property_of_exactly_one_child(
    plan: PlanFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = plan("dev", "ingress=alb")
    with_transform(monkeypatch, LoadBalancer, {"alb": lambda a: {**a, "idle_timeout": 120}})
    changed = differences(baseline, run_program("dev", ["ingress=alb"]))
    assert changed == {"aws:lb/loadBalancer:LoadBalancer lb-alb": {"idleTimeout": (60, 120)}}


def test_a_database_transform_reaches_the_cluster(
    plan: PlanFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = plan("prod")
    with_transform(
        monkeypatch,
        Database,
        {"cluster": lambda a: {**a, "backup_retention_period": 14, "copy_tags_to_snapshot": False}},
    )
    changed = differences(baseline, run_program("prod"))
    ((name, inputs),) = changed.items()
    assert name.startswith("aws:rds/cluster:Cluster ")
    assert inputs == {
        "backupRetentionPeriod": (baseline_value(baseline, name, "backupRetentionPeriod"), 14),
        "copyTagsToSnapshot": (True, False),
    }


def baseline_value(graph: Graph, key: str, item: str) -> Any:
    type_token, name = key.split(" ")
    return graph.named(name, type_token).get(item)


def test_an_unknown_label_is_an_error_that_lists_the_labels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_transform(monkeypatch, LoadBalancer, {"albb": lambda a: a})
    with pytest.raises(ProgramError) as raised:
        run_program("dev", ["ingress=alb"])
    message = str(raised.value)
    assert "lb: transform key 'albb' matches no child" in message
    for label in ("alb", "sg", "http", "api", "web"):
        assert f" {label}," in message or message.endswith(f" {label}"), (label, message)


def test_a_transform_that_returns_an_argument_the_resource_does_not_take_is_an_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with_transform(monkeypatch, LoadBalancer, {"alb": lambda a: {**a, "idle_timout": 120}})
    with pytest.raises(ProgramError, match="returned idle_timout, which aws:lb/loadBalancer"):
        run_program("dev", ["ingress=alb"])


def test_a_label_shared_by_several_types_needs_the_type(
    plan: PlanFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = plan("dev", "ingress=alb")
    # `storage-uploads` is the bucket and each of its settings: a bare label is ambiguous.
    with_transform(monkeypatch, AppStorage, {"uploads": lambda a: a})
    with pytest.raises(
        ProgramError, match="'uploads' names children of several types; name one: uploads:Bucket, "
    ):
        run_program("dev", ["ingress=alb"])
    lifecycle = "uploads:BucketLifecycleConfiguration"
    owner = "123456789012"
    with_transform(
        monkeypatch, AppStorage, {lifecycle: lambda a: {**a, "expected_bucket_owner": owner}}
    )
    changed = differences(baseline, run_program("dev", ["ingress=alb"]))
    assert changed == {
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration storage-uploads": {
            "expectedBucketOwner": (None, owner)
        }
    }


def test_a_transform_composes_with_the_permissions_boundary(
    plan: PlanFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = plan("dev", "ingress=alb")
    api_roles = [r for r in baseline.of_type(ROLE) if r.name.startswith("api-")]
    assert api_roles and all(r.get("permissionsBoundary") for r in api_roles)
    role = api_roles[0]
    label = role.name.removeprefix("api-") + ":Role"  # its inline policy shares the name
    with_transform(
        monkeypatch, FargateService, {label: lambda a: {**a, "max_session_duration": 7200}}, "api"
    )
    after = run_program("dev", ["ingress=alb"])
    changed = differences(baseline, after)
    assert list(changed) == [f"{ROLE} {role.name}"]
    assert changed[f"{ROLE} {role.name}"]["maxSessionDuration"][1] == 7200
    assert after.named(role.name, ROLE).get("permissionsBoundary") == role.get(
        "permissionsBoundary"
    )


def test_a_transform_reaches_the_resources_of_a_component_the_component_builds(
    plan: PlanFn, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The network builds the NAT instance component: its instance is `nat-instance` to it.
    baseline = plan("dev", "ingress=alb")
    instance = "aws:ec2/instance:Instance network-nat-instance"
    assert baseline_value(baseline, instance, "instanceType") == "t4g.nano"
    with_transform(monkeypatch, Network, {"nat-instance": lambda a: {**a, "monitoring": True}})
    changed = differences(baseline, run_program("dev", ["ingress=alb"]))
    assert changed == {instance: {"monitoring": (False, True)}}
