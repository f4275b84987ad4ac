"""The case flow run in this process, with a scripted officer instead of the Prefect UI.

`flows/case.py` runs for real (its tasks, the case database of the session, letters written to a
temporary state folder, emails to a real SMTP server on loopback) against one temporary Prefect
server per package (Prefect's test harness). Only the wait for a person is replaced: where the flow
would suspend on a form, the `Officer` answers it from a script keyed by suspend key, validated
exactly as Prefect loads a submitted form. A key the script does not answer is where the case
waits: the run stops there with `StillWaiting`, and the test reads the case as it stands.

Replays of a resumed run and real suspensions are the end-to-end tests' part (tests/e2e).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from prefect.settings import (
    PREFECT_LOCAL_STORAGE_PATH,
    PREFECT_RESULTS_DEFAULT_SERIALIZER,
    temporary_settings,
)
from prefect.testing.utilities import prefect_test_harness
from sqlalchemy import Engine

import flows.decisions
from adapters.settings import Settings
from store.unit_of_work import build, install, reset
from tests.flows.casework import Officer, OfficersClock, Product
from tests.mail import Inbox, start_smtp


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="package")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server for the package; package-scoped so that the end-to-end
    stacks' client settings are in force again for any test that runs after these."""
    results = tmp_path_factory.mktemp("flow-results")
    with (
        prefect_test_harness(server_startup_timeout=120),
        temporary_settings(
            updates={
                PREFECT_LOCAL_STORAGE_PATH: results,
                PREFECT_RESULTS_DEFAULT_SERIALIZER: "json",
            }
        ),
    ):
        yield


@pytest.fixture(scope="package")
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    port = _free_port()
    controller, inbox = start_smtp(port)
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def product(
    prefect_server: None,
    smtp_server: tuple[int, Inbox],
    case_database_url: str,
    engine: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Product]:
    """The product's unit of work on this test's database, state folder and SMTP server, and
    the officer's forms answered by a script on the days it gives (the product's clock is the
    officer's; it starts on the day the referral is received). Everything is restored afterwards.
    """
    smtp_port, inbox = smtp_server
    settings = Settings(
        environment="test",
        home=tmp_path,
        database_url=case_database_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
    )
    officer = Officer(clock=OfficersClock())
    monkeypatch.setattr(flows.decisions, "suspend_flow_run", officer.suspend)
    monkeypatch.setattr(flows.decisions, "has_answer", officer.has_answer)
    inbox.messages.clear()
    install(build(settings, clock=officer.clock))
    try:
        yield Product(engine=engine, home=tmp_path, inbox=inbox, officer=officer)
    finally:
        reset()
