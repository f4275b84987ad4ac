"""The case summary above a decision form is on screen, at its full height, in both window sizes.

Prefect's V1 Resume dialog squeezes the Markdown description to 0 px when the form below it is long;
the product's stylesheet (gateway/static/cme-ui.css, served and linked by gateway.ui_overrides)
corrects that; the test stack serves Prefect behind the gateway, as `make run` does.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from launcher.stack import Stack
from tests.browser.pages import GUIDE_SCREENSHOTS, off_loop, open_resume_dialog
from tests.e2e.driver import Driver
from tests.factories import make_referral

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

# [tag, on-screen height, height its text needs] of each modal body child before the form's
# container. The text's height is that of a Range over the block's contents (its lines' boxes,
# without the last element's bottom margin, which scrollHeight counts).
_SUMMARY_BLOCKS = """modal => {
  const body = modal.querySelector('.p-modal__body');
  const out = [];
  for (const child of body.children) {
    if (child.querySelector('.schema-form-property')) break;
    const box = child.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(child);
    out.push([child.tagName, box.height, range.getBoundingClientRect().bottom - box.top]);
  }
  return out;
}"""


def test_the_case_summary_is_on_screen_above_the_form(
    page: Page, stack: Stack, driver: Driver
) -> None:
    run_id = off_loop(driver.open_case, make_referral())
    driver.wait_for_form(run_id, "referral-check-reasonable-enquiries")
    for width, height in ((1280, 800), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{stack.settings.ui_url}/runs/flow-run/{run_id}")
        dialog = open_resume_dialog(page)
        expect(dialog).to_contain_text("Referral check")
        # The Markdown renders without a wrapper: its blocks are the modal body's children, above
        # the form's own container. Each must show at its content height.
        blocks = dialog.evaluate(_SUMMARY_BLOCKS)
        assert blocks, f"{width}x{height}: no summary above the form"
        for tag, shown, text in blocks:
            assert shown > 0, f"{width}x{height}: summary <{tag}> squeezed to 0 px"
            # Squeezed is tens or hundreds of pixels short; boxes are fractional, so allow 1 px.
            assert text <= shown + 1, f"{width}x{height}: <{tag}> {shown} px for {text} px of text"
        overflow = dialog.evaluate(
            "m => [...m.querySelectorAll('.p-modal__body table')]"
            ".map(t => t.scrollWidth - t.clientWidth)"
        )
        assert all(extra <= 1 for extra in overflow), f"{width}x{height}: table too wide {overflow}"
        due = dialog.locator("li", has_text="Due:").first
        due_box = due.bounding_box()
        assert due_box is not None
        assert due_box["width"] > due_box["height"], f"{width}x{height}: label squeezed {due_box}"
        assert due_box["y"] >= 0 and due_box["y"] + due_box["height"] <= height, (
            f"{width}x{height}: the due date is off screen at {due_box}"
        )
        GUIDE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(GUIDE_SCREENSHOTS / f"10-case-summary-above-form-{width}.png"))
