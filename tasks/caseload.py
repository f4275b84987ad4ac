"""The team lead's caseload report: read the case database, publish table artifacts, email a digest.

The figures are worked out in models/caseload.py from the rows store/reports.py reads (open cases,
and cases closed in the period, with their stages: no child data); this module publishes one keyed
table artifact per breakdown (`caseload-by-officer`, ...; each case row links to the case's flow
run), and emails the team lead one digest per period, claimed under a natural key so a re-run
sends it once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from adapters.templating import render
from models.caseload import CaseloadFigures, Durations, caseload_figures
from store import reports
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.send_once import send_task
from tasks.sweep import local_day
from tasks.team_lead_mail import email_team_lead_once

KEYS = {
    "officer": "caseload-by-officer",
    "area": "caseload-by-area",
    "stage": "caseload-by-stage",
    "overdue": "caseload-overdue-stages",
    "time": "caseload-time-in-stage",
    "closures": "caseload-closures",
    "support": "caseload-school-place-support",
}


@inject_uow
def figures_as_at(
    *, uow: UnitOfWork = INJECTED, now: datetime, period_days: int
) -> CaseloadFigures:
    """The report's figures for the ``period_days`` days before ``now`` (aware)."""
    if period_days < 1:
        raise ValueError(f"period_days: {period_days} is not a period; use 1 or more days")
    period_start = now - timedelta(days=period_days)
    with uow.transaction() as session:
        cases, stages = reports.read_caseload(session=session, period_start=period_start)
        support = reports.read_support_decisions(session=session)
    return caseload_figures(
        cases=cases, stages=stages, now=now, today=local_day(now), period_start=period_start,
        support_decisions=support,
    )  # fmt: skip


def case_link(reference: str, flow_run_id: UUID | None, ui_url: str) -> str:
    """A Markdown link to the case's flow run (the UI renders Markdown in table cells)."""
    if flow_run_id is None:
        return reference
    return f"[{reference}]({ui_url}/runs/flow-run/{flow_run_id})"


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _duration_cells(prefix: str, durations: Durations, links: dict[str, str]) -> dict[str, Any]:
    longest = durations.longest_reference
    return {
        f"{prefix}: stages": durations.count,
        f"{prefix}: median days": _days(durations.median_days),
        f"{prefix}: longest days": _days(durations.longest_days),
        f"{prefix}: longest case": links[longest] if longest else "",
    }


