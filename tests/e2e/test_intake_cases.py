"""Intake meets open cases, end to end through the served deployments.

A referral about a child whose case is open joins that case; a school's new-pupil return closes
the case of a pupil it certainly names, through the case's own waiting run, and lists a possible
match for the officer without touching that case.
"""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from sqlalchemy import func, select

from models.enums import ClosureOutcome, ReferrerType
from models.school_returns import NEW_PUPIL_RETURN_COLUMNS
from store import closure_requests, new_pupils, referrals
from store.orm import Case, NewPupilReturn
from store.unit_of_work import bootstrap
from tests.e2e.driver import Driver
from tests.factories import further_referral_about, make_referral
from tests.mail import Inbox, body_of

pytestmark = pytest.mark.e2e

FIRST_FORM = "referral-check-reasonable-enquiries"
OFFICER_EMAIL = "cme.officer.dspl6-9@example.gov.uk"  # AL1 (St Albans) is DSPL 7
MASH_EMAIL = "mash@example.gov.uk"
IMPORT = "intake-new-pupil-returns/intake-new-pupil-returns"


def _subjects(inbox: Inbox, reference: str) -> list[str]:
    return [str(m["Subject"]) for m in inbox.about(reference)]


def _case_count() -> int:
    with bootstrap().transaction() as session:
        return session.scalar(select(func.count()).select_from(Case)) or 0


def test_a_referral_about_a_child_with_an_open_case_is_recorded_on_it_not_opened_again(
    driver: Driver, inbox: Inbox
) -> None:
    born = date(2011, 10, 6)
    first = driver.open_case(make_referral(child_date_of_birth=born))
    driver.wait_for_form(first, FIRST_FORM)
    case = driver.case(first)
    cases_before = _case_count()

    again = driver.open_case(further_referral_about(born))
    run = driver.wait_until_final(again)

    assert run.state is not None and run.state.type is StateType.COMPLETED
    assert run.name == f"{case.reference} further referral"
    assert "Testchlid" not in run.name and "cme-case" not in run.tags
    assert _case_count() == cases_before  # no second case
    with bootstrap().transaction() as session:
        referral = referrals.get_referral_by_flow_run(session=session, flow_run_id=again)
        assert referral is not None and referral.case_id == case.id
        assert referral.referrer_type is ReferrerType.ANONYMOUS
    assert "further_referral_received" in driver.events(case)

    mails = inbox.wait_for(case.reference, count=2)
    by_subject = {str(m["Subject"]): m for m in mails}
    further = by_subject[f"[{case.reference}] Further referral recorded on your case"]
    assert OFFICER_EMAIL in further["X-Envelope-To"]
    assert str(again) in body_of(further) and "Testchlid" not in body_of(further)
    escalation = next(m for s, m in by_subject.items() if "Safeguarding" in s)
    assert MASH_EMAIL in escalation["X-Envelope-To"]

    # The case's own run is undisturbed: still waiting for its officer, on the same form.
    waiting = driver.read(first)
    assert waiting.state_name == "Suspended"
    assert waiting.state is not None and waiting.state.state_details.pause_key == FIRST_FORM
    assert driver.decisions(case) == {}


def _pupil(forenames: str, surname: str, born: str, **overrides: str) -> dict[str, str]:
    row = {
        "pupil_forenames": forenames,
        "pupil_surname": surname,
        "pupil_aliases": "",
        "date_of_birth": born,
        "address": "1 Example Street, St Albans",
        "postcode": "AL1 3ER",
        "school_name": "Example Academy (fictional)",
        "school_urn": "999002",
        "admission_date": "2026-11-20",
        "upn": "",
    }
    row.update(overrides)
    return row


