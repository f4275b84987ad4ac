"""`make user ARGS="..."`: the council adds, disables and lists the people who may sign in.

    python -m launcher.people add alice --name "Alice Smith" --role officer \\
        --team-id cme-officer-dspl-1-5 --email alice@example.gov.uk
    python -m launcher.people disable alice      # refused at her next call; kept in the record
    python -m launcher.people enable alice
    python -m launcher.people reset alice        # a new password (asked, or --generate)
    python -m launcher.people roles alice --role officer --role team_lead
    python -m launcher.people list

A password is typed at a prompt (not shown), or generated with --generate and printed once; it is
never a command-line argument, which other users of the machine could read. Only its argon2 hash
is stored, in the case database (CME_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from collections.abc import Callable, Sequence

from sqlalchemy import Engine

from adapters.settings import Settings, settings_or_exit
from models.access import Role
from models.config import ConfigError, load_config
from store import people
from store.database import make_engine, session_scope
from store.migrations import migrate
from store.unit_of_work import utc_now

PasswordSource = Callable[[str], str]


class CommandError(Exception):
    """The command cannot be carried out; the message names the field and the problem."""


def _team_ids(settings: Settings) -> set[str]:
    try:
        config = load_config(settings.config_path)
    except ConfigError as error:
        raise CommandError(f"team-id: the configuration cannot be read: {error}") from error
    ids = {person.id for person in config.people}
    if config.head_of_service is not None:
        ids.add(config.head_of_service.id)
    return ids


def _roles(names: Sequence[str]) -> list[Role]:
    roles: list[Role] = []
    for name in names:
        try:
            roles.append(Role(name))
        except ValueError:
            known = ", ".join(role.value for role in Role)
            raise CommandError(f"role: {name!r} is not a role (one of {known})") from None
    return roles


def _password(generate: bool, prompt: PasswordSource) -> tuple[str, bool]:
    """The new password and whether it was generated (and so must be shown once)."""
    if generate:
        return secrets.token_urlsafe(18), True
    first = prompt("Password (at least 12 characters): ")
    if first != prompt("Same password again: "):
        raise CommandError("password: the two passwords differ")
    return first, False


def run(
    args: argparse.Namespace,
    settings: Settings,
    *,
    prompt: PasswordSource = getpass.getpass,
    out: Callable[[str], object] = print,
) -> None:
    engine = make_engine(settings.case_database_url)
    try:
        _run(args, settings, engine=engine, prompt=prompt, out=out)
    finally:
        engine.dispose()


def _run(
    args: argparse.Namespace,
    settings: Settings,
    *,
    engine: Engine,
    prompt: PasswordSource,
    out: Callable[[str], object],
) -> None:
    now = utc_now()
    command: str = args.command
    if command == "list":
        with session_scope(engine) as session:
            everyone = people.list_people(session=session)
        out(f"{'username':<20} {'name':<28} {'roles':<24} {'team id':<24} disabled")
        for person in everyone:
            held = ",".join(sorted(role.value for role in person.roles))
            out(
                f"{person.username:<20} {person.display_name:<28} {held:<24} "
                f"{person.team_id or '-':<24} {'yes' if person.disabled else 'no'}"
            )
        return
    username = args.username.strip().lower()
    if command == "add":
        roles = _roles(args.role)
        if args.team_id is not None and args.team_id not in _team_ids(settings):
            raise CommandError(
                f"team-id: {args.team_id!r} is not a team member in {settings.config_path}"
            )
        password, generated = _password(args.generate, prompt)
        with session_scope(engine) as session:
            people.add_person(
                session=session,
                username=username,
                display_name=args.name,
                roles=roles,
                password=password,
                now=now,
                email=args.email,
                team_id=args.team_id,
            )
        out(f"added {username} ({', '.join(role.value for role in roles)})")
        if generated:
            out(f"password for {username}: {password}  (shown once; give it to them privately)")
        return
    with session_scope(engine) as session:
        if command in ("disable", "enable"):
            people.set_disabled(
                session=session, username=username, disabled=command == "disable", now=now
            )
            out(f"{username} {command}d")
        elif command == "reset":
            if people.get_person(session=session, username=username) is None:
                raise people.PersonError(f"username: no person is called {username!r}")
            password, generated = _password(args.generate, prompt)
            people.set_password(session=session, username=username, password=password, now=now)
            out(f"password of {username} reset; the old one is refused from now on")
            if generated:
                out(f"password for {username}: {password}  (shown once)")
        elif command == "roles":
            new_roles = _roles(args.role)
            people.set_roles(session=session, username=username, roles=new_roles, now=now)
            out(f"{username}: {', '.join(role.value for role in new_roles)}")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="make user ARGS=",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = top.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a person or service account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="full name, as shown in the record")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        help="officer, team_lead, head_of_service, admin (repeat for several)",
    )
    add.add_argument("--team-id", help="their id in config/cme.toml, if they decide cases")
    add.add_argument("--email")
    add.add_argument("--generate", action="store_true", help="generate and print a password")
    for name, text in (("disable", "refuse their sign-in at once"), ("enable", "allow it again")):
        commands.add_parser(name, help=text).add_argument("username")
    reset = commands.add_parser("reset", help="set a new password")
    reset.add_argument("username")
    reset.add_argument("--generate", action="store_true", help="generate and print a password")
    roles = commands.add_parser("roles", help="replace a person's roles")
    roles.add_argument("username")
    roles.add_argument("--role", action="append", required=True)
    commands.add_parser("list", help="everyone who may sign in")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = settings_or_exit()
    migrate(settings.case_database_url)
    try:
        run(args, settings)
    except (CommandError, people.PersonError) as error:
        sys.stderr.write(f"{error}\n")
        return 2
    except (KeyboardInterrupt, EOFError):
        sys.stderr.write("cancelled; nothing changed\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
