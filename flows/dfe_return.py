"""The DfE termly return on children missing education, run by the team lead after each census day.

DfE's EHE and CME data collection asks each LA for the children missing education on census day (by
sex, year group, length of time missing and primary reason) and at any time in the previous academic
year (docs/domain.md#dfe-return). This flow counts them from the case database, writes the CSV
files the team lead enters in COLLECT, and publishes the same counts as artifacts: counts only, no
child.
"""

from __future__ import annotations

from datetime import date, datetime

from prefect import flow

from tasks.dfe_return import (
    choose_census_date,
    count_dfe_return,
    publish_dfe_return,
    write_dfe_return,
)
from tasks.sweep import read_clock


@flow(name="dfe-cme-return", description="Count the DfE termly CME return for a census day.")
def dfe_cme_return(census_date: date | None = None, now: datetime | None = None) -> dict[str, int]:
    """Count, write and publish the return for ``census_date`` as known at ``now``.

    ``census_date`` defaults to the latest DfE census day of this academic year listed in
    config/calendar.toml; ``now`` (default: the current time) pins what is known, so a re-run with
    the same ``now`` gives the same counts.
    """
    at = now if now is not None else read_clock()
    census = choose_census_date(census_date, at)
    report = count_dfe_return(census, at)
    folder = write_dfe_return(report)
    publish_dfe_return(report, folder)
    return {
        "census_day": report.census_day_total,
        "previous_academic_year": report.previous_year_total,
    }
