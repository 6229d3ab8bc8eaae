"""`stackctl preflight`: AWS's own constraint data, checked offline against what a stack declares.

Three checkers read the Graph the program declares under mocks:
- cfn.py: the graph rendered as CloudFormation (mapping.py) and linted by cfn-lint, which carries
  AWS's resource schemas, per-region instance types, Aurora engine versions, Fargate sizes and the
  IAM action list;
- botocore_rules.py: the value of each input against the shape of the API member it feeds;
- cross_field.py: rules AWS enforces that neither data set expresses.
"""

from __future__ import annotations

from stackctl.harness import Graph
from stackctl.preflight import botocore_rules, cfn, cross_field
from stackctl.preflight.findings import Finding
from stackctl.preflight.render import render

__all__ = ["Finding", "preflight"]


def preflight(graph: Graph) -> list[Finding]:
    """Every finding on the graph, one per resource, input and value (first checker wins)."""
    region = graph.config.get("aws:region", "us-east-1")
    found = cfn.lint(render(graph), region) + botocore_rules.check(graph) + cross_field.check(graph)
    unique: dict[tuple[str, str, str], Finding] = {}
    for finding in found:
        key = (finding.resource, finding.property, repr(finding.value))
        unique.setdefault(key, finding)
    return sorted(unique.values(), key=lambda f: (f.resource, f.property, f.rule))
