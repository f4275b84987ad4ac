"""The legal regime a case's formal stage runs under, as configuration chosen by commencement date.

Today the formal stage is Education Act 1996 ss437-443 (the s437(1) notice, the s438 notice of
intention, the School Attendance Order, prosecution under s443). The Children's Wellbeing and
Schools Act 2026 (c. 21) replaces them with new sections (preliminary notice, school nomination
notice, SAO under new s436I, the offence of withdrawing a child subject to an SAO) on a day the
Secretary of State appoints by regulations (s78(5)); docs/domain.md and docs/regimes.md.

`config/regimes.toml` describes each regime's formal steps: the citation, the letter, the clock in
the deadline table or the period the Act gives, and whether a detail waits for regulations or
guidance not yet made (``provisional``, with a note citing the Act). The council sets a regime's
commencement date in `config/cme.toml` (``[regimes.commences_on]``); with none set nothing changes.
A case's regime is chosen once, by the day its formal stage begins, and kept to the end: a case
that began under the old sections finishes under them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from models.deadlines import DeadlineStep
from models.enums import LetterKind, Stage


class RegimeId(StrEnum):
    EDUCATION_ACT_1996 = "education_act_1996"
    CWSA_2026 = "cwsa_2026"


# The regime of every case until a council configures a commencement date.
CURRENT = RegimeId.EDUCATION_ACT_1996
# The stage whose beginning chooses the case's regime: the first formal step (the s437(1) notice
# today, the preliminary notice under the 2026 Act).
FORMAL_STAGE = Stage.EDUCATION_ENQUIRY
# The 2026 Act's offences, by the compliance recorded with its order (flows/forms.py
# OrderCompliance): the step of config/regimes.toml a referral for proceedings cites.
BREACH_OFFENCES: dict[str, str] = {
    "not_complied": "failure_to_comply",
    "withdrawn_while_in_force": "withdrawal_offence",
}
# The law ships with the release: a council sets commencement days, not citations.
SHIPPED_REGIMES = Path(__file__).resolve().parents[1] / "config" / "regimes.toml"


def _error(message: str) -> PydanticCustomError:
    """A rule's message as it is, without pydantic's "Value error, " in front."""
    return PydanticCustomError("cme_regimes", message)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FormalStep(_Frozen):
    """One step of a regime's formal stage, as its letter and its clock cite the law."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1, description="The step as a person reads it.")
    citation: str = Field(min_length=1, description="The section that gives the power or duty.")
    letter: LetterKind | None = Field(
        default=None, description="The letter the step serves (templates/letters/), if any."
    )
    letter_citation: str | None = Field(
        default=None,
        min_length=1,
        description="The law as the step's letter names it in its heading, e.g. "
        '"section 437(1) of the Education Act 1996".',
    )
    deadline: DeadlineStep | None = Field(
        default=None, description="Its clock in the deadline table (config/calendar.toml)."
    )
    period_days: int | None = Field(
        default=None, gt=0, description="A period the Act gives, where no clock is configured."
    )
    provisional: bool = Field(
        default=False,
        description="Left to regulations or guidance not yet made: not to be relied on.",
    )
    note: str = ""

    @model_validator(mode="after")
    def _provisional_says_why(self) -> Self:
        if self.provisional and not self.note.strip():
            raise _error(f"{self.id}: a provisional step needs a note saying what it awaits")
        return self

    @model_validator(mode="after")
    def _letter_names_its_law(self) -> Self:
        # A letter says which section it is made under, in the words the configuration gives,
        # never words of the code's (a provisional step's words are marked so in its note).
        if self.letter is not None and self.letter_citation is None:
            raise _error(
                f"{self.id}: letter_citation is required: the {self.letter.value} letter "
                "names the law it is made under"
            )
        return self


