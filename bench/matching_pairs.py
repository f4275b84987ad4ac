"""Write bench/data/matching_pairs.csv: labelled pairs of child records for the matcher.

``python -m bench.matching_pairs`` rewrites the file; the output is deterministic (seeded), so the
committed file is what this script writes. Every name is invented. Each pair has a `kind` saying
how its two records differ, and a `label`: ``same`` (one child written two ways) or ``different``
(two children). Twins and siblings share a surname, an address and a school; twins also share a
date of birth: they are always ``different``.
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import date, timedelta
from pathlib import Path

OUT = Path(__file__).parent / "data" / "matching_pairs.csv"
COLUMNS = (
    "kind",
    "label",
    "a_forenames",
    "a_surname",
    "a_date_of_birth",
    "a_postcode",
    "a_school_urn",
    "b_forenames",
    "b_surname",
    "b_date_of_birth",
    "b_postcode",
    "b_school_urn",
)

FORENAMES = (
    "Amelia",
    "Oliver",
    "Isla",
    "Harry",
    "Ava",
    "Noah",
    "Freya",
    "Leo",
    "Poppy",
    "Arthur",
    "Maisie",
    "Theo",
    "Evie",
    "Oscar",
    "Sophie",
    "Jacob",
    "Ruby",
    "Finley",
    "Grace",
    "Alfie",
    "Matilda",
    "Reuben",
    "Esme",
    "Callum",
    "Nadia",
    "Tobias",
    "Imogen",
    "Kieran",
    "Lydia",
    "Samir",
)
SURNAMES = (
    "Ashcombe",
    "Brackley",
    "Cottingham",
    "Dunsford",
    "Ellery",
    "Fairbourne",
    "Gatwood",
    "Hollinshed",
    "Ingleby",
    "Jessop",
    "Kettering",
    "Larkfield",
    "Marrow",
    "Northway",
    "Ormsby",
    "Pelling",
    "Quarrie",
    "Rowntree",
    "Stainforth",
    "Thackray",
    "Upcott",
    "Vellacott",
    "Wrenfold",
    "Yardley",
    "Zelinski",
    "Okonjo",
    "Farrant",
    "Hebditch",
    "Mallory",
    "Penhallow",
)
# Twins' forenames: some one letter apart, as twins' often are.
TWIN_FORENAMES = (
    ("Amelia", "Amelie"),
    ("Jon", "Jan"),
    ("Mia", "Mila"),
    ("Ella", "Ellie"),
    ("Louis", "Louie"),
    ("Oliver", "Olivia"),
    ("Harry", "Harriet"),
    ("Zoe", "Zac"),
    ("Leo", "Lea"),
    ("Evan", "Ewan"),
    ("Tom", "Tim"),
    ("Rosa", "Rose"),
    ("Max", "Mae"),
    ("Noah", "Nora"),
    ("Sam", "Sid"),
    ("Isla", "Isha"),
    ("Aiden", "Aidan"),
    ("Lily", "Lila"),
    ("Ruby", "Rory"),
    ("Finn", "Fern"),
    ("Alfie", "Albie"),
    ("Erin", "Eric"),
    ("Milo", "Mila"),
    ("Jake", "Jade"),
    ("Ben", "Bea"),
)
NICKNAMES = (
    ("Alexander", "Alex"),
    ("Elizabeth", "Beth"),
    ("William", "Will"),
    ("Katherine", "Kate"),
    ("Thomas", "Tom"),
    ("Samuel", "Sam"),
    ("Rebecca", "Becky"),
    ("Jonathan", "Jon"),
    ("Daniel", "Dan"),
    ("Abigail", "Abbie"),
)
POSTCODES = (
    "HP4 7PX",
    "AL1 3ER",
    "SG1 2AB",
    "WD17 1DN",
    "HP2 5QT",
    "AL10 9BS",
    "SG8 7HH",
    "WD6 4PJ",
    "EN6 1TR",
    "CM23 3LY",
    "LU2 8DQ",
    "HP23 5JE",
    "AL5 2NF",
    "SG12 0AW",
    "WD3 7RP",
)
SCHOOLS = ("117960", "117431", "117552", "118021", "117689", "117804", "118113", "117377")


def _typo(rng: random.Random, word: str) -> str:
    """One letter substituted (never the first)."""
    i = rng.randrange(1, len(word))
    letters = [c for c in "aeioulnrst" if c != word[i].lower()]
    return word[:i] + rng.choice(letters) + word[i + 1 :]


def _transpose(rng: random.Random, word: str) -> str:
    """Two adjacent, different letters swapped."""
    spots = [i for i in range(1, len(word) - 1) if word[i] != word[i + 1]]
    i = rng.choice(spots)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _lower_compact(postcode: str) -> str:
    return postcode.replace(" ", "").lower()


class _Writer:
    def __init__(self) -> None:
        self.rng = random.Random(19)
        self.rows: list[dict[str, str]] = []

    def child(self) -> tuple[str, str, date, str, str]:
        rng = self.rng
        born = date(2010, 9, 1) + timedelta(days=rng.randrange(0, 365 * 6))
        return (
            rng.choice(FORENAMES),
            rng.choice(SURNAMES),
            born,
            rng.choice(POSTCODES),
            rng.choice(SCHOOLS),
        )

    def add(
        self,
        kind: str,
        label: str,
        a: tuple[str, str, date, str, str],
        b: tuple[str, str, date, str, str],
    ) -> None:
        row = {"kind": kind, "label": label}
        for side, (forenames, surname, born, postcode, urn) in (("a", a), ("b", b)):
            row[f"{side}_forenames"] = forenames
            row[f"{side}_surname"] = surname
            row[f"{side}_date_of_birth"] = born.isoformat()
            row[f"{side}_postcode"] = postcode
            row[f"{side}_school_urn"] = urn
        self.rows.append(row)


def build() -> list[dict[str, str]]:
    w = _Writer()
    rng = w.rng
    for n in range(20):  # a one-letter typo in the surname or the forename
        f, s, d, p, u = w.child()
        if n % 2:
            w.add("typo", "same", (f, s, d, p, u), (f, _typo(rng, s), d, p, u))
        else:
            w.add("typo", "same", (f, s, d, p, u), (_typo(rng, f), s, d, p, u))
    for n in range(20):  # two adjacent letters swapped
        f, s, d, p, u = w.child()
        if n % 2:
            w.add("transposition", "same", (f, s, d, p, u), (f, _transpose(rng, s), d, p, u))
        else:
            w.add("transposition", "same", (f, s, d, p, u), (_transpose(rng, f), s, d, p, u))
    for _ in range(15):  # forenames in the surname column and the other way round
        f, s, d, p, u = w.child()
        w.add("swapped names", "same", (f, s, d, p, u), (s, f, d, p, u))
    for n in range(15):  # a hyphenated surname written with a space, without hyphen, in capitals
        f, s, d, p, u = w.child()
        s2 = rng.choice([x for x in SURNAMES if x != s])
        written = (f"{s} {s2}", f"{s}{s2.lower()}", f"{s}-{s2}".upper())[n % 3]
        w.add("hyphenated", "same", (f, f"{s}-{s2}", d, p, u), (f, written, d, p, u))
    for n in range(15):  # a double-barrelled surname with one part left off
        f, s, d, p, u = w.child()
        s2 = rng.choice([x for x in SURNAMES if x != s])
        kept = s if n % 2 else s2
        w.add("double-barrelled", "same", (f, f"{s}-{s2}", d, p, u), (f, kept, d, p, u))
    for long, short in NICKNAMES:  # a known-as forename
        _, s, d, p, u = w.child()
        w.add("nickname", "same", (long, s, d, p, u), (short, s, d, p, u))
    for _ in range(15):  # the postcode written another way
        f, s, d, p, u = w.child()
        w.add("postcode formatting", "same", (f, s, d, p, u), (f, s, d, _lower_compact(p), u))
    for _ in range(10):  # a middle name on one record only
        f, s, d, p, u = w.child()
        m = rng.choice([x for x in FORENAMES if x != f])
        w.add("middle name", "same", (f"{f} {m}", s, d, p, u), (f, s, d, p, u))
    for _ in range(10):  # day and month of birth swapped
        f, s, d, p, u = w.child()
        d = d.replace(day=rng.randrange(1, 13))
        if d.day == d.month:
            d = d.replace(day=d.month % 12 + 1)
        w.add(
            "date transposed", "same", (f, s, d, p, u), (f, s, date(d.year, d.day, d.month), p, u)
        )
    for _ in range(10):  # the child moved house and school
        f, s, d, p, u = w.child()
        p2 = rng.choice([x for x in POSTCODES if x != p])
        u2 = rng.choice([x for x in SCHOOLS if x != u])
        w.add("moved", "same", (f, s, d, p, u), (f, s, d, p2, u2))
    for f1, f2 in TWIN_FORENAMES:  # twins: same surname, birthday, address and school
        _, s, d, p, u = w.child()
        p2 = p if rng.random() < 0.5 else _lower_compact(p)
        w.add("twins", "different", (f1, s, d, p, u), (f2, s, d, p2, u))
    for _ in range(20):  # siblings: same surname and address, born apart
        f, s, d, p, u = w.child()
        f2 = rng.choice([x for x in FORENAMES if x != f])
        d2 = d + timedelta(days=rng.choice((-1, 1)) * rng.randrange(300, 1500))
        w.add("siblings", "different", (f, s, d, p, u), (f2, s, d2, p, u))
    for _ in range(20):  # two children born the same day, nothing else shared
        f, s, d, p, u = w.child()
        f2 = rng.choice([x for x in FORENAMES if x != f])
        s2 = rng.choice([x for x in SURNAMES if x != s])
        w.add("unrelated same DOB", "different", (f, s, d, p, u), (f2, s2, d, p, u))
    for _ in range(15):  # the same forename and surname, another child born on another day
        f, s, d, p, u = w.child()
        d2 = d + timedelta(days=rng.randrange(40, 900))
        p2 = rng.choice(POSTCODES)
        w.add("same name, other DOB", "different", (f, s, d, p, u), (f, s, d2, p2, u))
    for _ in range(10):  # similar surnames, same birthday and school: cousins, classmates
        f, s, d, p, u = w.child()
        f2 = rng.choice([x for x in FORENAMES if x != f])
        w.add(
            "similar surname, same DOB", "different", (f, s, d, p, u), (f2, _typo(rng, s), d, p, u)
        )
    return w.rows


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def main() -> None:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    _say(f"wrote {len(rows)} pairs to {OUT}")


if __name__ == "__main__":
    main()
