"""`make run` keeps each part alive on its own (launcher/supervisor.py): a part killed outright is
started again and answers again, while the public form keeps taking referrals; a referral sent
while the Prefect server is down is delivered once, after it is back. SIGTERM stops it all.

The launcher runs here exactly as `make run` starts it (`python -m launcher`), on a state folder,
case database and ports of its own.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.settings import PROJECT_ROOT
from launcher.accounts import secrets_file
from models.config import load_config
from store.database import make_engine
from store.orm import Case, Child, PublicSubmission, SubmissionStatus
from tests.e2e.product import free_port
from tests.mail import Inbox, body_of
from tests.public_form.answers import complete
from tests.public_form.http import fill_in

pytestmark = pytest.mark.e2e

RECEIPT = re.compile(r"CME-R-[2-9A-Z]{4}-[2-9A-Z]{4}")

# Each part, by what its command line runs.
COMMANDS = {
    "prefect-server": "gateway",
    "documents": "launcher.documents",
    "serve": "launcher.serve",
    "public-form-drainer": "public_form.drainer",
    "drop-watch": "launcher.drop_watch",
    "public-form": "public_form.app:create_app",
    "front-door": "front_door.app:create_app",
}


@dataclass
class Launched:
    """`python -m launcher` running: its process, state folder, ports and case database."""

    process: subprocess.Popen[bytes]
    home: Path
    ports: dict[str, int]
    database_url: str

    def pid_of(self, part: str) -> int | None:
        for child in psutil.Process(self.process.pid).children():
            try:
                if COMMANDS[part] in child.cmdline():
                    return int(child.pid)
            except psutil.NoSuchProcess:
                continue
        return None

    def url(self, port_of: str, path: str = "") -> str:
        return f"http://127.0.0.1:{self.ports[port_of]}{path}"

    def answers(self, part: str) -> bool:
        """The part's port answers (a health page where it has one)."""
        if part == "documents":
            try:
                socket.create_connection(("127.0.0.1", self.ports["documents"]), 1).close()
                return True
            except OSError:
                return False
        path = "/api/health" if part == "prefect-server" else "/health"
        try:
            with urllib.request.urlopen(self.url(part, path), timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def runner_auth(self) -> dict[str, str]:
        saved = json.loads(secrets_file(self.home).read_text(encoding="utf-8"))
        token = base64.b64encode(f"svc-runner:{saved['svc-runner']}".encode()).decode()
        return {"Authorization": f"Basic {token}"}


def _wait(what: str, ready: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"{what} after {timeout:.0f} s"
        time.sleep(0.2)


@pytest.fixture
def launched(tmp_path: Path, inbox: Inbox) -> Iterator[Launched]:
    home = tmp_path / "home"
    ports = {
        "prefect-server": free_port(),
        "documents": free_port(),
        "public-form": free_port(),
        "front-door": free_port(),
    }
    database_url = f"sqlite:///{tmp_path / 'cases.db'}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CME_", "PREFECT_"))}
    env.update(
        {
            "CME_HOME": str(home),
            "CME_DATABASE_URL": database_url,
            "CME_ENVIRONMENT": "test",
            "CME_PORT": str(ports["prefect-server"]),
            "CME_DOCUMENTS_PORT": str(ports["documents"]),
            "CME_PUBLIC_FORM_PORT": str(ports["public-form"]),
            "CME_FRONT_DOOR_PORT": str(ports["front-door"]),
            "CME_PUBLIC_FORM_DRAIN_SECONDS": "0.5",
            "CME_PUBLIC_FORM_RETRY_MAX_SECONDS": "2",
            "CME_SMTP_HOST": "127.0.0.1",
            "CME_SMTP_PORT": os.environ["CME_SMTP_PORT"],  # the session's inbox
            # The team lead is told of a part down for 3 s (5 min by default).
            "CME_PART_DOWN_ALERT_SECONDS": "3",
        }
    )
    log = (tmp_path / "launcher.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "launcher"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    launched = Launched(process=process, home=home, ports=ports, database_url=database_url)
    try:
        # Up once it says so: a part lost while it is still starting stops it (a broken setting).
        _wait(
            "make run not up",
            lambda: (
                process.poll() is None
                and b"Press Ctrl-C to stop." in (tmp_path / "launcher.log").read_bytes()
            ),
            timeout=150,
        )
        assert all(launched.pid_of(part) for part in COMMANDS)
        yield launched
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=90)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        target = PROJECT_ROOT / "test-artifacts" / "logs" / "supervision"
        target.mkdir(parents=True, exist_ok=True)
        for kept in [tmp_path / "launcher.log", *(home / "logs").glob("*.log")]:
            (target / kept.name).write_bytes(kept.read_bytes())


