"""Every page and state of the public form read as a person reads it, in Debian's Chromium.

The form's own app is served by uvicorn on a loopback port, on the session's SQLite case database
(no Prefect: the form never talks to it). Each page and state (start, each section with and
without errors, check your answers, the receipt, 403, 413, 429, 404 and an outage) is checked
on its visible text (innerText) and with axe-core at every impact, and photographed as
public-form-<page>.png (docs/screenshots with CME_UPDATE_GUIDE=1, else test-artifacts/guide).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import Page, expect

from adapters.settings import PROJECT_ROOT, Settings
from public_form.app import create_app
from public_form.outbox import DatabaseOutbox
from public_form.ratelimit import RateLimiter
from public_form.routes import FormService
from store.database import make_engine
from tests.browser.conftest import chromium
from tests.browser.pages import GUIDE_SCREENSHOTS, VIEWPORT
from tests.e2e.product import free_port

__all__ = ["chromium"]

pytestmark = [pytest.mark.browser]

AXE = PROJECT_ROOT / "public_form" / "node_modules" / "axe-core" / "axe.min.js"
COUNCIL = "Hertfordshire County Council"
SERVICE = "Report a child missing education"
RECEIPT = re.compile(r"^CME-R-[2-9A-Z]{4}-[2-9A-Z]{4}$")
# What must never reach a reader: markup shown as text, template syntax, Python's None.
RESIDUE = re.compile(r"</?[a-z]+[^>]*>|\{\{|\{%|\bNone\b(?! of these)|&[a-z]+;|&#\d+;")


@dataclass
class Served:
    url: str
    forms: FormService


@pytest.fixture(scope="module")
def served(case_database_url: str) -> Iterator[Served]:
    settings = Settings(environment="test")
    app = create_app(settings, engine=make_engine(case_database_url))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the public form did not start"
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{server.config.port}", app.state.forms)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def page(chromium: Any) -> Iterator[Page]:
    context = chromium.new_context(viewport=VIEWPORT, locale="en-GB")
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def read(page: Page, name: str, *, title: str, heading: str) -> str:
    """The page as a person reads it: title, heading, visible text; axe; a screenshot."""
    expect(page).to_have_title(title)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    text = page.locator("body").inner_text()
    assert RESIDUE.findall(text) == [], f"{name}: {RESIDUE.findall(text)}"
    assert text.count(SERVICE) <= 2, "the service name is repeated"  # header and h1 at most
    _axe_clean(page, name)
    GUIDE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(GUIDE_SCREENSHOTS / f"public-form-{name}.png"), full_page=True)
    return text


def _axe_clean(page: Page, name: str) -> None:
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"])
        for v in result["violations"]
    ]
    assert violations == [], f"{name}: {violations}"


def _title(heading: str, *, error: bool = False) -> str:
    return f"{'Error: ' if error else ''}{heading} - {SERVICE} - {COUNCIL}"


def _errors(page: Page) -> list[str]:
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    return [line.strip() for line in summary.locator("li").all_inner_texts()]


def _continue(page: Page) -> None:
    page.get_by_role("button", name="Continue").click()


def _fill_child(page: Page, forenames: str = "Zoë") -> None:
    page.get_by_label("First names").fill(forenames)
    page.get_by_label("Last name").fill("O'Brien-Hart")
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("2014")
    page.get_by_label("Female").check()


def _to_check_answers(page: Page, served: Served) -> None:
    page.goto(f"{served.url}/referral/child")
    _fill_child(page)
    _continue(page)
    page.get_by_label("Address", exact=True).fill("Flat 2, 14 St Peter's Street, St Albans")
    page.get_by_label("Postcode").fill("AL1 3HF")
    _continue(page)
    page.get_by_label("Why do you think the child is missing education?").fill(
        "Not at school since September; a neighbour says the family moved in the summer."
    )
    page.get_by_label("None of these").check()
    _continue(page)
    page.get_by_label("I want to stay anonymous").check()
    _continue(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending your referral"
    )


def test_every_page_of_a_referral_reads_right_with_and_without_errors(
    served: Served, page: Page
) -> None:
    page.goto(served.url)
    text = read(page, "start", title=f"{SERVICE} - {COUNCIL}", heading=SERVICE)
    assert "You can stay anonymous" in text
    assert "If a child is in immediate danger, call 999." in text
    page.get_by_role("button", name="Start now").click()

    read(page, "child", title=_title("About the child"), heading="About the child")
    assert page.get_by_role("navigation", name="Back").get_by_role("link").inner_text() == "Back"
    _continue(page)
    read(
        page,
        "child-errors",
        title=_title("About the child", error=True),
        heading="About the child",
    )
    assert _errors(page) == [
        "Enter the child's first names",
        "Enter the child's last name",
        "Enter the child's date of birth",
        "Select the child's sex, or 'I do not know'",
    ]
    _fill_child(page)
    _continue(page)

    read(page, "address", title=_title("Where the child lives"), heading="Where the child lives")
    page.get_by_label("Address", exact=True).fill("Flat 2, 14 St Peter's Street, St Albans")
    page.get_by_label("Postcode").fill("AL1 3HF ST ALBANS")
    _continue(page)
    read(
        page,
        "address-errors",
        title=_title("Where the child lives", error=True),
        heading="Where the child lives",
    )
    assert _errors(page) == ["Enter a real UK postcode, like AL1 3ER"]
    page.get_by_label("Postcode").fill("AL1 3HF")
    _continue(page)

    read(page, "concern", title=_title("Why you are concerned"), heading="Why you are concerned")
    _continue(page)
    read(
        page,
        "concern-errors",
        title=_title("Why you are concerned", error=True),
        heading="Why you are concerned",
    )
    assert len(_errors(page)) == 2
    page.get_by_label("Why do you think the child is missing education?").fill(
        "Not at school since September; a neighbour says the family moved in the summer."
    )
    page.get_by_label("None of these").check()
    _continue(page)

    read(page, "you", title=_title("About you"), heading="About you")
    page.get_by_label("I am a member of the public").check()
    _continue(page)
    read(page, "you-errors", title=_title("About you", error=True), heading="About you")
    assert _errors(page) == [
        "Enter your name, or choose to stay anonymous",
        "Enter a phone number or email address so we can contact you",
    ]
    page.get_by_label("Your name").fill("Sam Neighbour")
    page.get_by_label("Phone number or email address").fill("sam@example.org")
    _continue(page)

    text = read(
        page,
        "check-answers",
        title=_title("Check your answers before sending your referral"),
        heading="Check your answers before sending your referral",
    )
    for answer in ("Zoë", "O'Brien-Hart", "3 September 2014", "AL1 3HF", "Sam Neighbour"):
        assert answer in text
    labels = page.locator(".govuk-summary-list__key").all_inner_texts()
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert "Your reasons" in labels
    assert set(labels).isdisjoint(headings), "a row repeats its section's heading"
    page.get_by_role("button", name="Accept and send").click()

    text = read(page, "receipt", title=_title("Referral sent"), heading="Referral sent")
    panel = page.locator(".govuk-panel__body")
    lines = panel.inner_text().splitlines()
    assert lines[0] == "Your receipt number"
    assert RECEIPT.match(lines[-1]), lines
    # The receipt number is shown large and bold, on its own line.
    receipt = panel.locator("strong")
    assert receipt.inner_text() == lines[-1]
    assert receipt.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    assert "Zoë" not in text and "O'Brien" not in text


def test_a_page_from_elsewhere_is_refused_and_the_saved_answers_are_kept(
    served: Served, page: Page
) -> None:
    page.goto(f"{served.url}/referral/child")
    _fill_child(page)
    _continue(page)
    page.locator("input[name=csrf_token]").evaluate("e => e.value = 'not-the-token'")
    _continue(page)

    text = read(
        page,
        "403",
        title=_title("Sorry, this page could not be sent"),
        heading="Sorry, this page could not be sent",
    )
    assert "The answers you saved on earlier pages have been kept." in text
    page.get_by_role("link", name="Open the page again").click()
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_label("First names")).to_have_value("Zoë")


def test_a_browser_with_no_answers_held_is_told_to_start_again(served: Served, page: Page) -> None:
    page.goto(f"{served.url}/referral/child")
    page.context.clear_cookies()
    _fill_child(page)
    _continue(page)

    text = read(
        page,
        "403-session-ended",
        title=_title("Sorry, you need to start again"),
        heading="Sorry, you need to start again",
    )
    assert "Your answers are kept for 60 minutes after the last page you sent" in text


def test_a_page_too_long_to_accept_is_refused_with_413(served: Served, page: Page) -> None:
    page.goto(f"{served.url}/referral/child")
    _fill_child(page)
    page.get_by_label("Other names they are known by (optional)").evaluate(
        "e => e.value = 'x'.repeat(70000)"
    )
    _continue(page)

    text = read(
        page,
        "413",
        title=_title("Your answers are too long"),
        heading="Your answers are too long",
    )
    assert "This page was not sent" in text
    assert "so its answers were not kept" in text
    page.get_by_role("link", name="Open the page again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About the child")


def test_too_many_pages_and_too_many_referrals_are_refused_with_429(
    served: Served, page: Page
) -> None:
    _to_check_answers(page, served)
    pages, referrals = served.forms.limiter, served.forms.referrals
    try:
        served.forms.referrals = RateLimiter(per_minute=20 / 60, burst=1)
        served.forms.referrals.allow("127.0.0.1")  # this address has sent its one
        page.get_by_role("button", name="Accept and send").click()
        text = read(
            page,
            "429-referrals",
            title=_title("You have sent too many referrals"),
            heading="You have sent too many referrals",
        )
        assert "Your answers are kept: send them again in 3 minutes." in text

        served.forms.limiter = RateLimiter(per_minute=1, burst=1)
        served.forms.limiter.allow("127.0.0.1")
        page.get_by_role("link", name="Check your answers").click()
        page.get_by_role("button", name="Accept and send").click()
        text = read(
            page,
            "429",
            title=_title("You have sent too many pages"),
            heading="You have sent too many pages",
        )
        assert "Wait a minute, then open the page again" in text
    finally:
        served.forms.limiter, served.forms.referrals = pages, referrals


def test_an_outage_on_send_says_the_referral_was_not_sent_and_keeps_the_answers(
    served: Served, page: Page
) -> None:
    _to_check_answers(page, served)
    working = served.forms.outbox
    assert isinstance(working, DatabaseOutbox)
    served.forms.outbox = DatabaseOutbox(make_engine("sqlite:////nonexistent/folder/case.db"))
    try:
        page.get_by_role("button", name="Accept and send").click()
        text = read(
            page,
            "outage",
            title=_title("Sorry, there is a problem with the service"),
            heading="Sorry, there is a problem with the service",
        )
    finally:
        served.forms.outbox = working
    assert "Your referral has not been sent. Your answers are kept for 60 minutes" in text
    page.get_by_role("link", name="Check your answers and send them again").click()
    page.get_by_role("button", name="Accept and send").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Referral sent")


def test_an_unknown_address_is_a_404_page(served: Served, page: Page) -> None:
    page.goto(f"{served.url}/referral/nowhere")

    text = read(page, "404", title=_title("Page not found"), heading="Page not found")
    assert "Check the web address." in text
