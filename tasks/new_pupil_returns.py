"""Importing new-pupil returns (reg 13(1)): each file once, each pupil once; a pupil certainly
matching one open case closes it as found on roll through the case's own run (tasks/closures.py).

Bad rows are quarantined in a report CSV, `<file>.report.csv` in the folder the file is filed in
(processed/ or rejected/ beside it, as for deletion returns: line, column, problem and the row as
read; the drop folder already holds that data) and listed, without their values, in the
import's table artifact. Everything personal stays in the case database and the drop folder: task
results and artifacts carry return and case references, line numbers and scores.
"""

from __future__ import annotations

import csv
import hashlib
from datetime import datetime
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel

from models.enums import ClosureOutcome
from models.new_pupil_intake import REQUESTED_BY, closure_reason, decide_row, pupil_key
from models.school_returns import (
    NEW_PUPIL_RETURN_COLUMNS,
    FileRejected,
    RowProblem,
    read_new_pupil_return,
)
from store import cases, closure_requests, new_pupils, referrals
from store.orm import NewPupilReturn, NewPupilRow
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks import return_files
from tasks.notify import notify
from tasks.return_files import PROCESSED, REJECTED, intake_settings
from tasks.sweep import local_day

REPORT_SUFFIX = return_files.REPORT_SUFFIX
REVIEW_KEY = "new-pupil-review"


class ImportOutcome(BaseModel):
    """What importing one file did: references, line numbers and counts, never a pupil."""

    return_reference: str
    file_name: str
    sha256: str = ""
    filed_as: str = PROCESSED  # where the file goes when its import ends: processed/, rejected/
    already_imported: bool = False
    rejected: str | None = None
    rows_read: int = 0
    rows_quarantined: int = 0
    pupils_recorded: int = 0
    pupils_already_recorded: int = 0
    closures_requested: int = 0
    reviews: list[int] = []  # new_pupil_row ids of near matches
    lines: list[dict[str, str]] = []  # the import's table: line, outcome, case, score, problem

    def counts(self) -> dict[str, int]:
        return {
            "files": 1,
            "files_already_imported": int(self.already_imported),
            "files_rejected": int(self.rejected is not None),
            "rows_read": self.rows_read,
            "rows_quarantined": self.rows_quarantined,
            "pupils_recorded": self.pupils_recorded,
            "pupils_already_recorded": self.pupils_already_recorded,
            "closures_requested": self.closures_requested,
            "reviews": len(self.reviews),
        }


def report_path(path: Path, outcome: str, sha256: str) -> Path:
    """Where a file's quarantine report goes, as for a deletion return: in the folder the file is
    filed in, named after it (returns.csv -> processed/returns.csv.report.csv)."""
    return return_files.report_path(return_files.filed_path(path, outcome, sha256))