class Regime(_Frozen):
    """A set of sections a case's formal stage runs under."""

    name: str = Field(min_length=1, description="As a letter or the chronology names it.")
    source: str = Field(min_length=1, description="Where the sections are enacted.")
    steps: tuple[FormalStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _each_step_once(self) -> Self:
        ids = [step.id for step in self.steps]
        repeated = sorted({step for step in ids if ids.count(step) > 1})
        if repeated:
            raise _error(f"steps: {', '.join(repeated)} appear more than once")
        letters = [step.letter for step in self.steps if step.letter is not None]
        shared = sorted({kind.value for kind in letters if letters.count(kind) > 1})
        if shared:
            # A letter names the law of the one step that serves it.
            raise _error(f"steps: the letter {', '.join(shared)} is served by more than one step")
        return self

    def letter_step(self, kind: LetterKind) -> FormalStep:
        """The step whose letter this is."""
        for step in self.steps:
            if step.letter is kind:
                return step
        raise KeyError(f"{self.name} has no step that serves the {kind.value} letter")

    def step(self, step_id: str) -> FormalStep:
        """The step with this id."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"{self.name} has no step {step_id}")

    @property
    def provisional_steps(self) -> tuple[FormalStep, ...]:
        return tuple(step for step in self.steps if step.provisional)


class RegimeTable(_Frozen):
    """Every regime the product knows, and the dates the council has set for them to commence."""

    regimes: dict[RegimeId, Regime]
    commences_on: dict[RegimeId, date] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete_and_settled(self) -> Self:
        missing = sorted(set(RegimeId) - set(self.regimes))
        if missing:
            raise _error(f"regimes: {', '.join(missing)} missing")
        current = self.regimes[CURRENT]
        if current.provisional_steps:
            names = ", ".join(step.id for step in current.provisional_steps)
            raise _error(f"regimes.{CURRENT}: the law in force has provisional steps ({names})")
        if CURRENT in self.commences_on:
            raise _error(f"commences_on.{CURRENT}: the regime in force has no commencement")
        return self

    def regime(self, regime_id: RegimeId) -> Regime:
        return self.regimes[regime_id]

    def choose(self, formal_stage_begins_on: date, recorded: RegimeId | None = None) -> RegimeId:
        """The regime for a case whose formal stage begins on this day (see `choose_regime`)."""
        return choose_regime(formal_stage_begins_on, self.commences_on, recorded)

    def in_force(self, regime_id: RegimeId, on: date) -> bool:
        """Whether the regime's sections are in force on this day: the law in force today always
        is (until another commences; its cases finish under it), a new one from the day the
        council configured for it to commence."""
        if regime_id is CURRENT:
            return True
        commences = self.commences_on.get(regime_id)
        return commences is not None and commences <= on


def choose_regime(
    formal_stage_begins_on: date,
    commences_on: Mapping[RegimeId, date],
    recorded: RegimeId | None = None,
) -> RegimeId:
    """The regime a case's formal stage runs under.

    A case that has one recorded keeps it, whatever has commenced since. Otherwise the newest
    regime whose configured commencement date is on or before the day the formal stage begins;
    with no date configured, or the day before every date, the law in force today.
    """
    if recorded is not None:
        return recorded
    commenced = [
        (day, regime) for regime, day in commences_on.items() if day <= formal_stage_begins_on
    ]
    return max(commenced)[1] if commenced else CURRENT


class RegimeConfigError(ValueError):
    """The regimes file is missing, is not TOML, or breaks a rule; each problem names its key."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def load_regimes(path: Path, commences_on: Mapping[RegimeId, date]) -> RegimeTable:
    """Read config/regimes.toml, with the commencement dates the council configured."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise RegimeConfigError(path, ["file not found"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise RegimeConfigError(path, [f"not valid TOML: {exc}"]) from exc
    try:
        return RegimeTable.model_validate({**raw, "commences_on": dict(commences_on)})
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}".lstrip(": ")
            for error in exc.errors()
        ]
        raise RegimeConfigError(path, problems) from exc
