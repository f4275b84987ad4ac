"""Consent to withdraw (s434A): a deletion return imported by the real `intake-deletion-returns`
flow opens the team's consent decision for a relevant child, and the real `withdrawal-consent`
flow records the decision and carries it out, in this process.

Only the start of each deployment run is replaced (`ConsentRuns`, which keeps Prefect's
idempotency key rule) and the wait for a person (the scripted officer of tests/flows/conftest.py);
the ledger, the consent table, the EHE list, the emails (a real SMTP server) and the summaries (a
real Prefect server) are the product's own. Every person and school is fictitious.
"""

from __future__ import annotations

import dataclasses
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from prefect.client.schemas.objects import FlowRun

import flows.deletion_returns
import flows.withdrawal_consent
import tasks.deletion_returns
from flows.deletion_returns import intake_deletion_returns
from flows.withdrawal_consent import DECISION_KEY, withdrawal_consent
from models.regime import RegimeId
from store import imports
from store import withdrawal_consent as consents
from store.database import session_scope
from store.orm import IntakeImport, IntakeRow, WithdrawalConsent
from store.unit_of_work import bootstrap, install
from tests.flows.casework import Product
from tests.flows.test_deletion_returns import summaries

NOW = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)
RETURNS = Path(__file__).parent / "returns"
FILE = "home-education.csv"
SPECIAL_SCHOOL = "999003"  # Example Junior School: no contact configured, so the team inbox
TEAM_INBOX = "cme.team@example.gov.uk"
EHE_TEAM = "ehe.team@example.gov.uk"
PRIMARY_CONTACT = "attendance.example-primary@example.gov.uk"  # Jude's school, 999001
NAMES = ("Iris", "Specialpupil", "Jude", "Protectedchild", "Kit", "Homelearner")
EXTRACT = (
    "forenames,surname,date_of_birth,postcode,status\n"
    "Jude,Protectedchild,2015-06-06,AL1 3ER,child_protection_plan\n"
    "Someone,Else,2012-01-01,SG1 1AA,s47_enquiry\n"
)


@dataclass
class ConsentRuns:
    """`run_deployment` for the import's runs: one run per idempotency key, as Prefect keeps it."""

    runs: dict[str, FlowRun] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    down: bool = False

    def __call__(self, name: str, **options: Any) -> FlowRun:
        self.names.append(name)
        if self.down:
            raise ConnectionError("the Prefect API did not answer")
        key = str(options["idempotency_key"])
        if key not in self.runs:
            self.runs[key] = FlowRun(
                flow_id=uuid.uuid4(),
                name=options["flow_run_name"],
                parameters=options["parameters"],
                idempotency_key=key,
                tags=options["tags"],
            )
        return self.runs[key]

    def consent_runs(self) -> dict[str, FlowRun]:
        """By run name."""
        return {
            str(run.name): run
            for run in self.runs.values()
            if str(run.idempotency_key).startswith("withdrawal-consent:")
        }


