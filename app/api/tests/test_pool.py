"""Connection behaviour chosen for Aurora Serverless v2 (auto-pause and ~15 s resume)."""

from __future__ import annotations

import socket
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.pool import QueuePool

from backend.config import load_settings
from backend.main import AppState, create_app
from tests.conftest import DbInfo
from tests.servers import PostgresServer


def _app_connections(pg: PostgresServer, user: str) -> int:
    with pg.admin() as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (user,)).fetchone()
    assert row is not None
    count = row[0]
    assert isinstance(count, int)
    return count


def test_pool_is_bounded_and_idle_connections_close(
    pg: PostgresServer, migrated_db: DbInfo, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("DB_POOL_SIZE", "3")
    clean_env.setenv("DB_IDLE_SECONDS", "1")
    with TestClient(create_app()) as client:
        state: AppState = client.app.state.backend  # type: ignore[attr-defined]
        pool = state.db.engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.size() == 3
        assert pool._max_overflow == 0
        for i in range(5):
            assert client.post("/api/notes", json={"title": f"n{i}"}).status_code == 201
            assert client.get("/api/notes").status_code == 200
        assert client.get("/api/readyz").status_code == 200
        assert 1 <= _app_connections(pg, migrated_db.user) <= 3
        # The server closes idle connections (idle_session_timeout), so a paused Aurora cluster
        # is not kept awake by the pool...
        deadline = time.monotonic() + 20
        while _app_connections(pg, migrated_db.user) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _app_connections(pg, migrated_db.user) == 0
        # ...and the pool replaces the closed connection transparently (pre-ping).
        assert client.get("/api/notes").status_code == 200


def test_a_write_uses_one_connection_and_one_transaction(client: TestClient) -> None:
    state: AppState = client.app.state.backend  # type: ignore[attr-defined]
    checkouts: list[object] = []
    commits: list[object] = []
    event.listen(state.db.engine, "checkout", lambda *a: checkouts.append(a))
    event.listen(state.db.engine, "commit", lambda *a: commits.append(a))
    assert client.post("/api/notes", json={"title": "one"}).status_code == 201
    assert (len(checkouts), len(commits)) == (1, 1)


def test_default_connect_timeout_outlasts_aurora_resume() -> None:
    settings = load_settings({})
    assert settings.db_connect_timeout == 30
    assert settings.db_connect_timeout > 15


def test_connect_timeout_is_applied(clean_env: pytest.MonkeyPatch) -> None:
    # A server that accepts TCP connections but never speaks, like a database still resuming.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        clean_env.setenv("DB_HOST", "127.0.0.1")
        clean_env.setenv("DB_PORT", str(silent.getsockname()[1]))
        clean_env.setenv("DB_USERNAME", "u")
        clean_env.setenv("DB_PASSWORD", "p")
        clean_env.setenv("DB_CONNECT_TIMEOUT", "3")
        with TestClient(create_app()) as client:
            started = time.monotonic()
            response = client.get("/api/readyz")
            waited = time.monotonic() - started
    assert response.status_code == 503
    # It waited for the configured time (not failing at once, not hanging).
    assert 2.5 <= waited < 15, waited
