"""Fuzzy child-identity matching: the same child under another spelling is found; others are not.

Every name here is fictitious.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from models import matching
from models.matching import (
    ChildIdentity,
    IdentityIndex,
    IdentityMatch,
    MatchStrength,
    MatchThresholds,
    jaro_winkler,
    same_child_in_file,
    same_postcode,
    score_identities,
)

BORN = date(2014, 3, 9)
CHILD = ChildIdentity("Ada Mae", "Testchild", BORN, "AL1 3ER")
THRESHOLDS = MatchThresholds()


def strength(a: ChildIdentity, b: ChildIdentity) -> MatchStrength | None:
    score, _ = score_identities(a, b)
    return THRESHOLDS.strength(score)


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(ChildIdentity("ADA MAE", "testchild", BORN, "al13er"), id="case"),
        pytest.param(ChildIdentity("Ada-Mae", "Test Child", BORN), id="hyphens-and-spaces"),
        pytest.param(ChildIdentity("Testchild", "Ada Mae", BORN, "AL1 3ER"), id="transposed"),
        pytest.param(ChildIdentity("Adá Maé", "Téstchild", BORN, "AL1 3ER"), id="accents"),
        pytest.param(
            ChildIdentity("Addy", "Other", BORN, "AL1 3ER", aliases=("Ada Mae Testchild",)),
            id="alias-of-b",
        ),
        pytest.param(ChildIdentity("Ada Mae", "Testchild", BORN, "SG1 1AA"), id="moved-postcode"),
    ],
)
def test_same_child_is_certain_under_another_spelling(other: ChildIdentity) -> None:
    assert strength(CHILD, other) is MatchStrength.CERTAIN
    assert strength(other, CHILD) is MatchStrength.CERTAIN


def test_an_alias_of_one_child_matches_an_alias_of_the_other() -> None:
    a = ChildIdentity("Bea", "One", BORN, aliases=("Beatrix Sample",))
    b = ChildIdentity("Trixie", "Two", BORN, aliases=("beatrix  SAMPLE",))

    score, reasons = score_identities(a, b)

    assert THRESHOLDS.strength(score) is MatchStrength.CERTAIN
    assert "alias equal" in reasons


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(ChildIdentity("Ada Mae", "Testchlid", BORN, "AL1 3ER"), id="surname-typo"),
        pytest.param(ChildIdentity("Adda Mae", "Testchild", BORN, "AL1 3ER"), id="forename-typo"),
        pytest.param(ChildIdentity("Ada", "Testchild", BORN, "AL1 3ER"), id="middle-name-missing"),
        pytest.param(
            ChildIdentity("Ada Mae", "Testchild", date(2014, 9, 3), "AL1 3ER"),
            id="day-month-transposed",
        ),
        pytest.param(
            ChildIdentity("Testchlid", "Ada Mae", BORN, "AL1 3ER"), id="transposed-with-typo"
        ),
    ],
)
def test_a_typo_or_transposed_birth_date_is_near_never_certain(other: ChildIdentity) -> None:
    assert strength(CHILD, other) is MatchStrength.NEAR


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(ChildIdentity("Zoe", "Testchild", BORN, "AL1 3ER"), id="twin"),
        pytest.param(ChildIdentity("Ada Mae", "Testchild", date(2015, 3, 9)), id="other-year"),
        pytest.param(ChildIdentity("Bertie", "Madeupson", BORN, "AL1 3ER"), id="other-child"),
    ],
)
def test_a_different_child_is_no_match(other: ChildIdentity) -> None:
    assert strength(CHILD, other) is None


def test_postcode_equal_scores_above_same_district_above_different() -> None:
    def score(postcode: str | None) -> float:
        return score_identities(CHILD, ChildIdentity("Ada Mae", "Testchlid", BORN, postcode))[0]

    assert score("AL1 3ER") > score("AL1 9ZZ") > score("SG1 1AA")
    assert score("AL1 9ZZ") > score(None) > score("SG1 1AA")
    assert (
        "postcode district equal"
        in score_identities(CHILD, CHILD.__class__("Ada Mae", "Testchild", BORN, "AL1 9ZZ"))[1]
    )


def test_reasons_name_what_agreed_but_never_a_personal_value() -> None:
    other = ChildIdentity("Ada Mae", "Testchlid", date(2014, 9, 3), "AL1 3ER")

    score, reasons = score_identities(CHILD, other)

    assert score == round(score, 2)
    assert reasons == (
        "date of birth day and month transposed",
        "forenames equal",
        "surname similar",
        "postcode equal",
    )
    personal = ("ada", "mae", "testch", "2014", "al1", "3er")
    assert not [r for r in reasons for value in personal if value in r.lower()]


def test_jaro_winkler_gives_the_published_values() -> None:
    # Winkler's examples: MARTHA/MARHTA 0.961, DWAYNE/DUANE 0.84, DIXON/DICKSONX 0.813.
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.961, abs=0.001)
    assert jaro_winkler("dwayne", "duane") == pytest.approx(0.84, abs=0.001)
    assert jaro_winkler("dixon", "dicksonx") == pytest.approx(0.813, abs=0.001)
    assert jaro_winkler("", "x") == 0.0


def test_index_returns_near_and_certain_keys_best_first_one_per_key() -> None:
    index: IdentityIndex[str] = IdentityIndex(THRESHOLDS)
    index.add("CME-1", ChildIdentity("Ada Mae", "Testchlid", BORN))
    index.add("CME-2", ChildIdentity("Bertie", "Madeupson", BORN))
    index.add("CME-3", ChildIdentity("Ada Mae", "Testchild", BORN, "AL1 3ER"))
    index.add("CME-3", ChildIdentity("Ada Mae", "Testchild", date(2014, 9, 3)))

    found = index.matches(CHILD)

    assert [(m.key, m.strength) for m in found] == [
        ("CME-3", MatchStrength.CERTAIN),
        ("CME-1", MatchStrength.NEAR),
    ]
    assert found[0] == IdentityMatch(
        key="CME-3",
        score=1.0,
        strength=MatchStrength.CERTAIN,
        reasons=("date of birth equal", "names equal", "postcode equal"),
    )


def test_index_finds_a_transposed_birth_date_and_an_equal_name_born_another_day() -> None:
    index: IdentityIndex[int] = IdentityIndex(MatchThresholds(certain=0.9, near=0.6))
    index.add(1, ChildIdentity("Ada Mae", "Testchild", date(2014, 9, 3)))
    index.add(2, ChildIdentity("Testchild", "Ada Mae", date(2013, 1, 1), "AL1 3ER"))

    assert [m.key for m in index.matches(CHILD)] == [1, 2]


def test_thresholds_refuse_near_above_certain_or_below_what_blocking_supports() -> None:
    with pytest.raises(ValueError, match="near <= certain"):
        MatchThresholds(certain=0.8, near=0.85)
    with pytest.raises(ValueError, match=r"0\.55 <= near"):
        MatchThresholds(near=0.4)


def test_ten_thousand_children_are_matched_within_their_blocks_not_against_everyone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The index compares a child only with those sharing a date of birth (or its day and month
    swapped) or a name key: a few dozen comparisons, not the 10,000 of a full scan. Counted, not
    timed (bench/intake_triage.py measures the time)."""
    first, surnames = (
        ["Ada", "Bea", "Cal", "Dev", "Eve", "Finn", "Gus", "Hana"],
        [f"Testname{n}" for n in range(400)],
    )
    people = [
        ChildIdentity(
            first[n % len(first)],
            surnames[(n * 7) % len(surnames)],
            date(2010, 1, 1) + timedelta(days=(n * 37) % 4000),
            "AL1 3ER",
        )
        for n in range(10_000)
    ]
    scored = 0
    score = matching._score

    def counted(a: Any, b: Any) -> tuple[float, tuple[str, ...]]:
        nonlocal scored
        scored += 1
        return score(a, b)

    monkeypatch.setattr(matching, "_score", counted)
    index: IdentityIndex[int] = IdentityIndex(THRESHOLDS)
    for n, person in enumerate(people):
        index.add(n, person)
    found = sum(1 for person in people if index.matches(person))

    assert found == len(people)
    assert scored / len(people) <= 100, f"{scored / len(people):.0f} comparisons a child"


