"""Forms that read well: the referral and every decision form, as the browser renders them.

Each field appears in the model's order with its title and a description that names no document
outside the product; enums are selects whose choices read in words (the model's labels, in order),
dates are date pickers, an optional value is the same plain picker marked "(Optional)" (never a
switch between its type and None), and no field is a raw JSON editor. Cases are driven to each
decision form through the API; only the Resume dialog is opened in the browser.
"""

from __future__ import annotations

import inspect
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import Locator, Page
from prefect import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterExpectedStartTime,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from pydantic import BaseModel

from flows import forms
from launcher.stack import Stack
from models.form_schema import enum_in, labels_of
from models.referral import Referral
from store.unit_of_work import bootstrap
from tests.browser.pages import (
    GUIDE_SCREENSHOTS,
    JSON_EDITORS,
    expected_fields,
    expected_kind,
    off_loop,
    open_resume_dialog,
    open_run_form,
    options_of,
    read_form,
)
from tests.e2e.driver import Driver
from tests.e2e.product import ACT_2026_COMMENCES, SPECIAL_SCHOOL_URN, StackClock
from tests.e2e.test_deletion_returns import import_file, pupil, unique_surname, write_return
from tests.e2e.test_journeys import (
    OFFICER,
    enquiries,
    located,
    not_satisfied,
    place_offer,
    place_request,
    s437_notice,
    sent_as_stated,
    visit,
)
from tests.factories import make_referral

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

Answer = dict[str, Any] | None  # None: stop here, the case waits on this form


# What a description must not send an officer to: documents the council does not have.
OUTSIDE_DOCUMENTS = re.compile(r"docs/|\.md\b|cme-domain|style-anchors|DESIGN", re.IGNORECASE)


def assert_reads_well(form: Locator, model: type[BaseModel], depth: int = 0) -> None:
    """Labels in the model's order, a description on each, the right picker, choices in words,
    no JSON editor."""
    name_ = model.__name__
    rendered = read_form(form, depth)
    expected = expected_fields(model)
    assert [f.label for f in rendered] == [label for _, label, _ in expected], name_
    for shown, (name, label, info) in zip(rendered, expected, strict=True):
        assert shown.description, f"{name_}.{name}: no description shown"
        assert not OUTSIDE_DOCUMENTS.search(shown.description), f"{name_}.{name}: {shown!r}"
        want = expected_kind(info.annotation)
        assert shown.kind == want, f"{name_}.{name}: renders as {shown.kind}, not {want}"
        choice, _ = enum_in(info.annotation)
        if choice is not None:
            offered = options_of(form.page, form, label.removesuffix(" (Optional)"))
            words = [words for _, words in labels_of(choice)]
            # An optional choice without a default also offers "None" first (the UI's own).
            assert [o for o in offered if o != "None"] == words, f"{name_}.{name}: {offered}"
    assert form.locator(JSON_EDITORS).count() == 0, f"{name_}: a JSON editor is shown"


def test_the_referral_form_reads_well(page: Page, stack: Stack) -> None:
    form = open_run_form(page, stack.settings.ui_url)
    assert_reads_well(form, Referral)
    photograph(form, "form-referral.png")


# The tallest the window is made for a photograph of a whole form.
TALLEST = 8000


def photograph(form: Locator, name: str) -> None:
    """The whole form as the officer sees it, for the gallery (docs/gallery.md): the window is
    made tall enough for every field (a dialog scrolls within the window), then put back."""
    GUIDE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = form.page
    size = page.viewport_size
    assert size is not None
    tallest = form.evaluate(
        "e => Math.max(...[e, ...e.querySelectorAll('*')].map(x => x.scrollHeight))"
    )
    height = min(TALLEST, max(size["height"], int(tallest) + 240))
    page.set_viewport_size({"width": size["width"], "height": height})
    try:
        form.screenshot(path=str(GUIDE_SCREENSHOTS / name))
    finally:
        page.set_viewport_size(size)


