"""Faults in production: a worker lost mid-stage, the Prefect server restarted during a sweep, the
mail relay down for a whole sweep, PostgreSQL restarted while cases wait. After each, every case
completes, nothing is lost, and nothing is sent or written twice.

These run on a production-shaped copy of the product of their own: a PostgreSQL server nobody else
uses (both the Prefect server's database and the case database; tests/e2e/postgres_instance.py),
the deployments on the work pool run by a process worker, and an SMTP server they can stop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.settings import temporary_settings
from sqlalchemy import select

from adapters.settings import Settings
from launcher.stack import Stack
from models.enums import ClosureOutcome, Stage
from store.database import make_engine, session_scope
from store.migrations import migrate
from store.orm import Case, Notification
from tests.conftest import fresh_postgres_database_on
from tests.e2e.driver import Driver
from tests.e2e.postgres_instance import PostgresInstance, postgres_bin
from tests.e2e.product import as_asyncpg, client_settings, free_port
from tests.e2e.test_journeys import enquiries, visit
from tests.e2e.test_sweep import FIRST_FORM, LEAD_EMAIL, OFFICER_EMAIL, _mentioning
from tests.factories import make_referral
from tests.mail import Inbox

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.faults,
    pytest.mark.production,
    pytest.mark.skipif(postgres_bin() is None, reason="needs PostgreSQL's server binaries"),
]

# A lost run is marked Crashed after this much silence; the product's default is 120 s.
STALLED_AFTER_SECONDS = 60
SWEEP = "escalation-sweep/escalation-sweep"


@dataclass
class HoldingInbox(Inbox):
    """An inbox whose relay can be made to stall at MAIL FROM: the sender waits, nothing is sent."""

    holding: bool = False
    held: list[str] = field(default_factory=list)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        while self.holding:
            if not self.held or self.held[-1] != address:
                self.held.append(address)
            await asyncio.sleep(0.1)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    def wait_until_held(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not self.held:
            assert time.monotonic() < deadline, "nothing was sent to the held relay"
            time.sleep(0.05)


@dataclass
class Relay:
    """The SMTP server of these tests, which they can stop and start again on the same port."""

    inbox: HoldingInbox
    port: int
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@dataclass
class Production:
    stack: Stack
    driver: Driver
    relay: Relay
    postgres: PostgresInstance


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    home = tmp_path_factory.mktemp("faults-home")
    postgres = PostgresInstance.create(free_port())
    relay = Relay(inbox=HoldingInbox(), port=free_port())
    stack: Stack | None = None
    try:
        postgres.start()
        relay.start()
        with (
            fresh_postgres_database_on(postgres.admin_url, "cme_cases") as case_url,
            fresh_postgres_database_on(postgres.admin_url, "cme_prefect") as prefect_url,
        ):
            migrate(case_url)
            settings = Settings(
                home=home,
                port=free_port(),
                environment="test",
                database_url=case_url,
                prefect_database_url=as_asyncpg(prefect_url),
                prefect_api_url=None,
                prefect_ui_url=None,
                prefect_auth_string=None,
                results_path=None,
                smtp_host="127.0.0.1",
                smtp_port=relay.port,
                run_stalled_after_seconds=STALLED_AFTER_SECONDS,
            )
            stack = Stack(settings=settings, log_dir=home / "logs", runner="worker", workers=1)
            stack.start_server()
            stack.start_runners()
            stack.wait_for_deployments(["cme-case", "escalation-sweep", "recover-crashed-run"])
            engine = make_engine(case_url)
            driver = Driver(stack=stack, inbox=relay.inbox, case_database=engine)
            with temporary_settings(
                updates=client_settings(settings, stack.credential("runner")),
            ):
                yield Production(stack=stack, driver=driver, relay=relay, postgres=postgres)
            engine.dispose()
            stack.stop_all()
    finally:
        if stack is not None:
            stack.stop_all()
        relay.stop()
        postgres.remove()


def _states(run_id: UUID) -> list[str]:
    with get_client(sync_client=True) as client:
        return [str(s.name) for s in client.read_flow_run_states(run_id)]


def _wait_for_form_through_a_crash(driver: Driver, run_id: UUID, key: str, timeout: float) -> None:
    """As Driver.wait_for_form, but a Crashed state on the way is expected, not a failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = driver.read(run_id)
        if run.state is not None and run.state.type in {StateType.FAILED, StateType.CANCELLED}:
            raise AssertionError(f"run ended {run.state.type.value}: {run.state.message}")
        if run.state is not None and run.state.state_details.pause_key == key:
            driver.wait_for_form(run_id, key)
            return
        time.sleep(1)
    raise AssertionError(f"run never reached {key}; states {_states(run_id)}")


