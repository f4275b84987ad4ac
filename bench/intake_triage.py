"""The intake benchmark: read and triage a 10,000-row deletion return (target: within 10 s).

Generates (untimed) a deletion return with 5 % bad rows and 5 % near-duplicates
(tools/synthetic_returns.py), 2,000 open cases (10 % of them children in the return) and a county
roll of 20,000 pupils (plus 70 % of the return's children), then times each step of the pipeline
and the pipeline as a whole:

- parse: decode the bytes, sniff the delimiter, check the header, split the CSV records;
- validate: the rest of reading (every cell checked, exact repeats found) = read - parse;
- index: build the open-case and roll indexes (models.matching.index_identities,
  models.extracts.roll_index);
- dedupe: the in-file fuzzy duplicate pass alone (the pass triage makes, timed on its own);
- classify: triage_deletion_return (routes, open-case and roll matching, its own dedupe pass);
- total: read + index + classify, the pipeline as intake runs it.

Then it runs the pipeline once more under tracemalloc for its peak Python allocation, and prints
the process's peak resident memory. It reports and never asserts: a missed target is a finding,
so the exit code is 0.

    .venv/bin/python -m bench.intake_triage [--rows 10000] [--open-cases 2000] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from models.csv_text import read_csv_text, records
from models.extracts import roll_index
from models.matching import IdentityIndex, MatchThresholds, clear_caches, index_identities
from models.school_returns import (
    DELETION_RETURN_COLUMNS,
    DELETION_RETURN_REQUIRED,
    read_deletion_return,
)
from models.triage import triage_deletion_return
from tools.synthetic_returns import deletion_return, open_cases

TARGET_SECONDS = 10.0
TODAY = date(2026, 11, 12)
THRESHOLDS = MatchThresholds()
T = TypeVar("T")


def timed(step: Callable[[], T]) -> tuple[T, float, float]:
    """The step's result, wall seconds and CPU seconds (the machine is shared: both matter).

    The matcher's caches are cleared first, so no step profits from an earlier one's work."""
    clear_caches()
    wall, cpu = time.perf_counter(), time.process_time()
    result = step()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--open-cases", type=int, default=2_000)
    parser.add_argument("--roll", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    sys.stderr.write(
        f"generating (untimed): {args.rows:,} rows, {args.open_cases:,} open cases, "
        f"{args.roll:,} roll pupils ...\n"
    )
    made = deletion_return(
        rows=args.rows, bad_share=0.05, near_duplicate_share=0.05, seed=args.seed, today=TODAY
    )
    cases = open_cases(
        count=args.open_cases, known=made.children, known_share=0.1, seed=args.seed, today=TODAY
    )
    fresh_pupils = open_cases(
        count=args.roll, known=made.children, known_share=0.0, seed=args.seed + 7, today=TODAY
    )
    roll_rows: list[dict[str, str | None]] = [
        {
            "forenames": child.forenames,
            "surname": child.surname,
            "date_of_birth": child.date_of_birth.isoformat(),
            "postcode": child.postcode,
            "school_name": "Synthetic School",
            "school_urn": f"8{n % 500:05d}",
        }
        for n, (_, child) in enumerate(fresh_pupils)
    ]
    roll_rows += [
        {
            "forenames": child.forenames,
            "surname": child.surname,
            "date_of_birth": child.date_of_birth.isoformat(),
            "postcode": child.postcode,
            "school_name": "Destination School",
            "school_urn": "899999",
        }
        for n, child in enumerate(made.children)
        if n % 10 < 7
    ]

    def parse() -> int:
        csv_text = read_csv_text(
            made.data,
            max_bytes=len(made.data),
            known={c: c for c in DELETION_RETURN_COLUMNS},
            required=DELETION_RETURN_REQUIRED,
        )
        return sum(1 for _ in records(csv_text))

    def index() -> tuple[IdentityIndex[str], IdentityIndex[str]]:
        return index_identities(cases, THRESHOLDS), roll_index(roll_rows, THRESHOLDS)

    def pipeline() -> int:
        read = read_deletion_return(made.data, today=TODAY)
        open_index, roll = index()
        triaged = triage_deletion_return(
            read.rows, open_cases=open_index, roll=roll, thresholds=THRESHOLDS
        )
        return len(triaged)

    parsed, parse_s, parse_cpu = timed(parse)
    read, read_s, read_cpu = timed(lambda: read_deletion_return(made.data, today=TODAY))
    (open_index, roll), index_s, index_cpu = timed(index)

    def dedupe() -> int:
        earlier: IdentityIndex[int] = IdentityIndex(THRESHOLDS)
        flagged = 0
        for line, row in read.rows:
            identity = row.identity()
            flagged += bool(earlier.matches(identity))
            earlier.add(line, identity)
        return flagged

    flagged, dedupe_s, dedupe_cpu = timed(dedupe)
    triaged, classify_s, classify_cpu = timed(
        lambda: triage_deletion_return(
            read.rows, open_cases=open_index, roll=roll, thresholds=THRESHOLDS
        )
    )
    _, total_s, total_cpu = timed(pipeline)

    clear_caches()
    tracemalloc.start()
    pipeline()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    routes = Counter(t.route.value for t in triaged)
    linked = sum(t.linked_case is not None for t in triaged)
    reviewed = sum(bool(t.review) for t in triaged)
    found_exactly = (
        read.problem_rows == list(made.expected.bad_row_lines)
        and flagged == made.expected.near_duplicates
    )
    verdict = "PASS" if total_s <= TARGET_SECONDS else "MISS"

    say(
        f"intake triage benchmark: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{made.expected.rows:,} rows ({len(made.data) / 1024 / 1024:.1f} MB), "
        f"{len(cases):,} open cases, {len(roll_rows):,} roll pupils"
    )
    say(f"{'step':<34}{'wall s':>8}{'CPU s':>8}")
    for name, wall, cpu, note in [
        ("parse (decode, header, records)", parse_s, parse_cpu, f"{parsed:,} records"),
        (
            "validate (read - parse)",
            read_s - parse_s,
            read_cpu - parse_cpu,
            f"{len(read.rows):,} good rows, {len(read.problem_rows):,} bad",
        ),
        ("index (open cases + roll)", index_s, index_cpu, ""),
        ("dedupe (in-file pass alone)", dedupe_s, dedupe_cpu, f"{flagged:,} rows flagged"),
        (
            "classify (triage, incl. dedupe)",
            classify_s,
            classify_cpu,
            f"{linked:,} linked to open cases, {reviewed:,} to review",
        ),
        (
            "total (read + index + classify)",
            total_s,
            total_cpu,
            f"target <= {TARGET_SECONDS:.0f} s wall: {verdict}",
        ),
    ]:
        say(f"{name:<34}{wall:>8.2f}{cpu:>8.2f}   {note}")
    say(f"peak Python allocation of the pipeline (tracemalloc): {traced_peak / 2**20:.1f} MB")
    say(f"peak resident memory of the process (generation included): {max_rss_mib:.0f} MB")
    say("routes: " + ", ".join(f"{k} {v:,}" for k, v in sorted(routes.items())))
    say("planted faults and near-duplicates found exactly: " + ("yes" if found_exactly else "NO"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
