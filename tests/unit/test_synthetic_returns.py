"""The synthetic return generator: deterministic; its planted faults and repeats found exactly."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from models.matching import IdentityIndex, MatchThresholds, index_identities
from models.school_returns import read_deletion_return, read_new_pupil_return
from models.triage import triage_deletion_return
from tools.synthetic_returns import (
    BAD_KINDS,
    NEAR_KINDS,
    deletion_return,
    main,
    new_pupil_return,
    open_cases,
)

TODAY = date(2026, 11, 2)
THRESHOLDS = MatchThresholds()


@pytest.mark.parametrize("seed", [1, 2])
def test_deletion_return_has_exactly_the_expected_bad_rows_and_near_duplicates(seed: int) -> None:
    made = deletion_return(
        rows=1000, bad_share=0.05, near_duplicate_share=0.05, seed=seed, today=TODAY
    )

    read = read_deletion_return(made.data, today=TODAY)
    triaged = triage_deletion_return(
        read.rows,
        open_cases=IdentityIndex(THRESHOLDS),
        roll=IdentityIndex(THRESHOLDS),
        thresholds=THRESHOLDS,
    )
    flagged = [t.row for t in triaged if t.duplicate_of_row or t.possible_duplicate_of_rows]

    assert (made.expected.bad_rows, made.expected.near_duplicates) == (50, 50)
    assert read.problem_rows == list(made.expected.bad_row_lines)
    assert len(read.rows) == made.expected.good_rows == 950
    assert flagged == list(made.expected.near_duplicate_lines)
    assert set(made.expected.bad_by_kind) == set(BAD_KINDS)
    assert set(made.expected.near_by_kind) == set(NEAR_KINDS)


def test_new_pupil_return_has_exactly_the_expected_bad_rows() -> None:
    made = new_pupil_return(rows=800, bad_share=0.1, near_duplicate_share=0.05, seed=4, today=TODAY)

    read = read_new_pupil_return(made.data, today=TODAY)

    assert made.expected.bad_rows == 80
    assert read.problem_rows == list(made.expected.bad_row_lines)
    assert len(read.rows) == made.expected.good_rows


def test_same_seed_and_today_give_the_same_bytes_and_another_seed_does_not() -> None:
    def make(seed: int) -> bytes:
        return deletion_return(rows=200, seed=seed, today=TODAY).data

    assert make(5) == make(5)
    assert make(5) != make(6)


def test_windows_1252_output_reads_as_cp1252() -> None:
    made = deletion_return(rows=100, seed=8, today=TODAY, encoding="cp1252")

    read = read_deletion_return(made.data, today=TODAY)

    assert read.problem_rows == list(made.expected.bad_row_lines)


def test_open_cases_include_the_requested_share_of_the_returns_children() -> None:
    made = deletion_return(rows=300, bad_share=0, near_duplicate_share=0, seed=9, today=TODAY)
    cases = open_cases(count=100, known=made.children, known_share=0.2, seed=9, today=TODAY)
    index = index_identities(cases, THRESHOLDS)

    linked = [child for child in made.children if index.matches(child)]

    assert len(cases) == 100
    assert len({key for key, _ in cases}) == 100
    assert len(linked) == 20


def test_command_line_writes_the_file_and_prints_the_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "synthetic-deletion.csv"

    code = main(
        [
            *("deletion", "--rows", "120", "--bad-share", "0.05", "--near-duplicate-share", "0.05"),
            *("--seed", "3", "--today", "2026-11-02", "--out", str(out)),
        ]
    )

    assert code == 0
    assert '"bad_rows": 6' in capsys.readouterr().out
    assert len(read_deletion_return(out.read_bytes(), today=TODAY).problem_rows) == 6


def test_intake_benchmark_runs_small_and_finds_the_planted_rows() -> None:
    repository = Path(__file__).resolve().parents[2]
    small = ["--rows", "200", "--open-cases", "40", "--roll", "100"]

    done = subprocess.run(
        [sys.executable, "-m", "bench.intake_triage", *small],
        cwd=repository,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "total (read + index + classify)" in done.stdout
    assert "found exactly: yes" in done.stdout
