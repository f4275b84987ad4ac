"""A referral from the public form arrives in the officers' Prefect UI as a case waiting for its
first decision: through the cme-case deployment, as if an officer had entered it, and not lost
while the Prefect server is down."""

from __future__ import annotations

import re
import time

import httpx
import pytest

from models.enums import ReferrerType
from store.orm import SubmissionStatus
from tests.e2e.driver import Driver
from tests.public_form.answers import NAMED, complete
from tests.public_form.conftest import PublicForm
from tests.public_form.http import fill_in

pytestmark = pytest.mark.e2e

FIRST_FORM = "referral-check-reasonable-enquiries"
RECEIPT = re.compile(r"CME-R-[2-9A-Z]{4}-[2-9A-Z]{4}")


def _send(public_form: PublicForm, **answers: str | list[str]) -> str:
    """Fill in the public form over HTTP, anonymously unless told otherwise; the receipt.

    Each test's child is born on a day of their own ("dob-day"): the case flow joins a referral
    about a child with an open case to that case, which these tests are not about.
    """
    with httpx.Client(base_url=public_form.url, timeout=10) as client:
        sent = fill_in(client, complete(**answers))
        assert sent.status_code == 303, sent.text
        confirmation = client.get(sent.headers["location"])
    match = RECEIPT.search(confirmation.text)
    assert match, confirmation.text
    return match.group(0)


def test_an_anonymous_referral_becomes_a_case_waiting_for_its_first_decision(
    public_form: PublicForm, driver: Driver
) -> None:
    receipt = _send(public_form, child_surname="Anonform", **{"dob-day": "15"})

    run_id = public_form.wait_until_delivered(receipt)
    driver.wait_for_form(run_id, FIRST_FORM)
    case = driver.case(run_id)
    run = driver.read(run_id)
    assert run.name == case.reference  # renamed from the receipt to the case reference
    assert "public-form" in run.tags
    referrer_type, payload, surname = public_form.case_referral(run_id)
    assert referrer_type is ReferrerType.ANONYMOUS
    assert payload["referrer_name"] is None and payload["referrer_contact"] is None
    assert surname == "Anonform"


def test_a_referral_that_does_not_know_where_the_child_lives_opens_a_case_for_the_team_lead(
    public_form: PublicForm, driver: Driver
) -> None:
    receipt = _send(
        public_form,
        child_surname="Nowhereform",
        address="",
        postcode="",
        address_unknown="yes",
        **{"dob-day": "18"},
    )

    run_id = public_form.wait_until_delivered(receipt)
    driver.wait_for_form(run_id, FIRST_FORM)
    case = driver.case(run_id)
    # No home postcode and no last school URN (the public form does not ask for one).
    assert (case.officer_id, case.dspl_area) == ("cme-team-lead", None)
    _, payload, _ = public_form.case_referral(run_id)
    assert payload["address"] is None and payload["no_address_reason"] == "address_not_known"


def test_a_named_referral_with_immediate_risk_escalates_to_mash_at_once(
    public_form: PublicForm, driver: Driver
) -> None:
    receipt = _send(
        public_form,
        child_surname="Namedform",
        safeguarding=["immediate_risk"],
        **{**NAMED, "dob-day": "16"},
    )

    run_id = public_form.wait_until_delivered(receipt)
    driver.wait_for_form(run_id, FIRST_FORM)
    case = driver.case(run_id)
    referrer_type, payload, _ = public_form.case_referral(run_id)
    assert referrer_type is ReferrerType.MEMBER_OF_PUBLIC
    assert payload["referrer_name"] == "Pat Neighbour"
    (escalation,) = driver.inbox.wait_for(case.reference)
    assert "Safeguarding" in str(escalation["Subject"])
    assert "mash@example.gov.uk" in escalation["X-Envelope-To"]


def test_a_referral_sent_while_prefect_is_down_is_kept_and_delivered_after(
    public_form: PublicForm, driver: Driver
) -> None:
    stack = driver.stack
    assert stack.drain_runners(timeout=30)
    stack.stop("prefect-server")
    try:
        receipt = _send(public_form, child_surname="Outageform", **{"dob-day": "17"})
        kept = public_form.submission(receipt)
        assert kept.status is SubmissionStatus.PENDING
        # The drainer tries, fails, keeps it and tries again.
        deadline = time.monotonic() + 60
        while kept.attempts < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
            kept = public_form.submission(receipt)
        assert kept.attempts >= 2, kept
        assert kept.status is SubmissionStatus.PENDING and kept.last_error
    finally:
        stack.start_server()

    run_id = public_form.wait_until_delivered(receipt)
    driver.wait_for_form(run_id, FIRST_FORM)
    assert public_form.case_referral(run_id)[2] == "Outageform"


def test_the_public_web_process_holds_no_prefect_settings_or_credentials(
    public_form: PublicForm,
) -> None:
    web = public_form.stack.processes["public-form"]
    drainer = public_form.stack.processes["public-form-drainer"]

    def names(pid: int) -> set[str]:
        with open(f"/proc/{pid}/environ", "rb") as handle:
            return {entry.split(b"=", 1)[0].decode() for entry in handle.read().split(b"\0")}

    assert not {name for name in names(web.pid) if name.startswith("PREFECT_")}
    assert "PREFECT_API_URL" in names(drainer.pid)
