"""The register of children not in school in the case database (EA 1996 ss436B-436G): entries,
their history, support requests, and an entry leaving the register's scope.

Each record is made once per natural key (the run that made it, or the event it stands for), so a
replayed run records nothing twice. An entry is updated in place only for its current state; what
happened is in its history, which is never changed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.intake import MatchNote, birth_dates_to_search
from models.matching import ChildIdentity, IdentityIndex, MatchThresholds
from models.register import (
    EntryStatus,
    InformationUpdate,
    RegisterApplication,
    SupportAnswer,
    SupportRequest,
    home_visit_request_by,
)
from store.create_once import create_once
from store.orm import RegisterEntry, RegisterHistory, RegisterSupportRequest

REGISTERED = "registered"
INFORMATION_GIVEN = "information_given"
HOME_VISIT_REQUESTED = "home_visit_requested"
PROVIDER_UPDATE_REQUESTED = "provider_update_requested"
SUPPORT_REQUESTED = "support_requested"
SUPPORT_ANSWERED = "support_answered"
LEFT_SCOPE = "left_scope"


def get_entry(*, session: Session, reference: str) -> RegisterEntry | None:
    """The entry quoted as ``CNIS-000123``; None for a reference of no entry."""
    number = reference.strip().upper().removeprefix("CNIS-")
    if not number.isdigit():
        return None
    return session.get(RegisterEntry, int(number))


def get_entry_by_run(*, session: Session, flow_run_id: uuid.UUID) -> RegisterEntry | None:
    return session.scalars(
        select(RegisterEntry).where(RegisterEntry.flow_run_id == flow_run_id)
    ).one_or_none()


def register_child(
    *,
    session: Session,
    application: RegisterApplication,
    conditions: list[str],
    registered_on: date,
    flow_run_id: uuid.UUID,
    actor: str,
    recorded_at: datetime,
) -> tuple[RegisterEntry, bool]:
    """Enter a child on the register, once per run, with the "registered" line of its history.

    Returns:
        The entry, and whether this call made it (False: the run made it before).
    """
    existing = get_entry_by_run(session=session, flow_run_id=flow_run_id)
    if existing is not None:
        return existing, False

    def create() -> RegisterEntry:
        entry = RegisterEntry(
            flow_run_id=flow_run_id,
            forenames=application.child_forenames,
            surname=application.child_surname,
            date_of_birth=application.date_of_birth,
            postcode=application.home_postcode,
            content=application.model_dump(mode="json"),
            conditions=conditions,
            registered_on=registered_on,
            home_visit_request_by=home_visit_request_by(registered_on),
            status=EntryStatus.IN_SCOPE.value,
            recorded_at=recorded_at,
        )
        session.add(entry)
        session.flush()
        session.add(
            RegisterHistory(
                entry_id=entry.id,
                natural_key=f"{entry.reference}:{REGISTERED}",
                kind=REGISTERED,
                occurred_on=registered_on,
                due_on=entry.home_visit_request_by,
                actor=actor,
                details={"conditions": conditions},
                recorded_at=recorded_at,
            )
        )
        session.flush()
        return entry

    return create_once(
        session=session,
        create=create,
        reread=lambda: get_entry_by_run(session=session, flow_run_id=flow_run_id),
    )


def get_history_line(*, session: Session, natural_key: str) -> RegisterHistory | None:
    return session.scalars(
        select(RegisterHistory).where(RegisterHistory.natural_key == natural_key)
    ).one_or_none()


def record_history(
    *,
    session: Session,
    entry_id: int,
    natural_key: str,
    kind: str,
    occurred_on: date,
    due_on: date | None,
    actor: str,
    details: dict[str, Any],
    recorded_at: datetime,
) -> tuple[RegisterHistory, bool]:
    """One line of an entry's history, once per natural key; True if this call recorded it."""
    existing = get_history_line(session=session, natural_key=natural_key)
    if existing is not None:
        return existing, False
    line = RegisterHistory(
        entry_id=entry_id,
        natural_key=natural_key,
        kind=kind,
        occurred_on=occurred_on,
        due_on=due_on,
        actor=actor,
        details=details,
        recorded_at=recorded_at,
    )

    def create() -> RegisterHistory:
        session.add(line)
        session.flush()
        return line

    return create_once(
        session=session,
        create=create,
        reread=lambda: get_history_line(session=session, natural_key=natural_key),
    )


