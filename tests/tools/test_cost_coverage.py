"""Every line of every estimate of the dial matrix is priced, free with a reason, or listed
unpriced; no resource of the graph is left out (`stackctl cost`: nothing silently $0)."""

from __future__ import annotations

import pytest

from stackctl.cost import FREE_TYPES, Estimate, estimate
from stackctl.cost.pricers import _HANDLED
from stackctl.harness import Graph
from tests.dial_matrix import DIAL_MATRIX, matrix_id

DEPLOYED = ("images=registry", "@imageTag=abc123")  # images CI pushed, deployed
# What may be listed unpriced in the matrix, and why (anything else is a gap to fill).
ALLOWED_UNPRICED = {
    "ECS Container Insights": "billed per metric and log volume by task count",
}


def uncovered(graph: Graph, est: Estimate) -> list[str]:
    """Resources of `graph` that no line and no free type accounts for."""
    named = {(line.resource, line.type) for line in est.lines}
    return [
        f"{r.name} ({r.type})"
        for r in graph.custom_resources()
        if not r.type.startswith(("pulumi:providers:", "random:"))
        and (r.name, r.type) not in named
        and r.type not in est.free
    ]


def silent_lines(est: Estimate) -> list[str]:
    """Lines that are neither priced with a source, free with a reason, nor unpriced."""
    bad = []
    for line in est.lines:
        if line.priced and line.price_item:
            ok = bool(line.source and line.date)
            # a $0 line must say why (paused, parked, a free figure, a free assumption)
            ok = ok and (line.monthly_usd != 0.0 or bool(line.note))
        elif line.priced:
            ok = line.monthly_usd == 0.0 and line.unit == "-" and bool(line.note)
        else:
            ok = line.note.startswith("UNPRICED: ") and line.description in ALLOWED_UNPRICED
        if not ok:
            bad.append(f"{line.resource}: {line.description} ({line.note!r})")
    return bad


def test_every_free_type_has_a_reason_and_is_not_also_priced() -> None:
    assert FREE_TYPES
    for token, reason in FREE_TYPES.items():
        assert token.count(":") == 2 and len(reason) > 15, token
    assert not set(FREE_TYPES) & _HANDLED


@pytest.mark.parametrize("entry", DIAL_MATRIX, ids=matrix_id)
def test_every_line_of_the_dial_matrix_is_priced_free_or_listed(
    plan, entry: tuple[str, tuple[str, ...]]
) -> None:
    stack, overrides = entry
    graph = plan(stack, *DEPLOYED, *overrides)
    est = estimate(graph)
    assert silent_lines(est) == []
    assert uncovered(graph, est) == []
    assert est.can_total, est.region_note  # us-east-1 prices every item the stack uses
    for count, reason in est.free.values():
        assert count > 0 and reason


def test_a_silent_zero_or_a_skipped_resource_is_caught(plan) -> None:
    """The checks above fail on what they look for."""
    graph = plan("dev", *DEPLOYED)
    est = estimate(graph)
    line = next(li for li in est.lines if li.price_item == "public_ipv4.hour")
    est.lines.append(type(line)(**{**line.__dict__, "monthly_usd": 0.0, "note": ""}))
    assert len(silent_lines(est)) == 1
    est.free.pop("aws:ec2/subnet:Subnet")
    assert any("aws:ec2/subnet:Subnet" in item for item in uncovered(graph, est))
