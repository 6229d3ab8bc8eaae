"""How many tasks an ECS service runs idle, and for what share of the week."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stackctl import aws_types as types
from stackctl.cost.schedule import HOURS_PER_WEEK, awake_hours_per_week
from stackctl.harness import Graph, Resource


def as_float(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


@dataclass(frozen=True)
class IdleTasks:
    count: int  # tasks while awake
    awake: float | None  # hours a week awake under a sleep schedule, None without one
    note: str

    @property
    def share(self) -> float:
        """Share of the month the tasks run (1.0 without a sleep schedule)."""
        return 1.0 if self.awake is None else self.awake / HOURS_PER_WEEK


def idle_tasks(graph: Graph, service: Resource) -> IdleTasks:
    """The scalable target's `minCapacity` when there is one (and its sleep schedule), else
    the service's `desiredCount`."""
    name = str(service.get("name") or service.name)
    target = next(
        (
            t
            for t in graph.of_type(types.SCALING_TARGET)
            if str(t.get("scalableDimension")) == "ecs:service:DesiredCount"
            and str(t.get("resourceId")).endswith(f"/{name}")
        ),
        None,
    )
    if target is None:
        count = int(as_float(service.get("desiredCount"), 1))
        return IdleTasks(count, None, f"desiredCount {count}")
    count = int(as_float(target.get("minCapacity")))
    note = f"scalable target: idle at minCapacity {count}"
    awake = awake_hours_per_week(graph, str(target.get("resourceId")))
    if awake is not None:
        note += f"; sleep schedule: up {awake:g} of {HOURS_PER_WEEK} h a week"
    return IdleTasks(count, awake, note)
