"""Every email the product sends, rendered as its sender renders it, with realistic data.

Each case gives the template its sender's context (the same labels, links and values the task
passes), built through the product's own renderers where a task has one (the deadline sweep's and
the caseload report's digests). `tests/store/test_emails_as_read.py` sends each through the real
mail adapter to a real SMTP server and reads it as a mail client shows it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from adapters.settings import PROJECT_ROOT
from models.case_record import BrokenLink, Problem, RecordCheck
from models.caseload import CaseRow, StageRow, caseload_figures
from models.enums import (
    CaseStatus,
    ClosureOutcome,
    ReferrerType,
    SafeguardingIndicator,
    Stage,
)
from models.escalation import NoticeKind
from models.school_returns import DeletionGroundLetter
from tasks import caseload, sweep
from tasks.intake_notices import by_school
from tasks.notify import render_email

TEMPLATES = PROJECT_ROOT / "templates" / "emails"
REFERENCE = "CME-2026-00042"
OTHER_REFERENCE = "CME-2026-00007"
IMPORT_REFERENCE = "DR-2026-00011"
FLOW_RUN = uuid.UUID("5f0c6a1e-8d8b-4c0e-9a51-2d7e3f1b9c42")
OTHER_FLOW_RUN = uuid.UUID("0b6f1d2c-3a4e-4f5a-8b6c-7d8e9f0a1b2c")
IMPORT_FLOW_RUN = uuid.UUID("9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b")
CONSENT_REFERENCE = "WC-2027-00003"
CONSENT_FLOW_RUN = uuid.UUID("3c2b1a0f-9e8d-4c7b-8a6f-5e4d3c2b1a0f")

# A child's details as a referral gives them: an accent and an apostrophe, as real names have.
CHILD_NAME = "Zoë O'Brien-Hart"
DATE_OF_BIRTH = "2014-09-03"
ADDRESS = "Flat 2, 14 St Peter's Street, St Albans"
POSTCODE = "AL1 3HF"
CHILD_DETAILS = (CHILD_NAME, "Zoë", "O'Brien-Hart", DATE_OF_BIRTH, ADDRESS, POSTCODE)

OFFICER = {
    "officer_name": "Priya Shah (CME Officer, DSPL 1-5)",
    "officer_email": "priya.shah@example.gov.uk",
}
LEAD_NAME = "Morgan Ellis (CME Team Lead)"


@dataclass(frozen=True)
class EmailCase:
    """One email as its sender builds it, and what its reader must find in it."""

    templates: tuple[str, ...]
    """The files under templates/emails/ this email is made from."""
    subject: str
    body: str
    html: str | None
    reference: str | None
    """The case (or import) the email is about, which its subject must carry; None for a
    digest, whose body lists many cases and whose subject names none."""
    links: tuple[str, ...]
    """Every link the reader must find in the body (and in the HTML part, if any)."""
    attachments: tuple[Path, ...] = ()


def _run_link(ui_url: str, flow_run: uuid.UUID) -> str:
    return f"{ui_url}/runs/flow-run/{flow_run}"


def _notify_email(
    template: str, *, ui_url: str, context: dict[str, Any], attachments: tuple[Path, ...] = ()
) -> EmailCase:
    """As tasks/notify.py renders it: the case reference and run link added to the context."""
    link = _run_link(ui_url, FLOW_RUN)
    subject, body = render_email(template, reference=REFERENCE, run_link=link, **context)
    # An email to someone outside the council (another authority) carries no Prefect link.
    uses_run_link = "run_link" in (TEMPLATES / f"{template}.txt.j2").read_text("utf-8")
    links = ((link,) if uses_run_link else ()) + tuple(
        v for k, v in context.items() if k.endswith("_link")
    )
    return EmailCase(
        templates=(f"{template}.txt.j2",),
        subject=subject,
        body=body,
        html=None,
        reference=REFERENCE,
        links=links,
        attachments=attachments,
    )


def _child() -> dict[str, str]:
    # As tasks/handoffs.py gives them: the address in words, its postcode included.
    return {
        "child_name": CHILD_NAME,
        "date_of_birth": DATE_OF_BIRTH,
        "address": f"{ADDRESS}, {POSTCODE}",
    }


def _intake_email(template: str, *, ui_url: str, items: list[dict[str, Any]]) -> EmailCase:
    """As tasks/intake_notices.py renders it: the import's reference, its run link."""
    link = _run_link(ui_url, IMPORT_FLOW_RUN)
    subject, body = render_email(
        template,
        reference=IMPORT_REFERENCE,
        run_link=link,
        received_on="2026-11-16",
        items=items,
        groups=by_school(items),
        school_listed=False,
        team_email="cme.team@example.gov.uk",
    )
    return EmailCase(
        templates=(f"{template}.txt.j2",),
        subject=subject,
        body=body,
        html=None,
        reference=IMPORT_REFERENCE,
        links=(link,),
    )


