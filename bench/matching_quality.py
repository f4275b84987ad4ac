"""Precision, recall and speed of the child matcher on a labelled set of pairs.

``python -m bench.matching_quality`` reads bench/data/matching_pairs.csv (written by
``python -m bench.matching_pairs``) and prints, for each method: pairs it calls the same child,
precision, recall, twin pairs it merges (must be 0) and microseconds per pair (scoring every pair,
caches cleared before each of several passes, best pass).

Methods:

- the product's scorer (``models.matching.score_identities``) at its certain (0.9) and near (0.75)
  thresholds. Near is not a merge: it goes to a person; its recall is what review can catch;
- the in-file same-child rule (``models.matching.same_child_in_file``), applied as triage applies
  it: only to rows with the same school or the same postcode;
- the product's scorer with rapidfuzz's token_sort_ratio in place of its Jaro-Winkler (also
  rapidfuzz's; same floor, weights and thresholds);
- splink (the UK Ministry of Justice's probabilistic record linkage, DuckDB back end), when
  splink is importable (``pip install --target /tmp/splink splink``, ``PYTHONPATH=/tmp/splink``).
  The pairs' two sides are two tables linked ``link_only``; each labelled pair is one blocked
  comparison (blocking on the pair's number), so splink scores exactly the labelled pairs.
  Comparisons: forenames and surname together (splink's ``ForenameSurnameComparison``: exact,
  swapped, Jaro-Winkler >= 0.92 and >= 0.8 on both), date of birth (exact, day and month swapped,
  else), postcode (splink's ``PostcodeComparison``: full, sector, district, area) and school URN
  (exact). Names are folded as the product folds them; postcodes are written ``OUT IN``.
  u is estimated by random sampling of the 230 x 230 cross product (almost all non-matches); m
  from the labels (the 140 same-child pairs), as a model trained on a council's clerically
  reviewed matches would be: expectation maximisation on 460 records has too few matches to
  converge to anything better (measured: no better, see bench/README.md). The prior is the set's
  own: 140 matches in 230 x 230 pairs. m from the same labels it is tested on flatters splink.
  ``us/pair`` is the best of 3 ``predict()`` calls over the 230 pairs (SQL in DuckDB), without
  the training.
"""

from __future__ import annotations

import csv
import importlib
import logging
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from models import matching
from models.matching import ChildIdentity, MatchThresholds, same_child_in_file, same_postcode

PAIRS = Path(__file__).parent / "data" / "matching_pairs.csv"
PASSES = 10
SPLINK_PASSES = 3
SPLINK_CERTAIN = 0.999
"""Splink's match probability taken as certain, and as near (below): 0.5 is even odds."""
SPLINK_NEAR = 0.5


@dataclass(frozen=True)
class Pair:
    kind: str
    same: bool
    a: ChildIdentity
    b: ChildIdentity
    a_school: str
    b_school: str


def _identity(row: dict[str, str], side: str) -> ChildIdentity:
    return ChildIdentity(
        forenames=row[f"{side}_forenames"],
        surname=row[f"{side}_surname"],
        date_of_birth=date.fromisoformat(row[f"{side}_date_of_birth"]),
        postcode=row[f"{side}_postcode"] or None,
    )


def load_pairs(path: Path = PAIRS) -> list[Pair]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            Pair(
                kind=row["kind"],
                same=row["label"] == "same",
                a=_identity(row, "a"),
                b=_identity(row, "b"),
                a_school=row["a_school_urn"],
                b_school=row["b_school_urn"],
            )
            for row in csv.DictReader(f)
        ]


def in_file_rule(pair: Pair) -> bool:
    """The same child by the in-file rule, which triage applies only within a school or address."""
    if pair.a_school != pair.b_school and not same_postcode(pair.a.postcode, pair.b.postcode):
        return False
    return same_child_in_file(pair.a, pair.b) is not None


def scorer_at(threshold: float) -> Callable[[Pair], bool]:
    def decide(pair: Pair) -> bool:
        return matching.score_identities(pair.a, pair.b)[0] >= threshold

    return decide


@dataclass(frozen=True)
class Result:
    merged: int
    precision: float
    recall: float
    twins_merged: int
    micros: float
    missed_kinds: dict[str, int]


def measure(pairs: list[Pair], decide: Callable[[Pair], bool]) -> Result:
    best = float("inf")
    decisions: list[bool] = []
    for _ in range(PASSES):
        matching.clear_caches()
        start = time.perf_counter()
        decisions = [decide(p) for p in pairs]
        best = min(best, time.perf_counter() - start)
    return _result(pairs, decisions, best)


def _result(pairs: Sequence[Pair], decisions: Sequence[bool], seconds: float) -> Result:
    true_pos = sum(d and p.same for d, p in zip(decisions, pairs, strict=True))
    merged = sum(decisions)
    positives = sum(p.same for p in pairs)
    missed: dict[str, int] = {}
    for d, p in zip(decisions, pairs, strict=True):
        if d != p.same:
            key = f"{p.kind} ({'missed' if p.same else 'called the same'})"
            missed[key] = missed.get(key, 0) + 1
    return Result(
        merged=merged,
        precision=true_pos / merged if merged else 1.0,
        recall=true_pos / positives,
        twins_merged=sum(d and p.kind == "twins" for d, p in zip(decisions, pairs, strict=True)),
        micros=seconds / len(pairs) * 1e6,
        missed_kinds=missed,
    )


@contextmanager
def string_metric(metric: Callable[[str, str], float]) -> Iterator[None]:
    """The product's scorer with another string metric (the same floor below which names differ)."""
    original = matching._similarity

    def similarity(a: str, b: str) -> float:
        if a == b:
            return 1.0
        if not a or not b:
            return 0.0
        value = metric(a, b)
        return value if value >= matching.SIMILAR_NAME_FLOOR else 0.0

    matching._similarity = similarity
    try:
        yield
    finally:
        matching._similarity = original


