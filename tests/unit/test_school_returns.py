"""Reading school returns: every good row kept, every bad row named by line, column and problem.

Every person, address and school here is fictitious.
"""

from __future__ import annotations

import csv
import io
import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from models import enums
from models.config import Intake
from models.school_returns import (
    DEFAULT_MAX_BYTES,
    DELETION_RETURN_COLUMNS,
    NEW_PUPIL_RETURN_COLUMNS,
    ROW_FIELD,
    DeletionGroundLetter,
    FileRejected,
    parse_deletion_ground,
    parse_return_date,
    read_deletion_return,
    read_new_pupil_return,
)

TODAY = date(2026, 11, 2)
TEMPLATES = Path(__file__).resolve().parents[2] / "config" / "templates"

GOOD = {
    "pupil_forenames": "Alex Sample",
    "pupil_surname": "Testchild",
    "pupil_aliases": "Alex Example; Al Testchild",
    "date_of_birth": "2015-03-14",
    "sex": "F",
    "address": "1 Example Street, St Albans",
    "postcode": "al13er",
    "parent_carer_names": "Sam Testparent",
    "parent_carer_addresses": "",
    "parent_carer_phones": "01234 567890; +44 7700 900123",
    "school_name": "Example Primary School",
    "school_urn": "999001",
    "deletion_ground": "9(1)(g)",
    "deletion_date": "30/10/2026",
    "destination_school": "",
    "destination_school_urn": "",
    "destination_local_authority": "Example Borough",
    "destination_country": "",
    "joint_reasonable_enquiries_made": "",
    "notes": "",
}
PERSONAL = ("Alex", "Testchild", "Example Street", "2015", "AL1", "al13er", "Testparent")


def row(**overrides: str) -> dict[str, str]:
    return {**GOOD, **overrides}


