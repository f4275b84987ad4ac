"""The people the tests sign in as: an officer per configured officer, the team lead, a head of
service and an administrator, each with a known test password (never used outside tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from models.access import Role
from models.config import load_config
from store import people
from store.database import session_scope
from store.unit_of_work import utc_now

HEAD_OF_SERVICE = "head-of-service"
ADMIN = "test-admin"


@dataclass(frozen=True)
class SignInPerson:
    username: str
    display_name: str
    roles: tuple[Role, ...]
    team_id: str | None

    @property
    def password(self) -> str:
        return f"{self.username}-test-password"

    @property
    def credential(self) -> str:
        """`username:password`, as PREFECT_API_AUTH_STRING and the UI's Login page take it."""
        return f"{self.username}:{self.password}"


@dataclass(frozen=True)
class Cast:
    everyone: dict[str, SignInPerson]

    def by_team_id(self, team_id: str) -> SignInPerson | None:
        return next((p for p in self.everyone.values() if p.team_id == team_id), None)

    def __getitem__(self, username: str) -> SignInPerson:
        return self.everyone[username]

    @property
    def admin(self) -> SignInPerson:
        return self.everyone[ADMIN]


def cast_of(config_path: Path) -> Cast:
    config = load_config(config_path)
    everyone = [
        SignInPerson(officer.id, officer.display_name, (Role.OFFICER,), officer.id)
        for officer in config.officers
    ]
    lead = config.team_lead
    everyone.append(SignInPerson(lead.id, lead.display_name, (Role.TEAM_LEAD,), lead.id))
    everyone.append(SignInPerson(HEAD_OF_SERVICE, "Head of Service", (Role.HEAD_OF_SERVICE,), None))
    everyone.append(SignInPerson(ADMIN, "Test Administrator", (Role.ADMIN,), None))
    return Cast({person.username: person for person in everyone})


def add_test_people(engine: Engine, config_path: Path) -> Cast:
    """Add the test people to this case database (those already there are kept)."""
    cast = cast_of(config_path)
    with session_scope(engine) as session:
        for person in cast.everyone.values():
            if people.get_person(session=session, username=person.username) is None:
                people.add_person(
                    session=session,
                    username=person.username,
                    display_name=person.display_name,
                    roles=person.roles,
                    password=person.password,
                    now=utc_now(),
                    team_id=person.team_id,
                )
    return cast
