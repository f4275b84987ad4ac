"""The escalation sweep: find stages near or past their due date and email who must act, once.

One indexed query reads the stages due (cost grows with them, not with every open case); the pure
rules in models/escalation.py say which notices each owes; each notice is claimed in the case
database per recipient under its natural key, so a re-run or two sweeps at once send nothing twice.
Each recipient gets ONE email per sweep listing all their items not yet sent (`send_once` with the
digest as the message). A claim is marked sent only once the relay accepted that email; a failed
send is recorded and left unsent, and the next sweep retries it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from prefect import task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from adapters.templating import render
from models.calendar import BankHolidays
from models.config import CmeConfig, Person
from models.enums import Stage
from models.escalation import (
    Audience,
    ClockAction,
    DueNotice,
    EscalationPolicy,
    NoticeKind,
    days_overdue,
    due_notices,
    due_on_after_pause,
    notice_key,
    sweep_horizon,
)
from store import cases, stages
from store.database import Session
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.send_once import Claim, Message, SendFailed, send_once, send_task
from tasks.team_lead_mail import email_team_lead_once

# Deadlines are days in England: a sweep at 23:30 UTC in summer already runs on tomorrow's date.
LOCAL_TIME = ZoneInfo("Europe/London")

_NOTICE_LABELS = {
    NoticeKind.REMINDER: "Reminder: due soon",
    NoticeKind.OVERDUE: "Overdue",
    NoticeKind.REPEAT: "Still overdue",
    NoticeKind.ESCALATION: "Escalated: overdue beyond the time allowed",
}


def policy_of(config: CmeConfig) -> EscalationPolicy:
    """The sweep's timings from the [process] section of the configuration."""
    process = config.process
    return EscalationPolicy(
        reminder_days_before_due=process.reminder_days_before_due,
        escalate_after_working_days=process.escalate_after_days_overdue,
        repeat_every_days=process.repeat_every_days,
    )


