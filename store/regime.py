"""The regime a case's formal stage runs under, recorded once in its case record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy.orm import Session

from models.case_events import RecordedEvent, RegimeChosen
from models.regime import RegimeTable
from store.case_events import append_event, read_events


def chosen_in(events: Iterable[RecordedEvent]) -> RegimeChosen | None:
    """The regime chosen in a case's events, if its formal stage has begun."""
    return next((e.event for e in events if isinstance(e.event, RegimeChosen)), None)


def recorded_regime(*, session: Session, case_id: int) -> RegimeChosen | None:
    """The regime chosen for the case, if its formal stage has begun."""
    return chosen_in(read_events(session=session, case_id=case_id))


def choose_case_regime(
    *,
    session: Session,
    case_id: int,
    regimes: RegimeTable,
    begins_on: date,
    at: datetime,
) -> RegimeChosen:
    """Choose and record the case's regime by the day its formal stage begins, once: a case that
    has one keeps it (its formal stage began under those sections and finishes under them)."""
    recorded = recorded_regime(session=session, case_id=case_id)
    if recorded is not None:
        return recorded
    chosen = regimes.choose(begins_on)
    event = RegimeChosen(
        regime=chosen,
        name=regimes.regime(chosen).name,
        commenced_on=regimes.commences_on.get(chosen),
    )
    append_event(session=session, case_id=case_id, event=event, actor="system", occurred_at=at)
    return event
