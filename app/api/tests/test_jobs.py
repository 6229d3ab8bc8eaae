"""Redis with a password, job enqueueing through the API, and the real worker."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from backend import jobs
from backend.main import AppState, create_app
from backend.models import JobRecord
from backend.queue import QUEUE_NAME
from tests.conftest import DbInfo, WorkerProcess
from tests.servers import RedisServer

StartWorker = Callable[..., WorkerProcess]


@pytest.fixture
def job_client(migrated_db: DbInfo, redis_env: dict[str, str]) -> Any:
    with TestClient(create_app()) as client:
        yield client


def _wait_for_job(client: TestClient, job_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
        if body["status"] in ("finished", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def test_readyz_checks_redis(job_client: TestClient) -> None:
    response = job_client.get("/api/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_fails_with_wrong_redis_password(
    migrated_db: DbInfo, redis_env: dict[str, str], clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("REDIS_AUTH_TOKEN", "wrong-token")
    with TestClient(create_app()) as client:
        response = client.get("/api/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "unreachable"


def test_accepted_job_is_recorded_then_queued(job_client: TestClient, redis_srv: RedisServer) -> None:
    note = job_client.post("/api/notes", json={"title": "t", "body": "b"}).json()
    accepted = job_client.post(f"/api/notes/{note['id']}/summarize")
    assert accepted.status_code == 202
    body = accepted.json()
    assert body["status"] == "queued"
    assert body["status_url"] == f"/api/jobs/{body['job_id']}"
    assert job_client.get(body["status_url"]).json() == {
        "job_id": body["job_id"],
        "status": "queued",
        "result": None,
        "error": None,
    }
    # Redis carries only the id, under the same id; the job timeout is 90 s.
    job = Job.fetch(body["job_id"], connection=redis_srv.client())
    assert job.func_name == "backend.jobs.run"
    assert job.args == (body["job_id"],)
    assert job.timeout == 90
    assert Queue(QUEUE_NAME, connection=redis_srv.client()).count == 1


def test_summarize_unknown_note_and_unknown_job(job_client: TestClient) -> None:
    assert job_client.post("/api/notes/999999/summarize").status_code == 404
    assert job_client.get(f"/api/jobs/{uuid.uuid4()}").status_code == 404
    assert job_client.get("/api/jobs/does-not-exist").status_code == 422


def test_job_round_trip_through_worker(job_client: TestClient, start_worker: StartWorker) -> None:
    worker = start_worker()
    note = job_client.post(
        "/api/notes",
        json={
            "title": "Trip",
            "body": "Workers process jobs from Redis. This sentence is not in the summary.",
        },
    ).json()
    job_id = job_client.post(f"/api/notes/{note['id']}/summarize").json()["job_id"]

    body = _wait_for_job(job_client, job_id)
    assert body["status"] == "finished", worker.output()
    assert body["result"] == {
        "note_id": note["id"],
        "summary": "Workers process jobs from Redis.",
        "word_count": 12,
    }
    assert job_client.get(f"/api/notes/{note['id']}").json()["summary"] == "Workers process jobs from Redis."

    assert worker.terminate() == 0
    assert "stopped" in worker.output()


def test_sigterm_finishes_current_job_then_exits(
    redis_env: dict[str, str], redis_srv: RedisServer, start_worker: StartWorker
) -> None:
    worker = start_worker()
    queue = Queue(QUEUE_NAME, connection=redis_srv.client())
    job = queue.enqueue("time.sleep", 3)
    deadline = time.monotonic() + 20
    while job.get_status() != JobStatus.STARTED:
        assert time.monotonic() < deadline, worker.output()
        time.sleep(0.05)

    signalled = time.monotonic()
    assert worker.terminate(timeout=30) == 0
    # The worker waited for the job instead of abandoning it.
    assert time.monotonic() - signalled > 1.5
    assert job.get_status() == JobStatus.FINISHED, worker.output()
    assert "warm shut down requested" in worker.output()


def test_failed_attempts_back_off_then_fail_with_a_short_error(
    job_client: TestClient, redis_srv: RedisServer
) -> None:
    state: AppState = job_client.app.state.backend  # type: ignore[attr-defined]
    note = job_client.post("/api/notes", json={"title": "t"}).json()
    job_id = job_client.post(f"/api/notes/{note['id']}/summarize").json()["job_id"]
    error = jobs.short_error(OperationalError("SELECT 1", {}, Exception("server closed the connection")))
    assert "sqlalche.me" not in error and "SELECT" not in error
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        with state.db.transaction() as session:
            session.execute(update(JobRecord).where(JobRecord.id == job_id).values(available_at=func.now()))
            assert jobs._claim(session, job_id) is not None
        jobs._release(state.db, job_id, attempt, error)
        with state.db.transaction() as session:
            row = session.get(JobRecord, job_id)
            assert row is not None
            assert row.attempts == attempt
            if attempt < jobs.MAX_ATTEMPTS:
                assert row.status == "queued"
                # Back-off: not available again at once.
                waiting = session.scalar(
                    select(JobRecord.available_at > func.now()).where(JobRecord.id == job_id)
                )
                assert waiting
    body = job_client.get(f"/api/jobs/{job_id}").json()
    assert body["status"] == "failed"
    assert body["error"] == error
    assert len(body["error"]) <= 200


def test_worker_without_redis_idles_and_exits_on_sigterm(
    clean_env: pytest.MonkeyPatch, start_worker: StartWorker
) -> None:
    worker = start_worker({"WORKER_IDLE_LOG_INTERVAL": "0.2"})
    worker.wait_for_output("Redis is not configured")
    time.sleep(0.5)
    assert worker.output().count("Redis is not configured") >= 2
    assert worker.proc.poll() is None
    assert worker.terminate(timeout=10) == 0
    assert "idle worker stopped" in worker.output()
