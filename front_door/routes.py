"""The front door's pages: sign in and out, the caseload, the search and the case page."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter
from jinja2 import Environment
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from adapters.settings import Settings
from front_door import pages, session
from front_door.security import BadForm, client_address, read_form
from front_door.throttle import SignInThrottle
from models.access import AccessRecord, Person
from models.casework import AWAITED, SearchQuery, by_urgency, search
from models.config import CmeConfig
from store import access_log, casework, people
from store.database import session_scope

SERVICE_NAME = "CME casework"
log = logging.getLogger("front_door")
router = APIRouter()


@dataclass
class FrontDoor:
    settings: Settings
    config: CmeConfig
    templates: Environment
    engine: Engine
    clock: Callable[[], datetime]
    throttle: SignInThrottle

    @property
    def secret(self) -> str:
        return self.settings.front_door_secret.get_secret_value()

    def who(self, person_id: str) -> str:
        """A team member's name for a configured id; anything else as recorded."""
        for person in self.config.people:
            if person.id == person_id:
                return person.display_name
        return person_id

    def today(self) -> date:
        return pages.local(self.clock()).date()

    def render(
        self,
        request: Request,
        template: str,
        *,
        status_code: int = 200,
        person: Person | None = None,
        csrf: str = "",
        **context: Any,
    ) -> HTMLResponse:
        html = self.templates.get_template(f"front_door/{template}").render(
            serviceName=SERVICE_NAME,
            council=self.settings.public_form_council,
            cspNonce=getattr(request.state, "csp_nonce", None),
            person=person,
            csrf_token=csrf,
            path=request.url.path,
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def problem(
        self, request: Request, status_code: int, title: str, body: str, **context: Any
    ) -> HTMLResponse:
        return self.render(
            request, "problem.html", status_code=status_code, title=title, body=body, **context
        )

    def set_cookie(self, response: Response, name: str, value: str) -> None:
        response.set_cookie(
            name,
            value,
            httponly=True,
            secure=self.settings.front_door_https,
            samesite="lax",
            path="/",
        )


def door(request: Request) -> FrontDoor:
    service: FrontDoor = request.app.state.front_door
    return service


@dataclass(frozen=True)
class SignedIn:
    person: Person
    csrf: str


def _signed_in(request: Request) -> SignedIn | Response:
    """The person signed in, re-checked against the store; else a redirect or a refusal page."""
    service = door(request)
    data = session.decode(service.secret, request.cookies.get(session.COOKIE), service.clock())
    person = None
    if data is not None:
        with session_scope(service.engine) as s:
            stored = people.password_fingerprint(session=s, username=data.username)
            if stored is not None and session.fingerprint_digest(stored) == data.fingerprint:
                person = people.get_person(session=s, username=data.username)
    if person is None or data is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
        response.delete_cookie(session.COOKIE, path="/")
        return response
    csrf = session.csrf_token(service.secret, data.session_id)
    if not pages.may_see_personal_data(person):
        return service.problem(
            request,
            403,
            "You cannot see casework here",
            "The front door shows children's details, so it is open only to CME officers, the "
            "team lead and the head of service. Ask the team lead if you need access.",
            person=person,
            csrf=csrf,
        )
    return SignedIn(person=person, csrf=csrf)


def _safe_next(target: str) -> str:
    """Only a path on this site: never //host or /\\host, which browsers read as another site."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, next: str = "/") -> Response:
    return _sign_in_form(request, _safe_next(next))


def _sign_in_form(
    request: Request, target: str, *, error: str = "", username: str = "", status_code: int = 200
) -> Response:
    service = door(request)
    nonce = secrets.token_urlsafe(24)
    response = service.render(
        request,
        "sign_in.html",
        status_code=status_code,
        title="Sign in",
        csrf=session.csrf_token(service.secret, f"sign-in:{nonce}"),
        next=target,
        error=error,
        username=username,
    )
    service.set_cookie(response, session.SIGN_IN_COOKIE, nonce)
    return response


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request) -> Response:
    service = door(request)
    try:
        form = await read_form(request)
    except BadForm:
        return service.problem(request, 400, "The form could not be read", "Please try again.")
    target = _safe_next(form.get("next", "/"))
    nonce = request.cookies.get(session.SIGN_IN_COOKIE)
    if not nonce or not session.csrf_valid(
        service.secret, f"sign-in:{nonce}", form.get("csrf_token", "")
    ):
        return _sign_in_form(
            request,
            target,
            error="Your sign-in page had expired. Please sign in again.",
            status_code=400,
        )
    username = form.get("username", "").strip().lower()
    password = form.get("password", "")
    client = client_address(request)
    wait = service.throttle.wait(username, client)
    if wait > 0:
        log.warning("sign-in refused (too many failures) for %r from %s", username, client)
        minutes = max(1, round(wait / 60))
        return _sign_in_form(
            request,
            target,
            error=f"Too many failed sign-ins. Try again in {minutes} minutes.",
            username=username,
            status_code=429,
        )
    with session_scope(service.engine) as s:
        person = people.verify_credentials(session=s, username=username, password=password)
        stored = people.password_fingerprint(session=s, username=username) if person else None
    if person is None or stored is None:
        service.throttle.failed(username, client)
        log.warning("sign-in failed for %r from %s", username, client)
        return _sign_in_form(
            request,
            target,
            error="The username or password is not right.",
            username=username,
            status_code=401,
        )
    service.throttle.succeeded(username)
    log.info("signed in: %r from %s", username, client)
    data = session.new_session(username, stored, service.clock())
    response = RedirectResponse(target, status_code=303)
    service.set_cookie(response, session.COOKIE, session.encode(service.secret, data))
    response.delete_cookie(session.SIGN_IN_COOKIE, path="/")
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    service = door(request)
    data = session.decode(service.secret, request.cookies.get(session.COOKIE), service.clock())
    try:
        form = await read_form(request)
    except BadForm:
        form = {}
    if data is None or not session.csrf_valid(
        service.secret, data.session_id, form.get("csrf_token", "")
    ):
        return service.problem(request, 400, "You could not be signed out", "Please try again.")
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(session.COOKIE, path="/")
    return response


def _flag(value: str) -> bool:
    return value.lower() in {"1", "yes", "true", "on"}


@router.get("/", response_class=HTMLResponse)
async def caseload(
    request: Request, officer: str = "", area: str = "", overdue: str = ""
) -> Response:
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    service, person = door(request), signed.person
    now = service.clock()
    everyone = pages.sees_every_case(person)
    own = None if everyone else (person.team_id or "")
    with session_scope(service.engine) as s:
        entries = casework.open_caseload(session=s, officer_id=own)
    if everyone and officer:
        entries = [e for e in entries if e.officer_id == officer]
    if everyone and area.isdigit():
        entries = [e for e in entries if e.dspl_area == int(area)]
    lines = by_urgency(entries, service.today())
    if _flag(overdue):
        lines = [line for line in lines if line.days_overdue > 0]
    return service.render(
        request,
        "caseload.html",
        person=person,
        csrf=signed.csrf,
        title="All open cases" if everyone else "My caseload",
        everyone=everyone,
        lines=lines,
        as_at=pages.when(now),
        who=service.who,
        officers=[(o.id, o.display_name) for o in service.config.officers],
        areas=list(range(1, 10)),
        chosen={"officer": officer, "area": area, "overdue": _flag(overdue)},
        no_team_id=not everyone and not person.team_id,
    )


@router.get("/search", response_class=HTMLResponse)
async def find_a_child(
    request: Request,
    name: str = "",
    dob: str = "",
    address: str = "",
    school: str = "",
    upn: str = "",
    reference: str = "",
) -> Response:
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    service = door(request)
    error = ""
    born = None
    try:
        born = pages.parse_day(dob)
    except ValueError as problem:
        error = f"Date of birth: {problem}"
    query = SearchQuery(
        name=name[:200],
        date_of_birth=born,
        address=address[:200],
        school=school[:200],
        upn=upn[:20],
        reference=reference[:40],
    )
    asked = not query.is_empty
    hits = []
    if asked and not error:
        with session_scope(service.engine) as s:
            candidates = casework.search_candidates(session=s)
        hits = search(candidates, query)
    return service.render(
        request,
        "search.html",
        person=signed.person,
        csrf=signed.csrf,
        title="Find a child",
        asked=asked,
        error=error,
        hits=hits,
        who=service.who,
        values={
            "name": name,
            "dob": dob,
            "address": address,
            "school": school,
            "upn": upn,
            "reference": reference,
        },
    )


@router.get("/cases/{reference}", response_class=HTMLResponse)
async def case_page(request: Request, reference: str) -> Response:
    signed = _signed_in(request)
    if isinstance(signed, Response):
        return signed
    service, person = door(request), signed.person
    with session_scope(service.engine) as s:
        case = casework.read_case_page(session=s, reference=reference)
        if case is None:
            return service.problem(
                request,
                404,
                "No such case",
                f"There is no case {reference}. Check the reference, or find the child by name.",
                person=person,
                csrf=signed.csrf,
            )
        access_log.record_access(
            session=s,
            record=AccessRecord(
                occurred_at=service.clock(),
                username=person.username,
                channel="front_door",
                action="view_case",
                method="GET",
                path=request.url.path,
                status_code=200,
                flow_run_id=case.flow_run_id,
                case_reference=case.reference,
            ),
        )
        seen = access_log.for_case(session=s, reference=case.reference)
        if case.flow_run_id is not None:
            seen += access_log.for_flow_run(session=s, flow_run_id=case.flow_run_id)
    unique = list({record.model_dump_json(): record for record in seen}.values())
    open_stage = case.open_stage
    form_url = None
    if open_stage is not None and case.flow_run_id is not None:
        form_url = f"{service.settings.ui_url}/runs/flow-run/{case.flow_run_id}"
    today = service.today()
    return service.render(
        request,
        "case.html",
        person=person,
        csrf=signed.csrf,
        title=f"Case {case.reference}",
        case=case,
        age=today.year
        - case.date_of_birth.year
        - ((today.month, today.day) < (case.date_of_birth.month, case.date_of_birth.day)),
        open_stage=open_stage,
        form_url=form_url,
        officer=service.who(case.officer_id),
        decisions=pages.decision_views(case.decisions, service.who),
        letters=[
            {
                "title": letter.kind.label,
                "produced": pages.when(letter.created_at),
                "url": f"{service.settings.documents_base_url}/letters/{letter.path}",
                "sha256": letter.sha256,
            }
            for letter in case.letters
        ],
        notes=pages.intake_notes(case.events),
        awaiting=AWAITED.get(open_stage.stage, "") if open_stage is not None else "",
        chronology=pages.chronology(case, unique, service.who),
        days_overdue=max((today - open_stage.due_on).days, 0)
        if open_stage is not None and open_stage.due_on and open_stage.clock_paused_at is None
        else 0,
    )