def _slug(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _decision_forms() -> set[type[forms.DecisionForm]]:
    """Every concrete decision form the flow can ask (the private bases are not asked)."""
    return {
        cls
        for name, cls in inspect.getmembers(forms, inspect.isclass)
        if issubclass(cls, forms.DecisionForm)
        and cls is not forms.DecisionForm
        and not name.startswith("_")
    }


@dataclass
class Walk:
    """One case and the forms it is taken through: (suspend key, form, answer)."""

    run_id: UUID
    path: list[tuple[str, type[forms.DecisionForm], Answer]] = field(default_factory=list)


def _paths(driver: Driver) -> list[Walk]:
    moved = visit(
        "moved_to_other_la",
        seen="neighbour",
        other_local_authority="Luton Borough Council",
        other_local_authority_email="cme@luton.example.gov.uk",
        new_address="2 Sample Road, Luton LU1 1AA",
    )
    whereabouts = {
        "officer": OFFICER,
        "police_referral_on": "2026-11-24",
        "childrens_social_care_referral_on": "2026-11-24",
        "s2s_search_on": "2026-11-25",
        "s2s_result": "no_trace",
    }
    s438 = {
        "officer": OFFICER,
        "decision": "serve_notice",
        "service_method": "by_hand",
        "served_on": "2026-12-14",
        "served_on_parent": "Sam Testparent",
        "proposed_school": "Example Primary School",
    }
    order = {
        "officer": OFFICER,
        "decision": "serve_order",
        "parent_choice": "proposed_school",
        "named_school": "Example Primary School",
        "service_method": "by_hand",
        "served_on": "2027-01-05",
    }
    eso = {
        "officer": OFFICER,
        "eso_considered": True,
        "decision": "prosecute",
        "decided_on": "2027-01-28",
        "reasons": "An ESO was considered; the family has refused all engagement.",
    }
    not_complied = {"officer": OFFICER, "compliance": "not_complied", "checked_on": "2027-01-26"}
    first = ("referral-check-reasonable-enquiries", forms.ReasonableEnquiries, enquiries())
    return [
        Walk(
            off_loop(driver.open_case, make_referral()),
            [
                first,
                ("home-visit-visit-1", forms.HomeVisitRecord, moved),
                ("home-visit-la-acknowledgement", forms.LaAcknowledgement, None),
            ],
        ),
        Walk(
            off_loop(driver.open_case, make_referral()),
            [
                first,
                ("home-visit-visit-1", forms.HomeVisitRecord, located()),
                ("school-place-support-place-request", forms.SchoolPlaceRequest, place_request()),
                (
                    "school-place-support-offer-1",
                    forms.SchoolPlaceOffer,
                    place_offer("refused_every_offer"),
                ),
                ("education-enquiry-s437-notice", forms.S437NoticeService, s437_notice()),
                ("education-enquiry-s437-notice-served-1", forms.LetterServed, sent_as_stated()),
                ("education-enquiry-s437-response", forms.S437Response, not_satisfied()),
                ("sao-notice-s438-notice", forms.S438NoticeOfIntention, s438),
                ("sao-notice-s438-notice-served-1", forms.LetterServed, sent_as_stated()),
                ("sao-notice-sao-service", forms.SaoService, order),
                ("sao-notice-sao-service-served-1", forms.LetterServed, sent_as_stated()),
                ("sao-notice-sao-compliance", forms.SaoCompliance, not_complied),
                ("prosecution-referral-eso-consideration", forms.EsoConsideration, eso),
                ("prosecution-referral-prosecution-outcome", forms.ProsecutionOutcome, None),
            ],
        ),
        Walk(
            off_loop(driver.open_case, make_referral()),
            [
                first,
                ("home-visit-visit-1", forms.HomeVisitRecord, located()),
                ("school-place-support-place-request", forms.SchoolPlaceRequest, place_request()),
                (
                    "school-place-support-offer-1",
                    forms.SchoolPlaceOffer,
                    place_offer(
                        "offer_accepted",
                        start_date="2026-11-30",
                        school_email="admissions.example-primary@example.gov.uk",
                    ),
                ),
                ("school-place-support-school-start", forms.SchoolStart, None),
            ],
        ),
        # Last in each round: its whereabouts (25 November) moves the clock past the day the
        # s437(1) notice above is approved to be sent (19 November).
        Walk(
            off_loop(driver.open_case, make_referral()),
            [
                first,
                *[
                    (f"home-visit-visit-{n}", forms.HomeVisitRecord, visit("no_contact"))
                    for n in (1, 2, 3)
                ],
                ("home-visit-whereabouts-unknown", forms.WhereaboutsUnknown, whereabouts),
                ("periodic-review-review-1", forms.PeriodicReview, None),
            ],
        ),
    ]


# The first day each form may be answered on, as the case's timeline allows (the answers' dates
# are those of tests/e2e/test_journeys.py); the stack's clock only ever moves forward to it.
ANSWERED_ON: dict[str, date] = {
    "home-visit-visit-1": date(2026, 11, 10),
    "home-visit-visit-2": date(2026, 11, 10),
    "home-visit-visit-3": date(2026, 11, 10),
    "home-visit-whereabouts-unknown": date(2026, 11, 25),
    "education-enquiry-s437-notice-served-1": date(2026, 11, 19),
    "education-enquiry-s437-response": date(2026, 12, 8),
    "sao-notice-s438-notice-served-1": date(2026, 12, 14),
    "sao-notice-sao-service-served-1": date(2027, 1, 5),
    "sao-notice-sao-compliance": date(2027, 1, 26),
    "prosecution-referral-eso-consideration": date(2027, 1, 28),
}


def test_every_decision_form_reads_well_in_the_resume_dialog(
    page: Page, stack: Stack, driver: Driver, test_clock: StackClock
) -> None:
    people = bootstrap().people
    checked: set[type[forms.DecisionForm]] = set()
    today = date(2026, 11, 2)  # the day the referrals are received
    test_clock.move_to(today)
    walks = _paths(driver)
    # Round robin over the cases: one case's resume runs while the next one's form is checked.
    while any(walk.path for walk in walks):
        for walk in walks:
            if not walk.path:
                continue
            key, model, answer = walk.path.pop(0)
            driver.wait_for_form(walk.run_id, key)
            if model not in checked:
                page.goto(f"{stack.settings.ui_url}/runs/flow-run/{walk.run_id}")
                dialog = open_resume_dialog(page)
                assert_reads_well(dialog, forms.with_people(model, people))
                photograph(dialog, f"form-{_slug(model.__name__)}.png")
                checked.add(model)
            if answer is not None:
                if (day := ANSWERED_ON.get(key, today)) > today:
                    today = day
                    test_clock.move_to(today)
                off_loop(driver.resume, walk.run_id, key, answer)
    assert checked == _decision_forms() - ACT_2026_FORMS


# The forms of the 2026 Act's route and of consent to withdraw: asked only once the Act is in
# force, so walked in the test below, from the stack's commencement day (tests/e2e/product.py).
ACT_2026_FORMS = {
    forms.PreliminaryNoticeService,
    forms.PreliminaryNoticeResponse,
    forms.SchoolNominationNotice,
    forms.OrderS436IService,
    forms.OrderS436ICompliance,
    forms.EsoConsideration2026,
    forms.WithdrawalConsentForm,
    forms.RegisterSupportAnswer,
}


def _act_2026_walk() -> list[tuple[str, type[forms.DecisionForm], Answer, str]]:
    """A case found on the day the Act commences (Monday 12 April 2027), taken through its route:
    (suspend key, form, answer, the day it is answered)."""
    by_hand = {
        "officer": OFFICER,
        "service_method": "by_hand",
        "served_on_parent": "Sam Testparent",
    }
    found = "2027-04-13"
    return [
        ("referral-check-reasonable-enquiries", forms.ReasonableEnquiries, enquiries(), found),
        ("home-visit-visit-1", forms.HomeVisitRecord, located(visit_date=found), found),
        (
            "school-place-support-place-request",
            forms.SchoolPlaceRequest,
            place_request(made_on=found),
            found,
        ),
        (
            "school-place-support-offer-1",
            forms.SchoolPlaceOffer,
            place_offer("refused_every_offer", decided_on=found),
            found,
        ),
        (
            "education-enquiry-preliminary-notice",
            forms.PreliminaryNoticeService,
            by_hand | {"decision": "serve_notice", "served_on": "2027-04-15"},
            found,
        ),
        (
            "education-enquiry-preliminary-notice-served-1",
            forms.LetterServed,
            sent_as_stated(),
            "2027-04-15",
        ),
        (
            # Served by hand on 15 April: its 15 days end on the 29th.
            "education-enquiry-preliminary-response",
            forms.PreliminaryNoticeResponse,
            {
                "officer": OFFICER,
                "answer": "not_satisfied",
                "decided_on": "2027-04-30",
                "learning_environments_considered": True,
                "child_should_attend_school": True,
            },
            "2027-04-30",
        ),
        (
            "sao-notice-school-nomination-notice",
            forms.SchoolNominationNotice,
            by_hand
            | {
                "decision": "serve_notice",
                "served_on": "2027-05-04",
                "proposed_school": "Example Primary School",
            },
            "2027-05-04",
        ),
        (
            "sao-notice-school-nomination-notice-served-1",
            forms.LetterServed,
            sent_as_stated(),
            "2027-05-04",
        ),
        (
            # The window to select a school ends on 18 May.
            "sao-notice-sao-s436i-service",
            forms.OrderS436IService,
            {
                "officer": OFFICER,
                "decision": "serve_order",
                "parent_choice": "proposed_school",
                "named_school": "Example Primary School",
                "service_method": "by_hand",
                "served_on": "2027-05-19",
            },
            "2027-05-19",
        ),
        (
            "sao-notice-sao-s436i-service-served-1",
            forms.LetterServed,
            sent_as_stated(),
            "2027-05-19",
        ),
        (
            "sao-notice-sao-s436i-compliance",
            forms.OrderS436ICompliance,
            {
                "officer": OFFICER,
                "compliance": "withdrawn_while_in_force",
                "checked_on": "2027-05-20",
            },
            "2027-05-20",
        ),
        (
            "prosecution-referral-eso-consideration-2026",
            forms.EsoConsideration2026,
            {
                "officer": OFFICER,
                "eso_considered": True,
                "decision": "prosecute_for_the_offence",
                "decided_on": "2027-05-21",
                "reasons": "An ESO was considered; the child was withdrawn within a day.",
            },
            "2027-05-21",
        ),
        ("prosecution-referral-prosecution-outcome", forms.ProsecutionOutcome, None, ""),
    ]


def _consent_run(tmp_path: Path) -> UUID:
    """A special school's deletion for home education, once the Act is in force: the import
    starts the team's consent decision."""
    deleted = "2027-04-13"
    row = pupil(
        "Iris", unique_surname("Special"), "2014-05-05", "f",
        school_urn=SPECIAL_SCHOOL_URN, school_name="Example Junior School", deletion_date=deleted,
    )  # fmt: skip
    started = datetime.now(UTC)
    import_file(
        write_return(tmp_path / "special-school-return.csv", [row]),
        now=datetime.combine(date.fromisoformat(deleted), datetime.min.time(), tzinfo=UTC),
    )
    deadline = time.monotonic() + 90
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            found = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    tags=FlowRunFilterTags(all_=["withdrawal-consent"]),
                    expected_start_time=FlowRunFilterExpectedStartTime(after_=started),
                )
            )
            if found:
                return found[0].id
            time.sleep(0.5)
    raise AssertionError("the import started no consent decision")