def as_csv(
    rows: list[dict[str, str]],
    *,
    columns: tuple[str, ...] = DELETION_RETURN_COLUMNS,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([r.get(c, "") for c in columns] for r in rows)
    return out.getvalue().encode(encoding)


def problems_of(*rows: dict[str, str]) -> list[tuple[int, str, str]]:
    result = read_deletion_return(as_csv(list(rows)), today=TODAY)
    return [(p.row, p.field, p.problem) for p in result.problems]


def rejected(data: bytes, **kwargs: int) -> str:
    with pytest.raises(FileRejected) as caught:
        read_deletion_return(data, today=TODAY, **kwargs)
    return str(caught.value)


# --- templates ---------------------------------------------------------------------------------


def test_shipped_templates_read_with_zero_problems() -> None:
    deletion = read_deletion_return(
        (TEMPLATES / "deletion-return-template.csv").read_bytes(), today=TODAY
    )
    new_pupil = read_new_pupil_return(
        (TEMPLATES / "new-pupil-return-template.csv").read_bytes(), today=TODAY
    )

    assert (len(deletion.rows), deletion.problems) == (1, [])
    assert (len(new_pupil.rows), new_pupil.problems) == (1, [])


def test_template_headers_are_the_canonical_columns_in_order() -> None:
    def header(name: str) -> tuple[str, ...]:
        return tuple((TEMPLATES / name).read_text(encoding="utf-8").splitlines()[0].split(","))

    assert header("deletion-return-template.csv") == DELETION_RETURN_COLUMNS
    assert header("new-pupil-return-template.csv") == NEW_PUPIL_RETURN_COLUMNS


# --- a good row --------------------------------------------------------------------------------


def test_a_good_row_is_read_normalised_with_its_line_number() -> None:
    result = read_deletion_return(as_csv([row()]), today=TODAY)

    assert result.problems == []
    ((line, pupil),) = result.rows
    assert line == 2
    assert pupil.postcode == "AL1 3ER"
    assert pupil.pupil_aliases == ("Alex Example", "Al Testchild")
    assert pupil.parent_carer_phones == ("01234 567890", "+44 7700 900123")
    assert pupil.parent_carer_addresses == ()
    assert pupil.deletion_ground is DeletionGroundLetter.G_MOVED_AWAY
    assert pupil.deletion_date == date(2026, 10, 30)
    assert pupil.sex is enums.Sex.FEMALE
    assert pupil.destination_school is None
    assert pupil.joint_reasonable_enquiries_made is None
    assert pupil.identity().aliases == ("Alex Example", "Al Testchild")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-03-14", date(2015, 3, 14)),
        ("14/03/2015", date(2015, 3, 14)),
        ("4/3/2015", date(2015, 3, 4)),
        ("14-03-2015", date(2015, 3, 14)),
        ("14.03.2015", date(2015, 3, 14)),
        ("2015-03-14 00:00:00", date(2015, 3, 14)),
        ("14/03/2015 00:00", date(2015, 3, 14)),
    ],
)
def test_iso_and_uk_day_first_dates_are_accepted(text: str, expected: date) -> None:
    assert parse_return_date(text) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("31/02/2015", "no such date"),
        ("2015-13-01", "no such date"),
        ("14/03/15", "the year has two digits"),
        ("March 2015", "not a date"),
        ("03/14/2015", "no such date"),
    ],
)
def test_impossible_or_unreadable_dates_are_refused_naming_the_problem(
    text: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_return_date(text)


@pytest.mark.parametrize(
    ("text", "ground"),
    [
        ("g", DeletionGroundLetter.G_MOVED_AWAY),
        ("G", DeletionGroundLetter.G_MOVED_AWAY),
        ("(h)", DeletionGroundLetter.H_NOT_RETURNED_AFTER_LEAVE),
        ("9(1)(i)", DeletionGroundLetter.I_CONTINUOUS_ABSENCE_20_DAYS),
        ("Reg 9(1)(f)", DeletionGroundLetter.F_ELECTIVE_HOME_EDUCATION),
        ("9 (1) (a)", DeletionGroundLetter.A_REGISTERED_ELSEWHERE),
        ("9_1_o", DeletionGroundLetter.O_PERMANENTLY_EXCLUDED),
        ("unknown", DeletionGroundLetter.UNKNOWN),
        ("", DeletionGroundLetter.UNKNOWN),
        ("Not known", DeletionGroundLetter.UNKNOWN),
    ],
)
def test_deletion_grounds_are_read_in_every_usual_spelling(
    text: str, ground: DeletionGroundLetter
) -> None:
    assert parse_deletion_ground(text) is ground


@pytest.mark.parametrize("text", ["z", "p", "9(2)(g)", "moved", "g h"])
def test_an_unknown_ground_code_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a reg 9\(1\) deletion ground"):
        parse_deletion_ground(text)


def test_every_ground_a_to_o_maps_to_the_case_records_ground_and_has_a_label() -> None:
    grounds = [g for g in DeletionGroundLetter if g is not DeletionGroundLetter.UNKNOWN]

    assert [g.value for g in grounds] == list("abcdefghijklmno")
    assert [g.referral_ground for g in grounds] == list(enums.DeletionGround)
    assert DeletionGroundLetter.UNKNOWN.referral_ground is None
    assert all(g.label.startswith(f"9(1)({g.value})") for g in grounds)


# --- bad rows: each named, every good row kept -------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "problem"),
    [
        ({"date_of_birth": ""}, "date_of_birth", "required: the cell is empty"),
        ({"date_of_birth": "30/02/2015"}, "date_of_birth", "no such date"),
        ({"deletion_date": "2026-11-03"}, "deletion_date", "in the future"),
        ({"date_of_birth": "2026-12-01"}, "date_of_birth", "in the future"),
        (
            {"date_of_birth": "2023-01-01"},
            "date_of_birth",
            "the pupil was not of compulsory school age on the deletion date (below it",
        ),
        (
            {"date_of_birth": "2008-01-01"},
            "date_of_birth",
            "the pupil was not of compulsory school age on the deletion date (above it",
        ),
        ({"postcode": "AL1 3E"}, "postcode", "not a valid UK postcode"),
        ({"postcode": ""}, "postcode", "required: the cell is empty"),
        ({"deletion_ground": "moved"}, "deletion_ground", "not a reg 9(1) deletion ground"),
        ({"school_urn": "12345"}, "school_urn", "not a school URN (6 digits)"),
        ({"destination_school_urn": "ABC123"}, "destination_school_urn", "not a school URN"),
        ({"pupil_surname": "  "}, "pupil_surname", "required: the cell is empty"),
        ({"sex": "boy"}, "sex", "not a sex"),
        ({"parent_carer_phones": "01234 567890; ask mum"}, "parent_carer_phones", "entry 2"),
        (
            {"joint_reasonable_enquiries_made": "maybe"},
            "joint_reasonable_enquiries_made",
            "not yes",
        ),
    ],
)
def test_a_bad_cell_is_a_problem_naming_row_and_column_and_good_rows_are_kept(
    overrides: dict[str, str], field: str, problem: str
) -> None:
    result = read_deletion_return(
        as_csv([row(pupil_forenames="Ada"), row(**overrides), row(pupil_forenames="Cleo")]),
        today=TODAY,
    )

    assert [line for line, _ in result.rows] == [2, 4]
    ((found,),) = [result.problems]
    assert (found.row, found.field) == (3, field)
    assert found.problem.startswith(problem)
    assert found.message == f"row 3, {field}: {found.problem}"
    assert found.raw["pupil_surname"] == row(**overrides)["pupil_surname"]
    assert not [value for value in PERSONAL if value.lower() in found.problem.lower()]


