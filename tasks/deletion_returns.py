"""Importing one deletion return: ledger, reading, triage, recording each row once, opening cases.

Each step is a task with its side effects; the flow (flows/deletion_returns.py) only sequences
them. Rows carry personal data, so no task here caches or persists its result: the case database
is the record, and what reaches Prefect (names, logs, artifacts, results) is counts, routes, row
numbers and references.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from uuid import UUID

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment

from adapters.templating import render
from models.deletion_intake import ImportCounts, ImportNoticeKind, RowOutcome, RowPlan, plan_rows
from models.matching import ChildIdentity, IdentityIndex
from models.referral import Referral
from models.regime import RegimeId
from models.school_returns import (
    DeletionReturnRow,
    FileRejected,
    RowProblem,
    read_deletion_return,
)
from models.triage import triage_deletion_return
from models.withdrawal_consent import ConsentRule, child_protection_index
from store import cases, imports, withdrawal_consent
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.return_files import intake_settings, sha256_of
from tasks.sweep import local_day

CASE_DEPLOYMENT = "cme-case/cme-case"
CONSENT_DEPLOYMENT = "withdrawal-consent/withdrawal-consent"
KIND = "deletion_return"
ACTOR = "intake-deletion-returns"


@dataclass(frozen=True)
class Received:
    """A file entered in the ledger (no personal data)."""

    import_id: int
    reference: str
    sha256: str
    file_name: str
    status: str  # the ledger's: importing (new or resumed), imported, rejected
    new: bool


@task(name="receive-return", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def receive_return(path: Path, at: datetime, *, uow: UnitOfWork = INJECTED) -> Received:
    """Enter the file in the ledger by its SHA-256; the same bytes under any name are one import."""
    sha256 = sha256_of(path)
    with uow.transaction() as session:
        entry, new = imports.receive_import(
            session=session, sha256=sha256, file_name=path.name, kind=KIND, received_at=at
        )
        received = Received(entry.id, entry.reference, sha256, path.name, entry.status, new)
    logger = get_run_logger()
    if new:
        logger.info("%s: new deletion return %s", received.reference, sha256[:12])
    else:
        logger.info("%s: seen before (%s)", received.reference, received.status)
    return received


@dataclass(frozen=True)
class Reading:
    """A file read: its good rows and its problems, or the reason it was refused whole."""

    rows: list[tuple[int, DeletionReturnRow]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    refused: str | None = None


@task(name="read-return", cache_policy=NO_CACHE, persist_result=False)
def read_return(path: Path, at: datetime) -> Reading:
    """Read and validate every row (reg 13(4) columns); a file that cannot be read is refused."""
    intake = intake_settings()
    size = path.stat().st_size
    if size > intake.max_file_bytes:  # refused unread: never load a runaway file into memory
        return Reading(
            refused=f"the file is {size:,} bytes; the limit is {intake.max_file_bytes:,} bytes "
            f"(config intake.max_file_mb): is it really a school's return?"
        )
    try:
        result = read_deletion_return(
            path.read_bytes(), today=local_day(at), max_bytes=intake.max_file_bytes
        )
    except FileRejected as refused:
        return Reading(refused=str(refused))
    return Reading(result.rows, result.problems, result.encoding, result.delimiter)


@inject_uow
def _roll_index(*, uow: UnitOfWork = INJECTED) -> IdentityIndex[str]:
    """The pupil-roll extract keyed by school URN, for checking a stated destination school."""
    index: IdentityIndex[str] = IdentityIndex(uow.config.matching.thresholds)
    path = uow.config.extracts.pupil_roll
    if not path.exists():
        get_run_logger().warning("the pupil roll extract is missing: no destination confirmed")
        return index
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for record in csv.DictReader(handle):
            urn = (record.get("school_urn") or "").strip()
            try:
                born = date.fromisoformat((record.get("date_of_birth") or "").strip())
            except ValueError:
                continue  # the council's own extract, checked where it is produced
            if urn:
                index.add(
                    urn,
                    ChildIdentity(
                        forenames=record.get("forenames") or "",
                        surname=record.get("surname") or "",
                        date_of_birth=born,
                        postcode=(record.get("postcode") or "").strip() or None,
                    ),
                )
    return index


@inject_uow
def _consent_rule(*, uow: UnitOfWork = INJECTED) -> ConsentRule:
    """What s434A needs (models/withdrawal_consent.py): the configured special schools, the
    children's social care extract, and whether the 2026 Act is in force on a day."""
    index: IdentityIndex[str] = IdentityIndex(uow.config.matching.thresholds)
    path = uow.config.extracts.child_protection
    if path is not None and not path.exists():
        get_run_logger().warning(
            "the children's social care extract is configured but missing: Condition B of s434A "
            "cannot be checked"
        )
    elif path is not None:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            unread = child_protection_index(list(csv.DictReader(handle)), index)
        if unread:
            get_run_logger().warning(
                "children's social care extract: %d row(s) not read (no ISO date of birth or an "
                "unknown status), lines %s",
                len(unread),
                ", ".join(map(str, unread[:20])),
            )
    regimes = uow.regimes
    return ConsentRule(
        special_schools=frozenset(uow.config.special_schools),
        child_protection=index,
        in_force=lambda day: regimes.in_force(RegimeId.CWSA_2026, day),
    )


