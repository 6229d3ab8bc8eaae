"""The database connection insists on TLS, against a PostgreSQL that offers it (tests/servers.py)."""

from __future__ import annotations

import psycopg
import pytest
from fastapi.testclient import TestClient

from backend.config import DEFAULT_SSLMODE, load_settings
from backend.main import create_app
from tests.conftest import DbInfo
from tests.servers import PostgresServer


def test_default_sslmode_requires_tls() -> None:
    assert DEFAULT_SSLMODE == "require"
    assert load_settings({}).db_sslmode == "require"
    assert load_settings({"DB_SSLMODE": " "}).db_sslmode == "require"
    assert load_settings({"DB_SSLMODE": "verify-full"}).db_sslmode == "verify-full"


def test_unknown_sslmode_is_rejected_with_the_allowed_values() -> None:
    with pytest.raises(ValueError, match=r"DB_SSLMODE='requried'.*require, verify-ca, verify-full"):
        load_settings({"DB_SSLMODE": "requried"})


def test_the_test_server_refuses_connections_without_tls(pg: PostgresServer, migrated_db: DbInfo) -> None:
    conninfo = psycopg.conninfo.make_conninfo(
        host=pg.host,
        port=pg.port,
        user=migrated_db.user,
        password=migrated_db.password,
        dbname=migrated_db.name,
    )
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(conninfo, sslmode="disable")
    with psycopg.connect(conninfo, sslmode="require") as conn:
        row = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    assert row == (True,)


def test_the_app_connects_over_tls_by_default(migrated_db: DbInfo, pg: PostgresServer) -> None:
    with TestClient(create_app()) as client:
        state = client.app.state.backend  # type: ignore[attr-defined]
        with state.db.engine.connect() as conn:
            ssl = conn.exec_driver_sql("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").scalar()
        assert ssl is True
        assert client.get("/api/readyz").status_code == 200


def test_the_app_without_tls_is_refused(migrated_db: DbInfo, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DB_SSLMODE", "disable")
    with TestClient(create_app()) as client:
        response = client.get("/api/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] != "ok"
