"""Keep each part of `make run` alive on its own: a part that exits is started again, the others
keep serving.

The restart policy is pure (`Backoff`, `after_exit`; the time is passed in): a part that exits is
started again after 1 s, then 2, 4, ... up to 60 s while it keeps exiting soon after each start;
once it has stayed up `Backoff.stable` seconds, its next exit starts the count again. The process
handling (`Supervisor`) only polls, logs and asks the stack to start the part again.

An outage is told, not only logged: a part down for `alert_after` seconds (from its first exit
until it has stayed up `back_after` seconds) is reported once through `alert` (the team lead's
email), and once again when it is back (`outage_news`).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

# What each part does, as the team lead's email names it.
PART_WORDS = {
    "prefect-server": "the Prefect server (case runs, the officers' forms, the Prefect UI)",
    "serve": "the serving process (it runs each case's stages)",
    "public-form": "the public referral form",
    "public-form-drainer": "the public form's delivery of referrals to the case system",
    "documents": "the documents server (letters and chronologies)",
    "front-door": "the officers' front door",
    "drop-watch": "the drop watch (school returns)",
}


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


def outage_news(
    *,
    down_since: float,
    up_since: float | None,
    told: bool,
    now: float,
    alert_after: float,
    back_after: float,
) -> Literal["down", "back", "over"] | None:
    """What to tell of a part down since ``down_since`` (``up_since``: started again then, if so).

    "down" when it is not running and has been down ``alert_after`` seconds (a part that keeps
    exiting is down from its first exit, through each short start); "back" once it has stayed up
    ``back_after`` seconds after an outage that was told; "over" then too when it was not told
    (nothing to say: the outage is forgotten); otherwise None.
    """
    if up_since is not None and now - up_since >= back_after:
        return "back" if told else "over"
    if not told and up_since is None and now - down_since >= alert_after:
        return "down"
    return None


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
    # Told of an outage (subject, body), off the supervising thread: a stalled relay must not
    # hold the restarts up.
    alert: Callable[[str, str], None] | None = None
    alert_after: float = 300.0
    back_after: float = 10.0
    down_since: dict[str, float] = field(default_factory=dict)
    told: set[str] = field(default_factory=set)

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
                self.down_since.setdefault(name, now)
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
        self._outages(now)

    def _outages(self, now: float) -> None:
        for name, since in list(self.down_since.items()):
            state = self.states.get(name)
            news = outage_news(
                down_since=since,
                up_since=state.since if isinstance(state, Up) else None,
                told=name in self.told,
                now=now,
                alert_after=self.alert_after,
                back_after=self.back_after,
            )
            what = PART_WORDS.get(name, name)
            minutes = max(1, round((now - since) / 60))
            if news == "down":
                self.told.add(name)
                self.tell(
                    f"[CME] {name} has been down for {minutes} min",
                    f"{what[0].upper()}{what[1:]} stopped {minutes} min ago and has not stayed "
                    "up since. make run starts it again on its own, waiting longer each time it "
                    "stops again.\n\nOn the server, logs/supervisor.log says when it stopped "
                    f"and how; logs/{name}.log says why. You will get one more email when it is "
                    "back.",
                )
            elif news in ("back", "over"):
                del self.down_since[name]
                self.told.discard(name)
                if news == "back":
                    self.tell(
                        f"[CME] {name} is back",
                        f"{what[0].upper()}{what[1:]} is back: it has stayed up since it was "
                        f"started again, after about {minutes} min down.",
                    )

    def tell(self, subject: str, body: str) -> None:
        """Log the news and send it through ``alert`` on a thread of its own."""
        self.log(f"telling the team lead: {subject}")
        alert = self.alert
        if alert is None:
            return

        def send() -> None:
            try:
                alert(subject, body)
            except Exception as error:  # a relay that is down too must not stop the supervisor
                self.log(f"could not send '{subject}': {type(error).__name__}: {error}")

        threading.Thread(target=send, name="outage-alert", daemon=True).start()

    def log(self, message: str) -> None:
        line = f"{self.wall_clock().isoformat(timespec='seconds')} supervisor: {message}\n"
        sys.stderr.write(line)
        sys.stderr.flush()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / "supervisor.log").open("a", encoding="utf-8") as log:
            log.write(line)
