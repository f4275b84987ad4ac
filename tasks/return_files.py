"""School-return files on disk: the drop folder, the report beside each file, filing it away.

A file stays in the drop folder until its import is recorded as finished, so a crash half-way
leaves it to be picked up again by the next sweep (and the ledger makes that repeat nothing).
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from pathlib import Path

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from models.config import Intake
from models.deletion_intake import problem_table, report_rows
from models.school_returns import RowProblem
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow

PROCESSED = "processed"
REJECTED = "rejected"
REPORT_SUFFIX = ".report.csv"
# Files still being written by their sender, and our own reports, are not returns.
_SKIPPED_SUFFIXES = (REPORT_SUFFIX, ".part", ".tmp", ".partial", ".crdownload")


@inject_uow
def intake_settings(*, uow: UnitOfWork = INJECTED) -> Intake:
    """The [intake] section; the deployment cannot run without it."""
    intake = uow.config.intake
    if intake is None:
        raise LookupError(
            f"intake: the configuration {uow.settings.config_path} has no [intake] section "
            "(drop folder, s19 team); see config/README.md"
        )
    return intake


@inject_uow
def drop_folder(*, uow: UnitOfWork = INJECTED) -> Path:
    return intake_settings(uow=uow).drop_folder_in(uow.settings.state_dir)


def is_return_file(path: Path) -> bool:
    name = path.name
    return path.is_file() and not name.startswith(".") and not name.endswith(_SKIPPED_SUFFIXES)


@task(name="find-returns", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def find_returns(path: str | None, *, uow: UnitOfWork = INJECTED) -> list[Path]:
    """The one file asked for (relative to CME_HOME), or every return waiting in the drop folder,
    oldest name first. A missing drop folder is created, so schools can be given its path."""
    if path is not None:
        given = Path(path).expanduser()
        file = given if given.is_absolute() else uow.settings.state_dir / given
        if not file.is_file():
            raise FileNotFoundError(f"path: there is no file at {file}")
        return [file]
    folder = drop_folder(uow=uow)
    folder.mkdir(parents=True, exist_ok=True)
    return sorted(p for p in folder.iterdir() if is_return_file(p))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def filed_path(path: Path, outcome: str, sha256: str) -> Path:
    """Where a file goes when its import ends: processed/ or rejected/ beside it; a name already
    taken there by different content gets the content's hash added."""
    target = path.parent / outcome / path.name
    if target.exists() and target != path and sha256_of(target) != sha256:
        target = target.with_name(f"{path.stem}-{sha256[:8]}{path.suffix}")
    return target


def report_path(filed: Path) -> Path:
    return filed.with_name(filed.name + REPORT_SUFFIX)


@task(name="write-quarantine-report", cache_policy=NO_CACHE, persist_result=False)
def write_quarantine_report(
    path: Path,
    *,
    outcome: str,
    sha256: str,
    reference: str,
    problems: Sequence[RowProblem],
    file_problem: str | None = None,
) -> Path:
    """The report a school or officer reads: a CSV beside where the file is filed (row, field,
    problem, then the row as read), and a Prefect table artifact of row, field and problem only
    (artifacts are read widely: no personal data)."""
    target = report_path(filed_path(path, outcome, sha256))
    target.parent.mkdir(parents=True, exist_ok=True)
    header, rows = report_rows(problems)
    if file_problem is not None:
        rows.insert(0, ["", "(file)", file_problem, *([""] * (len(header) - 3))])
    partial = target.with_name(target.name + ".part")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    partial.replace(target)
    table = problem_table(problems)
    if file_problem is not None:
        table.insert(0, {"row": "", "field": "(file)", "problem": file_problem})
    create_table_artifact(
        key=f"{reference.lower()}-quarantine",
        table=table or [{"row": "", "field": "", "problem": "no row quarantined"}],
        description=f"Deletion return {reference}: rows quarantined ({len(problems)})",
    )
    return target


@task(name="file-return", cache_policy=NO_CACHE, persist_result=False)
def file_return(path: Path, outcome: str, sha256: str) -> Path | None:
    """Move the file into processed/ or rejected/ beside it, once its import is recorded."""
    if not path.exists():  # a second sweep filed it already
        return None
    target = filed_path(path, outcome, sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    path.replace(target)
    return target
