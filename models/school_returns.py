"""School returns read from CSV: deletion returns (reg 13(4)) and new-pupil returns (reg 13(1)).

Regulation 13 of the School Attendance (Pupil Registration) (England) Regulations 2024 (SI 2024/208)
makes schools tell the local authority when they delete a pupil from the admission register and when
they admit a new one (docs/domain.md#referral-sources, #deletion-grounds). The returns arrive as
CSV files; the columns are documented in docs/school-returns.md.

Bad input loses nothing (docs/design.md#bad-input). A file that cannot be read at all (empty, too
large, not CSV, missing or unknown columns) raises `FileRejected`. Otherwise every good row is
returned with its line number and every bad row becomes one `RowProblem` per fault, naming the
line, the column and the problem, never a personal value, with the row as read kept for the
quarantine report.

"Today" is passed in; nothing here reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from models import enums
from models.csv_text import FileRejected, read_csv_text, records
from models.enums import LabelledEnum, Sex
from models.matching import ChildIdentity
from models.postcode import normalise_postcode
from models.school_age import compulsory_school_age_start, school_leaving_date

__all__ = [
    "DELETION_RETURN_COLUMNS",
    "NEW_PUPIL_RETURN_COLUMNS",
    "ROW_FIELD",
    "DeletionGroundLetter",
    "DeletionReturnRow",
    "FileRejected",
    "NewPupilReturnRow",
    "ReadResult",
    "RowProblem",
    "parse_deletion_ground",
    "parse_return_date",
    "read_deletion_return",
    "read_new_pupil_return",
]

DEFAULT_MAX_BYTES = 5_000_000
"""The default of ``intake.max_file_mb`` (5 MB), for callers without the configuration: one limit,
the one the docs state (tests/unit/test_school_returns.py holds them together)."""
ROW_FIELD = "(row)"
"""The field of a problem with the whole row (wrong number of cells, repeat of an earlier row)."""
LIST_SEPARATOR = ";"


class DeletionGroundLetter(LabelledEnum):
    """The reg 9(1) ground a school deleted a pupil on, as the school's return states it."""

    A_REGISTERED_ELSEWHERE = "a"
    B_NURSERY_COMPLETED = "b"
    C_DUAL_REGISTRATION_ENDED = "c"
    D_SAO_AMENDED = "d"
    E_SAO_REVOKED = "e"
    F_ELECTIVE_HOME_EDUCATION = "f"
    G_MOVED_AWAY = "g"
    H_NOT_RETURNED_AFTER_LEAVE = "h"
    I_CONTINUOUS_ABSENCE_20_DAYS = "i"
    J_DETAINED = "j"
    K_DIED = "k"
    L_CEASES_COMPULSORY_SCHOOL_AGE = "l"
    M_BOARDER_FEES_UNPAID = "m"
    N_LEFT_INDEPENDENT_OR_SPECIAL_SCHOOL = "n"
    O_PERMANENTLY_EXCLUDED = "o"
    UNKNOWN = "unknown"  # not stated or not known: treated as a CME case

    @property
    def label(self) -> str:
        return _GROUND_LABELS[self]

    @property
    def as_claimed(self) -> str:
        """The label without the joint-enquiries condition of (h) and (i): how a removal the LA
        does not accept is named, since its enquiries were not made."""
        return self.label.removesuffix(" after joint enquiries")

    @property
    def referral_ground(self) -> enums.DeletionGround | None:
        """The case record's ground (models.enums, "9_1_g"); None when not known."""
        if self is DeletionGroundLetter.UNKNOWN:
            return None
        return enums.DeletionGround(f"9_1_{self.value}")

    @property
    def needs_joint_enquiries(self) -> bool:
        """Reg 9(1)(h) and (i): the school and the LA must first have jointly made enquiries."""
        return self in (
            DeletionGroundLetter.H_NOT_RETURNED_AFTER_LEAVE,
            DeletionGroundLetter.I_CONTINUOUS_ABSENCE_20_DAYS,
        )


