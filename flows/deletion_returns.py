"""Schools' deletion returns, imported and triaged (reg 13(4) SI 2024/208).

See docs/domain.md#deletion-grounds.

A school must tell the LA when it deletes a pupil from its admission register. Each file is read
row by row: bad rows are quarantined into a report beside the file and good rows are kept; each
good row is routed by its reg 9(1) ground: a CME case (its own `cme-case` run), a short case to
verify a stated destination, the EHE team, the s19 team, a flag back to the school, or a record.
Under s434A (the 2026 Act in force on the deletion day) a home-education row for a relevant child
opens the team's consent decision (its own `withdrawal-consent` run) instead of the EHE list.
A file, and a row, import once: a re-run or a re-sent file opens nothing new.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import flow

from models.deletion_intake import ImportCounts, ImportStatus, add_counts
from tasks.deletion_returns import (
    NotActedOn,
    Plan,
    Received,
    finish_import,
    open_case_run,
    open_consent_run,
    publish_import_summary,
    quarantine,
    read_return,
    receive_return,
    record_rows,
    tell_import,
    triage_return,
)
from tasks.intake_notices import send_import_notices
from tasks.return_files import (
    PROCESSED,
    REJECTED,
    file_return,
    find_returns,
    write_quarantine_report,
)
from tasks.sweep import local_day, read_clock


def already_imported(file: Path, received: Received, at: datetime) -> dict[str, int]:
    """The same bytes were imported before: say so in this run, open nothing, file it away again.

    This run's summary is its own (no key): the first import's keyed summary keeps its story.
    """
    outcome = PROCESSED if received.status == ImportStatus.IMPORTED else REJECTED
    publish_import_summary(
        received, ImportCounts(), status=f"already {received.status} as {received.reference}",
        received_at=at, report_name=None, keyed=False,
        note=f"This file's content was already {received.status} as {received.reference}: "
        "nothing was done again. That import's own summary tells what it did.",
    )  # fmt: skip
    file_return(file, outcome, received.sha256)
    return {"files_already_imported": 1}


def reject_file(file: Path, received: Received, refused: str, at: datetime) -> dict[str, int]:
    """A file that cannot be read at all is an outcome, not a failure: report it, file it away."""
    report = write_quarantine_report(
        file, outcome=REJECTED, sha256=received.sha256, reference=received.reference,
        problems=[], file_problem=refused,
    )  # fmt: skip
    publish_import_summary(
        received, ImportCounts(), status="rejected", received_at=at, report_name=report.name,
        note=f"The whole file was rejected: {refused}",
    )  # fmt: skip
    file_return(file, REJECTED, received.sha256)
    return {"files_rejected": 1}


def import_return(file: Path, at: datetime) -> dict[str, int]:
    """One school's file: ledger, read, quarantine, triage, act on each row once, report.

    All or nothing per row, never per file: a row that cannot be acted on is reported with its
    reason and every other row is completed. A row left undone by a fault of ours (its case run
    could not be started, its record failed) leaves the import open and the file in the drop
    folder: the summary names the rows, and the next run of the file does just those.
    """
    received = receive_return(file, at)
    if received.status in (ImportStatus.IMPORTED, ImportStatus.REJECTED):
        return already_imported(file, received, at)
    reading = read_return(file, at)
    if reading.refused is not None:
        finish_import(received, reading, 0, at)
        return reject_file(file, received, reading.refused, at)
    plan: Plan = triage_return(reading, at)
    problems = quarantine(reading, plan)
    report = write_quarantine_report(
        file, outcome=PROCESSED, sha256=received.sha256, reference=received.reference,
        problems=problems,
    )  # fmt: skip
    recorded = record_rows(received, plan.rows, at)
    undone = list(recorded.not_acted_on)
    start = open_case_run
    for case in recorded.to_open:
        opened = start(received.reference, case, return_state=True)
        if opened.is_failed() or opened.is_crashed():
            undone.append(NotActedOn(case.line, "its case run could not be started"))
            # Its retries failed: the API or the deployment is down. The rest are tried once each
            # (the next run of the file does what is left), not 42 s of retries per row.
            start = open_case_run.with_options(retries=0)
    ask = open_consent_run
    for consent in recorded.to_ask:
        opened = ask(received.reference, consent, return_state=True)
        if opened.is_failed() or opened.is_crashed():
            undone.append(NotActedOn(consent.line, "its consent decision could not be started"))
            ask = open_consent_run.with_options(retries=0)
    notices = send_import_notices(
        received.import_id, received.reference, local_day(at).isoformat(), return_state=True
    )
    unsent = notices.is_failed() or notices.is_crashed()
    quarantined = len({p.row for p in problems})
    rows_read = len(reading.rows) + len({p.row for p in reading.problems})
    counts = tell_import(
        received, plan.rows, recorded, rows_read=rows_read, rows_quarantined=quarantined
    )
    if undone or unsent:
        publish_import_summary(
            received, counts, status="incomplete", received_at=at, report_name=report.name,
            note=undone_note(undone, unsent=unsent),
        )  # fmt: skip
        return {"files_incomplete": 1, **counts.as_dict()}
    finish_import(received, reading, quarantined, at)
    publish_import_summary(
        received, counts, status="imported", received_at=at, report_name=report.name
    )
    file_return(file, PROCESSED, received.sha256)
    return {"files_imported": 1, **counts.as_dict()}


def undone_note(undone: list[NotActedOn], *, unsent: bool) -> str:
    """What is left for the next run of the file (row numbers and reasons, never a child)."""
    parts = [f"row {u.line}: {u.reason}" for u in sorted(undone, key=lambda u: u.line)]
    if unsent:
        parts.append("some of the import's emails could not be sent yet")
    return (
        f"Not yet done: {'; '.join(parts)}. Everything else is done. The file stays in the drop "
        "folder, and the next run of it does only what is left."
    )


class ImportIncomplete(Exception):
    """Some rows could not be acted on; the rest were. The run fails so the file is run again."""


@flow(
    name="intake-deletion-returns",
    description="Import schools' deletion returns (reg 13(4)) and triage each pupil.",
    log_prints=False,
)
def intake_deletion_returns(path: str | None = None, now: datetime | None = None) -> dict[str, int]:
    """Import the file at ``path`` (relative paths are under CME_HOME), or sweep the drop folder.

    Pin ``now`` to import as at that time (it dates the referrals and checks dates in the file).
    """
    at = now if now is not None else read_clock()
    totals: dict[str, int] = {"files": 0}
    for file in find_returns(path):
        totals = add_counts(totals, {"files": 1, **import_return(file, at)})
    if totals.get("files_incomplete"):
        # Every other row and file is done; failing the run has the drop watch run the file
        # again, which does only the rows left.
        raise ImportIncomplete(
            f"{totals['files_incomplete']} file(s) have rows not yet acted on: see each import's "
            "summary; running the file again completes them"
        )
    return totals
