"""Migrating the case database to the latest schema (Alembic).

Apart from store/database.py so that a flow-run process, which never migrates, does not pay for
importing Alembic.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, make_url, text

from adapters.settings import PROJECT_ROOT

# The ids the revisions had before they were renamed into the order they run in. A database stamped
# with one is restamped with its new name before Alembic reads it, so an existing database migrates
# on from where it is. No new name reuses an old id, so a stamp is never ambiguous.
FORMER_REVISION_IDS: dict[str, str] = {
    "0001": "0001_case_database",
    "0002": "0002_case_record_chain",
    "0006": "0003_public_submission",
    "0007": "0004_intake_cases",
    "0004": "0005_school_returns",
    "0003": "0006_letters",
}


def restamp_former_revision_ids(connection: Connection) -> None:
    """Rename a former revision id in ``alembic_version`` to its current name (no-op otherwise)."""
    if not inspect(connection).has_table("alembic_version"):
        return
    for former, current in FORMER_REVISION_IDS.items():
        connection.execute(
            text("UPDATE alembic_version SET version_num = :current WHERE version_num = :former"),
            {"current": current, "former": former},
        )


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
