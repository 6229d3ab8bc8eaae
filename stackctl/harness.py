"""Run the Pulumi program offline, under mocks, and record what it declares.

`run_program("dev")` reads `Pulumi.yaml` and `Pulumi.dev.yaml`, applies overrides, runs
`__main__.py` with Pulumi's mock monitor in a fresh event loop, and returns a `Graph`: every
resource with its type, logical name, parent, inputs, options (protect, ignore_changes,
depends_on, provider, retain_on_delete, delete_before_replace) and mocked outputs, the stack's
exports, and the data sources the program called. The tests and `stackctl plan` both use it.

No AWS account, no Pulumi CLI and no network are needed. What it cannot tell you: anything AWS
decides at deploy time (quotas, name clashes, service-side validation).
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import re
import runpy
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import resource_pb2, source_pb2
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

from stackctl import selective_imports
from stackctl.mocks import AwsMocks

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SECRET_SIG = rpc._special_sig_key
SECRET_VALUE = rpc._special_secret_sig


@dataclass
class Resource:
    """One registered resource (custom or component) as the engine would have seen it."""

    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    protect: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    depends_on: list[str] = field(default_factory=list)
    provider: str = ""
    retain_on_delete: bool = False
    delete_before_replace: bool = False
    secret_inputs: list[str] = field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        """An input by its camelCase name (as the provider receives it)."""
        return self.inputs.get(key, default)

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "custom": self.custom,
            "parent": self.parent,
            "inputs": _redact(self.inputs, set(self.secret_inputs)),
            "options": {
                "protect": self.protect,
                "ignoreChanges": self.ignore_changes,
                "dependsOn": self.depends_on,
                "provider": self.provider,
                "retainOnDelete": self.retain_on_delete,
                "deleteBeforeReplace": self.delete_before_replace,
            },
        }


@dataclass
class Graph:
    """Everything one run of the program declared."""

    project: str
    stack: str
    config: dict[str, str]
    stack_urn: str = ""
    resources: list[Resource] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    secret_exports: set[str] = field(default_factory=set)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    unknown_calls: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)

    # -- queries -------------------------------------------------------------------------------

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def custom_resources(self) -> list[Resource]:
        return [r for r in self.resources if r.custom]

    def named(self, name: str, type_token: str | None = None) -> Resource:
        matches = [r for r in self.resources if r.name == name and (type_token in (None, r.type))]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r} ({type_token or 'any type'})")
        return matches[0]

    def by_urn(self, urn: str) -> Resource:
        for resource in self.resources:
            if resource.urn == urn:
                return resource
        raise KeyError(urn)

    def by_id(self, resource_id: object) -> Resource:
        for resource in self.resources:
            if resource.custom and resource.id == resource_id:
                return resource
        raise KeyError(f"no resource with id {resource_id!r}")

    def children(self, parent: Resource | None) -> list[Resource]:
        if parent is not None:
            return [r for r in self.resources if r.parent == parent.urn]
        return [r for r in self.resources if r.parent in ("", self.stack_urn)]

    def counts(self) -> Counter[str]:
        return Counter(r.type for r in self.custom_resources())

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_json() for r in self.resources],
            "exports": _redact(self.exports, self.secret_exports),
            "counts": dict(sorted(self.counts().items())),
        }


class ProgramError(Exception):
    """The program raised; `graph` holds what it had registered before it did."""

    def __init__(self, error: BaseException, graph: Graph) -> None:
        super().__init__(str(error))
        self.error = error
        self.graph = graph


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: AwsMocks, graph: Graph) -> None:
        super().__init__(mocks)
        self.graph = graph

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        """MockMonitor.RegisterResource, recording what it sees (inputs deserialized once)."""
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            self.graph.stack_urn = urn
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()  # type: ignore[no-untyped-call]
        raw_inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        secret_paths: list[str] = []
        inputs = _unwrap_secrets(raw_inputs, "", secret_paths)
        resource_id, state = self.mocks.new_resource(
            pulumi_mocks.MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=inputs,
                provider=request.provider,
                resource_id=request.importId,
                custom=request.custom or False,
            )
        )
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(
            urn, resource_id or "", state
        )
        self.graph.resources.append(
            Resource(
                urn=urn,
                type=request.type,
                name=request.name,
                custom=bool(request.custom),
                parent=request.parent,
                inputs=inputs,
                outputs=dict(state),
                id=resource_id or "",
                protect=bool(request.protect),
                ignore_changes=list(request.ignoreChanges),
                depends_on=list(request.dependencies),
                provider=request.provider,
                retain_on_delete=bool(request.retainOnDelete),
                delete_before_replace=bool(request.deleteBeforeReplace),
                secret_inputs=secret_paths,
            )
        )
        outputs = _sync_await(rpc.serialize_properties(state, {}))
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id or "", object=outputs)


def _unwrap_secrets(value: Any, path: str, found: list[str]) -> Any:
    """Replace Pulumi's secret envelopes by their values, noting where they were."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_VALUE:
            found.append(path or "$")
            return _unwrap_secrets(value.get("value"), path, found)
        return {
            k: _unwrap_secrets(v, f"{path}.{k}" if path else k, found) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_unwrap_secrets(v, f"{path}[{i}]", found) for i, v in enumerate(value)]
    return value