def test_several_faults_in_one_row_are_each_reported_and_the_row_counted_once() -> None:
    result = read_deletion_return(
        as_csv([row(postcode="nowhere", school_urn="1", deletion_ground="zz")]), today=TODAY
    )

    assert [p.field for p in result.problems] == ["postcode", "school_urn", "deletion_ground"]
    assert result.problem_rows == [2]
    assert result.rows == []


def test_nursery_leaver_below_compulsory_school_age_is_accepted_on_ground_b() -> None:
    assert problems_of(row(date_of_birth="2022-01-01", deletion_ground="b")) == []


def test_pupil_past_the_school_leaving_date_is_accepted_on_ground_l_that_summer() -> None:
    # Leaving date for a child born 1 Jan 2010: Friday 26 June 2026; deleted 20 July 2026.
    accepted = row(date_of_birth="2010-01-01", deletion_ground="l", deletion_date="2026-07-20")
    assert problems_of(accepted) == []
    assert problems_of(row(date_of_birth="2010-01-01", deletion_date="2026-07-20")) != []


def test_exact_repeat_of_an_earlier_row_is_a_problem_naming_that_row() -> None:
    result = read_deletion_return(
        as_csv([row(), row(pupil_forenames="Ada"), row(notes="  ") | {"notes": ""}, row()]),
        today=TODAY,
    )

    assert [(p.row, p.field, p.problem) for p in result.problems] == [
        (4, ROW_FIELD, "repeats row 2 exactly"),
        (5, ROW_FIELD, "repeats row 2 exactly"),
    ]
    assert [line for line, _ in result.rows] == [2, 3]


def test_a_row_with_too_many_or_too_few_cells_is_a_problem_and_kept_raw() -> None:
    good = as_csv([row()]).decode()
    header, line = good.splitlines()
    data = "\r\n".join([header, line, line + ",extra", line.rsplit(",", 2)[0], ""]).encode()

    result = read_deletion_return(data, today=TODAY)

    assert [(p.row, p.field) for p in result.problems] == [(3, ROW_FIELD), (4, ROW_FIELD)]
    assert result.problems[0].problem.startswith("has 21 cells; the header has 20 columns")
    assert result.problems[0].raw["(extra cell 21)"] == "extra"
    assert result.problems[1].problem.startswith("has 18 cells")


def test_line_numbers_count_blank_lines_and_cells_spanning_lines() -> None:
    good = as_csv([row(address="1 Example Street\nSt Albans"), row(pupil_forenames="Ada")])
    header, rest = good.split(b"\r\n", 1)
    # Line 2 is blank; the first row spans lines 3 and 4; the second is line 5.
    data = header + b"\r\n\r\n" + rest
    bad = data + b"Bo,,,2015-03-14,,x,AL1 3ER,,,,S,999001,g,2026-10-01,,,,,,\r\n"

    result = read_deletion_return(bad, today=TODAY)

    assert [line for line, _ in result.rows] == [3, 5]
    assert {p.row for p in result.problems} == {6}


# --- whole files -------------------------------------------------------------------------------


def test_windows_1252_file_from_an_mis_is_read_with_its_accents() -> None:
    data = as_csv([row(pupil_forenames="Zoë Renée")], encoding="cp1252")

    result = read_deletion_return(data, today=TODAY)

    assert result.encoding == "cp1252"
    assert result.rows[0][1].pupil_forenames == "Zoë Renée"


