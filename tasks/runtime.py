"""The product's runtime: settings, configuration, calendar and the case database engine.

Loaded once per process (a flow-run subprocess, a test) and shared by every task in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from sqlalchemy import Engine

from adapters.settings import Settings, load_settings
from models.config import CmeConfig, load_config
from models.deadlines import CalendarConfig, DeadlineStep, due_date, load_calendar_config
from store.database import engine_for


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    config: CmeConfig
    calendar: CalendarConfig
    engine: Engine

    def due_on(self, step: DeadlineStep, start: date, school_urn: str | None = None) -> date:
        """The due date of a step that starts on `start`, from the configured deadline table."""
        return due_date(
            self.calendar.deadlines[step],
            start,
            bank_holidays=self.calendar.bank_holidays,
            school_calendar=self.calendar.school_calendar,
            school_urn=school_urn,
        )

    @property
    def people(self) -> list[str]:
        return [person.id for person in self.config.people]


@cache
def runtime() -> Runtime:
    settings = load_settings()
    config = load_config(settings.config_path)
    return Runtime(
        settings=settings,
        config=config,
        calendar=load_calendar_config(config.calendar_path),
        engine=engine_for(settings.case_database_url),
    )


def utcnow() -> datetime:
    """The wall clock, read only in the side-effect layer and passed into the domain."""
    return datetime.now(UTC)