def _intake_item(ground: DeletionGroundLetter, *, row: int) -> dict[str, Any]:
    # As tasks/intake_notices.py's _item gives it.
    return {
        "row_number": row,
        "child_name": CHILD_NAME,
        "date_of_birth": DATE_OF_BIRTH,
        "postcode": POSTCODE,
        "school_name": "Marlborough Science Academy",
        "school_urn": "117654",
        "deletion_date": "2026-11-13",
        "ground": ground.as_claimed if ground.needs_joint_enquiries else ground.label,
        "case_reference": OTHER_REFERENCE,
    }


def _consent_email(template: str, *, ui_url: str, **extra: Any) -> EmailCase:
    """As tasks/withdrawal_consent.py renders it: the consent request's reference, its run."""
    link = _run_link(ui_url, CONSENT_FLOW_RUN)
    subject, body = render_email(
        template,
        run_link=link,
        reference=CONSENT_REFERENCE,
        import_reference=IMPORT_REFERENCE,
        pupil={
            "row_number": 3,
            "child_name": CHILD_NAME,
            "date_of_birth": DATE_OF_BIRTH,
            "postcode": POSTCODE,
            "school_name": "Example Junior School",
            "deletion_date": "2027-04-13",
        },
        school_urn="999003",
        decision="Consent refused: the pupil stays on the school's roll",
        decided_on="2027-04-20",
        reasons="The child is subject to a child protection plan; the parent could not show "
        "how the child would be seen.",
        team_email="cme.team@example.gov.uk",
        council_name="Hertfordshire County Council",
        **extra,
    )
    # The school's copy carries no Prefect link (it cannot open it); the team's copies do.
    uses_link = "run_link" in (TEMPLATES / f"{template}.txt.j2").read_text("utf-8") and not (
        extra.get("school_listed")
    )
    return EmailCase(
        templates=(f"{template}.txt.j2",),
        subject=subject,
        body=body,
        html=None,
        reference=CONSENT_REFERENCE,
        links=(link,) if uses_link else (),
    )


def _due_digest(ui_url: str) -> EmailCase:
    def notice(
        reference: str, stage: Stage, kind: NoticeKind, days: int, run: uuid.UUID | None
    ) -> sweep.PlannedNotice:
        return sweep.PlannedNotice(
            natural_key=f"{reference}:{stage.value}:{kind.value}",
            case_id=1,
            reference=reference,
            stage=stage,
            kind=kind,
            level=1,
            due_on=date(2026, 11, 12) - timedelta(days=days),
            days_overdue=days,
            flow_run_id=run,
            recipient_id="cme-team-lead",
            recipient_name=LEAD_NAME,
            email="morgan.ellis@example.gov.uk",
        )

    notices = [
        notice(REFERENCE, Stage.HOME_VISIT, NoticeKind.ESCALATION, 10, FLOW_RUN),
        notice(OTHER_REFERENCE, Stage.EDUCATION_ENQUIRY, NoticeKind.REMINDER, -2, OTHER_FLOW_RUN),
        notice("CME-2026-00051", Stage.REFERRAL_CHECK, NoticeKind.OVERDUE, 0, None),
    ]
    subject, body, html = sweep.render_digest(
        recipient_name=LEAD_NAME, today=date(2026, 11, 12), notices=notices, ui_url=ui_url
    )
    return EmailCase(
        templates=("due_digest.txt.j2", "due_digest.html.j2"),
        subject=subject,
        body=body,
        html=html,
        reference=None,
        links=(_run_link(ui_url, FLOW_RUN), _run_link(ui_url, OTHER_FLOW_RUN)),
    )


