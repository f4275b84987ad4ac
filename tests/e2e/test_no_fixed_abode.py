"""Every child can be referred: a child of no fixed abode, recorded with the NHS pseudo-postcode,
is opened through the served `cme-case` deployment, allocated by the last school's DSPL area, and
waits on its first form like any other case."""

from __future__ import annotations

import json
from datetime import date

import pytest

from models.enums import NoAddressReason, ReferrerType
from store.database import session_scope
from store.orm import Child
from tests.e2e.driver import Driver
from tests.e2e.product import StackClock
from tests.factories import make_referral

pytestmark = pytest.mark.e2e

FIRST_FORM = "referral-check-reasonable-enquiries"
OFFICER_1_5 = "cme-officer-dspl-1-5"


def test_a_child_of_no_fixed_abode_is_allocated_by_the_last_schools_area_and_waits(
    driver: Driver, test_clock: StackClock
) -> None:
    test_clock.move_to(date(2026, 11, 2))  # the day the referral is received
    referral = make_referral(
        referrer_type=ReferrerType.AGENCY,
        agency_kind="health",
        referrer_name="Health Visitor",
        referrer_organisation="Example Health Trust",
        referrer_contact="health.visitor@example.nhs.uk",
        child_forenames="Casey",
        child_surname="Nomadexample",
        child_aliases=[],
        child_date_of_birth=date(2014, 6, 20),
        address=None,
        postcode="ZZ99 3VZ",  # the NHS pseudo-postcode for no fixed abode
        last_school_name="Sample Academy",
        last_school_urn="999002",  # an example row of config/cme.toml [schools]: EN8, DSPL 4
    )
    assert referral.no_address_reason is NoAddressReason.NO_FIXED_ABODE

    run_id = driver.open_case(referral)

    run = driver.wait_for_form(run_id, FIRST_FORM)
    case = driver.case(run_id)
    assert run.name == case.reference
    assert (case.officer_id, case.dspl_area) == (OFFICER_1_5, 4)
    assert case.allocation is not None
    assert case.allocation["reason"] == "by_last_school"
    with session_scope(driver.engine) as session:
        child = session.get(Child, case.child_id)
        assert child is not None
        assert (child.address, child.postcode) == (None, "ZZ99 3VZ")
        assert child.no_address_reason is NoAddressReason.NO_FIXED_ABODE
    assert (
        "- **Allocation:** Allocated to CME Officer (DSPL 1-5) by the last school's area, "
        "DSPL 4: no home postcode (no fixed abode)"
    ) in json.loads(driver.form_description(run_id, FIRST_FORM))
