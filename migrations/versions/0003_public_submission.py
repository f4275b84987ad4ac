"""Public referral form: submissions kept as received until delivered to the case flow.

Revision ID: 0003_public_submission
Revises: 0002_case_record_chain
Create Date: 2026-11-28

Self-contained: the column types are spelled out here, not imported from store.orm.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_public_submission"
down_revision: str | Sequence[str] | None = "0002_case_record_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "public_submission",
        sa.Column("receipt", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referral", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("receipt", name=op.f("pk_public_submission")),
    )
    op.create_index(op.f("ix_public_submission_status"), "public_submission", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_public_submission_status"), table_name="public_submission")
    op.drop_table("public_submission")
