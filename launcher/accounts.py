"""The accounts `make run` needs: one administrator on first start, and a service account per
process, each with its own credential.

The administrator's password is random and returned once for the launcher to print; it is stored
only as its argon2 hash. Service accounts' passwords are random too, kept in the state folder
(`secrets/services.json`, mode 0600, never printed) so a restart reuses them; a lost or stale file
resets them.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from models.access import Role
from store import people
from store.database import session_scope

ADMIN_USERNAME = "admin"


@dataclass(frozen=True)
class ServiceAccount:
    username: str
    role: Role
    display_name: str


# Which account each kind of process signs in as.
SERVICE_ACCOUNTS: dict[str, ServiceAccount] = {
    "runner": ServiceAccount("svc-runner", Role.RUNNER, "Service: runner"),
    "drainer": ServiceAccount("svc-drainer", Role.DRAINER, "Service: drainer"),
    "launcher": ServiceAccount("svc-launcher", Role.LAUNCHER, "Service: launcher"),
}


@dataclass(frozen=True)
class ServiceCredentials:
    """`username:password` of each service account, for PREFECT_API_AUTH_STRING."""

    runner: str
    drainer: str
    launcher: str

    def of(self, kind: str) -> str:
        return str(getattr(self, kind))


def secrets_file(state_dir: Path) -> Path:
    return state_dir / "secrets" / "services.json"


def ensure_administrator(engine: Engine, now: datetime) -> str | None:
    """Create the administrator `admin` if nobody at all can sign in yet.

    Returns its random password (to be shown once), or None if the person table was not empty.
    """
    with session_scope(engine) as session:
        if any(not p.is_service for p in people.list_people(session=session)):
            return None
        password = secrets.token_urlsafe(18)
        people.add_person(
            session=session,
            username=ADMIN_USERNAME,
            display_name="Administrator",
            roles=[Role.ADMIN],
            password=password,
            now=now,
        )
        return password


def _read_saved(path: Path) -> dict[str, str]:
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in saved.items()} if isinstance(saved, dict) else {}


def _write_private(path: Path, content: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    partial = path.with_suffix(".tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(content, handle)
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def ensure_service_accounts(engine: Engine, state_dir: Path, now: datetime) -> ServiceCredentials:
    """Each service account exists, enabled, with the password saved in the state folder.

    A password missing from the file, or one the store no longer accepts (the file was lost or
    replaced), is reset to a new random one and saved.
    """
    path = secrets_file(state_dir)
    saved = _read_saved(path)
    changed = False
    with session_scope(engine) as session:
        for account in SERVICE_ACCOUNTS.values():
            password = saved.get(account.username)
            person = people.get_person(session=session, username=account.username)
            if person is None:
                password = secrets.token_urlsafe(24)
                people.add_person(
                    session=session,
                    username=account.username,
                    display_name=account.display_name,
                    roles=[account.role],
                    password=password,
                    now=now,
                )
            else:
                if person.disabled:
                    people.set_disabled(
                        session=session, username=account.username, disabled=False, now=now
                    )
                if person.roles != frozenset({account.role}):
                    people.set_roles(
                        session=session, username=account.username, roles=[account.role], now=now
                    )
                valid = password is not None and (
                    people.verify_credentials(
                        session=session, username=account.username, password=password
                    )
                    is not None
                )
                if not valid:
                    password = secrets.token_urlsafe(24)
                    people.set_password(
                        session=session, username=account.username, password=password, now=now
                    )
            if saved.get(account.username) != password:
                assert password is not None
                saved[account.username] = password
                changed = True
    if changed or not path.exists():
        _write_private(path, saved)
    return ServiceCredentials(
        **{
            kind: f"{account.username}:{saved[account.username]}"
            for kind, account in SERVICE_ACCOUNTS.items()
        }
    )
