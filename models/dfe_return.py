"""The DfE termly return on children missing education (docs/domain.md#dfe-return), as pure rules.

DfE's EHE and CME data collection (mandatory since autumn 2024) asks each LA, for a census date, for
the children missing education on census day by sex, year group, length of time missing and primary
reason, and for the children missing education at any time in the previous academic year. This
module turns case facts into those counts; the case database is read in store/reports.py.
What each count means, and the mapping from our codes to DfE's reasons, is in docs/dfe-return.md.

Rules, all stated so they can be checked:

- A child is CME from the day the LA was told (the referral's received date) until the case closed
  (its day in England); a case closed on census day was still open on it. A case the referral check
  closed as on a roll, on the EHE register or not CME, or any case closed as not CME, was never CME.
- Only children of compulsory school age on the day counted are CME (s436A, s8; school_age.py).
- Year group: the National Curriculum year from the child's age on the 31 August before the
  academic year (1 September to 31 August) starts: age 4 is Reception, 5 is Year 1, 15 is Year 11.
- Length of time missing on census day: days from the start to census day; 84 days (12 weeks) or
  fewer is "12 weeks or less". Unknown when the case has no referral to date the start from.
- Everything is as known at an instant ``as_of``: later closures and decisions are not seen, so a
  return re-run with the same ``as_of`` gives the same counts.
- A child referred twice is one child: cases are matched on UPN, else on names and date of birth.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal, Self
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.enums import AgencyKind, ClosureOutcome, Sex, Stage
from models.school_age import attains_age_on, compulsory_school_age_start, school_leaving_date
from models.school_place import SupportStep, support_position

# Census days and case dates are days in England; timestamps are stored in UTC.
ENGLAND = ZoneInfo("Europe/London")

TWELVE_WEEKS = timedelta(weeks=12)
RECEPTION_AGE = 4  # age on 31 August before the year starts
YEAR_11 = 11


def day_in_england(instant: datetime) -> date:
    """The day in England at the aware instant ``instant``."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime {instant.isoformat()} refused; pass an aware one")
    return instant.astimezone(ENGLAND).date()


# --- Academic years and year groups ---------------------------------------------------------------


@dataclass(frozen=True, order=True)
class AcademicYear:
    """A school year, 1 September to 31 August, named by the year it starts in."""

    start_year: int

    @classmethod
    def containing(cls, day: date) -> Self:
        return cls(day.year if day.month >= 9 else day.year - 1)

    @property
    def first_day(self) -> date:
        return date(self.start_year, 9, 1)

    @property
    def last_day(self) -> date:
        return date(self.start_year + 1, 8, 31)

    @property
    def previous(self) -> AcademicYear:
        return AcademicYear(self.start_year - 1)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"


def age_on(date_of_birth: date, day: date) -> int:
    """Completed years on ``day`` (a 29 February birthday falls on 1 March in other years)."""
    years = day.year - date_of_birth.year
    if attains_age_on(date_of_birth, years) > day:
        years -= 1
    return years


def year_group(date_of_birth: date, academic_year: AcademicYear) -> int:
    """The National Curriculum year group in ``academic_year``: 0 is Reception, 1..11 Years 1-11.

    From the child's age on the 31 August before the year starts: 4 is Reception, 5 is Year 1, and
    so on. Values outside 0..11 are returned as they are (a child of no school year group).
    """
    return age_on(date_of_birth, academic_year.first_day - timedelta(days=1)) - RECEPTION_AGE


# --- Categories -----------------------------------------------------------------------------------


class LengthMissing(StrEnum):
    """How long the child had been missing education on census day (DfE bands, autumn 2023)."""

    TWELVE_WEEKS_OR_LESS = "12_weeks_or_less"
    MORE_THAN_TWELVE_WEEKS = "more_than_12_weeks"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {
            LengthMissing.TWELVE_WEEKS_OR_LESS: "12 weeks or less",
            LengthMissing.MORE_THAN_TWELVE_WEEKS: "More than 12 weeks",
            LengthMissing.UNKNOWN: "Unknown",
        }[self]