@pytest.fixture
def runs(product: Product, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ConsentRuns:
    """The council's configuration for s434A: a special school and a social care extract."""
    extract = tmp_path / "child_protection.csv"
    extract.write_text(EXTRACT, encoding="utf-8")
    uow = bootstrap()
    config = uow.config.model_copy(
        update={
            "special_schools": (SPECIAL_SCHOOL,),
            "extracts": uow.config.extracts.model_copy(update={"child_protection": extract}),
        }
    )
    install(dataclasses.replace(uow, config=config))
    started = ConsentRuns()
    monkeypatch.setattr(tasks.deletion_returns, "run_deployment", started)
    monkeypatch.setattr(
        flows.deletion_returns,
        "open_consent_run",
        tasks.deletion_returns.open_consent_run.with_options(retries=0),
    )
    monkeypatch.setattr(flows.withdrawal_consent, "suspend_flow_run", product.officer.suspend)
    monkeypatch.setattr(flows.withdrawal_consent, "has_answer", product.officer.has_answer)
    return started


def commence_on(day: date) -> None:
    uow = bootstrap()
    regimes = uow.regimes.model_copy(update={"commences_on": {RegimeId.CWSA_2026: day}})
    install(dataclasses.replace(uow, regimes=regimes))


def import_file(
    product: Product, *, completes: bool = True
) -> tuple[IntakeImport, list[IntakeRow], uuid.UUID]:
    folder = product.home / "intake" / "deletion-returns"
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / FILE
    if not file.exists():
        shutil.copy(RETURNS / FILE, file)
    state = intake_deletion_returns(path=str(file), now=NOW, return_state=True)
    assert state.is_completed() is completes, state.message
    run_id = state.state_details.flow_run_id
    assert run_id is not None
    with session_scope(product.engine) as session:
        entry = session.query(IntakeImport).filter_by(file_name=FILE).one()
        rows = imports.list_rows(session=session, import_id=entry.id)
        session.expunge_all()
    return entry, rows, run_id


def requests(product: Product) -> dict[int, WithdrawalConsent]:
    """The consent requests by the row they came from."""
    with session_scope(product.engine) as session:
        found = {}
        for request in consents.list_consents(session=session):
            row, _ = consents.row_of(session=session, consent_id=request.id)
            found[row.row_number] = request
        session.expunge_all()
    return found


def ehe_listed_rows(product: Product) -> list[int]:
    with session_scope(product.engine) as session:
        return sorted(
            session.get(IntakeRow, entry.intake_row_id).row_number  # type: ignore[union-attr]
            for entry in imports.list_ehe_list(session=session)
        )


def plain(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def words(text: str) -> str:
    """The text as read, its line breaks as spaces."""
    return " ".join(text.split())


def decide(product: Product, consent_id: int, values: dict[str, Any], on: date) -> str:
    product.officer.answer(DECISION_KEY, values, on=on)
    return withdrawal_consent(consent_id=consent_id)


def test_a_relevant_child_opens_a_consent_decision_and_refused_tells_the_school(
    product: Product, runs: ConsentRuns
) -> None:
    commence_on(date(2026, 11, 1))

    entry, rows, import_run = import_file(product)

    # Iris (special school, Condition A) and Jude (child protection plan, Condition B) need the
    # authority's consent; Kit is neither and goes on the EHE list as before.
    assert [(r.row_number, r.outcome) for r in rows] == [
        (2, "consent_requested"),
        (3, "consent_requested"),
        (4, "ehe_listed"),
    ]
    assert ehe_listed_rows(product) == [4]
    asked = requests(product)
    assert asked[2].conditions == ["a_special_school"]
    assert asked[2].sources == ["Condition A: school URN 999003 is a configured special school"]
    assert asked[3].conditions == ["b_child_protection"]
    assert (
        asked[3]
        .sources[0]
        .startswith(
            "Condition B: matched in the children's social care extract (a child protection plan)"
        )
    )

    # One run per request, named by the import and row; no child in names, tags or parameters.
    started = runs.consent_runs()
    assert sorted(started) == [f"{entry.reference}-row-{n}-consent" for n in (2, 3)]
    for run in started.values():
        text = f"{run.name} {run.tags} {run.parameters}"
        assert not any(name in text for name in NAMES)
        assert run.parameters["consent_id"] in {asked[2].id, asked[3].id}
    assert {asked[2].flow_run_id, asked[3].flow_run_id} == {r.id for r in started.values()}
    (summary,) = summaries(flow_run_id=import_run)
    assert "| consent_requested | 2 |" in summary
    assert "| ehe_listed | 1 |" in summary

    # The EHE team's notice for the import lists Kit only.
    (ehe_notice,) = product.inbox.wait_for(entry.reference, count=1)
    assert "Kit Homelearner" in plain(ehe_notice)
    assert "Jude" not in plain(ehe_notice) and "Iris" not in plain(ehe_notice)

    # Jude: a decision day after today is refused and asked again, with the reason shown.
    product.officer.answer(
        DECISION_KEY,
        {"decision": "consent_refused", "reasons": "On a plan.", "decided_on": "2026-11-20"},
        on=date(2026, 11, 17),
    )
    product.officer.answer(
        f"{DECISION_KEY}-retry-1",
        {
            "decision": "consent_refused",
            "reasons": "  The child protection plan needs the school's daily oversight.  ",
            "decided_on": "2026-11-17",
        },
    )
    assert withdrawal_consent(consent_id=asked[3].id) == "consent_refused"

    form = product.officer.descriptions[DECISION_KEY]
    assert "consent to withdraw from school (section 434A)" in form
    assert "**Due:** no date set: the Act sets no period for this decision" in form
    assert "await statutory guidance that has not yet been made" in words(form)
    assert "Condition B: s47 enquiries, or a child protection plan (s47(8))" in form
    assert f"row 3 of the school's return {entry.reference}" in form
    assert "- **Child:** J. P., aged 11 on the deletion day" in form
    assert "Jude" not in form and "Protectedchild" not in form
    retried = product.officer.descriptions[f"{DECISION_KEY}-retry-1"]
    assert "decided_on: the decision day may not be after today (2026-11-17)" in retried

    decided = requests(product)[3]
    assert (decided.decision, decided.decided_on, decided.decided_by, decided.signed_in_as) == (
        "consent_refused",
        date(2026, 11, 17),
        product.officer.team_id,
        product.officer.username,
    )
    assert decided.reasons == "The child protection plan needs the school's daily oversight."
    assert ehe_listed_rows(product) == [4]

    mails = product.inbox.wait_for(decided.reference, count=2)
    by_recipient = {str(m["X-Envelope-To"]): m for m in mails}
    assert sorted(by_recipient) == [PRIMARY_CONTACT, TEAM_INBOX]
    school = by_recipient[PRIMARY_CONTACT]
    assert str(school["Subject"]) == (
        f"[{decided.reference}] Consent to withdraw refused: the pupil stays on roll"
    )
    text = plain(school)
    assert text.startswith("To Example Primary School (URN 999001):")
    assert "On 2026-11-17 Hertfordshire County Council refused that consent" in words(text)
    assert "The pupil stays on your admission register" in words(text)
    assert "- Row 3: Jude Protectedchild, born 2015-06-06" in text
    assert "daily oversight" not in text  # the reasons are the team's record, not the school's
    team = plain(by_recipient[TEAM_INBOX])
    assert "The school has been told that the pupil stays on its roll." in words(team)
    assert "The child protection plan needs the school's daily oversight." in team

    # Replayed (a resumed run runs again from the top): nothing is asked or sent again.
    asked_before, sent_before = len(product.officer.asked), len(product.inbox.messages)
    assert withdrawal_consent(consent_id=asked[3].id) == "consent_refused"
    assert len(product.officer.asked) == asked_before
    assert len(product.inbox.messages) == sent_before


def test_consent_given_puts_the_child_on_the_ehe_list_with_its_notice(
    product: Product, runs: ConsentRuns
) -> None:
    commence_on(date(2026, 11, 1))
    _, _, _ = import_file(product)
    iris = requests(product)[2]

    result = decide(
        product,
        iris.id,
        {
            "decision": "consent_given",
            "reasons": "The parent's plan meets the needs in the EHC plan; school agrees.",
            "decided_on": "2026-11-17",
        },
        on=date(2026, 11, 17),
    )

    assert result == "consent_given"
    assert ehe_listed_rows(product) == [2, 4]
    (notice,) = product.inbox.wait_for(iris.reference, count=1)
    assert str(notice["X-Envelope-To"]) == EHE_TEAM
    text = words(plain(notice))
    assert "the CME team recorded its decision on 2026-11-17: Consent given" in text
    assert "- Row 2: Iris Specialpupil, born 2014-05-05, WD17 1AA;" in text
    assert "Example Junior School (URN 999003), deleted 2026-11-13" in text
    assert "The child is now on the EHE list" in text


def test_blank_reasons_are_asked_for_again(product: Product, runs: ConsentRuns) -> None:
    commence_on(date(2026, 11, 1))
    import_file(product)
    iris = requests(product)[2]
    product.officer.answer(
        DECISION_KEY,
        {"decision": "consent_given", "reasons": "   ", "decided_on": "2026-11-17"},
        on=date(2026, 11, 17),
    )
    product.officer.answer(
        f"{DECISION_KEY}-retry-1",
        {"decision": "consent_given", "reasons": "Agreed at panel.", "decided_on": "2026-11-17"},
    )
    assert withdrawal_consent(consent_id=iris.id) == "consent_given"
    retried = product.officer.descriptions[f"{DECISION_KEY}-retry-1"]
    assert "reasons: give the reasons for the decision" in retried


def test_before_the_act_commences_every_home_education_row_goes_to_the_ehe_list(
    product: Product, runs: ConsentRuns
) -> None:
    commence_on(date(2026, 11, 14))  # the day after the deletions: made under the old law

    entry, rows, _ = import_file(product)

    assert [(r.row_number, r.outcome) for r in rows] == [
        (2, "ehe_listed"),
        (3, "ehe_listed"),
        (4, "ehe_listed"),
    ]
    assert runs.consent_runs() == {}
    assert requests(product) == {}
    assert ehe_listed_rows(product) == [2, 3, 4]
    (notice,) = product.inbox.wait_for(entry.reference, count=1)
    assert "3 pupils removed for elective home education" in str(notice["Subject"])


def test_a_consent_run_that_cannot_be_started_is_started_by_the_next_run_of_the_file(
    product: Product, runs: ConsentRuns
) -> None:
    commence_on(date(2026, 11, 1))
    runs.down = True

    entry, rows, first = import_file(product, completes=False)

    assert entry.status == "importing" and len(rows) == 3
    assert all(request.flow_run_id is None for request in requests(product).values())
    (summary,) = summaries(flow_run_id=first)
    assert "row 2: its consent decision could not be started" in summary
    assert "row 3: its consent decision could not be started" in summary

    runs.down = False
    entry, rows, _ = import_file(product)

    assert entry.status == "imported"
    assert sorted(runs.consent_runs()) == [f"{entry.reference}-row-{n}-consent" for n in (2, 3)]
    assert all(request.flow_run_id for request in requests(product).values())
    assert len(requests(product)) == 2  # the same requests, not new ones
