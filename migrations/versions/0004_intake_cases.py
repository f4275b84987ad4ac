"""Intake and cases: further referrals, closure requests, new-pupil returns.

Revision ID: 0004_intake_cases
Revises: 0003_public_submission
Create Date: 2026-11-28

A referral records the cme-case run it was submitted to (a further referral about a child with an
open case is recorded on that case, keyed by its own run); children are looked up by date of
birth; a closure decided outside a case's run waits in closure_request for the run to carry out;
new-pupil returns (reg 13(1)) and their rows are kept once each. Self-contained, as 0001.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_intake_cases"
down_revision: str | Sequence[str] | None = "0003_public_submission"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum() -> sa.String:
    return sa.String(length=64)


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("referral", sa.Column("flow_run_id", sa.Uuid(), nullable=True))
    op.create_index("ix_referral_flow_run_id", "referral", ["flow_run_id"], unique=True)
    op.create_index(op.f("ix_child_date_of_birth"), "child", ["date_of_birth"])

    op.create_table(
        "closure_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("outcome", _enum(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("requested_at", _timestamp(), nullable=False),
        sa.Column("applied_at", _timestamp(), nullable=True),
        sa.Column("applied_stage", _enum(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_closure_request_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closure_request")),
        sa.UniqueConstraint("case_id", name=op.f("uq_closure_request_case_id")),
    )

    op.create_table(
        "new_pupil_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("received_at", _timestamp(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.Column("problem", sa.String(), nullable=True),
        sa.Column("completed_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_new_pupil_return")),
        sa.UniqueConstraint("sha256", name=op.f("uq_new_pupil_return_sha256")),
    )

    op.create_table(
        "new_pupil_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("school_urn", sa.String(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("case_reference", sa.String(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("recorded_at", _timestamp(), nullable=False),
        sa.Column("reviewed_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["return_id"],
            ["new_pupil_return.id"],
            name=op.f("fk_new_pupil_row_return_id_new_pupil_return"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_new_pupil_row")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_new_pupil_row_natural_key")),
    )
    op.create_index(op.f("ix_new_pupil_row_return_id"), "new_pupil_row", ["return_id"])
    op.create_index(op.f("ix_new_pupil_row_outcome"), "new_pupil_row", ["outcome"])


def downgrade() -> None:
    op.drop_index(op.f("ix_new_pupil_row_outcome"), table_name="new_pupil_row")
    op.drop_index(op.f("ix_new_pupil_row_return_id"), table_name="new_pupil_row")
    op.drop_table("new_pupil_row")
    op.drop_table("new_pupil_return")
    op.drop_table("closure_request")
    op.drop_index(op.f("ix_child_date_of_birth"), table_name="child")
    op.drop_index("ix_referral_flow_run_id", table_name="referral")
    with op.batch_alter_table("referral") as batch:
        batch.drop_column("flow_run_id")
