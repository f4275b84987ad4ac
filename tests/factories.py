"""Valid, fictitious test data. Override any field: ``make_referral(child_surname="Example")``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from models.enums import ReferrerType, Relationship, SafeguardingIndicator, Sex
from models.referral import Referral


def make_referral(**overrides: Any) -> Referral:
    """A school's referral of an 11-year-old in St Albans, received on Monday 2 November 2026."""
    fields: dict[str, Any] = {
        "received_on": date(2026, 11, 2),
        "referrer_type": ReferrerType.SCHOOL,
        "referrer_name": "Attendance Lead",
        "referrer_organisation": "Example Primary School",
        "referrer_contact": "attendance@example-primary.example.gov.uk",
        "child_forenames": "Alex Sample",
        "child_surname": "Testchild",
        "child_aliases": ["Alex Example"],
        "child_date_of_birth": date(2015, 3, 14),
        "child_sex": Sex.NOT_KNOWN,
        "address": "1 Example Street, St Albans",
        "postcode": "AL1 3ER",
        "parents": [
            {
                "name": "Sam Testparent",
                "relationship": Relationship.GUARDIAN,
                "phone": "01632 960000",
            }
        ],
        "last_school_name": "Example Primary School",
        "last_school_urn": "999999",
        "date_last_attended": date(2026, 10, 9),
        "concerns": "Not seen since the half-term holiday; the family's phone is disconnected.",
    }
    fields.update(overrides)
    return Referral.model_validate(fields)


def further_referral_about(born: date) -> Referral:
    """A second referral about the child `make_referral` describes, born on `born`: anonymous,
    the surname mistyped, the legal name given as an alias, and an immediate risk."""
    return make_referral(
        received_on=date(2026, 11, 20),
        referrer_type=ReferrerType.ANONYMOUS,
        referrer_name=None,
        referrer_organisation=None,
        referrer_contact=None,
        child_surname="Testchlid",
        child_aliases=["Alex Sample Testchild"],
        child_date_of_birth=born,
        safeguarding_indicators=[SafeguardingIndicator.IMMEDIATE_RISK],
    )


def distinct_births() -> Iterator[date]:
    """Dates of birth for children who are each their own child (about 1,500 of them).

    A referral about a child with an open case joins that case, so tests and benchmarks
    that open many cases of the default child give each one of these instead. Days after the 12th
    have no day-month transposition, so no two of them even look alike to the matcher; all are of
    compulsory school age on the default referral date.
    """
    for year in range(2012, 2020):
        for month in range(1, 13):
            for day in range(13, 29):
                yield date(year, month, day)
