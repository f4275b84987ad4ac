"""The deadline table in config/calendar.toml: it loads, it refuses unlawful periods, it dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.settings import PROJECT_ROOT
from models.calendar import ServiceMethod, deemed_service_date
from models.deadlines import (
    CalendarConfig,
    DeadlineRule,
    DeadlineStep,
    DeadlineUnit,
    due_date,
    load_calendar_config,
)

CONFIG_PATH = PROJECT_ROOT / "config" / "calendar.toml"
S437_BLOCK = (
    '[deadlines.s437_notice_response]\nunit = "calendar_days_beginning_with_service"\namount = 15'
)


@pytest.fixture(scope="module")
def config() -> CalendarConfig:
    return load_calendar_config(CONFIG_PATH)


def _write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = CONFIG_PATH.read_text(encoding="utf-8")
    assert old in text, "the test's anchor text is no longer in config/calendar.toml"
    path = tmp_path / "calendar.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def _due(config: CalendarConfig, step: DeadlineStep, start: date) -> date:
    return due_date(
        config.deadlines[step],
        start,
        bank_holidays=config.bank_holidays,
        school_calendar=config.school_calendar,
    )


# --- Loading and validation ------------------------------------------------------------------


def test_config_file_has_a_rule_for_every_step(config: CalendarConfig) -> None:
    assert set(config.deadlines.root) == set(DeadlineStep)


def test_config_file_keeps_the_statutory_periods_at_fifteen_days(config: CalendarConfig) -> None:
    for step in (DeadlineStep.S437_NOTICE_RESPONSE, DeadlineStep.S438_PARENT_CHOICE):
        rule = config.deadlines[step]
        assert (rule.unit, rule.amount, rule.basis) == (
            DeadlineUnit.CALENDAR_DAYS_BEGINNING_WITH_SERVICE,
            15,
            "statutory",
        )


def test_config_file_service_rules_post_first_class_on_the_second_business_day(
    config: CalendarConfig,
) -> None:
    served = deemed_service_date(
        date(2026, 11, 5),
        ServiceMethod.FIRST_CLASS_POST,
        config.bank_holidays,
        config.service_rules,
    )
    assert served == date(2026, 11, 9)


def test_load_rejects_a_fourteen_day_s437_period_naming_the_key(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, S437_BLOCK, S437_BLOCK.replace("15", "14"))
    with pytest.raises(ValidationError) as excinfo:
        load_calendar_config(path)
    message = str(excinfo.value)
    assert "s437_notice_response: amount 14 is below the statutory minimum of 15" in message


def test_load_accepts_an_s437_period_longer_than_fifteen_days(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, S437_BLOCK, S437_BLOCK.replace("15", "21"))
    assert load_calendar_config(path).deadlines[DeadlineStep.S437_NOTICE_RESPONSE].amount == 21


def test_load_rejects_an_s438_period_in_working_days_naming_the_key(tmp_path: Path) -> None:
    block = '[deadlines.s438_parent_choice]\nunit = "calendar_days_beginning_with_service"'
    path = _write_variant(
        tmp_path, block, block.replace("calendar_days_beginning_with_service", "working_days")
    )
    with pytest.raises(ValidationError, match="s438_parent_choice: unit must be"):
        load_calendar_config(path)


def test_load_rejects_a_table_missing_a_step_naming_it(tmp_path: Path) -> None:
    block = "[deadlines.periodic_review]"
    path = _write_variant(tmp_path, block, "[unused_periodic_review]")
    with pytest.raises(ValidationError, match="deadlines: missing steps periodic_review"):
        load_calendar_config(path)


def test_load_rejects_an_unknown_step_naming_it(tmp_path: Path) -> None:
    block = "[deadlines.periodic_review]"
    path = _write_variant(tmp_path, block, "[deadlines.periodic_reveiw]")
    with pytest.raises(ValidationError, match="periodic_reveiw"):
        load_calendar_config(path)


def test_deadline_rule_rejects_a_zero_amount_naming_amount() -> None:
    with pytest.raises(ValidationError, match="amount"):
        DeadlineRule(
            unit=DeadlineUnit.WORKING_DAYS,
            amount=0,
            basis="local target",
            start_event="referral received",
            source="test",
        )


# --- Due dates from the configured table -----------------------------------------------------


def test_s437_response_due_fifteen_days_beginning_with_service(config: CalendarConfig) -> None:
    due = _due(config, DeadlineStep.S437_NOTICE_RESPONSE, date(2026, 11, 2))
    assert due == date(2026, 11, 16)


def test_referral_check_due_next_working_day_after_the_early_may_bank_holiday(
    config: CalendarConfig,
) -> None:
    assert _due(config, DeadlineStep.REFERRAL_CHECK, date(2027, 4, 30)) == date(2027, 5, 4)


def test_home_visit_due_ten_working_days_across_christmas(config: CalendarConfig) -> None:
    # From Mon 21 Dec 2026: Tue 22 (1), Wed 23 (2), Thu 24 (3), [25, 28 Dec, 1 Jan bank holidays]
    # Tue 29 (4), Wed 30 (5), Thu 31 (6), Mon 4 (7), Tue 5 (8), Wed 6 (9), Thu 7 Jan 2027 (10).
    assert _due(config, DeadlineStep.HOME_VISIT, date(2026, 12, 21)) == date(2027, 1, 7)


def test_education_enquiry_decision_due_twenty_school_days_skipping_half_term(
    config: CalendarConfig,
) -> None:
    # From Thu 15 Oct 2026: Fri 16 (1), 19-23 Oct (2-6), half term 26-30 Oct, 2-6 Nov (7-11),
    # 9-13 Nov (12-16), Mon 16 to Thu 19 Nov (17-20).
    assert _due(config, DeadlineStep.EDUCATION_ENQUIRY_DECISION, date(2026, 10, 15)) == date(
        2026, 11, 19
    )


def test_periodic_review_due_twenty_eight_calendar_days_later(config: CalendarConfig) -> None:
    assert _due(config, DeadlineStep.PERIODIC_REVIEW, date(2026, 11, 2)) == date(2026, 11, 30)


def test_a_local_target_landing_on_a_bank_holiday_rolls_to_the_next_working_day(
    config: CalendarConfig,
) -> None:
    # The case: 28 days after a visit on Fri 4 Dec 2026 is Fri 1 Jan 2027, New Year's Day.
    assert _due(config, DeadlineStep.PERIODIC_REVIEW, date(2026, 12, 4)) == date(2027, 1, 4)
    # Christmas Day, then Boxing Day's substitute on Mon 28 Dec: Tue 29 Dec 2026.
    assert _due(config, DeadlineStep.PERIODIC_REVIEW, date(2026, 11, 27)) == date(2026, 12, 29)
    # A Saturday: the Monday after.
    assert _due(config, DeadlineStep.PERIODIC_REVIEW, date(2026, 11, 7)) == date(2026, 12, 7)


def test_a_statutory_period_ending_on_a_bank_holiday_is_not_moved(config: CalendarConfig) -> None:
    # Served on Fri 11 Dec 2026: 15 days beginning with it end on Christmas Day, as s437(2) counts.
    due = _due(config, DeadlineStep.S437_NOTICE_RESPONSE, date(2026, 12, 11))
    assert due == date(2026, 12, 25)


# --- Support to a school place ---------------------------------------------------------------


def test_the_school_place_periods_cite_their_sources_and_basis(config: CalendarConfig) -> None:
    outcome = config.deadlines[DeadlineStep.IN_YEAR_APPLICATION_OUTCOME]
    assert (outcome.unit, outcome.amount, outcome.basis) == (
        DeadlineUnit.SCHOOL_DAYS, 15, "statutory",
    )  # fmt: skip
    assert "School Admissions Code 2021 para 2.28" in outcome.source
    placement = config.deadlines[DeadlineStep.FAIR_ACCESS_PLACEMENT]
    assert (placement.unit, placement.amount, placement.basis) == (
        DeadlineUnit.SCHOOL_DAYS, 20, "local target",
    )  # fmt: skip
    assert "Fair Access Protocol" in placement.source
    for step in (DeadlineStep.SCHOOL_PLACE_APPLICATION, DeadlineStep.SCHOOL_PLACE_START):
        assert config.deadlines[step].basis == "local target"
        assert config.deadlines[step].unit is DeadlineUnit.SCHOOL_DAYS


def test_an_in_year_application_outcome_is_due_fifteen_school_days_later(
    config: CalendarConfig,
) -> None:
    # From Mon 16 Nov 2026: 17-20 Nov (1-4), 23-27 (5-9), 30 Nov-4 Dec (10-14), Mon 7 Dec (15).
    assert _due(config, DeadlineStep.IN_YEAR_APPLICATION_OUTCOME, date(2026, 11, 16)) == date(
        2026, 12, 7
    )


def test_an_in_year_application_outcome_skips_half_term(config: CalendarConfig) -> None:
    # From Fri 16 Oct 2026: 19-23 Oct (1-5), half term 26-30 Oct, 2-6 Nov (6-10), 9-13 Nov (11-15).
    assert _due(config, DeadlineStep.IN_YEAR_APPLICATION_OUTCOME, date(2026, 10, 16)) == date(
        2026, 11, 13
    )


def test_a_fair_access_placement_is_due_twenty_school_days_later_across_christmas(
    config: CalendarConfig,
) -> None:
    # From Mon 30 Nov 2026: 1-4 Dec (1-4), 7-11 (5-9), 14-18 (10-14), the Christmas holidays,
    # Mon 4 Jan 2027 an INSET day, 5-8 Jan (15-18), Mon 11 (19), Tue 12 Jan (20).
    assert _due(config, DeadlineStep.FAIR_ACCESS_PLACEMENT, date(2026, 11, 30)) == date(2027, 1, 12)


def test_the_family_has_ten_school_days_to_apply_from_the_day_they_are_found(
    config: CalendarConfig,
) -> None:
    # From Tue 10 Nov 2026: 11-13 Nov (1-3), 16-20 (4-8), Mon 23 (9), Tue 24 Nov (10).
    assert _due(config, DeadlineStep.SCHOOL_PLACE_APPLICATION, date(2026, 11, 10)) == date(
        2026, 11, 24
    )


def test_a_place_starting_on_an_inset_day_is_taken_up_within_five_school_days(
    config: CalendarConfig,
) -> None:
    # Start Mon 4 Jan 2027 (INSET): 5-8 Jan (1-4), Mon 11 Jan (5).
    assert _due(config, DeadlineStep.SCHOOL_PLACE_START, date(2027, 1, 4)) == date(2027, 1, 11)
