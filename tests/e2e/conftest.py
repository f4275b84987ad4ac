"""The product, started the way `make run` starts it, for tests that drive it as officers do.

One Prefect server (SQLite, or PostgreSQL with CME_TEST_PREFECT_DATABASE=postgresql), the serving
process, the case database of the session (SQLite or PostgreSQL) and a real SMTP server on
loopback. Logs of every process are kept in test-artifacts/ when a test fails.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_RESULTS_DEFAULT_SERIALIZER,
    temporary_settings,
)

from launcher.stack import Stack
from models.settings import PROJECT_ROOT, load_settings
from tasks.migrations import migrate
from tasks.runtime import runtime
from tests.conftest import fresh_database
from tests.e2e.driver import Driver
from tests.mail import Inbox, start_smtp


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


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, e2e_database_url: str, inbox: Inbox
) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("cme-home")
    os.environ.update(
        {
            "CME_HOME": str(home),
            "CME_PORT": str(free_port()),
            "CME_DOCUMENTS_PORT": str(free_port()),
            "CME_DATABASE_URL": e2e_database_url,
            "CME_ENVIRONMENT": "test",
        }
    )
    runtime.cache_clear()
    settings = load_settings()
    stack = Stack(settings=settings, log_dir=home / "logs")
    try:
        stack.start_server()
        stack.start_documents()
        stack.start_serving()
        stack.wait_for_deployments(["cme-case", "case-chronology"])
        with temporary_settings(
            updates={
                PREFECT_API_URL: settings.api_url,
                PREFECT_LOCAL_STORAGE_PATH: settings.results_dir,
                PREFECT_RESULTS_DEFAULT_SERIALIZER: "json",
            }
        ):
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
def driver(stack: Stack, inbox: Inbox) -> Driver:
    return Driver(stack=stack, inbox=inbox)
