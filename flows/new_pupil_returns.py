"""New-pupil returns (reg 13(1) SI 2024/208): schools tell the LA within five days of entering a
pupil on the admission register. A pupil who is a child with an open CME case is not missing
education: that case closes as found on roll at the school, through its own run.

Run by the `intake-new-pupil-returns` deployment: for one file (`path`), which the drop watch
(launcher/drop_watch.py) starts as each file arrives, or over the whole drop folder
(`[intake] new_pupil_folder`). Each file is imported once (SHA-256) and
each pupil once (natural key); bad rows are quarantined in a report, and the file is filed with
it in processed/ (or rejected/) beside it, as a deletion return is. Once the Children's Wellbeing
and Schools Act 2026 is in force, a pupil who is a child on the register of children not in
school takes that entry out of the register's scope (docs/register.md).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from prefect import flow

from tasks.closures import outstanding_closure_runs, wake
from tasks.new_pupil_returns import (
    ask_officer_to_review,
    import_new_pupil_return,
    new_pupil_files,
    publish_import,
    publish_review_list,
)
from tasks.register import register_in_force, take_new_pupils_out_of_scope
from tasks.return_files import file_return
from tasks.sweep import read_clock


@flow(
    name="intake-new-pupil-returns",
    description="Import schools' new-pupil returns; close the open cases of pupils found on roll.",
    log_prints=False,
)
def intake_new_pupil_returns(
    path: str | None = None, now: datetime | None = None
) -> dict[str, int]:
    """Import ``path`` (default: every file in the drop folder) as at ``now``; returns counts."""
    at = now if now is not None else read_clock()
    files = [path] if path is not None else new_pupil_files()
    totals: Counter[str] = Counter()
    # Once the 2026 Act is in force, a pupil on the register of children not in school leaves
    # its scope (s436B); before then nothing here changes.
    register_live = register_in_force(at)
    for file in files:
        outcome = import_new_pupil_return(file, at)
        for row_id in outcome.reviews:
            ask_officer_to_review(row_id)
        publish_import(outcome)
        if register_live and outcome.rejected is None:
            totals["register_entries_left_scope"] += take_new_pupils_out_of_scope(
                outcome.sha256, at
            )
        # Filed as deletion returns are: processed/ or rejected/ beside it, with its report.
        file_return(Path(file), outcome.filed_as, outcome.sha256)
        totals.update(outcome.counts())
    # This run's closure requests, and any an earlier run recorded and stopped before it woke the
    # case (the request is committed first): waking a run that is not suspended does nothing.
    totals["case_runs_woken"] = sum(int(wake(run_id)) for run_id in outstanding_closure_runs())
    totals["open_reviews"] = publish_review_list()
    return dict(totals)