def local_day(now: datetime) -> date:
    """The day in England at the aware instant ``now``."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"now: naive datetime {now.isoformat()} refused; pass an aware one")
    return now.astimezone(LOCAL_TIME).date()


# Not frozen: a sweep builds one per notice and recipient, and frozen dataclasses build slowly.
@dataclass(slots=True)
class PlannedNotice:
    """One notice owed to one person about one stage (no child data)."""

    natural_key: str
    case_id: int
    reference: str
    stage: Stage
    kind: NoticeKind
    level: int
    due_on: date
    days_overdue: int
    flow_run_id: UUID | None
    recipient_id: str
    recipient_name: str
    email: str

    @property
    def subject(self) -> str:
        return f"[{self.reference}] {self.stage.label}: {_NOTICE_LABELS[self.kind]}"


@dataclass
class SweepReport:
    """What a sweep did, as counts, and which notices it sent (references and roles only)."""

    stages_due: int = 0
    notices_due: int = 0
    already_sent: int = 0
    notifications_sent: int = 0
    notifications_failed: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    sent: list[dict[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "stages_due": self.stages_due,
            "notices_due": self.notices_due,
            "already_sent": self.already_sent,
            "notifications_sent": self.notifications_sent,
            "notifications_failed": self.notifications_failed,
            "emails_sent": self.emails_sent,
            "emails_failed": self.emails_failed,
        }


def _recipient(audience: Audience, officer_id: str, config: CmeConfig) -> Person | None:
    if audience is Audience.TEAM_LEAD:
        return config.team_lead
    if audience is Audience.HEAD_OF_SERVICE:
        return config.head_of_service
    try:
        return config.person(officer_id)
    except KeyError:
        # An officer no longer in the configuration: their overdue work must still reach someone.
        return config.team_lead


def plan_notices(
    *, session: Session, today: date, config: CmeConfig, bank_holidays: BankHolidays
) -> tuple[int, list[PlannedNotice]]:
    """The stages due and every (notice, recipient) they owe on ``today``; nothing is written.

    Returns:
        The number of stages read, and the notices, ordered by natural key.
    """
    policy = policy_of(config)
    due_stages = stages.list_due_stages(session=session, due_by=sweep_horizon(today, policy))
    # Stages share due dates and officers: each is worked out once per sweep, not per stage.
    owed: dict[date, list[DueNotice]] = {}
    people: dict[tuple[Audience, str], Person | None] = {}
    planned: dict[str, PlannedNotice] = {}
    for stage in due_stages:
        notices = owed.get(stage.due_on)
        if notices is None:
            notices = owed[stage.due_on] = due_notices(
                due_on=stage.due_on,
                today=today,
                clock_paused=False,  # the query leaves paused clocks out
                policy=policy,
                bank_holidays=bank_holidays,
            )
        for notice in notices:
            for audience in notice.audiences:
                person_key = (audience, stage.officer_id)
                if person_key not in people:
                    people[person_key] = _recipient(audience, stage.officer_id, config)
                person = people[person_key]
                if person is None:
                    continue
                key = notice_key(
                    reference=stage.reference,
                    stage=stage.stage,
                    kind=notice.kind,
                    level=notice.level,
                    due_on=stage.due_on,
                    recipient=person.id,
                )
                planned[key] = PlannedNotice(
                    natural_key=key,
                    case_id=stage.case_id,
                    reference=stage.reference,
                    stage=stage.stage,
                    kind=notice.kind,
                    level=notice.level,
                    due_on=stage.due_on,
                    days_overdue=days_overdue(stage.due_on, today),
                    flow_run_id=stage.flow_run_id,
                    recipient_id=person.id,
                    recipient_name=person.display_name,
                    email=person.email,
                )
    return len(due_stages), [planned[key] for key in sorted(planned)]


def render_digest(
    *, recipient_name: str, today: date, notices: Sequence[PlannedNotice], ui_url: str
) -> tuple[str, str, str]:
    """Subject, plain text and HTML of one recipient's email: one row per case stage.

    The subject names no case: one email lists many, and the body carries each reference.
    """
    rows: dict[tuple[str, Stage], PlannedNotice] = {}
    for notice in notices:
        row_key = (notice.reference, notice.stage)
        shown = rows.get(row_key)
        if shown is None or notice.kind.severity > shown.kind.severity:
            rows[row_key] = notice
    items = [
        {
            "reference": notice.reference,
            "stage": notice.stage.label,
            "notice": _NOTICE_LABELS[notice.kind],
            "due_on": notice.due_on.isoformat(),
            "days_overdue": notice.days_overdue,
            "link": (
                f"{ui_url}/runs/flow-run/{notice.flow_run_id}" if notice.flow_run_id else None
            ),
        }
        for notice in sorted(rows.values(), key=lambda n: (-n.days_overdue, n.reference))
    ]
    context: dict[str, Any] = {
        "recipient_name": recipient_name,
        "today": today.isoformat(),
        "items": items,
        "escalations": sum(1 for n in rows.values() if n.kind is NoticeKind.ESCALATION),
    }
    text = render("emails/due_digest.txt.j2", **context)
    first, _, body = text.partition("\n")
    if not first.startswith("Subject: "):
        raise ValueError("emails/due_digest.txt.j2 must start with a 'Subject: ' line")
    html = render("emails/due_digest.html.j2", **context)
    return first.removeprefix("Subject: ").strip(), body.lstrip("\n"), html


def _deliver(
    *,
    uow: UnitOfWork,
    today: date,
    email: str,
    notices: Sequence[PlannedNotice],
    report: SweepReport,
) -> None:
    """One recipient's email, listing only their notices not yet sent; a failure is counted."""
    planned = {notice.natural_key: notice for notice in notices}

    def digest(unsent: Sequence[Claim]) -> Message:
        listed = [planned[claim.natural_key] for claim in unsent]
        subject, body, html = render_digest(
            recipient_name=listed[0].recipient_name,
            today=today,
            notices=listed,
            ui_url=uow.settings.ui_url,
        )
        return Message(subject=subject, body=body, html=html)

    claims = [
        Claim(
            natural_key=notice.natural_key,
            kind=notice.kind.value,
            subject=notice.subject,
            case_id=notice.case_id,
        )
        for notice in notices
    ]
    try:
        result = send_once(
            engine=uow.engine,
            clock=uow.clock,
            settings=uow.settings,
            to=[email],
            claims=claims,
            message=digest,
        )
    except SendFailed as failure:  # recorded on the claims; the next sweep sends them
        report.already_sent += len(claims) - len(failure.natural_keys)
        report.emails_failed += 1
        report.notifications_failed += len(failure.natural_keys)
        return
    report.already_sent += len(result.already_sent)
    if not result:
        return
    sent = [planned[key] for key in result.sent]
    report.emails_sent += 1
    report.notifications_sent += len(sent)
    report.sent.extend(
        {
            "reference": n.reference,
            "stage": n.stage.value,
            "notice": f"{n.kind.value} {n.level}",
            "recipient": n.recipient_id,
        }
        for n in sent
    )


