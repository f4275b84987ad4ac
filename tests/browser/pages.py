"""Driving the Prefect V1 UI as an officer does: the generated forms, runs, artifacts.

The UI renders every pydantic model as a schema form: one `.schema-form-property` per field with
its label, description and an input whose class says what it is (a date picker, a select, a
toggle, a text box, or a JSON editor, which we never want).
"""

from __future__ import annotations

import contextvars
import os
import re
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

from playwright.sync_api import Locator, Page, Playwright, expect
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from adapters.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FAILURE_SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "browser"
# The officer guide's pictures are refreshed only when asked (CME_UPDATE_GUIDE=1), so a test run
# leaves the working tree as it found it; otherwise they go beside the failure screenshots.
GUIDE_SCREENSHOTS = (
    PROJECT_ROOT / "docs" / "screenshots"
    if os.environ.get("CME_UPDATE_GUIDE") == "1"
    else PROJECT_ROOT / "test-artifacts" / "guide"
)
VIEWPORT = {"width": 1280, "height": 800}

T = TypeVar("T")

# Classes of a JSON or code editor: an officer must never have to type JSON.
JSON_EDITORS = ".schema-form-property-kind-json, .json-input, .p-code-input"


def launch_chromium(playwright: Playwright) -> Any:
    """Debian's Chromium, headless; Playwright's own browser download is never used."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )


@dataclass
class Steps:
    """Named steps of a browser test, each ending with a screenshot.

    The screenshots are kept under test-artifacts/browser/<test>/ only if the test fails; a step
    given `guide=` also writes the officer guide's picture (docs/screenshots if CME_UPDATE_GUIDE=1).
    """

    page: Page
    folder: Path
    taken: list[Path] = field(default_factory=list)

    @contextmanager
    def step(self, name: str, guide: str | None = None) -> Iterator[None]:
        try:
            yield
        finally:
            self.shoot(name)
        if guide is not None:
            GUIDE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.taken[-1], GUIDE_SCREENSHOTS / guide)

    def shoot(self, name: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        path = self.folder / f"{len(self.taken) + 1:02d}-{slug}.png"
        self.page.screenshot(path=str(path))
        self.taken.append(path)


# --- Schema forms -------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedField:
    label: str
    description: str
    kind: str


# [label, description, input classes] per property at `depth` under `root` (0: its own fields).
_READ_FORM = """
(root, depth) => {
  const rows = [];
  for (const prop of root.querySelectorAll('.schema-form-property')) {
    let d = 0;
    for (let e = prop.parentElement; e && e !== root; e = e.parentElement) {
      if (e.classList && e.classList.contains('schema-form-property')) d++;
    }
    if (d !== depth) continue;
    const header = prop.querySelector(':scope > .p-label__header');
    const label = header && header.querySelector('.schema-form-property__label');
    const about = header && header.querySelector('.schema-form-property__description');
    const body = prop.querySelector(':scope > .p-label__body');
    const fields = body && body.querySelector(':scope > fieldset');
    const input = fields && Array.from(fields.children).find(e => e.nodeType === 1);
    rows.push([
      label ? label.innerText.trim() : '',
      about ? about.innerText.trim() : '',
      input ? input.className : (body ? body.className + ' ' + body.innerHTML.slice(0, 200) : ''),
    ]);
  }
  return rows;
}
"""


def kind_of(classes: str) -> str:
    """What an input is, from the classes the schema form gives it."""
    for marker, kind in (
        ("schema-form-property-kind-json", "json"),
        ("json-input", "json"),
        ("p-code-input", "json"),
        ("p-date-input", "date"),
        ("schema-form-property-date-time", "datetime"),
        ("schema-form-property-array-list", "list"),
        ("schema-form-property-object", "group"),
        ("p-toggle", "toggle"),
        ("schema-form-property-null", "optional"),
        ("p-number-input", "number"),
        ("schema-form-property-integer", "number"),
        ("p-textarea", "text"),
        ("p-text-input", "text"),
    ):
        if marker in classes:
            return kind
    if "p-select" in classes:
        return "multi-select" if "schema-form-property-array" in classes else "select"
    return f"unknown ({classes})"


def read_form(scope: Locator, depth: int = 0) -> list[RenderedField]:
    rows = scope.evaluate(_READ_FORM, depth)
    return [RenderedField(label, about, kind_of(classes)) for label, about, classes in rows]


def _inner(annotation: Any) -> tuple[Any, bool]:
    """The annotation without `| None`, and whether None was allowed."""
    if get_origin(annotation) in (Union, UnionType):
        members = [a for a in get_args(annotation) if a is not NoneType]
        if len(members) == 1:
            return members[0], True
    return annotation, False


def expected_kind(annotation: Any) -> str:
    """How a field of this type must render for an officer: pickers and selects, never JSON."""
    inner, _ = _inner(annotation)
    if isinstance(inner, type) and issubclass(inner, Enum):
        return "select"
    if inner is date:
        return "date"
    if inner is bool:
        return "toggle"
    if inner is int:
        return "number"
    if inner is str:
        return "text"
    if get_origin(inner) is list:
        (item,) = get_args(inner)
        return "multi-select" if isinstance(item, type) and issubclass(item, Enum) else "list"
    raise AssertionError(f"no rendering rule for {annotation!r}")


def expected_label(name: str, info: FieldInfo) -> str:
    title = info.title or " ".join(word.capitalize() for word in name.split("_"))
    return title if info.is_required() else f"{title} (Optional)"


def expected_fields(model: type[BaseModel]) -> list[tuple[str, str, FieldInfo]]:
    """(name, label, field) in the model's order, without the fields kept out of the form (who
    decides: the sign-in gateway writes them in)."""
    shown = model.model_json_schema().get("properties", {})
    return [
        (name, expected_label(name, info), info)
        for name, info in model.model_fields.items()
        if name in shown
    ]


def prop(scope: Page | Locator, label: str) -> Locator:
    """The form property whose label reads `label` (without "(Optional)")."""
    return scope.locator(
        "xpath=.//span[contains(@class,'schema-form-property__label') and "
        f"(normalize-space()={_xpath_text(label)} or "
        f"normalize-space()={_xpath_text(label + ' (Optional)')})]"
        "/ancestor::div[contains(concat(' ',@class,' '),' schema-form-property ')][1]"
    ).first


def _xpath_text(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    assert '"' not in text, f"label {text!r} has both kinds of quote"
    return f'"{text}"'


def choose(page: Page, scope: Page | Locator, label: str, value: str) -> None:
    """Pick `value` in the field's select (the select opens from the keyboard)."""
    button = prop(scope, label).locator("button.p-select-button__control").first
    button.focus()
    page.keyboard.press("ArrowDown")
    option = page.locator(".p-select-options .p-select-option").filter(
        has_text=re.compile(rf"^\s*{re.escape(value)}\s*$")
    )
    option.first.click()
    expect(button, f"{label}: {value!r} not selected").to_contain_text(value)


