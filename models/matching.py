"""Fuzzy child-identity matching for intake: is this child one we already know?

Intake (deletion returns, new-pupil returns, referrals) must find the same child under another
spelling: case, accents, hyphens and spaces, forenames and surname swapped, a known alias, a typo,
day and month of birth swapped. A match that links a row to an open case must be CERTAIN; a NEAR
match goes to a person for review. The exact matching that closes a case is models/extracts.py.

The score (0..1) weighs three things, each explained by a reason that never carries the personal
value itself ("surname similar", not the surname):

- names, 0.55: the best pairing of any name of one child with any name of the other (legal name
  and aliases, in either order). Equal names count in full; names that are only similar count at
  most 0.8 of their similarity, so a typo alone never makes a match certain.
- date of birth, 0.35: equal counts in full; day and month transposed counts 0.6.
- postcode, 0.10: equal in full, same district 0.7, unknown on either side 0.5 (neutral), different
  0 (children missing education move: a new postcode must not hide a known child).

With the shipped thresholds (certain 0.9, near 0.75): equal names and date of birth are certain
even at a new postcode; a typo, a missing middle name or a transposed date of birth is near.

Speed: candidates come from blocks, never a full scan. A child is compared only with entries born
on the same day, born on the day-month transposed day, or with an equal name (any order). A pair
outside every block scores at most 0.55 x 0.8 + 0.10 = 0.54 (similar names, different birthday),
so a near threshold of at least ``MIN_NEAR_THRESHOLD`` loses no match to blocking.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Generic, TypeVar

from rapidfuzz.distance import JaroWinkler

from models.postcode import is_pseudo_postcode

K = TypeVar("K")

NAME_WEIGHT = 0.55
DATE_OF_BIRTH_WEIGHT = 0.35
POSTCODE_WEIGHT = 0.10
SIMILAR_NAME_CAP = 0.8
TRANSPOSED_DATE_OF_BIRTH = 0.6
SIMILAR_NAME_FLOOR = 0.75
"""A name part less similar than this counts as different (Zoe and John, twins' forenames)."""
SAME_DISTRICT = 0.7
UNKNOWN_POSTCODE = 0.5
MIN_NEAR_THRESHOLD = 0.55
"""The lowest near threshold blocking supports (see the module docstring)."""


@dataclass(frozen=True)
class ChildIdentity:
    """Who a child is, as far as matching is concerned."""

    forenames: str
    surname: str
    date_of_birth: date
    postcode: str | None = None
    aliases: tuple[str, ...] = ()  # other names the child is known by ("Forename Surname")


class MatchStrength(StrEnum):
    CERTAIN = "certain"
    NEAR = "near"


@dataclass(frozen=True)
class MatchThresholds:
    """Scores at or above `certain` link; at or above `near` go to review; below: no match."""

    certain: float = 0.9
    near: float = 0.75

    def __post_init__(self) -> None:
        if not MIN_NEAR_THRESHOLD <= self.near <= self.certain <= 1.0:
            raise ValueError(
                f"matching thresholds must satisfy {MIN_NEAR_THRESHOLD} <= near <= certain <= 1 "
                f"(near={self.near}, certain={self.certain})"
            )

    def strength(self, score: float) -> MatchStrength | None:
        if score >= self.certain:
            return MatchStrength.CERTAIN
        if score >= self.near:
            return MatchStrength.NEAR
        return None


@dataclass(frozen=True)
class IdentityMatch(Generic[K]):
    key: K
    score: float  # 0..1, rounded to 2 places
    strength: MatchStrength
    reasons: tuple[str, ...]  # e.g. "date of birth equal", "surname similar": never the values


# --- names -------------------------------------------------------------------------------------


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """Lower case, accents stripped, hyphens and apostrophes as spaces, single-spaced."""
    if text.isascii():  # the common case, without the per-character Unicode walk
        return " ".join(_NOT_ALNUM.sub(" ", text.lower()).split())
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return " ".join(kept.lower().split())


@dataclass(frozen=True)
class _Name:
    forenames: str  # compact: folded with spaces removed ("maryann")
    first_forename: str
    surname: str
    is_alias: bool

    @property
    def full(self) -> str:
        return self.forenames + self.surname


def _name(forenames: str, surname: str, *, is_alias: bool) -> _Name:
    folded = _fold(forenames).split()
    return _Name(
        forenames="".join(folded),
        first_forename=folded[0] if folded else "",
        surname=_fold(surname).replace(" ", ""),
        is_alias=is_alias,
    )


def _alias(alias: str) -> _Name | None:
    """An alias is "Forename(s) Surname": its last word is taken as the surname."""
    words = _fold(alias).split()
    if not words:
        return None
    return _name(" ".join(words[:-1]), words[-1], is_alias=True)


def _names(identity: ChildIdentity) -> tuple[_Name, ...]:
    names = [_name(identity.forenames, identity.surname, is_alias=False)]
    names.extend(n for n in map(_alias, identity.aliases) if n is not None)
    return tuple(names)


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two strings (0..1), prefix scale 0.1 over up to 4 characters
    (rapidfuzz's, which measured the same decisions as a hand-written one in under half the time:
    bench/README.md, "Matching")."""
    return float(JaroWinkler.similarity(a, b))


def _similarity(a: str, b: str) -> float:
    """Jaro-Winkler, or 0 below the floor (rapidfuzz refuses most pairs early at the cutoff)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    return float(JaroWinkler.similarity(a, b, score_cutoff=SIMILAR_NAME_FLOOR))


def _likeness(part: str, similarity: float) -> str:
    if similarity == 1.0:
        return f"{part} equal"
    if similarity:
        return f"{part} similar"
    return f"{part} differ" if part.endswith("s") else f"{part} differs"


def _pair_score(a: _Name, b: _Name) -> tuple[float, tuple[str, ...]]:
    """Name component (0..1) for one name of each child, with its reasons."""
    alias = a.is_alias or b.is_alias
    if a.full == b.full or (a.forenames == b.forenames and a.surname == b.surname):
        return 1.0, ("alias equal" if alias else "names equal",)
    if a.forenames == b.surname and a.surname == b.forenames:
        reason = "alias equal, forenames and surname transposed" if alias else None
        return 1.0, (reason or "forenames and surname transposed",)
    # Three readings, best sum wins, the earlier on a tie. A reading that cannot beat the best
    # so far is not computed (Jaro-Winkler is most of the matcher's time).
    surname_sim = _similarity(a.surname, b.surname)
    forename_sim = _similarity(a.forenames, b.forenames)
    first_forename_only = transposed = False
    has_middle_names = a.first_forename != a.forenames or b.first_forename != b.forenames
    if has_middle_names and forename_sim < 1.0:
        first_sim = _similarity(a.first_forename, b.first_forename)
        if first_sim > forename_sim:
            forename_sim, first_forename_only = first_sim, True
    swapped_forename = _similarity(a.forenames, b.surname)
    if swapped_forename + 1.0 > forename_sim + surname_sim:
        swapped_surname = _similarity(a.surname, b.forenames)
        if swapped_forename + swapped_surname > forename_sim + surname_sim:
            forename_sim, surname_sim = swapped_forename, swapped_surname
            first_forename_only, transposed = False, True
    reasons: list[str] = []
    if alias:
        reasons.append("alias similar")
    if transposed:
        reasons.append("forenames and surname transposed")
    if first_forename_only:
        reasons.append(_likeness("first forename", forename_sim))
    else:
        reasons.append(_likeness("forenames", forename_sim))
    reasons.append(_likeness("surname", surname_sim))
    return SIMILAR_NAME_CAP * (forename_sim + surname_sim) / 2, tuple(reasons)


def _names_score(a: tuple[_Name, ...], b: tuple[_Name, ...]) -> tuple[float, tuple[str, ...]]:
    best: tuple[float, tuple[str, ...]] = (0.0, ("names differ",))
    for name_a in a:
        for name_b in b:
            scored = _pair_score(name_a, name_b)
            if scored[0] > best[0]:
                best = scored
                if scored[0] == 1.0:
                    return best
    return best


# --- the same child within one file -----------------------------------------------------------


def _one_edit_apart(a: str, b: str) -> bool:
    """One letter substituted, inserted or dropped, or two adjacent letters swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differ) == 1:
            return True
        i = differ[0]
        return len(differ) == 2 and differ[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _slip_of_the_keyboard(a: str, b: str) -> bool:
    """Two adjacent letters swapped ("Sohpie"), or a letter doubled or undoubled ("Phillip",
    "Hanah"): slips that do not make another name. A substituted letter is not one: twins'
    forenames often differ by one letter (Amelia and Amelie)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return _one_edit_apart(a, b) and sorted(a) == sorted(b)
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return any(
        longer[:i] + longer[i + 1 :] == shorter and longer[i] == longer[i - 1]
        for i in range(1, len(longer))
    )


MIN_TYPO_SURNAME = 4
"""A surname shorter than this is never taken for a typo of another (Li and Lu are two names)."""


def same_child_in_file(a: ChildIdentity, b: ChildIdentity) -> str | None:
    """Whether two rows of the same file, which the caller knows share a school or a postcode,
    are certainly one child: the same date of birth and legal names that differ only by

    - forenames and surname swapped;
    - a surname one typo apart (a letter substituted, inserted or dropped, or two adjacent letters
      swapped; surnames of at least ``MIN_TYPO_SURNAME`` letters) with equal forenames;
    - forenames one slip apart (two adjacent letters swapped, a letter doubled or undoubled) with
      equal surnames.

    Twins (the same date of birth and address) have different forenames: a forename with a
    letter substituted, or any other difference, is never this rule's, so twins stay two
    children (a near match goes to review, as between files). Names are compared folded (case,
    accents, spaces, hyphens); postcodes are compared compact by the caller.

    Returns:
        Why they are one child (no personal value), or None.
    """
    if a.date_of_birth != b.date_of_birth:
        return None
    x = _name(a.forenames, a.surname, is_alias=False)
    y = _name(b.forenames, b.surname, is_alias=False)
    if x.forenames == y.forenames and x.surname == y.surname:
        return "names equal"
    if x.forenames == y.surname and x.surname == y.forenames:
        return "forenames and surname swapped"
    if (
        x.forenames == y.forenames
        and min(len(x.surname), len(y.surname)) >= MIN_TYPO_SURNAME
        and _one_edit_apart(x.surname, y.surname)
    ):
        return "surname one typo apart"
    if x.surname == y.surname and _slip_of_the_keyboard(x.forenames, y.forenames):
        return "forenames one slip apart (letters swapped or doubled)"
    return None


def same_postcode(a: str | None, b: str | None) -> bool:
    """Both known and equal however written (``hp47px`` is ``HP4 7PX``)."""
    compact = _compact_postcode(a)
    return compact is not None and compact == _compact_postcode(b)


# --- date of birth and postcode ----------------------------------------------------------------


def _transposed(day: date) -> date | None:
    """The date with day and month swapped, when that is another real date."""
    if day.day == day.month or day.day > 12:
        return None
    return date(day.year, day.day, day.month)


def _date_of_birth_score(a: date, b: date) -> tuple[float, str]:
    if a == b:
        return 1.0, "date of birth equal"
    if _transposed(a) == b:
        return TRANSPOSED_DATE_OF_BIRTH, "date of birth day and month transposed"
    return 0.0, "date of birth differs"


def _compact_postcode(postcode: str | None) -> str | None:
    # A pseudo-postcode (ZZ99 3VZ, no fixed abode) is no place: two such children do not live
    # together, so it counts as not known.
    if is_pseudo_postcode(postcode):
        return None
    compact = "".join((postcode or "").upper().split())
    return compact or None


def _district(compact: str) -> str:
    # The inward code is always the last three characters ("AL13ER" -> "AL1").
    return compact[:-3]


def _postcode_score(a: str | None, b: str | None) -> tuple[float, str]:
    if a is None or b is None:
        return UNKNOWN_POSTCODE, "postcode not known"
    if a == b:
        return 1.0, "postcode equal"
    if len(a) > 3 and len(b) > 3 and _district(a) == _district(b):
        return SAME_DISTRICT, "postcode district equal"
    return 0.0, "postcode differs"


# --- scoring -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    names: tuple[_Name, ...]
    date_of_birth: date
    postcode: str | None

    @classmethod
    def of(cls, identity: ChildIdentity) -> _Prepared:
        return _prepare(identity)

    def name_keys(self) -> set[str]:
        """Order-free keys of every name: "john smith" and "smith john" share one."""
        return {"|".join(sorted((n.forenames, n.surname))) for n in self.names}


@lru_cache(maxsize=65_536)
def _prepare(identity: ChildIdentity) -> _Prepared:
    """Folded once: triage looks the same child up in several indexes, then adds it to one."""
    return _Prepared(
        names=_names(identity),
        date_of_birth=identity.date_of_birth,
        postcode=_compact_postcode(identity.postcode),
    )


def clear_caches() -> None:
    """Forget folded names (benchmarks time each step from cold)."""
    _prepare.cache_clear()


def _score(a: _Prepared, b: _Prepared) -> tuple[float, tuple[str, ...]]:
    names, name_reasons = _names_score(a.names, b.names)
    born, born_reason = _date_of_birth_score(a.date_of_birth, b.date_of_birth)
    lives, lives_reason = _postcode_score(a.postcode, b.postcode)
    score = NAME_WEIGHT * names + DATE_OF_BIRTH_WEIGHT * born + POSTCODE_WEIGHT * lives
    return round(min(score, 1.0), 2), (born_reason, *name_reasons, lives_reason)


def score_identities(a: ChildIdentity, b: ChildIdentity) -> tuple[float, tuple[str, ...]]:
    """How alike two children are (0..1, two places) and why, without any personal value."""
    return _score(_Prepared.of(a), _Prepared.of(b))


@dataclass
class IdentityIndex(Generic[K]):
    """Children indexed for matching: blocks by date of birth and by name, never a full scan."""

    thresholds: MatchThresholds
    _entries: list[tuple[K, _Prepared]] = field(default_factory=list, init=False, repr=False)
    _by_birth: defaultdict[date, list[int]] = field(
        default_factory=lambda: defaultdict(list), init=False, repr=False
    )
    _by_name: defaultdict[str, list[int]] = field(
        default_factory=lambda: defaultdict(list), init=False, repr=False
    )

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, key: K, identity: ChildIdentity) -> None:
        """Index one child under `key` (a key may be added with several identities)."""
        prepared = _Prepared.of(identity)
        position = len(self._entries)
        self._entries.append((key, prepared))
        self._by_birth[prepared.date_of_birth].append(position)
        for name_key in prepared.name_keys():
            self._by_name[name_key].append(position)

    def _candidates(self, probe: _Prepared) -> set[int]:
        found = set(self._by_birth.get(probe.date_of_birth, ()))
        transposed = _transposed(probe.date_of_birth)
        if transposed is not None:
            found.update(self._by_birth.get(transposed, ()))
        for name_key in probe.name_keys():
            found.update(self._by_name.get(name_key, ()))
        return found

    def matches(self, identity: ChildIdentity) -> list[IdentityMatch[K]]:
        """Every key scoring at least the near threshold, best first (one match per key)."""
        probe = _Prepared.of(identity)
        best: dict[K, IdentityMatch[K]] = {}
        for position in sorted(self._candidates(probe)):
            key, entry = self._entries[position]
            score, reasons = _score(probe, entry)
            strength = self.thresholds.strength(score)
            if strength is None or (key in best and best[key].score >= score):
                continue
            best[key] = IdentityMatch(key=key, score=score, strength=strength, reasons=reasons)
        # Stable sort: equal scores keep the order the keys were added in.
        return sorted(best.values(), key=lambda match: -match.score)


def index_identities(
    entries: Iterable[tuple[K, ChildIdentity]], thresholds: MatchThresholds
) -> IdentityIndex[K]:
    """An index of any (key, child) pairs, e.g. open cases keyed by case reference."""
    index: IdentityIndex[K] = IdentityIndex(thresholds)
    for key, identity in entries:
        index.add(key, identity)
    return index
