"""Consent to withdraw (new s434A): one request per deletion-return row, and its decision.

A ground (f) row for a relevant child, with the 2026 Act in force on its deletion day, opens a
consent decision for the team instead of the EHE list (docs/withdrawal-consent.md).

Revision ID: 0009_withdrawal_consent
Revises: 0008_child_without_address
Create Date: 2026-12-05

Self-contained: column types are spelled out, not imported from store.orm.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_withdrawal_consent"
down_revision: str | Sequence[str] | None = "0008_child_without_address"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "withdrawal_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_row_id", sa.Integer(), nullable=False),
        sa.Column("school_urn", sa.String(), nullable=True),
        sa.Column("deletion_date", sa.Date(), nullable=False),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("requested_at", _timestamp(), nullable=False),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("decision", sa.String(), nullable=True),
        sa.Column("reasons", sa.String(), nullable=True),
        sa.Column("decided_by", sa.String(), nullable=True),
        sa.Column("signed_in_as", sa.String(), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["intake_row_id"],
            ["intake_row.id"],
            name=op.f("fk_withdrawal_consent_intake_row_id_intake_row"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdrawal_consent")),
        sa.UniqueConstraint("intake_row_id", name=op.f("uq_withdrawal_consent_intake_row_id")),
    )


def downgrade() -> None:
    op.drop_table("withdrawal_consent")
