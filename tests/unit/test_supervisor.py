"""The supervisor of `make run` (launcher/supervisor.py): a part that exits is started again after
1 s, 2 s, 4 s ... up to 60 s while it keeps exiting, from 1 s again once it has stayed up a while;
each exit and start is logged with the part's name; the other parts are left alone."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launcher.supervisor import (
    Backoff,
    Supervisor,
    Up,
    Waiting,
    after_exit,
    describe_exit,
    due,
    outage_news,
)

BACKOFF = Backoff(first=1.0, cap=60.0, stable=60.0)


def test_the_wait_doubles_from_one_second_to_a_cap_of_a_minute() -> None:
    assert [BACKOFF.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert BACKOFF.delay(10_000) == 60  # no overflow however often


def test_a_part_that_keeps_exiting_at_once_waits_longer_each_time() -> None:
    now = 100.0
    up = Up(since=now)
    waits = []
    for _ in range(8):
        now += 0.5  # exits half a second after each start
        waiting = after_exit(BACKOFF, up, now)
        waits.append(waiting.restart_at - now)
        now = waiting.restart_at
        up = Up(since=now, exits=waiting.exits)
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_part_that_stayed_up_a_while_starts_the_count_again() -> None:
    up = Up(since=0.0, exits=6)
    assert after_exit(BACKOFF, up, now=59.0) == Waiting(restart_at=59.0 + 60, exits=7)
    assert after_exit(BACKOFF, up, now=60.0) == Waiting(restart_at=61.0, exits=1)


def test_a_waiting_part_is_due_at_its_restart_time() -> None:
    waiting = Waiting(restart_at=10.0, exits=1)
    assert not due(waiting, 9.99)
    assert due(waiting, 10.0)


@pytest.mark.parametrize(
    ("returncode", "words"),
    [(0, "exit code 0"), (1, "exit code 1"), (-9, "signal SIGKILL"), (-15, "signal SIGTERM")],
)
def test_an_exit_is_described_by_its_code_or_signal(returncode: int, words: str) -> None:
    assert describe_exit(returncode) == words


@dataclass
class FakeProcess:
    pid: int
    returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode


@dataclass
class FakeParts:
    processes: dict[str, FakeProcess] = field(default_factory=dict)
    started: list[str] = field(default_factory=list)
    next_pid: int = 1000

    def respawn(self, name: str) -> None:
        self.next_pid += 1
        self.processes[name] = FakeProcess(pid=self.next_pid)
        self.started.append(name)


def _supervisor(tmp_path: Path) -> tuple[Supervisor, FakeParts]:
    parts = FakeParts(processes={"prefect-server": FakeProcess(1), "public-form": FakeProcess(2)})
    supervisor = Supervisor(
        parts=parts,
        log_dir=tmp_path,
        backoff=BACKOFF,
        wall_clock=lambda: datetime(2026, 12, 4, 12, tzinfo=UTC),
    )
    supervisor.watch(0.0)
    return supervisor, parts


def test_only_the_part_that_exited_is_started_again_after_its_wait(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    supervisor, parts = _supervisor(tmp_path)
    supervisor.tick(5.0)
    assert parts.started == []

    parts.processes["prefect-server"].returncode = -15
    supervisor.tick(10.0)
    assert parts.started == []  # waits its second
    supervisor.tick(10.5)
    assert parts.started == []
    supervisor.tick(11.0)
    assert parts.started == ["prefect-server"]
    assert parts.processes["public-form"].pid == 2  # never touched
    supervisor.tick(12.0)
    assert parts.started == ["prefect-server"]

    log = (tmp_path / "supervisor.log").read_text(encoding="utf-8")
    assert "prefect-server exited (signal SIGTERM) after 10 s; restarting in 1 s" in log
    assert "prefect-server restarted (pid 1001)" in log
    assert "public-form" not in log
    assert capsys.readouterr().err.count("prefect-server") == 2


def test_a_part_that_fails_again_at_once_waits_twice_as_long(tmp_path: Path) -> None:
    supervisor, parts = _supervisor(tmp_path)
    parts.processes["public-form"].returncode = 1
    supervisor.tick(100.0)
    supervisor.tick(101.0)
    assert parts.started == ["public-form"]
    parts.processes["public-form"].returncode = 1
    supervisor.tick(102.0)
    supervisor.tick(103.9)
    assert parts.started == ["public-form"]
    supervisor.tick(104.0)
    assert parts.started == ["public-form", "public-form"]


def test_a_part_gone_from_the_stack_is_started_again(tmp_path: Path) -> None:
    supervisor, parts = _supervisor(tmp_path)
    del parts.processes["public-form"]
    supervisor.tick(1.0)
    supervisor.tick(2.0)
    assert parts.started == ["public-form"]


def test_a_part_that_cannot_be_started_is_tried_again_later(tmp_path: Path) -> None:
    supervisor, parts = _supervisor(tmp_path)
    calls: list[str] = []

    def refuse(name: str) -> None:
        calls.append(name)
        raise OSError("no such file")

    parts.processes["public-form"].returncode = 1
    supervisor.tick(0.0)
    parts.respawn = refuse  # type: ignore[method-assign]
    supervisor.tick(1.0)
    assert calls == ["public-form"]
    supervisor.tick(2.0)
    assert calls == ["public-form"]  # waits 2 s now
    supervisor.tick(3.0)
    assert calls == ["public-form", "public-form"]
    assert "public-form could not be started" in (tmp_path / "supervisor.log").read_text()


@pytest.mark.parametrize(
    ("up_since", "told", "now", "news"),
    [
        (None, False, 299.9, None),  # down, not yet for long
        (None, False, 300.0, "down"),  # down for alert_after: told
        (295.0, False, 300.0, None),  # running again (not yet proven): not told meanwhile
        (None, True, 900.0, None),  # told once only
        (350.0, True, 359.9, None),  # started again, not yet stayed up
        (350.0, True, 360.0, "back"),  # stayed up back_after: told it is back
        (50.0, False, 60.0, "over"),  # a blip, never told: forgotten without a word
    ],
)
def test_an_outage_is_told_once_when_long_and_once_when_over(
    up_since: float | None, told: bool, now: float, news: str | None
) -> None:
    assert (
        outage_news(
            down_since=0.0,
            up_since=up_since,
            told=told,
            now=now,
            alert_after=300.0,
            back_after=10.0,
        )
        == news
    )


def _told(sent: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    deadline = time.monotonic() + 5
    while len(sent) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return sent


def test_a_part_down_for_long_is_told_to_the_team_lead_once_and_again_when_back(
    tmp_path: Path,
) -> None:
    supervisor, parts = _supervisor(tmp_path)
    sent: list[tuple[str, str]] = []
    supervisor.alert = lambda subject, body: sent.append((subject, body))
    supervisor.alert_after, supervisor.back_after = 30.0, 10.0

    parts.processes["public-form"].returncode = 1  # a blip: started again, stays up
    supervisor.tick(0.0)
    for now in (1.0, 12.0, 40.0):
        supervisor.tick(now)
    assert sent == []

    parts.processes["prefect-server"].returncode = 1
    supervisor.tick(100.0)
    for now in range(101, 131):  # each new one exits at once
        if parts.processes["prefect-server"].returncode is None:
            parts.processes["prefect-server"].returncode = 1
        supervisor.tick(float(now))
    [(subject, body)] = _told(sent, 1)
    assert subject == "[CME] prefect-server has been down for 1 min"
    assert body.startswith("The Prefect server (case runs, the officers' forms, the Prefect UI)")
    assert "logs/prefect-server.log" in body

    for now in range(131, 200):  # it stays up again
        supervisor.tick(float(now))
    assert [s for s, _ in _told(sent, 2)] == [subject, "[CME] prefect-server is back"]
    time.sleep(0.05)
    assert len(sent) == 2
    log = (tmp_path / "supervisor.log").read_text(encoding="utf-8")
    assert "telling the team lead: [CME] prefect-server is back" in log


def test_a_relay_that_refuses_the_alert_is_logged_and_supervision_goes_on(
    tmp_path: Path,
) -> None:
    supervisor, parts = _supervisor(tmp_path)

    def refuse(subject: str, body: str) -> None:
        raise ConnectionRefusedError("relay down")

    supervisor.alert, supervisor.alert_after = refuse, 0.25
    parts.processes["public-form"].returncode = 1
    supervisor.tick(0.0)
    supervisor.tick(0.5)  # down for longer than alert_after, and not started again yet: told
    supervisor.tick(2.0)
    assert parts.started == ["public-form"]
    deadline = time.monotonic() + 5
    log = tmp_path / "supervisor.log"
    while "could not send" not in log.read_text(encoding="utf-8"):
        assert time.monotonic() < deadline, "the refused alert was not logged"
        time.sleep(0.01)
    assert "ConnectionRefusedError: relay down" in log.read_text(encoding="utf-8")
