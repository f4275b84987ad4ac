"""The drop watch (launcher/drop_watch.py): nothing while the folders are empty, one run per
complete file, never again for a file still there after its run, again after a failed run."""

from __future__ import annotations

import os
from pathlib import Path
from uuid import UUID, uuid4

from launcher.drop_watch import DropFolder, DropWatch, idempotency_key
from tasks.new_pupil_returns import is_new_pupil_file
from tasks.return_files import is_return_file


class FakePrefect:
    def __init__(self) -> None:
        self.calls = 0
        self.started: list[tuple[str, str, str]] = []
        self.states: dict[UUID, str | None] = {}
        self.runs_by_key: dict[str, UUID] = {}

    def start(self, deployment: str, path: str, key: str) -> UUID:
        self.calls += 1
        if key in self.runs_by_key:  # Prefect's idempotency key: the run it made before
            return self.runs_by_key[key]
        run = uuid4()
        self.runs_by_key[key] = run
        self.started.append((deployment, path, key))
        self.states[run] = None
        return run

    def final_state(self, run: UUID) -> str | None:
        self.calls += 1
        return self.states[run]


def watch_of(tmp_path: Path, prefect: FakePrefect) -> DropWatch:
    return DropWatch(
        folders=[
            DropFolder("deletion", tmp_path / "deletion", is_return_file),
            DropFolder("new-pupil", tmp_path / "new-pupil", is_new_pupil_file),
        ],
        start=prefect.start,
        final_state=prefect.final_state,
    )


def test_empty_folders_make_no_prefect_call(tmp_path: Path) -> None:
    (tmp_path / "deletion").mkdir()
    (tmp_path / "new-pupil").mkdir()
    prefect = FakePrefect()
    watch = watch_of(tmp_path, prefect)

    for _ in range(100):
        assert watch.look() == []

    assert prefect.calls == 0


def test_a_file_starts_one_run_once_its_size_is_stable(tmp_path: Path) -> None:
    folder = tmp_path / "deletion"
    folder.mkdir()
    prefect = FakePrefect()
    watch = watch_of(tmp_path, prefect)
    file = folder / "school.csv"
    file.write_text("a,b\n")

    assert watch.look() == []  # first sight
    with file.open("a") as growing:
        growing.write("1,2\n")
    assert watch.look() == []  # still being written
    [run] = watch.look()
    assert [(d, p) for d, p, _ in prefect.started] == [("deletion", str(file))]
    prefect.states[run] = "COMPLETED"
    for _ in range(5):  # still there after its run (a new-pupil return stays): nothing more
        assert watch.look() == []
    assert len(prefect.started) == 1


def test_partial_and_report_files_are_not_returns(tmp_path: Path) -> None:
    for name in ("deletion", "new-pupil"):
        (tmp_path / name).mkdir()
    (tmp_path / "deletion" / "school.csv.part").write_text("x")
    (tmp_path / "deletion" / ".hidden.csv").write_text("x")
    (tmp_path / "new-pupil" / "school.report.csv").write_text("x")
    (tmp_path / "new-pupil" / "notes.txt").write_text("x")
    prefect = FakePrefect()
    watch = watch_of(tmp_path, prefect)

    watch.look()
    watch.look()

    assert prefect.calls == 0


def test_a_failed_run_is_started_again_while_its_file_is_there_up_to_three_attempts(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "new-pupil"
    folder.mkdir()
    (folder / "returns.csv").write_text("x\n")
    prefect = FakePrefect()
    watch = watch_of(tmp_path, prefect)
    watch.look()

    runs = watch.look()
    for _ in range(5):
        prefect.states[runs[-1]] = "CRASHED"
        runs += watch.look()

    assert len(runs) == 3
    assert [key[-2:] for _, _, key in prefect.started] == [":1", ":2", ":3"]


def test_a_file_sent_again_is_a_new_file_and_a_restarted_watch_finds_its_runs(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "new-pupil"
    folder.mkdir()
    file = folder / "returns.csv"
    file.write_text("x\n")
    prefect = FakePrefect()
    watch = watch_of(tmp_path, prefect)
    watch.look()
    [first] = watch.look()
    prefect.states[first] = "COMPLETED"

    restarted = watch_of(tmp_path, prefect)  # no memory: Prefect's idempotency key finds it
    restarted.look()
    assert restarted.look() == [first]
    assert len(prefect.started) == 1

    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # sent again
    restarted.look()
    [second] = restarted.look()
    assert second != first and len(prefect.started) == 2


def test_the_idempotency_key_names_no_file() -> None:
    key = idempotency_key(("deletion", "/drop/Smith family.csv", 10, 1), 1)

    assert "Smith" not in key and key.startswith("drop-watch:") and key.endswith(":1")
