"""The register of children not in school (Education Act 1996 ss436B-436G, inserted by the
Children's Wellbeing and Schools Act 2026 s38), behind the Act's commencement.

Every flow here first asks whether the sections are in force on the day (the council's
`[regimes.commences_on] cwsa_2026`); until they are, it refuses, says why, and records nothing.
An input the rules refuse is an outcome (the run ends Completed, named so, the fields and problems
in an artifact), never a failed run. Runs are named by the entry's reference, never the child.
The officer answers a support request on a suspended run's form (s436G), as every decision is made.
"""

from __future__ import annotations

from datetime import date, datetime
from itertools import count
from typing import Any

from prefect import flow, get_run_logger
from prefect.client.schemas.objects import State
from prefect.flow_runs import suspend_flow_run
from prefect.states import Completed
from pydantic import ValidationError

from flows.decisions import explain
from flows.forms import RegisterSupportAnswer, with_people
from models.register import (
    InformationUpdate,
    Problem,
    RegisterApplication,
    SupportAnswer,
    SupportRequest,
    validate_input,
)
from tasks.register import (
    NOT_IN_FORCE,
    REFUSED,
    RegisteredEntry,
    answer_support_request,
    check_application,
    find_entry,
    not_in_force_message,
    record_information,
    record_support_request,
    refuse,
    register_child,
    register_in_force,
    request_home_visit,
    request_provider_update,
)
from tasks.sweep import local_day, read_clock
from tasks.team import team_ids

NO_ENTRY = "No such entry"
INPUT_REFUSED = "Input refused"


def _instant(now: object) -> datetime:
    """The run's `now`: the product's clock unless given. Runs that check their own parameters
    (validate_parameters=False) are given it as a deployment sends it, in ISO 8601 text."""
    if now is None:
        return read_clock()
    return now if isinstance(now, datetime) else datetime.fromisoformat(str(now))


def _not_in_force(at: datetime) -> State[Any]:
    message = not_in_force_message(local_day(at))
    get_run_logger().warning(message)
    return Completed(name=NOT_IN_FORCE, message=message)


def _refused(problems: tuple[Problem, ...], name: str) -> State[Any]:
    refuse(problems, name)
    fields = ", ".join(problem.field for problem in problems)
    return Completed(
        name=name, message=f"{name}: see the run's artifact for the problems ({fields})"
    )


def _no_entry(reference: str) -> State[Any]:
    return Completed(name=NO_ENTRY, message=f"{NO_ENTRY}: {reference} is not on the register")


@flow(
    name="register-child-not-in-school",
    description="Enter a child on the register of children not in school (EA 1996 s436B-s436C).",
    log_prints=False,
    # Validated by the first task as of the day: a refused application is an outcome, and
    # Prefect's own check would fail the run and log the values typed.
    validate_parameters=False,
)
def register_child_not_in_school(
    application: RegisterApplication, now: datetime | None = None
) -> str | State[Any]:
    """Register an eligible child (s436B) with the content s436C requires; returns its reference.

    Refused, with nothing recorded, before the Act is in force, or for a child not eligible.
    """
    at = _instant(now)
    if not register_in_force(at):
        return _not_in_force(at)
    checked = check_application(application, at)
    if not isinstance(checked, RegisterApplication):
        return _refused(checked, REFUSED)
    return register_child(checked, at).reference


def _entry_or_refusal(entry_reference: str, at: datetime) -> RegisteredEntry | State[Any]:
    if not register_in_force(at):
        return _not_in_force(at)
    entry = find_entry(entry_reference)
    return entry if entry is not None else _no_entry(entry_reference)


@flow(
    name="record-register-information",
    description="Record information a parent (s436D) or a provider (s436E) gave for an entry.",
    log_prints=False,
    validate_parameters=False,
)
def record_register_information(
    entry_reference: str, update: InformationUpdate, now: datetime | None = None
) -> str | State[Any]:
    """Record what was given; a parent's notice of a change later than due is noted as late."""
    at = _instant(now)
    entry = _entry_or_refusal(entry_reference, at)
    if not isinstance(entry, RegisteredEntry):
        return entry
    checked = validate_input(InformationUpdate, update, today=local_day(at))
    if not isinstance(checked, InformationUpdate):
        return _refused(checked, INPUT_REFUSED)
    late = record_information(entry, checked, at)
    return f"{entry.reference}: information recorded" + (" (notice late, s436D)" if late else "")