def _redact(value: Any, secret_paths: set[str], path: str = "") -> Any:
    if path in secret_paths or (not path and "$" in secret_paths):
        return "[secret]"
    if isinstance(value, dict):
        return {k: _redact(v, secret_paths, f"{path}.{k}" if path else k) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, secret_paths, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


# -- configuration ----------------------------------------------------------------------------


def project_name(root: Path = PROJECT_ROOT) -> str:
    with open(root / "Pulumi.yaml", encoding="utf-8") as handle:
        return str(yaml.safe_load(handle)["name"])


def _as_config_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict) and set(value) == {"secure"}:
        return "[secure value: not decrypted offline]"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


# `@imageTag=<value>` among the overrides: the value of the stack's image tag parameter, which
# CI writes and the program reads (components/compute/deployed_tag.py); the mocks answer it.
# Without it the parameter does not exist yet (a stack CI never deployed: parked).
DEPLOYED_TAG_KEY = "@imageTag"


def deployed_tag(overrides: Iterable[str]) -> str | None:
    """The value `@imageTag=<value>` gives the stack's image tag parameter (None: no parameter)."""
    found = None
    for override in overrides:
        key, _, text = override.partition("=")
        if key == DEPLOYED_TAG_KEY:
            found = text
    return found


def stack_config(
    stack: str, overrides: Iterable[str] = (), root: Path = PROJECT_ROOT
) -> tuple[str, dict[str, str]]:
    """The project name and the stack's config as the Pulumi runtime would pass it.

    `overrides` are `key=value` strings: a key without a namespace is the project's
    (`nat=gateway`), `aws:region=eu-west-1` names one; `api.count=3` sets one field of an
    object setting. Each value is stored the way `pulumi config set` stores it, so the program
    sees what it would see on a real stack: a top-level value is always the string given
    (`flowLogs=yes` stays "yes", which the program refuses, and `api={"count": 3}` is a JSON
    string the program parses); a field (`pulumi config set --path api.count 3`) is a boolean
    for `true`/`false`, a number for an integer, and a string otherwise (Pulumi CLI reference,
    `pulumi config set`).
    """
    project = project_name(root)
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
        raise FileNotFoundError(f"no stack file {path.name}; stacks here: {', '.join(known)}")
    with open(path, encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=_StackFileLoader) or {}
    values: dict[str, Any] = dict(document.get("config") or {})
    for override in overrides:
        key, sep, text = override.partition("=")
        if not sep or not key:
            raise ValueError(f"override {override!r} is not key=value")
        if key == DEPLOYED_TAG_KEY:
            continue  # not config: what the stack's image tag parameter holds (run_program)
        if ":" not in key:
            key = f"{project}:{key}"
        base, dot, field_name = key.partition(".")
        if dot:
            current = values.get(base)
            if isinstance(current, str):
                current = json.loads(current)
            merged = dict(current or {})
            merged[field_name] = path_value(text)
            values[base] = merged
        else:
            values[key] = text
    return project, {key: _as_config_string(value) for key, value in values.items()}


