"""The unit of work: everything a task needs from outside itself, built once per process.

Settings, the team configuration, the calendar, the legal regimes, the case database engine and
the clock travel together in one `UnitOfWork`. `bootstrap()` builds it from the environment the
first time a process asks (a flow-run subprocess, a worker, a test) and hands the same one out
afterwards; `inject_uow` gives it to a function that declares a keyword-only ``uow`` parameter, so
a test can pass its own instead of patching a global.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, ParamSpec, TypeVar, cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from adapters.settings import Settings, load_settings
from models.config import CmeConfig, load_config
from models.deadlines import CalendarConfig, DeadlineStep, due_date, load_calendar_config
from models.regime import RegimeTable, load_regimes
from store.database import engine_for, session_scope

P = ParamSpec("P")
R = TypeVar("R")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock: the only place the product reads it; everything else is given the time."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class UnitOfWork:
    settings: Settings
    config: CmeConfig
    calendar: CalendarConfig
    engine: Engine
    regimes: RegimeTable
    clock: Clock = field(default=utc_now)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One database transaction: committed if the block succeeds, rolled back if it raises."""
        with session_scope(self.engine) as session:
            yield session

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
        """The ids of everyone in the configured team."""
        return [person.id for person in self.config.people]


def file_clock(path: Path) -> Clock:
    """A test's clock (settings.test_clock_file): the instant the file holds, else the wall's."""

    def now() -> datetime:
        text = path.read_text(encoding="utf-8").strip() if path.exists() else ""
        return datetime.fromisoformat(text) if text else utc_now()

    return now


def build(settings: Settings | None = None, *, clock: Clock = utc_now) -> UnitOfWork:
    """A unit of work for these settings (default: the environment's)."""
    settings = settings if settings is not None else load_settings()
    if clock is utc_now and settings.test_clock_file is not None:
        clock = file_clock(settings.test_clock_file)
    config = load_config(settings.config_path)
    return UnitOfWork(
        settings=settings,
        config=config,
        calendar=load_calendar_config(config.calendar_path),
        engine=engine_for(settings.case_database_url),
        regimes=load_regimes(config.regimes_path, config.regimes.commences_on),
        clock=clock,
    )


_lock = threading.Lock()
_current: UnitOfWork | None = None


def bootstrap() -> UnitOfWork:
    """The process's unit of work, built from the environment on first use."""
    global _current
    with _lock:
        if _current is None:
            _current = build()
        return _current


def install(uow: UnitOfWork) -> None:
    """Make `uow` the process's unit of work (a test's database, clock or mail relay)."""
    global _current
    with _lock:
        _current = uow


def reset() -> None:
    """Forget the process's unit of work; the next `bootstrap()` reads the environment again."""
    global _current
    with _lock:
        _current = None


class _NotInjected:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError("uow: this function was called without @inject_uow or a unit of work")


INJECTED: Final[UnitOfWork] = cast(UnitOfWork, _NotInjected())
"""The default of a ``uow`` parameter: `inject_uow` replaces it with `bootstrap()`."""


def inject_uow(fn: Callable[P, R]) -> Callable[P, R]:
    """Give `fn` the process's unit of work unless its caller passes one as ``uow=``.

    ``uow`` is hidden from the wrapper's signature and annotations, and the wrapper tells Prefect
    to key the task on `fn` itself: a @task over this decorator has the same parameters, task key,
    run names and cache keys as `fn` had before it took a ``uow``. Cases suspended before that
    change replay onto the results they cached.
    """
    signature = inspect.signature(fn)
    parameter = signature.parameters.get("uow")
    if parameter is None or parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
        raise TypeError(f"{fn.__qualname__}: @inject_uow needs a keyword-only `uow` parameter")

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs.get("uow", INJECTED) is INJECTED:
            kwargs["uow"] = bootstrap()
        return fn(*args, **kwargs)

    public = signature.replace(
        parameters=[p for p in signature.parameters.values() if p.name != "uow"]
    )
    wrapper.__signature__ = public  # type: ignore[attr-defined]
    wrapper.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != "uow"}
    wrapper.__prefect_task_source__ = fn  # type: ignore[attr-defined]
    return wrapper
