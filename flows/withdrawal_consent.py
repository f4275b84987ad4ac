"""Consent to withdraw from school (new s434A Education Act 1996, inserted by s37 Children's
Wellbeing and Schools Act 2026): the team's best-interests decision on a relevant child.

One run per request, started by the deletion-return import for a home-education row of a relevant
child while the Act is in force (tasks/deletion_returns.py `open_consent_run`), named by the
import and row. The run suspends on a typed form and holds no process while it waits; resumed, it
replays from the top: a decision the case database holds is not asked again, and each outcome is
safe to repeat. Consent given (or not needed): the EHE list and the EHE team's notice, as before
s434A. Consent refused: the school is told the pupil stays on its roll, and the team is told.
"""

from __future__ import annotations

from itertools import count

from prefect import flow, get_run_logger
from prefect.flow_runs import suspend_flow_run
from pydantic import ValidationError

from flows.decisions import explain
from flows.forms import WithdrawalConsentForm, with_people
from models.replay_keys import attempt_key
from models.withdrawal_consent import ConsentDecision
from tasks.recording import has_answer
from tasks.sweep import local_day, read_clock
from tasks.team import team_ids
from tasks.withdrawal_consent import (
    ConsentRequest,
    describe_consent,
    list_for_ehe_after_consent,
    read_consent_request,
    record_consent_decision,
    tell_consent_refused,
)

# The form's suspend key: part of every waiting request's state, never to be renamed.
DECISION_KEY = "withdrawal-consent-decision"


def decide_consent(request: ConsentRequest) -> ConsentDecision:
    """Ask the team for the best-interests decision and record it, with its reasons, who decided
    (the signed-in person) and the day; a decision already recorded is returned as it is."""
    if request.decision is not None:
        return request.decision
    form = with_people(WithdrawalConsentForm, team_ids())
    error: str | None = None
    for attempt in count():
        pause_key = attempt_key(DECISION_KEY, attempt)
        try:
            answer = suspend_flow_run(
                wait_for_input=form.with_initial_data(description=describe_consent(request, error)),
                key=pause_key,
                timeout=None,
            )
        except ValidationError as exc:
            error = explain(exc)
            get_run_logger().warning("%s: answer not accepted: %s", request.reference, error)
            continue
        if has_answer(attempt_key(DECISION_KEY, attempt + 1)):
            continue  # a replay: this answer was refused when given, and answered again since
        today = local_day(read_clock())
        if answer.decided_on > today:
            # Dates only, never what else was typed: safe to log.
            error = f"decided_on: the decision day may not be after today ({today.isoformat()})"
            get_run_logger().warning("%s: answer not accepted: %s", request.reference, error)
            continue
        record_consent_decision(
            request.consent_id,
            decision=answer.decision,
            reasons=answer.reasons.strip(),
            decided_by=str(answer.officer),
            signed_in_as=answer.signed_in_as,
            decided_on=answer.decided_on,
        )
        return answer.decision
    raise AssertionError("unreachable")


@flow(
    name="withdrawal-consent",
    description="Consent to withdraw a relevant child from school (s434A): the team's "
    "best-interests decision, then the EHE list or the school told the pupil stays on roll.",
    log_prints=False,
)
def withdrawal_consent(consent_id: int) -> str:
    """Ask for, record and carry out the decision on one consent request (by its id)."""
    request = read_consent_request(consent_id)
    decision = decide_consent(request)
    if decision.lists_for_ehe:
        list_for_ehe_after_consent(consent_id)
    else:
        tell_consent_refused(consent_id)
    get_run_logger().info("%s: %s", request.reference, decision.value)
    return decision.value
