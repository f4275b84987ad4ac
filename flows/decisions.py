"""Waiting for an officer's decision without holding a process.

`decide` suspends the case's flow run with a typed form and an explicit key. The run holds no
process while it waits; when the officer resumes it, the flow replays from the top and `decide`
returns the answer. A decision the case database has recorded is returned without asking again.
Input the server accepted but the model rejects (a malformed date, a cross-field rule), or whose
dates the case's own timeline does not allow (flows/timeline.py), is asked for again under a new
key, with the error shown; it never fails the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import count
from typing import TypeVar

from prefect import get_run_logger
from prefect.flow_runs import suspend_flow_run
from pydantic import ValidationError

from flows.forms import DecisionForm, with_people
from flows.timeline import Rules, dates_in_order
from models.case import CaseHandle
from models.closure import CaseClosedElsewhereError
from models.date_format import DATE_ERROR_TYPES, UNREADABLE_DATE
from models.enums import Stage
from models.letters import LetterLink
from models.replay_keys import attempt_key, decision_key
from tasks.closures import closure_request_for
from tasks.recording import case_timeline, has_answer, record_decision, recorded_decision
from tasks.screening import escalate_from_decision
from tasks.summary import describe_decision, publish_case_summary
from tasks.team import team_ids

F = TypeVar("F", bound=DecisionForm)


def explain(error: ValidationError) -> str:
    """The problems without the values typed (they may be personal data and this is logged)."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] in DATE_ERROR_TYPES:
            message = UNREADABLE_DATE
        # Cross-field rules have no location; their message starts with the field it concerns.
        problems.append(f"{field}: {message}" if field else message)
    return "; ".join(problems)


def decide(
    case: CaseHandle,
    stage: Stage,
    step: str,
    form: type[F],
    *,
    ask: str,
    due_on: date | None,
    letters: Sequence[LetterLink] = (),
    rules: Rules[F] | None = None,
) -> F:
    """Ask the officer for one decision and return it, recorded in the case database.

    `letters` are linked above the form: the letter the decision serves, for the officer to read.
    The answer's dates are checked against the case's timeline as it stands when it is given: the
    form's own (flows.timeline.dates_in_order) and `rules`, those of this decision.
    """
    key = decision_key(stage, step)
    typed_form = with_people(form, team_ids())
    recorded = recorded_decision(case, key)
    if recorded is not None:
        return typed_form.model_validate(recorded)

    error: str | None = None
    for attempt in count():
        pause_key = attempt_key(key, attempt)
        description = ""
        if not has_answer(pause_key):  # on a replay the answer is there: no need to redescribe
            # A closure requested from outside (a new-pupil return) is carried out here, before
            # the officer is asked anything more; an answer already given is recorded first.
            request = closure_request_for(case)
            if request is not None:
                raise CaseClosedElsewhereError(request)
            description = describe_decision(case, stage, ask, due_on, error, letters)
            publish_case_summary(case, awaiting=f"{ask} (due {due_on or 'no date set'})")
        try:
            answer = suspend_flow_run(
                wait_for_input=typed_form.with_initial_data(description=description),
                key=pause_key,
                timeout=None,
            )
        except ValidationError as exc:
            error = explain(exc)
            get_run_logger().warning(
                "%s: answer to %s not accepted: %s", case.reference, key, error
            )
            continue
        if has_answer(attempt_key(key, attempt + 1)):
            # A replay: this answer was refused on the day it was given (the officer has answered
            # again since), though its dates may pass today. The later answer stands.
            continue
        timeline = case_timeline(case, stage)
        found = [*dates_in_order(form, stage)(answer, timeline)]
        if rules is not None:
            found += rules(answer, timeline)
        problems = [str(problem) for problem in found if problem is not None]
        if problems:
            # Dates only, never what else was typed: safe to log.
            error = "; ".join(problems)
            get_run_logger().warning(
                "%s: answer to %s not accepted: %s", case.reference, key, error
            )
            continue
        if answer.safeguarding_indicators:
            # Before the decision is recorded: a replay then escalates again, and the claimed
            # notification key makes that a no-op instead of a lost escalation.
            escalate_from_decision(case, answer.safeguarding_indicators, key)
        record_decision(case, stage, key, str(answer.officer), answer.model_dump(mode="json"))
        return answer
    raise AssertionError("unreachable")
