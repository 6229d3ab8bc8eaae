"""Faults with real servers: Redis restarting empty, PostgreSQL restarting, a password rotation.

Properties: no job accepted with 202 is lost and none runs twice; a database outage is a 503
with Retry-After on a keep-alive connection that keeps working; a rotation costs one secret read
per process, and jobs after it use the new password.
"""

from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from fastapi.testclient import TestClient
from psycopg import sql
from rq import Queue, SimpleWorker
from sqlalchemy import func, select, update

from backend import jobs
from backend.config import load_settings
from backend.db import Database
from backend.main import AppState, create_app
from backend.models import JobRecord
from backend.queue import QUEUE_NAME, job_queue, redis_connection
from tests.api_process import api_server
from tests.conftest import DbInfo, WorkerProcess
from tests.servers import PostgresServer, free_port, redis_server


def _state(client: TestClient) -> AppState:
    state: AppState = client.app.state.backend  # type: ignore[attr-defined]
    return state


def _jobs(db: Database) -> list[JobRecord]:
    with db.transaction() as session:
        return list(session.scalars(select(JobRecord)))


def test_redis_restarting_empty_loses_no_job_and_runs_none_twice(
    migrated_db: DbInfo, clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port, password = free_port(), "restart-test-token"
    env = {
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(port),
        "REDIS_TLS": "false",
        "REDIS_AUTH_TOKEN": password,
    }
    for key, value in env.items():
        clean_env.setenv(key, value)
    with TestClient(create_app()) as client:
        state = _state(client)
        # The API's Redis client gives up fast and does not retry: a request is never held up.
        kwargs = state.redis.connection_pool.connection_kwargs  # type: ignore[union-attr]
        assert kwargs["socket_timeout"] <= 1 and kwargs["socket_connect_timeout"] <= 1
        assert kwargs["retry"].get_retries() == 0

        notes = [
            client.post("/api/notes", json={"title": f"n{i}", "body": f"Body {i}. More."}).json()
            for i in range(12)
        ]
        with redis_server(port=port, password=password) as first:
            accepted = [client.post(f"/api/notes/{n['id']}/summarize") for n in notes[:8]]
            assert Queue(QUEUE_NAME, connection=first.client()).count == 8
        # Redis is gone (no worker ever ran): accepting still works, the jobs are recorded.
        while_down = [client.post(f"/api/notes/{n['id']}/summarize") for n in notes[8:]]
        assert client.get("/api/notes").status_code == 200
        responses = accepted + while_down
        assert [r.status_code for r in responses] == [202] * 12
        job_ids = {r.json()["job_id"] for r in responses}
        assert {j.id for j in _jobs(state.db)} == job_ids

        with redis_server(port=port, password=password) as second:
            assert Queue(QUEUE_NAME, connection=second.client()).count == 0  # restarted empty
            worker = WorkerProcess(
                {**dict(__import__("os").environ), "JOB_REQUEUE_SECONDS": "0.3"}, tmp_path / "worker.log"
            )
            try:
                deadline = time.monotonic() + 60
                while any(j.status != "finished" for j in _jobs(state.db)):
                    assert time.monotonic() < deadline, worker.output()
                    time.sleep(0.2)
                # Deliver every id a second time: the claim turns each away.
                for job_id in job_ids:
                    jobs.enqueue(second.client(), job_id)
                deadline = time.monotonic() + 30
                while Queue(QUEUE_NAME, connection=second.client()).count:
                    assert time.monotonic() < deadline, worker.output()
                    time.sleep(0.2)
                time.sleep(0.5)
            finally:
                assert worker.terminate() == 0
            records = _jobs(state.db)
            assert {j.id for j in records} == job_ids
            assert [j.attempts for j in records] == [1] * 12, worker.output()
            assert worker.output().count("duplicate delivery ignored") >= 12
        for note in notes:
            assert client.get(f"/api/notes/{note['id']}").json()["summary"] == f"Body {note['title'][1:]}."


def test_job_of_a_dead_worker_is_taken_back(
    migrated_db: DbInfo, redis_env: dict[str, str], redis_srv: Any
) -> None:
    with TestClient(create_app()) as client:
        state = _state(client)
        note = client.post("/api/notes", json={"title": "t", "body": "Once. Twice."}).json()
        job_id = client.post(f"/api/notes/{note['id']}/summarize").json()["job_id"]
        # A worker claimed it and was killed: the row says started, Redis no longer has it.
        with state.db.transaction() as session:
            assert jobs._claim(session, job_id) is not None
        redis_srv.client().flushall()
        redis = redis_connection(load_settings())
        assert jobs.requeue(state.db, redis, stale_seconds=3600) == 0  # a live run is left alone
        with state.db.transaction() as session:
            session.execute(
                update(JobRecord)
                .where(JobRecord.id == job_id)
                .values(started_at=func.now() - func.make_interval(0, 0, 0, 0, 1))
            )
        assert jobs.requeue(state.db, redis, stale_seconds=60) == 1
        assert client.get(f"/api/jobs/{job_id}").json()["status"] == "queued"
        SimpleWorker([job_queue(redis_connection(load_settings(), blocking=True))], connection=redis).work(
            burst=True
        )
        jobs.configure(state.db)
        body = client.get(f"/api/jobs/{job_id}").json()
        assert body["status"] == "finished", body
        with state.db.transaction() as session:
            assert session.get(JobRecord, job_id).attempts == 2  # type: ignore[union-attr]


def test_postgres_restart_is_a_503_on_a_connection_that_keeps_working(
    pg: PostgresServer, migrated_db: DbInfo, tmp_path: Path
) -> None:
    with api_server({"DB_CONNECT_TIMEOUT": "2"}, tmp_path / "api.log") as base:
        url = urlsplit(base)
        conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)

        def get(path: str) -> http.client.HTTPResponse:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            return response

        try:
            assert get("/api/notes").status == 200
            pg.stop()
            try:
                for path in ("/api/notes", "/api/notes/1", "/api/notes"):
                    down = get(path)
                    assert down.status == 503, (tmp_path / "api.log").read_text()
                    assert int(down.headers["Retry-After"]) > 0
                    assert down.headers["Connection"] != "close"
            finally:
                pg.start()
            # The same keep-alive connection, and the pool replaced its dead connections.
            assert get("/api/notes").status == 200
        finally:
            conn.close()
        assert "Traceback" not in (tmp_path / "api.log").read_text()


