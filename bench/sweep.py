"""The escalation-sweep benchmark: how long finding the due stages and working out their notices
takes over 1,000, 10,000 and 100,000 open stages (target: 10,000 within 1 s), sending excluded.

Fills a fresh case database (SQLite in a temporary folder; PostgreSQL too with
CME_BENCH_POSTGRES=1, on CME_BENCH_POSTGRES_URL) by bulk insert, with due dates spread from 30 days
overdue to 60 days ahead (about a third due), and also times the worst case where every stage is
due. It reports and never asserts: a missed target is a finding, so the exit code is 0.

    .venv/bin/python -m bench.sweep [--sizes 1000 10000 100000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, make_url
from sqlalchemy.orm import Session

from adapters.settings import load_settings
from models.config import CmeConfig, load_config
from models.deadlines import CalendarConfig, load_calendar_config
from models.enums import CaseStatus, Sex, Stage
from store.database import make_engine
from store.migrations import migrate
from store.orm import Case, Child, StageRecord
from tasks.sweep import plan_notices

TARGET_SIZE = 10_000
TARGET_SECONDS = 1.0
TODAY = date(2026, 11, 12)
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BATCH = 5_000


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="cme-bench-sweep-") as folder:
        yield f"sqlite:///{Path(folder) / 'cases.db'}"


@contextmanager
def postgres_database(prefix: str = "cme_bench") -> Iterator[str]:
    """A fresh database on CME_BENCH_POSTGRES_URL's server (default: the local one), dropped at
    the end; yields its URL."""
    admin_url = make_url(os.environ.get("CME_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def fill(engine: Engine, *, start: int, count: int, spread_days: tuple[int, int]) -> None:
    """Insert ``count`` open cases, each with one open stage, by SQLAlchemy core bulk insert."""
    opened = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    first, last = spread_days
    width = last - first + 1
    with engine.begin() as connection:
        child_id = connection.execute(
            insert(Child).returning(Child.id),
            {
                "forenames": "Bench",
                "surname": "Child",
                "aliases": [],
                "date_of_birth": date(2015, 1, 1),
                "sex": Sex.NOT_KNOWN,
                "upn": None,
                "address": "1 Example Street",
                "postcode": "AL1 3ER",
            },
        ).scalar_one()
        for offset in range(0, count, BATCH):
            numbers = range(start + offset, start + min(offset + BATCH, count))
            case_ids = connection.execute(
                insert(Case).returning(Case.id, sort_by_parameter_order=True),
                [
                    {
                        "reference": f"CME-BENCH-{n:07d}",
                        "status": CaseStatus.OPEN,
                        "officer_id": "cme-officer-dspl-1-5" if n % 2 else "cme-officer-dspl-6-9",
                        "dspl_area": 1 + n % 9,
                        "opened_at": opened,
                        "flow_run_id": uuid.uuid4(),
                        "config_version": "bench",
                        "process_version": 1,
                        "child_id": child_id,
                    }
                    for n in numbers
                ],
            ).scalars()
            connection.execute(
                insert(StageRecord),
                [
                    {
                        "case_id": case_id,
                        "name": Stage.HOME_VISIT,
                        "started_at": opened,
                        "due_on": TODAY + timedelta(days=first + (n * 7919) % width),
                    }
                    for n, case_id in zip(numbers, case_ids, strict=True)
                ],
            )


def time_plan(
    engine: Engine, config: CmeConfig, calendar: CalendarConfig, repeats: int
) -> tuple[float, int, int]:
    """Median seconds of query + computation, with the stages read and notices worked out."""
    timings: list[float] = []
    stages = notices = 0
    for _ in range(repeats):
        began = time.perf_counter()
        with Session(engine) as session:
            stages, planned = plan_notices(
                session=session,
                today=TODAY,
                config=config,
                bank_holidays=calendar.bank_holidays,
            )
        timings.append(time.perf_counter() - began)
        notices = len(planned)
    return statistics.median(timings), stages, notices


def bench(url: str, backend: str, sizes: list[int], repeats: int) -> list[str]:
    settings = load_settings()
    config = load_config(settings.config_path)
    calendar = load_calendar_config(config.calendar_path)
    migrate(url)
    engine = make_engine(url)
    lines: list[str] = []
    filled = 0
    try:
        for size in sizes:
            fill(engine, start=filled, count=size - filled, spread_days=(-30, 60))
            filled = size
            seconds, stages, notices = time_plan(engine, config, calendar, repeats)
            verdict = ""
            if size == TARGET_SIZE:
                verdict = "meets" if seconds <= TARGET_SECONDS else "MISSES"
                verdict = f"{verdict} target ({TARGET_SECONDS:.1f} s)"
            lines.append(
                f"{backend:<10} {size:>9,} {stages:>11,} {notices:>9,} {seconds * 1000:>10.1f}  "
                f"{verdict}"
            )
    finally:
        engine.dispose()
    return lines


def bench_all_due(url: str, backend: str, size: int, repeats: int) -> str:
    settings = load_settings()
    config = load_config(settings.config_path)
    calendar = load_calendar_config(config.calendar_path)
    migrate(url)
    engine = make_engine(url)
    try:
        fill(engine, start=0, count=size, spread_days=(-30, 0))
        seconds, stages, notices = time_plan(engine, config, calendar, repeats)
    finally:
        engine.dispose()
    verdict = "meets" if seconds <= TARGET_SECONDS else "MISSES"
    return (
        f"{backend:<10} {size:>9,} {stages:>11,} {notices:>9,} {seconds * 1000:>10.1f}  "
        f"all due; {verdict} target"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sizes = sorted(args.sizes)
    backends = [("sqlite", sqlite_database)]
    if os.environ.get("CME_BENCH_POSTGRES") == "1":
        backends.append(("postgresql", postgres_database))

    out = sys.stdout
    out.write(
        f"Escalation sweep: due-stage query + notice computation, sending excluded "
        f"(median of {args.repeats}); sweep day {TODAY}; {platform.python_version()} on "
        f"{platform.machine()}, {os.cpu_count()} CPUs\n\n"
    )
    out.write(f"{'database':<10} {'open':>9} {'stages due':>11} {'notices':>9} {'time (ms)':>10}\n")
    for backend, database in backends:
        with database() as url:
            for line in bench(url, backend, sizes, args.repeats):
                out.write(line + "\n")
                out.flush()
        with database() as url:
            out.write(bench_all_due(url, backend, TARGET_SIZE, args.repeats) + "\n")
            out.flush()
    out.write(
        "\nDue dates are spread from 30 days overdue to 60 days ahead: the query reads only the\n"
        "stages due by the sweep day plus the reminder lead time, so its cost follows them.\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
