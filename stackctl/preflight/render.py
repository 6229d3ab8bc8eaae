"""Render a recorded Graph as the equivalent CloudFormation template (see mapping.py).

Each rendered resource keeps its provenance: the logical id maps back to the pulumi resource and
each CloudFormation property to the pulumi input it came from, so a finding from cfn-lint names
what the program declared. Numbers the mocks deliver as floats (7.0) are given back as integers
when they are whole: the provider sends them as integers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from stackctl.harness import Graph, Resource
from stackctl.preflight.mapping import NESTED_RENAMES, OPAQUE_KEYS, TYPES, CfnType


@dataclass
class Rendered:
    """A CloudFormation template and where each part of it came from."""

    template: dict[str, Any]
    resources: dict[str, Resource] = field(default_factory=dict)
    # (logical id, CloudFormation property, or `Config.Property` under a wrapper) -> pulumi input
    sources: dict[tuple[str, str], str] = field(default_factory=dict)
    # Strings the mocks made up for other resources' outputs (ids, ARNs): references, not
    # declarations; AWS supplies the real ones, so a finding on one says nothing.
    generated: set[str] = field(default_factory=set)


def pascal(name: str) -> str:
    if name in NESTED_RENAMES:
        return NESTED_RENAMES[name]
    return name[:1].upper() + name[1:]


def normalize(value: Any, opaque: bool = False) -> Any:
    """Whole floats to int; nested keys to CloudFormation's PascalCase (data maps kept)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, dict):
        if opaque:
            return dict(value)
        return {pascal(k): normalize(v, opaque=k in OPAQUE_KEYS) for k, v in value.items()}
    return value


def _plain(value: Any) -> Any:
    """Whole floats to int, keys untouched (JSON documents such as IAM policies)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _json_document(value: Any, containers: bool) -> Any:
    document = json.loads(value) if isinstance(value, str) else value
    # Container definitions are an API shape (camelCase keys); policies are documents whose keys
    # are already what CloudFormation expects.
    return normalize(document) if containers else _plain(document)


def logical_id(resource: Resource, taken: set[str]) -> str:
    base = "".join(
        part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", resource.name)
    )
    base = base or "Resource"
    candidate, index = base, 2
    while candidate in taken:
        candidate, index = f"{base}{index}", index + 1
    taken.add(candidate)
    return candidate


def render_properties(
    mapping: CfnType, inputs: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    properties: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for source, target in mapping.properties.items():
        if source not in inputs or inputs[source] is None:
            continue
        value = inputs[source]
        if source in mapping.json_properties:
            value = _json_document(value, containers=source == "containerDefinitions")
        else:
            value = normalize(value)
        properties[target] = value
        sources[target] = source
    for target, (source, build) in mapping.built.items():
        value = build(inputs)
        if value is not None:
            properties[target] = normalize(value)
            sources[target] = source
    properties.update(mapping.constants)
    if mapping.wrap:
        return {mapping.wrap: properties}, {f"{mapping.wrap}.{k}": v for k, v in sources.items()}
    return properties, sources


def generated_values(graph: Graph) -> set[str]:
    values: set[str] = set()
    for resource in graph.custom_resources():
        declared = {v for v in resource.inputs.values() if isinstance(v, str)}
        if resource.id:
            values.add(resource.id)
        for value in resource.outputs.values():
            if isinstance(value, str) and value not in declared:
                values.add(value)
    return values


def render(graph: Graph) -> Rendered:
    template: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}
    rendered = Rendered(template)
    taken: set[str] = set()
    rendered.generated = generated_values(graph)
    for resource in graph.custom_resources():
        mapping = TYPES.get(resource.type)
        if mapping is None:
            continue
        name = logical_id(resource, taken)
        properties, sources = render_properties(mapping, resource.inputs)
        template["Resources"][name] = {"Type": mapping.cfn_type, "Properties": properties}
        rendered.resources[name] = resource
        for target, source in sources.items():
            rendered.sources[(name, target)] = source
    return rendered
