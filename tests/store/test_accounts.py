"""The accounts `make run` creates and the `make user` command that administers people."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from adapters.settings import Settings
from launcher import people as command
from launcher.accounts import (
    ADMIN_USERNAME,
    ensure_administrator,
    ensure_service_accounts,
    secrets_file,
)
from models.access import Role
from store import people
from store.database import session_scope

AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _verifies(engine: Engine, credential: str) -> bool:
    username, _, password = credential.partition(":")
    with session_scope(engine) as session:
        return (
            people.verify_credentials(session=session, username=username, password=password)
            is not None
        )


def test_the_first_start_creates_one_administrator_and_shows_its_password_once(
    engine: Engine,
) -> None:
    password = ensure_administrator(engine, AT)
    assert password is not None and len(password) >= 20
    assert _verifies(engine, f"{ADMIN_USERNAME}:{password}")
    assert ensure_administrator(engine, AT) is None  # never again, and never shown again
    with session_scope(engine) as session:
        admin = people.get_person(session=session, username=ADMIN_USERNAME)
    assert admin is not None and admin.roles == frozenset({Role.ADMIN})


def test_service_accounts_keep_their_passwords_in_a_private_file_and_reset_when_it_is_lost(
    engine: Engine, tmp_path: Path
) -> None:
    first = ensure_service_accounts(engine, tmp_path, AT)
    path = secrets_file(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert set(json.loads(path.read_text())) == {"svc-runner", "svc-drainer", "svc-launcher"}
    for credential in (first.runner, first.drainer, first.launcher):
        assert _verifies(engine, credential)
    assert first.runner.startswith("svc-runner:")
    assert len({first.runner, first.drainer, first.launcher}) == 3

    assert ensure_service_accounts(engine, tmp_path, AT) == first  # a restart reuses them

    path.unlink()
    renewed = ensure_service_accounts(engine, tmp_path, AT)
    assert renewed.runner != first.runner
    assert not _verifies(engine, first.runner)  # the lost password no longer signs in
    assert _verifies(engine, renewed.runner)
    with session_scope(engine) as session:
        runner = people.get_person(session=session, username="svc-runner")
    assert runner is not None and runner.roles == frozenset({Role.RUNNER})


def _run(settings: Settings, argv: list[str], typed: list[str] | None = None) -> list[str]:
    said: list[str] = []
    answers = iter(typed or [])
    command.run(
        command.parser().parse_args(argv),
        settings,
        prompt=lambda _: next(answers),
        out=lambda line: said.append(str(line)),
    )
    return said


def test_make_user_adds_lists_disables_resets_and_names_the_field_in_errors(
    engine: Engine, case_database_url: str
) -> None:
    settings = Settings(database_url=case_database_url)
    said = _run(
        settings,
        ["add", "alice", "--name", "Alice Smith", "--role", "officer",
         "--team-id", "cme-officer-dspl-1-5", "--email", "alice@example.gov.uk"],
        typed=["alice-long-password", "alice-long-password"],
    )  # fmt: skip
    assert said == ["added alice (officer)"]  # a typed password is never printed
    assert _verifies(engine, "alice:alice-long-password")

    said = _run(settings, ["add", "bob", "--name", "Bob Lead", "--role", "team_lead", "--generate"])
    generated = said[-1].split(": ", 1)[1].split()[0]
    assert _verifies(engine, f"bob:{generated}")

    listing = _run(settings, ["list"])
    assert listing[0].split() == ["username", "name", "roles", "team", "id", "disabled"]
    assert any(
        line.split()[:4] == ["alice", "Alice", "Smith", "officer"]
        and "cme-officer-dspl-1-5" in line
        and line.endswith("no")
        for line in listing
    )

    _run(settings, ["disable", "alice"])
    assert not _verifies(engine, "alice:alice-long-password")
    assert any(
        line.startswith("alice") and line.endswith("yes") for line in _run(settings, ["list"])
    )
    _run(settings, ["enable", "alice"])
    _run(settings, ["reset", "alice"], typed=["alice-newer-password"] * 2)
    assert not _verifies(engine, "alice:alice-long-password")
    assert _verifies(engine, "alice:alice-newer-password")
    _run(settings, ["roles", "alice", "--role", "officer", "--role", "team_lead"])
    with session_scope(engine) as session:
        alice = people.get_person(session=session, username="alice")
    assert alice is not None and alice.roles == frozenset({Role.OFFICER, Role.TEAM_LEAD})

    refusals = [
        (["add", "carol", "--name", "C", "--role", "officer", "--team-id", "nobody"],
         ["carol-long-password"] * 2, "team-id: 'nobody' is not a team member"),
        (["add", "carol", "--name", "C", "--role", "boss"], [], "role: 'boss' is not a role"),
        (["add", "carol", "--name", "C", "--role", "officer"], ["short", "short"],
         "password: at least 12 characters"),
        (["add", "carol", "--name", "C", "--role", "officer"],
         ["carol-long-password", "carol-other-password"], "password: the two passwords differ"),
        (["add", "alice", "--name", "A", "--role", "officer", "--generate"], [],
         "username: 'alice' already exists"),
        (["disable", "nobody"], [], "username: no person is called 'nobody'"),
    ]  # fmt: skip
    for argv, typed, message in refusals:
        with pytest.raises((command.CommandError, people.PersonError), match=message):
            _run(settings, argv, typed)


def test_a_password_is_never_a_command_line_argument() -> None:
    with pytest.raises(SystemExit):
        command.parser().parse_args(
            ["add", "x", "--name", "X", "--role", "officer", "--password", "p"]
        )
