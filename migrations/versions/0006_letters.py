"""Letters: each PDF produced for a case, with its checksum and template version.

Revision ID: 0006_letters
Revises: 0005_school_returns
Create Date: 2026-11-28

Self-contained: column types are spelled out, not imported from store.orm.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_letters"
down_revision: str | Sequence[str] | None = "0005_school_returns"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("addressed_to", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("template", sa.String(), nullable=False),
        sa.Column("template_version", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_letter_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter")),
        sa.UniqueConstraint("case_id", "natural_key", name=op.f("uq_letter_case_id_natural_key")),
    )
    op.create_index(op.f("ix_letter_case_id"), "letter", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_letter_case_id"), table_name="letter")
    op.drop_table("letter")