@dataclass
class FormWatch:
    """Asks the public form for its health page every 0.2 s; counts the times it did not answer."""

    launched: Launched
    misses: list[float] = field(default_factory=list)
    asked: int = 0
    paused: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.wait(0.2):
            if self.paused:
                continue
            self.asked += 1
            if not self.launched.answers("public-form"):
                self.misses.append(time.monotonic())

    def __enter__(self) -> FormWatch:
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class HeldDown:
    """Kills the part, and every copy of it started again, until the block ends."""

    launched: Launched
    part: str
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.wait(0.05):
            pid = self.launched.pid_of(self.part)
            if pid is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def __enter__(self) -> HeldDown:
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def _attempts(launched: Launched, receipt: str) -> int:
    engine = make_engine(launched.database_url)
    try:
        with Session(engine) as session:
            submission = session.get(PublicSubmission, receipt)
            assert submission is not None, f"{receipt} was not stored"
            assert submission.status is SubmissionStatus.PENDING
            return submission.attempts
    finally:
        engine.dispose()


def _send_referral(launched: Launched, surname: str) -> str:
    with httpx.Client(base_url=launched.url("public-form"), timeout=10) as client:
        sent = fill_in(client, complete(child_surname=surname, **{"dob-day": "21"}))
        assert sent.status_code == 303, sent.text
        confirmation = client.get(sent.headers["location"])
    match = RECEIPT.search(confirmation.text)
    assert match, confirmation.text
    return match.group(0)


def _kill_and_wait_for_return(launched: Launched, part: str, timeout: float = 60) -> None:
    pid = launched.pid_of(part)
    assert pid is not None, f"{part} is not running"
    os.kill(pid, signal.SIGKILL)
    _wait(f"{part} not started again", lambda: launched.pid_of(part) not in (None, pid), timeout)
    if part in launched.ports:
        _wait(f"{part} not answering again", lambda: launched.answers(part), timeout)


def test_each_part_killed_comes_back_while_the_public_form_keeps_answering(
    launched: Launched, inbox: Inbox
) -> None:
    with FormWatch(launched) as watch:
        for part in ("front-door", "documents", "drop-watch", "public-form-drainer", "serve"):
            _kill_and_wait_for_return(launched, part)
        assert launched.process.poll() is None

        # The Prefect server held down (each new one killed as it starts): the form takes a
        # referral and keeps it, the drainer tries and fails, and the waits grow.
        with HeldDown(launched, "prefect-server"):
            _wait(
                "the Prefect server still answers",
                lambda: not launched.answers("prefect-server"),
                timeout=10,
            )
            receipt = _send_referral(launched, "Supervised")
            _wait("the drainer did not try", lambda: _attempts(launched, receipt) >= 2, 30)
            assert not launched.answers("prefect-server")
        _wait(
            "the Prefect server not back",
            lambda: launched.answers("prefect-server"),
            timeout=90,
        )
        assert watch.misses == [], f"the public form did not answer {len(watch.misses)} times"
        assert watch.asked > 10

        watch.paused = True  # now the form itself
        _kill_and_wait_for_return(launched, "public-form")

    engine = make_engine(launched.database_url)
    try:

        def delivered() -> bool:
            with Session(engine) as session:
                submission = session.get(PublicSubmission, receipt)
                assert submission is not None
                return submission.status is SubmissionStatus.DELIVERED

        def cases() -> int:
            with Session(engine) as session:
                counted = select(func.count()).select_from(Case).join(Child)
                return session.scalar(counted.where(Child.surname == "Supervised")) or 0

        _wait(f"{receipt} not delivered", delivered, timeout=90)
        # The served deployments, started again, open its case.
        _wait("no case opened", lambda: cases() > 0, timeout=90)
        assert cases() == 1
    finally:
        engine.dispose()
    request = urllib.request.Request(
        launched.url("prefect-server", "/api/flow_runs/count"),
        data=json.dumps({"flow_runs": {"tags": {"all_": ["public-form"]}}}).encode(),
        headers={"Content-Type": "application/json", **launched.runner_auth()},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read()) == 1  # delivered exactly once

    # The team lead was told once that the Prefect server was down, and once that it is back;
    # of the parts killed once and started again at once, nothing.
    lead = load_config(PROJECT_ROOT / "config" / "cme.toml").team_lead.email
    down = inbox.wait_for("[CME] prefect-server has been down", timeout=30)
    back = inbox.wait_for("[CME] prefect-server is back", timeout=90)
    assert len(down) == len(back) == 1
    assert all(str(m["X-Envelope-To"]) == lead for m in down + back)
    assert "The Prefect server (case runs" in body_of(down[0])
    for part in ("front-door", "documents", "drop-watch", "public-form-drainer", "public-form"):
        assert inbox.about(f"[CME] {part} has been down") == [], part

    log = (launched.home / "logs" / "supervisor.log").read_text(encoding="utf-8")
    for part in COMMANDS:
        assert f"{part} exited (signal SIGKILL)" in log, log
        assert f"{part} restarted" in log, log
    # Held down, the Prefect server was started again after 1 s, then 2 s, ...
    assert re.search(
        r"prefect-server exited \(signal SIGKILL\) after \d+ s; restarting in 2 s", log
    )

    # SIGTERM to the launcher stops every part, promptly.
    parts = psutil.Process(launched.process.pid).children(recursive=True)
    started = time.monotonic()
    os.kill(launched.process.pid, signal.SIGTERM)
    assert launched.process.wait(timeout=90) == 0
    sys.stderr.write(f"make run stopped in {time.monotonic() - started:.1f} s\n")
    _, alive = psutil.wait_procs(parts, timeout=5)
    assert alive == []
