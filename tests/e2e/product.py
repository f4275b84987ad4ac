"""The product, started the way `make run` starts it, for tests that drive it as officers do.

A plugin of the whole test session (tests/conftest.py), so the end-to-end, browser and public-form
tests share one copy of the product instead of starting one each: one Prefect server, what runs
the flows, the case database of the session (CME_TEST_DATABASE) and a real SMTP server on
loopback. Logs of every process are kept in test-artifacts/logs/.

- CME_TEST_PREFECT_DATABASE: `sqlite` (default) or `postgresql`, the Prefect server's own database
  (a fresh one on CME_TEST_POSTGRES_URL's server, dropped at the end).
- CME_TEST_RUNNER: `serve` (default, as `make run`) or `worker`, as production: the deployments
  registered on the `cme-process` work pool by `prefect deploy --all` and CME_TEST_WORKERS process
  workers (default 2) running them.

Every process signs in through the gateway as the product's service accounts (launcher/accounts.py);
the test process's own Prefect client signs in as the runner service account, and the driver
resumes each form as the person deciding (tests/e2e/people.py: an officer per configured officer,
the team lead, a head of service and an administrator, with known test passwords).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from prefect.settings import (
    PREFECT_API_AUTH_STRING,
    PREFECT_API_URL,
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_RESULTS_DEFAULT_SERIALIZER,
    temporary_settings,
)
from sqlalchemy import make_url

from adapters.settings import PROJECT_ROOT, Settings, load_settings
from launcher.stack import Runner, Stack
from store.database import make_engine
from store.migrations import migrate
from store.unit_of_work import reset
from tests.conftest import fresh_database, fresh_postgres_database
from tests.e2e.driver import Driver
from tests.e2e.people import Cast, add_test_people
from tests.mail import Inbox, start_smtp

TRUSTED_PROXY = "127.0.0.2"
# The day the stack's council set for the Children's Wellbeing and Schools Act 2026 to commence:
# after every day the other tests' cases reach their formal stage on, so they keep ss437-443, and
# within the configured school year, so a case walked from it takes the Act's route
# (tests/browser/test_forms_read_well.py). A special school of the test roll is Condition A's.
ACT_2026_COMMENCES = date(2027, 4, 12)
SPECIAL_SCHOOL_URN = "999003"


def commenced_config(folder: Path) -> Path:
    """The shipped configuration with the 2026 Act's commencement day and a special school set;
    its relative paths made absolute, since it is written elsewhere."""
    shipped = PROJECT_ROOT / "config" / "cme.toml"
    lines = []
    for line in shipped.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition(" = ")
        relative = value.strip('"')
        if sep and value.startswith('"') and (shipped.parent / relative).is_file():
            line = f'{key} = "{shipped.parent / relative}"'
        if line.startswith("special_schools = "):
            line = f'special_schools = ["{SPECIAL_SCHOOL_URN}"]'
        lines.append(line)
    lines += ["", "[regimes.commences_on]", f"cwsa_2026 = {ACT_2026_COMMENCES.isoformat()}", ""]
    path = folder / "cme.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def inbox() -> Iterator[Inbox]:
    controller, inbox = start_smtp(free_port())
    os.environ["CME_SMTP_HOST"] = "127.0.0.1"
    os.environ["CME_SMTP_PORT"] = str(controller.port)
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The product's own case database, apart from the one the store tests empty after each test."""
    with fresh_database(tmp_path_factory.mktemp("e2e-case-database")) as url:
        migrate(url)
        yield url


