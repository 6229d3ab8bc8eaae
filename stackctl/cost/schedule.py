"""The sleep schedule as the graph declares it: how many hours a week a thing is awake.

Two kinds of schedule are read:

- ECS services: the two Application Auto Scaling scheduled actions on the service's scalable
  target, one setting max capacity 0 (sleep), one restoring it (wake).
- EC2 instances (the NAT instance): EventBridge Scheduler schedules whose target is the EC2
  universal target `arn:aws:scheduler:::aws-sdk:ec2:stopInstances` or `...:startInstances`,
  with the input `{"InstanceIds": [<the instance's id>, ...]}` (the StopInstances and
  StartInstances request, as JSON).

Both expressions are `cron(<minute> <hour> ? * <days> *)`. The time zone
(`timezone` / `scheduleExpressionTimezone`) shifts the hours but not how many there are. A
schedule the model does not understand gives None: the thing is priced awake all month.
"""

from __future__ import annotations

import json
from typing import Any

from stackctl import aws_types as types
from stackctl.harness import Graph, Resource

HOURS_PER_WEEK = 168
STOP_INSTANCES = "arn:aws:scheduler:::aws-sdk:ec2:stopInstances"
START_INSTANCES = "arn:aws:scheduler:::aws-sdk:ec2:startInstances"
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


def _day_count(field: str) -> int | None:
    """Days a week a cron day-of-week field matches: `*`, `MON-FRI`, `SAT,SUN`, `1-5`."""
    if field in ("*", "?"):
        return 7
    days: set[int] = set()
    for part in field.split(","):
        low, dash, high = part.partition("-")
        try:
            first = _day_index(low)
            last = _day_index(high) if dash else first
        except ValueError:
            return None
        if last < first:
            return None
        days.update(range(first, last + 1))
    return len(days)


def _day_index(name: str) -> int:
    # Cron day-of-week: SUN-SAT, or 1-7 with 1 = Sunday (EventBridge cron expressions).
    if name.isdigit() and 1 <= int(name) <= 7:
        return int(name) - 1
    return _DAYS.index(name.upper())


def cron_hour_and_days(expression: str) -> tuple[float, str] | None:
    """`cron(0 20 ? * MON-FRI *)` -> (20.0, "MON-FRI"), `cron(50 7 ...)` -> (7.833.., ...);
    None for any other shape."""
    if not expression.startswith("cron(") or not expression.endswith(")"):
        return None
    parts = expression.removeprefix("cron(").removesuffix(")").split()
    if len(parts) != 6 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    if parts[2] not in ("?", "*") or parts[3] != "*" or parts[5] != "*":
        return None
    minute, hour = int(parts[0]), int(parts[1])
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return hour + minute / 60, parts[4]


def awake_hours(sleep_expression: str, wake_expression: str) -> float | None:
    """Hours a week between a wake and a sleep on the same days, or None (a wake a little
    before midnight for a day that starts at 0 h is on the previous day: other days field)."""
    sleep, wake = cron_hour_and_days(sleep_expression), cron_hour_and_days(wake_expression)
    if sleep is None or wake is None or sleep[1] != wake[1]:
        return None
    days = _day_count(sleep[1])
    if days is None:
        return None
    return round(((sleep[0] - wake[0]) % 24) * days, 4)


def awake_hours_per_week(graph: Graph, resource_id: str) -> float | None:
    """Hours a week a sleep schedule keeps an ECS service up, or None without one.

    `resource_id` is the scalable target's (`service/<cluster>/<service>`).
    """
    actions = [
        a for a in graph.of_type(types.SCHEDULED_ACTION) if a.get("resourceId") == resource_id
    ]
    sleeps = [a for a in actions if (a.get("scalableTargetAction") or {}).get("maxCapacity") == 0]
    wakes = [a for a in actions if a not in sleeps]
    if len(sleeps) != 1 or len(wakes) != 1:
        return None
    return awake_hours(str(sleeps[0].get("schedule")), str(wakes[0].get("schedule")))


def _schedule_instances(schedule: Resource) -> list[str]:
    target = schedule.get("target") or {}
    text = target.get("input") or "{}"
    try:
        document = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return []
    ids = document.get("InstanceIds") if isinstance(document, dict) else None
    return [str(i) for i in ids] if isinstance(ids, list) else []


def instance_schedules(graph: Graph, instance: Resource) -> dict[str, list[Resource]]:
    """The enabled Scheduler schedules that stop and start `instance`, by action."""
    found: dict[str, list[Resource]] = {"stop": [], "start": []}
    for schedule in graph.of_type(types.SCHEDULE):
        if str(schedule.get("state") or "ENABLED") != "ENABLED":
            continue
        if instance.id not in _schedule_instances(schedule):
            continue
        arn = str((schedule.get("target") or {}).get("arn") or "")
        if arn == STOP_INSTANCES:
            found["stop"].append(schedule)
        elif arn == START_INSTANCES:
            found["start"].append(schedule)
    return found


def instance_awake_hours_per_week(graph: Graph, instance: Resource) -> float | None:
    """Hours a week an EC2 instance runs between its start and stop schedules, or None."""
    found = instance_schedules(graph, instance)
    if len(found["stop"]) != 1 or len(found["start"]) != 1:
        return None
    return awake_hours(
        str(found["stop"][0].get("scheduleExpression")),
        str(found["start"][0].get("scheduleExpression")),
    )


def invocations_a_month(expression: str, hours_per_month: int) -> float | None:
    """Invocations a month of `cron(M H ? * DAYS *)` (once each matching day, any single minute
    and hour), `rate(N unit)` or `at(...)` (once); None for anything else."""
    weeks = hours_per_month / HOURS_PER_WEEK
    parts = expression.removeprefix("cron(").removesuffix(")").split()
    if expression.startswith("cron(") and len(parts) == 6:
        if parts[0].isdigit() and parts[1].isdigit() and parts[3] == "*":
            days = _day_count(parts[4]) if parts[2] in ("?", "*") else None
            return None if days is None else days * weeks
        return None
    if expression.startswith("rate(") and expression.endswith(")"):
        amount, _, unit = expression[5:-1].partition(" ")
        minutes = {"minute": 1, "minutes": 1, "hour": 60, "hours": 60, "day": 1440, "days": 1440}
        if amount.isdigit() and unit in minutes and int(amount) > 0:
            return hours_per_month * 60 / (int(amount) * minutes[unit])
        return None
    if expression.startswith("at("):
        return 1.0
    return None


def as_list(value: Any) -> list[Any]:
    """An input that the provider declares as one block, or a list of them."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
