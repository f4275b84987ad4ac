"""Every open case one click away, whatever its age: officers' and team lead's open-cases pages.

Prefect's runs list shows the past 7 days by default, so a case opened months ago drops out of it
(prefect-field-notes.md section 4). The escalation sweep therefore refreshes one keyed Markdown
artifact per officer ("open-cases-<officer-id>") and one for the team lead ("open-cases-all"),
listing every open case with a link to its flow run, its stage, due date and status. The case
database is the source: a case is listed until it closes, whenever it was opened (s436A duty to
identify every child missing education; docs/design.md#system-of-record).
"""

from __future__ import annotations

import re

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from models.caseload import OpenCaseLine
from store import reports
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow

TEAM_KEY = "open-cases-all"


def officer_key(officer_id: str) -> str:
    """The artifact key of one officer's page; keys allow lowercase letters, digits, dashes."""
    return "open-cases-" + re.sub(r"[^a-z0-9]+", "-", officer_id.lower()).strip("-")


def _cell(text: str) -> str:
    # A pipe would end the Markdown table cell.
    return text.replace("|", "\\|")


def render_open_cases(
    cases: list[OpenCaseLine], *, title: str, ui_url: str, names: dict[str, str], with_officer: bool
) -> str:
    """The Markdown page: a table with one row per open case, each linking to its flow run."""
    lines = [f"# {title}", "", f"{len(cases)} open case(s), earliest due first.", ""]
    if not cases:
        return "\n".join([*lines, "No open cases."])
    header = ["Case", "Stage", "Due", "Status", "Opened"]
    if with_officer:
        header.append("Officer")
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for case in cases:
        link = (
            f"[{case.reference}]({ui_url}/runs/flow-run/{case.flow_run_id})"
            if case.flow_run_id is not None
            else case.reference
        )
        due = case.due_on.isoformat() if case.due_on else "no date set"
        if case.clock_paused:
            due += " (clock paused)"
        row = [
            link,
            case.stage.label if case.stage else "",
            due,
            case.status.label,
            case.opened_at.date().isoformat(),
        ]
        if with_officer:
            row.append(names.get(case.officer_id, case.officer_id))
        lines.append("| " + " | ".join(_cell(value) for value in row) + " |")
    return "\n".join(lines)


@task(name="publish-open-cases", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def publish_open_cases(*, uow: UnitOfWork = INJECTED) -> dict[str, int]:
    """Refresh every officer's open-cases artifact and the team lead's; returns cases per key.

    Every configured officer gets a page, even with no cases, so an emptied list replaces the last.
    """
    with uow.transaction() as session:
        cases = reports.list_open_case_lines(session=session)
    names = {person.id: person.display_name for person in uow.config.people}
    ui_url = uow.settings.ui_url
    published: dict[str, int] = {}
    for officer in uow.config.officers:
        mine = [case for case in cases if case.officer_id == officer.id]
        key = officer_key(officer.id)
        create_markdown_artifact(
            key=key,
            markdown=render_open_cases(
                mine,
                title=f"Open cases: {officer.display_name}",
                ui_url=ui_url,
                names=names,
                with_officer=False,
            ),
            description=f"Open cases of {officer.display_name}, refreshed by every sweep",
        )
        published[key] = len(mine)
    create_markdown_artifact(
        key=TEAM_KEY,
        markdown=render_open_cases(
            cases, title="Open cases: the whole team", ui_url=ui_url, names=names, with_officer=True
        ),
        description="Every open case, refreshed by every sweep",
    )
    published[TEAM_KEY] = len(cases)
    return published