def _choice(variable: str, default: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(variable, default)
    if value not in allowed:
        raise pytest.UsageError(f"{variable}: {value!r} is not one of {', '.join(allowed)}")
    return value


def runner_under_test() -> Runner:
    """What runs the flows in the end-to-end tests: CME_TEST_RUNNER, `serve` or `worker`."""
    runner = _choice("CME_TEST_RUNNER", "serve", ("serve", "worker"))
    return "worker" if runner == "worker" else "serve"


@contextmanager
def prefect_database() -> Iterator[str | None]:
    """The Prefect server's database URL for CME_TEST_PREFECT_DATABASE (None: SQLite)."""
    if _choice("CME_TEST_PREFECT_DATABASE", "sqlite", ("sqlite", "postgresql")) == "sqlite":
        yield None
        return
    with fresh_postgres_database("cme_prefect_test") as url:
        yield as_asyncpg(url)


def as_asyncpg(url: str) -> str:
    """The same PostgreSQL database through asyncpg, the driver the Prefect server uses."""
    return make_url(url).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def client_settings(settings: Settings, credential: str | None = None) -> dict[Any, Any]:
    """The Prefect settings a client in the test process needs to reach this stack, signing in
    with ``credential`` (``username:password``), else the settings' own if any."""
    updates: dict[Any, Any] = {
        PREFECT_API_URL: settings.api_url,
        PREFECT_LOCAL_STORAGE_PATH: settings.results_dir,
        PREFECT_RESULTS_DEFAULT_SERIALIZER: "json",
    }
    if credential is None and settings.prefect_auth_string is not None:
        credential = settings.prefect_auth_string.get_secret_value()
    if credential is not None:
        updates[PREFECT_API_AUTH_STRING] = credential
    return updates


@pytest.fixture(scope="session")
def cast(e2e_database_url: str) -> Cast:
    """The people of the session's case database, who sign in to its product."""
    engine = make_engine(e2e_database_url)
    try:
        return add_test_people(engine, load_settings().config_path)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, e2e_database_url: str, inbox: Inbox, cast: Cast
) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("cme-home")
    os.environ.update(
        {
            "CME_HOME": str(home),
            "CME_PORT": str(free_port()),
            "CME_DOCUMENTS_PORT": str(free_port()),
            "CME_DATABASE_URL": e2e_database_url,
            "CME_ENVIRONMENT": "test",
            # The council's single sign-on proxy, as far as the gateway knows: test_auth.py calls
            # from this loopback address to act as it.
            "CME_SIGN_IN_TRUSTED_PROXIES": TRUSTED_PROXY,
            # Every process's clock (store.unit_of_work.file_clock): the wall clock until a test
            # writes a day into it (`test_clock`).
            "CME_TEST_CLOCK_FILE": str(home / "test-clock"),
            "CME_CONFIG_PATH": str(commenced_config(home)),
        }
    )
    os.environ.pop("CME_PREFECT_AUTH_STRING", None)  # each process is given its own
    with prefect_database() as prefect_database_url:
        if prefect_database_url is not None:
            os.environ["CME_PREFECT_DATABASE_URL"] = prefect_database_url
        reset()
        settings = load_settings()
        stack = Stack(
            settings=settings,
            log_dir=home / "logs",
            runner=runner_under_test(),
            workers=int(os.environ.get("CME_TEST_WORKERS", "2")),
        )
        try:
            stack.start_server()
            stack.start_documents()
            stack.start_runners()
            stack.wait_for_deployments(
                [
                    "cme-case",
                    "dfe-cme-return",
                    "intake-new-pupil-returns",
                    "intake-deletion-returns",
                    "case-chronology",
                ]
            )
            with temporary_settings(updates=client_settings(settings, stack.credential("runner"))):
                yield stack
        finally:
            stack.stop_all()
            _keep_logs(home / "logs")


def _keep_logs(log_dir: Path) -> None:
    # One folder per product copy (e2e, browser), so the last one torn down overwrites nothing.
    target = PROJECT_ROOT / "test-artifacts" / "logs" / log_dir.parent.name
    target.mkdir(parents=True, exist_ok=True)
    for log in log_dir.glob("*.log"):
        (target / log.name).write_bytes(log.read_bytes())


@pytest.fixture
def driver(stack: Stack, inbox: Inbox, cast: Cast) -> Driver:
    return Driver(stack=stack, inbox=inbox, people=cast)


class StackClock:
    """The day every process of the stack takes as today, moved by a test as a case's officer
    moves through its statutory periods; the wall clock again when the test ends."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def move_to(self, day: date) -> None:
        self.path.write_text(datetime.combine(day, time(10), tzinfo=UTC).isoformat())

    def stop(self) -> None:
        self.path.unlink(missing_ok=True)


@pytest.fixture
def test_clock(stack: Stack) -> Iterator[StackClock]:
    path = stack.settings.test_clock_file
    assert path is not None, "the stack sets CME_TEST_CLOCK_FILE"
    clock = StackClock(path)
    try:
        yield clock
    finally:
        clock.stop()
