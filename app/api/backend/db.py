"""SQLAlchemy engine tuned for Aurora Serverless v2 and rotating passwords.

Pool choice: ``NullPool``. Every checkout opens a new connection and every
check-in closes it, so the service never holds an idle connection. Aurora
Serverless v2 can only auto-pause when there are no connections, and a
classic pool (even with ``pool_recycle``) keeps its idle connections open
forever and would pin the cluster awake. The cost is one TCP+TLS handshake
per request (a few milliseconds inside a VPC), which is fine for this
workload. A side benefit: each new connection picks up refreshed credentials.

Connect timeout: 30 s by default (DB_CONNECT_TIMEOUT), longer than the ~15 s
Aurora needs to resume from a pause, so the first request after a pause waits
rather than fails.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.engine.interfaces import Dialect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

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


def create_db_engine(settings: Settings, credentials: CredentialProvider) -> Engine:
    engine = create_engine(
        database_url(settings),
        poolclass=NullPool,
        connect_args={
            "connect_timeout": settings.db_connect_timeout,
            "sslmode": settings.db_sslmode,
            "application_name": "notes-api",
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

    def __init__(self, settings: Settings, credentials: CredentialProvider | None = None) -> None:
        self.settings = settings
        self.credentials = credentials or CredentialProvider(settings)
        self.engine = create_db_engine(settings, self.credentials)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    def session(self) -> Session:
        return self.sessionmaker()

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