def test_utf8_with_byte_order_mark_and_utf16_from_excel_are_read() -> None:
    bom = read_deletion_return(as_csv([row()], encoding="utf-8-sig"), today=TODAY)
    utf16 = read_deletion_return(as_csv([row()], delimiter="\t", encoding="utf-16"), today=TODAY)

    assert (bom.encoding, len(bom.rows), bom.problems) == ("utf-8", 1, [])
    assert (utf16.encoding, utf16.delimiter, len(utf16.rows)) == ("utf-16", "\t", 1)


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_semicolons_or_tabs_instead_of_commas_are_sniffed(delimiter: str) -> None:
    result = read_deletion_return(as_csv([row()], delimiter=delimiter), today=TODAY)

    assert (result.delimiter, len(result.rows), result.problems) == (delimiter, 1, [])


def test_header_case_spacing_and_common_synonyms_do_not_matter() -> None:
    headings = [c.replace("_", " ").title() for c in DELETION_RETURN_COLUMNS]
    headings[DELETION_RETURN_COLUMNS.index("date_of_birth")] = " DOB "
    headings[DELETION_RETURN_COLUMNS.index("school_urn")] = "URN"
    body = as_csv([row()]).split(b"\r\n", 1)[1]
    data = ",".join(headings).encode() + b"\r\n" + body

    result = read_deletion_return(data, today=TODAY)

    assert (len(result.rows), result.problems) == (1, [])


def test_columns_may_come_in_any_order() -> None:
    shuffled = tuple(reversed(DELETION_RETURN_COLUMNS))

    result = read_deletion_return(as_csv([row()], columns=shuffled), today=TODAY)

    assert (len(result.rows), result.problems) == (1, [])
    assert result.rows[0][1].school_urn == "999001"


def test_excel_sep_line_names_the_delimiter_and_line_numbers_stay_file_lines() -> None:
    data = b"sep=;\r\n" + as_csv([row(), row(postcode="nowhere")], delimiter=";")

    result = read_deletion_return(data, today=TODAY)

    assert result.delimiter == ";"
    assert [line for line, _ in result.rows] == [3]
    assert [(p.row, p.field) for p in result.problems] == [(4, "postcode")]


def test_empty_trailing_columns_a_spreadsheet_saved_are_ignored() -> None:
    good = as_csv([row()]).decode()
    header, line = good.splitlines()
    data = f"{header},,\r\n{line},,\r\n{line.replace('Alex Sample', 'Ada')},\r\n".encode()

    result = read_deletion_return(data, today=TODAY)

    assert ([n for n, _ in result.rows], result.problems) == ([2, 3], [])


def test_optional_columns_may_be_left_out_of_the_header() -> None:
    required = tuple(
        c
        for c in DELETION_RETURN_COLUMNS
        if c in {"pupil_forenames", "pupil_surname", "date_of_birth", "address", "postcode"}
        or c in {"school_name", "school_urn", "deletion_ground", "deletion_date"}
    )

    result = read_deletion_return(as_csv([row()], columns=required), today=TODAY)

    assert (len(result.rows), result.problems) == (1, [])


def test_missing_required_columns_reject_the_file_naming_them() -> None:
    columns = tuple(c for c in DELETION_RETURN_COLUMNS if c not in {"postcode", "deletion_date"})

    assert rejected(as_csv([row()], columns=columns)).startswith(
        "missing required column(s): deletion_date, postcode"
    )


def test_unknown_columns_reject_the_file_naming_them_so_no_data_is_silently_dropped() -> None:
    data = as_csv([row()], columns=(*DELETION_RETURN_COLUMNS, "Destinaton School"))

    assert "unknown column(s): Destinaton School" in rejected(data)


def test_a_column_given_twice_rejects_the_file() -> None:
    data = as_csv([row()], columns=(*DELETION_RETURN_COLUMNS, "Postcode"))

    assert "column(s) given more than once: postcode" in rejected(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"  \r\n\r\n", "the file is empty"),
        (",".join(DELETION_RETURN_COLUMNS).encode() + b"\r\n", "a header but no rows"),
        (",".join(DELETION_RETURN_COLUMNS).encode() + b"\r\n,,,\r\n\r\n", "a header but no rows"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document, not a CSV file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "a zip archive (an .xlsx or .docx file?)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Office document"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "the file is binary"),
        (b"Dear CME team,\nplease find attached.\n", "not a recognised header"),
        (b"caf\x81\x8d\x8f", "not text in UTF-8 or Windows-1252"),
    ],
)
def test_a_file_that_cannot_be_read_is_rejected_whole_naming_the_problem(
    data: bytes, message: str
) -> None:
    assert message in rejected(data)