def _write_return(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(NEW_PUPIL_RETURN_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)


def _import(path: Path) -> FlowRun:
    run = run_deployment(IMPORT, parameters={"path": str(path)}, timeout=180)
    assert isinstance(run, FlowRun)
    assert run.state is not None and run.state.type is StateType.COMPLETED, run.state
    return run


def _referral(forenames: str, surname: str, born: date) -> Any:
    return make_referral(
        child_forenames=forenames, child_surname=surname, child_aliases=[], child_date_of_birth=born
    )


def test_a_new_pupil_return_closes_the_pupils_case_through_its_own_run_and_lists_a_near_match(
    driver: Driver, inbox: Inbox, tmp_path: Path
) -> None:
    found = driver.open_case(_referral("Morgan", "Examplechild", date(2012, 2, 5)))
    maybe = driver.open_case(_referral("Riley", "Sampleton", date(2013, 7, 9)))
    driver.wait_for_form(found, FIRST_FORM)
    driver.wait_for_form(maybe, FIRST_FORM)
    found_case, maybe_case = driver.case(found), driver.case(maybe)

    school_return = tmp_path / "example-academy-new-pupils.csv"
    _write_return(
        school_return,
        [
            _pupil("Morgan", "Examplechild", "2012-02-05", postcode="AL2 1AA"),  # certain
            _pupil("Riley", "Sampletin", "2013-07-09"),  # a typo: near, never closes
            _pupil("Sam", "Badrow", "2013-07-09", admission_date="soon"),  # quarantined
        ],
    )
    _import(school_return)

    # Case 1's own run was woken, found the request at its form and closed the case.
    run = driver.wait_until_final(found)
    assert run.state is not None and run.state.type is StateType.COMPLETED
    closed = driver.case(found)
    assert closed.closure_outcome is ClosureOutcome.FOUND_ON_ROLL
    events = driver.events(closed)
    for kind in ("closure_requested", "closure_request_carried_out", "case_closed"):
        assert events.count(kind) == 1, kind
    assert driver.decisions(closed) == {}
    [closure_mail] = inbox.wait_for(found_case.reference)
    assert closure_mail["Subject"] == f"[{found_case.reference}] Case closed: Found on roll"
    assert OFFICER_EMAIL in closure_mail["X-Envelope-To"]
    assert "999002" in body_of(closure_mail) and "Examplechild" not in body_of(closure_mail)

    # Case 2 is untouched, still waiting, and on the review list; its officer was asked to look.
    assert driver.read(maybe).state_name == "Suspended"
    with bootstrap().transaction() as session:
        reviews = new_pupils.list_open_reviews(session=session)
    assert [r.case_reference for r in reviews] == [maybe_case.reference]
    [review_mail] = inbox.wait_for(maybe_case.reference)
    assert "for review" in str(review_mail["Subject"])
    assert "closure_requested" not in driver.events(maybe_case)

    # The file is filed in processed/ with its report, which names the bad row by line and column.
    filed = tmp_path / "processed" / school_return.name
    assert filed.exists() and not school_return.exists()
    with (tmp_path / "processed" / f"{school_return.name}.report.csv").open(
        encoding="utf-8"
    ) as handle:
        quarantined = list(csv.DictReader(handle))
    assert [(q["line"], q["column"]) for q in quarantined] == [("4", "admission_date")]
    assert quarantined[0]["pupil_surname"] == "Badrow"

    # The same file again: nothing new.
    shutil.copy(filed, school_return)
    events_before = (driver.events(closed), driver.events(maybe_case))
    mails_before = _subjects(inbox, found_case.reference) + _subjects(inbox, maybe_case.reference)
    _import(school_return)
    assert (driver.events(closed), driver.events(maybe_case)) == events_before
    with bootstrap().transaction() as session:
        assert session.scalar(select(func.count()).select_from(NewPupilReturn)) == 1
    mails_after = _subjects(inbox, found_case.reference) + _subjects(inbox, maybe_case.reference)
    assert mails_after == mails_before
    assert driver.read(maybe).state_name == "Suspended"


def test_a_closure_an_import_recorded_but_did_not_wake_is_carried_out_by_the_next_import(
    driver: Driver, tmp_path: Path
) -> None:
    """An import commits its closure requests before it wakes the cases' runs; one that stopped
    in between (a worker lost, the server unreachable) leaves the case waiting on its form. The
    next import, of any file, wakes every run with a request not yet carried out."""
    run_id = driver.open_case(_referral("Jordan", "Exampleson", date(2012, 4, 3)))
    driver.wait_for_form(run_id, FIRST_FORM)
    case = driver.case(run_id)
    with bootstrap().transaction() as session:  # what the stopped import had committed
        closure_requests.request_closure(
            session=session,
            case_id=case.id,
            outcome=ClosureOutcome.FOUND_ON_ROLL,
            reason="NP-2026-09999 line 2: on roll at Example Academy (fictional)",
            requested_by="intake-new-pupil-returns",
            details={"school_name": "Example Academy (fictional)", "school_urn": "999002"},
            requested_at=datetime.now(UTC),
        )
    assert driver.read(run_id).state_name == "Suspended"

    unrelated = tmp_path / "another-school-new-pupils.csv"
    _write_return(unrelated, [_pupil("Alex", "Unrelatedchild", "2014-01-15")])
    _import(unrelated)

    run = driver.wait_until_final(run_id)
    assert run.state is not None and run.state.type is StateType.COMPLETED
    assert driver.case(run_id).closure_outcome is ClosureOutcome.FOUND_ON_ROLL
    assert driver.events(driver.case(run_id)).count("closure_request_carried_out") == 1