class DfeCmeReason(StrEnum):
    """The DfE primary reasons for CME named in DfE's releases (docs/domain.md#outcomes).

    DfE's full list (with the five reasons added in autumn 2025) was not retrieved; everything we
    cannot place in a named reason is reported as unknown/other. See docs/dfe-return.md.
    """

    MOVED_OUT_OF_COUNTRY = "believed_moved_out_of_country"
    MOVED_OUT_OF_LA = "moved_out_of_la"
    SCHOOL_APPLICATION_AWAITING_OUTCOME = "school_application_awaiting_outcome"
    EHE_UNSUITABLE = "ehe_unsuitable"
    UNKNOWN_OTHER = "unknown_other"

    @property
    def label(self) -> str:
        return {
            DfeCmeReason.MOVED_OUT_OF_COUNTRY: "Believed to have moved out of the country",
            DfeCmeReason.MOVED_OUT_OF_LA: "Moved out of the local authority",
            DfeCmeReason.SCHOOL_APPLICATION_AWAITING_OUTCOME: "School application awaiting outcome",
            DfeCmeReason.EHE_UNSUITABLE: "Elective home education unsuitable",
            DfeCmeReason.UNKNOWN_OTHER: "Unknown / other",
        }[self]


# Closure outcomes that say why the child was missing (docs/domain.md#outcomes: "believed abroad"
# is DfE's "believed to have moved out of the country").
REASON_BY_CLOSURE: Mapping[ClosureOutcome, DfeCmeReason] = {
    ClosureOutcome.MOVED_ABROAD_BELIEVED: DfeCmeReason.MOVED_OUT_OF_COUNTRY,
    ClosureOutcome.MOVED_ABROAD_CONFIRMED: DfeCmeReason.MOVED_OUT_OF_COUNTRY,
    ClosureOutcome.MOVED_TO_OTHER_LA: DfeCmeReason.MOVED_OUT_OF_LA,
}

# Home-visit findings (flows/forms.py HomeVisitFinding values) that say the same before closure.
REASON_BY_VISIT_FINDING: Mapping[str, DfeCmeReason] = {
    "moved_abroad_believed": DfeCmeReason.MOVED_OUT_OF_COUNTRY,
    "moved_abroad_confirmed": DfeCmeReason.MOVED_OUT_OF_COUNTRY,
    "moved_to_other_la": DfeCmeReason.MOVED_OUT_OF_LA,
}

# The agency that referred (docs/domain.md#referral-sources): Admissions refers children awaiting
# a place, the EHE team children whose home education is unsuitable.
REASON_BY_REFERRING_AGENCY: Mapping[AgencyKind, DfeCmeReason] = {
    AgencyKind.ADMISSIONS: DfeCmeReason.SCHOOL_APPLICATION_AWAITING_OUTCOME,
    AgencyKind.EHE_TEAM: DfeCmeReason.EHE_UNSUITABLE,
}

# The referral check found the child on a roll, on the EHE register, or not CME: never missing.
NEVER_CME_AT_REFERRAL_CHECK = frozenset(
    {
        ClosureOutcome.FOUND_ON_ROLL,
        ClosureOutcome.FOUND_ON_ROLL_OTHER_LA,
        ClosureOutcome.ELECTIVE_HOME_EDUCATION,
        ClosureOutcome.NOT_CME,
    }
)


# --- Case facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """A home-visit finding and when it was recorded."""

    value: str
    decided_at: datetime


@dataclass(frozen=True)
class SupportDecision:
    """A decision of the support to a school place (its stored values) and when it was recorded."""

    values: Mapping[str, object]
    decided_at: datetime


