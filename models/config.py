"""The team, its DSPL areas, its contacts and its process knobs, read from a versioned TOML file.

The file is data, not code (docs/design.md#configuration): officers, emails, areas, the
postcode-to-DSPL map and process periods change without a release. Every case records the file's
``version``. Keys are documented in config/README.md.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from models.enums import ReferrerType
from models.matching import MIN_NEAR_THRESHOLD, MatchThresholds
from models.postcode import normalise_uk_postcode, outward_code, sector
from models.regime import CURRENT, SHIPPED_REGIMES, RegimeId

DSPL_AREAS = range(1, 10)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# An outward code ("AL9", "WD23", "EC1A") or a sector ("AL9 7").
_PREFIX = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?( [0-9])?$")


def _check_email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{value!r} is not an id (use lower-case letters, digits and hyphens)")
    return value


def _check_urn(value: str) -> str:
    if not re.fullmatch(r"[0-9]{6}", value):
        raise ValueError(f"{value!r} is not a school URN (6 digits)")
    return value


def _normalise_school_postcode(value: str) -> str:
    return normalise_uk_postcode(value)


def _normalise_prefix(value: str) -> str:
    normalised = " ".join(value.upper().split())
    if not _PREFIX.match(normalised):
        raise ValueError(f"{value!r} is not a postcode district ('AL9') or sector ('AL9 7')")
    return normalised


Email = Annotated[str, AfterValidator(_check_email)]
PersonId = Annotated[str, AfterValidator(_check_id)]
DsplArea = Annotated[int, Field(ge=1, le=9)]
PostcodePrefix = Annotated[str, AfterValidator(_normalise_prefix)]
SchoolUrn = Annotated[str, AfterValidator(_check_urn)]
SchoolPostcode = Annotated[str, AfterValidator(_normalise_school_postcode)]


def _config_error(message: str) -> PydanticCustomError:
    return PydanticCustomError("cme_config", message)


def _resolve(path: Path, info: ValidationInfo) -> Path:
    """Relative paths are relative to the configuration file's folder, not the working directory."""
    config_dir = info.context.get("config_dir") if isinstance(info.context, dict) else None
    if path.is_absolute() or config_dir is None:
        return path
    return (Path(config_dir) / path).resolve()


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Person(_Section):
    """Someone who can be allocated a case or sign in: a role, never a private individual."""

    id: PersonId = Field(description="Stable id recorded on cases and decisions.")
    display_name: str = Field(min_length=1, max_length=100, description="Name shown in the UI.")
    email: Email = Field(description="Where reminders and escalations go.")


class Officer(Person):
    """A CME officer and the DSPL areas whose new cases they take."""

    dspl_areas: tuple[DsplArea, ...] = Field(min_length=1, description="DSPL areas covered.")
    absent: bool = Field(default=False, description="While true, new cases go to their cover.")

    @field_validator("dspl_areas")
    @classmethod
    def _no_repeated_area(cls, areas: tuple[int, ...]) -> tuple[int, ...]:
        if len(set(areas)) != len(areas):
            raise ValueError(f"an area is listed twice in {list(areas)}")
        return areas


class Contact(_Section):
    name: str = Field(min_length=1, max_length=200)
    email: Email


class Contacts(_Section):
    """The partners the casework notifies (docs/domain.md#immediate-escalation)."""

    mash: Contact
    police: Contact
    ehe_team: Contact
    legal_services: Contact
    admissions: Contact
    team_inbox: Contact


class DsplMap(_Section):
    """Home postcode to DSPL area (docs/domain.md#dspl-areas): the longest matching prefix wins."""

    areas: dict[DsplArea, tuple[PostcodePrefix, ...]]
    out_of_county: tuple[PostcodePrefix, ...] = ()

    @model_validator(mode="after")
    def _each_prefix_once(self) -> Self:
        seen: dict[str, str] = {}
        listed = [(f"areas.{area}", p) for area, ps in self.areas.items() for p in ps]
        listed += [("out_of_county", p) for p in self.out_of_county]
        for where, prefix in listed:
            if prefix in seen:
                raise _config_error(f"{prefix!r} is listed in both {seen[prefix]} and {where}")
            seen[prefix] = where
        return self

    def area_for(self, *, outward: str, sector: str) -> int | None:
        """The DSPL area of a postcode given its outward code and sector; None: out of county."""
        for prefix in (sector, outward):
            if prefix in self.out_of_county:
                return None
            for area, prefixes in self.areas.items():
                if prefix in prefixes:
                    return area
        return None


