"""A case waiting when the product is upgraded resumes on the new release as if nothing happened.

The release before the layered restructuring (OLD_RELEASE) is checked out beside this tree and
started as `make run` starts it, from its own code: a Prefect server, `serve`, its case database
migrated by its own migrations. Three cases are driven to different forms and left waiting; the
old stack is stopped, the same case database is migrated by this tree's migrations and this
tree's stack is started on the same Prefect database, state folder and results. Each case is then
resumed with typed input and must move on as the statute says, continuing its record: the replay
from the top repeats no decision, letter or email, and the hash chain still holds.

What can break this is anything a waiting run carries across the upgrade: its form keys (the
pause key and the `suspended-<key>-response` input), the cache keys and persisted results of the
tasks it already ran (they name task names, inputs and result classes), and the rows the old
migrations left. A failure here names the form a case was expected to reach and the one it is on.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.flow_runs import resume_flow_run
from prefect.settings import PREFECT_API_AUTH_STRING, temporary_settings

from adapters.settings import PROJECT_ROOT, load_settings
from launcher.stack import Stack
from models.enums import LetterKind, Stage
from store import case_events, decisions, letters
from store.database import make_engine, session_scope
from store.migrations import migrate
from tests.conftest import fresh_database
from tests.e2e.driver import Driver
from tests.e2e.product import client_settings, free_port, prefect_database, runner_under_test
from tests.e2e.test_journeys import enquiries, located, s437_notice, sent_as_stated, visit
from tests.factories import make_referral
from tests.mail import Inbox, start_smtp

# Production is where cases wait longest: the PostgreSQL pass runs this too (marker `production`).
pytestmark = [pytest.mark.e2e, pytest.mark.upgrade, pytest.mark.production]

# The last release before the layered restructuring: cases waiting on it must resume on this one.
OLD_RELEASE = "29d5256"

DEPLOYMENTS = [
    "cme-case",
    "dfe-cme-return",
    "intake-new-pupil-returns",
    "intake-deletion-returns",
    "case-chronology",
]

# Run in the old tree (its working directory and first on sys.path): its own launcher migrates
# the case database and starts its stack, says "ready", and stops the stack when stdin closes.
OLD_STACK_CONTROLLER = """
import sys
from launcher.stack import Stack
from models.settings import load_settings
from tasks.migrations import migrate

settings = load_settings()
for folder in (settings.state_dir, settings.results_dir, settings.letters_dir,
               settings.chronology_dir):
    folder.mkdir(parents=True, exist_ok=True)
migrate(settings.case_database_url)
stack = Stack(settings=settings, log_dir=settings.state_dir / "logs" / "old-release",
              runner=sys.argv[1], workers=int(sys.argv[2]))
try:
    stack.start_server()
    stack.start_documents()
    stack.start_runners()
    stack.wait_for_deployments(sys.argv[3].split(","))
    print("ready", flush=True)
    sys.stdin.read()
finally:
    stack.stop_all()
"""

# Loaded by every Python process of a stack (PYTHONPATH): writes down each source or bytecode
# file outside the Python installation that the process opens, so the test can tell which
# tree's code the server, the runners and each flow run really imported.
IMPORT_PROBE = """
import os
import sys

_log = os.environ.get("CME_TEST_IMPORT_LOG")
_installed = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})

def _record(event, args):
    if event != "open" or not _log or not args or not isinstance(args[0], str):
        return
    path = args[0]
    if path.endswith((".py", ".pyc")) and not path.startswith(_installed):
        with open(_log, "a", encoding="utf-8") as log:
            log.write(os.path.abspath(path) + "\\n")

sys.addaudithook(_record)
"""


def _git(*args: str) -> None:
    subprocess.run(["git", *args], cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=120)


@contextmanager
def old_release_tree(parent: Path) -> Iterator[Path]:
    """OLD_RELEASE checked out in a temporary worktree of this repository, removed afterwards."""
    known = subprocess.run(
        ["git", "cat-file", "-e", f"{OLD_RELEASE}^{{commit}}"], cwd=PROJECT_ROOT, check=False
    )
    assert known.returncode == 0, f"commit {OLD_RELEASE} is not in this clone; fetch full history"
    tree = parent / "old-release"
    _git("worktree", "add", "--detach", str(tree), OLD_RELEASE)
    try:
        yield tree
    finally:
        _git("worktree", "remove", "--force", str(tree))


@contextmanager
def old_stack(tree: Path, probe: Path, import_log: Path, log: Path) -> Iterator[None]:
    """The old release's stack, started and stopped by its own launcher in its own tree."""
    env = {
        **os.environ,
        # The old tree before the shared environment's editable install of this tree.
        "PYTHONPATH": os.pathsep.join([str(tree), str(probe)]),
        "CME_TEST_IMPORT_LOG": str(import_log),
    }
    workers = os.environ.get("CME_TEST_WORKERS", "2")
    args = [sys.executable, "-c", OLD_STACK_CONTROLLER, runner_under_test(), workers]
    with log.open("ab") as output:
        controller = subprocess.Popen(
            [*args, ",".join(DEPLOYMENTS)],
            cwd=tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=output,
        )
        try:
            assert controller.stdout is not None
            _wait_until_ready(controller.stdout, log)
            yield
        finally:
            assert controller.stdin is not None
            controller.stdin.close()
            controller.wait(timeout=120)


