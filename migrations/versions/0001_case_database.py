"""The case database: cases, children, referrals, stages, decisions, events, notifications.

Revision ID: 0001_case_database
Revises:
Create Date: 2026-11-28

Self-contained on purpose: the column types are spelled out here rather than imported from
store.orm, so this revision keeps creating the same schema however the ORM changes later.
Enums are VARCHAR(64) of their values with no CHECK constraint; timestamps are UTC.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_case_database"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _enum() -> sa.String:
    return sa.String(length=64)


def _timestamp() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_reference_sequence",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_case_reference_sequence")),
    )
    op.create_table(
        "child",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forenames", sa.String(), nullable=False),
        sa.Column("surname", sa.String(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", _enum(), nullable=False),
        sa.Column("upn", sa.String(), nullable=True),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("postcode", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child")),
    )
    op.create_table(
        "case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("status", _enum(), nullable=False),
        sa.Column("current_stage", _enum(), nullable=True),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("dspl_area", sa.Integer(), nullable=True),
        sa.Column("opened_at", _timestamp(), nullable=False),
        sa.Column("closed_at", _timestamp(), nullable=True),
        sa.Column("closure_outcome", _enum(), nullable=True),
        sa.Column("flow_run_id", sa.Uuid(), nullable=True),
        sa.Column("config_version", sa.String(), nullable=False),
        sa.Column("process_version", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"], name=op.f("fk_case_child_id_child")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case")),
        sa.UniqueConstraint("flow_run_id", name=op.f("uq_case_flow_run_id")),
        sa.UniqueConstraint("reference", name=op.f("uq_case_reference")),
    )
    op.create_index(op.f("ix_case_dspl_area"), "case", ["dspl_area"])
    op.create_index(op.f("ix_case_officer_id"), "case", ["officer_id"])
    op.create_index(op.f("ix_case_status"), "case", ["status"])

    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", _timestamp(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_event_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
    )
    op.create_index(op.f("ix_case_event_case_id"), "case_event", ["case_id"])

    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("stage", _enum(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("decided_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_decision_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
        sa.UniqueConstraint("case_id", "key", name=op.f("uq_decision_case_id_key")),
    )

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("natural_key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("claimed_at", _timestamp(), nullable=False),
        sa.Column("sent_at", _timestamp(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", _timestamp(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["case.id"], name=op.f("fk_notification_case_id_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("natural_key", name=op.f("uq_notification_natural_key")),
    )
    op.create_index(op.f("ix_notification_case_id"), "notification", ["case_id"])

    op.create_table(
        "referral",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("referrer_type", _enum(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("recorded_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_referral_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
    )
    op.create_index(op.f("ix_referral_case_id"), "referral", ["case_id"])

    op.create_table(
        "stage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", _enum(), nullable=False),
        sa.Column("started_at", _timestamp(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("completed_at", _timestamp(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("clock_paused_at", _timestamp(), nullable=True),
        sa.Column("clock_pause_reason", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_stage_case_id_case")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage")),
        sa.UniqueConstraint("case_id", "name", name=op.f("uq_stage_case_id_name")),
    )
    op.create_index("ix_stage_completed_at_due_on", "stage", ["completed_at", "due_on"])


def downgrade() -> None:
    op.drop_index("ix_stage_completed_at_due_on", table_name="stage")
    op.drop_table("stage")
    op.drop_index(op.f("ix_referral_case_id"), table_name="referral")
    op.drop_table("referral")
    op.drop_index(op.f("ix_notification_case_id"), table_name="notification")
    op.drop_table("notification")
    op.drop_table("decision")
    op.drop_index(op.f("ix_case_event_case_id"), table_name="case_event")
    op.drop_table("case_event")
    op.drop_index(op.f("ix_case_status"), table_name="case")
    op.drop_index(op.f("ix_case_officer_id"), table_name="case")
    op.drop_index(op.f("ix_case_dspl_area"), table_name="case")
    op.drop_table("case")
    op.drop_table("child")
    op.drop_table("case_reference_sequence")
