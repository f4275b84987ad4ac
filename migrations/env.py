"""Alembic environment for the case database.

The URL is taken, in order, from ``-x url=...``, from ``config.attributes["url"]`` (set by
``store.database.migrate``), from ``sqlalchemy.url`` in the ini, and finally from the product
settings (CME_DATABASE_URL or the SQLite file in the state folder).
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from adapters.settings import load_settings
from store.migrations import restamp_former_revision_ids
from store.orm import Base

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _database_url() -> str:
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.attributes.get("url")
        or config.get_main_option("sqlalchemy.url")
    )
    return str(url) if url else load_settings().case_database_url


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def run_migrations_offline() -> None:
    url = _database_url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=_is_sqlite(url),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = _database_url()
    # A plain engine, without the product's SQLite foreign-key pragma: batch migrations on SQLite
    # rebuild tables by copy-and-drop, which enforced foreign keys would block or cascade.
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.begin() as connection:
            restamp_former_revision_ids(connection)
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=_is_sqlite(url),
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