def pick_date(page: Page, scope: Page | Locator, label: str, day: date | str) -> None:
    """Open the field's date picker, type the day into its date box and apply it."""
    prop(scope, label).locator(".p-date-button__control").click()
    picker = page.locator(".p-date-picker").last
    picker.locator("input[type=date]").fill(str(day))
    picker.get_by_role("button", name="Apply").click()


def fill_text(scope: Page | Locator, label: str, text: str) -> None:
    prop(scope, label).locator("textarea, input").first.fill(text)


def switch_on(scope: Page | Locator, label: str) -> None:
    """Turn a toggle on."""
    switch = prop(scope, label).get_by_role("switch")
    switch.click()
    expect(switch).to_have_attribute("aria-checked", "true")


def options_of(page: Page, scope: Page | Locator, label: str) -> list[str]:
    """The choices a select offers, as they read on screen (opened from the keyboard)."""
    button = prop(scope, label).locator("button.p-select-button__control").first
    button.focus()
    page.keyboard.press("ArrowDown")
    options = page.locator(".p-select-options .p-select-option")
    expect(options.first).to_be_visible()
    shown = [text.strip() for text in options.all_inner_texts()]
    page.keyboard.press("Escape")
    expect(options).to_have_count(0)
    return shown


def sign_in(page: Page, ui_url: str, credential: str) -> None:
    """Sign in on the V1 UI's Login page as a person (``username:password``), as an officer does;
    the UI keeps it for the tab and sends it with every call."""
    page.goto(ui_url)
    box = page.get_by_placeholder("admin:pass")
    expect(box).to_be_visible()
    box.fill(credential)
    box.press("Enter")
    expect(box).to_have_count(0)


def open_run_form(page: Page, ui_url: str) -> Locator:
    """Deployments -> cme-case -> Run -> Custom run: the referral form (the `referral` group)."""
    page.goto(f"{ui_url}/deployments")
    page.get_by_role("link", name="cme-case").first.click()
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Custom run").click()
    form = prop(page, "referral")
    expect(form).to_be_visible()
    return form


def open_resume_dialog(page: Page) -> Locator:
    """Press the run page's Resume button; the dialog with the generated form."""
    page.get_by_role("button", name="Resume").click()
    modal = page.locator(".p-modal")
    expect(modal.locator(".schema-form-property").first).to_be_visible()
    return modal


def off_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a Prefect client helper in a worker thread.

    Playwright's sync API keeps an event loop running in the test's thread, and Prefect's
    dual sync/async helpers (run_deployment, resume_flow_run) return a coroutine under one.
    """
    context = contextvars.copy_context()  # the stack's Prefect settings live in a contextvar
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, function, *args, **kwargs).result()
