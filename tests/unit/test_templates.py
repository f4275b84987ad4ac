"""Every email and summary template renders from the context its sender gives, and nothing less.

The contexts below are what tasks/handoffs.py and tasks/screening.py pass to `notify`, plus the
`reference` and `run_link` that `notify` adds to every email. Rendering never needs the runtime.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from jinja2 import Environment, UndefinedError, meta

from adapters.settings import PROJECT_ROOT
from adapters.templating import render
from models.case_record import BrokenLink, Problem, RecordCheck
from models.caseload import CaseRow, StageRow, caseload_figures
from models.enums import CaseStatus, Stage
from tasks.notify import render_email

TEMPLATES = PROJECT_ROOT / "templates"
REFERENCE = "CME-2026-00042"
RUN_LINK = "http://127.0.0.1:4200/runs/flow-run/00000000-0000-0000-0000-000000000042"
CHILD_NAME = "Alex Sample Testchild"

CHILD: dict[str, Any] = {
    "child_name": CHILD_NAME,
    "date_of_birth": "2015-03-14",
    "address": "1 Example Street, St Albans, AL1 3ER",
}
OFFICER: dict[str, Any] = {
    "officer_name": "CME Officer (DSPL 1-5)",
    "officer_email": "cme.officer.dspl1-5@example.gov.uk",
}
EMAIL_CONTEXTS: dict[str, dict[str, Any]] = {
    "ehe_handoff": {"reason": "on the EHE register", **CHILD, **OFFICER},
    "other_la_notice": {
        "authority": "Example County Council",
        "new_address": "2 Sample Road, Exampletown",
        **CHILD,
        **OFFICER,
    },
    "school_place_admissions": {
        "route": "In-year application made",
        "made_on": "2026-11-12",
        "due_on": "2026-12-03",
        "schools_applied_for": "Example Primary School; Sample Academy",
        "fair_access_panel": "",
        **CHILD,
        **OFFICER,
    },
    "school_start_notice": {
        "school": "Example Primary School",
        "start_date": "2026-12-07",
        **CHILD,
        **OFFICER,
    },
    "legal_referral": {
        "decision": "Prosecute",
        "reasons": "The order has not been complied with for a term.",
        **OFFICER,
    },
    "safeguarding_escalation": {
        "indicators": ["Immediate risk", "Known to social care"],
    },
    "run_failed": {"recipient_name": "CME Team Lead", "state": "Crashed"},
    "further_referral": {
        "officer_name": "CME Officer (DSPL 6-9)",
        "received_on": "2026-11-20",
        "referrer": "Anonymous",
        "score": "0.95",
        "reasons": ["date of birth equal", "alias equal"],
        "indicators": ["Immediate risk"],
        "referral_link": RUN_LINK,
    },
    "closed_found_on_roll": {
        "officer_name": "CME Officer (DSPL 6-9)",
        "outcome": "Found on roll",
        "stage": "Referral check",
        "reason": "New-pupil return NP-2026-00001 row 2 lists the child.",
        "school_name": "Example Academy",
        "school_urn": "999002",
        "admission_date": "2026-11-20",
    },
    "new_pupil_near_match": {
        "officer_name": "CME Officer (DSPL 6-9)",
        "return_reference": "NP-2026-00001",
        "file_name": "new-pupils.csv",
        "row_number": 3,
        "school_name": "Example Academy",
        "school_urn": "999002",
        "admission_date": "2026-11-20",
        "score": "0.84",
        "reasons": ["date of birth equal", "surname similar"],
    },
    "due_digest": {
        "recipient_name": "CME Team Lead",
        "today": "2026-11-12",
        "escalations": 1,
        "items": [
            {
                "reference": REFERENCE,
                "stage": "Home visit",
                "notice": "Escalated",
                "due_on": "2026-11-02",
                "days_overdue": 10,
                "link": RUN_LINK,
            }
        ],
    },
}
_REPORT_NOW = datetime(2026, 11, 30, 7, tzinfo=UTC)
_CASELOAD = caseload_figures(
    cases=[
        CaseRow(
            reference=REFERENCE,
            flow_run_id=uuid.UUID(int=42),
            officer_id="cme-officer-dspl-1-5",
            dspl_area=1,
            status=CaseStatus.OPEN,
            current_stage=Stage.HOME_VISIT,
            opened_at=datetime(2026, 11, 2, tzinfo=UTC),
            closed_at=None,
            closure_outcome=None,
        )
    ],
    stages=[
        StageRow(
            reference=REFERENCE,
            stage=Stage.HOME_VISIT,
            started_at=datetime(2026, 11, 2, tzinfo=UTC),
            due_on=date(2026, 11, 20),
            completed_at=None,
            clock_paused_at=None,
        )
    ],
    now=_REPORT_NOW,
    today=_REPORT_NOW.date(),
    period_start=_REPORT_NOW - timedelta(days=7),
)
EMAIL_CONTEXTS["caseload_digest"] = {
    "recipient_name": "CME Team Lead",
    "period": "2026-11-23 to 2026-11-30",
    "figures": _CASELOAD,
    "names": {},
    "links": {REFERENCE: RUN_LINK},
    "overdue_by_officer": _CASELOAD.overdue_by_officer(),
    "days": lambda value: "" if value is None else f"{value:.1f}",
    "artifacts_link": "http://127.0.0.1:4200/artifacts",
}
EMAIL_CONTEXTS["record_broken"] = {
    "recipient_name": "CME Team Lead",
    "check": RecordCheck(
        cases=1,
        events=5,
        broken=[BrokenLink(REFERENCE, 3, Problem.HASH_MISMATCH, "stored 0a, content 0b")],
    ),
    "ui_url": "http://127.0.0.1:4200",
}
# What tasks/intake_notices.py passes for a deletion return's notices (its reference is the
# import's, e.g. DR-2026-00007; the test uses the same REFERENCE for every template).
INTAKE_ITEM: dict[str, Any] = {
    "row_number": 4,
    "child_name": CHILD_NAME,
    "date_of_birth": "2015-03-14",
    "postcode": "AL1 3ER",
    "school_name": "Example Primary School",
    "school_urn": "999001",
    "deletion_date": "2026-11-13",
    "ground": "9(1)(f) parent notified home education in writing",
    "case_reference": "CME-2026-00007",
}
INTAKE_CONTEXT: dict[str, Any] = {
    "received_on": "2026-11-16",
    "items": [INTAKE_ITEM],
    "groups": [
        {"school_name": "Example Primary School", "school_urn": "999001", "items": [INTAKE_ITEM]}
    ],
    "school_listed": False,  # the team inbox's email, grouped by school
    "team_email": "cme.team@example.gov.uk",
}
EMAIL_CONTEXTS.update(
    {
        "intake_ehe_notice": INTAKE_CONTEXT,
        "intake_s19_notice": INTAKE_CONTEXT,
        "intake_flag_to_school": INTAKE_CONTEXT,
        "intake_further_referral": INTAKE_CONTEXT,
    }
)
# What tasks/withdrawal_consent.py passes (its reference is the consent request's, WC-2026-00003).
CONSENT_CONTEXT: dict[str, Any] = {
    "import_reference": "DR-2026-00007",
    "pupil": {**INTAKE_ITEM, "school_name": "Example Special School"},
    "school_urn": "999004",
    "decision": "Consent given",
    "decided_on": "2026-11-17",
    "reasons": "Discussed with the child's social worker and the parent.",
    "team_email": "cme.team@example.gov.uk",
    "council_name": "Hertfordshire County Council",
    "school_listed": False,
}
EMAIL_CONTEXTS.update(
    {
        "withdrawal_consent_ehe_notice": CONSENT_CONTEXT,
        "withdrawal_consent_refused_school": CONSENT_CONTEXT,
        "withdrawal_consent_refused_team": CONSENT_CONTEXT,
    }
)
# A digest lists many cases: its body names each reference, its subject none of them.
DIGESTS = {"due_digest", "caseload_digest", "record_broken"}

EMAIL_TEMPLATES = sorted(
    path.name.removesuffix(".txt.j2") for path in TEMPLATES.glob("emails/*.txt.j2")
)


def _email_context(template: str) -> dict[str, Any]:
    return {"reference": REFERENCE, "run_link": RUN_LINK, **EMAIL_CONTEXTS[template]}


def _variables(name: str) -> set[str]:
    source = (TEMPLATES / name).read_text(encoding="utf-8")
    found: set[str] = meta.find_undeclared_variables(Environment().parse(source))
    return found


def test_every_email_template_has_a_context_here() -> None:
    assert sorted(EMAIL_CONTEXTS) == EMAIL_TEMPLATES


@pytest.mark.parametrize("template", EMAIL_TEMPLATES)
def test_email_renders_with_a_subject_naming_the_reference_when_context_is_complete(
    template: str,
) -> None:
    raw = render(f"emails/{template}.txt.j2", **_email_context(template))

    subject, body = render_email(template, **_email_context(template))

    assert raw.startswith(f"Subject: {subject}\n")
    assert REFERENCE in subject or template in DIGESTS
    assert REFERENCE in body
    assert "{{" not in raw and "{%" not in raw


@pytest.mark.parametrize("template", EMAIL_TEMPLATES)
def test_email_subject_carries_no_child_details(template: str) -> None:
    subject, _ = render_email(template, **_email_context(template))

    for value in CHILD.values():
        assert value not in subject


@pytest.mark.parametrize(
    "template", [t for t in EMAIL_TEMPLATES if "run_link" in _variables(f"emails/{t}.txt.j2")]
)
def test_internal_email_links_to_the_case_flow_run(template: str) -> None:
    _, body = render_email(template, **_email_context(template))

    assert RUN_LINK in body


def test_safeguarding_email_lists_every_indicator() -> None:
    _, body = render_email("safeguarding_escalation", **_email_context("safeguarding_escalation"))

    assert "  - Immediate risk\n" in body
    assert "  - Known to social care\n" in body


def test_other_authority_notice_names_the_authority_and_new_address() -> None:
    subject, body = render_email("other_la_notice", **_email_context("other_la_notice"))

    assert "Example County Council" in subject
    assert "New address: 2 Sample Road, Exampletown" in body


@pytest.mark.parametrize(
    ("template", "variable"),
    [
        (template, variable)
        for template in EMAIL_TEMPLATES
        for variable in sorted(_variables(f"emails/{template}.txt.j2"))
    ],
)
def test_email_render_raises_when_a_variable_is_missing(template: str, variable: str) -> None:
    context = {k: v for k, v in _email_context(template).items() if k != variable}

    with pytest.raises(UndefinedError, match=variable):
        render_email(template, **context)


# --- Summaries ------------------------------------------------------------------------------


def _decision_line(**changes: str) -> dict[str, str]:
    line = {
        "decided_at": "2026-11-03 10:15",
        "stage": "Referral check",
        "officer": "CME Officer (DSPL 1-5)",
        "summary": "Decision: Continue to a home visit",
    }
    line.update(changes)
    return line


def _decision_context(*, error: str, due_on: str = "2026-11-17") -> dict[str, Any]:
    return {
        "reference": REFERENCE,
        "asked_stage": "Home visit",
        "ask": "Record home visit 1 of up to 3 and what it found.",
        "due_on": due_on,
        "error": error,
        "officer": "CME Officer (DSPL 1-5)",
        "dspl_area": 1,
        "child": "A. T., aged 11",
        "status": "Open",
        "decisions": [_decision_line()],
        "stages": [],
        "stage": "Home visit",
        "closure": "",
        "run_link": RUN_LINK,
        "notes": [],
        "attached": [],
        "letters": [],
        "activity": [],
        "recent_activity": 5,
    }


def _activity(count: int) -> list[dict[str, str]]:
    return [
        {
            "when": f"2026-11-{day:02d} 09:00",
            "who": "CME Officer (DSPL 1-5) (signed in as officer.north)",
            "what": "Form answered (run resumed)",
        }
        for day in range(1, count + 1)
    ]


def test_case_summary_lists_everything_the_gateway_recorded_with_the_person() -> None:
    context = {**_decision_context(error=""), "awaiting": "", "activity": _activity(7)}

    text = render("summaries/case_summary.md.j2", **context)

    assert "## Who did what in Prefect" in text
    assert text.count("(signed in as officer.north) | Form answered (run resumed) |") == 7


def test_case_summary_says_when_the_gateway_recorded_nothing() -> None:
    text = render("summaries/case_summary.md.j2", **_decision_context(error=""), awaiting="")

    assert "Nothing recorded by the sign-in gateway yet." in text


def test_decision_summary_shows_only_the_latest_calls_the_gateway_recorded() -> None:
    context = {**_decision_context(error=""), "activity": _activity(7)}

    text = render("summaries/decision.md.j2", **context)

    assert "**Latest in Prefect**" in text
    assert text.count(": Form answered (run resumed) (") == 5
    assert "- 2026-11-01 09:00:" not in text and "- 2026-11-07 09:00:" in text


def test_decision_summary_shows_reference_and_due_date_without_banner_when_no_error() -> None:
    text = render("summaries/decision.md.j2", **_decision_context(error=""))

    assert text.startswith(f"### {REFERENCE}: Home visit")
    assert "- **Due:** 2026-11-17\n" in text
    assert "not accepted" not in text
    assert (
        "- 2026-11-03 10:15, Referral check: Decision: Continue to a home visit "
        "(CME Officer (DSPL 1-5))"
    ) in text


def test_decision_summary_shows_the_error_banner_when_the_last_answer_was_rejected() -> None:
    error = "school_name: required when on roll elsewhere"

    text = render("summaries/decision.md.j2", **_decision_context(error=error))

    assert f"> **Your last answer was not accepted.** {error}" in text


def test_decision_summary_says_no_date_set_when_there_is_no_due_date() -> None:
    text = render("summaries/decision.md.j2", **_decision_context(error="", due_on=""))

    assert "- **Due:** no date set\n" in text


def test_decision_summary_says_no_earlier_decisions_when_there_are_none() -> None:
    context = {**_decision_context(error=""), "decisions": []}

    assert "No earlier decisions." in render("summaries/decision.md.j2", **context)


def test_case_summary_shows_reference_stages_due_dates_and_link() -> None:
    stage = {
        "label": "Home visit",
        "started": "2026-11-03",
        "due": "2026-11-17",
        "completed": "",
        "outcome": "",
    }
    context = {**_decision_context(error=""), "awaiting": "Home visit 1", "stages": [stage]}

    text = render("summaries/case_summary.md.j2", **context)

    assert text.startswith(f"# Case {REFERENCE}")
    assert "| Home visit | 2026-11-03 | 2026-11-17 |  |  |" in text
    assert f"[{REFERENCE}]({RUN_LINK})" in text
    assert "| Awaiting | Home visit 1 |" in text


def test_case_summary_shows_the_closure_when_closed() -> None:
    context = {
        **_decision_context(error=""),
        "status": "Closed",
        "closure": "Found on roll",
        "awaiting": "",
    }

    text = render("summaries/case_summary.md.j2", **context)

    assert "| Status | Closed: Found on roll |" in text
    assert "| Awaiting | nothing |" in text


@pytest.mark.parametrize("name", ["summaries/decision.md.j2", "summaries/case_summary.md.j2"])
def test_summary_render_raises_when_the_reference_is_missing(name: str) -> None:
    context = {k: v for k, v in _decision_context(error="").items() if k != "reference"}

    with pytest.raises(UndefinedError, match="reference"):
        render(name, **{"awaiting": "", **context})


def test_case_summary_lists_further_referrals_and_possible_duplicates_when_there_are_any() -> None:
    note = "2026-11-20: possible duplicate of CME-2026-00041 (score 0.86), for review"
    with_notes = {**_decision_context(error=""), "awaiting": "", "notes": [note]}
    without = {**_decision_context(error=""), "awaiting": ""}

    assert f"- {note}" in render("summaries/case_summary.md.j2", **with_notes)
    assert "Intake notes" not in render("summaries/case_summary.md.j2", **without)


LETTER_URL = "http://127.0.0.1:4290/letters/CME-2026-00042/education-enquiry-s437-notice-1-abc.pdf"


def test_decision_summary_links_the_letter_it_serves_with_its_checksum() -> None:
    letter = {
        "title": "s437(1) notice to satisfy the council",
        "url": LETTER_URL,
        "sha256": "ab" * 32,
    }
    context = {**_decision_context(error=""), "attached": [letter]}

    text = render("summaries/decision.md.j2", **context)

    assert f"[s437(1) notice to satisfy the council (PDF)]({LETTER_URL})" in text
    assert "ab" * 32 in text


def test_case_summary_lists_each_letter_with_link_and_checksum() -> None:
    letter = {
        "title": "School Attendance Order (s437(3))",
        "produced": "2027-01-05 09:00",
        "url": LETTER_URL,
        "sha256": "cd" * 32,
    }
    context = {**_decision_context(error=""), "awaiting": "", "letters": [letter]}

    text = render("summaries/case_summary.md.j2", **context)

    assert f"| 2027-01-05 09:00 | [School Attendance Order (s437(3))]({LETTER_URL}) |" in text
    assert "cd" * 32 in text


def test_the_allocation_names_the_officer_and_the_childs_area_once_each() -> None:
    context = {**_decision_context(error=""), "officer": "CME Officer (DSPL 6-9)", "dspl_area": 7}

    decision = render("summaries/decision.md.j2", **context)
    summary = render("summaries/case_summary.md.j2", **context, awaiting="")

    assert "- **Allocated to:** CME Officer (DSPL 6-9), for the child's area, DSPL 7\n" in decision
    assert "| Allocated to | CME Officer (DSPL 6-9) |\n| Child's area | DSPL 7 |" in summary


def test_the_allocation_says_why_in_words_when_the_case_kept_it() -> None:
    why = "Allocated to the team lead: no home postcode (no fixed abode) and no last school known"
    context = {
        **_decision_context(error=""),
        "officer": "CME Team Lead",
        "dspl_area": "out of county / unknown",
        "allocated_why": why,
    }

    decision = render("summaries/decision.md.j2", **context)
    summary = render("summaries/case_summary.md.j2", **context, awaiting="")

    assert f"- **Allocation:** {why}\n" in decision
    assert "for the child's area" not in decision
    assert f"| Why allocated so | {why} |\n" in summary
