"""The drop watch: starts a school-return import when a file arrives, and otherwise does nothing.

    python -m launcher.drop_watch        (`make drop-watch`; `make run` starts it too)

Every few seconds (CME_DROP_WATCH_SECONDS, default 5) it lists the two drop folders with plain
file-system calls: no Prefect call while they hold nothing new. A return the import would take
(the imports' own rule: tasks/return_files.py `is_return_file`, tasks/new_pupil_returns.py
`is_new_pupil_file`) whose size and modification time are the same at two looks in a row is
complete, and its deployment is started once for it with `path` set to the file
(`run_deployment(timeout=0)`).

What was started is remembered by file (path, size, modification time), so a file still there
after a run that completed starts nothing more, and a file sent again (a new modification time)
is imported again (the imports' ledgers make a repeat do nothing new but file it away). The
run's Prefect idempotency key is derived from the same identity, so a restarted watch finds the
runs it started before instead of starting them again. A run that ends Failed or Crashed while
its file is still there is started again, up to three attempts in all: the imports complete a
half-done file, as the five-minute sweep used to.
"""

from __future__ import annotations

import hashlib
import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from uuid import UUID

from adapters.settings import load_settings
from models.config import load_config
from tasks.new_pupil_returns import is_new_pupil_file
from tasks.return_files import is_return_file

log = logging.getLogger("launcher.drop_watch")

DELETION = "intake-deletion-returns/intake-deletion-returns"
NEW_PUPIL = "intake-new-pupil-returns/intake-new-pupil-returns"
TAG = "drop-watch"
MAX_ATTEMPTS = 3
RETRIED_STATES = frozenset({"FAILED", "CRASHED"})

# (deployment, path) -> run id; the run started for that file with that idempotency key.
Start = Callable[[str, str, str], UUID]
# run id -> its state type ("COMPLETED", "FAILED", ...) once final, else None.
FinalState = Callable[[UUID], str | None]
FileId = tuple[str, str, int, int]  # deployment, path, size, modification time (ns)


@dataclass(frozen=True)
class DropFolder:
    deployment: str
    path: Path
    accepts: Callable[[Path], bool]


@dataclass
class Started:
    run_id: UUID
    attempt: int
    final: str | None = None


def idempotency_key(file: FileId, attempt: int) -> str:
    """The same file (path, size, mtime) and attempt give the same key; no file name in it."""
    digest = hashlib.sha256("|".join(map(str, file)).encode()).hexdigest()[:32]
    return f"{TAG}:{digest}:{attempt}"


@dataclass
class DropWatch:
    """What the watch has seen and started; `look` is one pass over the folders."""

    folders: list[DropFolder]
    start: Start
    final_state: FinalState
    max_attempts: int = MAX_ATTEMPTS
    last_look: set[FileId] = field(default_factory=set)
    started: dict[FileId, Started] = field(default_factory=dict)

    def files(self) -> set[FileId]:
        found: set[FileId] = set()
        for folder in self.folders:
            try:
                entries = list(folder.path.iterdir())
            except FileNotFoundError:
                continue
            for path in entries:
                try:
                    if not folder.accepts(path):
                        continue
                    stat = path.stat()
                except FileNotFoundError:  # filed away between the listing and the look
                    continue
                found.add((folder.deployment, str(path), stat.st_size, stat.st_mtime_ns))
        return found

    def look(self) -> list[UUID]:
        """One pass: start a run for each file complete since the last look, and again for a
        file whose run failed; returns the runs started."""
        present = self.files()
        complete = present & self.last_look  # unchanged across two looks
        self.last_look = present
        # A file filed away (or changed) is forgotten: its next version is a new file.
        self.started = {f: s for f, s in self.started.items() if f in present}
        runs: list[UUID] = []
        for file in sorted(complete):
            earlier = self.started.get(file)
            if earlier is None:
                attempt = 1
            elif earlier.final is not None:
                continue
            else:
                earlier.final = self._final(earlier)
                if earlier.final not in RETRIED_STATES:
                    continue
                if earlier.attempt >= self.max_attempts:
                    log.error(
                        "%s: run %s ended %s, attempt %d of %d: not started again",
                        file[0], earlier.run_id, earlier.final, earlier.attempt, self.max_attempts,
                    )  # fmt: skip
                    continue
                attempt = earlier.attempt + 1
            run = self._start(file, attempt)
            if run is not None:
                runs.append(run)
        return runs

    def _final(self, started: Started) -> str | None:
        try:
            return self.final_state(started.run_id)
        except Exception as error:  # Prefect unreachable: ask again at the next look
            log.warning("run %s: state unknown (%s)", started.run_id, type(error).__name__)
            return None

    def _start(self, file: FileId, attempt: int) -> UUID | None:
        deployment, path = file[0], file[1]
        try:
            run = self.start(deployment, path, idempotency_key(file, attempt))
        except Exception as error:  # Prefect unreachable: the file is tried at the next look
            log.warning("%s not started (%s: %s)", deployment, type(error).__name__, error)
            return None
        self.started[file] = Started(run_id=run, attempt=attempt)
        log.info("%s started as flow run %s (attempt %d)", deployment, run, attempt)
        return run


def start_import(deployment: str, path: str, key: str) -> UUID:
    """Run the import deployment for one file, without waiting for it."""
    from prefect.client.schemas.objects import FlowRun
    from prefect.deployments import run_deployment

    run = run_deployment(
        deployment, parameters={"path": path}, timeout=0, idempotency_key=key, tags=[TAG]
    )
    if not isinstance(run, FlowRun):
        raise TypeError(f"run_deployment returned {type(run).__name__}, not a flow run")
    return run.id


def final_state(run_id: UUID) -> str | None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        state = client.read_flow_run(run_id).state
    if state is None or not state.is_final():
        return None
    return state.type.value


def drop_folders() -> list[DropFolder]:
    settings = load_settings()
    intake = load_config(settings.config_path).intake
    if intake is None:
        return []
    home = settings.state_dir
    folders = [
        DropFolder(DELETION, intake.drop_folder_in(home), is_return_file),
        DropFolder(NEW_PUPIL, intake.new_pupil_folder_in(home), is_new_pupil_file),
    ]
    for folder in folders:  # as the imports do, so schools can be given the paths
        folder.path.mkdir(parents=True, exist_ok=True)
    return folders


def main() -> int:
    # force: importing Prefect (through the tasks) has already configured the root logger.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s", force=True
    )
    settings = load_settings()
    folders = drop_folders()
    if not folders:
        log.warning("the configuration has no [intake] section: no drop folder to watch")
    watch = DropWatch(folders=folders, start=start_import, final_state=final_state)
    stop = threading.Event()

    def _on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    log.info(
        "watching %s every %.1f s",
        ", ".join(str(f.path) for f in folders) or "nothing", settings.drop_watch_seconds,
    )  # fmt: skip
    while not stop.is_set():
        try:
            watch.look()
        except Exception:  # a folder unreadable for a moment: log, wait, go on
            log.exception("look failed")
        stop.wait(settings.drop_watch_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
