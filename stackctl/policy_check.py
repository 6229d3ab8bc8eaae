"""Run the policy pack's rules offline over a recorded Graph (no Pulumi CLI, no AWS).

`check_graph(graph)` adapts every custom resource to `policy.rules.StackResource` (inputs as
props, camelCase as in the pack; `refs` resolved by matching property values to resource ids)
and reads the profile and edge mode from the stack's config the way the program does.
"""

from __future__ import annotations

from typing import Any

from policy.rules import DEFAULT_EDGE, RULES, Rule, StackResource, Violation, check_resources
from stackctl.harness import Graph

# Defaults of `edge` per profile (components/config/settings.py PROFILES); both are vpcOrigin today.
try:
    from components.config.settings import PROFILES

    _EDGE_DEFAULTS = {
        name: str(values.get("edge", DEFAULT_EDGE)) for name, values in PROFILES.items()
    }
except ImportError:  # pragma: no cover
    _EDGE_DEFAULTS = {}


def graph_resources(graph: Graph) -> list[StackResource]:
    ids = {r.id: r.urn for r in graph.custom_resources() if r.id}
    resources = []
    for r in graph.custom_resources():
        refs: dict[str, tuple[str, ...]] = {}
        for key, value in r.inputs.items():
            if isinstance(value, str) and value in ids:
                refs[key] = (ids[value],)
        props: dict[str, Any] = dict(r.inputs)
        resources.append(
            StackResource(type=r.type, name=r.name, urn=r.urn, props=props, refs=refs, id=r.id)
        )
    return resources


def stack_profile_and_edge(graph: Graph) -> tuple[str | None, str]:
    profile = graph.config.get(f"{graph.project}:profile")
    edge = graph.config.get(f"{graph.project}:edge") or _EDGE_DEFAULTS.get(
        profile or "", DEFAULT_EDGE
    )
    return profile, edge


def check_graph(graph: Graph, rules: tuple[Rule, ...] = RULES) -> list[Violation]:
    profile, edge = stack_profile_and_edge(graph)
    return check_resources(graph_resources(graph), profile, edge, rules)
