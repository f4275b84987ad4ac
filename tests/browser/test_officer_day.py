"""An officer's day in the Prefect UI, in a real browser: open a referral from the deployment's
form, find the case by its reference, resume its forms, see what waits next, read the summary."""

from __future__ import annotations

import re
import time
from datetime import date
from uuid import UUID

import pytest
from playwright.sync_api import Page, expect
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from prefect.client.schemas.sorting import FlowRunSort

from launcher.stack import Stack
from tests.browser.pages import (
    Steps,
    choose,
    fill_text,
    open_resume_dialog,
    open_run_form,
    pick_date,
    prop,
    switch_on,
)
from tests.e2e.driver import Driver

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

OFFICER = "cme-officer-dspl-6-9"  # AL1 (St Albans) is DSPL 7
SIGNED_IN_AS = OFFICER  # the test people are named by their team id (tests/e2e/people.py)
REFERENCE = re.compile(r"CME-\d{4}-\d{5}")
SURNAME = "Browsertestchild"  # fictitious, and on no roll or register


def _run_of_child(surname: str, timeout: float = 30) -> UUID:
    """The newest cme-case run whose referral names this child (the UI gives no id back)."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            # Only case runs: the schedules (sweeps, imports, reports) keep future runs at the top.
            runs = client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=["cme-case"])),
                sort=FlowRunSort.EXPECTED_START_TIME_DESC,
                limit=20,
            )
            for run in runs:
                referral = run.parameters.get("referral") or {}
                if referral.get("child_surname") == surname:
                    return run.id
            time.sleep(0.5)
    raise AssertionError(f"no run for the referral of {surname}")


def _wait_for_form_in_ui(page: Page, driver: Driver, run_id: UUID, key: str) -> None:
    """Wait (through the API) for the run to suspend on `key`, then show its page afresh."""
    driver.wait_for_form(run_id, key)
    page.reload()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()


def _submit(page: Page) -> None:
    page.locator(".p-modal").get_by_role("button", name="Submit").click()
    expect(page.locator(".p-modal")).to_have_count(0)


def test_an_officer_opens_finds_and_works_a_case_in_the_browser(
    page: Page, steps: Steps, stack: Stack, driver: Driver
) -> None:
    ui = stack.settings.ui_url

    with steps.step("deployment run form", guide="01-open-case-form.png"):
        form = open_run_form(page, ui)

    with steps.step("referral filled in", guide="02-referral-filled.png"):
        pick_date(page, form, "Referral date", date.today())
        choose(page, form, "Referrer type", "School")
        fill_text(form, "Referrer Name", "Attendance Lead")
        fill_text(form, "Child's forenames", "Robin Sample")
        fill_text(form, "Child's surname", SURNAME)
        pick_date(page, form, "Date of birth", "2015-03-14")
        choose(page, form, "Child's sex", "Not known")
        fill_text(form, "Address", "1 Example Street, St Albans")
        fill_text(form, "Postcode", "AL1 3ER")
        prop(form, "Postcode").scroll_into_view_if_needed()

    with steps.step("run submitted and renamed to its case reference", guide="03-case-opened.png"):
        page.get_by_role("button", name="Submit").click()
        page.wait_for_url(re.compile(r"/deployments/deployment/[0-9a-f-]{36}(\?.*)?$"))
        run_id = _run_of_child(SURNAME)
        driver.wait_for_form(run_id, "referral-check-reasonable-enquiries")
        reference = driver.read(run_id).name
        assert REFERENCE.fullmatch(reference), reference
        page.reload()
        expect(page.get_by_role("link", name=reference, exact=True).first).to_be_visible()

    with steps.step("case found by its reference", guide="04-find-case.png"):
        page.goto(f"{ui}/runs")
        page.get_by_placeholder("Search by flow run name").filter(visible=True).fill(reference)
        link = page.get_by_role("link", name=reference, exact=True)
        expect(link).to_have_count(1)
    with steps.step("case page"):
        link.click()
        page.wait_for_url(f"**/runs/flow-run/{run_id}")
        expect(page.get_by_role("button", name="Resume")).to_be_visible()

    with steps.step("referral check form", guide="05-referral-check-form.png"):
        modal = open_resume_dialog(page)
        expect(modal).to_contain_text(f"{reference}: Referral check")
        expect(prop(modal, "Officer")).to_have_count(0)  # who decides is who signed in
        for enquiry in (
            "Last school", "Admissions", "Other local authorities", "S2S lost pupil database",
            "Children's social care", "Police", "Border Force",
        ):  # fmt: skip
            choose(page, modal, enquiry, "No trace")
        choose(page, modal, "Health", "Information found")
        choose(page, modal, "District council tax and housing", "Information found")
        fill_text(modal, "Findings", "GP and council tax confirm the family at the address.")
        choose(page, modal, "Decision", "Continue to a home visit")
    with steps.step("referral check submitted"):
        _submit(page)

    with steps.step("home visit form", guide="06-home-visit-form.png"):
        _wait_for_form_in_ui(page, driver, run_id, "home-visit-visit-1")
        modal = open_resume_dialog(page)
        expect(modal).to_contain_text(f"{reference}: Home visit")
        pick_date(page, modal, "Visit date", date.today())
        switch_on(modal, "Child seen")
        fill_text(modal, "Who was seen", "father and child")
        choose(page, modal, "Finding", "Found, not in education")
    with steps.step("home visit submitted"):
        _submit(page)

    with steps.step("next stage waiting with its description", guide="07-next-stage.png"):
        _wait_for_form_in_ui(page, driver, run_id, "school-place-support-place-request")
        modal = open_resume_dialog(page)
        expect(modal).to_contain_text(f"{reference}: Support to a school place")
        expect(modal).to_contain_text(
            "Send the family the letter below on applying for a school place"
        )
    with steps.step("modal closed"):
        modal.get_by_role("button", name="Close", exact=True).click()

    case = driver.case(run_id)
    decisions = driver.decisions(case)
    assert decisions["referral-check-reasonable-enquiries"]["health"] == "information_found"
    visit = decisions["home-visit-visit-1"]
    assert visit["child_seen"] is True and visit["finding"] == "located_no_education"
    assert visit["visit_date"] == date.today().isoformat()
    assert {(d["officer"], d["signed_in_as"]) for d in decisions.values()} == {
        (OFFICER, SIGNED_IN_AS)
    }

    with steps.step("case summary as the team lead reads it", guide="08-case-summary.png"):
        key = "case-" + reference.lower()
        page.goto(f"{ui}/artifacts")
        page.get_by_placeholder("Search artifacts").fill(key)
        page.get_by_text(key, exact=True).first.click()
        page.wait_for_url(f"**/artifacts/key/{key}")
        page.locator("a[href*='/artifacts/artifact/']").first.click()  # the newest version
        summary = page.locator("body")
        expect(summary).to_contain_text(f"Case {reference}")
        expect(summary).to_contain_text("Support to a school place")
        expect(summary).to_contain_text(
            "Send the family the letter below on applying for a school place"
        )

    with steps.step("each decision names who signed in to make it", guide="10-who-decided.png"):
        person = f"CME Officer (DSPL 6-9) (signed in as {SIGNED_IN_AS})"
        decided = page.locator("table").filter(has=page.get_by_role("columnheader", name="Decided"))
        marks = decided.get_by_text(person)
        expect(marks).to_have_count(2)  # the referral check and the home visit
        # The gateway's record of the same: the case opened and both forms answered, by the officer.
        acted = page.locator("table").filter(has=page.get_by_role("columnheader", name="What"))
        expect(acted.locator("tr", has_text=person).filter(has_text="Form answered")).to_have_count(
            2
        )
        expect(acted.locator("tr", has_text=person).filter(has_text="Case opened")).to_have_count(1)
        for index in range(2):
            mark = marks.nth(index)
            mark.scroll_into_view_if_needed()
            expect(mark).to_be_visible()
            box = mark.bounding_box()
            assert box is not None and box["height"] >= 10 and box["width"] >= 100, box
        activity = page.get_by_role("heading", name="Who did what in Prefect")
        activity.scroll_into_view_if_needed()
        expect(activity).to_be_visible()
