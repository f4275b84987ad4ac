"""The DfE termly CME return: read the cases, count them (models/dfe_return.py), write and publish.

The case database is read as it stands; which cases count is decided in the pure rules, as known at
the return's ``as_of``. Outputs carry counts only, never a child: two CSV files under
``CME_HOME/reports/dfe/<census date>/`` for the COLLECT return, and table and Markdown artifacts for
the team lead in the Prefect UI. Writing the same return again replaces the files whole.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from models.dfe_return import CensusDays, CountRow, DfeReturn, build_return, day_in_england
from store import reports
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow

CENSUS_DAY_FILE = "cme_census_day.csv"
PREVIOUS_YEAR_FILE = "cme_previous_academic_year.csv"
SUMMARY_FILE = "summary.md"
CSV_COLUMNS = ("census_date", "breakdown", "category", "label", "count")


# --- Files ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnFiles:
    folder: Path
    census_day: Path
    previous_year: Path
    summary: Path


def _csv_text(census_date: date, rows: tuple[CountRow, ...]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            (census_date.isoformat(), row.breakdown, row.category, row.label, row.count)
        )
    return buffer.getvalue()


def write_return_files(*, report: DfeReturn, reports_dir: Path, summary: str) -> ReturnFiles:
    """Write the return's CSV files and summary under ``reports_dir/<census date>/``.

    Each file is written beside its target and renamed over it, so a reader never sees half a
    file, and nothing is replaced until every file has been written.
    """
    folder = reports_dir / report.census_date.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    files = ReturnFiles(
        folder=folder,
        census_day=folder / CENSUS_DAY_FILE,
        previous_year=folder / PREVIOUS_YEAR_FILE,
        summary=folder / SUMMARY_FILE,
    )
    contents = {
        files.census_day: _csv_text(report.census_date, report.census_day),
        files.previous_year: _csv_text(report.census_date, report.previous_year),
        files.summary: summary,
    }
    staged: list[tuple[Path, Path]] = []
    try:
        for target, text in contents.items():
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temporary.write_text(text, encoding="utf-8")
            staged.append((temporary, target))
        for temporary, target in staged:
            os.replace(temporary, target)
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
    return files


# --- Summary --------------------------------------------------------------------------------------


def _table(rows: tuple[CountRow, ...]) -> list[str]:
    lines = ["| Breakdown | Category | Children |", "|---|---|---:|"]
    lines += [f"| {r.breakdown.replace('_', ' ')} | {r.label} | {r.count} |" for r in rows]
    return lines


def render_summary(report: DfeReturn, *, census_days: CensusDays) -> str:
    """The Markdown the team lead reads before entering the return in COLLECT (counts only)."""
    year = report.academic_year
    lines = [
        f"# DfE CME return: census day {report.census_date.isoformat()}",
        "",
        f"As known at {report.as_of.astimezone(UTC).isoformat()} (academic year {year.label}).",
        "",
        f"- Children missing education on census day: **{report.census_day_total}**",
        f"- Children missing education at any time in {year.previous.label}: "
        f"**{report.previous_year_total}**",
    ]
    lines += [f"- {row.label}: {row.count} (not counted)" for row in report.not_counted]
    configured = census_days.on(report.census_date)
    lines.append(
        f"- DfE {configured.term} census day; the return is due by {configured.return_by}."
        if configured is not None
        else "- This date is not a DfE census day listed in config/calendar.toml."
    )
    lines += [
        "",
        "Counts are exact, as COLLECT asks; DfE rounds LA figures to the nearest 10 when it "
        "publishes them. How each count is made: docs/dfe-return.md.",
        "",
        "## On census day",
        "",
        *_table(report.census_day),
        "",
        f"## At any time in the previous academic year ({year.previous.label})",
        "",
        *_table(report.previous_year),
    ]
    return "\n".join(lines) + "\n"


# --- Tasks ----------------------------------------------------------------------------------------


@task(name="choose-census-date", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def choose_census_date(
    census_date: date | None, now: datetime, *, uow: UnitOfWork = INJECTED
) -> date:
    """The census date asked for, else the latest configured one of this academic year."""
    if census_date is not None:
        return census_date
    return uow.calendar.dfe_census.latest(day_in_england(now))


@task(name="count-dfe-return", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def count_dfe_return(census_date: date, now: datetime, *, uow: UnitOfWork = INJECTED) -> DfeReturn:
    """Count the return for ``census_date`` from the case database, as known at ``now``."""
    with uow.transaction() as session:
        episodes = reports.list_cme_episodes(session=session, census_date=census_date, as_of=now)
    return build_return(episodes, census_date=census_date, as_of=now)


@task(name="write-dfe-return", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def write_dfe_return(report: DfeReturn, *, uow: UnitOfWork = INJECTED) -> str:
    """Write the CSV files for COLLECT; returns their folder."""
    files = write_return_files(
        report=report,
        reports_dir=uow.settings.state_dir / "reports" / "dfe",
        summary=render_summary(report, census_days=uow.calendar.dfe_census),
    )
    return str(files.folder)


def artifact_key(census_date: date, part: str) -> str:
    """Artifact keys allow lowercase letters, digits and dashes: one timeline per census day."""
    return f"dfe-cme-{census_date.isoformat()}-{part}"


def _artifact_rows(rows: tuple[CountRow, ...]) -> list[dict[str, Any]]:
    return [
        {"breakdown": r.breakdown, "category": r.category, "label": r.label, "count": r.count}
        for r in rows
    ]


@task(name="publish-dfe-return", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def publish_dfe_return(report: DfeReturn, folder: str, *, uow: UnitOfWork = INJECTED) -> None:
    """Table artifacts of both counts and a Markdown summary, for the team lead (no child data)."""
    census = report.census_date.isoformat()
    create_table_artifact(
        key=artifact_key(report.census_date, "census-day"),
        table=_artifact_rows(report.census_day),
        description=f"DfE CME return: children missing education on census day {census}",
    )
    create_table_artifact(
        key=artifact_key(report.census_date, "previous-year"),
        table=_artifact_rows(report.previous_year),
        description=(
            f"DfE CME return for census day {census}: children missing education at any time "
            f"in {report.academic_year.previous.label}"
        ),
    )
    summary = render_summary(report, census_days=uow.calendar.dfe_census)
    create_markdown_artifact(
        key=artifact_key(report.census_date, "summary"),
        markdown=summary + f"\nFiles for COLLECT: `{folder}`\n",
        description=f"DfE CME return, census day {census}",
    )
