"""Every kind of case event as the code before the typed record wrote it, beside its typed form.

Each old payload is built with the very expressions the old writers used (``.value``,
``.isoformat()``, ``str(uuid)``), including the shapes of older releases that lacked a field, so
tests can prove those rows still read, and that the typed writers store the same JSON.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from models.case_events import (
    CaseClosed,
    CaseEventPayload,
    CaseOpened,
    CaseStatusChanged,
    ChronologyProduced,
    ClosureRequestCarriedOut,
    ClosureRequested,
    DataExtractsChecked,
    DecisionRecorded,
    FurtherReferralReceived,
    LetterProduced,
    PossibleDuplicate,
    ReferralReceived,
    RegimeChosen,
    SafeguardingEscalation,
    StageClockPaused,
    StageClockResumed,
    StageCompleted,
    StageDueChanged,
    StageStarted,
)
from models.enums import (
    Addressee,
    CaseStatus,
    ClosureOutcome,
    LetterKind,
    ReferrerType,
    SafeguardingIndicator,
    Stage,
)
from models.extracts import ExtractFinding
from models.regime import RegimeId

RUN = UUID("2b0a6a4e-2f3c-4b7e-9a57-0c3f5d1e8a11")
DUE = date(2026, 11, 30)
LATER = date(2026, 12, 14)
PAUSED_AT = datetime(2026, 11, 9, 14, 5, 7, 250000, tzinfo=UTC)
SHA = "ab" * 32
DETAILS = {"notice": "s437(1) notice", "method": "post", "sent_on": "2026-11-03", "days": 15}
VALUES = {"outcome": "child_seen", "notes": "Spoke to the school £ é", "visits": 2, "x": None}
INDICATORS = [SafeguardingIndicator.IMMEDIATE_RISK, SafeguardingIndicator.KNOWN_TO_SOCIAL_CARE]

# (kind, payload as the old code wrote it, the typed event that stands for it)
OLD_EVENTS: list[tuple[str, dict[str, Any], CaseEventPayload]] = [
    (
        "case_opened",
        {"reference": "CME-2026-00042", "officer_id": "cme-officer-dspl-1-5", "dspl_area": 2},
        CaseOpened(reference="CME-2026-00042", officer_id="cme-officer-dspl-1-5", dspl_area=2),
    ),
    (
        "case_opened",
        {"reference": "CME-2026-00043", "officer_id": "cme-officer-dspl-6-9", "dspl_area": None},
        CaseOpened(reference="CME-2026-00043", officer_id="cme-officer-dspl-6-9", dspl_area=None),
    ),
    (
        "stage_started",
        {"stage": Stage.HOME_VISIT.value, "due_on": DUE.isoformat()},
        StageStarted(stage=Stage.HOME_VISIT, due_on=DUE),
    ),
    (
        "stage_started",
        {"stage": Stage.PERIODIC_REVIEW.value, "due_on": None},
        StageStarted(stage=Stage.PERIODIC_REVIEW, due_on=None),
    ),
    (
        "safeguarding_escalation",  # before the escalation named its origin
        {"indicators": [i.value for i in INDICATORS]},
        SafeguardingEscalation(indicators=INDICATORS),
    ),
    (
        "safeguarding_escalation",
        {"origin": "referral_check", "indicators": [i.value for i in INDICATORS]},
        SafeguardingEscalation(origin="referral_check", indicators=INDICATORS),
    ),
    (
        "data_extracts_checked",
        {"finding": "on_roll", "school_name": "Example Academy", "school_urn": "999002"},
        DataExtractsChecked(
            finding=ExtractFinding.ON_ROLL, school_name="Example Academy", school_urn="999002"
        ),
    ),
    (
        "data_extracts_checked",
        {"finding": "not_found", "school_name": None, "school_urn": None},
        DataExtractsChecked(finding=ExtractFinding.NOT_FOUND, school_name=None, school_urn=None),
    ),
    (
        # First written by the release that made the regimes configuration: as it writes it.
        "regime_chosen",
        {
            "regime": "education_act_1996",
            "name": "Education Act 1996, sections 437 to 443",
            "commenced_on": None,
        },
        RegimeChosen(
            regime=RegimeId.EDUCATION_ACT_1996,
            name="Education Act 1996, sections 437 to 443",
            commenced_on=None,
        ),
    ),
    (
        "decision_recorded",
        {"stage": Stage.HOME_VISIT.value, "key": "home_visit:outcome", "values": VALUES},
        DecisionRecorded(stage=Stage.HOME_VISIT, key="home_visit:outcome", values=VALUES),
    ),
    (
        "stage_due_changed",
        {
            "stage": Stage.EDUCATION_ENQUIRY.value,
            "from": DUE.isoformat(),
            "to": LATER.isoformat(),
            "reason": "s437(1) notice served",
            "details": DETAILS,
        },
        StageDueChanged(
            stage=Stage.EDUCATION_ENQUIRY,
            from_due_on=DUE,
            to=LATER,
            reason="s437(1) notice served",
            details=DETAILS,
        ),
    ),
    (
        "stage_due_changed",
        {"stage": "home_visit", "from": None, "to": DUE.isoformat(), "reason": "r", "details": {}},
        StageDueChanged(stage=Stage.HOME_VISIT, from_due_on=None, to=DUE, reason="r", details={}),
    ),
    (
        "stage_clock_paused",
        {"stage": "sao_notice", "reason": "awaiting a court direction", "due_on": DUE.isoformat()},
        StageClockPaused(stage=Stage.SAO_NOTICE, reason="awaiting a court direction", due_on=DUE),
    ),
    (
        "stage_clock_resumed",
        {
            "stage": "sao_notice",
            "reason": "court direction received",
            "paused_at": PAUSED_AT.isoformat(),
            "from": DUE.isoformat(),
            "to": LATER.isoformat(),
        },
        StageClockResumed(
            stage=Stage.SAO_NOTICE,
            reason="court direction received",
            paused_at=PAUSED_AT,
            from_due_on=DUE,
            to=LATER,
        ),
    ),
    (
        "stage_clock_resumed",
        {
            "stage": "home_visit",
            "reason": "back",
            "paused_at": PAUSED_AT.replace(microsecond=0).isoformat(),
            "from": None,
            "to": None,
        },
        StageClockResumed(
            stage=Stage.HOME_VISIT,
            reason="back",
            paused_at=PAUSED_AT.replace(microsecond=0),
            from_due_on=None,
            to=None,
        ),
    ),
    (
        "letter_produced",  # before letters carried their checksum in the record
        {
            "letter": LetterKind.S437_NOTICE.value,
            "natural_key": "education-enquiry-s437-notice-1",
            "addressed_to": Addressee.PARENT.value,
            "path": "CME-2026-00042/s437.pdf",
            "template": "s437_notice",
            "template_version": "cd" * 32,
        },
        LetterProduced(
            letter=LetterKind.S437_NOTICE,
            natural_key="education-enquiry-s437-notice-1",
            addressed_to=Addressee.PARENT,
            path="CME-2026-00042/s437.pdf",
            template="s437_notice",
            template_version="cd" * 32,
        ),
    ),
    (
        "letter_produced",
        {
            "letter": LetterKind.OTHER_LA_NOTICE.value,
            "natural_key": "referral-check-other-la-1",
            "addressed_to": Addressee.OTHER_LOCAL_AUTHORITY.value,
            "path": "CME-2026-00042/other-la.pdf",
            "sha256": SHA,
            "template": "other_la_notice",
            "template_version": "cd" * 32,
        },
        LetterProduced(
            letter=LetterKind.OTHER_LA_NOTICE,
            natural_key="referral-check-other-la-1",
            addressed_to=Addressee.OTHER_LOCAL_AUTHORITY,
            path="CME-2026-00042/other-la.pdf",
            sha256=SHA,
            template="other_la_notice",
            template_version="cd" * 32,
        ),
    ),
    (
        "chronology_produced",  # before chronologies carried their checksums
        {"trigger": "manual", "pdf": "a/c.pdf", "csv": "a/c.csv", "lines": 12},
        ChronologyProduced(trigger="manual", pdf="a/c.pdf", csv="a/c.csv", lines=12),
    ),
    (
        "chronology_produced",
        {
            "trigger": "legal_referral",
            "pdf": "a/d.pdf",
            "pdf_sha256": SHA,
            "csv": "a/d.csv",
            "csv_sha256": SHA,
            "lines": 0,
        },
        ChronologyProduced(
            trigger="legal_referral",
            pdf="a/d.pdf",
            pdf_sha256=SHA,
            csv="a/d.csv",
            csv_sha256=SHA,
            lines=0,
        ),
    ),
    (
        "further_referral_received",
        {
            "referral_id": 7,
            "flow_run_id": str(RUN),
            "received_on": DUE.isoformat(),
            "referrer_type": ReferrerType.SCHOOL.value,
            "score": 0.95,
            "reasons": ["date of birth", "name"],
            "safeguarding_indicators": [SafeguardingIndicator.IMMEDIATE_RISK.value],
        },
        FurtherReferralReceived(
            referral_id=7,
            flow_run_id=RUN,
            received_on=DUE,
            referrer_type=ReferrerType.SCHOOL,
            score=0.95,
            reasons=["date of birth", "name"],
            safeguarding_indicators=[SafeguardingIndicator.IMMEDIATE_RISK],
        ),
    ),
    (
        "possible_duplicate",
        {"other_reference": "CME-2026-00007", "score": 0.86, "reasons": ["a", "b"]},
        PossibleDuplicate(other_reference="CME-2026-00007", score=0.86, reasons=["a", "b"]),
    ),
    (
        "referral_received",
        {"referral_id": 8, "referrer_type": "school_deletion_return"}
        | {"import": "DR-2026-00001", "row": 4, "route": "open_case"},
        ReferralReceived(
            referral_id=8,
            referrer_type=ReferrerType.SCHOOL_DELETION_RETURN,
            import_reference="DR-2026-00001",
            row=4,
            route="open_case",
        ),
    ),
    (
        "closure_requested",
        {
            "outcome": ClosureOutcome.FOUND_ON_ROLL.value,
            "reason": "On roll at Example Academy from 2026-11-20.",
            "details": {"return": "NP-2026-00001", "row": 3, "score": 0.97, "reasons": ["dob"]},
        },
        ClosureRequested(
            outcome=ClosureOutcome.FOUND_ON_ROLL,
            reason="On roll at Example Academy from 2026-11-20.",
            details={"return": "NP-2026-00001", "row": 3, "score": 0.97, "reasons": ["dob"]},
        ),
    ),
    (
        "closure_request_carried_out",
        {"outcome": "found_on_roll", "stage": "home_visit"},
        ClosureRequestCarriedOut(outcome=ClosureOutcome.FOUND_ON_ROLL, stage=Stage.HOME_VISIT),
    ),
    (
        "stage_completed",
        {"stage": "home_visit", "outcome": "closed:found_on_roll"},
        StageCompleted(stage=Stage.HOME_VISIT, outcome="closed:found_on_roll"),
    ),
    (
        "case_status_changed",
        {"from": CaseStatus.OPEN.value, "to": "under_periodic_review", "reason": "unknown"},
        CaseStatusChanged(
            from_status=CaseStatus.OPEN, to=CaseStatus.UNDER_PERIODIC_REVIEW, reason="unknown"
        ),
    ),
    (
        "case_closed",
        {"outcome": "found_on_roll", "stage": "home_visit", "reason": "home_visit: Found on roll"},
        CaseClosed(
            outcome=ClosureOutcome.FOUND_ON_ROLL,
            stage=Stage.HOME_VISIT,
            reason="home_visit: Found on roll",
        ),
    ),
    (
        "case_closed",
        {"outcome": "not_cme", "stage": None, "reason": None},
        CaseClosed(outcome=ClosureOutcome.NOT_CME, stage=None, reason=None),
    ),
]
