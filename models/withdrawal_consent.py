"""Consent to withdraw (new s434A Education Act 1996, inserted by s37 Children's Wellbeing and
Schools Act 2026): who is a "relevant child", and when a deletion return asks for consent.

Once s434A is in force, a parent of a relevant child needs the local authority's consent to
withdraw the child from school for education otherwise than at school. A relevant child is of
compulsory school age, a registered pupil, and meets

- Condition A: registered under the authority's arrangements at a special school, or at an
  independent school specially organised for children with special educational needs; or
- Condition B: the authority is making s47 Children Act 1989 enquiries about the child, or acting
  under s47(8) (a child protection plan).

What the product knows of each (docs/withdrawal-consent.md): Condition A from the deleting
school's URN among the council's configured special schools (`special_schools` in
config/cme.toml); Condition B from the children's social care extract (`extracts.child_protection`),
a certain or near match of the pupil. A near match is taken as met: the team's decision form can
say consent is not needed, while listing a child who needed consent could not be undone.

A deletion return row on reg 9(1)(f) (home education) for a relevant child, with the Act in force
on the deletion day, opens a consent decision for the team instead of the EHE list.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from models.choice_words import words_for
from models.enums import LabelledEnum
from models.matching import ChildIdentity, IdentityIndex, MatchStrength
from models.school_returns import DeletionGroundLetter, DeletionReturnRow


class Condition(LabelledEnum):
    """The s434A conditions, either of which makes a registered pupil a relevant child."""

    A_SPECIAL_SCHOOL = "a_special_school"
    B_CHILD_PROTECTION = "b_child_protection"

    @property
    def label(self) -> str:
        return {
            Condition.A_SPECIAL_SCHOOL: (
                "Condition A: registered under the authority's arrangements at a special school "
                "or an independent school specially organised for SEN"
            ),
            Condition.B_CHILD_PROTECTION: (
                "Condition B: s47 enquiries, or a child protection plan (s47(8))"
            ),
        }[self]


class ChildProtectionStatus(LabelledEnum):
    """A child's status in the children's social care extract (its `status` column)."""

    S47_ENQUIRY = "s47_enquiry"
    CHILD_PROTECTION_PLAN = "child_protection_plan"

    @property
    def label(self) -> str:
        return {
            ChildProtectionStatus.S47_ENQUIRY: "s47 enquiries",
            ChildProtectionStatus.CHILD_PROTECTION_PLAN: "a child protection plan",
        }[self]


class ConsentDecision(LabelledEnum):
    """The authority's best-interests decision on a parent's withdrawal (s434A)."""

    CONSENT_GIVEN = "consent_given"
    CONSENT_REFUSED = "consent_refused"
    CONSENT_NOT_REQUIRED = "consent_not_required"

    @property
    def label(self) -> str:
        return words_for(self.value)

    @property
    def lists_for_ehe(self) -> bool:
        """The child goes on the EHE list, with the EHE notice, as a (f) row did before s434A."""
        return self is not ConsentDecision.CONSENT_REFUSED


@dataclass(frozen=True)
class RelevantChild:
    """The conditions a pupil meets and where each was found (no personal data)."""

    conditions: tuple[Condition, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class ConsentRule:
    """What the import knows to apply s434A: the configured special schools, the children's
    social care extract (keyed by `ChildProtectionStatus` value), and whether the Act is in force
    on a day (`RegimeTable.in_force` for the 2026 Act)."""

    special_schools: Collection[str]
    child_protection: IdentityIndex[str]
    in_force: Callable[[date], bool]


def relevant_child(
    row: DeletionReturnRow,
    *,
    special_schools: Collection[str],
    child_protection: IdentityIndex[str],
) -> RelevantChild | None:
    """The s434A conditions the row's pupil meets, with their sources; None if neither."""
    conditions: list[Condition] = []
    sources: list[str] = []
    if row.school_urn in special_schools:
        conditions.append(Condition.A_SPECIAL_SCHOOL)
        sources.append(f"Condition A: school URN {row.school_urn} is a configured special school")
    matches = child_protection.matches(row.identity())
    if matches:
        conditions.append(Condition.B_CHILD_PROTECTION)
        for match in matches:
            status = ChildProtectionStatus(match.key).label
            how = "matched" if match.strength is MatchStrength.CERTAIN else "possibly matched"
            sources.append(
                f"Condition B: {how} in the children's social care extract ({status}); "
                f"score {match.score:.2f}"
            )
    if not conditions:
        return None
    return RelevantChild(tuple(conditions), tuple(sources))


def consent_needed(row: DeletionReturnRow, rule: ConsentRule) -> RelevantChild | None:
    """A (f) row needs the authority's consent: s434A in force on the deletion day and the pupil
    a relevant child. Returns the conditions met, or None (the row goes to the EHE team as
    before)."""
    if row.deletion_ground is not DeletionGroundLetter.F_ELECTIVE_HOME_EDUCATION:
        return None
    if not rule.in_force(row.deletion_date):
        return None
    return relevant_child(
        row, special_schools=rule.special_schools, child_protection=rule.child_protection
    )


def child_protection_index(
    rows: Iterable[Mapping[str, str | None]], index: IdentityIndex[str]
) -> list[int]:
    """Add the extract's rows to `index`, keyed by status; returns the row numbers (from 2, the
    header being 1) that could not be read: no ISO date of birth or an unknown status."""
    unread: list[int] = []
    for number, row in enumerate(rows, start=2):
        status = (row.get("status") or "").strip().lower()
        try:
            born = date.fromisoformat((row.get("date_of_birth") or "").strip())
            key = ChildProtectionStatus(status).value
        except ValueError:
            unread.append(number)
            continue
        index.add(
            key,
            ChildIdentity(
                forenames=row.get("forenames") or "",
                surname=row.get("surname") or "",
                date_of_birth=born,
                postcode=(row.get("postcode") or "").strip() or None,
            ),
        )
    return unread
