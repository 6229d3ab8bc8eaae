"""The live check's HTTP checks against a real local HTTP server that answers like CloudFront in
front of the app (tests/live/site_double.py): warm-up (502s, a stalled first answer, readiness
503s) is waited out; each mistake a deployed stack can make fails with a message naming the step,
the URL and what came back. No wall clock: the waiter's clock advances only by its sleeps."""

from __future__ import annotations

import pytest

from tests.live.http_checks import (
    Backoff,
    CheckFailedError,
    Waiter,
    check_api_health,
    check_site,
    json_fields,
    note_round_trip,
    wait_for,
)
from tests.live.site_double import AUTHOR, TOKEN, Behaviour, serving


class FakeClock:
    """Time that moves only when the waiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def waiter(clock: FakeClock, budget: float = 600.0, timeout: float = 5.0) -> Waiter:
    return Waiter(
        backoff=Backoff(first=2.0, factor=2.0, cap=30.0, budget=budget),
        clock=clock,
        sleep=clock.sleep,
        timeout=timeout,
    )


def full_check(url: str, clock: FakeClock, **kwargs: object) -> None:
    w = waiter(clock, **kwargs)  # type: ignore[arg-type]
    check_site(url, w)
    check_api_health(url, w)
    note_round_trip(url, w, access_token=TOKEN, author_id=AUTHOR)


def test_a_healthy_stack_passes_every_check_without_waiting() -> None:
    clock = FakeClock()
    behaviour = Behaviour()
    with serving(behaviour) as url:
        full_check(url, clock)
    assert clock.sleeps == []
    assert behaviour.notes == {}  # the round trip deleted its note


def test_warm_up_502s_a_stalled_start_and_a_waking_database_are_waited_out() -> None:
    clock = FakeClock()
    behaviour = Behaviour(warmup_502=3, slow_requests=1, slow_seconds=1.0, readyz_503=2)
    with serving(behaviour) as url:
        full_check(url, clock, timeout=0.3)
    # 1 timeout + 2 more 502s before the page, 2 readiness 503s: five waits, growing
    assert clock.sleeps == [2.0, 4.0, 8.0, 2.0, 4.0]


def test_backoff_is_capped_and_the_budget_ends_the_wait_with_the_history() -> None:
    clock = FakeClock()
    with serving(Behaviour(faults={"db-down"})) as url, pytest.raises(CheckFailedError) as failed:
        check_api_health(url, waiter(clock, budget=120.0))
    message = str(failed.value)
    assert "the API's readiness (database reachable)" in message
    assert f"{url}/api/readyz" in message
    assert "x HTTP 503" in message and "unreachable" in message  # history, then the last body
    assert max(clock.sleeps) == 30.0
    assert clock.now <= 120.0


def test_a_server_error_fails_at_once_instead_of_being_retried() -> None:
    clock = FakeClock()
    with serving(Behaviour(faults={"home-500"})) as url, pytest.raises(CheckFailedError) as failed:
        check_site(url, waiter(clock))
    assert clock.sleeps == []
    assert "the site's home page: GET" in str(failed.value)
    assert "HTTP 500" in str(failed.value)
    assert "x-amz-cf-id: local-" in str(failed.value)


def test_nothing_listening_is_retried_then_reported() -> None:
    clock = FakeClock()
    with serving(Behaviour()) as url:
        pass  # closed: nothing listens on that port any more
    with pytest.raises(CheckFailedError) as failed:
        check_site(url, waiter(clock, budget=20.0))
    assert "no answer" in str(failed.value)
    assert clock.sleeps == [2.0, 4.0, 8.0]


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("api-unreachable", "the page shows ['data-testid=\"api-error\"']"),
        ("asset-missing", "a static file of the page: GET"),
        ("no-assets", "loads no /_next/static/ file"),
    ],
)
def test_the_site_check_catches(fault: str, says: str) -> None:
    clock = FakeClock()
    with serving(Behaviour(faults={fault})) as url, pytest.raises(CheckFailedError) as failed:
        check_site(url, waiter(clock, budget=30.0))
    assert says in str(failed.value)


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        ("drops-authorization", "writing a note: POST"),
        ("anonymous-writes", "expected HTTP 401"),
        ("body-lost", "differs from what was written: {'body': ''}"),
        ("page-stale", "the new note on the home page"),
        ("delete-ignored", "the deleted note: GET"),
    ],
)
def test_the_note_round_trip_catches(fault: str, says: str) -> None:
    clock = FakeClock()
    with serving(Behaviour(faults={fault})) as url, pytest.raises(CheckFailedError) as failed:
        note_round_trip(url, waiter(clock, budget=30.0), access_token=TOKEN, author_id=AUTHOR)
    assert says in str(failed.value)
    assert url in str(failed.value)


def test_the_round_trip_checks_the_author() -> None:
    clock = FakeClock()
    with serving(Behaviour()) as url, pytest.raises(CheckFailedError) as failed:
        note_round_trip(url, waiter(clock), access_token=TOKEN, author_id="someone-else")
    assert "'author_id': '11111111" in str(failed.value)


def test_an_open_stack_writes_anonymously() -> None:
    clock = FakeClock()
    with serving(Behaviour(faults={"anonymous-writes"})) as url:
        trip = note_round_trip(url, waiter(clock), access_token=None)
    assert trip.note_id == 1


def test_an_unexpected_json_field_is_named() -> None:
    clock = FakeClock()
    with serving(Behaviour()) as url, pytest.raises(CheckFailedError) as failed:
        wait_for(
            "liveness", "GET", f"{url}/api/healthz", json_fields({"status": "up"}),
            waiter(clock, budget=10.0),
        )  # fmt: skip
    assert "expected {'status': 'up'}, got {'status': 'ok'}" in str(failed.value)
