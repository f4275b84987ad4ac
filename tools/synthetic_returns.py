"""Synthetic school returns for tests and benchmarks: fictional pupils, planted faults, counts.

    python -m tools.synthetic_returns deletion --rows 10000 --bad-share 0.05 \\
        --near-duplicate-share 0.05 --seed 7 --out /tmp/deletion.csv

writes a deletion (or new-pupil) return and prints the expected counts as JSON. The same seed and
`today` give the same bytes (for one Faker version). Every name comes from Faker's en_GB provider;
postcodes are valid Hertfordshire-format codes; schools have 9xxxxx URNs (no real school has one);
phone numbers are in Ofcom's 01632 960xxx drama range. Generated files are never committed
(.gitignore: synthetic-*.csv).

The counts are exact by construction:

- `bad_rows`: rows planted with one fault of a varied kind (impossible or future date, malformed
  postcode, unknown ground (a bad UPN on a new-pupil return), outside compulsory school age (born
  after the admission date on a new-pupil return), empty required cell, bad URN, too many
  cells, an exact repeat of an earlier row). Reading the file reports a problem on each of them
  and on no other row.
- `near_duplicates`: good rows that name an earlier child again with a variation (typo, swapped
  forenames and surname, an alias, accents or case, day and month of birth transposed). Triage
  flags each (as a duplicate or a possible duplicate) and no other row: every other child is
  checked with the matcher not to resemble any child already generated.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

from models.matching import ChildIdentity, IdentityIndex, MatchThresholds
from models.school_age import is_of_compulsory_school_age
from models.school_returns import DELETION_RETURN_COLUMNS, NEW_PUPIL_RETURN_COLUMNS

Row = dict[str, str]

_OUTWARD = ("AL1", "AL3", "AL10", "SG1", "SG12", "SG5", "WD17", "WD6", "HP2", "HP23", "EN8", "CM23")
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_GROUNDS = {
    "a": 34,
    "b": 1,
    "c": 2,
    "d": 1,
    "e": 1,
    "f": 10,
    "g": 25,
    "h": 4,
    "i": 8,
    "j": 1,
    "k": 1,
    "m": 1,
    "n": 4,
    "o": 3,
    "unknown": 4,
}
BAD_KINDS = (
    "impossible_date",
    "future_date",
    "malformed_postcode",
    "unknown_ground",
    "outside_school_age",
    "empty_required_cell",
    "bad_urn",
    "too_many_cells",
    "exact_repeat",
)
NEAR_KINDS = ("typo", "swapped_names", "alias", "accents_and_case", "birth_day_month_swapped")
_ACCENTED = str.maketrans("aeiouAEIOU", "áéíóúÁÉÍÓÚ")


@dataclass(frozen=True)
class Expected:
    """What reading and triaging the generated file must find."""

    kind: str
    rows: int
    good_rows: int
    bad_rows: int
    near_duplicates: int
    bad_row_lines: tuple[int, ...]
    near_duplicate_lines: tuple[int, ...]
    bad_by_kind: dict[str, int] = field(default_factory=dict)
    near_by_kind: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SyntheticReturn:
    data: bytes
    expected: Expected
    children: tuple[ChildIdentity, ...]  # the distinct children of the good rows, file order


class _Maker:
    def __init__(self, *, seed: int, today: date, kind: str) -> None:
        self.random = random.Random(seed)
        self.faker = Faker("en_GB")
        self.faker.seed_instance(seed)
        self.today = today
        self.kind = kind
        self.columns = NEW_PUPIL_RETURN_COLUMNS if kind == "new-pupil" else DELETION_RETURN_COLUMNS
        # Every child written so far, keyed by position; `owner` maps a position to the child it
        # names (a variant's owner is its original), so a new child can resemble none of them.
        self.seen: IdentityIndex[int] = IdentityIndex(MatchThresholds())
        self.owner: list[int] = []
        self.schools = [
            (f"{self.faker.last_name()} {kind_} School", f"9{n:05d}")
            for n, kind_ in enumerate(["Primary", "Academy", "High", "Junior", "Infant"] * 8)
        ]

    def postcode(self) -> str:
        letters = "".join(self.random.choices(_UNIT_LETTERS, k=2))
        return f"{self.random.choice(_OUTWARD)} {self.random.randint(1, 9)}{letters}"

    def event_date(self) -> date:
        return self.today - timedelta(days=self.random.randint(0, 60))

    def birth_date(self, on: date) -> date:
        while True:
            born = on - timedelta(days=self.random.randint(int(5.4 * 365), int(15.6 * 365)))
            if is_of_compulsory_school_age(born, on=on):
                return born

    def child(self, on: date) -> ChildIdentity:
        """A child resembling no child generated before (so counts stay exact)."""
        while True:
            forenames = self.faker.first_name()
            if self.random.random() < 0.3:
                forenames += " " + self.faker.first_name()
            candidate = ChildIdentity(
                forenames=forenames,
                surname=self.faker.last_name(),
                date_of_birth=self.birth_date(on),
                postcode=self.postcode(),
            )
            if not self.seen.matches(candidate):
                self.remember(candidate, owner=None)
                return candidate

    def remember(self, child: ChildIdentity, *, owner: int | None) -> int:
        position = len(self.owner)
        self.seen.add(position, child)
        self.owner.append(position if owner is None else owner)
        return position

    def row(self, child: ChildIdentity, on: date) -> Row:
        school, urn = self.random.choice(self.schools)
        row: Row = {
            "pupil_forenames": child.forenames,
            "pupil_surname": child.surname,
            "pupil_aliases": "; ".join(child.aliases),
            "date_of_birth": self._format(child.date_of_birth),
            "address": f"{self.faker.street_address()}, {self.faker.city()}",
            "postcode": child.postcode or "",
            "school_name": school,
            "school_urn": urn,
        }
        if self.kind == "new-pupil":
            letter = self.random.choice("ABCDEFGHJKLMNPQRTUVWXYZ")
            upn = f"{letter}{self.random.randint(0, 10**12 - 1):012d}"
            row |= {"admission_date": self._format(on), "upn": upn}
            return row
        ground = self.random.choices(list(_GROUNDS), weights=list(_GROUNDS.values()))[0]
        if ground == "b":  # a nursery leaver already of school age: checked like (a)
            ground = "a"
        destination_school, destination_urn = self.random.choice(self.schools)
        row |= {
            "sex": self.random.choice(["F", "M", "not known", ""]),
            "parent_carer_names": self.faker.name(),
            "parent_carer_addresses": "",
            "parent_carer_phones": f"01632 960{self.random.randint(0, 999):03d}",
            "deletion_ground": self.random.choice([ground, f"9(1)({ground})"])
            if ground != "unknown"
            else "unknown",
            "deletion_date": self._format(on),
            "destination_school": destination_school if ground == "a" else "",
            "destination_school_urn": destination_urn if ground == "a" else "",
            "destination_local_authority": "",
            "destination_country": "",
            "joint_reasonable_enquiries_made": (
                self.random.choice(["yes", "yes", "yes", "no"]) if ground in "hi" else ""
            ),
            "notes": "",
        }
        return row

    def _format(self, day: date) -> str:
        return day.isoformat() if self.random.random() < 0.5 else day.strftime("%d/%m/%Y")

    @property
    def event_column(self) -> str:
        return "admission_date" if self.kind == "new-pupil" else "deletion_date"

    # -- faults (each makes exactly one cell or the row shape wrong) --

    def spoil(self, kind: str, row: Row, earlier_good: list[Row]) -> list[str] | Row:
        if kind == "impossible_date":
            row["date_of_birth"] = self.random.choice(["31/02/2014", "2013-13-05", "30/02/2012"])
        elif kind == "future_date":
            later = self.today + timedelta(days=self.random.randint(1, 30))
            row[self.event_column] = self._format(later)
        elif kind == "malformed_postcode":
            row["postcode"] = self.random.choice(["AL1", "QQ1 1AA", "SG1 1A", "12345", "AL1 1CK"])
        elif kind == "unknown_ground" and self.kind == "deletion":
            row["deletion_ground"] = self.random.choice(["z", "moved", "9(1)(q)", "p"])
        elif kind == "unknown_ground":  # new-pupil returns have no ground: a bad UPN instead
            row["upn"] = "123"
        elif kind == "outside_school_age" and self.kind == "deletion":
            event = date.fromisoformat(self._iso(row[self.event_column]))
            row["date_of_birth"] = self._format(event - timedelta(days=3 * 365))
        elif kind == "outside_school_age":  # a new pupil may be any age: born after admission
            event = date.fromisoformat(self._iso(row[self.event_column]))
            row["date_of_birth"] = self._format(event + timedelta(days=1))
        elif kind == "empty_required_cell":
            row[self.random.choice(["pupil_surname", "address", "school_name"])] = ""
        elif kind == "bad_urn":
            row["school_urn"] = self.random.choice(["12345", "URN999", "1234567"])
        elif kind == "too_many_cells":
            return [*(row.get(column, "") for column in self.columns), "stray cell"]
        elif kind == "exact_repeat":
            return dict(self.random.choice(earlier_good))
        return row

    @staticmethod
    def _iso(text: str) -> str:
        if "/" in text:
            day, month, year = text.split("/")
            return f"{year}-{month}-{day}"
        return text

    # -- near duplicates (a good row naming an earlier child again) --

    def variant(self, kind: str, child: ChildIdentity) -> ChildIdentity | None:
        if kind == "typo":
            surname = child.surname
            if len(surname) < 4:
                return None
            i = self.random.randint(1, len(surname) - 2)
            typo = surname[:i] + surname[i + 1] + surname[i] + surname[i + 2 :]
            if typo == surname:
                return None
            return ChildIdentity(child.forenames, typo, child.date_of_birth, child.postcode)
        if kind == "swapped_names":
            born = child.date_of_birth
            return ChildIdentity(child.surname, child.forenames, born, child.postcode)
        if kind == "alias":
            full = f"{child.forenames} {child.surname}"
            return ChildIdentity(
                self.faker.first_name(),
                self.faker.last_name(),
                child.date_of_birth,
                self.postcode(),
                aliases=(full,),
            )
        if kind == "accents_and_case":
            return ChildIdentity(
                child.forenames.upper().translate(_ACCENTED),
                child.surname.lower(),
                child.date_of_birth,
                child.postcode,
            )
        born = child.date_of_birth
        if born.day > 12 or born.day == born.month:
            return None
        swapped = date(born.year, born.day, born.month)
        return ChildIdentity(child.forenames, child.surname, swapped, child.postcode)


def _write(
    columns: tuple[str, ...], rows: list[list[str] | Row], encoding: str
) -> tuple[bytes, list[int]]:
    """The file and the line each row starts on (addresses may span lines: "Flat 17\n...")."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    starts: list[int] = []
    line = 2
    for row in rows:
        starts.append(line)
        cells = row if isinstance(row, list) else [row.get(c, "") for c in columns]
        writer.writerow(cells)
        line += 1 + sum(cell.count("\n") for cell in cells)
    return out.getvalue().encode(encoding), starts


