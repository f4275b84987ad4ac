"""Officers' decisions: who decided what and when, once per suspend key.

Every function takes the caller's session and never commits; creates are idempotent on a
natural key, so a resumed run that replays from the top writes nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.case_events import DecisionRecorded
from models.enums import Stage
from store.case_events import append_event
from store.cases import require_case
from store.create_once import create_once
from store.guards import require_aware
from store.orm import (
    Decision,
)


def record_decision(
    *,
    session: Session,
    case_id: int,
    stage: Stage,
    key: str,
    officer_id: str,
    values: dict[str, Any],
    decided_at: datetime,
) -> Decision:
    """Record an officer's decision on a suspended run: who, when, what.

    Idempotent on ``(case_id, key)``: the first decision for a suspend key is the decision; a
    replay returns it and appends no second event.

    Args:
        session: The caller's session.
        case_id: The case.
        stage: The stage the decision belongs to.
        key: The suspend key of the wait it answers.
        officer_id: Who decided.
        values: The submitted form, as JSON-compatible values.
        decided_at: When it was decided (aware).

    Returns:
        The recorded decision.
    """
    require_aware(decided_at=decided_at)
    signed_in = values.get("signed_in_as")
    existing = get_decision(session=session, case_id=case_id, key=key)
    if existing is not None:
        return existing
    require_case(session=session, case_id=case_id)

    def create() -> Decision:
        decision = Decision(
            case_id=case_id,
            stage=stage,
            key=key,
            officer_id=officer_id,
            values=values,
            decided_at=decided_at,
        )
        session.add(decision)
        session.flush()
        # Given only when known, so a decision without it is stored as decisions always were.
        identity = {"signed_in_as": signed_in} if signed_in else {}
        append_event(
            session=session,
            case_id=case_id,
            event=DecisionRecorded(stage=stage, key=key, values=values, **identity),
            actor=officer_id,
            occurred_at=decided_at,
        )
        return decision

    decision, _created = create_once(
        session=session,
        create=create,
        reread=lambda: get_decision(session=session, case_id=case_id, key=key),
    )
    return decision


def get_decision(*, session: Session, case_id: int, key: str) -> Decision | None:
    """Find the decision recorded for a suspend key.

    Args:
        session: The caller's session.
        case_id: The case.
        key: The suspend key.

    Returns:
        The decision, or None if none was recorded.
    """
    return session.scalars(
        select(Decision).where(Decision.case_id == case_id, Decision.key == key)
    ).one_or_none()


def list_decisions(*, session: Session, case_id: int) -> list[Decision]:
    """List a case's decisions in the order they were recorded.

    Args:
        session: The caller's session.
        case_id: The case.

    Returns:
        The decisions, oldest first.
    """
    return list(
        session.scalars(select(Decision).where(Decision.case_id == case_id).order_by(Decision.id))
    )
