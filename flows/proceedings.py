"""Proceedings, under either law: the referral to legal services and the court's outcome.

Once the ESO has been considered (s447(1)) and the council has decided, the referral letter cites
the offence from the case's regime (tasks/letters.py), goes to legal services with the case's
chronology, and the stage waits for the outcome on its clock (docs/regimes.md).
"""

from __future__ import annotations

from datetime import date

from flows.decisions import decide
from flows.forms import ProsecutionOutcome
from models.case import CaseHandle, StageResult, closed
from models.deadlines import DeadlineStep
from models.enums import Stage
from models.replay_keys import LEGAL_SERVICES_REFERRAL_LETTER_KEY, Step
from tasks.chronology import produce_referral_chronology
from tasks.handoffs import refer_to_legal_services
from tasks.letters import produce_legal_services_referral
from tasks.recording import set_stage_clock


def refer_for_proceedings(
    case: CaseHandle, decision: str, reasons: str, decided_on: date
) -> StageResult:
    """Refer the case to legal services with the council's decision and its reasons, then record
    the outcome of the proceedings, which closes the case."""
    referral_letter = produce_legal_services_referral(
        case, LEGAL_SERVICES_REFERRAL_LETTER_KEY, decision, reasons
    )
    # After the letter, so the chronology lists it; both go to legal services.
    chronology = produce_referral_chronology(case.reference)
    refer_to_legal_services(case, decision, reasons, referral_letter, chronology)
    outcome_due = set_stage_clock(
        case, Stage.PROSECUTION_REFERRAL, DeadlineStep.PROSECUTION_OUTCOME, decided_on
    )
    result = decide(
        case,
        Stage.PROSECUTION_REFERRAL,
        Step.PROSECUTION_OUTCOME,
        ProsecutionOutcome,
        ask="Record the outcome of the proceedings. Sent to legal services with the referral: "
        f"the case's [chronology (PDF)]({chronology.pdf_url}) and [CSV]({chronology.csv_url}).",
        due_on=outcome_due,
        letters=[referral_letter],
    )
    return closed(result.closes_case())