def _generate(
    kind: str,
    *,
    rows: int,
    bad_share: float,
    near_duplicate_share: float,
    seed: int,
    today: date,
    encoding: str,
) -> SyntheticReturn:
    if min(bad_share, near_duplicate_share) < 0 or bad_share + near_duplicate_share >= 1:
        raise ValueError("bad and near-duplicate shares must be >= 0 and add up to less than 1")
    maker = _Maker(seed=seed, today=today, kind=kind)
    n_bad, n_near = round(rows * bad_share), round(rows * near_duplicate_share)
    plan = ["good"] * (rows - n_bad - n_near) + ["bad"] * n_bad + ["near"] * n_near
    # The first row is always good, so a repeat or a variant has something to repeat.
    body = plan[1:]
    maker.random.shuffle(body)
    plan = ["good", *body] if rows else []

    written: list[list[str] | Row] = []
    good_rows: list[Row] = []
    good_children: list[tuple[int, ChildIdentity]] = []  # (position in maker.seen, child)
    bad_lines: list[int] = []
    near_lines: list[int] = []
    bad_kinds: Counter[str] = Counter()
    near_kinds: Counter[str] = Counter()
    for line, what in enumerate(plan):  # `line` is the row's index here, its line number below
        on = maker.event_date()
        if what == "bad":
            fault = maker.random.choice(BAD_KINDS)
            written.append(maker.spoil(fault, maker.row(maker.child(on), on), good_rows))
            bad_lines.append(line)
            bad_kinds[fault] += 1
            continue
        if what == "near" and good_children:
            near = _near_duplicate(maker, good_children, on)
            if near is not None:
                variant_kind, variant = near
                written.append(maker.row(variant, on))
                near_lines.append(line)
                near_kinds[variant_kind] += 1
                continue
        child = maker.child(on)
        row = maker.row(child, on)
        written.append(row)
        good_rows.append(row)
        good_children.append((len(maker.owner) - 1, child))
    data, starts = _write(maker.columns, written, encoding)
    bad_lines = [starts[index] for index in bad_lines]
    near_lines = [starts[index] for index in near_lines]
    return SyntheticReturn(
        data=data,
        expected=Expected(
            kind=kind,
            rows=rows,
            good_rows=rows - len(bad_lines),
            bad_rows=len(bad_lines),
            near_duplicates=len(near_lines),
            bad_row_lines=tuple(bad_lines),
            near_duplicate_lines=tuple(near_lines),
            bad_by_kind=dict(sorted(bad_kinds.items())),
            near_by_kind=dict(sorted(near_kinds.items())),
        ),
        children=tuple(child for _, child in good_children),
    )