# Reg 9(1) SI 2024/208, headings from Torbay's 2024-regs deletion form
# (docs/domain.md#deletion-grounds).
_GROUND_LABELS: dict[DeletionGroundLetter, str] = {
    DeletionGroundLetter.A_REGISTERED_ELSEWHERE: "9(1)(a) registered at another school",
    DeletionGroundLetter.B_NURSERY_COMPLETED: "9(1)(b) completed nursery education, not returning",
    DeletionGroundLetter.C_DUAL_REGISTRATION_ENDED: "9(1)(c) dual registration ended",
    DeletionGroundLetter.D_SAO_AMENDED: "9(1)(d) SAO amended to name another school",
    DeletionGroundLetter.E_SAO_REVOKED: "9(1)(e) SAO revoked, education arranged otherwise",
    DeletionGroundLetter.F_ELECTIVE_HOME_EDUCATION: (
        "9(1)(f) parent notified home education in writing"
    ),
    DeletionGroundLetter.G_MOVED_AWAY: "9(1)(g) no longer lives within reasonable distance",
    DeletionGroundLetter.H_NOT_RETURNED_AFTER_LEAVE: (
        "9(1)(h) not returned 10 school days after leave, whereabouts unknown after joint enquiries"
    ),
    DeletionGroundLetter.I_CONTINUOUS_ABSENCE_20_DAYS: (
        "9(1)(i) continuously absent 20 school days, whereabouts unknown after joint enquiries"
    ),
    DeletionGroundLetter.J_DETAINED: (
        "9(1)(j) detained for 4 months or more, not expected to return"
    ),
    DeletionGroundLetter.K_DIED: "9(1)(k) died",
    DeletionGroundLetter.L_CEASES_COMPULSORY_SCHOOL_AGE: (
        "9(1)(l) ceases to be of compulsory school age before the school next meets"
    ),
    DeletionGroundLetter.M_BOARDER_FEES_UNPAID: "9(1)(m) boarder, boarding fees unpaid",
    DeletionGroundLetter.N_LEFT_INDEPENDENT_OR_SPECIAL_SCHOOL: (
        "9(1)(n) ceased to be a pupil of an independent or non-maintained special school"
    ),
    DeletionGroundLetter.O_PERMANENTLY_EXCLUDED: "9(1)(o) permanently excluded",
    DeletionGroundLetter.UNKNOWN: "Ground not stated or not known",
}

_GROUND = re.compile(
    r"(?:reg(?:ulation)?\.?\s*)?"  # "reg 9(1)(g)"
    r"(?:9\s*\(\s*1\s*\)\s*|9_1_|9\.1\.)?"  # "9(1)(g)", "9_1_g", "9.1.g"
    r"\(?\s*(?P<letter>[a-o])\s*\)?",
    re.IGNORECASE,
)
_UNKNOWN_GROUND = {"", "unknown", "not known", "not stated", "u", "?"}


def parse_deletion_ground(text: str) -> DeletionGroundLetter:
    """ "g", "(g)", "9(1)(g)", "reg 9(1)(g)", "9_1_g" -> G; blank or "unknown" -> UNKNOWN."""
    cleaned = " ".join(text.split())
    if cleaned.lower() in _UNKNOWN_GROUND:
        return DeletionGroundLetter.UNKNOWN
    match = _GROUND.fullmatch(cleaned)
    if match is None:
        raise ValueError(
            "not a reg 9(1) deletion ground: give the letter a to o (e.g. g or 9(1)(g)), or unknown"
        )
    return DeletionGroundLetter(match["letter"].lower())


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?")
_UK_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?: 00:00(?::00)?)?")
_TWO_DIGIT_YEAR = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2}")


def parse_return_date(text: str) -> date:
    """ISO (2015-03-14) or UK day first (14/03/2015, 14-03-2015, 14.03.2015); a midnight time
    from a spreadsheet export is allowed. Raises ValueError naming the problem (not the value)."""
    cleaned = text.strip()
    if iso := _ISO_DATE.fullmatch(cleaned):
        year, month, day = (int(part) for part in iso.groups())
    elif uk := _UK_DATE.fullmatch(cleaned):
        day, month, year = (int(part) for part in uk.groups())
    elif _TWO_DIGIT_YEAR.fullmatch(cleaned):
        raise ValueError("the year has two digits: give four (DD/MM/YYYY or YYYY-MM-DD)")
    else:
        raise ValueError("not a date: use DD/MM/YYYY or YYYY-MM-DD")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("no such date (check the day and the month)") from None


def _error(message: str) -> PydanticCustomError:
    return PydanticCustomError("school_return", message)


