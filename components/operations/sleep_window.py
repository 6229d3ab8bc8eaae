"""When a sleeping stack is surely awake, as a CloudWatch metric math condition.

A stack with a sleep schedule (`weekdays 08-20 Europe/Berlin`) runs no task outside its working
hours, so an alarm on "fewer tasks than desired" must only count inside them. CloudWatch metric
math can read the time of each datapoint: `HOUR(x)` is its hour (0-23) and `DAY(x)` its day of
the week (1 = Monday ... 7 = Sunday), both in UTC, with no notion of time zones or daylight
saving time.

`awake_utc_slots` therefore keeps only the UTC hours that are working hours under *every* UTC
offset the schedule's time zone uses during the year (so a daylight-saving change never puts a
sleeping hour inside the window), minus the first working hour (the services scale up at the
wake hour and need a few minutes to start). `awake_condition` writes those hours as one
expression over a series id.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from components.config.values import SleepSchedule

MINUTES_PER_WEEK = 7 * 24 * 60
HOURS_PER_WEEK = 7 * 24
START_GRACE_HOURS = 1  # the first working hour: tasks are still starting


def utc_offsets(timezone: str, year: int) -> frozenset[int]:
    """Every UTC offset (minutes) the zone uses in `year`, sampled each day at noon UTC."""
    zone = ZoneInfo(timezone)
    start = datetime(year, 1, 1, 12, tzinfo=UTC)
    offsets = set()
    for day in range(366):
        offset = (start + timedelta(days=day)).astimezone(zone).utcoffset()
        offsets.add(int(offset.total_seconds() // 60) if offset is not None else 0)
    return frozenset(offsets)


def _awake_minutes_utc(schedule: SleepSchedule, offset: int) -> list[tuple[int, int]]:
    """The week's working intervals (minutes since Monday 00:00 UTC), grace hour excluded."""
    days = range(5) if schedule.days == "weekdays" else range(7)
    start_hour = schedule.wake_hour + START_GRACE_HOURS
    intervals = []
    for day in days:
        if start_hour >= schedule.sleep_hour:
            continue
        local_start = day * 1440 + start_hour * 60
        local_end = day * 1440 + schedule.sleep_hour * 60
        intervals.append((local_start - offset, local_end - offset))
    return intervals


def _hour_covered(hour_slot: int, intervals: list[tuple[int, int]]) -> bool:
    start = hour_slot * 60
    for low, high in intervals:
        # The week wraps around: test the slot against the interval shifted by a week both ways.
        for shift in (-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK):
            if low + shift <= start and start + 60 <= high + shift:
                return True
    return False


def awake_utc_slots(schedule: SleepSchedule, year: int) -> frozenset[int]:
    """UTC hours of the week (0 = Monday 00:00-01:00 UTC ... 167) that are surely awake."""
    slots = set(range(HOURS_PER_WEEK))
    for offset in utc_offsets(schedule.timezone, year):
        intervals = _awake_minutes_utc(schedule, offset)
        slots &= {s for s in range(HOURS_PER_WEEK) if _hour_covered(s, intervals)}
    return frozenset(slots)


def awake_condition(series: str, slots: frozenset[int]) -> str:
    """A metric math condition true for datapoints of `series` that fall in `slots`."""
    clauses = []
    for day in range(7):
        hours = sorted(s % 24 for s in slots if s // 24 == day)
        for low, high in _runs(hours):
            clauses.append(
                f"(DAY({series})=={day + 1} AND HOUR({series})>={low} AND HOUR({series})<{high})"
            )
    return " OR ".join(clauses) if clauses else "0"


def _runs(hours: list[int]) -> list[tuple[int, int]]:
    """[8, 9, 10, 14] -> [(8, 11), (14, 15)]: half-open ranges of consecutive hours."""
    runs: list[tuple[int, int]] = []
    for hour in hours:
        if runs and runs[-1][1] == hour:
            runs[-1] = (runs[-1][0], hour + 1)
        else:
            runs.append((hour, hour + 1))
    return runs
