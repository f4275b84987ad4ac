"""`python -m gateway`: the Prefect server (API and UI) behind per-person sign-in.

Started by `make run` and `make server` with the product's Prefect environment
(launcher/stack.py `prefect_environment`). Refuses to start without a user store: the person
table must hold an administrator who can sign in.
"""

from __future__ import annotations

import sys

import uvicorn
from sqlalchemy.exc import SQLAlchemyError

from adapters.settings import settings_or_exit
from gateway.app import Gateway
from gateway.record import Recorder
from gateway.sign_in import SignIn
from gateway.ui_overrides import with_ui_overrides
from models.access import Role
from store import people
from store.database import make_engine, session_scope
from store.unit_of_work import utc_now


def _has_administrator(url: str) -> bool:
    engine = make_engine(url, read_only=True)
    try:
        with session_scope(engine) as session:
            return any(person.has(Role.ADMIN) for person in people.list_people(session=session))
    except SQLAlchemyError:  # no table yet is the same answer: no user store
        return False
    finally:
        engine.dispose()


def main() -> int:
    settings = settings_or_exit()
    if not _has_administrator(settings.case_database_url):
        sys.stderr.write(
            "No user store: the case database has no administrator who can sign in.\n"
            "Add one with `make user ARGS='add NAME --role admin --name \"Full Name\"'` "
            "(or start `make run` once, which creates one), then start again.\n"
        )
        return 2
    from prefect.server.api.server import create_app

    reader = make_engine(settings.case_database_url, read_only=True)
    writer = make_engine(settings.case_database_url)
    gateway = Gateway(
        app=create_app(final=True),
        sign_in=SignIn(
            engine=reader,
            trusted_proxies=settings.sign_in_trusted_proxies,
            identity_header=settings.sign_in_identity_header,
        ),
        recorder=Recorder(engine=writer, clock=utc_now),
    )
    uvicorn.run(
        with_ui_overrides(gateway),
        host="127.0.0.1",
        port=settings.port,
        log_level="warning",
        server_header=False,
        proxy_headers=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