class Extracts(_Section):
    """The nightly CSV extracts the referral check searches."""

    pupil_roll: Path = Field(description="Pupil roll CSV (every Herts school's registered pupils).")
    ehe_register: Path = Field(description="Elective home education register CSV.")
    # Optional so a configuration written before consent to withdraw (s434A) still loads.
    child_protection: Path | None = Field(
        default=None,
        description="Children's social care CSV: children subject to s47 enquiries or a child "
        "protection plan (s434A Condition B); columns forenames, surname, date_of_birth, "
        "postcode, status (s47_enquiry or child_protection_plan).",
    )

    @field_validator("pupil_roll", "ehe_register")
    @classmethod
    def _relative_to_config(cls, path: Path, info: ValidationInfo) -> Path:
        return _resolve(path, info)

    @field_validator("child_protection")
    @classmethod
    def _optional_relative_to_config(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        return None if path is None else _resolve(path, info)


class Process(_Section):
    """Practice periods and counts; the statutory periods are in the calendar file."""

    max_home_visits: int = Field(ge=1, le=10)
    reminder_days_before_due: int = Field(ge=0, le=60)
    escalate_after_days_overdue: int = Field(ge=0, le=60)
    # Defaulted so a configuration written before the sweep repeated notices still loads.
    repeat_every_days: int = Field(default=7, ge=1, le=90)


class Intake(_Section):
    """School returns: where schools' files arrive and who the triage hands children to."""

    drop_folder: Path = Field(
        default=Path("intake/deletion-returns"),
        description="Folder swept for deletion returns; relative paths resolve against CME_HOME.",
    )
    new_pupil_folder: Path = Field(
        default=Path("intake/new-pupil-returns"),
        description="Folder swept for new-pupil returns (reg 13(1)); relative to CME_HOME.",
    )
    max_file_mb: float = Field(
        default=5, gt=0, le=100, description="A larger file is rejected whole, unread."
    )
    s19_team: Contact = Field(
        description="Arranges s19 provision for permanently excluded pupils (reg 9(1)(o))."
    )
    school_contacts: dict[str, Email] = Field(
        default_factory=dict,
        description="School URN -> attendance email for flags back to the school.",
    )

    @field_validator("school_contacts")
    @classmethod
    def _urns_are_six_digits(cls, contacts: dict[str, str]) -> dict[str, str]:
        for urn in contacts:
            if not re.fullmatch(r"[0-9]{6}", urn):
                raise ValueError(f"{urn!r} is not a school URN (6 digits)")
        return contacts

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    def drop_folder_in(self, home: Path) -> Path:
        """The drop folder, a relative path resolved against the state folder."""
        return self.drop_folder if self.drop_folder.is_absolute() else home / self.drop_folder

    def new_pupil_folder_in(self, home: Path) -> Path:
        """The new-pupil drop folder, a relative path resolved against the state folder."""
        folder = self.new_pupil_folder
        return folder if folder.is_absolute() else home / folder


class MatchingConfig(_Section):
    """Intake child matching (models/matching.py): when a match links, when it is reviewed."""

    certain: float = Field(
        default=0.9, ge=MIN_NEAR_THRESHOLD, le=1.0, description="Link to the case at or above."
    )
    near: float = Field(
        default=0.75, ge=MIN_NEAR_THRESHOLD, le=1.0, description="Send to review at or above."
    )

    @model_validator(mode="after")
    def _near_not_above_certain(self) -> Self:
        if self.near > self.certain:
            raise _config_error(
                f"matching.near ({self.near}) must not be above matching.certain ({self.certain})"
            )
        return self

    @property
    def thresholds(self) -> MatchThresholds:
        return MatchThresholds(certain=self.certain, near=self.near)


# Referrers who get a closing letter when a case closes: a named person who is owed an answer.
# Not anonymous referrers (no identity), not deletion returns (the school's own system) and not
# internal teams (they read the case record).
DEFAULT_CLOSING_LETTER_REFERRERS = (
    ReferrerType.MEMBER_OF_PUBLIC,
    ReferrerType.SCHOOL,
    ReferrerType.AGENCY,
    ReferrerType.OTHER_LOCAL_AUTHORITY,
)


class Letters(_Section):
    """What every letter carries: letterhead, signatory and addresses (config/README.md)."""

    council_name: str = Field(default="Hertfordshire County Council", min_length=1)
    service_name: str = Field(
        default="Children Missing Education team, Virtual School", min_length=1
    )
    council_address: tuple[str, ...] = Field(
        default=("County Hall", "Pegs Lane", "Hertford", "SG13 8DE"),
        min_length=1,
        description="The letterhead's address, one line per entry.",
    )
    return_address: tuple[str, ...] = Field(
        default=("Children Missing Education team", "County Hall", "Pegs Lane", "Hertford",
                 "SG13 8DE"),
        min_length=1,
        description="Where the parent writes back to.",
    )  # fmt: skip
    telephone: str = Field(default="0300 123 4043", min_length=1)
    email: Email = Field(default="csf.cme@example.gov.uk")
    signatory_name: str = Field(default="CME Team Lead", min_length=1)
    signatory_title: str = Field(
        default="Children Missing Education Team Lead, for the Director of Children's Services",
        min_length=1,
    )
    legal_services_address: tuple[str, ...] = Field(
        default=("Legal Services (education)", "County Hall", "Pegs Lane", "Hertford",
                 "SG13 8DE"),
        min_length=1,
    )  # fmt: skip
    closing_letter_referrers: tuple[ReferrerType, ...] = Field(
        default=DEFAULT_CLOSING_LETTER_REFERRERS,
        description="Referrer types that get a closing letter when the case closes.",
    )


class Regimes(_Section):
    """The legal regimes (models/regime.py): their file, and the days the council sets for them to
    commence (none by default: every case runs under the law in force today)."""

    file: Path | None = Field(
        default=None,
        description="Each regime's steps, citations and periods; the release's own file "
        "(config/regimes.toml in the product) unless set: the law ships with the release.",
    )
    commences_on: dict[RegimeId, date] = Field(
        default_factory=dict,
        description="Regime -> the day it commences: a case whose formal stage begins on or "
        "after it runs under it.",
    )

    @field_validator("file")
    @classmethod
    def _relative_to_config(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        return None if path is None else _resolve(path, info)

    @field_validator("commences_on")
    @classmethod
    def _no_day_for_the_law_in_force(cls, days: dict[RegimeId, date]) -> dict[RegimeId, date]:
        if CURRENT in days:
            raise _config_error(f"{CURRENT}: the law in force has no commencement day")
        return days


class CmeConfig(_Section):
    """The whole configuration file."""

    version: str = Field(min_length=1, max_length=50, description="Recorded on every case.")
    calendar_file: Path = Field(description="Term dates and deadline table (TOML).")
    team_lead: Person
    head_of_service: Person | None = None
    officers: tuple[Officer, ...] = Field(min_length=1)
    cover: dict[PersonId, PersonId] = Field(
        default_factory=dict,
        description="Absent officer id -> the colleague who takes their cases.",
    )
    contacts: Contacts
    dspl: DsplMap
    extracts: Extracts
    process: Process
    # Optional so a configuration written before school returns were imported still loads.
    intake: Intake | None = None

    # Defaulted so a configuration written before intake matching still loads.
    matching: MatchingConfig = Field(default_factory=MatchingConfig)
    # Defaulted so a configuration written before letters existed still loads.
    letters: Letters = Field(default_factory=Letters)
    # Defaulted so a configuration written before the regimes were configuration still loads.
    regimes: Regimes = Field(default_factory=Regimes)
    # Defaulted so a configuration written before schools were listed still loads.
    schools: dict[SchoolUrn, SchoolPostcode] = Field(
        default_factory=dict,
        description=(
            "School URN -> the school's postcode: places a child with no home postcode in the "
            "last school's DSPL area."
        ),
    )

    # Defaulted so a configuration written before consent to withdraw (s434A) still loads.
    special_schools: tuple[SchoolUrn, ...] = Field(
        default=(),
        description=(
            "URNs of special schools and independent schools specially organised for SEN at "
            "which the council places pupils: s434A Condition A (docs/withdrawal-consent.md)."
        ),
    )

    @field_validator("calendar_file")
    @classmethod
    def _calendar_relative_to_config(cls, path: Path, info: ValidationInfo) -> Path:
        return _resolve(path, info)

    @model_validator(mode="after")
    def _team_is_consistent(self) -> Self:
        ids = [o.id for o in self.officers] + [self.team_lead.id]
        if self.head_of_service is not None:
            ids.append(self.head_of_service.id)
        for person_id in ids:
            if ids.count(person_id) > 1:
                raise _config_error(f"officers: the id {person_id!r} is used more than once")

        for area in DSPL_AREAS:
            covering = [o.id for o in self.officers if area in o.dspl_areas]
            if not covering:
                raise _config_error(f"officers.dspl_areas: DSPL area {area} has no officer")
            if len(covering) > 1:
                raise _config_error(
                    f"officers.dspl_areas: DSPL area {area} is covered by more than one "
                    f"officer ({', '.join(covering)})"
                )

        officer_ids = {o.id for o in self.officers}
        for absent_id, cover_id in self.cover.items():
            if absent_id not in officer_ids:
                raise _config_error(f"cover: {absent_id!r} is not an officer id")
            if cover_id not in officer_ids | {self.team_lead.id}:
                raise _config_error(
                    f"cover.{absent_id}: {cover_id!r} is neither an officer nor the team lead"
                )
            if cover_id == absent_id:
                raise _config_error(f"cover.{absent_id}: an officer cannot cover for themselves")
        return self

    @property
    def calendar_path(self) -> Path:
        return self.calendar_file

    @property
    def regimes_path(self) -> Path:
        return self.regimes.file or SHIPPED_REGIMES

    @property
    def people(self) -> tuple[Person, ...]:
        """Everyone who works cases: the answers to "who are you?" in a decision form."""
        return (*self.officers, self.team_lead)

    def officer(self, officer_id: str) -> Officer:
        for candidate in self.officers:
            if candidate.id == officer_id:
                return candidate
        raise KeyError(f"no officer with id {officer_id!r} in configuration {self.version}")

    def person(self, person_id: str) -> Person:
        for candidate in self.people:
            if candidate.id == person_id:
                return candidate
        raise KeyError(f"no person with id {person_id!r} in configuration {self.version}")

    def officer_for_dspl(self, area: int) -> Officer:
        """The officer who covers a DSPL area (validation guarantees exactly one)."""
        for candidate in self.officers:
            if area in candidate.dspl_areas:
                return candidate
        raise KeyError(f"DSPL area {area} is not covered (areas are 1 to 9)")

    def dspl_for_school(self, urn: str | None) -> int | None:
        """The DSPL area of a school by its URN, from its postcode in `[schools]`.

        None when no URN is given, the school is not listed, or it is outside the map.
        """
        postcode = self.schools.get(urn) if urn is not None else None
        return None if postcode is None else self.dspl_for_postcode(postcode)

    def dspl_for_postcode(self, postcode: str) -> int | None:
        """The DSPL area of a home postcode; None when it is out of county.

        Raises ValueError when the postcode is not a valid UK postcode.
        """
        normalised = normalise_uk_postcode(postcode)
        return self.dspl.area_for(outward=outward_code(normalised), sector=sector(normalised))


class ConfigError(ValueError):
    """The file is missing, is not TOML, or breaks a rule; each problem names its key."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def _describe(error: ErrorDetails) -> str:
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def load_config(path: Path) -> CmeConfig:
    """Read and validate the configuration file; relative paths in it resolve against its folder."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(path, ["file not found"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from exc
    try:
        return CmeConfig.model_validate(raw, context={"config_dir": path.resolve().parent})
    except ValidationError as exc:
        raise ConfigError(path, [_describe(e) for e in exc.errors()]) from exc