@dataclass(frozen=True)
class CmeEpisode:
    """What the return needs to know about one case (read from the case database)."""

    reference: str
    upn: str | None
    forenames: str
    surname: str
    date_of_birth: date
    sex: Sex
    opened_at: datetime
    received_on: date | None  # the first referral's date; None if the case has no referral
    closed_at: datetime | None
    closure_outcome: ClosureOutcome | None
    closing_stage: Stage | None
    agency_kind: AgencyKind | None = None
    destination_country: str | None = None
    destination_local_authority: str | None = None
    findings: tuple[Finding, ...] = ()
    support: tuple[SupportDecision, ...] = ()

    def support_step(self, as_of: datetime) -> SupportStep | None:
        """Where the support to a school place stood at ``as_of``; None if it had not begun (no
        decision of it recorded, or the case not yet there). DfE counts children "in the
        process of applying for a school place" and "offered a school place for a future date
        but have not yet started" (docs/dfe-return.md)."""
        known = [d.values for d in self.support if d.decided_at <= as_of]
        if not known:
            return None
        return support_position(day_in_england(as_of), known).step

    def child_key(self) -> tuple[str, ...]:
        """Who the child is, to count a child with two cases once: UPN, else names and birth."""
        if self.upn:
            return ("upn", self.upn.strip().upper())
        return (
            "name",
            " ".join(self.forenames.casefold().split()),
            " ".join(self.surname.casefold().split()),
            self.date_of_birth.isoformat(),
        )


@dataclass(frozen=True)
class Spell:
    """An episode as known at ``as_of``: when the child was CME and why."""

    episode: CmeEpisode
    first_day: date
    last_day: date | None  # None: still open at as_of
    start_known: bool
    reason: DfeCmeReason

    def covers(self, day: date) -> bool:
        return self.first_day <= day and (self.last_day is None or day <= self.last_day)

    def overlaps(self, first: date, last: date) -> bool:
        return self.first_day <= last and (self.last_day is None or first <= self.last_day)


def primary_reason(episode: CmeEpisode, as_of: datetime) -> DfeCmeReason:
    """The DfE primary reason, from the best evidence known at ``as_of``.

    In order: the closure outcome, the latest home-visit finding that names a move, the referring
    agency, a stated destination abroad, a stated destination authority; else unknown/other.
    """
    outcome = episode.closure_outcome
    if episode.closed_at is not None and episode.closed_at <= as_of and outcome is not None:
        closure_reason = REASON_BY_CLOSURE.get(outcome)
        if closure_reason is not None:
            return closure_reason
    known = sorted(
        (
            f
            for f in episode.findings
            if f.decided_at <= as_of and f.value in REASON_BY_VISIT_FINDING
        ),
        key=lambda f: f.decided_at,
    )
    if known:
        return REASON_BY_VISIT_FINDING[known[-1].value]
    step = episode.support_step(as_of)
    if step is not None and step.applying:
        return DfeCmeReason.SCHOOL_APPLICATION_AWAITING_OUTCOME
    if episode.agency_kind is not None and episode.agency_kind in REASON_BY_REFERRING_AGENCY:
        return REASON_BY_REFERRING_AGENCY[episode.agency_kind]
    if episode.destination_country:
        return DfeCmeReason.MOVED_OUT_OF_COUNTRY
    if episode.destination_local_authority:
        return DfeCmeReason.MOVED_OUT_OF_LA
    return DfeCmeReason.UNKNOWN_OTHER


def spell_of(episode: CmeEpisode, as_of: datetime) -> Spell | None:
    """When the child was CME, as known at ``as_of``; None if never CME or not yet known."""
    if episode.opened_at > as_of:
        return None
    closed = episode.closed_at is not None and episode.closed_at <= as_of
    if (
        closed
        and episode.closing_stage is Stage.REFERRAL_CHECK
        and episode.closure_outcome in NEVER_CME_AT_REFERRAL_CHECK
    ):
        return None
    if closed and episode.closure_outcome is ClosureOutcome.NOT_CME:
        return None
    first_day = episode.received_on or day_in_england(episode.opened_at)
    last_day = day_in_england(episode.closed_at) if closed and episode.closed_at else None
    if last_day is not None and last_day < first_day:
        last_day = first_day
    return Spell(
        episode=episode,
        first_day=first_day,
        last_day=last_day,
        start_known=episode.received_on is not None,
        reason=primary_reason(episode, as_of),
    )


