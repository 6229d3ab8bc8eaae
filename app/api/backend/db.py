"""SQLAlchemy engine: a bounded pool for Aurora Serverless v2 and rotating passwords.

Pool: at most ``DB_POOL_SIZE`` connections per process (no overflow). The infrastructure
computes that number from Aurora's ``max_connections`` at the stack's maximum ACUs and the
largest number of tasks that can run at once (components/config/db_budget.py), so all tasks together
stay under what the database accepts. A request that finds every connection busy waits at most
``DB_POOL_TIMEOUT`` seconds and is then shed with 503 + Retry-After (backend/errors.py), before
the database has to refuse anyone.

Idle connections do not pin the cluster awake: every connection asks the server to close it
after ``DB_IDLE_SECONDS`` idle (PostgreSQL's ``idle_session_timeout``), well under Aurora's
auto-pause delay, and the pool pings a connection before handing it out (``pool_pre_ping``),
replacing one the server closed (idle timeout, restart, failover). LIFO checkout keeps the few
connections a light load needs warm and lets the rest idle out.

Connect timeout: 30 s by default (DB_CONNECT_TIMEOUT), longer than the ~15 s Aurora needs to
resume from a pause, so the first request after a pause waits rather than fails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from backend.config import Settings
from backend.credentials import CredentialProvider

log = logging.getLogger(__name__)

# SQLSTATE codes PostgreSQL uses for a rejected login.
_AUTH_SQLSTATES = {"28P01", "28000"}


def is_auth_failure(exc: BaseException) -> bool:
    """True when ``exc`` says the server rejected our username/password."""
    if not isinstance(exc, psycopg.OperationalError):
        return False
    if getattr(exc, "sqlstate", None) in _AUTH_SQLSTATES:
        return True
    message = str(exc).lower()
    return "password authentication failed" in message or "no password supplied" in message


def database_url(settings: Settings) -> URL:
    # No credentials in the URL: they are injected per connection below.
    return URL.create(
        "postgresql+psycopg",
        host=settings.db_host,
        port=settings.db_port,
        database=settings.db_name,
    )


def server_options(settings: Settings) -> str:
    """Session settings sent with every connection (libpq ``options``)."""
    idle_ms = settings.db_idle_seconds * 1000
    statement_ms = round(settings.db_statement_timeout * 1000)
    return f"-c idle_session_timeout={idle_ms} -c statement_timeout={statement_ms}"


def create_db_engine(
    settings: Settings, credentials: CredentialProvider, application_name: str = "notes-api"
) -> Engine:
    engine = create_engine(
        database_url(settings),
        poolclass=QueuePool,
        pool_size=settings.db_pool_size,
        max_overflow=0,
        pool_timeout=settings.db_pool_timeout,
        pool_pre_ping=True,
        pool_use_lifo=True,
        connect_args={
            "connect_timeout": settings.db_connect_timeout,
            "sslmode": settings.db_sslmode,
            "application_name": application_name,
            "options": server_options(settings),
        },
    )

    @event.listens_for(engine, "do_connect")
    def _connect_with_current_credentials(
        dialect: Dialect,
        conn_rec: ConnectionPoolEntry,
        cargs: tuple[Any, ...],
        cparams: dict[str, Any],
    ) -> Any:
        creds = credentials.current()
        cparams["user"] = creds.username
        cparams["password"] = creds.password
        try:
            return dialect.connect(*cargs, **cparams)
        except psycopg.OperationalError as exc:
            if not is_auth_failure(exc):
                raise
            log.warning("database rejected credentials for %s; refreshing", creds.username)
        fresh = credentials.refresh(stale=creds)
        cparams["user"] = fresh.username
        cparams["password"] = fresh.password
        return dialect.connect(*cargs, **cparams)

    return engine


class Database:
    """Engine + session factory + credential provider, created once per process."""

    def __init__(
        self,
        settings: Settings,
        credentials: CredentialProvider | None = None,
        application_name: str = "notes-api",
    ) -> None:
        self.settings = settings
        self.credentials = credentials or CredentialProvider(settings)
        self.engine = create_db_engine(settings, self.credentials, application_name)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessionmaker()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction: commits when the block ends, rolls back if it raises. The
        connection goes back to the pool as soon as the block ends."""
        with self.sessionmaker.begin() as session:
            yield session

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
