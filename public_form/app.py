"""The public referral form's web app (FastAPI): `create_app()` builds it, uvicorn serves it.

    uvicorn --factory public_form.app:create_app --host 127.0.0.1 --port 4280

It reads its settings from CME_* variables, writes submissions to the case database (INSERT only)
and never talks to Prefect: the drainer (public_form.drainer) delivers what it stores.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)
from sqlalchemy import Engine
from starlette.staticfiles import StaticFiles

from adapters.settings import PROJECT_ROOT, Settings, settings_or_exit
from public_form import template_helpers
from public_form.drafts import DraftStore
from public_form.outbox import DatabaseOutbox, Outbox
from public_form.ratelimit import RateLimiter
from public_form.routes import FormService, router
from public_form.security import SecurityHeaders
from store.database import make_engine

GOVUK_FRONTEND = PROJECT_ROOT / "public_form" / "node_modules" / "govuk-frontend" / "dist" / "govuk"
OWN_STATIC = PROJECT_ROOT / "public_form" / "static"
TEMPLATES = PROJECT_ROOT / "templates"


def template_environment() -> Environment:
    """Our templates beside the govuk-frontend-jinja macros, autoescaped.

    Not StrictUndefined: the GOV.UK macros test optional parameters by reading them undefined.
    """
    environment = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(TEMPLATES),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
    )
    environment.globals.update(
        choice_items=template_helpers.choice_items,
        safeguarding_items=template_helpers.safeguarding_items,
        error_list=template_helpers.error_list,
        summary_list_rows=template_helpers.summary_list_rows,
    )
    return environment


def create_app(
    settings: Settings | None = None,
    *,
    outbox: Outbox | None = None,
    engine: Engine | None = None,
    limiter: RateLimiter | None = None,
    referral_limiter: RateLimiter | None = None,
) -> FastAPI:
    settings = settings or settings_or_exit()
    if not (GOVUK_FRONTEND / "govuk-frontend.min.css").exists():
        raise RuntimeError(
            f"{GOVUK_FRONTEND} is missing: run `make public-form-assets` (npm ci in public_form/)"
        )
    if outbox is None:
        outbox = DatabaseOutbox(engine or make_engine(settings.public_form_case_database_url))
    app = FastAPI(
        title="Report a child missing education",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.forms = FormService(
        settings=settings,
        templates=template_environment(),
        drafts=DraftStore(),
        outbox=outbox,
        limiter=limiter
        or RateLimiter(
            per_minute=settings.public_form_rate_per_minute, burst=settings.public_form_rate_burst
        ),
        referrals=referral_limiter
        or RateLimiter(
            per_minute=settings.public_form_referrals_per_hour / 60,
            burst=settings.public_form_referral_burst,
        ),
        trusted_proxies=frozenset(
            p.strip() for p in settings.public_form_trusted_proxies.split(",") if p.strip()
        ),
    )
    app.include_router(router)
    _mount(app, "/assets/govuk", GOVUK_FRONTEND)
    _mount(app, "/assets/app", OWN_STATIC)
    _mount(app, "/assets", GOVUK_FRONTEND / "assets")
    app.add_middleware(SecurityHeaders, https=settings.public_form_https)
    return app


def _mount(app: FastAPI, path: str, directory: Path) -> None:
    app.mount(path, StaticFiles(directory=directory), name=path.strip("/").replace("/", "-"))