def _near_duplicate(
    maker: _Maker, children: list[tuple[int, ChildIdentity]], on: date
) -> tuple[str, ChildIdentity] | None:
    """A variant of one earlier child that the matcher finds as it and as no other child (and
    still of compulsory school age on `on`, so the row stays good)."""
    for _ in range(20):
        kind = maker.random.choice(NEAR_KINDS)
        position, original = maker.random.choice(children)
        variant = maker.variant(kind, original)
        if variant is None or not is_of_compulsory_school_age(variant.date_of_birth, on=on):
            continue
        owners = {maker.owner[match.key] for match in maker.seen.matches(variant)}
        if owners == {position}:
            maker.remember(variant, owner=position)
            return kind, variant
    return None


def deletion_return(
    *,
    rows: int,
    bad_share: float = 0.05,
    near_duplicate_share: float = 0.05,
    seed: int = 0,
    today: date,
    encoding: str = "utf-8",
) -> SyntheticReturn:
    """A deletion return (reg 13(4)) of `rows` data rows with planted faults and repeats."""
    return _generate(
        "deletion",
        rows=rows,
        bad_share=bad_share,
        near_duplicate_share=near_duplicate_share,
        seed=seed,
        today=today,
        encoding=encoding,
    )


def new_pupil_return(
    *,
    rows: int,
    bad_share: float = 0.05,
    near_duplicate_share: float = 0.05,
    seed: int = 0,
    today: date,
    encoding: str = "utf-8",
) -> SyntheticReturn:
    """A new-pupil return (reg 13(1)) of `rows` data rows with planted faults and repeats."""
    return _generate(
        "new-pupil",
        rows=rows,
        bad_share=bad_share,
        near_duplicate_share=near_duplicate_share,
        seed=seed,
        today=today,
        encoding=encoding,
    )