def length_missing(spell: Spell, census_date: date) -> LengthMissing:
    """12 weeks or less (84 days or fewer from the start to census day), more, or unknown."""
    if not spell.start_known:
        return LengthMissing.UNKNOWN
    if census_date - spell.first_day <= TWELVE_WEEKS:
        return LengthMissing.TWELVE_WEEKS_OR_LESS
    return LengthMissing.MORE_THAN_TWELVE_WEEKS


# --- The return -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountRow:
    """One count of the return: a breakdown ("sex"), a category ("female") and its label."""

    breakdown: str
    category: str
    label: str
    count: int


@dataclass(frozen=True)
class DfeReturn:
    """The counts for one census date, as known at ``as_of``: no child is identifiable in it."""

    census_date: date
    as_of: datetime
    academic_year: AcademicYear
    census_day: tuple[CountRow, ...]
    previous_year: tuple[CountRow, ...]
    # Cases open on census day but not counted, by why (for the team lead's check).
    not_counted: tuple[CountRow, ...]

    @property
    def census_day_total(self) -> int:
        return _total(self.census_day)

    @property
    def previous_year_total(self) -> int:
        return _total(self.previous_year)


def _total(rows: Sequence[CountRow]) -> int:
    return next(row.count for row in rows if row.breakdown == "total")


YEAR_GROUPS = tuple(range(0, YEAR_11 + 1))


def year_group_category(group: int) -> tuple[str, str]:
    if group == 0:
        return "reception", "Reception"
    return f"year_{group}", f"Year {group}"


def _rows(
    breakdown: str, categories: Iterable[tuple[str, str]], counts: Counter[str]
) -> list[CountRow]:
    return [CountRow(breakdown, key, label, counts[key]) for key, label in categories]


# Where a child supported to a school place stood on census day (docs/dfe-return.md).
SCHOOL_PLACE_CATEGORIES = (
    ("applying", "In the process of applying for a school place"),
    ("offered_not_started", "Offered a place for a future date, not yet started"),
)


def school_place_category(step: SupportStep | None) -> str | None:
    if step is None:
        return None
    if step.applying:
        return "applying"
    if step is SupportStep.OFFERED_NOT_STARTED:
        return "offered_not_started"
    return None


def _breakdowns(
    children: Sequence[tuple[Spell, int]],
    *,
    lengths: Sequence[LengthMissing] | None,
    school_places: Sequence[str | None] | None = None,
) -> tuple[CountRow, ...]:
    rows = [CountRow("total", "all", "All children missing education", len(children))]
    rows += _rows(
        "sex",
        ((s.value, s.label) for s in Sex),
        Counter(spell.episode.sex.value for spell, _ in children),
    )
    rows += _rows(
        "year_group",
        (year_group_category(g) for g in YEAR_GROUPS),
        Counter(year_group_category(group)[0] for _, group in children),
    )
    if lengths is not None:
        rows += _rows(
            "length_missing", ((b.value, b.label) for b in LengthMissing), Counter(lengths)
        )
    rows += _rows(
        "primary_reason",
        ((r.value, r.label) for r in DfeCmeReason),
        Counter(spell.reason.value for spell, _ in children),
    )
    if school_places is not None:
        rows += _rows(
            "school_place",
            SCHOOL_PLACE_CATEGORIES,
            Counter(category for category in school_places if category is not None),
        )
    return tuple(rows)


def _one_per_child(spells: Iterable[Spell]) -> list[Spell]:
    """A child with several cases is counted once, from the case that started first."""
    chosen: dict[tuple[str, ...], Spell] = {}
    for spell in sorted(spells, key=lambda s: (s.first_day, s.episode.reference)):
        chosen.setdefault(spell.episode.child_key(), spell)
    return sorted(chosen.values(), key=lambda s: s.episode.reference)


def _school_age_overlaps(date_of_birth: date, first: date, last: date) -> bool:
    start, end = compulsory_school_age_start(date_of_birth), school_leaving_date(date_of_birth)
    return start <= last and first <= end


