"""Complete, valid answers to the public form's pages, page by page (fictitious)."""

from __future__ import annotations

from models.public_form import Answers

CHILD: Answers = {
    "child_forenames": "Alex Sample",
    "child_surname": "Testchild",
    "child_aliases": "Alex Example, AJ",
    "dob-day": "14",
    "dob-month": "3",
    "dob-year": "2015",
    "child_sex": "female",
}
ADDRESS: Answers = {
    "address": "1 Example Street, St Albans",
    "postcode": "al1 3er",
    "address_unknown": [],
    "last_school_name": "Example Primary School",
}
CONCERN: Answers = {
    "concerns": "Not seen at school since half term; the family's phone is disconnected.",
    "safeguarding": ["none"],
}
ANONYMOUS: Answers = {
    "referrer_type": "anonymous",
    "agency_kind": "",
    "referrer_name": "",
    "referrer_organisation": "",
    "referrer_contact": "",
}
NAMED: Answers = {
    "referrer_type": "member_of_public",
    "agency_kind": "",
    "referrer_name": "Pat Neighbour",
    "referrer_organisation": "",
    "referrer_contact": "01632 960001",
}


def complete(**overrides: str | list[str]) -> Answers:
    """Every page answered anonymously, with any answer overridden."""
    answers: Answers = {**CHILD, **ADDRESS, **CONCERN, **ANONYMOUS}
    answers.update(overrides)
    return answers
