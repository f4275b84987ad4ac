"""What people read in the Prefect UI: the decision form's description and the case summary.

Both carry the case reference, the stage, the due date, earlier decisions (each with who made it:
the person signed in, or attested on the form before people signed in) and who did what to the
case in Prefect (the sign-in gateway's access log, people only: the service accounts' calls are
in the chronology); the child appears
only as initials and age, enough for an officer to know whom a form is about. The full referral is
the run's parameter and the case record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from adapters.templating import render
from models.allocation import Allocation, allocation_in_words
from models.case import CaseHandle, StageResult
from models.case_events import (
    ClosureRequested,
    FurtherReferralReceived,
    PossibleDuplicate,
    RecordedEvent,
)
from models.choice_words import decision_summary
from models.chronology import LOOKS, access_what, identity_marker, person_label
from models.enums import Stage
from models.initials import initials
from models.letters import LetterLink
from store import access_log, case_events, cases, decisions, letters, people, regime
from store.orm import Case
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.notify import run_link

# The form's description shows the latest few calls (the V1 dialog squeezes a long description);
# the case summary artifact shows them all.
RECENT_ACTIVITY = 5


@dataclass(frozen=True)
class ActivityLine:
    when: str
    who: str
    what: str


@dataclass(frozen=True)
class DecisionLine:
    stage: str
    key: str
    officer: str
    decided_at: str
    summary: str


def _outcome_words(encoded: str | None) -> str:
    """A stage's stored outcome (`closed:found_on_roll`) as words ("Closed: Found on roll")."""
    if not encoded:
        return ""
    try:
        return StageResult.decode(encoded).words
    except ValueError:
        return encoded


def _signed_in_as(values: dict[str, object]) -> str | None:
    value = values.get("signed_in_as")
    return str(value) if value else None


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def allocated_why(record: Case, names: dict[str, str]) -> str:
    """Why the case went to its officer, in words; empty for a case whose allocation was not kept
    (opened before it was recorded)."""
    if record.allocation is None:
        return ""
    return allocation_in_words(Allocation.model_validate(record.allocation), names=names)


def intake_notes(events: list[RecordedEvent]) -> list[str]:
    """Further referrals, possible duplicates and closures asked from outside, one line each."""
    notes = []
    for recorded in events:
        on = recorded.occurred_at.date().isoformat()
        match recorded.event:
            case FurtherReferralReceived(referrer_type=referrer_type, score=score):
                who = referrer_type.label.lower()
                notes.append(
                    f"{on}: further referral ({who}) recorded on this case, "
                    f"matched with score {score}"
                )
            case PossibleDuplicate(other_reference=other, score=score, reasons=reasons):
                notes.append(
                    f"{on}: possible duplicate of {other} (score {score}: {', '.join(reasons)}), "
                    "for review"
                )
            case ClosureRequested(reason=reason):
                notes.append(f"{on}: closure requested: {reason}")
    return notes


