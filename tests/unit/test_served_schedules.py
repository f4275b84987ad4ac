"""prefect.yaml's schedules reach the served deployments as declared, timezone included."""

from __future__ import annotations

from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule

from launcher.serve import build_deployment, load_declarations


def _schedules(name: str) -> list[object]:
    [declaration] = [d for d in load_declarations() if d["name"] == name]
    return [schedule.schedule for schedule in build_deployment(declaration).schedules or []]


def test_the_caseload_report_runs_on_monday_at_seven_uk_time() -> None:
    [schedule] = _schedules("caseload-report")

    assert isinstance(schedule, CronSchedule)
    assert (schedule.cron, schedule.timezone) == ("0 7 * * 1", "Europe/London")


def test_the_record_check_runs_daily_in_uk_time() -> None:
    [schedule] = _schedules("verify-case-record")

    assert isinstance(schedule, CronSchedule) and schedule.timezone == "Europe/London"


def test_the_escalation_sweep_keeps_its_hourly_interval() -> None:
    [schedule] = _schedules("escalation-sweep")

    assert isinstance(schedule, IntervalSchedule)
    assert schedule.interval.total_seconds() == 3600


def test_the_school_return_imports_have_no_schedule_the_drop_watch_starts_them() -> None:
    assert _schedules("intake-deletion-returns") == []
    assert _schedules("intake-new-pupil-returns") == []
