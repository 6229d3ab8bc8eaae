from __future__ import annotations

from psycopg import sql

from tests.conftest import DbInfo, run_alembic
from tests.servers import PostgresServer


def _tables(pg: PostgresServer, db: DbInfo) -> set[str]:
    with pg.admin(db.name) as conn:
        rows = conn.execute(sql.SQL("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).fetchall()
    return {str(row[0]) for row in rows}


def test_upgrade_from_empty_database(pg: PostgresServer, empty_db: DbInfo) -> None:
    assert _tables(pg, empty_db) == set()

    result = run_alembic(empty_db.env, "upgrade", "head")
    assert result.returncode == 0, result.stderr

    assert _tables(pg, empty_db) == {"notes", "idempotency_keys", "jobs", "alembic_version"}
    with pg.admin(empty_db.name) as conn:
        version = conn.execute(sql.SQL("SELECT version_num FROM alembic_version")).fetchone()
        columns = conn.execute(
            sql.SQL("SELECT column_name FROM information_schema.columns WHERE table_name = 'notes'")
        ).fetchall()
        owner = conn.execute(sql.SQL("SELECT tableowner FROM pg_tables WHERE tablename = 'notes'")).fetchone()
        job_columns = conn.execute(
            sql.SQL("SELECT column_name FROM information_schema.columns WHERE table_name = 'jobs'")
        ).fetchall()
    assert version == ("0003",)
    assert {c[0] for c in columns} == {"id", "title", "body", "summary", "author_id", "created_at"}
    assert {"id", "status", "attempts", "available_at", "started_at"} <= {c[0] for c in job_columns}
    # The migration ran as the application role, with credentials from the environment.
    assert owner == (empty_db.user,)


def test_upgrade_is_idempotent_and_downgrade_works(pg: PostgresServer, empty_db: DbInfo) -> None:
    assert run_alembic(empty_db.env, "upgrade", "head").returncode == 0
    assert run_alembic(empty_db.env, "upgrade", "head").returncode == 0
    down = run_alembic(empty_db.env, "downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert _tables(pg, empty_db) == {"alembic_version"}


def test_migration_fails_with_wrong_password(empty_db: DbInfo) -> None:
    env = {**empty_db.env, "DB_PASSWORD": "not-the-password"}
    result = run_alembic(env, "upgrade", "head")
    assert result.returncode != 0
    assert "password authentication failed" in result.stderr
