"""The register of children not in school (Education Act 1996 ss436B-436G, inserted by the
Children's Wellbeing and Schools Act 2026 s38): its entries, their history and support requests.

Nothing reads these tables until the council sets the day the 2026 Act commences
(`[regimes.commences_on] cwsa_2026`); the downgrade drops them, with what they hold.

Revision ID: 0010_register_not_in_school
Revises: 0009_withdrawal_consent
Create Date: 2026-12-05

Self-contained: column types are spelled out, not imported from store.orm.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_register_not_in_school"
down_revision: str | Sequence[str] | None = "0009_withdrawal_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUM_LENGTH = 64


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "register_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("forenames", sa.String(), nullable=False),
        sa.Column("surname", sa.String(), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("postcode", sa.String(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("home_visit_request_by", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=ENUM_LENGTH), nullable=False),
        sa.Column("left_scope_on", sa.Date(), nullable=True),
        sa.Column("left_scope_reason", sa.String(), nullable=True),
        sa.Column("left_scope_school_urn", sa.String(), nullable=True),
        sa.Column("recorded_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_entry")),
        sa.UniqueConstraint("flow_run_id", name=op.f("uq_register_entry_flow_run_id")),
    )
    op.create_index(op.f("ix_register_entry_date_of_birth"), "register_entry", ["date_of_birth"])
    op.create_index(op.f("ix_register_entry_status"), "register_entry", ["status"])
    op.create_table(
        "register_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=ENUM_LENGTH), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("recorded_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["register_entry.id"],
            name=op.f("fk_register_history_entry_id_register_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_history")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_register_history_natural_key")),
    )
    op.create_index(op.f("ix_register_history_entry_id"), "register_history", ["entry_id"])
    op.create_table(
        "register_support_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("request", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(length=ENUM_LENGTH), nullable=True),
        sa.Column("answer", sa.String(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answered_by", sa.String(), nullable=True),
        sa.Column("recorded_at", _timestamp(), nullable=False),
        sa.Column("answered_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["register_entry.id"],
            name=op.f("fk_register_support_request_entry_id_register_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_support_request")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_register_support_request_natural_key")),
    )
    op.create_index(
        op.f("ix_register_support_request_entry_id"), "register_support_request", ["entry_id"]
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_register_support_request_entry_id"), table_name="register_support_request"
    )
    op.drop_table("register_support_request")
    op.drop_index(op.f("ix_register_history_entry_id"), table_name="register_history")
    op.drop_table("register_history")
    op.drop_index(op.f("ix_register_entry_status"), table_name="register_entry")
    op.drop_index(op.f("ix_register_entry_date_of_birth"), table_name="register_entry")
    op.drop_table("register_entry")