def _wait_until_ready(stdout: IO[bytes], log: Path) -> None:
    line = stdout.readline()
    if line.strip() != b"ready":
        raise AssertionError(
            f"the old release's stack did not start; its launcher said:\n{log.read_text()[-3000:]}"
        )


def project_files(import_log: Path) -> set[Path]:
    """The project's source files a stack's processes imported, bytecode mapped to its source."""
    files: set[Path] = set()
    for line in import_log.read_text(encoding="utf-8").splitlines():
        path = Path(line)
        if path.parent.name == "__pycache__":
            path = path.parent.parent / f"{path.name.split('.')[0]}.py"
        files.add(path)
    return files


def _decision_keys(driver: Driver, run_id: UUID) -> list[str]:
    """Every decision row of the case, duplicates kept: each answer must be recorded once."""
    case = driver.case(run_id)
    with session_scope(driver.engine) as session:
        return sorted(d.key for d in decisions.list_decisions(session=session, case_id=case.id))


def _letters(driver: Driver, run_id: UUID) -> list[tuple[LetterKind, str]]:
    case = driver.case(run_id)
    with session_scope(driver.engine) as session:
        return [(x.kind, x.sha256) for x in letters.list_letters(session=session, case_id=case.id)]


def _chain(driver: Driver, run_id: UUID) -> list[tuple[int, str]]:
    """The case record as (sequence, hash): what was chained before must stay as it was."""
    case = driver.case(run_id)
    with session_scope(driver.engine) as session:
        return [
            (e.sequence, e.hash) for e in case_events.list_events(session=session, case_id=case.id)
        ]


def _not_cached(run_id: UUID, since: datetime, names: set[str]) -> list[str]:
    """Each of these tasks that did not come back Cached in the run's replays since ``since``."""
    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id]))
        )
    replayed = [t for t in task_runs if t.created is not None and t.created > since]
    states = {
        name: [t.state_name for t in replayed if t.name.rsplit("-", 1)[0] == name] for name in names
    }
    return sorted(
        f"{name}: {', '.join(map(str, found)) or 'not run'}"
        for name, found in states.items()
        if not found or any(state != "Cached" for state in found)
    )


def _kinds(driver: Driver, run_id: UUID) -> list[str]:
    return [str(getattr(kind, "value", kind)) for kind in driver.events(driver.case(run_id))]


