"""The pages: start, four question pages, check your answers, confirmation.

Every POST is rate limited per client, size limited, and must carry the session's CSRF token. A
page's answers are kept in the server-side draft only once the page has no errors; the referral is
built and validated as a whole again on submit, and stored before the receipt is shown.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from adapters.settings import Settings
from models.public_form import (
    AGENCY_CHOICES,
    PAGE_BY_SLUG,
    PAGES,
    REFERRER_CHOICES,
    SAFEGUARDING_CHOICES,
    SEX_CHOICES,
    FieldError,
    Page,
    PublicFormInvalid,
    build_referral,
    check_page,
    clean_page_answers,
    new_receipt,
    page_is_answered,
    summary_rows,
)
from public_form.drafts import Draft, DraftStore
from public_form.outbox import Outbox
from public_form.ratelimit import RateLimiter
from public_form.security import (
    RequestTooLarge,
    UnsupportedForm,
    client_address,
    csrf_token,
    csrf_valid,
    read_form,
)
from store.unit_of_work import utc_now

log = logging.getLogger("public_form")

SESSION_COOKIE = "cme_referral_session"
HONEYPOT = "website"
SERVICE_NAME = "Report a child missing education"

router = APIRouter()


@dataclass
class FormService:
    settings: Settings
    templates: Environment
    drafts: DraftStore
    outbox: Outbox
    limiter: RateLimiter
    """Pages sent and sessions opened, per client address: a guard against floods."""
    referrals: RateLimiter
    """Referrals sent, per client address: what limits abuse of the form itself."""
    trusted_proxies: frozenset[str]

    @property
    def secret(self) -> str:
        return self.settings.public_form_secret.get_secret_value()

    def render(
        self,
        request: Request,
        template: str,
        *,
        status_code: int = 200,
        session_id: str | None = None,
        **context: Any,
    ) -> HTMLResponse:
        html = self.templates.get_template(f"public_form/{template}").render(
            serviceName=SERVICE_NAME,
            council=self.settings.public_form_council,
            cspNonce=getattr(request.state, "csp_nonce", None),
            csrf_token=csrf_token(self.secret, session_id) if session_id else "",
            honeypot=HONEYPOT,
            **context,
        )
        return HTMLResponse(html, status_code=status_code)

    def problem(
        self,
        request: Request,
        status_code: int,
        title: str,
        body: str,
        *,
        link: tuple[str, str] = ("/", "Go to the start of the form"),
    ) -> HTMLResponse:
        href, text = link
        return self.render(
            request,
            "problem.html",
            status_code=status_code,
            title=title,
            body=body,
            link_href=href,
            link_text=text,
        )

    @property
    def kept_minutes(self) -> int:
        return round(self.drafts.ttl_seconds / 60)

    def set_session(self, response: Response, session_id: str) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            session_id,
            httponly=True,
            secure=self.settings.public_form_https,
            samesite="lax",
            path="/",
        )


def forms(request: Request) -> FormService:
    service: FormService = request.app.state.forms
    return service


def _rate_limited(request: Request) -> Response | None:
    """A 429 page if this client has used up its requests, else None (and one is counted)."""
    service = forms(request)
    wait = service.limiter.allow(client_address(request, service.trusted_proxies))
    if wait <= 0:
        return None
    response = service.problem(
        request,
        429,
        "You have sent too many pages",
        "This page was not sent: too many came from your connection at once, so its answers "
        "were not kept. Wait a minute, then open the page again, give its answers and send it. "
        f"Answers you saved on earlier pages are kept for {service.kept_minutes} minutes.",
        link=_this_page(request),
    )
    response.headers["Retry-After"] = str(max(1, round(wait)))
    return response


def _this_page(request: Request) -> tuple[str, str]:
    """A link to open the page just refused again: its saved answers, not the ones refused."""
    if request.method == "POST" and request.url.path.startswith("/referral/"):
        return request.url.path, "Open the page again"
    return "/", "Go to the start of the form"


def _too_many_referrals(request: Request) -> Response | None:
    """A 429 page if this client has sent its referrals for now, else None (and one is counted).

    Referrals are counted, not pages: a school office can send several in a row, and a flood of
    referrals from one address is still stopped.
    """
    service = forms(request)
    wait = service.referrals.allow(client_address(request, service.trusted_proxies))
    if wait <= 0:
        return None
    minutes = max(1, round(wait / 60))
    response = service.problem(
        request,
        429,
        "You have sent too many referrals",
        "This referral has not been sent: many have come from your connection in a short time. "
        f"Your answers are kept: send them again in {minutes} minute{'' if minutes == 1 else 's'}. "
        "If a child is in immediate danger, call 999.",
        link=("/referral/check", "Check your answers"),
    )
    response.headers["Retry-After"] = str(max(1, round(wait)))
    return response


async def _guard_post(request: Request) -> tuple[dict[str, list[str]], Draft, str] | Response:
    """Rate limit, size limit and CSRF for a POST: the form, draft and session, or a refusal."""
    service = forms(request)
    if refused := _rate_limited(request):
        return refused
    try:
        form = await read_form(request, service.settings.public_form_max_request_bytes)
    except RequestTooLarge:
        return service.problem(
            request,
            413,
            "Your answers are too long",
            "This page was not sent: it is longer than the form accepts, so its answers were not "
            "kept. Open the page again, give shorter answers and send it. Answers you saved on "
            f"earlier pages are kept for {service.kept_minutes} minutes.",
            link=_this_page(request),
        )
    except UnsupportedForm:
        return service.problem(
            request, 415, "Sorry, there is a problem", "Use the form on this site to send it."
        )
    session_id = request.cookies.get(SESSION_COOKIE)
    draft = service.drafts.get(session_id)
    token = (form.get("csrf_token") or [""])[0]
    if draft is None or session_id is None:
        # No answers are held for this browser: none saved, or deleted after the time allowed.
        return service.problem(
            request,
            403,
            "Sorry, you need to start again",
            f"Your answers are kept for {service.kept_minutes} minutes after the last page you "
            "sent, and only in the browser you used. We have no answers from this browser now, "
            "so this page could not be sent. Start again from the beginning.",
        )
    if not csrf_valid(service.secret, session_id, token):
        # The draft is untouched: only this page is refused.
        return service.problem(
            request,
            403,
            "Sorry, this page could not be sent",
            "We could not check that this page came from this form, so we have not used it. "
            "The answers you saved on earlier pages have been kept. Open the page again, check "
            "your answers and send it.",
            link=(request.url.path, "Open the page again"),
        )
    return form, draft, session_id


def _bot_filled_honeypot(form: dict[str, list[str]]) -> bool:
    return any(value.strip() for value in form.get(HONEYPOT, []))


def _pretend_received(draft: Draft) -> Response:
    """A bot gets the same answer as a person, and nothing is stored."""
    log.info("honeypot filled: submission discarded")
    draft.answers.clear()
    draft.receipt = new_receipt()
    return RedirectResponse("/referral/confirmation", status_code=303)


@router.get("/", response_class=HTMLResponse)
async def start(request: Request) -> Response:
    return forms(request).render(request, "start.html", first_page=PAGES[0].slug)


@router.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def _page_context(page: Page, answers: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    return {
        "page": page,
        "answers": answers,
        "errors": errors,
        "error_for": {e.field: e.message for e in errors},
        "back": _previous(page),
        "sex_choices": SEX_CHOICES,
        "referrer_choices": REFERRER_CHOICES,
        "agency_choices": AGENCY_CHOICES,
        "safeguarding_choices": SAFEGUARDING_CHOICES,
    }


def _previous(page: Page) -> str:
    index = PAGES.index(page)
    return "/" if index == 0 else f"/referral/{PAGES[index - 1].slug}"


@router.get("/referral/check", response_class=HTMLResponse)
async def check_answers(request: Request) -> Response:
    service = forms(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    draft = service.drafts.get(session_id)
    if draft is None or session_id is None:
        return RedirectResponse(f"/referral/{PAGES[0].slug}", status_code=303)
    for page in PAGES:
        if not page_is_answered(page, draft.answers):
            return RedirectResponse(f"/referral/{page.slug}", status_code=303)
    return service.render(
        request,
        "check.html",
        session_id=session_id,
        rows=summary_rows(draft.answers),
        pages={p.slug: p for p in PAGES},
        back=f"/referral/{PAGES[-1].slug}",
    )


@router.post("/referral/check", response_class=HTMLResponse)
async def submit(request: Request) -> Response:
    guarded = await _guard_post(request)
    if isinstance(guarded, Response):
        return guarded
    form, draft, session_id = guarded
    if _bot_filled_honeypot(form):
        return _pretend_received(draft)
    service = forms(request)
    now = utc_now()
    try:
        referral = build_referral(draft.answers, today=now.date())
    except PublicFormInvalid as invalid:
        first = PAGE_BY_SLUG[invalid.errors[0].page]
        errors = [e for e in invalid.errors if e.page == first.slug]
        return service.render(
            request,
            f"{first.slug}.html",
            status_code=400,
            session_id=session_id,
            **_page_context(first, draft.answers, errors),
        )
    if refused := _too_many_referrals(request):
        return refused
    try:
        receipt = await run_in_threadpool(service.outbox.save, referral, received_at=now)
    except (SQLAlchemyError, OSError):
        # The answers stay in the draft: the person can send them again once we are back.
        log.exception("public referral could not be stored")
        return service.problem(
            request,
            503,
            "Sorry, there is a problem with the service",
            "Your referral has not been sent. Your answers are kept for "
            f"{service.kept_minutes} minutes: try sending them again in a few minutes. "
            "If a child is in immediate danger, call 999.",
            link=("/referral/check", "Check your answers and send them again"),
        )
    log.info("public referral stored as %s", receipt)
    draft.answers.clear()
    draft.receipt = receipt
    return RedirectResponse("/referral/confirmation", status_code=303)


@router.get("/referral/confirmation", response_class=HTMLResponse)
async def confirmation(request: Request) -> Response:
    service = forms(request)
    draft = service.drafts.get(request.cookies.get(SESSION_COOKIE))
    if draft is None or draft.receipt is None:
        return RedirectResponse("/", status_code=303)
    return service.render(request, "confirmation.html", receipt=draft.receipt)


@router.get("/referral/{slug}", response_class=HTMLResponse)
async def show_page(request: Request, slug: str) -> Response:
    service = forms(request)
    page = PAGE_BY_SLUG.get(slug)
    if page is None:
        return service.problem(request, 404, "Page not found", "Check the web address.")
    session_id = request.cookies.get(SESSION_COOKIE)
    draft = service.drafts.get(session_id)
    new_session = draft is None or session_id is None
    if draft is None or session_id is None:
        # A new session costs the client a request too, so no one can crowd out other
        # people's answers by opening sessions.
        if refused := _rate_limited(request):
            return refused
        session_id = service.drafts.new()
        draft = service.drafts.get(session_id)
        assert draft is not None
    response = service.render(
        request,
        f"{page.slug}.html",
        session_id=session_id,
        **_page_context(page, draft.answers, []),
    )
    if new_session:
        service.set_session(response, session_id)
    return response


@router.post("/referral/{slug}", response_class=HTMLResponse)
async def answer_page(request: Request, slug: str) -> Response:
    service = forms(request)
    page = PAGE_BY_SLUG.get(slug)
    if page is None:
        return service.problem(request, 404, "Page not found", "Check the web address.")
    guarded = await _guard_post(request)
    if isinstance(guarded, Response):
        return guarded
    form, draft, session_id = guarded
    if _bot_filled_honeypot(form):
        return _pretend_received(draft)
    answers = clean_page_answers(page, form)
    merged = {**draft.answers, **answers}
    errors = check_page(page, merged, today=utc_now().date())
    if errors:
        return service.render(
            request,
            f"{page.slug}.html",
            status_code=400,
            session_id=session_id,
            **_page_context(page, merged, errors),
        )
    draft.answers = merged
    draft.receipt = None
    for later in PAGES:
        if not page_is_answered(later, draft.answers):
            return RedirectResponse(f"/referral/{later.slug}", status_code=303)
    return RedirectResponse("/referral/check", status_code=303)
