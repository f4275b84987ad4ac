"""The case database: the system of record for every case (docs/design.md#system-of-record).

Prefect runs the process; these tables hold what the statute needs kept: who was referred, which
stages ran with which deadlines, who decided what and when, which notifications went out, and an
append-only history of the case. Timestamps are always timezone-aware UTC; enums are stored as
their string values so a new member never needs a migration.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy import Dialect, ForeignKey, Index, MetaData, UniqueConstraint, event
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Mapper,
    mapped_column,
    relationship,
)

from models.enums import (
    Addressee,
    CaseStatus,
    ClosureOutcome,
    LetterKind,
    NoAddressReason,
    ReferrerType,
    Sex,
    Stage,
)

# Stable constraint names, so later migrations can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ENUM_LENGTH = 64
# A SHA-256 in hex.
HASH_LENGTH = 64


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no offset, so values are written as naive UTC there and given ``UTC`` on the way
    out. Naive datetimes are refused: a deadline computed from an unknown offset is a wrong
    deadline.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: pass an aware datetime")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _string_enum(enum_class: type[StrEnum]) -> sa.Enum:
    # A VARCHAR of the member values, with no CHECK constraint: adding a member needs no migration.
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=ENUM_LENGTH,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    """The one declarative base of the case database."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        date: sa.Date(),
        uuid.UUID: sa.Uuid(),
        dict[str, Any]: sa.JSON(),
        list[str]: sa.JSON(),
        str: sa.String(),
        Stage: _string_enum(Stage),
        CaseStatus: _string_enum(CaseStatus),
        ClosureOutcome: _string_enum(ClosureOutcome),
        ReferrerType: _string_enum(ReferrerType),
        Sex: _string_enum(Sex),
        NoAddressReason: _string_enum(NoAddressReason),
        LetterKind: _string_enum(LetterKind),
        Addressee: _string_enum(Addressee),
    }


class CaseReferenceSequence(Base):
    """The last case number issued in a year, for references such as ``CME-2026-00042``."""

    __tablename__ = "case_reference_sequence"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Child(Base):
    """The child a case is about, as the referral named them."""

    __tablename__ = "child"

    id: Mapped[int] = mapped_column(primary_key=True)
    forenames: Mapped[str]
    surname: Mapped[str]
    aliases: Mapped[list[str]] = mapped_column(default=list)
    # Intake looks a referred child up among open cases by date of birth (models/intake.py).
    date_of_birth: Mapped[date] = mapped_column(index=True)
    sex: Mapped[Sex]
    upn: Mapped[str | None]
    # Every child can be referred: with no fixed abode, an unknown address or abroad there is no
    # address or postcode (or an NHS pseudo-postcode, ZZ99 3VZ), and the reason says why.
    address: Mapped[str | None]
    postcode: Mapped[str | None]
    no_address_reason: Mapped[NoAddressReason | None]