def open_cases(
    *,
    count: int,
    known: tuple[ChildIdentity, ...],
    known_share: float,
    seed: int,
    today: date,
) -> list[tuple[str, ChildIdentity]]:
    """`count` open cases keyed "CME-SYN-00001"...: a share of them are children from `known`
    (a generated return's `children`), the rest fresh fictional children."""
    rng = random.Random(seed)
    from_known = rng.sample(list(known), min(len(known), round(count * known_share)))
    maker = _Maker(seed=seed + 1, today=today, kind="deletion")
    for child in known:
        maker.remember(child, owner=None)
    fresh = [maker.child(maker.event_date()) for _ in range(count - len(from_known))]
    cases = [*from_known, *fresh]
    rng.shuffle(cases)
    return [(f"CME-SYN-{n:05d}", child) for n, child in enumerate(cases, start=1)]


Generator = Callable[..., SyntheticReturn]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.synthetic_returns", description=__doc__)
    parser.add_argument("kind", choices=["deletion", "new-pupil"])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--bad-share", type=float, default=0.05)
    parser.add_argument("--near-duplicate-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    parser.add_argument("--encoding", default="utf-8", choices=["utf-8", "cp1252"])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    generate: Generator = deletion_return if args.kind == "deletion" else new_pupil_return
    made = generate(
        rows=args.rows,
        bad_share=args.bad_share,
        near_duplicate_share=args.near_duplicate_share,
        seed=args.seed,
        today=args.today,
        encoding=args.encoding,
    )
    args.out.write_bytes(made.data)
    summary = asdict(made.expected)
    del summary["bad_row_lines"], summary["near_duplicate_lines"]
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