def _caseload_digest(ui_url: str) -> EmailCase:
    now = datetime(2026, 11, 30, 7, tzinfo=UTC)
    opened = datetime(2026, 10, 5, 9, tzinfo=UTC)
    figures = caseload_figures(
        cases=[
            CaseRow(
                reference=REFERENCE,
                flow_run_id=FLOW_RUN,
                officer_id="cme-officer-dspl-1-5",
                dspl_area=1,
                status=CaseStatus.OPEN,
                current_stage=Stage.HOME_VISIT,
                opened_at=opened,
                closed_at=None,
                closure_outcome=None,
            ),
            CaseRow(
                reference=OTHER_REFERENCE,
                flow_run_id=OTHER_FLOW_RUN,
                officer_id="cme-officer-dspl-6-9",
                dspl_area=None,
                status=CaseStatus.CLOSED,
                current_stage=Stage.REFERRAL_CHECK,
                opened_at=opened,
                closed_at=datetime(2026, 11, 27, 15, tzinfo=UTC),
                closure_outcome=ClosureOutcome.FOUND_ON_ROLL,
            ),
        ],
        stages=[
            StageRow(
                reference=REFERENCE,
                stage=Stage.HOME_VISIT,
                started_at=datetime(2026, 11, 2, 9, tzinfo=UTC),
                due_on=date(2026, 11, 20),
                completed_at=None,
                clock_paused_at=None,
            ),
            StageRow(
                reference=OTHER_REFERENCE,
                stage=Stage.REFERRAL_CHECK,
                started_at=opened,
                due_on=date(2026, 10, 19),
                completed_at=datetime(2026, 11, 27, 15, tzinfo=UTC),
                clock_paused_at=None,
            ),
        ],
        now=now,
        today=now.date(),
        period_start=now - timedelta(days=7),
    )
    subject, body, html = caseload.render_digest(
        figures,
        ui_url=ui_url,
        names={
            "cme-officer-dspl-1-5": OFFICER["officer_name"],
            "cme-officer-dspl-6-9": "Sam Okafor (CME Officer, DSPL 6-9)",
        },
        recipient_name=LEAD_NAME,
    )
    return EmailCase(
        templates=("caseload_digest.txt.j2", "caseload_digest.html.j2"),
        subject=subject,
        body=body,
        html=html,
        reference=None,
        links=(_run_link(ui_url, FLOW_RUN), f"{ui_url}/artifacts"),
    )


