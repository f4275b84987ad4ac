"""The officers' front door (FastAPI, server-rendered): `create_app()` builds it, uvicorn serves it.

    uvicorn --factory front_door.app:create_app --host 127.0.0.1 --port 4270

It signs people in with the same usernames and passwords as the Prefect UI (store/people.py),
reads the case database at every page load and never talks to Prefect: the case page links to
the waiting form in the Prefect UI, where decisions are made and recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.staticfiles import StaticFiles

from adapters.settings import PROJECT_ROOT, Settings, load_settings
from front_door import pages
from front_door.routes import FrontDoor, router
from front_door.security import SecurityHeaders
from front_door.throttle import SignInThrottle
from models.config import load_config
from store.database import make_engine
from store.unit_of_work import utc_now

log = logging.getLogger("cme.front_door")

GOVUK_FRONTEND = PROJECT_ROOT / "public_form" / "node_modules" / "govuk-frontend" / "dist" / "govuk"
OWN_STATIC = PROJECT_ROOT / "front_door" / "static"
TEMPLATES = PROJECT_ROOT / "templates"


def template_environment() -> Environment:
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
    )
    environment.filters.update(when=pages.when, day=pages.day)
    return environment


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = utc_now,
    throttle: SignInThrottle | None = None,
) -> FastAPI:
    settings = settings or load_settings()
    if not (GOVUK_FRONTEND / "govuk-frontend.min.css").exists():
        raise RuntimeError(
            f"{GOVUK_FRONTEND} is missing: run `make public-form-assets` (npm ci in public_form/)"
        )
    app = FastAPI(title="CME casework", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.front_door = FrontDoor(
        settings=settings,
        config=load_config(settings.config_path),
        templates=template_environment(),
        engine=engine or make_engine(settings.case_database_url),
        clock=clock,
        throttle=throttle or SignInThrottle(),
    )
    app.include_router(router)
    app.add_exception_handler(SQLAlchemyError, _case_database_away)
    _mount(app, "/assets/govuk", GOVUK_FRONTEND)
    _mount(app, "/assets/app", OWN_STATIC)
    _mount(app, "/assets", GOVUK_FRONTEND / "assets")
    app.add_middleware(SecurityHeaders, https=settings.front_door_https)
    return app


def _mount(app: FastAPI, path: str, directory: Path) -> None:
    app.mount(path, StaticFiles(directory=directory), name=path.strip("/").replace("/", "-"))


async def _case_database_away(request: Request, _error: Exception) -> Response:
    """Every page reads the case database: while it is away (restarting, upgrading) a plain page
    says so, instead of a bare 500."""
    log.exception("the case database could not be read")
    service: FrontDoor = request.app.state.front_door
    response = service.problem(
        request,
        503,
        "Sorry, the case system is restarting",
        "The case system is restarting; try again in a minute.",
    )
    response.headers["Retry-After"] = "60"
    return response
