"""What intake does to an open case: a closure requested from outside, a further referral."""

from __future__ import annotations

from datetime import UTC, date, datetime

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from models.enums import CaseStatus, ClosureOutcome, ReferrerType, Stage
from store import cases, closure_requests
from store.database import session_scope
from tests.factories import further_referral_about, make_referral
from tests.flows.casework import Product, only_case, read_case, run_case, to_home_visit

OFFICER_EMAIL = "cme.officer.dspl6-9@example.gov.uk"  # AL1 (St Albans) is DSPL 7


def test_a_closure_requested_while_the_case_waits_closes_it_at_its_next_form(
    product: Product,
) -> None:
    """A new-pupil return found the child on roll while the case waited for its home visit."""
    to_home_visit(product)

    def new_pupil_return() -> None:
        case = only_case(product).case
        with session_scope(product.engine) as session:
            closure_requests.request_closure(
                session=session,
                case_id=case.id,
                outcome=ClosureOutcome.FOUND_ON_ROLL,
                reason="NP-2026-00001 line 2: on roll at Example Academy (fictional)",
                requested_by="intake-new-pupil-returns",
                details={"school_name": "Example Academy (fictional)", "school_urn": "999002"},
                requested_at=datetime.now(UTC),
            )

    product.officer.while_waiting["home-visit-visit-1"] = new_pupil_return
    ran = run_case(make_referral())
    record = only_case(product)
    assert ran.reference == record.case.reference
    assert "home-visit-visit-1" not in product.officer.asked
    assert record.case.status is CaseStatus.CLOSED
    assert record.case.closure_outcome is ClosureOutcome.FOUND_ON_ROLL
    assert record.case.current_stage is Stage.HOME_VISIT
    for kind in ("closure_requested", "closure_request_carried_out", "case_closed"):
        assert record.events.count(kind) == 1, kind
    assert set(record.decisions) == {"referral-check-reasonable-enquiries"}
    (closure_mail,) = product.inbox.wait_for(record.case.reference)
    assert closure_mail["Subject"] == f"[{record.case.reference}] Case closed: Found on roll"
    assert OFFICER_EMAIL in closure_mail["X-Envelope-To"]


def test_a_referral_about_a_child_with_an_open_case_is_recorded_on_it(product: Product) -> None:
    born = date(2011, 10, 6)
    first = run_case(make_referral(child_date_of_birth=born))
    assert first.waiting_on == "referral-check-reasonable-enquiries"
    case = only_case(product).case

    product.officer.clock.move_to(date(2026, 11, 20))  # the day the further referral arrives
    again = run_case(further_referral_about(born))
    assert again.reference == case.reference  # no second case
    record = only_case(product)
    assert "further_referral_received" in record.events
    assert record.decisions == {}
    with session_scope(product.engine) as session:
        opened = cases.get_case(session=session, reference=case.reference)
        assert opened is not None
        assert sorted(r.referrer_type for r in opened.referrals) == sorted(
            [ReferrerType.SCHOOL, ReferrerType.ANONYMOUS]
        )

    mails = product.inbox.wait_for(case.reference, count=2)
    by_subject = {str(m["Subject"]): m for m in mails}
    further = by_subject[f"[{case.reference}] Further referral recorded on your case"]
    assert OFFICER_EMAIL in further["X-Envelope-To"]
    escalation = next(m for s, m in by_subject.items() if "Safeguarding" in s)
    assert "mash@example.gov.uk" in escalation["X-Envelope-To"]
    assert read_case(product, case.reference).case.status is CaseStatus.OPEN


def test_a_possible_duplicate_is_shown_at_once_on_the_waiting_cases_summary(
    product: Product,
) -> None:
    """The first case waits on its form; a near match opens a second case, and the first
    case's summary (what its officer reads) shows the note now, still saying what it awaits."""
    first = run_case(make_referral())
    assert first.waiting_on == "referral-check-reasonable-enquiries"
    waiting = only_case(product).case
    key = "case-" + waiting.reference.lower()
    before = _latest_summary(key)
    assert "possible duplicate" not in before

    # Only a typo: similar names count at most 0.8, so this is near, never certain.
    second = run_case(make_referral(child_surname="Testchlid", child_aliases=[]))
    assert second.waiting_on == "referral-check-reasonable-enquiries"

    after = _latest_summary(key)
    assert "possible duplicate of CME-" in after and "for review" in after
    awaiting = next(line for line in after.splitlines() if line.startswith("| Awaiting |"))
    assert awaiting == next(line for line in before.splitlines() if line.startswith("| Awaiting |"))
    assert "nothing" not in awaiting


def _latest_summary(key: str) -> str:
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    assert found, key
    return str(found[0].data)
