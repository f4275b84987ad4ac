"""Browser tests: the product started as `make run` starts it, used through Debian's Chromium.

The stack, SMTP inbox and API driver are the session's end-to-end fixtures (tests/e2e/product.py),
shared with the end-to-end and public-form tests: one copy of the product per session.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from launcher.stack import Stack
from tests.browser.pages import (
    CHROMIUM,
    FAILURE_SCREENSHOTS,
    VIEWPORT,
    Steps,
    launch_chromium,
    sign_in,
)
from tests.e2e.people import Cast

# The officer the browser tests work as (AL1, St Albans, is DSPL 7): each page signs in as them.
SIGNED_IN_OFFICER = "cme-officer-dspl-6-9"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Remember each phase's outcome on the test, so `steps` knows whether to keep screenshots.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# Playwright's expect waits 5 s by default, whatever the context's timeout: on CI, with the
# PostgreSQL suite beside this one, the UI once took longer than that to show its Login page after
# its first unsigned calls were refused. A person would wait; so do the assertions, as long as the
# context's actions do.
expect.set_options(timeout=20_000)


# Per module, not per session: while Playwright's sync API is open its event loop runs in this
# thread, and Prefect's sync helpers would then return coroutines to the tests that follow.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser-deps` (Debian's chromium package)")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def signed_out_page(chromium: Any) -> Iterator[Page]:
    # en-GB: the UI's date boxes read dd/mm/yyyy, as an officer here sees them.
    context = chromium.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(20_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(signed_out_page: Page, stack: Stack, cast: Cast) -> Page:
    """A page signed in on the UI's Login page as the officer the browser tests work as."""
    officer = cast.by_team_id(SIGNED_IN_OFFICER)
    assert officer is not None, f"{SIGNED_IN_OFFICER} is not a configured officer"
    sign_in(signed_out_page, stack.settings.ui_url, officer.credential)
    return signed_out_page


@pytest.fixture
def steps(request: pytest.FixtureRequest, page: Page) -> Iterator[Steps]:
    """A screenshot per step, kept under test-artifacts/browser/<test>/ when the test fails."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
    folder = FAILURE_SCREENSHOTS / name
    shutil.rmtree(folder, ignore_errors=True)
    recorder = Steps(page=page, folder=folder)
    yield recorder
    call = getattr(request.node, "report_call", None)
    if call is not None and call.failed:
        recorder.shoot("at failure")
    elif call is not None and call.passed:
        shutil.rmtree(folder, ignore_errors=True)