def history(*, session: Session, entry_id: int) -> list[RegisterHistory]:
    """An entry's history, in the order it was recorded."""
    return list(
        session.scalars(
            select(RegisterHistory)
            .where(RegisterHistory.entry_id == entry_id)
            .order_by(RegisterHistory.id)
        )
    )


def record_information(
    *,
    session: Session,
    entry_id: int,
    update: InformationUpdate,
    natural_key: str,
    actor: str,
    recorded_at: datetime,
) -> tuple[RegisterHistory, bool]:
    """Information a parent (s436D) or provider (s436E) gave; new time estimates update the
    entry's content, and the history keeps what was given and whether a notice was late."""
    line, created = record_history(
        session=session,
        entry_id=entry_id,
        natural_key=natural_key,
        kind=INFORMATION_GIVEN,
        occurred_on=update.given_on,
        due_on=update.notice_due_on(),
        actor=actor,
        details={**update.model_dump(mode="json"), "late": update.late()},
        recorded_at=recorded_at,
    )
    if created:
        entry = session.get(RegisterEntry, entry_id, with_for_update=True)
        assert entry is not None
        estimates = {
            name: value
            for name in ("hours_educated_by_parents", "hours_educated_by_others")
            if (value := getattr(update, name)) is not None
        }
        if estimates:
            entry.content = {**entry.content, **estimates}
    return line, created


def request_home_visit(
    *,
    session: Session,
    entry: RegisterEntry,
    requested_on: date,
    natural_key: str,
    actor: str,
    recorded_at: datetime,
) -> tuple[RegisterHistory, bool]:
    """The authority's request for a home visit (s436B), with the day it had to be made by."""
    return record_history(
        session=session,
        entry_id=entry.id,
        natural_key=natural_key,
        kind=HOME_VISIT_REQUESTED,
        occurred_on=requested_on,
        due_on=entry.home_visit_request_by,
        actor=actor,
        details={},
        recorded_at=recorded_at,
    )


def provider_key(provider: str) -> str:
    """A provider as the three-month rule knows it: its name, however spaced or cased."""
    return " ".join(provider.split()).casefold()


def last_provider_request_on(*, session: Session, entry_id: int, provider: str) -> date | None:
    """The last day the authority asked this provider for an update about this entry."""
    days = [
        line.occurred_on
        for line in history(session=session, entry_id=entry_id)
        if line.kind == PROVIDER_UPDATE_REQUESTED
        and line.details.get("provider_key") == provider_key(provider)
    ]
    return max(days, default=None)


def request_provider_update(
    *,
    session: Session,
    entry_id: int,
    provider: str,
    requested_on: date,
    natural_key: str,
    actor: str,
    recorded_at: datetime,
) -> tuple[RegisterHistory, bool]:
    """The authority asked a provider for an update (s436E); the caller checked the interval."""
    return record_history(
        session=session,
        entry_id=entry_id,
        natural_key=natural_key,
        kind=PROVIDER_UPDATE_REQUESTED,
        occurred_on=requested_on,
        due_on=None,
        actor=actor,
        details={"provider": provider, "provider_key": provider_key(provider)},
        recorded_at=recorded_at,
    )


def get_support_request(*, session: Session, natural_key: str) -> RegisterSupportRequest | None:
    return session.scalars(
        select(RegisterSupportRequest).where(RegisterSupportRequest.natural_key == natural_key)
    ).one_or_none()