def _notifications(driver: Driver, reference: str) -> list[Notification]:
    with session_scope(driver.engine) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        rows = list(session.scalars(select(Notification).where(Notification.case_id == case.id)))
        session.expunge_all()
        return rows


def _waiting_case(driver: Driver) -> tuple[UUID, Case, datetime]:
    """A case waiting on its first form, and a `now` the day after that stage's due date."""
    run_id = driver.open_case(make_referral())
    driver.wait_for_form(run_id, FIRST_FORM)
    case = driver.case(run_id)
    stage = next(s for s in driver.stages(case) if s.name is Stage.REFERRAL_CHECK)
    assert stage.due_on is not None
    return run_id, case, datetime.combine(stage.due_on + timedelta(days=1), clock_time(9), UTC)


def _start_sweep(now: datetime) -> UUID:
    run = run_deployment(SWEEP, parameters={"now": now.isoformat()}, timeout=0)
    assert isinstance(run, FlowRun)
    return run.id


def _completed(driver: Driver, run_id: UUID, timeout: float = 240) -> FlowRun:
    run = driver.wait_until_final(run_id, timeout=timeout)
    assert run.state is not None and run.state.type is StateType.COMPLETED, _states(run_id)
    return run


def _recipients(relay: Relay, reference: str) -> list[str]:
    return sorted(str(m["X-Envelope-To"]) for m in _mentioning(relay.inbox, reference))


def test_a_worker_killed_in_the_middle_of_a_stage_is_replaced_and_the_case_goes_on_once(
    production: Production,
) -> None:
    driver, stack, inbox = production.driver, production.stack, production.relay.inbox
    inbox.held.clear()
    inbox.holding = True  # the safeguarding email will stall, mid-stage, at the relay
    try:
        run_id = driver.open_case(
            make_referral(safeguarding_indicators=["whereabouts_unknown_safety_concern"])
        )
        inbox.wait_until_held()
        assert driver.read(run_id).state_type is StateType.RUNNING
        stack.kill("worker-1")  # the worker and the stage it runs, as if its machine died
    finally:
        inbox.holding = False
    stack.start_worker(2)

    # Silent: marked Crashed, the team lead told, and the run started again by itself.
    timeout = STALLED_AFTER_SECONDS + 240
    _wait_for_form_through_a_crash(driver, run_id, FIRST_FORM, timeout=timeout)
    assert "Crashed" in _states(run_id)
    case = driver.case(run_id)
    safeguarding = [n for n in _notifications(driver, case.reference) if "safeguard" in n.kind]
    assert len(safeguarding) == 1 and safeguarding[0].sent_at is not None
    mails = [str(m["Subject"]) for m in inbox.about(case.reference)]
    assert len([s for s in mails if "run ended" not in s]) == 1  # the safeguarding email, once
    assert len([s for s in mails if "run ended Crashed" in s]) == 1  # the team lead was told

    driver.resume(run_id, FIRST_FORM, enquiries())
    driver.resume(run_id, "home-visit-visit-1", visit("moved_abroad_believed", visit_date=_today()))
    _completed(driver, run_id)
    case = driver.case(run_id)
    assert case.closure_outcome is ClosureOutcome.MOVED_ABROAD_BELIEVED
    events = driver.events(case)
    assert events.count("case_opened") == 1
    assert events.count("safeguarding_escalation") == 1
    assert events.count("decision_recorded") == 2