@task(name="list-new-pupil-returns", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def new_pupil_files(*, uow: UnitOfWork = INJECTED) -> list[str]:
    """The CSV files in the drop folder, oldest name first, leaving out our own reports."""
    folder = intake_settings(uow=uow).new_pupil_folder_in(uow.settings.state_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return [str(path) for path in sorted(folder.iterdir()) if is_new_pupil_file(path)]


def is_new_pupil_file(path: Path) -> bool:
    """A new-pupil return in the drop folder: a CSV file that is not our own report."""
    return path.suffix == ".csv" and path.is_file() and not path.name.endswith(REPORT_SUFFIX)


@task(name="import-new-pupil-return", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def import_new_pupil_return(
    path: str, at: datetime, *, uow: UnitOfWork = INJECTED
) -> ImportOutcome:
    """Record the file and its pupils once, and a closure request for each certain match."""
    file = Path(path)
    data = file.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with uow.transaction() as session:
        entry = new_pupils.claim_return(
            session=session, sha256=sha, file_name=file.name, received_at=at
        )
        outcome = ImportOutcome(
            return_reference=entry.reference,
            file_name=file.name,
            sha256=sha,
            filed_as=REJECTED if entry.problem else PROCESSED,
        )
        if entry.completed_at is not None:
            outcome.already_imported = True
            return outcome
        return_id = entry.id
    try:
        result = read_new_pupil_return(
            data, today=local_day(at), max_bytes=intake_settings(uow=uow).max_file_bytes
        )
    except FileRejected as rejected:
        _write_report(file, [], str(rejected), sha)
        with uow.transaction() as session:
            new_pupils.complete_return(
                session=session,
                return_id=return_id,
                rows_read=0,
                rows_quarantined=0,
                problem=str(rejected),
                completed_at=at,
            )
        outcome.rejected = str(rejected)
        outcome.filed_as = REJECTED
        outcome.lines = [
            {
                "line": "",
                "outcome": "file rejected",
                "case": "",
                "score": "",
                "column": "",
                "problem": str(rejected),
            }
        ]
        return outcome

    _write_report(file, result.problems, None, sha)
    outcome.rows_read = len(result.rows) + len(result.problem_rows)
    outcome.rows_quarantined = len(result.problem_rows)
    thresholds = uow.config.matching.thresholds
    with uow.transaction() as session:
        for line, row in result.rows:
            key = pupil_key(row)
            earlier = new_pupils.get_row(session=session, natural_key=key)
            if earlier is not None:
                if earlier.return_id != return_id:
                    outcome.pupils_already_recorded += 1
                continue
            decision = decide_row(
                referrals.find_open_case_matches(
                    session=session, identity=row.identity(), thresholds=thresholds
                )
            )
            match = decision.match
            if decision.outcome == new_pupils.CLOSURE_REQUESTED and match is not None:
                case = cases.get_case(session=session, reference=match.reference)
                assert case is not None
                closure_requests.request_closure(
                    session=session,
                    case_id=case.id,
                    outcome=ClosureOutcome.FOUND_ON_ROLL,
                    reason=closure_reason(outcome.return_reference, line, row),
                    requested_by=REQUESTED_BY,
                    details={
                        "return": outcome.return_reference,
                        "row": line,
                        "school_name": row.school_name,
                        "school_urn": row.school_urn,
                        "admission_date": row.admission_date.isoformat(),
                        "score": match.score,
                        "reasons": list(match.reasons),
                    },
                    requested_at=at,
                )
            new_pupils.record_row(
                session=session,
                return_id=return_id,
                row_number=line,
                natural_key=key,
                school_urn=row.school_urn,
                outcome=decision.outcome,
                case_reference=match.reference if match else None,
                score=match.score if match else None,
                reasons=[
                    *(match.reasons if match else ()),
                    *([decision.note] if decision.note else []),
                ],
                payload=row.model_dump(mode="json"),
                recorded_at=at,
            )
            outcome.pupils_recorded += 1
        # From the rows, not from this call: an import cut short and run again still acts on all.
        for recorded in new_pupils.list_rows(session=session, return_id=return_id):
            outcome.lines.append(
                {
                    "line": str(recorded.row_number),
                    "outcome": recorded.outcome,
                    "case": recorded.case_reference or "",
                    "score": "" if recorded.score is None else f"{recorded.score:.2f}",
                    "column": "",
                    "problem": "",
                }
            )
            if recorded.outcome == new_pupils.REVIEW:
                outcome.reviews.append(recorded.id)
            if recorded.outcome != new_pupils.CLOSURE_REQUESTED or not recorded.case_reference:
                continue
            outcome.closures_requested += 1
        new_pupils.complete_return(
            session=session,
            return_id=return_id,
            rows_read=outcome.rows_read,
            rows_quarantined=outcome.rows_quarantined,
            problem=None,
            completed_at=at,
        )
    outcome.lines.extend(
        {
            "line": str(p.row),
            "outcome": "quarantined",
            "case": "",
            "score": "",
            "column": p.field,
            "problem": p.problem,
        }
        for p in result.problems
    )
    outcome.lines.sort(key=lambda line: int(line["line"]))
    return outcome


def _write_report(
    file: Path, problems: list[RowProblem], rejected: str | None, sha256: str
) -> None:
    """The quarantine report where the file will be filed: every fault of every bad row, with the
    row as read."""
    extra = sorted({k for p in problems for k in p.raw} - set(NEW_PUPIL_RETURN_COLUMNS))
    columns = ["line", "column", "problem", *NEW_PUPIL_RETURN_COLUMNS, *extra]
    target = report_path(file, REJECTED if rejected is not None else PROCESSED, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        if rejected is not None:
            writer.writerow({"line": "", "column": "(file)", "problem": rejected})
        for problem in problems:
            writer.writerow(
                {
                    **problem.raw,
                    "line": problem.row,
                    "column": problem.field,
                    "problem": problem.problem,
                }
            )


@task(name="ask-officer-to-review-match", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def ask_officer_to_review(row_id: int, *, uow: UnitOfWork = INJECTED) -> None:
    """Email the case's officer about a near match, once per row (natural key)."""
    with uow.transaction() as session:
        row = session.get(NewPupilRow, row_id)
        assert row is not None and row.case_reference is not None
        case = cases.get_case(session=session, reference=row.case_reference)
        assert case is not None
        entry = session.get(NewPupilReturn, row.return_id)
        assert entry is not None
        handle = cases.handle_of(case)
        payload = dict(row.payload)
        context = {
            "officer_name": uow.config.person(case.officer_id).display_name,
            "return_reference": entry.reference,
            "file_name": entry.file_name,
            "row_number": row.row_number,
            "school_name": str(payload.get("school_name", "")),
            "school_urn": row.school_urn or "",
            "admission_date": str(payload.get("admission_date", "")),
            "score": "" if row.score is None else f"{row.score:.2f}",
            "reasons": list(row.reasons),
        }
    notify(
        case=handle,
        natural_key=f"{handle.reference}:new_pupil_review:{row_id}",
        kind="new_pupil_review",
        recipients=[uow.config.person(handle.officer_id).email],
        template="new_pupil_near_match",
        context=context,
    )


@task(name="publish-new-pupil-import", cache_policy=NO_CACHE, persist_result=False)
def publish_import(outcome: ImportOutcome) -> None:
    """The import's table artifact: one line per row, good or quarantined; no pupil's values."""
    # A file sent again says so in its own run, without a key: the first import's table stays.
    create_table_artifact(
        key=None
        if outcome.already_imported
        else "new-pupil-return-" + outcome.return_reference.lower(),
        table=outcome.lines
        or [
            {
                "line": "",
                "outcome": "already imported",
                "case": "",
                "score": "",
                "column": "",
                "problem": "",
            }
        ],
        description=(
            f"New-pupil return {outcome.return_reference}: {outcome.rows_read} rows read, "
            f"{outcome.rows_quarantined} quarantined (see the file's .report.csv), "
            f"{outcome.closures_requested} case(s) closing as found on roll, "
            f"{len(outcome.reviews)} possible match(es) for review"
            + (" (already imported: nothing done)" if outcome.already_imported else "")
        ),
    )


@task(name="publish-new-pupil-review-list", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def publish_review_list(*, uow: UnitOfWork = INJECTED) -> int:
    """The review list: near matches no officer has dealt with, one line each; returns the count."""
    with uow.transaction() as session:
        rows = new_pupils.list_open_reviews(session=session)
        returns = {
            entry.id: entry.reference
            for entry in new_pupils.list_returns(
                session=session, return_ids=[row.return_id for row in rows]
            )
        }
        table = [
            {
                "case": row.case_reference or "",
                "return": returns.get(row.return_id, ""),
                "line": str(row.row_number),
                "school_urn": row.school_urn or "",
                "score": "" if row.score is None else f"{row.score:.2f}",
                "reasons": "; ".join(row.reasons),
                "listed": row.recorded_at.date().isoformat(),
            }
            for row in rows
        ]
    if table:
        create_table_artifact(
            key=REVIEW_KEY,
            table=table,
            description="New-pupil returns: possible matches to open cases, for the officer.",
        )
    else:
        create_markdown_artifact(key=REVIEW_KEY, markdown="No possible matches are waiting.")
    return len(table)