class _SecretReads:
    """Counts GetSecretValue calls made by real boto3 clients (against moto)."""

    def __init__(self) -> None:
        self.calls = 0

    def client(self, region: str | None) -> Any:
        client = boto3.client("secretsmanager", region_name=region)
        client.meta.events.register("before-call.secrets-manager.GetSecretValue", self._count)
        return client

    def _count(self, **kwargs: Any) -> None:
        self.calls += 1


def _rotate(pg: PostgresServer, db: DbInfo, password: str) -> None:
    with pg.admin() as conn:
        conn.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(db.user), sql.Literal(password))
        )


def _secret(db: DbInfo, password: str) -> str:
    return json.dumps({"username": db.user, "password": password})


def test_rotation_burst_reads_the_secret_once(
    pg: PostgresServer, migrated_db: DbInfo, clean_env: pytest.MonkeyPatch, aws: None
) -> None:
    sm = boto3.client("secretsmanager", region_name="eu-west-1")
    arn = sm.create_secret(Name="rds!burst", SecretString=_secret(migrated_db, migrated_db.password))["ARN"]
    clean_env.setenv("DB_SECRET_ARN", arn)
    reads = _SecretReads()
    with TestClient(create_app()) as client:
        state = _state(client)
        state.db.credentials._client_factory = reads.client
        assert client.get("/api/notes").status_code == 200
        # RDS changed the password but the secret is not updated yet; every pooled connection gone.
        _rotate(pg, migrated_db, "rotated-1")
        state.db.engine.dispose()
        with ThreadPoolExecutor(16) as pool:
            codes = list(pool.map(lambda _: client.get("/api/notes").status_code, range(48)))
        assert set(codes) == {503}
        assert reads.calls == 1
        # The secret catches up; after the pause between re-reads (30 s by default; the provider's
        # clock is moved on), one more read and all is well.
        sm.put_secret_value(SecretId=arn, SecretString=_secret(migrated_db, "rotated-1"))
        state.db.credentials._clock = lambda: time.monotonic() + 31
        with ThreadPoolExecutor(16) as pool:
            codes = list(pool.map(lambda _: client.get("/api/notes").status_code, range(48)))
        assert set(codes) == {200}
        assert reads.calls == 2


def test_worker_jobs_use_refreshed_credentials(
    pg: PostgresServer,
    migrated_db: DbInfo,
    redis_env: dict[str, str],
    clean_env: pytest.MonkeyPatch,
    aws: None,
) -> None:
    sm = boto3.client("secretsmanager", region_name="eu-west-1")
    arn = sm.create_secret(Name="rds!worker", SecretString=_secret(migrated_db, migrated_db.password))["ARN"]
    clean_env.setenv("DB_SECRET_ARN", arn)
    reads = _SecretReads()
    with TestClient(create_app()) as client:
        notes = [client.post("/api/notes", json={"title": f"t{i}", "body": "A. B."}).json() for i in range(4)]
        ids = [client.post(f"/api/notes/{n['id']}/summarize").json()["job_id"] for n in notes]
        _rotate(pg, migrated_db, "rotated-for-worker")
        sm.put_secret_value(SecretId=arn, SecretString=_secret(migrated_db, "rotated-for-worker"))
        failures_before = pg.auth_failures_logged()
        # The worker as it runs in its task: one process, jobs in-process (backend/worker.py).
        settings = load_settings()
        db = Database(settings, application_name="notes-worker")
        db.credentials._client_factory = reads.client
        jobs.configure(db)
        try:
            redis = redis_connection(settings, blocking=True)
            SimpleWorker([job_queue(redis)], connection=redis).work(burst=True)
        finally:
            db.dispose()
        # One failed login and one secret read for the whole run, not one per job.
        deadline = time.monotonic() + 5
        while pg.auth_failures_logged() == failures_before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pg.auth_failures_logged() - failures_before == 1
        assert reads.calls == 1
        statuses = {i: client.get(f"/api/jobs/{i}").json()["status"] for i in ids}
        assert set(statuses.values()) == {"finished"}
        assert [client.get(f"/api/notes/{n['id']}").json()["summary"] for n in notes] == ["A."] * 4
