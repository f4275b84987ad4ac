"""What the pages say, from the store's rows: pure helpers the routes and templates share."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from models.access import AccessRecord, Person, Role
from models.case_events import (
    ClosureRequested,
    FurtherReferralReceived,
    PossibleDuplicate,
    RecordedEvent,
)
from models.choice_words import decision_summary
from models.chronology import ChronologyLine, chronology_lines
from store.casework import CasePage, DecisionLine

LOCAL_TIME = ZoneInfo("Europe/London")
SEES_PERSONAL_DATA = (Role.OFFICER, Role.TEAM_LEAD, Role.HEAD_OF_SERVICE)
SEES_EVERY_CASE = (Role.TEAM_LEAD, Role.HEAD_OF_SERVICE)

ACCESS_WHAT = {
    "view_case": "Case page viewed in the front door",
    "open_case": "Case opened in Prefect",
    "resume": "Decision form submitted in Prefect",
    "cancel": "Case run cancelled in Prefect",
    "set_state": "Case run state changed in Prefect",
    "delete": "Case run deleted in Prefect",
}


def may_see_personal_data(person: Person) -> bool:
    return person.has(*SEES_PERSONAL_DATA) and not person.is_service


def sees_every_case(person: Person) -> bool:
    return person.has(*SEES_EVERY_CASE)


def local(moment: datetime) -> datetime:
    return moment.astimezone(LOCAL_TIME)


def when(moment: datetime | None) -> str:
    """An instant as an officer reads it: '4 Dec 2026, 10:55' in England's time."""
    if moment is None:
        return ""
    shown = local(moment)
    return f"{shown.day} {shown:%b %Y, %H:%M}"


def day(value: date | None) -> str:
    return "" if value is None else f"{value.day} {value:%b %Y}"


_DAY_FIRST = re.compile(r"^\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def parse_day(text: str) -> date | None:
    """A date typed as 14/03/2015, 14-3-2015 or 2015-03-14; None if empty.

    Raises ValueError when something was typed that is not a date.
    """
    if not text.strip():
        return None
    if match := _DAY_FIRST.match(text):
        d, m, y = (int(part) for part in match.groups())
        return date(y, m, d)
    if match := _ISO.match(text):
        y, m, d = (int(part) for part in match.groups())
        return date(y, m, d)
    raise ValueError(f"{text!r} is not a date: type it as day/month/year, e.g. 14/03/2015")


@dataclass(frozen=True)
class DecisionView:
    when: str
    stage: str
    decided_by: str
    how: str
    summary: str


def decision_views(
    decisions: Sequence[DecisionLine], who: Callable[[str], str]
) -> list[DecisionView]:
    """Each decision with who made it and how their identity is known."""
    views = []
    for decision in decisions:
        signed_in_as = decision.values.get("signed_in_as")
        how = f"signed in as {signed_in_as}" if signed_in_as else "attested on the form"
        views.append(
            DecisionView(
                when=when(decision.decided_at),
                stage=decision.stage.label,
                decided_by=who(decision.officer_id),
                how=how,
                summary=decision_summary(decision.values),
            )
        )
    return views


def access_line(record: AccessRecord) -> ChronologyLine:
    what = ACCESS_WHAT.get(record.action, record.action.replace("_", " ").capitalize())
    if not record.allowed:
        what = f"Refused: {what[0].lower()}{what[1:]}"
    return ChronologyLine(
        when=record.occurred_at, who=record.username, what=what, details=f"via {record.channel}"
    )


def chronology(
    case: CasePage, access: Sequence[AccessRecord], who: Callable[[str], str]
) -> list[ChronologyLine]:
    """The case record's events and notifications, and who opened, resumed or viewed it."""
    lines = chronology_lines(case.events, case.notifications, who=who)
    lines += [access_line(record) for record in access]
    return sorted(lines, key=lambda line: line.when)


@dataclass(frozen=True)
class IntakeNote:
    on: str
    text: str
    other_reference: str | None = None  # a possible duplicate: the case to compare with


def intake_notes(events: Sequence[RecordedEvent]) -> list[IntakeNote]:
    """Further referrals, possible duplicates and closures asked from outside, oldest first."""
    notes = []
    for recorded in events:
        on = day(local(recorded.occurred_at).date())
        match recorded.event:
            case FurtherReferralReceived(referrer_type=referrer_type, score=score):
                notes.append(
                    IntakeNote(
                        on,
                        f"Further referral ({referrer_type.label.lower()}) recorded on this case, "
                        f"matched with score {score}",
                    )
                )
            case PossibleDuplicate(other_reference=other, score=score, reasons=reasons):
                notes.append(
                    IntakeNote(
                        on,
                        f"Possible duplicate of {other} (score {score}: {', '.join(reasons)}), "
                        "for review",
                        other_reference=other,
                    )
                )
            case ClosureRequested(reason=reason):
                notes.append(IntakeNote(on, f"Closure requested: {reason}"))
    return notes