def record_support_request(
    *,
    session: Session,
    entry_id: int,
    request: SupportRequest,
    natural_key: str,
    actor: str,
    recorded_at: datetime,
) -> tuple[RegisterSupportRequest, bool]:
    """Parents' request for support (s436G), once per natural key, with its history line."""
    existing = get_support_request(session=session, natural_key=natural_key)
    if existing is not None:
        return existing, False

    def create() -> RegisterSupportRequest:
        row = RegisterSupportRequest(
            entry_id=entry_id,
            natural_key=natural_key,
            received_on=request.received_on,
            request=request.request,
            recorded_at=recorded_at,
        )
        session.add(row)
        session.flush()
        session.add(
            RegisterHistory(
                entry_id=entry_id,
                natural_key=f"{natural_key}:{SUPPORT_REQUESTED}",
                kind=SUPPORT_REQUESTED,
                occurred_on=request.received_on,
                due_on=None,
                actor=actor,
                details={"support_request": row.id},
                recorded_at=recorded_at,
            )
        )
        session.flush()
        return row

    return create_once(
        session=session,
        create=create,
        reread=lambda: get_support_request(session=session, natural_key=natural_key),
    )


def answer_support_request(
    *,
    session: Session,
    request_id: int,
    answer: SupportAnswer,
    answered_by: str,
    answered_at: datetime,
) -> RegisterSupportRequest:
    """Record the authority's answer (s436G); the first answer stands."""
    row = session.get(
        RegisterSupportRequest, request_id, with_for_update=True, populate_existing=True
    )
    if row is None:
        raise LookupError(f"request_id: no support request {request_id}")
    if row.answered_at is None:
        row.outcome = answer.outcome.value
        row.answer = answer.answer
        row.answered_on = answer.answered_on
        row.answered_by = answered_by
        row.answered_at = answered_at
        record_history(
            session=session,
            entry_id=row.entry_id,
            natural_key=f"{row.natural_key}:{SUPPORT_ANSWERED}",
            kind=SUPPORT_ANSWERED,
            occurred_on=answer.answered_on,
            due_on=None,
            actor=answered_by,
            details={"support_request": row.id, "outcome": answer.outcome.value},
            recorded_at=answered_at,
        )
    return row


def identity_of_entry(entry: RegisterEntry) -> ChildIdentity:
    return ChildIdentity(
        forenames=entry.forenames,
        surname=entry.surname,
        date_of_birth=entry.date_of_birth,
        postcode=entry.postcode,
    )


def find_in_scope_matches(
    *, session: Session, identity: ChildIdentity, thresholds: MatchThresholds
) -> list[MatchNote]:
    """Entries still in the register's scope whose child may be this child, best first, keyed
    by entry reference."""
    entries = session.scalars(
        select(RegisterEntry)
        .where(
            RegisterEntry.date_of_birth.in_(birth_dates_to_search(identity.date_of_birth)),
            RegisterEntry.status == EntryStatus.IN_SCOPE.value,
        )
        .order_by(RegisterEntry.id)
    )
    index: IdentityIndex[str] = IdentityIndex(thresholds)
    for entry in entries:
        index.add(entry.reference, identity_of_entry(entry))
    return [MatchNote.of(match) for match in index.matches(identity)]


def leave_scope(
    *,
    session: Session,
    entry_id: int,
    on: date,
    reason: str,
    school_urn: str | None,
    actor: str,
    details: dict[str, Any],
    recorded_at: datetime,
) -> bool:
    """The entry leaves the register's scope on `on` (for example admitted to a school), with
    the reason and the school, recorded in its history. False if it had left already."""
    entry = session.get(RegisterEntry, entry_id, with_for_update=True, populate_existing=True)
    if entry is None:
        raise LookupError(f"entry_id: no register entry {entry_id}")
    if entry.status == EntryStatus.LEFT_SCOPE.value:
        return False
    entry.status = EntryStatus.LEFT_SCOPE.value
    entry.left_scope_on = on
    entry.left_scope_reason = reason
    entry.left_scope_school_urn = school_urn
    record_history(
        session=session,
        entry_id=entry.id,
        natural_key=f"{entry.reference}:{LEFT_SCOPE}",
        kind=LEFT_SCOPE,
        occurred_on=on,
        due_on=None,
        actor=actor,
        details={**details, "reason": reason, "school_urn": school_urn},
        recorded_at=recorded_at,
    )
    return True