def build_return(
    episodes: Iterable[CmeEpisode], *, census_date: date, as_of: datetime
) -> DfeReturn:
    """The DfE return for ``census_date`` from every case, as known at ``as_of``.

    Raises:
        ValueError: ``census_date`` is after the day of ``as_of`` (a census not yet held).
    """
    if census_date > day_in_england(as_of):
        raise ValueError(
            f"census_date: {census_date} is after today ({day_in_england(as_of)}); "
            "a return counts a census day that has happened"
        )
    year = AcademicYear.containing(census_date)
    previous = year.previous
    # Where support to a school place stood at the end of census day (or as_of, if earlier).
    next_day = datetime.combine(census_date + timedelta(days=1), time(), tzinfo=ENGLAND)
    census_as_of = min(as_of, next_day - timedelta(microseconds=1))
    spells = [s for e in episodes if (s := spell_of(e, as_of)) is not None]

    open_on_census = _one_per_child(s for s in spells if s.covers(census_date))
    of_school_age = [
        s
        for s in open_on_census
        if _school_age_overlaps(s.episode.date_of_birth, census_date, census_date)
    ]
    census_children = [(s, year_group(s.episode.date_of_birth, year)) for s in of_school_age]
    _check_year_groups(census_children)

    in_previous = _one_per_child(
        s
        for s in spells
        if s.overlaps(previous.first_day, previous.last_day)
        and _school_age_overlaps(
            s.episode.date_of_birth,
            max(s.first_day, previous.first_day),
            min(s.last_day or previous.last_day, previous.last_day),
        )
    )
    previous_children = [(s, year_group(s.episode.date_of_birth, previous)) for s in in_previous]
    _check_year_groups(previous_children)

    return DfeReturn(
        census_date=census_date,
        as_of=as_of,
        academic_year=year,
        census_day=_breakdowns(
            census_children,
            lengths=[length_missing(s, census_date) for s, _ in census_children],
            school_places=[
                school_place_category(s.episode.support_step(census_as_of))
                for s, _ in census_children
            ],
        ),
        previous_year=_breakdowns(previous_children, lengths=None),
        not_counted=(
            CountRow(
                "not_counted",
                "not_of_compulsory_school_age",
                "Open on census day, not of compulsory school age",
                len(open_on_census) - len(of_school_age),
            ),
        ),
    )


def _check_year_groups(children: Sequence[tuple[Spell, int]]) -> None:
    # A child of compulsory school age is always in Reception to Year 11 (s8 and SI 1998/1607).
    for spell, group in children:
        if group not in YEAR_GROUPS:
            raise ValueError(
                f"case {spell.episode.reference}: year group {group} is outside Reception to "
                "Year 11 for a child of compulsory school age"
            )


# --- Census days (configuration) ------------------------------------------------------------------


class CensusDay(BaseModel):
    """One DfE census day of the EHE and CME collection, with its return date."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: Literal["autumn", "spring", "summer"]
    census_date: date
    return_by: date
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _return_after_census(self) -> Self:
        if self.return_by <= self.census_date:
            raise ValueError(
                f"return_by: {self.return_by} is not after census_date {self.census_date}"
            )
        return self


class CensusDays(BaseModel):
    """The ``[dfe_census]`` section of config/calendar.toml."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    days: tuple[CensusDay, ...] = ()

    @model_validator(mode="after")
    def _each_date_once(self) -> Self:
        dates = [day.census_date for day in self.days]
        for day in dates:
            if dates.count(day) > 1:
                raise ValueError(f"days: census_date {day} is listed more than once")
        return self

    def on(self, census_date: date) -> CensusDay | None:
        """The configured census day on ``census_date``, if it is one."""
        return next((d for d in self.days if d.census_date == census_date), None)

    def latest(self, today: date) -> date:
        """The default census date: the latest configured one of this academic year, by today.

        Raises:
            ValueError: No census day of today's academic year is configured, or none has come.
        """
        year = AcademicYear.containing(today)
        held = [
            d.census_date
            for d in self.days
            if AcademicYear.containing(d.census_date) == year and d.census_date <= today
        ]
        if not held:
            raise ValueError(
                f"census_date: no DfE census day of {year.label} on or before {today} is in "
                "config/calendar.toml [dfe_census]; give census_date, or add this year's days "
                "from DfE's 'EHE and CME: submit your data' page"
            )
        return max(held)
