"""What the officers' front door shows: the caseload by urgency and the search for a child.

Pure: the rows are read in store/casework.py; the front door (front_door/) renders them for
signed-in people allowed to see a child's details. Unlike models/caseload.py, these rows carry
the child's name and date of birth.

Definitions (as in models/caseload.py): a stage is overdue when it is not completed, its clock is
running and its due date is before today; days overdue are calendar days since the due date.
Red: overdue. Amber: due within ``AMBER_DAYS`` days (today included). Green: later or undated.
A paused clock is never red or amber.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from models.enums import CaseStatus, Stage
from models.matching import jaro_winkler

AMBER_DAYS = 5
NAME_LIKENESS = 0.85
"""A name part at least this like a query word counts as found (a typo or two in a surname)."""

AWAITED: dict[Stage, str] = {
    Stage.REFERRAL_CHECK: "Reasonable enquiries recorded",
    Stage.HOME_VISIT: "Home visit recorded",
    Stage.SCHOOL_PLACE_SUPPORT: "The family's application, an offer, or the start at school",
    Stage.EDUCATION_ENQUIRY: "s437(1) notice approved or the parent's answer",
    Stage.SAO_NOTICE: "s438 notice, the order, or compliance",
    Stage.PROSECUTION_REFERRAL: "ESO considered or the proceedings' outcome",
    Stage.PERIODIC_REVIEW: "Periodic review: search again",
}


class Rag(StrEnum):
    RED = "red"
    AMBER = "amber"
    GREEN = "green"

    @property
    def label(self) -> str:
        return {"red": "Overdue", "amber": "Due soon", "green": "On time"}[self.value]


@dataclass(frozen=True, slots=True)
class CaseloadEntry:
    """An open case with its current stage and the child's name and date of birth."""

    reference: str
    flow_run_id: UUID | None
    officer_id: str
    dspl_area: int | None
    status: CaseStatus
    stage: Stage | None
    due_on: date | None
    clock_paused: bool
    forenames: str
    surname: str
    date_of_birth: date
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class CaseloadLine:
    """One row of the caseload page."""

    entry: CaseloadEntry
    awaiting: str
    days_overdue: int
    rag: Rag

    @property
    def child(self) -> str:
        return f"{self.entry.forenames} {self.entry.surname}"


def caseload_line(entry: CaseloadEntry, today: date) -> CaseloadLine:
    if entry.stage is None:
        awaiting = "Case to start"
    elif entry.clock_paused:
        awaiting = f"{AWAITED[entry.stage]} (clock paused)"
    else:
        awaiting = AWAITED[entry.stage]
    overdue = 0
    rag = Rag.GREEN
    if entry.due_on is not None and not entry.clock_paused:
        overdue = max((today - entry.due_on).days, 0)
        if overdue > 0:
            rag = Rag.RED
        elif (entry.due_on - today).days < AMBER_DAYS:
            rag = Rag.AMBER
    return CaseloadLine(entry=entry, awaiting=awaiting, days_overdue=overdue, rag=rag)


def by_urgency(entries: Iterable[CaseloadEntry], today: date) -> list[CaseloadLine]:
    """Most overdue first, then the earliest due, then undated or paused (oldest case first)."""

    def urgency(line: CaseloadLine) -> tuple[int, date, datetime, str]:
        running = line.entry.due_on if not line.entry.clock_paused else None
        return (-line.days_overdue, running or date.max, line.entry.opened_at, line.entry.reference)

    return sorted((caseload_line(entry, today) for entry in entries), key=urgency)


# --- Search ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchCandidate:
    """A case of any age as the search sees it."""

    reference: str
    status: CaseStatus
    officer_id: str
    stage: Stage | None
    forenames: str
    surname: str
    aliases: tuple[str, ...]
    date_of_birth: date
    address: str
    postcode: str
    upn: str | None
    schools: tuple[str, ...]
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What an officer typed: every field given must match; empty fields are ignored."""

    name: str = ""
    date_of_birth: date | None = None
    address: str = ""
    school: str = ""
    upn: str = ""
    reference: str = ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.name.strip()
            or self.date_of_birth
            or self.address.strip()
            or self.school.strip()
            or self.upn.strip()
            or self.reference.strip()
        )


@dataclass(frozen=True, slots=True)
class SearchHit:
    candidate: SearchCandidate
    name_score: float  # 1.0 when no name was asked for
    found_as: str  # "" for the legal name, else the alias that matched


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents and punctuation removed, spaces single."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_ALNUM.sub(" ", plain).strip()


def _words(text: str) -> list[str]:
    return fold(text).split()


def name_score(query: str, name: str) -> float:
    """How well every word of ``query`` is found in ``name`` (0..1): the weakest word decides."""
    asked, parts = _words(query), _words(name)
    if not asked or not parts:
        return 0.0
    return min(max(jaro_winkler(word, part) for part in parts) for word in asked)


def _best_name(query: str, candidate: SearchCandidate) -> tuple[float, str]:
    best = (name_score(query, f"{candidate.forenames} {candidate.surname}"), "")
    for alias in candidate.aliases:
        score = name_score(query, alias)
        if score > best[0]:
            best = (score, alias)
    return best


def _compact(text: str) -> str:
    return _NOT_ALNUM.sub("", text.lower())


def _matches_place(query: str, candidate: SearchCandidate) -> bool:
    wanted = _compact(query)
    if not wanted:
        return True
    return wanted in _compact(candidate.postcode) or wanted in _compact(candidate.address)


def search(candidates: Sequence[SearchCandidate], query: SearchQuery) -> list[SearchHit]:
    """Every case matching all the fields given, the best name match first, then newest."""
    if query.is_empty:
        return []
    hits = []
    for candidate in candidates:
        score, found_as = 1.0, ""
        if query.name.strip():
            score, found_as = _best_name(query.name, candidate)
            if score < NAME_LIKENESS:
                continue
        if query.date_of_birth is not None and candidate.date_of_birth != query.date_of_birth:
            continue
        if not _matches_place(query.address, candidate):
            continue
        school = fold(query.school)
        if school and not any(school in fold(s) for s in candidate.schools):
            continue
        upn = _compact(query.upn)
        if upn and _compact(candidate.upn or "") != upn:
            continue
        reference = _compact(query.reference)
        if reference and reference not in _compact(candidate.reference):
            continue
        hits.append(SearchHit(candidate=candidate, name_score=round(score, 2), found_as=found_as))
    hits.sort(key=lambda hit: hit.candidate.opened_at, reverse=True)
    hits.sort(key=lambda hit: hit.name_score, reverse=True)
    return hits