def _today(info: ValidationInfo) -> date | None:
    today = info.context.get("today") if isinstance(info.context, Mapping) else None
    return today if isinstance(today, date) else None


def _list(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(LIST_SEPARATOR) if part.strip())
    return value


_PHONE = re.compile(r"\+?[0-9 ()-]{7,20}")
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}
_SEX = {
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "u": Sex.NOT_KNOWN,
    "unknown": Sex.NOT_KNOWN,
    "not known": Sex.NOT_KNOWN,
    "not_known": Sex.NOT_KNOWN,
}


class _ReturnRow(BaseModel):
    """What both returns say about the pupil and the school."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    EVENT_FIELD: ClassVar[str] = ""  # the date the age is checked on (deletion or admission)

    pupil_forenames: str = Field(max_length=200, description="Legal forename(s).")
    pupil_surname: str = Field(max_length=200, description="Legal surname.")
    pupil_aliases: tuple[str, ...] = Field(
        default=(), description="Other names the pupil is known by, separated by ';'."
    )
    address: str = Field(max_length=500, description="The pupil's address.")
    postcode: str = Field(
        description=(
            "UK postcode of that address, normalised (AL1 3ER), or an NHS pseudo-postcode "
            "(ZZ99 3VZ no fixed abode, ZZ99 3WZ address not known)."
        )
    )
    school_name: str = Field(max_length=200, description="The school making the return.")
    school_urn: str = Field(description="Its Unique Reference Number, 6 digits.")

    @field_validator("pupil_forenames", "pupil_surname", "address", "school_name", mode="before")
    @classmethod
    def _required_text(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise _error("required: the cell is empty")
        return value

    @field_validator("pupil_aliases", mode="before")
    @classmethod
    def _aliases(cls, value: Any) -> Any:
        return _list(value)

    @field_validator("postcode", mode="before")
    @classmethod
    def _postcode(cls, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise _error("required: the cell is empty")
        try:
            return normalise_postcode(value)
        except ValueError:
            # normalise_postcode's message repeats the value: a personal value, not reported.
            raise _error(
                "not a valid UK postcode (expected an outward and an inward code, e.g. SG1 1AA)"
            ) from None

    @field_validator("school_urn", mode="before")
    @classmethod
    def _urn(cls, value: Any) -> Any:
        return _checked_urn(value, required=True)

    @field_validator("date_of_birth", mode="before", check_fields=False)
    @classmethod
    def _parse_birth(cls, value: Any) -> Any:
        return _parsed_date(value, required=True)

    @field_validator("date_of_birth", check_fields=False)
    @classmethod
    def _birth_fits_event(cls, value: date, info: ValidationInfo) -> date:
        today = _today(info)
        if today is not None and value > today:
            raise _error("in the future")
        event = info.data.get(cls.EVENT_FIELD)
        if isinstance(event, date):
            cls._check_age(value, event, info.data)
        return value

    @classmethod
    def _check_age(cls, born: date, on: date, data: Mapping[str, Any]) -> None:
        event = cls.EVENT_FIELD.replace("_", " ")
        if on < born:
            raise _error(f"after the {event}")
        below, above = _outside_compulsory_school_age(born, on)
        if below or above:
            raise _error(
                f"the pupil was not of compulsory school age on the {event} "
                f"({'below' if below else 'above'} it; Education Act 1996 s8)"
            )

    def _identity(self, date_of_birth: date) -> ChildIdentity:
        return ChildIdentity(
            forenames=self.pupil_forenames,
            surname=self.pupil_surname,
            date_of_birth=date_of_birth,
            postcode=self.postcode,
            aliases=self.pupil_aliases,
        )


def _outside_compulsory_school_age(born: date, on: date) -> tuple[bool, bool]:
    """(below, above) compulsory school age on `on`: Education Act 1996 s8 (models/school_age)."""
    return on < compulsory_school_age_start(born), on > school_leaving_date(born)


def _parsed_date(value: Any, *, required: bool) -> Any:
    if isinstance(value, date) or (value is None and not required):
        return value
    if not isinstance(value, str) or not value.strip():
        if required:
            raise _error("required: the cell is empty")
        return None
    try:
        return parse_return_date(value)
    except ValueError as error:
        raise _error(str(error)) from None


def _checked_urn(value: Any, *, required: bool) -> Any:
    if not isinstance(value, str) or not value.strip():
        if required:
            raise _error("required: the cell is empty")
        return None
    urn = value.strip()
    if not re.fullmatch(r"[0-9]{6}", urn):
        raise _error("not a school URN (6 digits)")
    return urn


def _not_future(value: date | None, info: ValidationInfo) -> date | None:
    today = _today(info)
    if value is not None and today is not None and value > today:
        raise _error("in the future")
    return value


class DeletionReturnRow(_ReturnRow):
    """One pupil deleted from the admission register: reg 13(4) SI 2024/208.

    The fields are declared in validation order: the ground and the deletion date come before the
    date of birth, so a compulsory-school-age problem is reported against the date of birth.
    """

    EVENT_FIELD: ClassVar[str] = "deletion_date"

    deletion_ground: DeletionGroundLetter = Field(
        description="Reg 9(1) ground a to o, or unknown (blank is read as unknown)."
    )
    deletion_date: date = Field(description="The day the name was deleted; not after today.")
    date_of_birth: date = Field(description="The pupil's date of birth.")
    sex: Sex | None = Field(default=None, description="female, male or not known.")
    parent_carer_names: tuple[str, ...] = Field(default=(), description="';'-separated.")
    parent_carer_addresses: tuple[str, ...] = Field(default=(), description="';'-separated.")
    parent_carer_phones: tuple[str, ...] = Field(default=(), description="';'-separated.")
    destination_school: str | None = Field(default=None, max_length=200)
    destination_school_urn: str | None = Field(default=None)
    destination_local_authority: str | None = Field(default=None, max_length=200)
    destination_country: str | None = Field(default=None, max_length=100)
    joint_reasonable_enquiries_made: bool | None = Field(
        default=None, description="Reg 9(1)(h)/(i): yes or no; blank is not stated."
    )
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("deletion_ground", mode="before")
    @classmethod
    def _ground(cls, value: Any) -> Any:
        if value is None:
            return DeletionGroundLetter.UNKNOWN
        if isinstance(value, str):
            try:
                return parse_deletion_ground(value)
            except ValueError as error:
                raise _error(str(error)) from None
        return value

    @field_validator("deletion_date", mode="before")
    @classmethod
    def _parse_deletion_date(cls, value: Any) -> Any:
        return _parsed_date(value, required=True)

    @field_validator("deletion_date")
    @classmethod
    def _deletion_not_future(cls, value: date, info: ValidationInfo) -> date:
        _not_future(value, info)
        return value

    @classmethod
    def _check_age(cls, born: date, on: date, data: Mapping[str, Any]) -> None:
        """Reg 9(1) is about pupils of compulsory school age, with two expected exceptions."""
        ground = data.get("deletion_ground")
        below, above = _outside_compulsory_school_age(born, on)
        if on >= born and below and ground is DeletionGroundLetter.B_NURSERY_COMPLETED:
            return  # (b) nursery leavers are usually below compulsory school age
        end_of_that_summer = date(school_leaving_date(born).year, 8, 31)
        if (
            above
            and on <= end_of_that_summer
            and ground is DeletionGroundLetter.L_CEASES_COMPULSORY_SCHOOL_AGE
        ):
            return  # (l) deleted at the end of the summer term in which compulsory school age ends
        super()._check_age(born, on, data)

    def identity(self) -> ChildIdentity:
        """The pupil as the matcher sees them."""
        return self._identity(self.date_of_birth)

    @field_validator(
        "destination_school",
        "destination_local_authority",
        "destination_country",
        "notes",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("destination_school_urn", mode="before")
    @classmethod
    def _destination_urn(cls, value: Any) -> Any:
        return _checked_urn(value, required=False)

    @field_validator("sex", mode="before")
    @classmethod
    def _sex(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        sex = _SEX.get(" ".join(value.lower().split()))
        if sex is None:
            raise _error("not a sex: use female, male or not known (F, M, U)")
        return sex

    @field_validator("parent_carer_names", "parent_carer_addresses", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _list(value)

    @field_validator("parent_carer_phones", mode="before")
    @classmethod
    def _phones(cls, value: Any) -> Any:
        phones = _list(value)
        if isinstance(phones, tuple):
            for position, phone in enumerate(phones, start=1):
                if not _PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 7:
                    raise _error(f"entry {position} is not a telephone number")
        return phones

    @field_validator("joint_reasonable_enquiries_made", mode="before")
    @classmethod
    def _yes_no(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        answer = value.strip().lower()
        if not answer:
            return None
        if answer in _TRUE:
            return True
        if answer in _FALSE:
            return False
        raise _error("not yes or no")


_UPN = re.compile(r"[A-Z][0-9]{11}[0-9A-Z]")


class NewPupilReturnRow(_ReturnRow):
    """One pupil entered on the admission register: reg 13(1) SI 2024/208."""

    EVENT_FIELD: ClassVar[str] = "admission_date"

    admission_date: date = Field(description="The day the name was entered; not after today.")
    date_of_birth: date = Field(description="The pupil's date of birth.")
    upn: str | None = Field(default=None, description="Unique Pupil Number, 13 characters.")

    def identity(self) -> ChildIdentity:
        """The pupil as the matcher sees them."""
        return self._identity(self.date_of_birth)

    @classmethod
    def _check_age(cls, born: date, on: date, data: Mapping[str, Any]) -> None:
        """Reg 13(1) covers every name entered on the admission register, whatever the age: a
        nursery child or a sixth-former on a new-pupil return is a good row (it simply matches no
        CME case, all of whom are of compulsory school age). Only an admission before birth is
        wrong."""
        if on < born:
            raise _error(f"after the {cls.EVENT_FIELD.replace('_', ' ')}")

    @field_validator("admission_date", mode="before")
    @classmethod
    def _parse_admission_date(cls, value: Any) -> Any:
        return _parsed_date(value, required=True)

    @field_validator("admission_date")
    @classmethod
    def _admission_not_future(cls, value: date, info: ValidationInfo) -> date:
        _not_future(value, info)
        return value

    @field_validator("upn", mode="before")
    @classmethod
    def _upn(cls, value: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            return None
        upn = value.strip().upper()
        if not _UPN.fullmatch(upn):
            raise _error("not a UPN (a letter, 11 digits, then a digit or letter)")
        return upn


# --- columns -----------------------------------------------------------------------------------

DELETION_RETURN_COLUMNS: tuple[str, ...] = (
    "pupil_forenames",
    "pupil_surname",
    "pupil_aliases",
    "date_of_birth",
    "sex",
    "address",
    "postcode",
    "parent_carer_names",
    "parent_carer_addresses",
    "parent_carer_phones",
    "school_name",
    "school_urn",
    "deletion_ground",
    "deletion_date",
    "destination_school",
    "destination_school_urn",
    "destination_local_authority",
    "destination_country",
    "joint_reasonable_enquiries_made",
    "notes",
)
"""The deletion return's columns in template order (docs/school-returns.md)."""

