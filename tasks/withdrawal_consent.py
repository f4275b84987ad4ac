"""Consent to withdraw (s434A): reading a request, recording the team's decision, acting on it.

Each task is safe to repeat when a resumed run replays: the decision is written once
(store/withdrawal_consent.py), the EHE list holds a row once, and every email is claimed under its
own natural key before it is sent (tasks/send_once.py). What reaches Prefect (names, logs,
results) is the request's reference, the import's reference and the row, never the child; the
form's description gives the child's initials and age, as a case's forms do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run

from adapters.templating import render
from models.initials import initials
from models.school_returns import DeletionGroundLetter
from models.withdrawal_consent import Condition, ConsentDecision
from store import imports, withdrawal_consent
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.notify import render_email
from tasks.send_once import Claim, Message, send_once, send_task
from tasks.sweep import local_day

ACTOR = "withdrawal-consent"


@dataclass(frozen=True)
class ConsentRequest:
    """A request as the flow needs it; kept in the run's process, never persisted as a result."""

    consent_id: int
    reference: str
    import_reference: str
    row_number: int
    school_name: str
    school_urn: str | None
    deletion_date: date
    requested_on: date
    child: str  # initials and age on the deletion day, as a case's forms show a child
    conditions: tuple[str, ...]  # in words
    sources: tuple[str, ...]
    decision: ConsentDecision | None  # the decision recorded, if any


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@task(name="read-consent-request", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def read_consent_request(consent_id: int, *, uow: UnitOfWork = INJECTED) -> ConsentRequest:
    """The request, the row it came from and any decision already recorded."""
    with uow.transaction() as session:
        request = withdrawal_consent.get_consent(session=session, consent_id=consent_id)
        row, entry = withdrawal_consent.row_of(session=session, consent_id=consent_id)
        payload = row.payload
        born = date.fromisoformat(str(payload["date_of_birth"]))
        decision = ConsentDecision(request.decision) if request.decision is not None else None
        return ConsentRequest(
            consent_id=request.id,
            reference=request.reference,
            import_reference=entry.reference,
            row_number=row.row_number,
            school_name=str(payload.get("school_name") or "School not named"),
            school_urn=request.school_urn,
            deletion_date=request.deletion_date,
            requested_on=local_day(request.requested_at),
            child=(
                f"{initials(str(payload['pupil_forenames']), str(payload['pupil_surname']))}, "
                f"aged {_age_on(born, request.deletion_date)} on the deletion day"
            ),
            conditions=tuple(Condition(c).label for c in request.conditions),
            sources=tuple(request.sources),
            decision=decision,
        )


def describe_consent(request: ConsentRequest, error: str | None) -> str:
    """The Markdown above the team's form: what is asked, the conditions and their sources,
    and what is provisional (no deadline, no statutory criteria yet)."""
    return render(
        "summaries/withdrawal_consent.md.j2",
        reference=request.reference,
        error=error or "",
        child=request.child,
        row_number=request.row_number,
        import_reference=request.import_reference,
        school_name=request.school_name,
        school_urn=request.school_urn,
        deletion_date=request.deletion_date.isoformat(),
        requested_on=request.requested_on.isoformat(),
        conditions=list(request.conditions),
        sources=list(request.sources),
    )


@task(name="record-consent-decision", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def record_consent_decision(
    consent_id: int,
    *,
    decision: ConsentDecision,
    reasons: str,
    decided_by: str,
    signed_in_as: str | None,
    decided_on: date,
    uow: UnitOfWork = INJECTED,
) -> None:
    """Write the team's best-interests decision, once (a replay writes nothing new)."""
    with uow.transaction() as session:
        request = withdrawal_consent.record_decision(
            session=session,
            consent_id=consent_id,
            decision=decision.value,
            reasons=reasons,
            decided_by=decided_by,
            signed_in_as=signed_in_as,
            decided_on=decided_on,
            recorded_at=uow.clock(),
        )
        reference = request.reference
    get_run_logger().info("%s: decision recorded (%s)", reference, decision.value)


def _pupil(payload: dict[str, Any], row_number: int, deletion_date: date) -> dict[str, Any]:
    return {
        "row_number": row_number,
        "child_name": f"{payload.get('pupil_forenames', '')} {payload.get('pupil_surname', '')}",
        "date_of_birth": payload.get("date_of_birth", ""),
        "postcode": payload.get("postcode", ""),
        "school_name": payload.get("school_name", "") or "School not named",
        "deletion_date": deletion_date.isoformat(),
        "ground": DeletionGroundLetter.F_ELECTIVE_HOME_EDUCATION.label,
    }


@inject_uow
def _run_link(*, uow: UnitOfWork = INJECTED) -> str:
    return f"{uow.settings.ui_url}/runs/flow-run/{flow_run.get_id()}"


@inject_uow
def _send(
    consent_id: int,
    kind: str,
    recipient: str,
    template: str,
    *,
    uow: UnitOfWork = INJECTED,
    **context: Any,
) -> bool:
    """One email, once, under the key (request, kind, recipient)."""
    subject, body = render_email(template, run_link=_run_link(uow=uow), **context)
    result = send_once(
        engine=uow.engine,
        clock=uow.clock,
        settings=uow.settings,
        to=[recipient],
        claims=[
            Claim(
                natural_key=f"withdrawal-consent:{consent_id}:{kind}:{recipient}",
                kind=f"withdrawal_consent_{kind}",
                subject=subject,
            )
        ],
        message=Message(subject=subject, body=body),
    )
    return bool(result)


@inject_uow
def _context(consent_id: int, *, uow: UnitOfWork = INJECTED) -> dict[str, Any]:
    with uow.transaction() as session:
        request = withdrawal_consent.get_consent(session=session, consent_id=consent_id)
        row, entry = withdrawal_consent.row_of(session=session, consent_id=consent_id)
        return {
            "reference": request.reference,
            "import_reference": entry.reference,
            "pupil": _pupil(row.payload, row.row_number, request.deletion_date),
            "school_urn": request.school_urn or "not given",
            "decision": ConsentDecision(str(request.decision)).label if request.decision else "",
            "decided_on": request.decided_on.isoformat() if request.decided_on else "",
            "reasons": request.reasons or "",
            "team_email": uow.config.contacts.team_inbox.email,
            "council_name": uow.config.letters.council_name,
        }


@send_task("list-for-ehe-after-consent")
@inject_uow
def list_for_ehe_after_consent(consent_id: int, *, uow: UnitOfWork = INJECTED) -> bool:
    """Consent given (or not needed): the child goes on the EHE list and the EHE team is told,
    as a home-education row was before s434A. Returns True if this call sent the notice."""
    with uow.transaction() as session:
        request = withdrawal_consent.get_consent(session=session, consent_id=consent_id)
        imports.add_to_ehe_list(
            session=session,
            intake_row_id=request.intake_row_id,
            school_urn=request.school_urn,
            deletion_date=request.deletion_date,
            listed_at=uow.clock(),
        )
    context = _context(consent_id, uow=uow)
    return _send(
        consent_id,
        "ehe_notice",
        uow.config.contacts.ehe_team.email,
        "withdrawal_consent_ehe_notice",
        uow=uow,
        **context,
    )


@send_task("tell-consent-refused")
@inject_uow
def tell_consent_refused(consent_id: int, *, uow: UnitOfWork = INJECTED) -> int:
    """Consent refused: the school is told the pupil stays on its roll (its attendance contact,
    else the team inbox to forward, as other school notices go), and the team is told. Returns
    how many emails this call sent."""
    context = _context(consent_id, uow=uow)
    intake = uow.config.intake
    contacts = dict(intake.school_contacts) if intake else {}
    team = uow.config.contacts.team_inbox.email
    school = contacts.get(context["school_urn"])
    sent = _send(
        consent_id,
        "refused_school",
        school or team,
        "withdrawal_consent_refused_school",
        uow=uow,
        school_listed=school is not None,
        **context,
    )
    sent_team = _send(
        consent_id, "refused_team", team, "withdrawal_consent_refused_team", uow=uow, **context
    )
    return int(sent) + int(sent_team)
