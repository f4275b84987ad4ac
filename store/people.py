"""The people and service accounts who may sign in: the council administers them here.

Passwords are kept only as argon2id hashes (argon2-cffi's defaults, RFC 9106's second
recommended set); a plaintext password never reaches the database or a log. Every function takes
the caller's session and never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from models.access import USERNAME_PATTERN, Person, Role
from store.guards import require_aware
from store.orm import PersonRecord

_HASHER = PasswordHasher()
# Verified against when a username is unknown, so a wrong username costs as long as a wrong
# password and timing does not tell which usernames exist.
_DUMMY_HASH = _HASHER.hash("no such person")

MINIMUM_PASSWORD_LENGTH = 12


class PersonError(ValueError):
    """A person cannot be added or changed as asked (the message says why)."""


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``; refuses one shorter than 12 characters."""
    if len(password) < MINIMUM_PASSWORD_LENGTH:
        raise PersonError(f"password: at least {MINIMUM_PASSWORD_LENGTH} characters are needed")
    return _HASHER.hash(password)


def to_person(record: PersonRecord) -> Person:
    return Person(
        username=record.username,
        display_name=record.display_name,
        email=record.email,
        team_id=record.team_id,
        roles=frozenset(Role(role) for role in record.roles),
        disabled=record.disabled_at is not None,
    )


def _record(*, session: Session, username: str) -> PersonRecord | None:
    return session.scalars(select(PersonRecord).where(PersonRecord.username == username)).first()


def _require(*, session: Session, username: str) -> PersonRecord:
    record = _record(session=session, username=username)
    if record is None:
        raise PersonError(f"username: no person is called {username!r}")
    return record


def add_person(
    *,
    session: Session,
    username: str,
    display_name: str,
    roles: Iterable[Role],
    password: str | None,
    now: datetime,
    email: str | None = None,
    team_id: str | None = None,
) -> Person:
    """Add a person or service account. ``password`` None: single sign-on only."""
    require_aware(now=now)
    if not USERNAME_PATTERN.match(username):
        raise PersonError(
            f"username: {username!r} must be 2-63 characters: lower-case letters, digits, "
            "'.', '_' or '-', starting with a letter"
        )
    role_set = sorted({Role(role) for role in roles})
    if not role_set:
        raise PersonError("roles: give at least one role")
    if _record(session=session, username=username) is not None:
        raise PersonError(f"username: {username!r} already exists")
    record = PersonRecord(
        username=username,
        display_name=display_name,
        email=email,
        team_id=team_id,
        roles=[str(role) for role in role_set],
        password_hash=hash_password(password) if password is not None else None,
        password_changed_at=now if password is not None else None,
        disabled_at=None,
        created_at=now,
        updated_at=now,
    )
    session.add(record)
    session.flush()
    return to_person(record)


def get_person(*, session: Session, username: str) -> Person | None:
    record = _record(session=session, username=username)
    return to_person(record) if record is not None else None


def list_people(*, session: Session) -> list[Person]:
    records = session.scalars(select(PersonRecord).order_by(PersonRecord.username))
    return [to_person(record) for record in records]


def display_names(*, session: Session) -> dict[str, str]:
    """Every person's display name by username (disabled people too: the record names them)."""
    rows = session.execute(select(PersonRecord.username, PersonRecord.display_name))
    return {username: name for username, name in rows}


def service_usernames(*, session: Session) -> frozenset[str]:
    """The usernames of service accounts (runner, drainer, launcher): programs, not people."""
    everyone = list_people(session=session)
    return frozenset(person.username for person in everyone if person.is_service)


def count_people(*, session: Session) -> int:
    return len(list(session.scalars(select(PersonRecord.id))))


def set_password(*, session: Session, username: str, password: str, now: datetime) -> None:
    """Reset a password; credentials signed in with the old one stop working at once."""
    require_aware(now=now)
    record = _require(session=session, username=username)
    record.password_hash = hash_password(password)
    record.password_changed_at = now
    record.updated_at = now
    session.flush()


def set_disabled(*, session: Session, username: str, disabled: bool, now: datetime) -> None:
    """Disable (refused at once, kept in the record) or enable a person."""
    require_aware(now=now)
    record = _require(session=session, username=username)
    record.disabled_at = now if disabled else None
    record.updated_at = now
    session.flush()


def set_roles(*, session: Session, username: str, roles: Iterable[Role], now: datetime) -> None:
    require_aware(now=now)
    role_set = sorted({Role(role) for role in roles})
    if not role_set:
        raise PersonError("roles: give at least one role")
    record = _require(session=session, username=username)
    record.roles = [str(role) for role in role_set]
    record.updated_at = now
    session.flush()


def password_fingerprint(*, session: Session, username: str) -> str | None:
    """The stored hash (changes on every reset): lets a cache of verified sign-ins notice a reset
    or a disabling without verifying the password again. None if unknown or disabled."""
    record = _record(session=session, username=username)
    if record is None or record.disabled_at is not None:
        return None
    return record.password_hash


_SIGN_IN_COLUMNS = (
    PersonRecord.username,
    PersonRecord.display_name,
    PersonRecord.email,
    PersonRecord.team_id,
    PersonRecord.roles,
    PersonRecord.disabled_at,
    PersonRecord.password_hash,
)
_PEOPLE_SEEN: dict[tuple[object, ...], Person] = {}


def sign_in_state(
    *, session: Session | Connection, username: str
) -> tuple[Person, str | None] | None:
    """The person as stored now and their password hash (None: single sign-on only); None if
    unknown. One query of columns, no ORM objects, and a plain connection will do: the sign-in
    gateway asks on every API call, so that a reset or a disabling counts from the next call."""
    row = session.execute(
        select(*_SIGN_IN_COLUMNS).where(PersonRecord.username == username)
    ).first()
    if row is None:
        return None
    username_, display_name, email, team_id, roles, disabled_at, password_hash = row
    key = (username_, display_name, email, team_id, tuple(roles), disabled_at is not None)
    person = _PEOPLE_SEEN.get(key)
    if person is None:
        person = Person(
            username=username_,
            display_name=display_name,
            email=email,
            team_id=team_id,
            roles=frozenset(Role(role) for role in roles),
            disabled=disabled_at is not None,
        )
        if len(_PEOPLE_SEEN) > 10_000:
            _PEOPLE_SEEN.clear()
        _PEOPLE_SEEN[key] = person
    return person, password_hash


def verify_credentials(*, session: Session, username: str, password: str) -> Person | None:
    """The person if ``password`` is theirs and they are not disabled; otherwise None.

    Costs one argon2 verification (tens of milliseconds) whether or not the username exists.
    """
    record = _record(session=session, username=username)
    stored = record.password_hash if record is not None else None
    try:
        _HASHER.verify(stored or _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if record is None or stored is None or record.disabled_at is not None:
        return None
    return to_person(record)
