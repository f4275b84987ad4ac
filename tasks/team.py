"""What a flow may know of the configuration: who is in the team and the process's limits.

Plain functions, not tasks: reading the configuration is no side effect, and a task here would
add task runs to every case flow run already waiting.
"""

from __future__ import annotations

from models.config import Process
from store.unit_of_work import INJECTED, UnitOfWork, inject_uow


@inject_uow
def team_ids(*, uow: UnitOfWork = INJECTED) -> list[str]:
    """The ids of everyone in the team: who may be named on a decision form."""
    return uow.people


@inject_uow
def process_settings(*, uow: UnitOfWork = INJECTED) -> Process:
    """The [process] section of the configuration (visits, reminders, escalation)."""
    return uow.config.process