@inject_uow
def sweep(*, now: datetime, uow: UnitOfWork = INJECTED) -> SweepReport:
    """Run one sweep as at ``now``: plan, then one email per recipient of what they are owed.

    A recipient whose email fails is counted and left for the next sweep; the others still get
    theirs. Only a database failure raises.
    """
    today = local_day(now)
    report = SweepReport()
    with uow.transaction() as session:
        report.stages_due, planned = plan_notices(
            session=session,
            today=today,
            config=uow.config,
            bank_holidays=uow.calendar.bank_holidays,
        )
    report.notices_due = len(planned)
    by_email: dict[str, list[PlannedNotice]] = defaultdict(list)
    for notice in planned:
        by_email[notice.email].append(notice)
    for email in sorted(by_email):
        _deliver(uow=uow, today=today, email=email, notices=by_email[email], report=report)
    return report


@task(name="read-clock", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def read_clock(*, uow: UnitOfWork = INJECTED) -> datetime:
    """The current time, for a sweep not given one."""
    return uow.clock()


# No Prefect cache or retries: the natural keys are the idempotency, the sweep runs hourly, and
# each run sends what an earlier one failed to, so an outage still ends in a completed sweep.
@task(name="sweep-due-stages", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def sweep_due_stages(now: datetime, *, uow: UnitOfWork = INJECTED) -> SweepReport:
    """Send the reminders, overdue notices, escalations and repeats owed at ``now``."""
    return sweep(uow=uow, now=now)


@task(name="publish-sweep-report", cache_policy=NO_CACHE, persist_result=False)
def publish_sweep_report(report: SweepReport, now: datetime) -> None:
    """A table of what the sweep sent, for the team lead's audit in the Prefect UI."""
    rows: list[dict[str, Any]] = list(report.sent) or [
        {"reference": "(none)", "stage": "", "notice": "", "recipient": ""}
    ]
    counts = ", ".join(f"{name} {value}" for name, value in report.counts().items())
    create_table_artifact(
        key="escalation-sweep",
        table=rows,
        description=f"Escalation sweep as at {now.isoformat()}: {counts}",
    )


# --- Stage clocks ---------------------------------------------------------------------------------


@task(name="change-stage-clock", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def change_stage_clock(
    case_reference: str,
    stage: Stage,
    action: ClockAction,
    reason: str,
    officer: str,
    *,
    uow: UnitOfWork = INJECTED,
) -> date | None:
    """Pause or resume a stage's clock with a reason, as a case event; returns the due date.

    A resumed clock's due date moves on by the days it was paused. Repeating an action is a no-op.
    """
    if officer not in uow.people:
        raise ValueError(f"officer: {officer!r} is not in the configured team")
    now = uow.clock()
    with uow.transaction() as session:
        case = cases.get_case(session=session, reference=case_reference)
        if case is None:
            raise ValueError(f"case_reference: no case {case_reference!r}")
        record = stages.get_stage(session=session, case_id=case.id, stage=stage)
        if record is None:
            raise ValueError(f"stage: {stage.value} has not started on case {case_reference}")
        if action is ClockAction.PAUSE:
            record = stages.pause_stage_clock(
                session=session, case_id=case.id, stage=stage, at=now, actor=officer, reason=reason
            )
            return record.due_on
        due_on = record.due_on
        if record.clock_paused_at is not None and due_on is not None:
            due_on = due_on_after_pause(due_on, local_day(record.clock_paused_at), local_day(now))
        record = stages.resume_stage_clock(
            session=session,
            case_id=case.id,
            stage=stage,
            at=now,
            actor=officer,
            reason=reason,
            due_on=due_on,
        )
        return record.due_on


# --- Failed case runs -----------------------------------------------------------------------------


@send_task("notify-run-failed")
@inject_uow
def notify_run_failed(
    flow_run_id: UUID, run_name: str, state: str, *, uow: UnitOfWork = INJECTED
) -> bool:
    """Email the team lead that a case run ended Failed or Crashed, once per run and state.

    Returns True if this call sent it, False if it had been sent already.
    """
    key = f"run-failed:{flow_run_id}:{state.lower()}"
    lead = uow.config.team_lead
    text = render(
        "emails/run_failed.txt.j2",
        recipient_name=lead.display_name,
        reference=run_name,  # a case run is named by its case reference
        state=state,
        run_link=f"{uow.settings.ui_url}/runs/flow-run/{flow_run_id}",
    )
    first, _, body = text.partition("\n")
    subject = first.removeprefix("Subject: ").strip()
    return email_team_lead_once(
        uow=uow, natural_key=key, kind="run_failed", subject=subject, body=body.lstrip("\n")
    )
