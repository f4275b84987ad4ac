"""Every child can be referred: a child with no address or postcode, and why; the allocation kept.

A child of no fixed abode, whose address is not known, or believed abroad has no home address or
postcode, so both become nullable and `child.no_address_reason` says why. `case.allocation` keeps
the allocation as it was made (officer, DSPL area, reason), so the case summary can explain it.

The downgrade refills a missing address with the reason in words and a missing postcode with the
matching NHS pseudo-postcode (ZZ99 3VZ no fixed abode, ZZ99 3WZ otherwise), then restores NOT NULL.

Revision ID: 0008_child_without_address
Revises: 0007_people_and_access_log
Create Date: 2026-12-04

Self-contained: column types are spelled out, not imported from store.orm.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_child_without_address"
down_revision: str | Sequence[str] | None = "0007_people_and_access_log"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENUM_LENGTH = 64


def upgrade() -> None:
    with op.batch_alter_table("child") as batch:
        batch.alter_column("address", existing_type=sa.String(), nullable=True)
        batch.alter_column("postcode", existing_type=sa.String(), nullable=True)
        batch.add_column(
            sa.Column("no_address_reason", sa.String(length=ENUM_LENGTH), nullable=True)
        )
    op.add_column("case", sa.Column("allocation", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.execute(
        """
        UPDATE child SET
            address = COALESCE(address, CASE no_address_reason
                WHEN 'no_fixed_abode' THEN 'No fixed abode'
                WHEN 'living_abroad_believed' THEN 'Living abroad (believed)'
                ELSE 'Address not known' END),
            postcode = COALESCE(postcode, CASE no_address_reason
                WHEN 'no_fixed_abode' THEN 'ZZ99 3VZ'
                ELSE 'ZZ99 3WZ' END)
        WHERE address IS NULL OR postcode IS NULL
        """
    )
    with op.batch_alter_table("case") as batch:
        batch.drop_column("allocation")
    with op.batch_alter_table("child") as batch:
        batch.drop_column("no_address_reason")
        batch.alter_column("postcode", existing_type=sa.String(), nullable=False)
        batch.alter_column("address", existing_type=sa.String(), nullable=False)