DELETION_RETURN_REQUIRED: frozenset[str] = frozenset(
    {
        "pupil_forenames",
        "pupil_surname",
        "date_of_birth",
        "address",
        "postcode",
        "school_name",
        "school_urn",
        "deletion_ground",
        "deletion_date",
    }
)

NEW_PUPIL_RETURN_COLUMNS: tuple[str, ...] = (
    "pupil_forenames",
    "pupil_surname",
    "pupil_aliases",
    "date_of_birth",
    "address",
    "postcode",
    "school_name",
    "school_urn",
    "admission_date",
    "upn",
)
"""The new-pupil return's columns in template order (docs/school-returns.md)."""

NEW_PUPIL_RETURN_REQUIRED: frozenset[str] = frozenset(NEW_PUPIL_RETURN_COLUMNS) - {
    "pupil_aliases",
    "upn",
}

# Headings an MIS or a person commonly writes instead of the canonical name (after column_key).
_SYNONYMS: dict[str, str] = {
    "forenames": "pupil_forenames",
    "forename": "pupil_forenames",
    "first_names": "pupil_forenames",
    "first_name": "pupil_forenames",
    "pupil_forename": "pupil_forenames",
    "surname": "pupil_surname",
    "last_name": "pupil_surname",
    "aliases": "pupil_aliases",
    "known_as": "pupil_aliases",
    "dob": "date_of_birth",
    "urn": "school_urn",
    "ground": "deletion_ground",
    "reason": "deletion_ground",
    "date_of_deletion": "deletion_date",
    "date_of_admission": "admission_date",
    "admission": "admission_date",
    "joint_enquiries_made": "joint_reasonable_enquiries_made",
    "joint_reasonable_enquiries": "joint_reasonable_enquiries_made",
}