def test_the_prefect_server_restarted_during_a_sweep_loses_and_repeats_nothing(
    production: Production,
) -> None:
    driver, stack, relay = production.driver, production.stack, production.relay
    _, case, now = _waiting_case(driver)
    relay.inbox.held.clear()
    relay.inbox.holding = True  # the sweep will be mid-send when the server goes down
    try:
        sweep_id = _start_sweep(now)
        relay.inbox.wait_until_held()
        stack.stop("prefect-server")
    finally:
        relay.inbox.holding = False  # the sweep sends on while the server is down
    stack.start_server()

    _completed(driver, sweep_id)
    sent = _recipients(relay, case.reference)
    assert len(sent) == len(set(sent)), sent  # nothing sent twice
    # Nothing lost: a notice whose send outlasted the mail timeout while the relay held it is
    # recorded unsent with its error, for the next sweep.
    unsent = [n for n in _notifications(driver, case.reference) if n.sent_at is None]
    assert all(n.last_error for n in unsent), unsent
    assert len(sent) + len(unsent) == 2, (sent, unsent)
    _completed(driver, _start_sweep(now))
    assert _recipients(relay, case.reference) == sorted([OFFICER_EMAIL, LEAD_EMAIL])
    assert all(n.sent_at is not None for n in _notifications(driver, case.reference))


def test_smtp_down_for_a_whole_sweep_is_recorded_and_the_next_sweep_sends_each_notice_once(
    production: Production,
) -> None:
    driver, relay = production.driver, production.relay
    _, case, now = _waiting_case(driver)

    relay.stop()
    try:
        _completed(driver, _start_sweep(now))
    finally:
        relay.start()
    assert _recipients(relay, case.reference) == []
    unsent = _notifications(driver, case.reference)
    assert unsent and all(n.sent_at is None and n.last_error for n in unsent)

    _completed(driver, _start_sweep(now))
    assert _recipients(relay, case.reference) == sorted([OFFICER_EMAIL, LEAD_EMAIL])
    _completed(driver, _start_sweep(now))
    assert _recipients(relay, case.reference) == sorted([OFFICER_EMAIL, LEAD_EMAIL])
    assert all(n.sent_at is not None for n in _notifications(driver, case.reference))


def test_cases_waiting_across_a_postgresql_restart_complete(production: Production) -> None:
    driver, stack = production.driver, production.stack
    run_ids = [driver.open_case(make_referral()) for _ in range(2)]
    for run_id in run_ids:
        driver.wait_for_form(run_id, FIRST_FORM)
    assert stack.drain_runners(timeout=60)

    production.postgres.restart()

    deadline = time.monotonic() + 60
    while True:  # the first calls may meet connections the restart closed
        try:
            states = [driver.read(run_id).state_name for run_id in run_ids]
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)
    assert states == ["Suspended", "Suspended"]
    for run_id in run_ids:
        driver.resume(run_id, FIRST_FORM, enquiries())
        driver.resume(
            run_id, "home-visit-visit-1", visit("moved_abroad_believed", visit_date=_today())
        )
    for run_id in run_ids:
        _completed(driver, run_id)
        case = driver.case(run_id)
        assert case.closure_outcome is ClosureOutcome.MOVED_ABROAD_BELIEVED
        assert driver.events(case).count("case_opened") == 1
        assert driver.events(case).count("decision_recorded") == 2


def _today() -> str:
    """The visit is recorded on the day it is answered: the case's timeline refuses a visit dated
    before its stage began, and these cases start today (the wall clock, not a test clock)."""
    return datetime.now(ZoneInfo("Europe/London")).date().isoformat()