def _support_request_run() -> UUID:
    """A child entered on the register of children not in school, whose parents ask for
    support: the run waits for the officer's answer."""
    now = datetime.combine(ACT_2026_COMMENCES, datetime.min.time(), tzinfo=UTC).isoformat()
    application = {
        "child_forenames": "Jas",
        "child_surname": unique_surname("Registered"),
        "date_of_birth": "2014-12-12",
        "home_address": "11 Example Street, St Albans",
        "home_postcode": "AL1 3ER",
        "lives_in_area": True,
        "school_status": "not_registered",
        "living_at_address_since": "2020-01-01",
        "parents": [
            {"name": "Sam Registered", "address": "11 Example Street", "provides_education": True}
        ],
        "hours_educated_by_parents": 20,
        "hours_educated_by_others": 4,
    }
    registered = run_deployment(
        "register-child-not-in-school/register-child-not-in-school",
        parameters={"application": application, "now": now},
        timeout=120,
    )
    assert isinstance(registered, FlowRun) and registered.state is not None
    assert registered.state.is_completed(), registered.state.message
    # The run is named by the entry's reference (CNIS-...), never by the child.
    assert registered.name.startswith("CNIS-"), registered.name
    asked = run_deployment(
        "register-support-request/register-support-request",
        parameters={
            "entry_reference": registered.name,
            "request": {"received_on": ACT_2026_COMMENCES.isoformat(), "request": "Tutoring"},
            "now": now,
        },
        timeout=0,
    )
    assert isinstance(asked, FlowRun)
    return asked.id