def _known(columns: tuple[str, ...]) -> dict[str, str]:
    known = {column: column for column in columns}
    known.update({k: v for k, v in _SYNONYMS.items() if v in columns})
    return known


# --- reading -----------------------------------------------------------------------------------

R = TypeVar("R", bound=_ReturnRow)


@dataclass(frozen=True)
class RowProblem:
    """One fault in one row, for the quarantine report: never a personal value in `problem`."""

    row: int  # the file line the row starts on: the header is line 1 (2 after a "sep=" line)
    field: str  # the column name (ROW_FIELD for the row as a whole)
    problem: str
    raw: dict[str, str]  # the row as read, by column name

    @property
    def message(self) -> str:
        return f"row {self.row}, {self.field}: {self.problem}"


@dataclass(frozen=True)
class ReadResult(Generic[R]):
    rows: list[tuple[int, R]]
    problems: list[RowProblem]
    encoding: str
    delimiter: str

    @property
    def problem_rows(self) -> list[int]:
        """The lines with at least one problem, in file order (each is quarantined whole)."""
        return sorted({problem.row for problem in self.problems})


def _field_of(error: Mapping[str, Any]) -> str:
    location = error.get("loc") or ()
    return str(location[0]) if location else ROW_FIELD


def _raw_of(header: tuple[str, ...], cells: list[str]) -> dict[str, str]:
    raw = dict(zip(header, cells, strict=False))
    for position, cell in enumerate(cells[len(header) :], start=len(header) + 1):
        raw[f"(extra cell {position})"] = cell
    return raw