@inject_uow
def _context(case: CaseHandle, *, uow: UnitOfWork = INJECTED) -> dict[str, object]:
    today = uow.clock().date()
    with uow.transaction() as session:
        record: Case | None = cases.get_case(session=session, reference=case.reference)
        if record is None:
            raise LookupError(f"case {case.reference} is not in the case database")
        child = record.child
        stages = [
            {
                "label": Stage(s.name).label,
                "started": s.started_at.date().isoformat(),
                "due": s.due_on.isoformat() if s.due_on else "",
                "completed": s.completed_at.date().isoformat() if s.completed_at else "",
                "outcome": _outcome_words(s.outcome),
            }
            for s in sorted(record.stages, key=lambda s: s.started_at)
        ]
        names = people.display_names(session=session)
        services = people.service_usernames(session=session)
        # What people did: the runner's own state changes are the engine at work (the
        # chronology keeps them for audit), and would push the officers' calls off the form.
        activity = [
            ActivityLine(
                when=entry.occurred_at.strftime("%Y-%m-%d %H:%M"),
                who=person_label(entry.username, names),
                what=access_what(entry),
            )
            for entry in access_log.for_case_record(session=session, case=record)
            if entry.action not in LOOKS and entry.username not in services
        ]
        decided = [
            DecisionLine(
                stage=Stage(d.stage).label,
                key=d.key,
                officer=(
                    uow.config.person(d.officer_id).display_name
                    if d.officer_id in uow.people
                    else d.officer_id
                )
                + f" ({identity_marker(_signed_in_as(d.values))})",
                decided_at=d.decided_at.strftime("%Y-%m-%d %H:%M"),
                summary=decision_summary(dict(d.values)),
            )
            for d in decisions.list_decisions(session=session, case_id=case.case_id)
        ]
        letters_made = [
            {
                "title": letter.kind.label,
                "produced": letter.created_at.strftime("%Y-%m-%d %H:%M"),
                "url": f"{uow.settings.documents_base_url}/letters/{letter.path}",
                "sha256": letter.sha256,
            }
            for letter in letters.list_letters(session=session, case_id=case.case_id)
        ]
        events = case_events.read_events(session=session, case_id=case.case_id)
        chosen = regime.chosen_in(events)
        return {
            "regime": chosen.name if chosen else "",
            "notes": intake_notes(events),
            "reference": case.reference,
            "status": record.status.label,
            "stage": record.current_stage.label if record.current_stage else "",
            "closure": record.closure_outcome.label if record.closure_outcome else "",
            "officer": uow.config.person(record.officer_id).display_name,
            "dspl_area": record.dspl_area or "out of county / unknown",
            "allocated_why": allocated_why(
                record, {person.id: person.display_name for person in uow.config.people}
            ),
            "child": f"{initials(child.forenames, child.surname)}, "
            f"aged {_age_on(child.date_of_birth, today)}",
            "stages": stages,
            "decisions": decided,
            "activity": activity,
            "letters": letters_made,
            "run_link": run_link(case, uow=uow),
        }


def describe_decision(
    case: CaseHandle,
    stage: Stage,
    ask: str,
    due_on: date | None,
    error: str | None,
    attached: Sequence[LetterLink] = (),
) -> str:
    """The Markdown shown above the officer's form, with links to the letters it concerns."""
    return render(
        "summaries/decision.md.j2",
        ask=ask,
        attached=list(attached),
        asked_stage=stage.label,
        due_on=due_on.isoformat() if due_on else "",
        error=error or "",
        recent_activity=RECENT_ACTIVITY,
        **_context(case),
    )


@task(name="publish-case-summary", cache_policy=NO_CACHE, persist_result=False)
def publish_case_summary(case: CaseHandle, awaiting: str | None = None) -> None:
    """Refresh the case's keyed Markdown artifact: the case at a glance in the UI."""
    create_markdown_artifact(
        key=case.artifact_key,
        markdown=render("summaries/case_summary.md.j2", awaiting=awaiting or "", **_context(case)),
        description=f"Case summary {case.reference}",
    )


def _awaiting_in(markdown: str) -> str | None:
    """What a published case summary says the case awaits (its "Awaiting" line), if anything."""
    for line in markdown.splitlines():
        if line.startswith("| Awaiting | ") and line.endswith(" |"):
            awaiting = line.removeprefix("| Awaiting | ").removesuffix(" |")
            return None if awaiting == "nothing" else awaiting
    return None


@task(name="refresh-other-case-summaries", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def refresh_other_case_summaries(references: Sequence[str], *, uow: UnitOfWork = INJECTED) -> int:
    """Publish again the summaries of other open cases a new case noted as possible duplicates:
    the note is an event on both, and an officer whose case waits on a form would not see it
    until that case next moved. What each case awaits is kept from its latest summary.

    Returns:
        How many summaries were refreshed.
    """
    refreshed = 0
    for reference in sorted(set(references)):
        with uow.transaction() as session:
            record = cases.get_case(session=session, reference=reference)
            if record is None:
                continue
            handle = cases.handle_of(record)
        with get_client(sync_client=True) as client:
            latest = client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[handle.artifact_key])),
                sort=ArtifactSort.CREATED_DESC,
                limit=1,
            )
        awaiting = _awaiting_in(str(latest[0].data)) if latest else None
        create_markdown_artifact(
            key=handle.artifact_key,
            markdown=render(
                "summaries/case_summary.md.j2", awaiting=awaiting or "", **_context(handle, uow=uow)
            ),
            description=f"Case summary {handle.reference}",
        )
        refreshed += 1
    return refreshed
