"""The Alembic migrations build the case database on the backend under test."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from models.orm import Base
from tasks.migrations import alembic_config, migrate

CASE_TABLES = {
    "case",
    "case_event",
    "case_reference_sequence",
    "child",
    "decision",
    "letter",
    "notification",
    "referral",
    "stage",
}


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrate_builds_every_table_from_an_empty_database(empty_database_url: str) -> None:
    migrate(empty_database_url)

    assert _tables(empty_database_url) == CASE_TABLES | {"alembic_version"}


def test_downgrade_to_base_removes_every_table_and_upgrade_rebuilds_them(
    empty_database_url: str,
) -> None:
    migrate(empty_database_url)

    command.downgrade(alembic_config(empty_database_url), "base")
    assert _tables(empty_database_url) == {"alembic_version"}

    migrate(empty_database_url)
    assert _tables(empty_database_url) == CASE_TABLES | {"alembic_version"}


def test_migrate_is_a_no_op_when_the_database_is_already_at_head(case_database_url: str) -> None:
    migrate(case_database_url)

    assert _tables(case_database_url) == CASE_TABLES | {"alembic_version"}


def test_migrated_schema_matches_the_orm_models(case_database_url: str) -> None:
    engine = create_engine(case_database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()

    assert differences == []