_INTEGER = re.compile(r"^[+-]?\d+$")


def path_value(text: str) -> bool | int | str:
    """A value set with `pulumi config set --path`: true/false and integers are typed."""
    if text in ("true", "false"):
        return text == "true"
    if _INTEGER.match(text):
        return int(text)
    return text


class _StackFileLoader(yaml.SafeLoader):
    """YAML as the Pulumi CLI reads a stack file (YAML 1.2): only true/false are booleans.

    PyYAML follows YAML 1.1, where `yes`, `no`, `on` and `off` are booleans too; Pulumi would
    pass `flowLogs: yes` to the program as the string "yes" (which the program refuses).
    """


_StackFileLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StackFileLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


# -- running ----------------------------------------------------------------------------------


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(f"{record.levelname.lower()}: {record.getMessage()}")


def run_program(
    stack: str,
    overrides: Iterable[str] = (),
    root: Path = PROJECT_ROOT,
    extra_config: Mapping[str, str] | None = None,
) -> Graph:
    """Run `__main__.py` for `stack` under mocks and return what it declared.

    Raises ProgramError (with the partial graph) when the program raises.
    """
    overrides = tuple(overrides)
    project, config = stack_config(stack, overrides, root)
    config.update(extra_config or {})
    selective_imports.install()
    graph = Graph(project=project, stack=stack, config=config)
    mocks = AwsMocks(config.get("aws:region", "us-east-1"), deployed_tag(overrides))
    monitor = _RecordingMonitor(mocks, graph)
    logger = logging.getLogger(f"stackctl.program.{stack}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = _ListHandler(graph.logs)
    logger.addHandler(handler)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    failure: BaseException | None = None
    # The engine uses each resource's creation stack trace only to show source positions; the
    # mocks ignore it, and walking the stack for every resource costs a quarter of a plan's run.
    capture_stack_trace = pulumi_resource._get_stack_trace
    pulumi_resource._get_stack_trace = _no_stack_trace
    # Importing pulumi_aws' packages creates hundreds of thousands of long-lived objects; with the
    # default thresholds the collector rescans them again and again (a third of a plan's time).
    gc_thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        pulumi_settings.ROOT.set(None)
        pulumi.runtime.set_all_config(dict(config))
        pulumi.runtime.set_mocks(
            mocks, project=project, stack=stack, preview=False, monitor=monitor, logger=logger
        )

        def program() -> None:
            runpy.run_path(str(root / "__main__.py"), run_name="__main__")

        try:
            _sync_await(run_pulumi_func(program))
            _collect_exports(graph)
        except BaseException as error:  # noqa: BLE001 (reported through ProgramError)
            failure = error
    finally:
        pulumi_resource._get_stack_trace = capture_stack_trace
        gc.set_threshold(*gc_thresholds)
        graph.calls = list(mocks.calls)
        graph.unknown_calls = list(mocks.unknown_calls)
        logger.removeHandler(handler)
        pulumi_settings.ROOT.set(None)
        loop.close()
        asyncio.set_event_loop(None)
    if failure is not None:
        raise ProgramError(failure, graph) from failure
    return graph


def _no_stack_trace() -> Any:
    return source_pb2.StackTrace()


def _collect_exports(graph: Graph) -> None:
    stack = pulumi_settings.get_root_resource()
    outputs: dict[str, Any] = dict(getattr(stack, "outputs", {}) or {})
    for name, value in outputs.items():
        output = pulumi.Output.from_input(value)
        graph.exports[name] = _sync_await(output.future())
        if _sync_await(output.is_secret()):
            graph.secret_exports.add(name)
