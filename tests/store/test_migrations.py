"""The Alembic migrations build the case database on the backend under test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from store.case_events import check_records
from store.database import make_engine
from store.migrations import FORMER_REVISION_IDS, alembic_config, migrate
from store.orm import Base, CaseEvent

CASE_TABLES = {
    "case",
    "case_event",
    "case_reference_sequence",
    "child",
    "closure_request",
    "decision",
    "new_pupil_return",
    "new_pupil_row",
    "ehe_list_entry",
    "intake_import",
    "intake_row",
    "match_review",
    "letter",
    "access_log",
    "person",
    "notification",
    "public_submission",
    "referral",
    "register_entry",
    "register_history",
    "register_support_request",
    "stage",
    "withdrawal_consent",
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


def _stamped_version(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            )
    finally:
        engine.dispose()


def test_the_revisions_run_in_the_order_of_their_file_names() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))

    chain = [revision.revision for revision in script.walk_revisions("base", "heads")][::-1]
    files = sorted(Path(script.versions).glob("[0-9]*.py"))

    assert chain == [file.stem for file in files]
    assert not set(chain) & set(FORMER_REVISION_IDS)


@pytest.mark.parametrize("former", sorted(FORMER_REVISION_IDS))
def test_a_database_stamped_with_a_former_revision_id_migrates_on_to_head(
    empty_database_url: str, former: str
) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, FORMER_REVISION_IDS[former])
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE alembic_version SET version_num = :v"), {"v": former}
            )
    finally:
        engine.dispose()

    migrate(empty_database_url)

    head = ScriptDirectory.from_config(config).get_current_head()
    assert _stamped_version(empty_database_url) == [head]
    assert _tables(empty_database_url) == CASE_TABLES | {"alembic_version"}


def _insert_at_0001(url: str) -> None:
    """Two cases with events as the first revision stored them: no sequence, no hash."""
    engine = create_engine(url)
    timestamp = sa.DateTime(timezone=True)
    child = sa.table(
        "child",
        *(sa.column(c) for c in ("id", "forenames", "surname")),
        sa.column("aliases", sa.JSON()),
        sa.column("date_of_birth", sa.Date()),
        sa.column("sex"),
        sa.column("address"),
        sa.column("postcode"),
    )
    case = sa.table(
        "case",
        *(sa.column(c) for c in ("id", "reference", "status", "officer_id")),
        sa.column("opened_at", timestamp),
        sa.column("config_version"),
        sa.column("process_version"),
        sa.column("child_id"),
    )
    event = sa.table(
        "case_event",
        sa.column("id"),
        sa.column("case_id"),
        sa.column("occurred_at", timestamp),
        sa.column("actor"),
        sa.column("kind"),
        sa.column("payload", sa.JSON()),
    )
    opened = datetime(2026, 11, 2, 9, 15, 30, 123456, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                child.insert(),
                [
                    {
                        "id": n,
                        "forenames": "A",
                        "surname": "B",
                        "aliases": [],
                        "date_of_birth": date(2015, 3, 14),
                        "sex": "not_known",
                        "address": "1 Street",
                        "postcode": "AL1 3ER",
                    }
                    for n in (1, 2)
                ],
            )
            connection.execute(
                case.insert(),
                [
                    {
                        "id": n,
                        "reference": f"CME-2026-0000{n}",
                        "status": "open",
                        "officer_id": "cme-officer-dspl-1-5",
                        "opened_at": opened,
                        "config_version": "2026.1",
                        "process_version": 1,
                        "child_id": n,
                    }
                    for n in (1, 2)
                ],
            )
            # Interleaved ids: each case's events are numbered in id order within the case.
            connection.execute(
                event.insert(),
                [
                    {
                        "id": id_,
                        "case_id": case_id,
                        "occurred_at": opened + timedelta(minutes=id_),
                        "actor": "system",
                        "kind": f"k{id_}",
                        "payload": {"z": id_, "a": [1, "é"]},
                    }
                    for id_, case_id in ((1, 1), (2, 2), (3, 1), (4, 1), (5, 2))
                ],
            )
    finally:
        engine.dispose()


def test_upgrading_a_database_with_events_numbers_and_chains_them_so_it_verifies(
    empty_database_url: str,
) -> None:
    command.upgrade(alembic_config(empty_database_url), "0001_case_database")
    _insert_at_0001(empty_database_url)

    migrate(empty_database_url)

    engine = make_engine(empty_database_url)
    try:
        with Session(engine) as session:
            check = check_records(session=session)
            numbered = session.execute(
                sa.select(CaseEvent.id, CaseEvent.sequence).order_by(CaseEvent.id)
            ).all()
        assert (check.cases, check.events, check.broken) == (2, 5, [])
        assert [tuple(row) for row in numbered] == [(1, 1), (2, 1), (3, 2), (4, 3), (5, 2)]
        with pytest.raises(DBAPIError, match="case_event is append-only"), engine.begin() as c:
            c.exec_driver_sql("UPDATE case_event SET kind = 'rewritten'")
    finally:
        engine.dispose()


def test_downgrading_the_record_chain_drops_its_triggers_and_columns(
    empty_database_url: str,
) -> None:
    migrate(empty_database_url)

    command.downgrade(alembic_config(empty_database_url), "0001_case_database")

    engine = create_engine(empty_database_url)
    try:
        columns = {column["name"] for column in inspect(engine).get_columns("case_event")}
        assert not {"sequence", "previous_hash", "hash"} & columns
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM case_event")  # no trigger refuses it
    finally:
        engine.dispose()


def _child_columns(url: str) -> dict[str, bool]:
    engine = create_engine(url)
    try:
        return {c["name"]: c["nullable"] for c in inspect(engine).get_columns("child")}
    finally:
        engine.dispose()


def test_a_child_without_address_is_stored_after_0008_and_refilled_by_its_downgrade(
    empty_database_url: str,
) -> None:
    config = alembic_config(empty_database_url)
    command.upgrade(config, "0007_people_and_access_log")
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as connection:  # two children with an address, as every child had
            for n in (1, 2):
                connection.execute(
                    sa.text(
                        "INSERT INTO child (id, forenames, surname, aliases, date_of_birth, sex, "
                        "address, postcode) VALUES (:n, 'A', 'B', '[]', '2015-03-14', "
                        "'not_known', '1 Street', 'AL1 3ER')"
                    ),
                    {"n": n},
                )
                connection.execute(
                    sa.text(
                        'INSERT INTO "case" (id, reference, status, officer_id, opened_at, '
                        "config_version, process_version, child_id) VALUES (:n, :ref, 'open', "
                        "'cme-officer-dspl-1-5', '2026-11-02 09:15:30', '2026.1', 1, :n)"
                    ),
                    {"n": n, "ref": f"CME-2026-0000{n}"},
                )
    finally:
        engine.dispose()
    assert not _child_columns(empty_database_url)["postcode"]

    command.upgrade(config, "0008_child_without_address")

    columns = _child_columns(empty_database_url)
    assert columns["address"] and columns["postcode"] and columns["no_address_reason"]
    engine = create_engine(empty_database_url)
    try:
        with engine.begin() as connection:
            kept = connection.execute(sa.text("SELECT postcode FROM child ORDER BY id")).scalars()
            assert list(kept) == ["AL1 3ER", "AL1 3ER"]
            connection.execute(
                sa.text(
                    "INSERT INTO child (id, forenames, surname, aliases, date_of_birth, sex, "
                    "address, postcode, no_address_reason) VALUES (3, 'C', 'D', '[]', "
                    "'2015-03-14', 'not_known', NULL, NULL, 'no_fixed_abode'), (4, 'E', 'F', "
                    "'[]', '2015-03-14', 'not_known', NULL, 'ZZ99 3WZ', 'address_not_known')"
                )
            )
            connection.execute(
                sa.text(
                    'UPDATE "case" SET allocation = :allocation WHERE id = 1',
                ).bindparams(sa.bindparam("allocation", type_=sa.JSON())),
                {"allocation": {"officer_id": "cme-team-lead", "reason": "by_postcode"}},
            )
    finally:
        engine.dispose()

    command.downgrade(config, "0007_people_and_access_log")

    columns = _child_columns(empty_database_url)
    assert "no_address_reason" not in columns
    assert not columns["address"] and not columns["postcode"]
    engine = create_engine(empty_database_url)
    try:
        with engine.connect() as connection:
            refilled = connection.execute(
                sa.text("SELECT address, postcode FROM child WHERE id IN (3, 4) ORDER BY id")
            ).all()
        assert [tuple(row) for row in refilled] == [
            ("No fixed abode", "ZZ99 3VZ"),
            ("Address not known", "ZZ99 3WZ"),
        ]
        assert "allocation" not in {c["name"] for c in inspect(engine).get_columns("case")}
    finally:
        engine.dispose()

    migrate(empty_database_url)
    assert _child_columns(empty_database_url)["postcode"]