def _read(
    data: bytes,
    *,
    today: date,
    max_bytes: int,
    model: type[R],
    columns: tuple[str, ...],
    required: frozenset[str],
) -> ReadResult[R]:
    csv_text = read_csv_text(data, max_bytes=max_bytes, known=_known(columns), required=required)
    header = csv_text.header
    width = len(header)
    rows: list[tuple[int, R]] = []
    problems: list[RowProblem] = []
    first_seen: dict[tuple[str, ...], int] = {}
    seen_any = False
    for line, cells in records(csv_text):
        seen_any = True
        if len(cells) > width and not any(cell.strip() for cell in cells[width:]):
            cells = cells[:width]  # empty trailing cells a spreadsheet saved: nothing is lost
        raw = _raw_of(header, cells)
        if len(cells) != width:
            problems.append(
                RowProblem(
                    line,
                    ROW_FIELD,
                    f"has {len(cells)} cells; the header has {width} columns "
                    "(a missing or extra delimiter, or an unquoted delimiter inside a cell?)",
                    raw,
                )
            )
            continue
        fingerprint = tuple(cell.strip() for cell in cells)
        if fingerprint in first_seen:
            problems.append(
                RowProblem(line, ROW_FIELD, f"repeats row {first_seen[fingerprint]} exactly", raw)
            )
            continue
        first_seen[fingerprint] = line
        try:
            rows.append((line, model.model_validate(raw, context={"today": today})))
        except ValidationError as invalid:
            problems.extend(
                RowProblem(line, _field_of(error), error["msg"], raw)
                for error in invalid.errors(include_url=False, include_input=False)
            )
    if not seen_any:
        raise FileRejected("the file has a header but no rows")
    return ReadResult(rows, problems, csv_text.encoding, csv_text.delimiter)


def read_deletion_return(
    data: bytes, *, today: date, max_bytes: int = DEFAULT_MAX_BYTES
) -> ReadResult[DeletionReturnRow]:
    """Read a school's deletion return (reg 13(4)): good rows and one problem per fault."""
    return _read(
        data,
        today=today,
        max_bytes=max_bytes,
        model=DeletionReturnRow,
        columns=DELETION_RETURN_COLUMNS,
        required=DELETION_RETURN_REQUIRED,
    )


def read_new_pupil_return(
    data: bytes, *, today: date, max_bytes: int = DEFAULT_MAX_BYTES
) -> ReadResult[NewPupilReturnRow]:
    """Read a school's new-pupil return (reg 13(1)): good rows and one problem per fault."""
    return _read(
        data,
        today=today,
        max_bytes=max_bytes,
        model=NewPupilReturnRow,
        columns=NEW_PUPIL_RETURN_COLUMNS,
        required=NEW_PUPIL_RETURN_REQUIRED,
    )