def report_tables(
    figures: CaseloadFigures, *, ui_url: str, names: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    """The rows of each table artifact, by artifact key."""
    links = {
        reference: case_link(reference, flow_run_id, ui_url)
        for reference, flow_run_id in figures.flow_runs.items()
    }
    overdue_by_officer = figures.overdue_by_officer()
    return {
        KEYS["officer"]: [
            {
                "officer": names.get(officer, officer),
                "open cases": count,
                "overdue stages": overdue_by_officer.get(officer, 0),
            }
            for officer, count in figures.by_officer.items()
        ],
        KEYS["area"]: [
            {"DSPL area": "out of county or unknown" if area is None else area, "open cases": n}
            for area, n in figures.by_area.items()
        ],
        KEYS["stage"]: [
            {"stage": stage.label if stage else "not started", "open cases": n}
            for stage, n in figures.by_stage.items()
        ],
        KEYS["overdue"]: [
            {
                "case": links[item.reference],
                "stage": item.stage.label,
                "officer": names.get(item.officer_id, item.officer_id),
                "due on": item.due_on.isoformat(),
                "days overdue": item.days_overdue,
            }
            for item in figures.overdue
        ],
        KEYS["time"]: [
            {
                "stage": times.stage.label,
                **_duration_cells("open", times.open, links),
                **_duration_cells("completed in period", times.completed_in_period, links),
            }
            for times in figures.time_in_stage
        ],
        KEYS["closures"]: [
            {"closure outcome": outcome.label, "cases closed": n}
            for outcome, n in figures.closures.items()
        ],
        KEYS["support"]: [
            {
                "case": links[line.reference],
                "step": line.step.label,
                "officer": names.get(line.officer_id, line.officer_id),
                "since": line.since.isoformat(),
                "days waiting": line.days_waiting,
                "due on": line.due_on.isoformat() if line.due_on else "",
            }
            for line in figures.school_place_support
        ],
    }


def period_label(figures: CaseloadFigures) -> str:
    """e.g. "2026-11-23 to 2026-11-30" (days in England)."""
    return f"{local_day(figures.period_start).isoformat()} to {figures.today.isoformat()}"


def digest_key(figures: CaseloadFigures) -> str:
    """One digest per period: a re-run for the same days sends nothing more."""
    return f"caseload-digest:{local_day(figures.period_start).isoformat()}:{figures.today}"


def render_digest(
    figures: CaseloadFigures, *, ui_url: str, names: dict[str, str], recipient_name: str
) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the team lead's digest."""
    context: dict[str, Any] = {
        "recipient_name": recipient_name,
        "period": period_label(figures),
        "figures": figures,
        "names": names,
        "links": {
            reference: f"{ui_url}/runs/flow-run/{flow_run_id}" if flow_run_id else None
            for reference, flow_run_id in figures.flow_runs.items()
        },
        "overdue_by_officer": figures.overdue_by_officer(),
        "days": _days,
        "artifacts_link": f"{ui_url}/artifacts",
    }
    text = render("emails/caseload_digest.txt.j2", **context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError("emails/caseload_digest.txt.j2 must start with a 'Subject: ' line")
    html = render("emails/caseload_digest.html.j2", **context)
    return first.removeprefix("Subject: ").strip(), body.lstrip("\n"), html


def _names(uow: UnitOfWork) -> dict[str, str]:
    return {person.id: person.display_name for person in uow.config.people}


@task(name="compute-caseload", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def compute_caseload(
    now: datetime, period_days: int, *, uow: UnitOfWork = INJECTED
) -> CaseloadFigures:
    """Read the case database and work out the report's figures."""
    return figures_as_at(uow=uow, now=now, period_days=period_days)


def table_descriptions(figures: CaseloadFigures) -> dict[str, str]:
    """What each table artifact shows, by artifact key (one per key of `report_tables`)."""
    period = period_label(figures)
    return {
        KEYS["officer"]: f"Open cases and overdue stages by officer ({figures.open_cases} open)",
        KEYS["area"]: "Open cases by DSPL area",
        KEYS["stage"]: "Open cases by current stage",
        KEYS["overdue"]: f"Stages past their due date as at {figures.today} (running clocks)",
        KEYS["time"]: f"Days in stage: open stages now, and stages completed {period}",
        KEYS["closures"]: f"Cases closed {period}, by outcome ({figures.closed_in_period})",
        KEYS["support"]: (
            f"Open cases in support to a school place, by step and days waiting as at "
            f"{figures.today} ({len(figures.school_place_support)})"
        ),
    }


@task(name="publish-caseload", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def publish_caseload(figures: CaseloadFigures, *, uow: UnitOfWork = INJECTED) -> dict[str, int]:
    """One keyed table artifact per breakdown; returns the rows published per key."""
    period = period_label(figures)
    descriptions = table_descriptions(figures)
    published: dict[str, int] = {}
    for key, rows in report_tables(figures, ui_url=uow.settings.ui_url, names=_names(uow)).items():
        create_table_artifact(key=key, table=rows, description=f"{descriptions[key]}. {period}")
        published[key] = len(rows)
    return published


@inject_uow
def send_digest(*, uow: UnitOfWork = INJECTED, figures: CaseloadFigures) -> bool:
    """Email the team lead the digest, once per period; True if this call sent it."""
    lead = uow.config.team_lead
    subject, body, html = render_digest(
        figures, ui_url=uow.settings.ui_url, names=_names(uow), recipient_name=lead.display_name
    )
    return email_team_lead_once(
        uow=uow,
        natural_key=digest_key(figures),
        kind="caseload_digest",
        subject=subject,
        body=body,
        html=html,
    )


@send_task("email-caseload-digest")
@inject_uow
def email_caseload_digest(figures: CaseloadFigures, *, uow: UnitOfWork = INJECTED) -> bool:
    """Email the team lead the digest, once per period; True if this call sent it."""
    return send_digest(uow=uow, figures=figures)