def _postcode_spaced(postcode: str | None) -> str | None:
    compact = "".join((postcode or "").upper().split())
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else None


def _splink_record(number: int, child: ChildIdentity, school: str) -> dict[str, object]:
    born = child.date_of_birth
    swapped = born.replace(month=born.day, day=born.month) if born.day <= 12 else None
    return {
        "unique_id": number,
        "pair": number,
        "forenames": matching._fold(child.forenames).replace(" ", ""),
        "surname": matching._fold(child.surname).replace(" ", ""),
        "date_of_birth": born.isoformat(),
        "date_of_birth_swapped": swapped.isoformat() if swapped and swapped != born else None,
        "postcode": _postcode_spaced(child.postcode),
        "school": school,
    }


def splink_probabilities(pairs: list[Pair]) -> tuple[list[float], float]:
    """Splink's match probability of every pair (module docstring) and the best predict() time.

    Raises:
        ImportError: splink is not importable.
    """
    # Imported by name: splink is not a project dependency, so it has no stubs here.
    splink: Any = importlib.import_module("splink")
    cl: Any = importlib.import_module("splink.comparison_library")
    cll: Any = importlib.import_module("splink.comparison_level_library")
    db = splink.DuckDBAPI()
    left = db.register(
        [_splink_record(n, p.a, p.a_school) for n, p in enumerate(pairs)], dataset_display_name="a"
    )
    right = db.register(
        [_splink_record(n, p.b, p.b_school) for n, p in enumerate(pairs)], dataset_display_name="b"
    )
    born = cl.CustomComparison(
        output_column_name="date_of_birth",
        comparison_levels=[
            cll.NullLevel("date_of_birth"),
            cll.ExactMatchLevel("date_of_birth"),
            cll.CustomLevel(
                '"date_of_birth_l" = "date_of_birth_swapped_r"',
                label_for_charts="day and month swapped",
            ),
            cll.ElseLevel(),
        ],
    )
    matches = sum(p.same for p in pairs)
    settings = splink.SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.ForenameSurnameComparison(
                "forenames", "surname", jaro_winkler_thresholds=[0.92, 0.8]
            ),
            born,
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("school"),
        ],
        blocking_rules_to_generate_predictions=[splink.block_on("pair")],
        additional_columns_to_retain=["pair"],
        probability_two_random_records_match=matches / len(pairs) ** 2,
    )
    linker = splink.Linker([left, right], settings, log_level=logging.ERROR)
    logging.getLogger("splink").setLevel(logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=len(pairs) ** 2, seed=1)
    labels = db.register(
        [
            {"source_dataset_l": "a", "unique_id_l": n, "source_dataset_r": "b", "unique_id_r": n}
            for n, p in enumerate(pairs)
            if p.same
        ],
        table_name="labels",
    )
    linker.training.estimate_m_from_pairwise_labels(labels)
    best = float("inf")
    scored: list[dict[str, Any]] = []
    for _ in range(SPLINK_PASSES):
        start = time.perf_counter()
        scored = linker.inference.predict().as_record_list()
        best = min(best, time.perf_counter() - start)
    probability = {int(row["pair_l"]): float(row["match_probability"]) for row in scored}
    return [probability.get(n, 0.0) for n in range(len(pairs))], best


def _line(name: str, r: Result) -> str:
    return (
        f"{name:<44} {r.merged:>6} {r.precision:>9.3f} {r.recall:>7.3f} "
        f"{r.twins_merged:>6} {r.micros:>8.1f}"
    )


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main() -> None:
    pairs = load_pairs()
    thresholds = MatchThresholds()
    positives = sum(p.same for p in pairs)
    twins = sum(p.kind == "twins" for p in pairs)
    _say(
        f"{len(pairs)} pairs: {positives} same child, "
        f"{len(pairs) - positives} different ({twins} twins)"
    )
    _say(f"{'method':<44} {'merged':>6} {'precision':>9} {'recall':>7} {'twins':>6} {'us/pair':>8}")
    results: list[tuple[str, Result]] = [
        (
            f"product scorer, certain (>= {thresholds.certain})",
            measure(pairs, scorer_at(thresholds.certain)),
        ),
        (
            f"product scorer, near or better (>= {thresholds.near})",
            measure(pairs, scorer_at(thresholds.near)),
        ),
        ("in-file same-child rule", measure(pairs, in_file_rule)),
    ]
    with string_metric(lambda a, b: float(fuzz.token_sort_ratio(a, b)) / 100):
        for word, threshold in (("certain", thresholds.certain), ("near", thresholds.near)):
            results.append(
                (f"rapidfuzz token_sort_ratio scorer, {word}", measure(pairs, scorer_at(threshold)))
            )
    try:
        probabilities, seconds = splink_probabilities(pairs)
    except ImportError:
        _say("splink is not importable: it is not measured (PYTHONPATH=/tmp/splink)")
    else:
        for word, threshold in (("certain", SPLINK_CERTAIN), ("near", SPLINK_NEAR)):
            decisions = [probability >= threshold for probability in probabilities]
            results.append(
                (f"splink, {word} (p >= {threshold})", _result(pairs, decisions, seconds))
            )
    for name, result in results:
        _say(_line(name, result))
    _say("twins: twin pairs called the same child (at near: sent to a person, not merged)")
    _say("not the label (pairs by kind):")
    for name, result in results:
        wrong = ", ".join(f"{k} {n}" for k, n in sorted(result.missed_kinds.items()))
        _say(f"  {name}: {wrong or 'none'}")


if __name__ == "__main__":
    main()
