"""The labelled pairs (bench/data/matching_pairs.csv) guard the matcher: a certain match is never
wrong, and the in-file same-child rule never merges twins."""

from __future__ import annotations

from bench.matching_quality import in_file_rule, load_pairs
from models.matching import MatchStrength, MatchThresholds, score_identities

PAIRS = load_pairs()


def test_the_labelled_set_has_every_kind_it_promises() -> None:
    kinds = {pair.kind for pair in PAIRS}
    assert len(PAIRS) >= 200
    assert {"typo", "transposition", "swapped names", "hyphenated", "double-barrelled"} <= kinds
    assert {"nickname", "postcode formatting", "twins", "siblings", "unrelated same DOB"} <= kinds
    assert sum(pair.kind == "twins" for pair in PAIRS) >= 20


def test_a_certain_match_is_always_the_same_child() -> None:
    strength = MatchThresholds().strength
    certain = [p for p in PAIRS if strength(score_identities(p.a, p.b)[0]) is MatchStrength.CERTAIN]
    wrong = [(p.kind, p.a.forenames, p.b.forenames) for p in certain if not p.same]
    assert certain, "no pair is certain: the scorer or the set is broken"
    assert wrong == []


def test_the_in_file_rule_never_merges_twins_or_any_two_children() -> None:
    merged = [p for p in PAIRS if in_file_rule(p)]
    assert [(p.kind, p.a.forenames, p.b.forenames) for p in merged if not p.same] == []
    assert {p.kind for p in merged} >= {"swapped names", "postcode formatting", "transposition"}
    twins = [p for p in PAIRS if p.kind == "twins"]
    assert not any(in_file_rule(p) for p in twins)
