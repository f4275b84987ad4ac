"""A person refers a child on the public form in Debian's Chromium, with and without JavaScript,
and the referral arrives as a case waiting for its first decision. Every page passes axe-core
with no serious or critical violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from adapters.settings import PROJECT_ROOT
from tests.browser.conftest import chromium
from tests.browser.pages import VIEWPORT
from tests.e2e.driver import Driver
from tests.public_form.conftest import PublicForm

__all__ = ["chromium"]

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

AXE = PROJECT_ROOT / "public_form" / "node_modules" / "axe-core" / "axe.min.js"
FIRST_FORM = "referral-check-reasonable-enquiries"
RECEIPT = re.compile(r"CME-R-[2-9A-Z]{4}-[2-9A-Z]{4}")


def _page(chromium: Any, *, javascript: bool) -> Iterator[Page]:
    context = chromium.new_context(
        viewport=VIEWPORT, locale="en-GB", java_script_enabled=javascript
    )
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Page]:
    yield from _page(chromium, javascript=True)


@pytest.fixture
def page_without_js(chromium: Any) -> Iterator[Page]:
    yield from _page(chromium, javascript=False)


def assert_accessible(page: Page) -> None:
    """axe-core (from npm) run in the page: no serious or critical violation.

    It runs as a script, so only in pages with JavaScript on (the pages are the same without).
    """
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(str(node["target"]) for node in v["nodes"])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{page.url}: {serious}"


def fill_child(page: Page, surname: str, *, born_day: str = "2") -> None:
    # Each test's child is born on a day of their own: the case flow joins a referral about a
    # child with an open case to that case, which these tests are not about.
    page.get_by_label("First names").fill("Robin Sample")
    page.get_by_label("Last name").fill(surname)
    page.get_by_label("Day").fill(born_day)
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("2014")
    page.get_by_label("I do not know").check()


def fill_address_and_concern(page: Page, *, concern: str, axe: bool = True) -> None:
    page.get_by_label("Address").fill("2 Example Road, Hatfield")
    page.get_by_label("Postcode").fill("AL10 9AB")
    page.get_by_role("button", name="Continue").click()
    if axe:
        assert_accessible(page)
    page.get_by_label("Why do you think the child is missing education?").fill(
        "Has not been at school since September; neighbours say the family has moved in."
    )
    page.get_by_label(concern).check()
    page.get_by_role("button", name="Continue").click()


def send(page: Page, *, axe: bool = True) -> str:
    """From check your answers: send, and read the receipt number."""
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check your answers before sending your referral"
    )
    if axe:
        assert_accessible(page)
    page.get_by_role("button", name="Accept and send").click()
    expect(page.get_by_role("heading", name="Referral sent")).to_be_visible()
    if axe:
        assert_accessible(page)
    match = RECEIPT.search(page.locator(".govuk-panel").inner_text())
    assert match
    return match.group(0)


def test_a_person_refers_a_child_anonymously_and_it_arrives_as_a_case(
    public_form: PublicForm, driver: Driver, page: Page
) -> None:
    page.goto(public_form.url)
    assert_accessible(page)
    expect(page.get_by_text("You can stay anonymous")).to_be_visible()
    page.get_by_role("button", name="Start now").click()

    assert_accessible(page)
    fill_child(page, "Browseranon", born_day="3")
    page.get_by_role("button", name="Continue").click()
    fill_address_and_concern(page, concern="The child is at immediate risk of harm")
    assert_accessible(page)
    page.get_by_label("I want to stay anonymous").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("Browseranon")  # waits for the check page
    expect(page.locator("main")).not_to_contain_text("Your name")
    receipt = send(page)
    assert "Browseranon" not in page.content()

    run_id = public_form.wait_until_delivered(receipt)
    driver.wait_for_form(run_id, FIRST_FORM)
    referrer_type, _, surname = public_form.case_referral(run_id)
    assert (referrer_type.value, surname) == ("anonymous", "Browseranon")
    case = driver.case(run_id)
    (escalation,) = driver.inbox.wait_for(case.reference)
    assert "mash@example.gov.uk" in escalation["X-Envelope-To"]


def test_a_named_referral_works_without_javascript_and_arrives_as_a_case(
    public_form: PublicForm, driver: Driver, page_without_js: Page
) -> None:
    page = page_without_js
    page.goto(f"{public_form.url}/referral/child")
    fill_child(page, "Browsernamed", born_day="4")
    page.get_by_role("button", name="Continue").click()
    fill_address_and_concern(page, concern="None of these", axe=False)
    page.get_by_label("I work for another organisation").check()
    page.get_by_label("Type of organisation").select_option("health")
    page.get_by_label("Your name").fill("Health Visitor")
    page.get_by_label("Your school or organisation").fill("Example Health Trust")
    page.get_by_label("Phone number or email address").fill("hv@example-health.example")
    page.get_by_role("button", name="Continue").click()
    receipt = send(page, axe=False)

    run_id = public_form.wait_until_delivered(receipt)
    driver.wait_for_form(run_id, FIRST_FORM)
    referrer_type, payload, _ = public_form.case_referral(run_id)
    assert referrer_type.value == "agency"
    assert payload["agency_kind"] == "health"
    assert payload["referrer_organisation"] == "Example Health Trust"


def test_each_error_is_shown_against_its_field_and_linked_from_the_summary(
    public_form: PublicForm, page: Page
) -> None:
    page.goto(f"{public_form.url}/referral/child")
    page.get_by_label("Day").fill("30")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2014")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(re.compile(r"^Error: About the child"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    assert_accessible(page)
    expected = {
        "child_forenames": "Enter the child's first names",
        "child_surname": "Enter the child's last name",
        "dob": "Date of birth must be a real date",
        "child_sex": "Select the child's sex, or 'I do not know'",
    }
    for field, message in expected.items():
        expect(page.locator(f"#{field}-error")).to_contain_text(message)
        expect(summary.get_by_role("link", name=message)).to_be_visible()
    summary.get_by_role("link", name="Date of birth must be a real date").click()
    expect(page.locator("#dob-day")).to_be_focused()

    # The referral's own rules come back the same way: a child too young for school.
    fill_child(page, "Browsererrors")
    page.get_by_label("Year").fill("2023")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#dob-error")).to_contain_text("must be of compulsory school age")
    assert page.get_by_label("First names").input_value() == "Robin Sample"  # answers kept

    # Staying anonymous while giving a name is pointed out on the name.
    fill_child(page, "Browsererrors")
    page.get_by_role("button", name="Continue").click()
    fill_address_and_concern(page, concern="None of these")
    page.get_by_label("I want to stay anonymous").check()
    page.get_by_label("Your name").fill("Someone")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#referrer_name-error")).to_contain_text(
        "Leave your name blank if you want to stay anonymous"
    )
    assert_accessible(page)


def test_the_refusal_pages_are_accessible_too(public_form: PublicForm, page: Page) -> None:
    page.goto(f"{public_form.url}/referral/nowhere")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert_accessible(page)
