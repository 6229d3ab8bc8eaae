"""Database connections per task: computed once from Aurora's limit and every task that can run."""

from __future__ import annotations

import pytest

from components.config.db_budget import (
    DEPLOYMENT_MAXIMUM_PERCENT,
    MIGRATION_CONNECTIONS,
    max_connections,
    pool_budget,
)
from stackctl.harness import Graph, ProgramError, run_program
from tests.compute_helpers import SERVICE, environment, task_definitions
from tests.conftest import PlanFn


@pytest.mark.parametrize(
    ("min_acu", "max_acu", "expected"),
    [
        (1, 1, 189),  # AWS's table rows (aws-facts#serverless-v2-max-connections)
        (1, 4, 823),
        (1, 8, 1669),
        (1, 16, 3360),
        (1, 32, 5000),
        (2, 256, 5000),
        (0.5, 16, 2000),  # a 0 or 0.5 ACU minimum caps it at 2000
        (0, 64, 2000),
        (0, 2, 378),  # between rows: 189 per ACU, never above the next row's ratio
        (0.5, 4.5, 850),
    ],
)
def test_max_connections(min_acu: float, max_acu: float, expected: int) -> None:
    assert max_connections(min_acu, max_acu) == expected


def test_every_task_at_once_fits_under_the_limit() -> None:
    budget = pool_budget(0, 2, {"api": (4, True), "worker": (2, False)})
    assert budget.pools == {"api": 10, "worker": 2}
    at_once = DEPLOYMENT_MAXIMUM_PERCENT // 100
    assert budget.peak == MIGRATION_CONNECTIONS + at_once * (4 * 10 + 2 * 2)
    assert budget.peak <= budget.max_connections - budget.reserve
    # Many tasks on a small cluster: smaller pools, still under the limit.
    crowded = pool_budget(0, 1, {"api": (40, True), "worker": (4, False)})
    assert crowded.pools["api"] == 1
    assert crowded.peak <= crowded.max_connections - crowded.reserve


def test_too_many_tasks_for_the_cluster_is_refused() -> None:
    with pytest.raises(ValueError, match=r"dbMaxAcu = 1 is not valid .* about 189 .*api 100"):
        pool_budget(0, 1, {"api": (100, True)})


def test_tasks_get_their_pool_and_trusted_proxies(plan: PlanFn) -> None:
    graph: Graph = plan("prod", 'api={"minCount": 2, "count": 2, "maxCount": 6}')
    tasks = task_definitions(graph)
    api, worker, migrate = (environment(tasks[n]) for n in ("api", "worker", "migrate"))
    expected = pool_budget(0.5, 4, {"api": (6, True), "worker": (1, False)})
    assert int(api["DB_POOL_SIZE"]) == expected.pools["api"] == 10
    assert int(worker["DB_POOL_SIZE"]) == 2
    assert migrate["DB_POOL_SIZE"] == api["DB_POOL_SIZE"]
    (vpc,) = graph.of_type("aws:ec2/vpc:Vpc")
    assert api["FORWARDED_ALLOW_IPS"] == vpc.get("cidrBlock")
    assert "*" not in api["FORWARDED_ALLOW_IPS"]
    assert "FORWARDED_ALLOW_IPS" not in worker
    assert "DB_POOL_SIZE" not in environment(tasks["web"])
    # The budget's assumption about deployments is the services' own setting.
    for service in graph.of_type(SERVICE):
        assert service.get("deploymentMaximumPercent") == DEPLOYMENT_MAXIMUM_PERCENT


def test_a_stack_whose_tasks_cannot_fit_stops_before_any_resource() -> None:
    """`pulumi up` reads the settings first: a budget that cannot work is a SettingsError (one
    message naming the key, its value and what is allowed), and nothing is registered."""
    with pytest.raises(ProgramError) as caught:
        run_program("dev", ["dbMaxAcu=1", 'api={"minCount": 1, "count": 1, "maxCount": 100}'])
    assert caught.value.graph.resources == [], "nothing may be registered before validation"
    message = str(caught.value)
    assert "fullstack:dbMaxAcu = 1 is not valid" in message
    assert "api 100" in message and "allowed:" in message
