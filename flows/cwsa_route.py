"""The formal stage under the Children's Wellbeing and Schools Act 2026 (config/regimes.toml,
cwsa_2026; docs/regimes.md).

A case whose formal stage begins on or after the day the council configured for the Act to
commence takes this route instead of ss437-443: the preliminary notice, the school nomination
notice with its window to select a school, the School Attendance Order under new s436I, and
proceedings for failing to comply with the order or for withdrawing the child while it is in
force. The stages are the case flow's own (education enquiry, SAO notice, prosecution referral),
with their own forms, letters and clocks. Every step of the Act is provisional until its enacted
text, regulations and guidance are confirmed: each letter's form tells the officer what to check
before it is sent (the step's note, its review notes).
"""

from __future__ import annotations

from datetime import date, timedelta

from flows.decisions import decide
from flows.forms import (
    EsoConsideration2026,
    OrderS436ICompliance,
    OrderS436IService,
    PreliminaryNoticeResponse,
    PreliminaryNoticeService,
    SchoolNominationNotice,
)
from flows.proceedings import refer_for_proceedings
from flows.service import serve_notice
from flows.timeline import order_s436i, order_s436i_compliance, preliminary_answer
from models.case import CaseHandle, StageResult, closed, next_stage
from models.deadlines import DeadlineStep
from models.enums import LetterKind, Stage
from models.letters import NoticeRequest
from models.regime import RegimeId
from models.replay_keys import Step
from tasks.recording import set_stage_clock
from tasks.regime import letter_review_notes
from tasks.school_place import offered_school

ONE_DAY = timedelta(days=1)
REGIME = RegimeId.CWSA_2026


def education_enquiry(case: CaseHandle, due: date | None) -> StageResult:
    """The preliminary notice requiring the parent to satisfy the LA that the child is receiving
    suitable education, then the parent's answer, considered with the home and other learning
    environments."""
    service = decide(
        case,
        Stage.EDUCATION_ENQUIRY,
        Step.PRELIMINARY_NOTICE,
        PreliminaryNoticeService,
        ask="Approve the preliminary notice (Children's Wellbeing and Schools Act 2026): to whom, "
        "how and when it will be sent. The letter is prepared for you next, with what to check "
        "before sending it.",
        due_on=due,
    )
    if outcome := service.closes_case():
        return closed(outcome)
    expires = serve_notice(
        case,
        Stage.EDUCATION_ENQUIRY,
        Step.PRELIMINARY_NOTICE,
        NoticeRequest(
            kind=LetterKind.PRELIMINARY_NOTICE, parent=service.served_on_parent,
            service_method=service.service_method, sent_on=service.served_on,
            period_days=service.period_days, offered_school=offered_school(case),
        ),
        due_on=due,
        review_notes=letter_review_notes(REGIME, LetterKind.PRELIMINARY_NOTICE),
    )  # fmt: skip
    answer = decide(
        case,
        Stage.EDUCATION_ENQUIRY,
        Step.PRELIMINARY_RESPONSE,
        PreliminaryNoticeResponse,
        ask=f"Record the parent's answer to the preliminary notice (period ends {expires}). An "
        "answer that satisfies the council may be recorded on any day; 'not satisfied' or 'no "
        f"answer' only from {expires + ONE_DAY}, once you have considered the home and other "
        "learning environments.",
        due_on=expires,
        rules=preliminary_answer(expires),
    )
    if outcome := answer.closes_case():
        return closed(outcome)
    return next_stage(Stage.SAO_NOTICE)


def sao_notice(case: CaseHandle, due: date | None) -> StageResult:
    """The school nomination notice (15 days for the parent to select a school), then the School
    Attendance Order under s436I naming the school, then compliance with it."""
    nomination = decide(
        case,
        Stage.SAO_NOTICE,
        Step.SCHOOL_NOMINATION_NOTICE,
        SchoolNominationNotice,
        ask="Approve the school nomination notice: the school nominated, any alternatives, and "
        "to whom, how and when it will be sent. The letter is prepared for you next.",
        due_on=due,
    )
    if outcome := nomination.closes_case():
        return closed(outcome)
    choice_ends = serve_notice(
        case,
        Stage.SAO_NOTICE,
        Step.SCHOOL_NOMINATION_NOTICE,
        NoticeRequest(
            kind=LetterKind.SCHOOL_NOMINATION_NOTICE, parent=nomination.served_on_parent,
            service_method=nomination.service_method, sent_on=nomination.served_on,
            proposed_school=nomination.proposed_school,
            alternative_schools=nomination.alternative_schools,
        ),
        due_on=due,
        review_notes=letter_review_notes(REGIME, LetterKind.SCHOOL_NOMINATION_NOTICE),
    )  # fmt: skip
    service_due = set_stage_clock(case, Stage.SAO_NOTICE, DeadlineStep.SAO_SERVICE, choice_ends)
    order = decide(
        case,
        Stage.SAO_NOTICE,
        Step.SAO_S436I_SERVICE,
        OrderS436IService,
        ask="Approve the School Attendance Order under s436I: the school it names, and how and "
        f"when it will be sent. The parent's window to select a school ends {choice_ends}: an "
        f"order naming the nominated school is sent from {choice_ends + ONE_DAY}; one naming a "
        "school the parent selected may be sent as soon as they have. The order is prepared next.",
        due_on=service_due,
        rules=order_s436i(choice_ends),
    )
    if outcome := order.closes_case():
        return closed(outcome)
    compliance_due = serve_notice(
        case,
        Stage.SAO_NOTICE,
        Step.SAO_S436I_SERVICE,
        NoticeRequest(
            kind=LetterKind.SCHOOL_ATTENDANCE_ORDER_S436I, parent=nomination.served_on_parent,
            service_method=order.service_method, sent_on=order.served_on,
            named_school=order.named_school,
        ),
        due_on=service_due,
        review_notes=letter_review_notes(REGIME, LetterKind.SCHOOL_ATTENDANCE_ORDER_S436I),
    )  # fmt: skip
    compliance = decide(
        case,
        Stage.SAO_NOTICE,
        Step.SAO_S436I_COMPLIANCE,
        OrderS436ICompliance,
        ask=f"Has the parent complied with the order naming {order.named_school}? Registration, "
        "revocation, or a withdrawal while the order is in force may be recorded on any day; "
        f"'not complied' only after the time given to register the child, from "
        f"{compliance_due + ONE_DAY}.",
        due_on=compliance_due,
        rules=order_s436i_compliance(compliance_due),
    )
    if outcome := compliance.closes_case():
        return closed(outcome)
    return next_stage(Stage.PROSECUTION_REFERRAL)


def prosecution_referral(case: CaseHandle, due: date | None) -> StageResult:
    """Proceedings for the offence recorded at compliance (failing to comply with the order, or
    withdrawing the child while it is in force), after considering an Education Supervision
    Order. The referral letter cites the offence from the regime."""
    consideration = decide(
        case,
        Stage.PROSECUTION_REFERRAL,
        Step.ESO_CONSIDERATION_2026,
        EsoConsideration2026,
        ask="Record that an ESO was considered before proceedings, your decision and its reasons.",
        due_on=due,
    )
    return refer_for_proceedings(
        case, consideration.decision.label, consideration.reasons, consideration.decided_on
    )
