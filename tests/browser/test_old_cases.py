"""Old cases stay findable: a case opened 35 days ago, out of the runs list's default 7 days, is
one click away from its officer's open-cases page, which every escalation sweep refreshes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.states import Scheduled
from sqlalchemy import update

from launcher.stack import Stack
from store.orm import Case
from store.unit_of_work import bootstrap
from tasks.inbox import TEAM_KEY, officer_key
from tests.browser.pages import Steps, off_loop
from tests.e2e.driver import Driver
from tests.e2e.test_journeys import OFFICER
from tests.factories import make_referral

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

FIRST_FORM = "referral-check-reasonable-enquiries"


def _sweep() -> None:
    run = run_deployment("escalation-sweep/escalation-sweep", parameters={}, timeout=180)
    assert isinstance(run, FlowRun)
    assert run.state is not None and run.state.type is StateType.COMPLETED, run.state


def test_a_case_opened_35_days_ago_is_one_click_from_its_officers_open_cases_page(
    page: Page, steps: Steps, stack: Stack, driver: Driver
) -> None:
    stack.wait_for_deployments(["escalation-sweep"])
    opened = datetime.now(UTC) - timedelta(days=35)
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("cme-case/cme-case")
        run = client.create_flow_run_from_deployment(
            deployment.id,
            # A child of its own: a referral about a child with an open case joins that case.
            parameters={
                "referral": make_referral(child_date_of_birth=date(2012, 6, 30)).model_dump(
                    mode="json"
                )
            },
            state=Scheduled(scheduled_time=opened),
        )
    driver.wait_for_form(run.id, FIRST_FORM)
    reference = driver.read(run.id).name
    with bootstrap().transaction() as session:  # the case record's own date, to match
        session.execute(update(Case).where(Case.flow_run_id == run.id).values(opened_at=opened))
    off_loop(_sweep)
    ui = stack.settings.ui_url

    with steps.step("officer's open cases", guide="09-open-cases.png"):
        # The officer's bookmark is the key's page; its newest version is the current list.
        page.goto(f"{ui}/artifacts/key/{officer_key(OFFICER)}")
        page.locator("a[href*='/artifacts/artifact/']").first.click()
        link = page.get_by_role("link", name=reference, exact=True)
        expect(link).to_be_visible()
        row = page.locator("tr", has=link)
        expect(row).to_contain_text(opened.date().isoformat())
        expect(row).to_contain_text("Referral check")

    with steps.step("one click to the case"):
        assert link.get_attribute("href") == f"{ui}/runs/flow-run/{run.id}"
        if link.get_attribute("target") == "_blank":  # the UI opens Markdown links in a new tab
            with page.context.expect_page() as opened_tab:
                link.click()
            case_page = opened_tab.value
        else:
            link.click()
            case_page = page
        case_page.wait_for_url(f"**/runs/flow-run/{run.id}")
        expect(case_page.get_by_role("button", name="Resume")).to_be_visible()
        expect(case_page.get_by_text(reference).first).to_be_visible()

    with steps.step("team lead's open cases"):
        page.goto(f"{ui}/artifacts/key/{TEAM_KEY}")
        page.locator("a[href*='/artifacts/artifact/']").first.click()
        expect(page.get_by_role("link", name=reference, exact=True)).to_be_visible()
