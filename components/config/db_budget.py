"""Database connections per task: Aurora's `max_connections` shared by every task that can run.

Pure arithmetic, no resources. The program passes each service that uses the database its
`DB_POOL_SIZE` (the most connections one task's process may hold; the app's pool has no
overflow) and the app sheds load with 503 instead of opening more (app/README.md).

- Aurora PostgreSQL Serverless v2 fixes `max_connections` from the cluster's *maximum* ACUs
  (AWS's table: 1 ACU 189, 4 ACU 823, 8 ACU 1669, 16 ACU 3360, 32 and more 5000; capped at
  2000 when the minimum is 0 or 0.5 ACU; aws-facts#serverless-v2-max-connections). Between the
  table's rows we assume 189 per ACU, the lowest ratio in it, so the estimate never exceeds
  the real value.
- A reserve stays free for everything that is not the app: superuser slots, RDS's rotation
  function, an operator's psql: 10% of the limit, at least 10 connections.
- During a deployment ECS runs up to twice the service's tasks (maximum percent 200), and the
  migration task runs beside them: each counts.
- The worker runs one job at a time (plus its re-enqueue loop): 2 connections a task. The
  serving services share what is left equally, at most 10 per task (a 0.25-1 vCPU task gains
  nothing from more).

Cost: none (no resources).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from components.config.services import ServiceSpec
    from components.config.settings import Settings

# (max ACU, default max_connections) for Aurora PostgreSQL Serverless v2
# (aws-facts#serverless-v2-max-connections).
MAX_CONNECTIONS_BY_MAX_ACU: tuple[tuple[float, int], ...] = (
    (1, 189), (4, 823), (8, 1669), (16, 3360), (32, 5000), (64, 5000), (128, 5000),
)  # fmt: skip
CONNECTIONS_PER_ACU_FLOOR = 189
MAX_CONNECTIONS_CEILING = 5000
LOW_MIN_ACU_CEILING = 2000  # when the minimum capacity is 0 or 0.5 ACU
RESERVE_SHARE = 0.10
RESERVE_MIN = 10
DEPLOYMENT_MAXIMUM_PERCENT = 200  # components/compute/fargate_service.py's deployment setting
NON_SERVING_POOL = 2
SERVING_POOL_MAX = 10
MIGRATION_CONNECTIONS = 1


def max_connections(min_acu: float, max_acu: float) -> int:
    """A lower bound of Aurora PostgreSQL Serverless v2's default `max_connections`."""
    exact = dict(MAX_CONNECTIONS_BY_MAX_ACU)
    limit = exact.get(max_acu, math.floor(CONNECTIONS_PER_ACU_FLOOR * max_acu))
    limit = min(limit, MAX_CONNECTIONS_CEILING)
    if min_acu <= 0.5:
        limit = min(limit, LOW_MIN_ACU_CEILING)
    return limit


@dataclass(frozen=True)
class Budget:
    max_connections: int
    reserve: int
    pools: dict[str, int]
    """DB_POOL_SIZE per service that uses the database."""
    peak: int
    """Connections if every task that can run at once (deployments included) holds its pool."""


def _tasks_at_once(max_count: int) -> int:
    return math.ceil(max_count * DEPLOYMENT_MAXIMUM_PERCENT / 100)


def pool_budget(min_acu: float, max_acu: float, services: Mapping[str, tuple[int, bool]]) -> Budget:
    """``services``: name -> (maximum task count, serves traffic) for each service that uses the
    database. Raises ValueError naming dbMaxAcu when the tasks cannot get a connection each."""
    limit = max_connections(min_acu, max_acu)
    reserve = max(RESERVE_MIN, math.ceil(limit * RESERVE_SHARE))
    usable = limit - reserve - MIGRATION_CONNECTIONS
    pools: dict[str, int] = {}
    for name, (count, serves) in services.items():
        if not serves:
            pools[name] = NON_SERVING_POOL
            usable -= _tasks_at_once(count) * NON_SERVING_POOL
    serving_tasks = sum(_tasks_at_once(count) for count, serves in services.values() if serves)
    per_task = min(SERVING_POOL_MAX, usable // serving_tasks) if serving_tasks else 0
    if usable < 0 or (serving_tasks and per_task < 1):
        counts = ", ".join(f"{n} {c}" for n, (c, _) in services.items())
        raise ValueError(
            f"dbMaxAcu = {max_acu:g} is not valid with these services: it allows about {limit} "
            f"database connections ({reserve} kept in reserve), too few for their maximum task "
            f"counts ({counts}, doubled during a deployment); allowed: a dbMaxAcu whose limit "
            "gives each task a connection, or lower maxCount values"
        )
    for name, (_, serves) in services.items():
        if serves:
            pools[name] = per_task
    peak = MIGRATION_CONNECTIONS + sum(
        _tasks_at_once(count) * pools[name] for name, (count, _) in services.items()
    )
    return Budget(max_connections=limit, reserve=reserve, pools=pools, peak=peak)


def service_pools(specs: Sequence[ServiceSpec], settings: Settings) -> dict[str, int]:
    """DB_POOL_SIZE per service of the stack: Aurora's limit at the stack's ACU range shared by
    every task that can run at once. Raises ValueError naming dbMaxAcu when it cannot."""
    return pool_budget(
        settings.db_min_acu,
        settings.db_max_acu,
        {
            s.name: (max(s.max_count, s.desired_count, s.size.count, s.size.max_count), s.serves)
            for s in specs
            if "database" in s.workload.uses
        },
    ).pools