@dataclass(frozen=True)
class Plan:
    rows: list[RowPlan]
    problems: list[RowProblem]


@task(name="triage-return", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def triage_return(reading: Reading, at: datetime, *, uow: UnitOfWork = INJECTED) -> Plan:
    """Route each good row by its deletion ground, against open cases and the roll extract."""
    open_cases: IdentityIndex[str] = IdentityIndex(uow.config.matching.thresholds)
    with uow.transaction() as session:
        for case in imports.list_open_cases(session=session):
            open_cases.add(case.reference, case.identity)
    triaged = triage_deletion_return(
        reading.rows,
        open_cases=open_cases,
        roll=_roll_index(uow=uow),
        thresholds=uow.config.matching.thresholds,
        consent=_consent_rule(uow=uow),
    )
    plans, problems = plan_rows(reading.rows, triaged, received_on=local_day(at))
    return Plan(plans, problems)


@dataclass(frozen=True)
class CaseToOpen:
    """A claimed row whose cme-case run is still to be started (no personal data but the
    referral, which stays in this process and becomes the run's parameter)."""

    row_id: int
    line: int
    natural_key: str
    referral: Referral


@dataclass(frozen=True)
class NotActedOn:
    """A good row the import could not act on in this run, and why (no personal data)."""

    line: int
    reason: str


@dataclass(frozen=True)
class ConsentToAsk:
    """A row whose withdrawal-consent run is still to be started (no personal data)."""

    consent_id: int
    line: int
    natural_key: str


@dataclass
class Recorded:
    counts: ImportCounts
    to_open: list[CaseToOpen]
    not_acted_on: list[NotActedOn] = field(default_factory=list)
    to_ask: list[ConsentToAsk] = field(default_factory=list)


@inject_uow
def _notice_to(
    plan: RowPlan, officer_email: str | None, *, uow: UnitOfWork = INJECTED
) -> str | None:
    intake = intake_settings(uow=uow)
    if plan.notice is ImportNoticeKind.EHE_NOTICE:
        return uow.config.contacts.ehe_team.email
    if plan.notice is ImportNoticeKind.S19_NOTICE:
        return intake.s19_team.email
    if plan.notice is ImportNoticeKind.FLAG_TO_SCHOOL:
        return intake.school_contacts.get(plan.row.school_urn, uow.config.contacts.team_inbox.email)
    if plan.notice is ImportNoticeKind.FURTHER_REFERRAL:
        return officer_email or uow.config.team_lead.email
    return None


@inject_uow
def _officer_email(officer_id: str, *, uow: UnitOfWork = INJECTED) -> str:
    try:
        return uow.config.person(officer_id).email
    except KeyError:
        return uow.config.team_lead.email


@task(name="record-rows", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def record_rows(
    received: Received, plans: Sequence[RowPlan], at: datetime, *, uow: UnitOfWork = INJECTED
) -> Recorded:
    """Claim each row by its natural key and do what needs only the case database, in one
    transaction per row (EHE list, further referral on an open case, review list); rows for a
    case are claimed here and opened next. A row claimed before is not acted on again.

    Each row is all or nothing: a row that fails is rolled back, reported (its line and the
    error's kind) and left for the next run of the file, and the other rows go on."""
    recorded = Recorded(ImportCounts(), [])
    for plan in plans:
        recorded.counts.routes[plan.route] += 1
        try:
            _record_row(received, plan, at, recorded, uow=uow)
        except Exception as error:  # one row's fault must not leave the file half-imported
            get_run_logger().error(
                "%s row %d not recorded: %s", received.reference, plan.line, type(error).__name__
            )
            recorded.not_acted_on.append(
                NotActedOn(plan.line, f"could not be recorded ({type(error).__name__})")
            )
    return recorded


def _case_to_open(row_id: int, plan: RowPlan) -> CaseToOpen:
    if plan.referral is None:
        raise ValueError(f"row {plan.line}: a case is requested without a referral")
    return CaseToOpen(row_id, plan.line, plan.natural_key, plan.referral)


@inject_uow
def _record_row(
    received: Received,
    plan: RowPlan,
    at: datetime,
    recorded: Recorded,
    *,
    uow: UnitOfWork = INJECTED,
) -> None:
    counts = recorded.counts
    with uow.transaction() as session:
        officer_email = None
        if plan.linked_case is not None:
            case = cases.get_case(session=session, reference=plan.linked_case)
            officer_email = _officer_email(case.officer_id, uow=uow) if case is not None else None
        claim = imports.claim_row(
            session=session,
            import_id=received.import_id,
            row_number=plan.line,
            natural_key=plan.natural_key,
            school_urn=plan.row.school_urn,
            deletion_ground=plan.row.deletion_ground.value,
            route=plan.route,
            outcome=plan.outcome.value,
            reason=plan.reason,
            payload=plan.row.model_dump(mode="json"),
            recorded_at=at,
            case_reference=plan.linked_case,
            notice_kind=plan.notice.value if plan.notice else None,
            notice_to=_notice_to(plan, officer_email, uow=uow),
        )
        row = claim.row
        if not claim.claimed:
            if row.import_id != received.import_id:
                counts.rows_seen += 1  # imported before, from another file
            elif (
                row.row_number == plan.line
                and row.outcome == RowOutcome.CASE_REQUESTED
                and row.flow_run_id is None
            ):
                # This very row was claimed by this import before a crash: open its case now.
                recorded.to_open.append(_case_to_open(row.id, plan))
            elif row.row_number == plan.line and row.outcome == RowOutcome.CONSENT_REQUESTED:
                request = withdrawal_consent.get_for_row(session=session, intake_row_id=row.id)
                if request is not None and request.flow_run_id is None:
                    recorded.to_ask.append(ConsentToAsk(request.id, plan.line, plan.natural_key))
            return
        if plan.outcome is RowOutcome.CASE_REQUESTED:
            recorded.to_open.append(_case_to_open(row.id, plan))
        elif plan.outcome is RowOutcome.RECORDED_ON_CASE:
            if plan.linked_case is None or plan.referral is None:
                raise ValueError(f"row {plan.line}: recorded on a case without case or referral")
            imports.record_referral_on_case(
                session=session,
                case_reference=plan.linked_case,
                referral=plan.referral,
                recorded_at=at,
                actor=ACTOR,
                import_reference=received.reference,
                row=plan.line,
                route=plan.route,
            )
        elif plan.outcome is RowOutcome.CONSENT_REQUESTED:
            if plan.consent is None:
                raise ValueError(f"row {plan.line}: consent requested without its conditions")
            request = withdrawal_consent.request_consent(
                session=session,
                intake_row_id=row.id,
                school_urn=plan.row.school_urn,
                deletion_date=plan.row.deletion_date,
                conditions=[condition.value for condition in plan.consent.conditions],
                sources=plan.consent.sources,
                requested_at=at,
            )
            recorded.to_ask.append(ConsentToAsk(request.id, plan.line, plan.natural_key))
        elif plan.outcome is RowOutcome.EHE_LISTED:
            imports.add_to_ehe_list(
                session=session,
                intake_row_id=row.id,
                school_urn=plan.row.school_urn,
                deletion_date=plan.row.deletion_date,
                listed_at=at,
            )
        for review in plan.reviews:
            imports.list_for_review(
                session=session,
                intake_row_id=row.id,
                candidate=review.candidate,
                score=review.score,
                reasons=review.reasons,
                listed_at=at,
            )
    # Counted once the row's transaction has committed.
    counts.rows_new += 1
    counts.outcomes[plan.outcome.value] += 1
    counts.reviews += len(plan.reviews)


@task(
    name="open-case-run",
    retries=3,
    retry_delay_seconds=[2, 10, 30],
    cache_policy=NO_CACHE,
    persist_result=False,
)
@inject_uow
def open_case_run(reference: str, case: CaseToOpen, *, uow: UnitOfWork = INJECTED) -> UUID:
    """Start the row's own cme-case run (not a subflow). The row's natural key is the run's
    idempotency key, so Prefect itself refuses a second run for the same row; the run renames
    itself to its case reference when it starts."""
    run = run_deployment(
        CASE_DEPLOYMENT,
        parameters={"referral": case.referral.model_dump(mode="json")},
        timeout=0,
        as_subflow=False,
        idempotency_key=f"deletion-return:{case.natural_key}",
        flow_run_name=f"{reference}-row-{case.line}",
        tags=["cme-intake", f"intake:{reference.lower()}"],
    )
    if not isinstance(run, FlowRun):
        raise TypeError(f"run_deployment returned {type(run).__name__}, not a flow run")
    with uow.transaction() as session:
        imports.attach_case_run(session=session, row_id=case.row_id, flow_run_id=run.id)
    return run.id


@task(
    name="open-consent-run",
    retries=3,
    retry_delay_seconds=[2, 10, 30],
    cache_policy=NO_CACHE,
    persist_result=False,
)
@inject_uow
def open_consent_run(reference: str, ask: ConsentToAsk, *, uow: UnitOfWork = INJECTED) -> UUID:
    """Start the row's own withdrawal-consent run (s434A), named by the import and row, never
    the child; its only parameter is the request's id. The row's natural key is the run's
    idempotency key, so Prefect itself refuses a second run for the same row."""
    run = run_deployment(
        CONSENT_DEPLOYMENT,
        parameters={"consent_id": ask.consent_id},
        timeout=0,
        as_subflow=False,
        idempotency_key=f"withdrawal-consent:{ask.natural_key}",
        flow_run_name=f"{reference}-row-{ask.line}-consent",
        tags=["cme-intake", "withdrawal-consent", f"intake:{reference.lower()}"],
    )
    if not isinstance(run, FlowRun):
        raise TypeError(f"run_deployment returned {type(run).__name__}, not a flow run")
    with uow.transaction() as session:
        withdrawal_consent.attach_consent_run(
            session=session, consent_id=ask.consent_id, flow_run_id=run.id
        )
    return run.id


@task(name="tell-import", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def tell_import(
    received: Received,
    plans: Sequence[RowPlan],
    recorded: Recorded,
    *,
    rows_read: int,
    rows_quarantined: int,
    uow: UnitOfWork = INJECTED,
) -> ImportCounts:
    """The import's whole story, from the ledger: what every run of this file did, not only this
    one (a run that finishes a crashed import tells what the first run did too)."""
    counts = ImportCounts(rows_read=rows_read, rows_quarantined=rows_quarantined)
    counts.rows_seen = recorded.counts.rows_seen
    counts.routes.update(plan.route for plan in plans)
    reviews = {plan.line: len(plan.reviews) for plan in plans}
    with uow.transaction() as session:
        for row in imports.list_rows(session=session, import_id=received.import_id):
            counts.rows_new += 1
            counts.outcomes[row.outcome] += 1
            counts.reviews += reviews.get(row.row_number, 0)
            if row.outcome == RowOutcome.CASE_REQUESTED:
                counts.cases_requested += 1
    return counts


@task(name="finish-import", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def finish_import(
    received: Received,
    reading: Reading,
    quarantined: int,
    at: datetime,
    *,
    uow: UnitOfWork = INJECTED,
) -> None:
    """Mark the import finished (or rejected): from now on the same file is "already imported"."""
    with uow.transaction() as session:
        imports.finish_import(
            session=session,
            import_id=received.import_id,
            status=imports.REJECTED if reading.refused else imports.IMPORTED,
            completed_at=at,
            rows_read=len(reading.rows) + len({p.row for p in reading.problems}),
            rows_quarantined=quarantined,
            encoding=reading.encoding,
            delimiter=reading.delimiter,
            problem=reading.refused,
        )


@task(name="publish-import-summary", cache_policy=NO_CACHE, persist_result=False)
def publish_import_summary(
    received: Received,
    counts: ImportCounts,
    *,
    status: str,
    received_at: datetime,
    report_name: str | None,
    note: str | None = None,
    keyed: bool = True,
) -> None:
    """The import's Markdown artifact: counts per route and outcome, never a child. Keyed by the
    import's reference (its latest version is the import's story); ``keyed=False`` for a run
    that only says the file was imported before, so that story is not overwritten."""
    markdown = render(
        "summaries/intake_summary.md.j2",
        reference=received.reference,
        file_name=received.file_name,
        received_at=received_at.strftime("%Y-%m-%d %H:%M UTC"),
        status=status,
        note=note,
        rows_read=counts.rows_read,
        rows_quarantined=counts.rows_quarantined,
        rows_new=counts.rows_new,
        rows_seen=counts.rows_seen,
        routes=sorted(counts.routes.items()),
        outcomes=sorted((k, v) for k, v in counts.outcomes.items() if v),
        cases_requested=counts.cases_requested,
        reviews=counts.reviews,
        report_name=report_name,
    )
    create_markdown_artifact(
        key=received.reference.lower() if keyed else None,
        markdown=markdown,
        description=f"Deletion return {received.reference}: {status}",
    )


def quarantine(reading: Reading, plan: Plan) -> list[RowProblem]:
    """Every problem found reading the file or turning its rows into referrals."""
    return [*reading.problems, *plan.problems]