def _pause_key(run_id: UUID) -> str:
    """The key of the form a run waits on, once it waits."""
    deadline = time.monotonic() + 90
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            state = client.read_flow_run(run_id).state
            if state is not None and state.is_paused() and state.state_details.pause_key:
                return state.state_details.pause_key
            time.sleep(0.5)
    raise AssertionError(f"run {run_id} is not waiting on a form")


def test_the_2026_acts_forms_read_well_in_the_resume_dialog(
    page: Page, stack: Stack, driver: Driver, test_clock: StackClock, tmp_path: Path
) -> None:
    people = bootstrap().people
    checked: set[type[forms.DecisionForm]] = set()
    test_clock.move_to(ACT_2026_COMMENCES)
    run_id = off_loop(driver.open_case, make_referral(received_on=ACT_2026_COMMENCES))
    consent_run = off_loop(_consent_run, tmp_path)
    for key, model, answer, day in _act_2026_walk():
        driver.wait_for_form(run_id, key)
        if model in ACT_2026_FORMS and model not in checked:
            page.goto(f"{stack.settings.ui_url}/runs/flow-run/{run_id}")
            dialog = open_resume_dialog(page)
            assert_reads_well(dialog, forms.with_people(model, people))
            photograph(dialog, f"form-{_slug(model.__name__)}.png")
            checked.add(model)
        if answer is not None:
            test_clock.move_to(date.fromisoformat(day))
            off_loop(driver.resume, run_id, key, answer)
    driver.wait_for_form(consent_run, "withdrawal-consent-decision")
    page.goto(f"{stack.settings.ui_url}/runs/flow-run/{consent_run}")
    dialog = open_resume_dialog(page)
    assert_reads_well(dialog, forms.with_people(forms.WithdrawalConsentForm, people))
    photograph(dialog, "form-withdrawal-consent-form.png")
    checked.add(forms.WithdrawalConsentForm)
    support_run = off_loop(_support_request_run)
    driver.wait_for_form(support_run, off_loop(_pause_key, support_run))
    page.goto(f"{stack.settings.ui_url}/runs/flow-run/{support_run}")
    dialog = open_resume_dialog(page)
    assert_reads_well(dialog, forms.with_people(forms.RegisterSupportAnswer, people))
    photograph(dialog, "form-register-support-answer.png")
    checked.add(forms.RegisterSupportAnswer)
    assert checked == ACT_2026_FORMS
