"""School returns: the import ledger, one record per imported row, the match-review and EHE lists.

Revision ID: 0005_school_returns
Revises: 0004_intake_cases
Create Date: 2026-11-28

Self-contained on purpose: the column types are spelled out here rather than imported from
store.orm. Timestamps are UTC.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_school_returns"
down_revision: str | Sequence[str] | None = "0004_intake_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "intake_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("received_at", _timestamp(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("encoding", sa.String(), nullable=True),
        sa.Column("delimiter", sa.String(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), nullable=False),
        sa.Column("problem", sa.String(), nullable=True),
        sa.Column("completed_at", _timestamp(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_import")),
        sa.UniqueConstraint("sha256", name=op.f("uq_intake_import_sha256")),
    )
    op.create_table(
        "intake_row",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("school_urn", sa.String(), nullable=True),
        sa.Column("deletion_ground", sa.String(), nullable=False),
        sa.Column("route", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("case_reference", sa.String(), nullable=True),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("notice_kind", sa.String(), nullable=True),
        sa.Column("notice_to", sa.String(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("recorded_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"], ["intake_import.id"], name=op.f("fk_intake_row_import_id_intake_import")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intake_row")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_intake_row_natural_key")),
        sa.UniqueConstraint(
            "import_id", "row_number", name=op.f("uq_intake_row_import_id_row_number")
        ),
    )
    op.create_index(op.f("ix_intake_row_import_id"), "intake_row", ["import_id"])
    op.create_table(
        "match_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_row_id", sa.Integer(), nullable=False),
        sa.Column("candidate", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("listed_at", _timestamp(), nullable=False),
        sa.Column("resolved_at", _timestamp(), nullable=True),
        sa.ForeignKeyConstraint(
            ["intake_row_id"],
            ["intake_row.id"],
            name=op.f("fk_match_review_intake_row_id_intake_row"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_review")),
        sa.UniqueConstraint(
            "intake_row_id", "candidate", name=op.f("uq_match_review_intake_row_id_candidate")
        ),
    )
    op.create_index(op.f("ix_match_review_intake_row_id"), "match_review", ["intake_row_id"])
    op.create_table(
        "ehe_list_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("intake_row_id", sa.Integer(), nullable=False),
        sa.Column("school_urn", sa.String(), nullable=True),
        sa.Column("deletion_date", sa.Date(), nullable=True),
        sa.Column("listed_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["intake_row_id"],
            ["intake_row.id"],
            name=op.f("fk_ehe_list_entry_intake_row_id_intake_row"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ehe_list_entry")),
        sa.UniqueConstraint("intake_row_id", name=op.f("uq_ehe_list_entry_intake_row_id")),
    )


def downgrade() -> None:
    op.drop_table("ehe_list_entry")
    op.drop_index(op.f("ix_match_review_intake_row_id"), table_name="match_review")
    op.drop_table("match_review")
    op.drop_index(op.f("ix_intake_row_import_id"), table_name="intake_row")
    op.drop_table("intake_row")
    op.drop_table("intake_import")
