"""Shared fixtures: run the whole program per stack (and per override) under mocks.

Each run gets a fresh event loop and its own `set_mocks` (see stackctl.harness); the resulting
`Graph` is plain data, cached for the session so each configuration runs once.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from stackctl.harness import Graph, run_program

STACKS = ("dev", "prod")
_GRAPHS: dict[tuple[str, tuple[str, ...]], Graph] = {}

PlanFn = Callable[..., Graph]


def plan_stack(stack: str, *overrides: str) -> Graph:
    key = (stack, tuple(overrides))
    if key not in _GRAPHS:
        _GRAPHS[key] = run_program(stack, overrides)
    return _GRAPHS[key]


@pytest.fixture(scope="session")
def plan() -> PlanFn:
    """`plan("dev", "nat=gateway")` -> the Graph of that configuration (cached)."""
    return plan_stack


@pytest.fixture(params=STACKS)
def stack_graph(request: pytest.FixtureRequest) -> Graph:
    """The graph of each shipped stack, one test per stack."""
    return plan_stack(str(request.param))
