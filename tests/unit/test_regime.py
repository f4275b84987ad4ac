"""The legal regime as configuration: the shipped file, its errors, and the choice by date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from models.config import ConfigError, load_config
from models.deadlines import DeadlineStep
from models.enums import LetterKind
from models.regime import (
    CURRENT,
    SHIPPED_REGIMES,
    FormalStep,
    Regime,
    RegimeConfigError,
    RegimeId,
    choose_regime,
    load_regimes,
)

SHIPPED_CONFIG = Path(__file__).resolve().parents[2] / "config" / "cme.toml"
COMMENCES = date(2027, 9, 1)
EA96 = RegimeId.EDUCATION_ACT_1996
CWSA = RegimeId.CWSA_2026


def test_with_no_commencement_day_every_case_runs_under_the_education_act_1996() -> None:
    assert CURRENT is EA96
    for day in (date(2026, 12, 4), date(2030, 1, 1)):
        assert choose_regime(day, {}) is EA96


@pytest.mark.parametrize(
    ("begins_on", "expected"),
    [
        (date(2027, 8, 31), EA96),  # the day before
        (date(2027, 9, 1), CWSA),  # the day it commences
        (date(2027, 9, 2), CWSA),
    ],
)
def test_the_formal_stages_first_day_chooses_by_the_commencement_day(
    begins_on: date, expected: RegimeId
) -> None:
    assert choose_regime(begins_on, {CWSA: COMMENCES}) is expected


def test_a_case_that_began_under_the_old_sections_keeps_them_after_commencement() -> None:
    began_under = choose_regime(date(2027, 8, 31), {CWSA: COMMENCES})
    assert choose_regime(date(2027, 10, 1), {CWSA: COMMENCES}, recorded=began_under) is EA96


def test_the_shipped_regimes_cite_the_law_and_mark_what_awaits_regulations() -> None:
    table = load_regimes(SHIPPED_REGIMES, {})
    assert table.commences_on == {}
    in_force = table.regime(EA96)
    assert in_force.name == "Education Act 1996, sections 437 to 443"
    assert [(s.citation, s.letter, s.deadline) for s in in_force.steps] == [
        ("Education Act 1996 s437(1)", LetterKind.S437_NOTICE, DeadlineStep.S437_NOTICE_RESPONSE),
        (
            "Education Act 1996 s438(2)",
            LetterKind.S438_NOTICE_OF_INTENTION,
            DeadlineStep.S438_PARENT_CHOICE,
        ),
        (
            "Education Act 1996 s437(3)",
            LetterKind.SCHOOL_ATTENDANCE_ORDER,
            DeadlineStep.SAO_COMPLIANCE,
        ),
        (
            "Education Act 1996 s443 (proceedings by the local authority, s446)",
            LetterKind.LEGAL_SERVICES_REFERRAL,
            DeadlineStep.LEGAL_REFERRAL,
        ),
    ]
    assert not in_force.provisional_steps
    # The words each letter's heading names the law in: the letters read them from here.
    assert [s.letter_citation for s in in_force.steps] == [
        "section 437(1) of the Education Act 1996",
        "section 438 of the Education Act 1996",
        "Section 437(3) of the Education Act 1996",
        "section 443 of the Education Act 1996",
    ]
    assert in_force.letter_step(LetterKind.S438_NOTICE_OF_INTENTION).id == (
        "s438_notice_of_intention"
    )
    next_regime = table.regime(CWSA)
    assert [(s.id, s.letter, s.deadline) for s in next_regime.steps] == [
        ("preliminary_notice", LetterKind.PRELIMINARY_NOTICE,
         DeadlineStep.PRELIMINARY_NOTICE_RESPONSE),
        ("school_nomination_notice", LetterKind.SCHOOL_NOMINATION_NOTICE,
         DeadlineStep.SCHOOL_NOMINATION_CHOICE),
        ("school_attendance_order", LetterKind.SCHOOL_ATTENDANCE_ORDER_S436I,
         DeadlineStep.SAO_COMPLIANCE),
        ("failure_to_comply", LetterKind.LEGAL_SERVICES_REFERRAL, DeadlineStep.LEGAL_REFERRAL),
        ("withdrawal_offence", None, DeadlineStep.LEGAL_REFERRAL),
    ]  # fmt: skip
    # Nothing of the 2026 Act is relied on as settled: every step is provisional and says what it
    # awaits, which the officer reads before a letter is sent (its review notes).
    assert next_regime.provisional_steps == next_regime.steps
    assert all("2026" in s.citation and s.note for s in next_regime.steps)
    assert all("2026" in (s.letter_citation or "") for s in next_regime.steps)
    order = _step(next_regime, "school_attendance_order").letter_citation or ""
    assert order.startswith("Section 436I of the Education Act 1996")


def _step(regime: Regime, step_id: str) -> FormalStep:
    return next(step for step in regime.steps if step.id == step_id)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regimes.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _shipped_with(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED_REGIMES.read_text(encoding="utf-8")
    assert old in text
    return _write(tmp_path, text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            'letter = "s437_notice"',
            'letter = "s437_notise"',
            "regimes.education_act_1996.steps.0.letter: Input should be",
        ),
        (
            'deadline = "s438_parent_choice"',
            'deadline = "s438_parent"',
            "regimes.education_act_1996.steps.1.deadline: Input should be",
        ),
        (
            'note = "The 15-day window',
            'note = "" # "The 15-day window',
            "school_nomination_notice: a provisional step needs a note saying what it awaits",
        ),
        (
            'deadline = "s437_notice_response"',
            'deadline = "s437_notice_response"\nprovisional = true\nnote = "unsure"',
            "regimes.education_act_1996: the law in force has provisional steps (s437_notice)",
        ),
        (
            'deadline = "school_nomination_choice"',
            "period_days = 0",
            "period_days: Input should be greater than 0",
        ),
        (
            'letter_citation = "section 438 of the Education Act 1996"\n',
            "",
            "regimes.education_act_1996.steps.1: s438_notice_of_intention: letter_citation is"
            " required: the s438_notice_of_intention letter names the law it is made under",
        ),
        (
            'letter_citation = "section 437(1) of the Education Act 1996"',
            'letter_citation = ""',
            "steps.0.letter_citation: String should have at least 1 character",
        ),
        (
            'letter = "legal_services_referral"',
            'letter = "s437_notice"',
            "regimes.education_act_1996: steps: the letter s437_notice is served by more than one",
        ),
    ],
)
def test_a_broken_regimes_file_is_refused_naming_the_entry(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    with pytest.raises(RegimeConfigError) as refused:
        load_regimes(_shipped_with(tmp_path, old, new), {})
    assert any(problem in p for p in refused.value.problems), refused.value.problems


def test_a_provisional_step_that_serves_a_letter_names_the_law_it_is_made_under(
    tmp_path: Path,
) -> None:
    # Provisional or not, a letter's heading cites the law in the configuration's words.
    path = _shipped_with(
        tmp_path,
        "letter_citation = \"Section 436I of the Education Act 1996 (inserted by the Children's "
        'Wellbeing and Schools Act 2026)"\n',
        "",
    )
    with pytest.raises(RegimeConfigError) as refused:
        load_regimes(path, {})
    assert refused.value.problems == [
        "regimes.cwsa_2026.steps.2: school_attendance_order: letter_citation is required: the "
        "school_attendance_order_s436i letter names the law it is made under"
    ]


def test_a_regimes_file_without_the_next_regime_is_refused(tmp_path: Path) -> None:
    text = SHIPPED_REGIMES.read_text(encoding="utf-8").split("[regimes.cwsa_2026]")[0]
    with pytest.raises(RegimeConfigError) as refused:
        load_regimes(_write(tmp_path, text), {})
    assert refused.value.problems == ["regimes: cwsa_2026 missing"]


def test_a_missing_or_unreadable_regimes_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(RegimeConfigError, match="file not found"):
        load_regimes(tmp_path / "nowhere.toml", {})
    with pytest.raises(RegimeConfigError, match="not valid TOML"):
        load_regimes(_write(tmp_path, "[regimes"), {})


def _config_with(tmp_path: Path, section: str) -> Path:
    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    text = text.replace(
        'calendar_file = "calendar.toml"',
        f'calendar_file = "{SHIPPED_CONFIG.parent / "calendar.toml"}"',
    )
    path = tmp_path / "cme.toml"
    path.write_text(text + "\n" + section, encoding="utf-8")
    return path


def test_the_council_sets_the_day_the_2026_act_commences(tmp_path: Path) -> None:
    config = load_config(_config_with(tmp_path, "[regimes.commences_on]\ncwsa_2026 = 2027-09-01\n"))
    assert config.regimes.commences_on == {CWSA: date(2027, 9, 1)}
    table = load_regimes(config.regimes_path, config.regimes.commences_on)
    assert not table.in_force(CWSA, date(2027, 8, 31))
    assert table.in_force(CWSA, date(2027, 9, 1))
    # The old sections stay in force for the cases that began under them.
    assert table.in_force(RegimeId.EDUCATION_ACT_1996, date(2027, 9, 1))


def test_the_law_in_force_has_no_commencement_day_and_the_shipped_file_is_the_default(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match="the law in force has no commencement day"):
        load_config(
            _config_with(tmp_path, "[regimes.commences_on]\neducation_act_1996 = 1997-11-01\n")
        )
    config = load_config(_config_with(tmp_path, ""))
    assert config.regimes_path == SHIPPED_REGIMES
    assert config.regimes.commences_on == {}