@pytest.fixture
def own_inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A mail server of this test's own: its case database numbers references from
    CME-...-00001 like every other test's, so the session's inbox already holds mail under them."""
    controller, inbox = start_smtp(free_port())
    monkeypatch.setenv("CME_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CME_SMTP_PORT", str(controller.port))
    try:
        yield inbox
    finally:
        controller.stop()


def test_cases_waiting_on_the_old_release_resume_after_the_upgrade(
    tmp_path: Path, own_inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = own_inbox
    home = tmp_path / "cme-home"
    probe = tmp_path / "import-probe"
    probe.mkdir()
    (probe / "sitecustomize.py").write_text(IMPORT_PROBE, encoding="utf-8")
    old_imports, new_imports = tmp_path / "old-imports.txt", tmp_path / "new-imports.txt"
    for name, value in {
        "CME_HOME": str(home),
        "CME_PORT": str(free_port()),
        "CME_DOCUMENTS_PORT": str(free_port()),
        "CME_ENVIRONMENT": "test",
    }.items():
        monkeypatch.setenv(name, value)
    # A server and databases of this test's own, whatever a session stack left in the environment;
    # and each release's own shipped configuration (the session stack's sets keys the old release
    # does not know).
    for name in (
        "CME_PREFECT_DATABASE_URL",
        "CME_PREFECT_API_URL",
        "CME_PREFECT_UI_URL",
        "CME_CONFIG_PATH",
    ):
        monkeypatch.delenv(name, raising=False)
    # The old release's server asks for no credential; the new one's gateway for a person's or a
    # service account's, which its launcher creates.
    monkeypatch.delenv("CME_PREFECT_AUTH_STRING", raising=False)

    with (
        fresh_database(tmp_path) as database_url,
        prefect_database() as prefect_database_url,
        old_release_tree(tmp_path) as old_tree,
    ):
        monkeypatch.setenv("CME_DATABASE_URL", database_url)
        if prefect_database_url is not None:
            monkeypatch.setenv("CME_PREFECT_DATABASE_URL", prefect_database_url)
        settings = load_settings()
        engine = make_engine(database_url)
        new = Stack(
            settings=settings,
            log_dir=home / "logs" / "new-release",
            runner=runner_under_test(),
            workers=int(os.environ.get("CME_TEST_WORKERS", "2")),
        )
        driver = Driver(stack=new, inbox=inbox, case_database=engine)
        try:
            with temporary_settings(updates=client_settings(settings)):
                waiting = _suspend_on_the_old_release(driver, old_tree, probe, old_imports, home)

                migrate(database_url)  # this tree's migrations over the old release's schema
                before = {name: _chain(driver, run_id) for name, run_id in waiting.items()}
                monkeypatch.setenv("PYTHONPATH", str(probe))
                monkeypatch.setenv("CME_TEST_IMPORT_LOG", str(new_imports))
                upgraded_at = datetime.now(UTC)
                new.start_server()
                new.start_documents()
                new.start_runners()
                new.wait_for_deployments(DEPLOYMENTS)
                with temporary_settings(
                    updates={PREFECT_API_AUTH_STRING: new.credential("runner")}
                ):
                    _resume_on_the_new_release(driver, waiting, before, database_url, upgraded_at)
        finally:
            new.stop_all()
            engine.dispose()
            _keep_logs(home / "logs")

    # The old stack ran the old tree's code, the new stack this tree's: neither borrowed from the
    # other, nor from wherever the shared environment's editable install points.
    old_files, new_files = project_files(old_imports), project_files(new_imports)
    assert old_tree / "tasks" / "case_store.py" in old_files  # gone from the new layout
    assert old_tree / "flows" / "case.py" in old_files
    assert {f for f in old_files if not f.is_relative_to(old_tree)} <= {probe / "sitecustomize.py"}
    assert PROJECT_ROOT / "flows" / "case.py" in new_files
    assert {f for f in new_files if not f.is_relative_to(PROJECT_ROOT)} <= {
        probe / "sitecustomize.py"
    }


def _suspend_on_the_old_release(
    driver: Driver, old_tree: Path, probe: Path, import_log: Path, home: Path
) -> dict[str, UUID]:
    """Three cases, each left waiting on a different kind of form of the old release."""
    home.mkdir(parents=True, exist_ok=True)
    with old_stack(old_tree, probe, import_log, home / "old-release-launcher.log"):
        # Waiting on the first form of the referral check.
        enquiring = driver.open_case(make_referral())
        # A home visit found no one in: waiting on the second visit.
        revisiting = driver.open_case(make_referral())
        # The s437(1) notice produced, and a safeguarding escalation emailed at the visit:
        # waiting for the officer to confirm the letter went out.
        serving = driver.open_case(make_referral())

        for run_id in (revisiting, serving):
            driver.resume(run_id, "referral-check-reasonable-enquiries", enquiries())
        driver.resume(revisiting, "home-visit-visit-1", visit("no_contact"))
        driver.resume(
            serving,
            "home-visit-visit-1",
            located(safeguarding_indicators=["exploitation_or_trafficking"]),
        )
        driver.resume(serving, "education-enquiry-s437-notice", s437_notice())

        driver.wait_for_form(enquiring, "referral-check-reasonable-enquiries")
        driver.wait_for_form(revisiting, "home-visit-visit-2")
        driver.wait_for_form(serving, "education-enquiry-s437-notice-served-1")
        # Its runs have all suspended: stopping the stack waits for their processes to exit.
    return {"enquiring": enquiring, "revisiting": revisiting, "serving": serving}


def _resume_on_the_new_release(
    driver: Driver,
    waiting: dict[str, UUID],
    before: dict[str, list[tuple[int, str]]],
    database_url: str,
    upgraded_at: datetime,
) -> None:
    enquiring, revisiting, serving = (waiting[k] for k in ("enquiring", "revisiting", "serving"))
    serving_reference = driver.case(serving).reference
    (escalation,) = driver.inbox.wait_for(serving_reference)
    assert "Safeguarding" in str(escalation["Subject"])
    (s437_letter,) = _letters(driver, serving)
    assert s437_letter[0] is LetterKind.S437_NOTICE

    # The officer answers the form each case was waiting on before the upgrade, on the new UI.
    # The second visit is dated the day its stage began on the old release: the new release
    # refuses a visit dated before it (models/timeline_rules.py).
    home_visit = next(
        s for s in driver.stages(driver.case(revisiting)) if s.name is Stage.HOME_VISIT
    )
    visited_on = home_visit.started_at.astimezone(ZoneInfo("Europe/London")).date().isoformat()
    answers: dict[UUID, tuple[str, dict[str, Any]]] = {
        enquiring: ("referral-check-reasonable-enquiries", enquiries()),
        revisiting: ("home-visit-visit-2", located(visit_date=visited_on)),
        serving: ("education-enquiry-s437-notice-served-1", sent_as_stated()),
    }
    for run_id, (key, values) in answers.items():
        driver.wait_for_form(run_id, key, timeout=60)  # the same form, unchanged by the restart
        resume_flow_run(run_id, run_input=values)

    driver.wait_for_form(enquiring, "home-visit-visit-1")
    # Found on the new release: support to a school place comes before any s437(1) notice.
    driver.wait_for_form(revisiting, "school-place-support-place-request")
    driver.wait_for_form(serving, "education-enquiry-s437-response")

    assert _decision_keys(driver, enquiring) == ["referral-check-reasonable-enquiries"]
    assert _decision_keys(driver, revisiting) == [
        "home-visit-visit-1",
        "home-visit-visit-2",
        "referral-check-reasonable-enquiries",
    ]
    assert _decision_keys(driver, serving) == [
        "education-enquiry-s437-notice",
        "education-enquiry-s437-notice-served-1",
        "home-visit-visit-1",
        "referral-check-reasonable-enquiries",
    ]
    # Each recorded once in the case record too, whatever the replay re-ran.
    for run_id in waiting.values():
        assert _kinds(driver, run_id).count("decision_recorded") == len(
            _decision_keys(driver, run_id)
        )

    # The clock the old release set from the notice's deemed service still runs: served by
    # first-class post on Thursday 19 November, deemed served Monday 23, 15 days end 7 December.
    case = driver.case(serving)
    assert case.current_stage is Stage.EDUCATION_ENQUIRY
    enquiry = next(s for s in driver.stages(case) if s.name is Stage.EDUCATION_ENQUIRY)
    assert enquiry.due_on is not None and enquiry.due_on.isoformat() == "2026-12-07"
    assert "2026-12-07" in driver.form_description(serving, "education-enquiry-s437-response")
    assert [s.name for s in driver.stages(driver.case(revisiting))] == [
        Stage.REFERRAL_CHECK,
        Stage.HOME_VISIT,
        Stage.SCHOOL_PLACE_SUPPORT,  # begun, waiting on the family's application
    ]

    # No letter produced again and no email sent again by the new release's replay.
    assert _letters(driver, serving) == [s437_letter]
    assert len(driver.inbox.about(serving_reference)) == 1
    for name in ("enquiring", "revisiting"):
        assert driver.inbox.about(driver.case(waiting[name]).reference) == []

    # The replay read what the old release's tasks returned instead of running them again: their
    # cache keys hash the inputs with their classes' dotted names, and their persisted results
    # name the result classes (models.intake.ReceivedReferral, models.extracts.ExtractMatch,
    # models.letters.LetterLink), so moving or renaming one of those classes shows here.
    # (A stage the record holds as finished is not replayed task by task, so each case shows the
    # tasks of the stage it was waiting in.)
    assert _not_cached(enquiring, upgraded_at, {"receive-referral", "check-data-extracts"}) == []
    assert _not_cached(revisiting, upgraded_at, {"receive-referral"}) == []
    assert _not_cached(serving, upgraded_at, {"receive-referral", "produce-notice-letter"}) == []

    # The record goes on from where the old release left it, and the chain still holds.
    for name, run_id in waiting.items():
        after = _chain(driver, run_id)
        assert after[: len(before[name])] == before[name], f"{name}: old events changed"
        assert len(after) > len(before[name]), f"{name}: nothing recorded after the upgrade"
    check = subprocess.run(
        [sys.executable, "-m", "tasks.verify_case_record"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "CME_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, f"chain broken:\n{check.stdout}{check.stderr}"


def _keep_logs(log_dir: Path) -> None:
    target = PROJECT_ROOT / "test-artifacts" / "logs" / "upgrade"
    for log in log_dir.rglob("*.log"):
        destination = target / log.relative_to(log_dir)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(log.read_bytes())
    launcher_log = log_dir.parent / "old-release-launcher.log"
    if launcher_log.exists():
        target.mkdir(parents=True, exist_ok=True)
        (target / launcher_log.name).write_bytes(launcher_log.read_bytes())
