"""Alembic environment: uses the same engine (credentials refresh, timeouts) as the app."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from backend.config import load_settings
from backend.db import Database, database_url
from backend.models import Base

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    url = database_url(load_settings()).render_as_string(hide_password=True)
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    db = Database(load_settings())
    try:
        with db.engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        db.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