def test_similar_names_are_found_and_dissimilar_ones_refused_by_the_cheap_bound() -> None:
    # The bound may only refuse what Jaro-Winkler would put below the floor.
    from models.matching import SIMILAR_NAME_FLOOR, _similarity

    for a, b in [("testchild", "testchlid"), ("smith", "smyth"), ("jon", "john"), ("ada", "adda")]:
        assert _similarity(a, b) == jaro_winkler(a, b) >= SIMILAR_NAME_FLOOR
    for a, b in [("zoe", "ada"), ("madeupson", "testchild"), ("bertie", "cleo")]:
        assert _similarity(a, b) == 0.0


@pytest.mark.parametrize(
    ("first", "second", "why"),
    [
        (("Ava", "Testpupil"), ("Ava", "Testpupli"), "surname one typo apart"),
        (("Ava", "Testpupil"), ("Ava", "Testpupl"), "surname one typo apart"),
        (("Ava", "Testpupil"), ("Ava", "Testpupiel"), "surname one typo apart"),
        (("Ava", "Testpupil"), ("Testpupil", "Ava"), "forenames and surname swapped"),
        (("Ava", "Smith-Jones"), ("AVA", "Smith Jones"), "names equal"),
        (("Ava", "O'Brien-Hart"), ("Ava", "OBrien Hart"), "names equal"),
        (("Sophie", "Twinsample"), ("Sohpie", "Twinsample"), "forenames one slip apart"),
        (("Philip", "Twinsample"), ("Phillip", "Twinsample"), "forenames one slip apart"),
        # Twins, triplets: a forename with another letter, or another forename, is another child.
        (("Amelia", "Twinsample"), ("Amelie", "Twinsample"), None),
        (("Zoe", "Twinsample"), ("Zak", "Twinsample"), None),
        (("Ava", "Testpupil"), ("Eva", "Testpupil"), None),
        # Short surnames are whole names, not typos; two slips are not one.
        (("Ava", "Li"), ("Ava", "Lu"), None),
        (("Ava", "Testpupil"), ("Ava", "Tsetpupli"), None),
        (("Sohpie", "Testpupil"), ("Sophie", "Testpupli"), None),
    ],
)
def test_the_in_file_rule_takes_a_slip_for_one_child_and_never_merges_twins(
    first: tuple[str, str], second: tuple[str, str], why: str | None
) -> None:
    a, b = ChildIdentity(*first, BORN), ChildIdentity(*second, BORN)
    found = same_child_in_file(a, b)
    if why is None:
        assert found is None
    else:
        assert found is not None and found.startswith(why)
    assert same_child_in_file(b, a) == found  # symmetric
    assert same_child_in_file(a, ChildIdentity(*second, BORN + timedelta(days=1))) is None


def test_postcodes_are_the_same_however_written() -> None:
    assert same_postcode("hp47px", "HP4 7PX")
    assert not same_postcode("HP4 7PX", "HP4 7PY")
    assert not same_postcode(None, None)
