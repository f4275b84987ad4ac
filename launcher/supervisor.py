"""Keep each part of `make run` alive on its own: a part that exits is started again, the others
keep serving.

The restart policy is pure (`Backoff`, `after_exit`; the time is passed in): a part that exits is
started again after 1 s, then 2, 4, ... up to 60 s while it keeps exiting soon after each start;
once it has stayed up `Backoff.stable` seconds, its next exit starts the count again. The process
handling (`Supervisor`) only polls, logs and asks the stack to start the part again.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Backoff:
    """How long a part that exited waits before it is started again."""

    first: float = 1.0  # seconds after the first exit
    cap: float = 60.0  # the longest wait, however often it has exited
    stable: float = 60.0  # seconds up after which an exit counts as the first again

    def delay(self, exits: int) -> float:
        """The wait after the ``exits``-th exit in a row (1 for the first)."""
        return min(self.cap, self.first * 2.0 ** min(max(0, exits - 1), 30))


@dataclass(frozen=True)
class Up:
    """A part running since ``since``, after ``exits`` quick exits in a row."""

    since: float
    exits: int = 0


@dataclass(frozen=True)
class Waiting:
    """A part that exited, to be started again at ``restart_at``; its ``exits`` in a row."""

    restart_at: float
    exits: int


def after_exit(backoff: Backoff, up: Up, now: float) -> Waiting:
    """When a part that has been up since ``up.since`` and exited at ``now`` starts again."""
    exits = 1 if now - up.since >= backoff.stable else up.exits + 1
    return Waiting(restart_at=now + backoff.delay(exits), exits=exits)


def due(waiting: Waiting, now: float) -> bool:
    return now >= waiting.restart_at


def describe_exit(returncode: int) -> str:
    """``exit code 1``, or ``signal SIGKILL`` for a process killed by one (Popen's -9)."""
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"


class Process(Protocol):
    """What the supervisor needs of a running part (subprocess.Popen)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...


class Parts(Protocol):
    """The running parts by name, and a way to start one again without waiting for it."""

    @property
    def processes(self) -> Mapping[str, Process]: ...

    def respawn(self, name: str) -> None: ...


@dataclass
class Supervisor:
    """Polls the parts (`tick`): logs each exit and start with the part's name, restarts per
    `Backoff`. Writes to stderr and ``log_dir``/supervisor.log."""

    parts: Parts
    log_dir: Path
    backoff: Backoff = field(default_factory=Backoff)
    wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    states: dict[str, Up | Waiting] = field(default_factory=dict)

    def watch(self, now: float) -> None:
        """Start watching every part running now."""
        for name in self.parts.processes:
            self.states[name] = Up(since=now)

    def tick(self, now: float) -> None:
        for name, state in list(self.states.items()):
            if isinstance(state, Up):
                process = self.parts.processes.get(name)
                returncode = None if process is None else process.poll()
                if process is not None and returncode is None:
                    continue
                waiting = after_exit(self.backoff, state, now)
                self.states[name] = waiting
                how = "vanished" if returncode is None else describe_exit(returncode)
                self.log(
                    f"{name} exited ({how}) after {now - state.since:.0f} s; "
                    f"restarting in {waiting.restart_at - now:.0f} s"
                )
            elif due(state, now):
                try:
                    self.parts.respawn(name)
                except OSError as error:
                    self.states[name] = after_exit(self.backoff, Up(now, state.exits), now)
                    self.log(f"{name} could not be started ({error}); trying again")
                    continue
                self.states[name] = Up(since=now, exits=state.exits)
                self.log(f"{name} restarted (pid {self.parts.processes[name].pid})")

    def log(self, message: str) -> None:
        line = f"{self.wall_clock().isoformat(timespec='seconds')} supervisor: {message}\n"
        sys.stderr.write(line)
        sys.stderr.flush()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / "supervisor.log").open("a", encoding="utf-8") as log:
            log.write(line)
