"""Migrating the case database to the latest schema (Alembic).

Apart from store/database.py so that a flow-run process, which never migrates, does not pay for
importing Alembic.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import make_url

from adapters.settings import PROJECT_ROOT


def alembic_config(url: str) -> Config:
    """Build the Alembic configuration for ``url`` from ``alembic.ini`` at the project root."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    # Passed as an attribute, not an ini option, so a "%" in a password needs no escaping.
    config.attributes["url"] = url
    # The caller (the launcher, pytest) owns logging; the ini's fileConfig would reset it.
    config.attributes["configure_logging"] = False
    return config


def migrate(url: str) -> None:
    """Upgrade the case database at ``url`` to the latest schema (``alembic upgrade head``).

    A SQLite file's folder is created if missing, so a first run on a new machine just works.

    Args:
        url: The case database URL.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")