def every_email(*, ui_url: str, documents: Path | None = None) -> dict[str, EmailCase]:
    """Every email the product sends, by name; attachments are written under ``documents``
    if given (only their names are needed otherwise)."""
    folder = documents or Path("documents")
    letter = folder / "CME-2026-00042-other-la-notice-3f9a1c2b7d4e.pdf"
    referral_letter = folder / "CME-2026-00042-legal-services-referral-a1b2c3d4e5f6.pdf"
    chronology_csv = folder / "CME-2026-00042-chronology.csv"
    if documents is not None:
        for pdf in (letter, referral_letter):
            pdf.write_bytes(b"%PDF-1.7\n% a letter\n")
        chronology_csv.write_text(f"reference,event\n{REFERENCE},Referral received\n", "utf-8")
    further_run = uuid.UUID("7a6b5c4d-3e2f-4a1b-9c8d-7e6f5a4b3c2d")
    emails = {
        "safeguarding_escalation": _notify_email(
            "safeguarding_escalation",
            ui_url=ui_url,
            context={
                "indicators": [
                    SafeguardingIndicator.IMMEDIATE_RISK.label,
                    SafeguardingIndicator.KNOWN_TO_SOCIAL_CARE.label,
                ]
            },
        ),
        "ehe_handoff": _notify_email(
            "ehe_handoff",
            ui_url=ui_url,
            context={
                "reason": "The parent wrote to the school on 10 November that they home educate.",
                **_child(),
                **OFFICER,
            },
        ),
        "other_la_notice": _notify_email(
            "other_la_notice",
            ui_url=ui_url,
            context={
                "authority": "Bedford Borough Council",
                "new_address": "27 Harpur Street, Bedford MK40 1LA",
                **_child(),
                **OFFICER,
            },
            attachments=(letter,),
        ),
        "school_place_admissions": _notify_email(
            "school_place_admissions",
            ui_url=ui_url,
            context={
                "route": "In-year application made",
                "made_on": "2026-11-12",
                "due_on": "2026-12-03",
                "schools_applied_for": "Sandridge School; Verulam School",
                "fair_access_panel": "",
                **_child(),
                **OFFICER,
            },
        ),
        "school_start_notice": _notify_email(
            "school_start_notice",
            ui_url=ui_url,
            context={
                "school": "Sandridge School",
                "start_date": "2026-12-07",
                **_child(),
                **OFFICER,
            },
        ),
        "legal_referral": _notify_email(
            "legal_referral",
            ui_url=ui_url,
            context={
                "decision": "Refer for prosecution (s443)",
                "reasons": "The order served on 2 September has not been complied with.",
                **OFFICER,
            },
            attachments=(referral_letter, chronology_csv),
        ),
        "further_referral": _notify_email(
            "further_referral",
            ui_url=ui_url,
            context={
                "officer_name": OFFICER["officer_name"],
                "received_on": "2026-11-20",
                "referrer": ReferrerType.MEMBER_OF_PUBLIC.label,
                "score": "0.95",
                "reasons": ["date of birth equal", "surname equal", "postcode equal"],
                "indicators": [SafeguardingIndicator.PRIVATE_FOSTERING.label],
                "referral_link": _run_link(ui_url, further_run),
            },
        ),
        "closed_found_on_roll": _notify_email(
            "closed_found_on_roll",
            ui_url=ui_url,
            context={
                "officer_name": OFFICER["officer_name"],
                "outcome": ClosureOutcome.FOUND_ON_ROLL.label,
                "stage": Stage.HOME_VISIT.label,
                "reason": "New-pupil return NP-2026-00003 row 2 lists the child.",
                "school_name": "Verulam School",
                "school_urn": "117542",
                "admission_date": "2026-11-18",
            },
        ),
        "new_pupil_near_match": _notify_email(
            "new_pupil_near_match",
            ui_url=ui_url,
            context={
                "officer_name": OFFICER["officer_name"],
                "return_reference": "NP-2026-00003",
                "file_name": "new-pupils-verulam-2026-11-18.csv",
                "row_number": 3,
                "school_name": "Verulam School",
                "school_urn": "117542",
                "admission_date": "2026-11-18",
                "score": "0.84",
                "reasons": ["date of birth equal", "surname similar"],
            },
        ),
        "run_failed": _run_failed(ui_url),
        "record_broken": _record_broken(ui_url),
        "due_digest": _due_digest(ui_url),
        "caseload_digest": _caseload_digest(ui_url),
        "intake_ehe_notice": _intake_email(
            "intake_ehe_notice",
            ui_url=ui_url,
            items=[_intake_item(DeletionGroundLetter.F_ELECTIVE_HOME_EDUCATION, row=4)],
        ),
        "intake_s19_notice": _intake_email(
            "intake_s19_notice",
            ui_url=ui_url,
            items=[_intake_item(DeletionGroundLetter.O_PERMANENTLY_EXCLUDED, row=6)],
        ),
        "intake_flag_to_school": _intake_email(
            "intake_flag_to_school",
            ui_url=ui_url,
            items=[
                _intake_item(DeletionGroundLetter.H_NOT_RETURNED_AFTER_LEAVE, row=2),
                _intake_item(DeletionGroundLetter.I_CONTINUOUS_ABSENCE_20_DAYS, row=9),
            ],
        ),
        "withdrawal_consent_ehe_notice": _consent_email(
            "withdrawal_consent_ehe_notice", ui_url=ui_url
        ),
        "withdrawal_consent_refused_school": _consent_email(
            "withdrawal_consent_refused_school", ui_url=ui_url, school_listed=True
        ),
        "withdrawal_consent_refused_team": _consent_email(
            "withdrawal_consent_refused_team", ui_url=ui_url
        ),
        "intake_further_referral": _intake_email(
            "intake_further_referral",
            ui_url=ui_url,
            items=[_intake_item(DeletionGroundLetter.G_MOVED_AWAY, row=7)],
        ),
    }
    return emails


def _run_failed(ui_url: str) -> EmailCase:
    # As tasks/sweep.py's notify_run_failed renders it: the run is named by its case reference.
    link = _run_link(ui_url, FLOW_RUN)
    subject, body = render_email(
        "run_failed",
        recipient_name=LEAD_NAME,
        reference=REFERENCE,
        state="Crashed",
        run_link=link,
    )
    return EmailCase(("run_failed.txt.j2",), subject, body, None, REFERENCE, (link,))


def _record_broken(ui_url: str) -> EmailCase:
    # As tasks/record_check.py's email_broken_record renders it.
    check = RecordCheck(
        cases=37,
        events=1_204,
        broken=[
            BrokenLink(REFERENCE, 3, Problem.HASH_MISMATCH, "stored 0a1b2c3d, content 9f8e7d6c"),
            BrokenLink(OTHER_REFERENCE, 5, Problem.GAP, "sequence 4 is missing"),
        ],
    )
    subject, body = render_email(
        "record_broken", recipient_name=LEAD_NAME, check=check, ui_url=ui_url
    )
    return EmailCase(("record_broken.txt.j2",), subject, body, None, None, (f"{ui_url}/artifacts",))