class Case(Base):
    """One CME case: one child, one Prefect flow run, a reference officers quote."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(unique=True)
    status: Mapped[CaseStatus] = mapped_column(index=True, default=CaseStatus.OPEN)
    current_stage: Mapped[Stage | None]
    officer_id: Mapped[str] = mapped_column(index=True)
    dspl_area: Mapped[int | None] = mapped_column(index=True)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closure_outcome: Mapped[ClosureOutcome | None]
    flow_run_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    config_version: Mapped[str]
    # The allocation as made (models.allocation.Allocation), so the summary can say why; None for
    # a case opened before it was recorded, or opened outside the referral intake.
    allocation: Mapped[dict[str, Any] | None]
    # Which version of the process the case started under; flows branch on it after an upgrade.
    process_version: Mapped[int] = mapped_column(default=1)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id"))

    child: Mapped[Child] = relationship()
    referrals: Mapped[list[ReferralRecord]] = relationship(
        back_populates="case", order_by="ReferralRecord.id"
    )
    stages: Mapped[list[StageRecord]] = relationship(
        back_populates="case", order_by="StageRecord.id"
    )


class ReferralRecord(Base):
    """A referral exactly as it was received (reg 13(4) SI 2024/208 information)."""

    __tablename__ = "referral"
    # One referral per cme-case run: a replayed run finds the referral it recorded.
    __table_args__ = (Index("ix_referral_flow_run_id", "flow_run_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    # The cme-case run the referral was submitted to: the case's own, or a further referral's.
    flow_run_id: Mapped[uuid.UUID | None]
    received_on: Mapped[date]
    referrer_type: Mapped[ReferrerType]
    # The submitted form, unchanged: later corrections are events, never edits of this.
    payload: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime]

    case: Mapped[Case] = relationship(back_populates="referrals")


class StageRecord(Base):
    """A statutory stage of a case, with its stored deadline."""

    __tablename__ = "stage"
    __table_args__ = (
        UniqueConstraint("case_id", "name"),
        # The overdue sweep reads open stages by due date.
        Index("ix_stage_completed_at_due_on", "completed_at", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    name: Mapped[Stage]
    started_at: Mapped[datetime]
    due_on: Mapped[date | None]
    completed_at: Mapped[datetime | None]
    outcome: Mapped[str | None]
    clock_paused_at: Mapped[datetime | None]
    clock_pause_reason: Mapped[str | None]

    case: Mapped[Case] = relationship(back_populates="stages")


class Decision(Base):
    """A human decision on a suspended run: who decided what, and when."""

    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("case_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    stage: Mapped[Stage]
    # The suspend key of the wait the decision answered: one decision per wait.
    key: Mapped[str]
    officer_id: Mapped[str]
    values: Mapped[dict[str, Any]]
    decided_at: Mapped[datetime]


class CaseEvent(Base):
    """One line of a case's append-only history; never updated, never deleted.

    Each event is numbered within its case and carries the hash of the event before it and its
    own (models/case_record.py), so an edit or a removal shows as a broken link. The database
    refuses UPDATE and DELETE on this table (triggers of migration 0002), as does the ORM below.
    """

    __tablename__ = "case_event"
    __table_args__ = (UniqueConstraint("case_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    # 1, 2, 3, ... within the case; unique, so two appends at once cannot fork the chain.
    sequence: Mapped[int]
    occurred_at: Mapped[datetime]
    actor: Mapped[str]
    kind: Mapped[str]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    previous_hash: Mapped[str | None] = mapped_column(sa.String(HASH_LENGTH))
    hash: Mapped[str] = mapped_column(sa.String(HASH_LENGTH))


class Notification(Base):
    """An email the product owes someone, claimed by natural key so it is sent once."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    # e.g. "CME-2026-00001:referral_check:safeguarding:1" (case, stage, kind, level).
    natural_key: Mapped[str] = mapped_column(unique=True)
    kind: Mapped[str]
    recipients: Mapped[list[str]]
    subject: Mapped[str]
    claimed_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None]


