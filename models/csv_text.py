"""Turning the bytes of an uploaded CSV file into text, a delimiter and a header, or refusing it.

Schools send returns from their management information system (MIS) or from a spreadsheet: UTF-8
(with or without a byte-order mark), Windows-1252 from older exports, UTF-16 from Excel's "Unicode
text", commas or semicolons or tabs. What cannot be read at all is refused as a whole file, with a
message naming the problem; a file that can be read is read row by row by its caller.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 8192
_EXCEL_SEPARATOR = re.compile(r"sep=[,;\t|]")
_SIGNATURES = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive (an .xlsx or .docx file?)",
    b"\xd0\xcf\x11\xe0": "an Office document (an .xls or .doc file?)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"{\\rtf": "an RTF document",
}


class FileRejected(ValueError):
    """The whole file cannot be read; the message names the problem."""


@dataclass(frozen=True)
class CsvText:
    text: str
    encoding: str
    delimiter: str
    header: tuple[str, ...]  # canonical column names, in file order
    preamble: int = 0  # records before the header (Excel's "sep=;" line)


def _describe_size(size: int) -> str:
    # MB as the configuration (intake.max_file_mb) and the docs count them: a million bytes, so a
    # school told "the limit is 5 MB" is not told 4.8 MB in the same breath.
    return f"{size:,} bytes ({size / 1_000_000:.1f} MB)"


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise FileRejected("the file starts as UTF-16 text but is not valid UTF-16") from error
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as error:
        raise FileRejected(
            "the file is not text in UTF-8 or Windows-1252: save it from the MIS or spreadsheet "
            "as CSV (UTF-8)"
        ) from error


def _refuse_binary(data: bytes) -> None:
    for signature, kind in _SIGNATURES.items():
        if data.startswith(signature):
            raise FileRejected(f"the file is {kind}, not a CSV file: save it as CSV (UTF-8)")
    head = data[:_SNIFF_BYTES]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected("the file is binary, not a CSV file: save it as CSV (UTF-8)")


def column_key(heading: str) -> str:
    """Header case, spacing and punctuation do not matter: "Date of Birth " -> "date_of_birth"."""
    return "_".join(re.sub(r"[^a-z0-9]+", " ", heading.lower()).split())


def _first_line(text: str) -> str:
    return next(iter(io.StringIO(text, newline="")), "")


def _sniff(first_line: str, known: Mapping[str, str]) -> str:
    """The delimiter that splits the header into the most recognised columns."""

    def recognised(delimiter: str) -> int:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return sum(column_key(cell) in known for cell in cells)

    best = max(DELIMITERS, key=recognised)
    if recognised(best) == 0:
        raise FileRejected(
            "the first line is not a recognised header: expected columns such as "
            + ", ".join(sorted(set(known.values()))[:5])
            + " (see docs/school-returns.md)"
        )
    return best


def read_csv_text(
    data: bytes,
    *,
    max_bytes: int,
    known: Mapping[str, str],
    required: frozenset[str],
) -> CsvText:
    """Decode, sniff the delimiter and check the header, or raise FileRejected.

    `known` maps every accepted heading key (see `column_key`) to its canonical column name.
    A missing required column, an unknown column or a column given twice refuses the file: a
    misspelt optional column would otherwise be silently ignored and its data lost.
    """
    if len(data) > max_bytes:
        raise FileRejected(
            f"the file is {_describe_size(len(data))}; the limit is {_describe_size(max_bytes)}: "
            "send it in smaller parts"
        )
    if not data.strip():
        raise FileRejected("the file is empty")
    _refuse_binary(data)
    text, encoding = _decode(data)
    if not text.strip():
        raise FileRejected("the file is empty")
    text = text.lstrip("\ufeff")
    first_line = _first_line(text)
    preamble = 0
    if _EXCEL_SEPARATOR.fullmatch(first_line.rstrip("\r\n")):
        # Excel's "sep=;" hint line names the delimiter; the header is the next line.
        delimiter, preamble = first_line[4], 1
    else:
        delimiter = _sniff(first_line, known)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for _ in range(preamble):
        next(reader, None)
    headings = next(reader, [])
    # Spreadsheets often save empty trailing columns: blank headings at the end are not columns.
    while headings and not headings[-1].strip():
        headings.pop()
    if not headings:
        raise FileRejected("the file has no header line")
    header: list[str] = []
    unknown: list[str] = []
    for position, heading in enumerate(headings, start=1):
        key = column_key(heading)
        if key in known:
            header.append(known[key])
        elif not key:
            unknown.append(f"(blank heading in column {position})")
        else:
            unknown.append(heading.strip())
    repeated = sorted({c for c in header if header.count(c) > 1})
    missing = sorted(required - set(header))
    problems = []
    if missing:
        problems.append("missing required column(s): " + ", ".join(missing))
    if unknown:
        problems.append("unknown column(s): " + ", ".join(unknown))
    if repeated:
        problems.append("column(s) given more than once: " + ", ".join(repeated))
    if problems:
        raise FileRejected("; ".join(problems) + " (see docs/school-returns.md for the columns)")
    return CsvText(
        text=text, encoding=encoding, delimiter=delimiter, header=tuple(header), preamble=preamble
    )


def records(csv_text: CsvText) -> Iterator[tuple[int, list[str]]]:
    """Each record after the header with the file line it starts on, skipping blank lines."""
    reader = csv.reader(io.StringIO(csv_text.text, newline=""), delimiter=csv_text.delimiter)
    for _ in range(csv_text.preamble + 1):
        next(reader)
    last_line = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileRejected(
                f'line {last_line + 1} cannot be read as CSV ({error}): check for a quote (") '
                "that is opened but never closed"
            ) from error
        start, last_line = last_line + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield start, cells