def test_a_50_mb_file_is_rejected_before_parsing_naming_size_and_limit() -> None:
    data = as_csv([row()]) + b"x" * 50_000_000

    message = rejected(data)

    assert "the file is 50,000," in message
    assert "(50.0 MB); the limit is 5,000,000 bytes (5.0 MB)" in message


def test_a_quote_never_closed_rejects_the_file_naming_the_line() -> None:
    header = ",".join(DELETION_RETURN_COLUMNS).encode()
    data = header + b'\r\n"Ada' + b"x" * 200_000 + b"\r\n"

    assert rejected(data).startswith("line 2 cannot be read as CSV")


# --- new-pupil returns -------------------------------------------------------------------------

NEW_PUPIL = {
    "pupil_forenames": "Alex Sample",
    "pupil_surname": "Testchild",
    "pupil_aliases": "",
    "date_of_birth": "14/03/2015",
    "address": "1 Example Street, St Albans",
    "postcode": "AL1 3ER",
    "school_name": "Sample Academy",
    "school_urn": "999002",
    "admission_date": "2026-10-12",
    "upn": "a123456789012",
}


def test_new_pupil_return_keeps_good_rows_and_names_bad_ones() -> None:
    rows = [
        NEW_PUPIL,
        NEW_PUPIL | {"admission_date": "2027-01-04"},
        NEW_PUPIL | {"upn": "123"},
        NEW_PUPIL | {"date_of_birth": "2026-10-13"},
        NEW_PUPIL | {"pupil_forenames": "Ada"},
    ]
    result = read_new_pupil_return(as_csv(rows, columns=NEW_PUPIL_RETURN_COLUMNS), today=TODAY)

    assert [line for line, _ in result.rows] == [2, 6]
    assert result.rows[0][1].upn == "A123456789012"
    assert result.rows[0][1].identity().date_of_birth == date(2015, 3, 14)
    assert [(p.row, p.field, p.problem.split(" (")[0]) for p in result.problems] == [
        (3, "admission_date", "in the future"),
        (4, "upn", "not a UPN"),
        (5, "date_of_birth", "after the admission date"),
    ]


def test_new_pupil_return_keeps_pupils_of_any_age_the_register_takes() -> None:
    """Reg 13(1) covers every name entered on the admission register: a nursery child and a
    sixth-former are good rows, not problems to send back to the school."""
    rows = [
        NEW_PUPIL | {"date_of_birth": "2023-05-05"},  # 3 on admission: a school nursery
        NEW_PUPIL | {"date_of_birth": "2010-03-14", "pupil_forenames": "Sam"},  # 16: year 12
    ]
    result = read_new_pupil_return(as_csv(rows, columns=NEW_PUPIL_RETURN_COLUMNS), today=TODAY)

    assert result.problems == []
    assert [pupil.date_of_birth for _, pupil in result.rows] == [
        date(2023, 5, 5),
        date(2010, 3, 14),
    ]


def test_new_pupil_return_with_deletion_columns_is_rejected() -> None:
    with pytest.raises(FileRejected, match="missing required column"):
        read_new_pupil_return(as_csv([row()]), today=TODAY)


def test_the_size_limit_is_one_figure_in_the_docs_the_config_and_the_reader() -> None:
    root = Path(__file__).resolve().parents[2]
    default_mb = Intake.model_fields["max_file_mb"].default
    with (root / "config" / "cme.toml").open("rb") as shipped:
        assert tomllib.load(shipped)["intake"]["max_file_mb"] == default_mb
    assert int(default_mb * 1_000_000) == DEFAULT_MAX_BYTES
    for doc in ("docs/school-returns.md", "config/README.md"):
        text = (root / doc).read_text(encoding="utf-8")
        stated = {float(mb) for mb in re.findall(r"(\d+(?:\.\d+)?)\s*MB", text)}
        stated |= {
            float(n) for n in re.findall(r"max_file_mb`(?:\s*\|)?[^|\n]*?default (\d+)", text)
        }
        assert stated == {default_mb}, doc