class Letter(Base):
    """A letter produced for a case: the PDF on disk, its checksum and the template it came from.

    One row per natural key (the decision it serves, and its issue number): a replayed run finds
    the row and produces no second letter. A re-issued letter is a new row; the old one is kept.
    """

    __tablename__ = "letter"
    __table_args__ = (UniqueConstraint("case_id", "natural_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[LetterKind]
    # e.g. "education-enquiry-s437-notice-1": the suspend key it serves and the issue number.
    natural_key: Mapped[str]
    addressed_to: Mapped[Addressee]
    # Relative to the state folder's letters/ (e.g. "CME-2026-00042/...pdf"), so it moves with it.
    path: Mapped[str]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    template: Mapped[str]
    # SHA-256 of the template's source (with its layout): which wording was used.
    template_version: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime]


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or remove a case event."""


@event.listens_for(CaseEvent, "before_update")
@event.listens_for(CaseEvent, "before_delete")
def _refuse_event_changes(mapper: Mapper[CaseEvent], connection: Any, target: CaseEvent) -> None:
    raise AppendOnlyError(f"case_event {target.id} is append-only: record a new event instead")


class SubmissionStatus(StrEnum):
    """Where a public form submission is on its way into the case flow."""

    PENDING = "pending"
    DELIVERED = "delivered"


class PublicSubmission(Base):
    """A referral made on the public form: kept as received until it is a cme-case run.

    The public web app only ever inserts these rows; the drainer delivers them to Prefect and
    marks them delivered. The receipt number is the key, so inserting needs no sequence and no
    RETURNING: a database role with INSERT alone can write it.
    """

    __tablename__ = "public_submission"

    receipt: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    received_at: Mapped[datetime]
    referral: Mapped[dict[str, Any]]
    status: Mapped[SubmissionStatus] = mapped_column(
        _string_enum(SubmissionStatus), default=SubmissionStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None]
    flow_run_id: Mapped[uuid.UUID | None]
    delivered_at: Mapped[datetime | None]


class ClosureRequestRecord(Base):
    """A closure decided outside a case's run (a new-pupil return), for the run to carry out.

    One per case: a case closes once. `applied_at` is set when the case's own run closed it.
    """

    __tablename__ = "closure_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), unique=True)
    outcome: Mapped[ClosureOutcome]
    reason: Mapped[str]
    requested_by: Mapped[str]
    # School, URN, admission date, the return it came from: no child data.
    details: Mapped[dict[str, Any]]
    requested_at: Mapped[datetime]
    applied_at: Mapped[datetime | None]
    applied_stage: Mapped[Stage | None]


class NewPupilReturn(Base):
    """One new-pupil return file (reg 13(1)), known by its SHA-256: the same bytes import once."""

    __tablename__ = "new_pupil_return"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(unique=True)
    file_name: Mapped[str]
    received_at: Mapped[datetime]
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_quarantined: Mapped[int] = mapped_column(default=0)
    # Why the whole file was rejected (never a row's data).
    problem: Mapped[str | None]
    completed_at: Mapped[datetime | None]

    @property
    def reference(self) -> str:
        """What emails and reports quote, e.g. "NP-2026-00007"."""
        return f"NP-{self.received_at.year}-{self.id:05d}"


class NewPupilRow(Base):
    """One good row of a new-pupil return and what it did, recorded once by its natural key."""

    __tablename__ = "new_pupil_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("new_pupil_return.id"), index=True)
    row_number: Mapped[int]
    # School URN, pupil identity and admission date: the same pupil in a re-sent file is known.
    natural_key: Mapped[str] = mapped_column(unique=True)
    school_urn: Mapped[str | None]
    # "closure_requested", "review" (a near match) or "no_match".
    outcome: Mapped[str] = mapped_column(index=True)
    case_reference: Mapped[str | None]
    score: Mapped[float | None] = mapped_column(sa.Float())
    reasons: Mapped[list[str]]
    # The row as read: the case database is where personal data lives.
    payload: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime]
    # When an officer dealt with a near match (the review list shows those still open).
    reviewed_at: Mapped[datetime | None]


class IntakeImport(Base):
    """One file a school (or the team) sent, known by its SHA-256: the same bytes import once."""

    __tablename__ = "intake_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(unique=True)
    file_name: Mapped[str]
    kind: Mapped[str]  # "deletion_return"
    received_at: Mapped[datetime]
    status: Mapped[str]  # "importing", then "imported" or "rejected"
    encoding: Mapped[str | None]
    delimiter: Mapped[str | None]
    rows_read: Mapped[int] = mapped_column(default=0)
    rows_quarantined: Mapped[int] = mapped_column(default=0)
    # Why a whole file was rejected (never a row's data).
    problem: Mapped[str | None]
    completed_at: Mapped[datetime | None]

    @property
    def reference(self) -> str:
        """What emails and reports quote, e.g. "DR-2026-00007"."""
        return f"DR-{self.received_at.year}-{self.id:05d}"


class IntakeRow(Base):
    """One good row of an import and what was done with it, claimed once by its natural key.

    The natural key is a hash of school URN, pupil identity and deletion date, so the same row in
    a re-exported file is not imported twice, and no child's name reaches Prefect (it is also the
    idempotency key of the case run it opens).
    """

    __tablename__ = "intake_row"
    __table_args__ = (UniqueConstraint("import_id", "row_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("intake_import.id"), index=True)
    row_number: Mapped[int]
    natural_key: Mapped[str] = mapped_column(unique=True)
    school_urn: Mapped[str | None]
    deletion_ground: Mapped[str]
    route: Mapped[str]
    outcome: Mapped[str]
    reason: Mapped[str]
    # An open case this row was recorded on (a certain duplicate), or the case it opened.
    case_reference: Mapped[str | None]
    # The cme-case run this row opened; its case reference is known once the run starts.
    flow_run_id: Mapped[uuid.UUID | None]
    notice_kind: Mapped[str | None]
    notice_to: Mapped[str | None]
    # The row as read, for the EHE list and for officers reviewing matches.
    payload: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime]


class MatchReview(Base):
    """A near match between a return's row and an open case or another row, for an officer."""

    __tablename__ = "match_review"
    __table_args__ = (UniqueConstraint("intake_row_id", "candidate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    intake_row_id: Mapped[int] = mapped_column(ForeignKey("intake_row.id"), index=True)
    # A case reference ("CME-2026-00042") or a row of the same file ("row 7").
    candidate: Mapped[str]
    score: Mapped[float] = mapped_column(sa.Float())
    reasons: Mapped[list[str]]
    listed_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class EheListEntry(Base):
    """A child a school deleted under reg 9(1)(f), listed for the EHE team (not a CME case)."""

    __tablename__ = "ehe_list_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    intake_row_id: Mapped[int] = mapped_column(ForeignKey("intake_row.id"), unique=True)
    school_urn: Mapped[str | None]
    deletion_date: Mapped[date | None]
    listed_at: Mapped[datetime]


class WithdrawalConsent(Base):
    """A parent's withdrawal of a relevant child for home education, awaiting or given the
    authority's consent decision (new s434A Education Act 1996; docs/withdrawal-consent.md).

    Opened by a deletion return's (f) row (`intake_row_id`, one request per row); the decision
    (consent given, refused or not required), its reasons, who decided and on what day are
    written once, when the team's form is answered.
    """

    __tablename__ = "withdrawal_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    intake_row_id: Mapped[int] = mapped_column(ForeignKey("intake_row.id"), unique=True)
    school_urn: Mapped[str | None]
    deletion_date: Mapped[date]
    # The s434A conditions met (models.withdrawal_consent.Condition values) and where each was
    # found: the configured special schools, the children's social care extract.
    conditions: Mapped[list[str]]
    sources: Mapped[list[str]]
    requested_at: Mapped[datetime]
    # The withdrawal-consent run that asks the team.
    flow_run_id: Mapped[uuid.UUID | None]
    decision: Mapped[str | None]
    reasons: Mapped[str | None]
    decided_by: Mapped[str | None]
    signed_in_as: Mapped[str | None]
    decided_on: Mapped[date | None]
    recorded_at: Mapped[datetime | None]

    @property
    def reference(self) -> str:
        """What the form, emails and logs quote, e.g. "WC-2026-00003" (no personal data)."""
        return f"WC-{self.requested_at.year}-{self.id:05d}"


class PersonRecord(Base):
    """A person or service account who may sign in (models/access.py `Person`).

    The password is kept only as an argon2 hash; a person signed in through the council's single
    sign-on proxy may have none. Disabling keeps the row, so the record still names who acted.
    """

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    display_name: Mapped[str]
    email: Mapped[str | None]
    team_id: Mapped[str | None] = mapped_column(sa.String(128))
    roles: Mapped[list[str]]
    password_hash: Mapped[str | None]
    password_changed_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AccessLogEntry(Base):
    """One state-changing call through the sign-in gateway, a refused call, or a look at a case.

    Append-only like ``case_event``: the database refuses UPDATE and DELETE (migration 0007).
    """

    __tablename__ = "access_log"
    __table_args__ = (
        Index("ix_access_log_flow_run_id_occurred_at", "flow_run_id", "occurred_at"),
        Index("ix_access_log_case_reference_occurred_at", "case_reference", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime]
    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    channel: Mapped[str] = mapped_column(sa.String(32))
    action: Mapped[str] = mapped_column(sa.String(64))
    method: Mapped[str] = mapped_column(sa.String(16))
    path: Mapped[str]
    status_code: Mapped[int | None]
    allowed: Mapped[bool]
    flow_run_id: Mapped[uuid.UUID | None]
    case_reference: Mapped[str | None] = mapped_column(sa.String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


@event.listens_for(AccessLogEntry, "before_update")
@event.listens_for(AccessLogEntry, "before_delete")
def _refuse_access_log_changes(
    mapper: Mapper[AccessLogEntry], connection: Any, target: AccessLogEntry
) -> None:
    raise AppendOnlyError(f"access_log {target.id} is append-only: record a new entry instead")


class RegisterEntry(Base):
    """A child on the register of children not in school (EA 1996 s436B, s436C).

    The child's details live here and in `content` only; runs, logs and emails quote the entry's
    reference (`CNIS-000123`). Leaving the register's scope updates the entry and is recorded in
    its history; the entry is kept.
    """

    __tablename__ = "register_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The register-child-not-in-school run that made it: a replayed run finds its entry.
    flow_run_id: Mapped[uuid.UUID | None] = mapped_column(unique=True)
    forenames: Mapped[str]
    surname: Mapped[str]
    date_of_birth: Mapped[date] = mapped_column(index=True)
    postcode: Mapped[str | None]
    # The s436C content as validated (models.register.RegisterApplication), with its conditions.
    content: Mapped[dict[str, Any]]
    conditions: Mapped[list[str]]
    registered_on: Mapped[date]
    home_visit_request_by: Mapped[date]
    status: Mapped[str] = mapped_column(sa.String(ENUM_LENGTH), index=True)
    left_scope_on: Mapped[date | None]
    left_scope_reason: Mapped[str | None]
    left_scope_school_urn: Mapped[str | None]
    recorded_at: Mapped[datetime]

    @property
    def reference(self) -> str:
        return f"CNIS-{self.id:06d}"


class RegisterHistory(Base):
    """One line of an entry's history: registered, information given, home visit requested,
    support asked for or answered, left scope. Recorded once per natural key."""

    __tablename__ = "register_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("register_entry.id"), index=True)
    natural_key: Mapped[str] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(sa.String(ENUM_LENGTH))
    occurred_on: Mapped[date]
    due_on: Mapped[date | None]
    actor: Mapped[str]
    details: Mapped[dict[str, Any]]
    recorded_at: Mapped[datetime]


class RegisterSupportRequest(Base):
    """Parents' request for support (s436G) and the council's answer."""

    __tablename__ = "register_support_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("register_entry.id"), index=True)
    natural_key: Mapped[str] = mapped_column(unique=True)
    received_on: Mapped[date]
    request: Mapped[str]
    outcome: Mapped[str | None] = mapped_column(sa.String(ENUM_LENGTH))
    answer: Mapped[str | None]
    answered_on: Mapped[date | None]
    answered_by: Mapped[str | None]
    recorded_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
