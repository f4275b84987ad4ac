"""Support to a school place: telling the admissions team and the school offered, and finding the
place offered for a notice that follows. Each email is one notification with a natural key, so a
replayed run never sends it twice (store/notifications.py)."""

from __future__ import annotations

from datetime import date

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.case import CaseHandle
from models.enums import Stage
from models.replay_keys import admissions_notice_key, school_start_notice_key
from models.school_place import offered_school_of
from store import decisions
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow
from tasks.handoffs import child_details, officer_details
from tasks.notify import notify


@task(name="notify-admissions", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def notify_admissions(
    case: CaseHandle,
    route: str,
    made_on: date,
    due_on: date,
    schools_applied_for: str,
    fair_access_panel: str,
    notice: int = 1,
    *,
    uow: UnitOfWork = INJECTED,
) -> None:
    """The admissions team told of the family's in-year application or the Fair Access referral,
    with the day its outcome is due; `notice` numbers a later referral on to the panel."""
    notify(
        case=case,
        natural_key=admissions_notice_key(case.reference, notice),
        kind="admissions_notice",
        recipients=[uow.config.contacts.admissions.email],
        template="school_place_admissions",
        context={
            "route": route,
            "made_on": made_on.isoformat(),
            "due_on": due_on.isoformat(),
            "schools_applied_for": schools_applied_for,
            "fair_access_panel": fair_access_panel,
            **child_details(case, uow=uow),
            **officer_details(case, uow=uow),
        },
    )


@task(name="notify-offered-school", cache_policy=NO_CACHE, persist_result=False)
@inject_uow
def notify_offered_school(
    case: CaseHandle,
    offer: int,
    school: str,
    school_email: str,
    start_date: date,
    *,
    uow: UnitOfWork = INJECTED,
) -> None:
    """The school whose place was accepted told before the start date (admissions copied), so a
    child who does not arrive is noticed at once."""
    notify(
        case=case,
        natural_key=school_start_notice_key(case.reference, offer),
        kind="school_start_notice",
        recipients=[school_email, uow.config.contacts.admissions.email],
        template="school_start_notice",
        context={
            "school": school,
            "start_date": start_date.isoformat(),
            **child_details(case, uow=uow),
            **officer_details(case, uow=uow),
        },
    )


@inject_uow
def offered_school(case: CaseHandle, *, uow: UnitOfWork = INJECTED) -> str:
    """The school last offered while the family was supported to a place ("" if none): the
    s437(1) notice that follows names it."""
    with uow.transaction() as session:
        recorded = [
            dict(decision.values)
            for decision in decisions.list_decisions(session=session, case_id=case.case_id)
            if decision.stage is Stage.SCHOOL_PLACE_SUPPORT
        ]
    return offered_school_of(recorded)
