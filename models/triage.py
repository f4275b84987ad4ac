"""Triage of a school's deletion return: what happens to each pupil, and do we know the child?

Each row read from a deletion return (models/school_returns.py) gets a `Route` from its reg 9(1)
ground (SI 2024/208; docs/domain.md#deletion-grounds), and three matches (models/matching.py):

- against the open cases: a CERTAIN match links the row to that case (`linked_case`), NEAR matches
  go to a review list (`review`);
- against earlier rows of the same file: a CERTAIN match is the same child twice
  (`duplicate_of_row`: not a second case), and so is a NEAR match at the same school or postcode
  that the in-file rule finds to be one child (the same date of birth, names a slip apart:
  `models.matching.same_child_in_file`; never twins); other NEAR matches are listed
  (`possible_duplicate_of_rows`);
- against the county pupil roll (grounds a, b of compulsory school age, m): is the child on
  another school's roll?

Destination matching, decided here: a child is confirmed on roll when the roll extract has a
CERTAIN match at any school other than the one that made the deletion. The named destination is
not required to agree: the roll is the evidence, and a child on any Hertfordshire roll is not
missing education. The roll index is keyed by school URN (`models.extracts.roll_index`),
because the nightly extract may still list the child at the deleting school. A child whose
destination is outside Hertfordshire is never on the extract and is verified with the other
authority.

Routes and their sources (docs/domain.md#deletion-grounds; [E] = an estimate of practice, not
statute):

======  =====================  ==============================================================
Ground  Route                  Source
======  =====================  ==============================================================
a       DESTINATION_CONFIRMED  "Verify the destination school confirmed it"; found on roll.
a       VERIFY_DESTINATION     not found on roll: a short verify-destination case [E].
b       RECORD_ONLY            below compulsory school age: "check whether the child will
                               reach compulsory school age" - recorded, nothing to do now.
b       (as a)                 already of compulsory school age: must be on a roll somewhere.
c       RECORD_ONLY            "Low": dual registration ended, still on the other school's roll.
d       SAO_CASE               "Track the SAO case": the SAO now names another school.
e       EHE_NOTICE             "Close the SAO and hand to the EHE team".
f       EHE_NOTICE             "Route to the EHE team, not CME" (EHE list and notice).
f       CONSENT_DECISION       a relevant child with s434A in force: the authority's consent
                               decision first (models/withdrawal_consent.py).
g       CME_CASE               "Core CME feed (moved out of area or abroad)".
h, i    CME_CASE               "Core CME feed: whereabouts unknown", joint enquiries made.
h, i    FLAG_TO_SCHOOL         joint enquiries not made or not stated: Herts "will not accept a
                               removal as legal"; the child stays on roll (1.1 row 4).
j       YOUTH_JUSTICE          "Liaise with YJS / the secure estate. Not normally CME."
k       RECORD_ONLY            "Close" (the safeguarding review check is the team's, by hand).
l       RECORD_ONLY            "Out of scope (post-16 / NEET tracking)".
m       (as a)                 "Check for a new school": on roll, or verify the destination.
n       CME_CASE               "Often CME-relevant (e.g. fees unpaid, no destination)".
o       S19_TEAM               "LA s19 duty / AP from day 6. Not CME if AP is in place."
unknown CME_CASE               a ground not stated is treated as a CME case (safest reading).
======  =====================  ==============================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from models.enums import LabelledEnum
from models.matching import (
    IdentityIndex,
    IdentityMatch,
    MatchStrength,
    MatchThresholds,
    same_child_in_file,
    same_postcode,
)
from models.school_age import compulsory_school_age_start
from models.school_returns import DeletionGroundLetter, DeletionReturnRow
from models.withdrawal_consent import ConsentRule, RelevantChild, consent_needed

G = DeletionGroundLetter


class Route(LabelledEnum):
    VERIFY_DESTINATION = "verify_destination"
    DESTINATION_CONFIRMED = "destination_confirmed"
    EHE_NOTICE = "ehe_notice"
    CME_CASE = "cme_case"
    FLAG_TO_SCHOOL = "flag_to_school"
    RECORD_ONLY = "record_only"
    S19_TEAM = "s19_team"
    SAO_CASE = "sao_case"
    YOUTH_JUSTICE = "youth_justice"
    CONSENT_DECISION = "consent_decision"

    @property
    def label(self) -> str:
        return _ROUTE_LABELS[self]

    @property
    def opens_case(self) -> bool:
        """Whether the route opens a case (a CME case or a short verify-destination case)."""
        return self in (Route.CME_CASE, Route.VERIFY_DESTINATION)


_ROUTE_LABELS: dict[Route, str] = {
    Route.VERIFY_DESTINATION: "Verify the destination school (short case)",
    Route.DESTINATION_CONFIRMED: "Destination confirmed on roll: recorded, no case",
    Route.EHE_NOTICE: "Elective home education team: EHE list and notice, no CME case",
    Route.CME_CASE: "CME case",
    Route.FLAG_TO_SCHOOL: "Flagged back to the school: no joint reasonable enquiries",
    Route.RECORD_ONLY: "Recorded, no case",
    Route.S19_TEAM: "Team arranging s19 provision: not CME",
    Route.SAO_CASE: "Recorded on the School Attendance Order case",
    Route.YOUTH_JUSTICE: "Youth justice liaison: not normally CME",
    Route.CONSENT_DECISION: "Consent to withdraw (s434A): a decision for the team, not yet EHE",
}

_FIXED_ROUTES: dict[DeletionGroundLetter, tuple[Route, str]] = {
    G.C_DUAL_REGISTRATION_ENDED: (
        Route.RECORD_ONLY,
        "reg 9(1)(c): dual registration ended, the pupil stays on the other school's roll",
    ),
    G.D_SAO_AMENDED: (
        Route.SAO_CASE,
        "reg 9(1)(d): the SAO was amended to name another school; recorded on the SAO case",
    ),
    G.E_SAO_REVOKED: (
        Route.EHE_NOTICE,
        "reg 9(1)(e): the SAO was revoked for education arranged otherwise; to the EHE team",
    ),
    G.F_ELECTIVE_HOME_EDUCATION: (
        Route.EHE_NOTICE,
        "reg 9(1)(f): the parent notified home education in writing; to the EHE team, not CME",
    ),
    G.G_MOVED_AWAY: (
        Route.CME_CASE,
        "reg 9(1)(g): moved away; confirm the new address and school, notify the receiving LA",
    ),
    G.J_DETAINED: (
        Route.YOUTH_JUSTICE,
        "reg 9(1)(j): detained 4 months or more; liaise with youth justice, not normally CME",
    ),
    G.K_DIED: (Route.RECORD_ONLY, "reg 9(1)(k): the pupil has died; recorded, no case"),
    G.L_CEASES_COMPULSORY_SCHOOL_AGE: (
        Route.RECORD_ONLY,
        "reg 9(1)(l): ceases to be of compulsory school age; out of scope (post-16)",
    ),
    G.N_LEFT_INDEPENDENT_OR_SPECIAL_SCHOOL: (
        Route.CME_CASE,
        "reg 9(1)(n): left an independent or non-maintained special school; often CME",
    ),
    G.O_PERMANENTLY_EXCLUDED: (
        Route.S19_TEAM,
        "reg 9(1)(o): permanently excluded; the LA's s19 duty, not CME",
    ),
    G.UNKNOWN: (Route.CME_CASE, "deletion ground not stated: treated as a CME case"),
}


@dataclass(frozen=True)
class RowTriage:
    """What happens to one row of a deletion return; `reason` carries no personal value."""

    row: int
    route: Route
    linked_case: str | None  # case reference of a CERTAIN match among open cases
    review: tuple[IdentityMatch[str], ...]  # NEAR matches among open cases: to a review list
    duplicate_of_row: int | None  # CERTAIN match with an earlier row of the file: no second case
    reason: str
    possible_duplicate_of_rows: tuple[int, ...] = ()  # NEAR matches with earlier rows: review
    consent: RelevantChild | None = None  # s434A: the conditions met, for a consent decision

    @property
    def opens_case(self) -> bool:
        """A new case is opened: the route needs one, no open case and no earlier row is it."""
        return self.route.opens_case and self.linked_case is None and self.duplicate_of_row is None


def _on_roll_elsewhere(row: DeletionReturnRow, roll: IdentityIndex[str]) -> tuple[bool, str]:
    matches = [m for m in roll.matches(row.identity()) if m.key != row.school_urn]
    if any(m.strength is MatchStrength.CERTAIN for m in matches):
        return True, "found on the roll of another school"
    if matches:
        return False, "only a possible match on another school's roll: verify"
    return False, "not found on any school roll in the extract"


def _route(row: DeletionReturnRow, roll: IdentityIndex[str]) -> tuple[Route, str]:
    ground = row.deletion_ground
    if ground in _FIXED_ROUTES:
        return _FIXED_ROUTES[ground]
    if ground.needs_joint_enquiries:
        if row.joint_reasonable_enquiries_made:
            return Route.CME_CASE, (
                f"reg 9(1)({ground.value}): whereabouts unknown after joint reasonable enquiries"
            )
        stated = "not made" if row.joint_reasonable_enquiries_made is False else "not stated"
        return Route.FLAG_TO_SCHOOL, (
            f"reg 9(1)({ground.value}) needs joint reasonable enquiries by the school and the LA "
            f"({stated}): the removal is not accepted and the child stays on roll"
        )
    if ground is G.B_NURSERY_COMPLETED and row.deletion_date < compulsory_school_age_start(
        row.date_of_birth
    ):
        return Route.RECORD_ONLY, (
            "reg 9(1)(b): completed nursery, below compulsory school age on the deletion date"
        )
    # What is left is a, b (of compulsory school age) and m: is the child on a roll elsewhere?
    found, how = _on_roll_elsewhere(row, roll)
    if found:
        return Route.DESTINATION_CONFIRMED, f"reg 9(1)({ground.value}): {how}"
    return Route.VERIFY_DESTINATION, f"reg 9(1)({ground.value}): {how}"


def _same_child_in_file(
    row: DeletionReturnRow,
    matches: list[IdentityMatch[int]],
    by_line: dict[int, DeletionReturnRow],
) -> tuple[int | None, str | None]:
    """The first earlier row of the file, a near match, that is certainly this child by the
    in-file rule (models.matching.same_child_in_file): the same school or postcode, the same date
    of birth, and names a slip apart. Returns that row and why, or (None, None)."""
    for match in sorted(matches, key=lambda m: m.key):
        other = by_line[match.key]
        if other.school_urn != row.school_urn and not same_postcode(other.postcode, row.postcode):
            continue
        why = same_child_in_file(row.identity(), other.identity())
        if why is not None:
            return match.key, why
    return None, None


def triage_deletion_return(
    rows: list[tuple[int, DeletionReturnRow]],
    *,
    open_cases: IdentityIndex[str],
    roll: IdentityIndex[str],
    thresholds: MatchThresholds,
    consent: ConsentRule | None = None,
) -> list[RowTriage]:
    """Route every good row of a deletion return and match it against cases and earlier rows.

    `open_cases` is keyed by case reference (`models.matching.index_identities`); `roll` by
    school URN (`models.extracts.roll_index`); `thresholds` decides when two rows of the file
    are the same child. With `consent`, a (f) row for a relevant child under s434A, in force on
    its deletion day, goes to a consent decision instead of the EHE team
    (models/withdrawal_consent.py).
    """
    earlier: IdentityIndex[int] = IdentityIndex(thresholds)
    by_line = dict(rows)
    triaged: list[RowTriage] = []
    for line, row in rows:
        identity = row.identity()
        route, reason = _route(row, roll)
        relevant = consent_needed(row, consent) if consent is not None else None
        if relevant is not None:
            route = Route.CONSENT_DECISION
            reason = (
                "reg 9(1)(f) for a relevant child under s434A (the 2026 Act in force on the "
                "deletion day): the authority's consent is needed; "
                + "; ".join(c.label for c in relevant.conditions)
            )
        case_matches = open_cases.matches(identity)
        certain = [m for m in case_matches if m.strength is MatchStrength.CERTAIN]
        linked = certain[0].key if certain else None
        review = tuple(m for m in case_matches if m.key != linked)
        row_matches = earlier.matches(identity)
        duplicate = next((m.key for m in row_matches if m.strength is MatchStrength.CERTAIN), None)
        slip = None
        if duplicate is None:
            duplicate, slip = _same_child_in_file(row, row_matches, by_line)
        possible = tuple(sorted(m.key for m in row_matches if m.key != duplicate))
        notes = [reason]
        if slip is not None:
            notes.append(f"one child with row {duplicate} in this file ({slip})")
        if linked is not None:
            notes.append("linked to an open case")
        if review:
            notes.append(f"{len(review)} possible open case(s) to review")
        if duplicate is not None:
            notes.append(f"same child as row {duplicate}: no second case")
        if possible:
            notes.append("possibly the same child as row(s) " + ", ".join(map(str, possible)))
        triaged.append(
            RowTriage(
                row=line,
                route=route,
                linked_case=linked,
                review=review,
                duplicate_of_row=duplicate,
                reason="; ".join(notes),
                possible_duplicate_of_rows=possible,
                consent=relevant,
            )
        )
        earlier.add(line, identity)
    return triaged
