"""The running-tasks alarm of a sleeping stack counts only when the stack is surely awake."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from components.config.values import parse_sleep
from components.operations.sleep_window import awake_condition, awake_utc_slots

SCHEDULES = (
    "weekdays 08-20",
    "weekdays 08-20 Europe/Berlin",
    "daily 07-22 America/New_York",
    "weekdays 09-18 Asia/Kolkata",  # a half-hour offset
    "daily 06-23 Asia/Tokyo",  # working hours that cross midnight UTC
    "weekdays 08-20 Australia/Sydney",  # daylight saving time in the southern summer
)
CLAUSE = re.compile(r"\(DAY\(t\)==(\d) AND HOUR\(t\)>=(\d+) AND HOUR\(t\)<(\d+)\)")


def evaluate(condition: str, moment: datetime) -> bool:
    """Evaluate the condition the way CloudWatch does: weekday 1-7 and hour of the UTC time."""
    clauses = CLAUSE.findall(condition)
    assert " OR ".join(f"(DAY(t)=={d} AND HOUR(t)>={a} AND HOUR(t)<{b})"
                       for d, a, b in clauses) == condition  # fmt: skip
    day, hour = moment.isoweekday(), moment.hour
    return any(int(d) == day and int(a) <= hour < int(b) for d, a, b in clauses)


def locally_awake(text: str, moment: datetime) -> bool:
    """Whether every minute of the UTC hour starting at `moment` is past the first working
    hour and before the sleep hour, in the schedule's own time zone."""
    schedule = parse_sleep(text)
    assert schedule is not None
    zone = ZoneInfo(schedule.timezone)
    for minute in (0, 59):
        local = (moment + timedelta(minutes=minute)).astimezone(zone)
        if schedule.days == "weekdays" and local.isoweekday() > 5:
            return False
        if not schedule.wake_hour + 1 <= local.hour < schedule.sleep_hour:
            return False
    return True


@pytest.mark.parametrize(
    ("utc", "awake"),
    [
        (datetime(2026, 1, 5, 10, tzinfo=UTC), True),  # Monday 11:00 in Berlin
        (datetime(2026, 1, 5, 7, tzinfo=UTC), False),  # Monday 08:00: the first hour
        (datetime(2026, 1, 5, 19, tzinfo=UTC), False),  # Monday 20:00: asleep
        (datetime(2026, 1, 5, 18, 30, tzinfo=UTC), False),  # the hour runs into 20:00
        (datetime(2026, 1, 3, 12, tzinfo=UTC), False),  # Saturday
    ],
)
def test_the_oracle_tells_asleep_from_awake(utc: datetime, awake: bool) -> None:
    """The next test trusts `locally_awake`: it must answer False for a sleeping hour."""
    assert locally_awake("weekdays 08-20 Europe/Berlin", utc) is awake


@pytest.mark.parametrize("text", SCHEDULES)
def test_the_alarm_window_never_includes_a_sleeping_hour(text: str) -> None:
    """Every UTC hour of a whole year: inside the window means awake in the local zone."""
    schedule = parse_sleep(text)
    assert schedule is not None
    condition = awake_condition("t", awake_utc_slots(schedule, 2026))
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    counted = asleep_but_counted = 0
    while moment.year == 2026:
        if evaluate(condition, moment):
            counted += 1
            asleep_but_counted += not locally_awake(text, moment)
        moment += timedelta(hours=1)
    assert asleep_but_counted == 0
    # And it still watches most of the working week (lost: the first hour, and one hour at
    # each end where daylight saving time moves the window).
    awake_hours = (schedule.sleep_hour - schedule.wake_hour) * (
        5 if schedule.days == "weekdays" else 7
    )
    assert counted >= 52 * (awake_hours - 3 * (5 if schedule.days == "weekdays" else 7))
    assert len(awake_condition("tasks", awake_utc_slots(schedule, 2026))) < 1900  # limit 2048


def test_utc_schedule_is_exact_apart_from_the_start_hour() -> None:
    schedule = parse_sleep("weekdays 08-20")
    assert schedule is not None
    slots = awake_utc_slots(schedule, 2026)
    assert slots == {day * 24 + hour for day in range(5) for hour in range(9, 20)}