@flow(
    name="request-register-home-visit",
    description="Record the council's request for a home visit to a registered child (s436B).",
    log_prints=False,
)
def request_register_home_visit(
    entry_reference: str, requested_on: date | None = None, now: datetime | None = None
) -> str | State[Any]:
    """Record the request (default: made today) if within its period of registration."""
    at = _instant(now)
    entry = _entry_or_refusal(entry_reference, at)
    if not isinstance(entry, RegisteredEntry):
        return entry
    day = requested_on if requested_on is not None else local_day(at)
    problem = request_home_visit(entry, day, at)
    if problem is not None:
        return _refused((problem,), INPUT_REFUSED)
    return f"{entry.reference}: home visit requested on {day.isoformat()}"


@flow(
    name="request-register-provider-update",
    description="Record the council's request to a provider for an update (s436E).",
    log_prints=False,
)
def request_register_provider_update(
    entry_reference: str,
    provider: str,
    requested_on: date | None = None,
    now: datetime | None = None,
) -> str | State[Any]:
    """Record the request (default: made today), unless the provider was asked within three
    months."""
    at = _instant(now)
    entry = _entry_or_refusal(entry_reference, at)
    if not isinstance(entry, RegisteredEntry):
        return entry
    day = requested_on if requested_on is not None else local_day(at)
    problem = request_provider_update(entry, provider, day, at)
    if problem is not None:
        return _refused((problem,), INPUT_REFUSED)
    return f"{entry.reference}: provider update requested on {day.isoformat()}"


def support_key(request_id: int, attempt: int) -> str:
    """The suspend key of an answer: one per request and attempt (a refused answer asks again)."""
    return f"register-support-{request_id}-{attempt}"


def ask_for_answer(
    entry: RegisteredEntry, request_id: int, request: SupportRequest
) -> RegisterSupportAnswer:
    """Wait, holding no process, for the officer's answer to the request."""
    form = with_people(RegisterSupportAnswer, team_ids())
    error: str | None = None
    for attempt in count():
        description = (
            f"### {entry.reference}: a request for support (s436G)\n\n"
            f"Received on {request.received_on.isoformat()}. The parents asked for: "
            f"{request.request}\n\nRecord what the council does, and its answer as given."
            + (f"\n\n> **Your last answer was not accepted.** {error}" if error else "")
        )
        try:
            answer = suspend_flow_run(
                wait_for_input=form.with_initial_data(description=description),
                key=support_key(request_id, attempt),
                timeout=None,
            )
        except ValidationError as exc:
            error = explain(exc)
            get_run_logger().warning("%s: answer not accepted: %s", entry.reference, error)
            continue
        return answer
    raise AssertionError("unreachable")


@flow(
    name="register-support-request",
    description="Record parents' request for support (s436G) and the officer's answer.",
    log_prints=False,
    persist_result=True,
    result_serializer="json",
    validate_parameters=False,
)
def register_support_request(
    entry_reference: str, request: SupportRequest, now: datetime | None = None
) -> str | State[Any]:
    """Record the request, then wait for the officer's answer and record it."""
    at = _instant(now)
    entry = _entry_or_refusal(entry_reference, at)
    if not isinstance(entry, RegisteredEntry):
        return entry
    checked = validate_input(SupportRequest, request, today=local_day(at))
    if not isinstance(checked, SupportRequest):
        return _refused(checked, INPUT_REFUSED)
    recorded = record_support_request(entry, checked, at)
    if not recorded.answered:
        answer = ask_for_answer(entry, recorded.request_id, checked)
        answer_support_request(
            recorded.request_id,
            SupportAnswer(
                answered_on=answer.answered_on, outcome=answer.outcome, answer=answer.answer
            ),
            str(answer.officer),
        )
    return f"{entry.reference}: support request answered"
