"""The case record: events numbered and hash-chained per case; the table refuses UPDATE and DELETE.

Revision ID: 0002_case_record_chain
Revises: 0001_case_database
Create Date: 2026-11-28

Existing events are numbered in id order within their case and hashed as models/case_record.py
hashes them, so an upgraded database verifies. The hash is spelled out here (not imported) so
this revision keeps writing the same hashes however the product's code changes later; a test
checks that the two agree.

The append-only triggers are created last and dropped first: on SQLite a batch migration rebuilds
the table and would lose them, so any later revision that rebuilds case_event must re-create them.
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002_case_record_chain"
down_revision: str | Sequence[str] | None = "0001_case_database"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH_LENGTH = 64
REFUSAL = "case_event is append-only: record a new event instead"

_POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '{REFUSAL} (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$
"""


def _canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def _hash(
    *,
    reference: str,
    sequence: int,
    occurred_at: datetime,
    actor: str,
    kind: str,
    payload: Any,
    previous_hash: str | None,
) -> str:
    # SQLite gives back naive UTC; PostgreSQL an aware instant.
    instant = occurred_at.replace(tzinfo=UTC) if occurred_at.tzinfo is None else occurred_at
    document = {
        "case": reference,
        "sequence": sequence,
        "occurred_at": instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor,
        "kind": kind,
        "payload": payload,
        "previous_hash": previous_hash,
    }
    return hashlib.sha256(_canonical_json(document).encode("utf-8")).hexdigest()


def _chain_existing_events() -> None:
    case = sa.table("case", sa.column("id", sa.Integer()), sa.column("reference", sa.String()))
    event = sa.table(
        "case_event",
        sa.column("id", sa.Integer()),
        sa.column("case_id", sa.Integer()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("payload", sa.JSON()),
        sa.column("sequence", sa.Integer()),
        sa.column("previous_hash", sa.String(HASH_LENGTH)),
        sa.column("hash", sa.String(HASH_LENGTH)),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            event.c.id,
            event.c.case_id,
            case.c.reference,
            event.c.occurred_at,
            event.c.actor,
            event.c.kind,
            event.c.payload,
        )
        .join(case, case.c.id == event.c.case_id)
        .order_by(event.c.case_id, event.c.id)
    ).all()
    last: dict[int, tuple[int, str]] = {}
    for row in rows:
        sequence, previous_hash = last.get(row.case_id, (0, None))
        sequence += 1
        # Stored as the canonical JSON reads back, as the product stores new events.
        payload = json.loads(_canonical_json(row.payload or {}))
        digest = _hash(
            reference=row.reference,
            sequence=sequence,
            occurred_at=row.occurred_at,
            actor=row.actor,
            kind=row.kind,
            payload=payload,
            previous_hash=previous_hash,
        )
        connection.execute(
            event.update()
            .where(event.c.id == row.id)
            .values(sequence=sequence, previous_hash=previous_hash, hash=digest, payload=payload)
        )
        last[row.case_id] = (sequence, digest)


def upgrade() -> None:
    with op.batch_alter_table("case_event") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("previous_hash", sa.String(length=HASH_LENGTH), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=HASH_LENGTH), nullable=True))

    _chain_existing_events()

    with op.batch_alter_table("case_event") as batch:
        batch.alter_column("sequence", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=HASH_LENGTH), nullable=False)
        batch.create_unique_constraint(
            op.f("uq_case_event_case_id_sequence"), ["case_id", "sequence"]
        )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_POSTGRESQL_FUNCTION)
        op.execute(
            "CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event "
            "FOR EACH ROW EXECUTE FUNCTION case_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER case_event_no_truncate BEFORE TRUNCATE ON case_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION case_event_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_event_no_{operation.lower()} BEFORE {operation} "
                f"ON case_event BEGIN SELECT RAISE(ABORT, '{REFUSAL} ({operation} refused)'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_event_no_truncate ON case_event")
        op.execute("DROP TRIGGER IF EXISTS case_event_append_only ON case_event")
        op.execute("DROP FUNCTION IF EXISTS case_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS case_event_no_delete")

    with op.batch_alter_table("case_event") as batch:
        batch.drop_constraint(op.f("uq_case_event_case_id_sequence"), type_="unique")
        batch.drop_column("hash")
        batch.drop_column("previous_hash")
        batch.drop_column("sequence")
