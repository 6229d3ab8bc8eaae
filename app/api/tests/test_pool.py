"""Connection behaviour chosen for Aurora Serverless v2 (auto-pause and ~15 s resume)."""

from __future__ import annotations

import socket
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.pool import NullPool

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


def test_no_connection_stays_open_between_requests(
    pg: PostgresServer, client: TestClient, migrated_db: DbInfo
) -> None:
    state: AppState = client.app.state.backend  # type: ignore[attr-defined]
    assert isinstance(state.db.engine.pool, NullPool)
    for i in range(5):
        assert client.post("/api/notes", json={"title": f"n{i}"}).status_code == 201
        assert client.get("/api/notes").status_code == 200
    assert client.get("/api/readyz").status_code == 200
    # Nothing idles in a pool, so a paused Aurora cluster is not kept awake.
    assert _app_connections(pg, migrated_db.user) == 0


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
