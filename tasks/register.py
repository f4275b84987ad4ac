"""The register of children not in school (EA 1996 ss436B-436G): every write the register's flows
make, and the check that the 2026 Act is in force on the day.

Each write is recorded once by its natural key (the run that makes it), so a replayed run writes
nothing twice; these tasks are not cached. Run names, logs, results and artifacts carry the
entry's reference (`CNIS-000123`), field names and dates, never the child's details.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.runtime import flow_run
from pydantic import BaseModel, ValidationError

from models.regime import RegimeId
from models.register import (
    SECTIONS,
    InformationUpdate,
    Problem,
    RegisterApplication,
    SupportAnswer,
    SupportRequest,
    home_visit_problem,
    left_scope_reason,
    provider_request_problem,
    validate_application,
)
from models.school_returns import NewPupilReturnRow
from store import new_pupils, register
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.sweep import local_day

ACTOR = "register-child-not-in-school"
NOT_IN_FORCE = "Register not in force"
REFUSED = "Registration refused"


class RegisteredEntry(BaseModel):
    """An entry as a flow sees it: its reference and clocks, never the child."""

    reference: str
    entry_id: int
    conditions: list[str]
    registered_on: date
    home_visit_request_by: date


def not_in_force_message(day: date) -> str:
    return (
        f"{NOT_IN_FORCE}: {SECTIONS} are not in force on {day.isoformat()}. The council sets the "
        "day the Act commences ([regimes.commences_on] cwsa_2026 in config/cme.toml); nothing "
        "was recorded."
    )


def _run_id() -> UUID:
    run_id = flow_run.get_id()
    if run_id is None:
        raise RuntimeError("the register is written by a flow run")
    return UUID(run_id)


@task(name="register-in-force", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def register_in_force(at: datetime, *, uow: UnitOfWork = INJECTED) -> bool:
    """Whether ss436B-436G are in force on the day of `at` (the council's commencement day)."""
    return uow.regimes.in_force(RegimeId.CWSA_2026, local_day(at))


@task(name="check-register-application", cache_policy=NO_CACHE, persist_result=False)
def check_application(
    application: RegisterApplication | dict[str, Any], at: datetime
) -> RegisterApplication | tuple[Problem, ...]:
    """The application valid and eligible on the day (s436B, s436C), or why not (fields only).

    Prefect passes a deployment's parameter as it was sent (JSON); it is validated here, as of
    the day, so a refusal is an outcome and no value typed reaches a log.
    """
    checked = validate_application(application, today=local_day(at))
    if not isinstance(checked, RegisterApplication):
        fields = ", ".join(problem.field for problem in checked)
        get_run_logger().warning("%s: the problems are in %s", REFUSED, fields)
    return checked


@task(name="refuse-register-input", cache_policy=NO_CACHE, persist_result=False)
def refuse(problems: tuple[Problem, ...], what: str) -> None:
    """The problems as the run's artifact: field and problem, never the value typed."""
    create_table_artifact(
        key="register-refused",
        table=[{"Field": problem.field, "Problem": problem.problem} for problem in problems],
        description=f"{what}: nothing was recorded. Correct these fields and run it again.",
    )


@task(name="register-child", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def register_child(
    application: RegisterApplication, at: datetime, *, uow: UnitOfWork = INJECTED
) -> RegisteredEntry:
    """Enter the child on the register (s436B), once per run, and name the run by the entry."""
    day = local_day(at)
    run_id = _run_id()
    conditions = [condition.value for condition in application.eligibility(day).conditions]
    with uow.transaction() as session:
        entry, _created = register.register_child(
            session=session,
            application=application,
            conditions=conditions,
            registered_on=day,
            flow_run_id=run_id,
            actor=ACTOR,
            recorded_at=at,
        )
        registered = RegisteredEntry(
            reference=entry.reference,
            entry_id=entry.id,
            conditions=list(entry.conditions),
            registered_on=entry.registered_on,
            home_visit_request_by=entry.home_visit_request_by,
        )
    _name_run(run_id, registered.reference)
    return registered


def _name_run(run_id: UUID, reference: str) -> None:
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(run_id)
        client.update_flow_run(
            run_id, name=reference, tags=sorted({"cnis-register", *current.tags})
        )


@task(name="find-register-entry", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def find_entry(reference: str, *, uow: UnitOfWork = INJECTED) -> RegisteredEntry | None:
    """The entry quoted by this reference, if it is on the register."""
    with uow.transaction() as session:
        entry = register.get_entry(session=session, reference=reference)
        if entry is None:
            return None
        return RegisteredEntry(
            reference=entry.reference,
            entry_id=entry.id,
            conditions=list(entry.conditions),
            registered_on=entry.registered_on,
            home_visit_request_by=entry.home_visit_request_by,
        )


@task(name="record-register-information", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def record_information(
    entry: RegisteredEntry, update: InformationUpdate, at: datetime, *, uow: UnitOfWork = INJECTED
) -> bool:
    """What a parent (s436D) or provider (s436E) gave, once per run; True if late (s436D)."""
    with uow.transaction() as session:
        line, _created = register.record_information(
            session=session,
            entry_id=entry.entry_id,
            update=update,
            natural_key=f"{_run_id()}:{register.INFORMATION_GIVEN}",
            actor=ACTOR,
            recorded_at=at,
        )
        return bool(line.details.get("late"))


@task(name="request-register-home-visit", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def request_home_visit(
    entry: RegisteredEntry, requested_on: date, at: datetime, *, uow: UnitOfWork = INJECTED
) -> Problem | None:
    """Record the council's request for a home visit (s436B), if made in time; else why not."""
    problem = home_visit_problem(entry.registered_on, requested_on)
    if problem is not None:
        return problem
    with uow.transaction() as session:
        row = register.get_entry(session=session, reference=entry.reference)
        assert row is not None
        register.request_home_visit(
            session=session,
            entry=row,
            requested_on=requested_on,
            natural_key=f"{_run_id()}:{register.HOME_VISIT_REQUESTED}",
            actor=ACTOR,
            recorded_at=at,
        )
    return None


@task(name="request-register-provider-update", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def request_provider_update(
    entry: RegisteredEntry,
    provider: str,
    requested_on: date,
    at: datetime,
    *,
    uow: UnitOfWork = INJECTED,
) -> Problem | None:
    """Record that the council asked a provider for an update (s436E), unless it asked less
    than three months ago; then why not. Once per run."""
    natural_key = f"{_run_id()}:{register.PROVIDER_UPDATE_REQUESTED}"
    with uow.transaction() as session:
        if register.get_history_line(session=session, natural_key=natural_key) is None:
            last = register.last_provider_request_on(
                session=session, entry_id=entry.entry_id, provider=provider
            )
            problem = provider_request_problem(last, requested_on)
            if problem is not None:
                return problem
        register.request_provider_update(
            session=session,
            entry_id=entry.entry_id,
            provider=provider,
            requested_on=requested_on,
            natural_key=natural_key,
            actor=ACTOR,
            recorded_at=at,
        )
    return None


class SupportRecord(BaseModel):
    """A support request as a flow sees it: its id and whether it has been answered."""

    request_id: int
    answered: bool


@task(name="record-register-support-request", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def record_support_request(
    entry: RegisteredEntry, request: SupportRequest, at: datetime, *, uow: UnitOfWork = INJECTED
) -> SupportRecord:
    """Record the parents' request for support (s436G), once per run."""
    with uow.transaction() as session:
        row, _created = register.record_support_request(
            session=session,
            entry_id=entry.entry_id,
            request=request,
            natural_key=f"{_run_id()}:{register.SUPPORT_REQUESTED}",
            actor=ACTOR,
            recorded_at=at,
        )
        record = SupportRecord(request_id=row.id, answered=row.answered_at is not None)
    # Named by the entry and the request, as every register run is by its entry: the officer
    # finds it in the runs list, and the name carries no child's details.
    _name_run(_run_id(), f"{entry.reference}-support-{record.request_id}")
    return record


@task(name="answer-register-support-request", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def answer_support_request(
    request_id: int, answer: SupportAnswer, officer: str, *, uow: UnitOfWork = INJECTED
) -> None:
    """Record the officer's answer to a support request (s436G); the first answer stands."""
    with uow.transaction() as session:
        register.answer_support_request(
            session=session,
            request_id=request_id,
            answer=answer,
            answered_by=officer,
            answered_at=uow.clock(),
        )


@task(name="take-new-pupils-off-register", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def take_new_pupils_out_of_scope(sha256: str, at: datetime, *, uow: UnitOfWork = INJECTED) -> int:
    """Each pupil of an imported new-pupil return who is certainly one child on the register
    leaves its scope (a registered pupil at a relevant school, s436B): the entry is updated on
    the admission date, with the school and the return, and its history says so. Returns how
    many entries left; a return imported again finds them gone already."""
    thresholds = uow.config.matching.thresholds
    left = 0
    with uow.transaction() as session:
        entry = new_pupils.get_return(session=session, sha256=sha256)
        if entry is None or entry.completed_at is None or entry.problem is not None:
            return 0
        for recorded in new_pupils.list_rows(session=session, return_id=entry.id):
            try:
                pupil = NewPupilReturnRow.model_validate(recorded.payload)
            except ValidationError:
                continue  # recorded by an older release in another shape: not ours to guess
            matches = register.find_in_scope_matches(
                session=session, identity=pupil.identity(), thresholds=thresholds
            )
            certain = [match for match in matches if match.strength == "certain"]
            if len(certain) != 1:
                continue  # none, or several entries: an officer's question, not a rule's
            on_register = register.get_entry(session=session, reference=certain[0].reference)
            assert on_register is not None
            left += register.leave_scope(
                session=session,
                entry_id=on_register.id,
                on=pupil.admission_date,
                reason=left_scope_reason(
                    entry.reference, recorded.row_number, pupil.school_name, pupil.school_urn
                ),
                school_urn=pupil.school_urn,
                actor="new-pupil-return",
                details={
                    "return": entry.reference,
                    "row": recorded.row_number,
                    "school_name": pupil.school_name,
                    "admission_date": pupil.admission_date.isoformat(),
                    "score": certain[0].score,
                    "reasons": list(certain[0].reasons),
                },
                recorded_at=at,
            )
    return left
