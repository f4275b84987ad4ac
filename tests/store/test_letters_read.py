"""Every letter read as its reader reads it: the real task writes the real PDF, and its text (as
pypdf extracts it) is checked for the dates the reader must act by, the sections of the Education
Act 1996 it serves under, the names it is addressed to, and no template residue at all.

With CME_UPDATE_GUIDE=1 each letter's first page is also rendered (pdftoppm) into
docs/screenshots/letter-<kind>.png for the gallery (docs/gallery.md).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from adapters.settings import Settings
from models.calendar import ServiceMethod
from models.case import CaseHandle
from models.enums import ClosureOutcome, LetterKind
from models.letters import LetterLink, NoticeRequest, long_date
from models.regime import RegimeId
from store import regime
from store.database import session_scope
from store.unit_of_work import bootstrap
from tasks.letters import (
    produce_closing_letter,
    produce_legal_services_referral,
    produce_notice_letter,
    produce_other_la_notice,
    produce_school_place_help_letter,
)
from tests.browser.pages import GUIDE_SCREENSHOTS
from tests.store.test_letters_written import OPENED_AT, close, open_case, settings  # noqa: F401

PARENT = "Sam Testparent"
# What a template leaves when something did not fill in: its own syntax, Python's or JavaScript's
# empty values, markup or entities, a stored code instead of words, an empty salutation or bracket.
RESIDUE = re.compile(
    r"\{\{|\}\}|\{%|%\}|\bNone\b|\bnull\b|\bundefined\b|\bnan\b|&[a-z]+;|&#\d+;|<[a-z/]"
    r"|\b[a-z]+_[a-z_]+\b|Dear\s*,|\(\s*\)|\s[,.;:]"
)


@dataclass(frozen=True)
class Read:
    text: str
    pages: list[str]


def read(where: Settings, letter: LetterLink) -> Read:
    path = where.letters_dir / letter.path
    pages = [page.extract_text() or "" for page in PdfReader(path).pages]
    if shutil.which("pdftoppm") and GUIDE_SCREENSHOTS.name == "screenshots":
        GUIDE_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        out = GUIDE_SCREENSHOTS / f"letter-{letter.kind.value.replace('_', '-')}"
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", "-singlefile", path, out],
            check=True,
        )
    return Read(text=" ".join(" ".join(pages).split()), pages=pages)


def assert_reads_clean(letter: Read) -> None:
    residue = sorted({m.group(0) for m in RESIDUE.finditer(letter.text)})
    assert residue == [], f"template residue: {residue}"
    assert all(page.strip() for page in letter.pages), "a blank page"
    assert 1 <= len(letter.pages) <= 4


@pytest.fixture
def case(engine: Engine, settings: Settings) -> Iterator[CaseHandle]:  # noqa: F811
    yield open_case(engine)


def _notice(kind: LetterKind, **extra: object) -> NoticeRequest:
    return NoticeRequest(
        kind=kind,
        parent=PARENT,
        service_method=ServiceMethod.FIRST_CLASS_POST,
        sent_on=date(2026, 11, 19),
        **extra,
    )


@pytest.mark.parametrize(
    ("kind", "extra", "sections"),
    [
        (LetterKind.S437_NOTICE, {}, ["section 437(1)", "section 437(2)", "section 438"]),
        (
            LetterKind.S438_NOTICE_OF_INTENTION,
            {"proposed_school": "Example Primary School", "alternative_schools": "Oak Academy"},
            ["section 437(1)", "section 438(2)", "section 438(3)"],
        ),
        (
            LetterKind.SCHOOL_ATTENDANCE_ORDER,
            {"named_school": "Example Primary School"},
            ["Section 437", "section 443", "section 442"],
        ),
    ],
    ids=lambda v: v.value if isinstance(v, LetterKind) else "",
)
def test_a_notice_to_a_parent_gives_its_dates_and_sections_and_nothing_else(
    case: CaseHandle,
    settings: Settings,  # noqa: F811
    kind: LetterKind,
    extra: dict[str, object],
    sections: list[str],
) -> None:
    request = _notice(kind, **extra)
    period = request.period(bootstrap().calendar)

    letter = read(settings, produce_notice_letter.fn(case, f"test-{kind.value}", request))

    assert_reads_clean(letter)
    assert case.reference in letter.text
    for section in sections:
        assert section in letter.text, section
    assert long_date(request.sent_on) in letter.text, "the day it is sent"
    assert long_date(period.deemed_served_on) in letter.text, "the day it counts as served"
    if kind is LetterKind.SCHOOL_ATTENDANCE_ORDER:
        # An order, not a letter: addressed to the parent, in force with no period to answer.
        assert f"To {PARENT}, a parent of" in letter.text
    else:
        assert f"Dear {PARENT}," in letter.text
        assert long_date(period.ends_on) in letter.text, "the last day the parent has"
    for school in extra.values():
        assert str(school) in letter.text


@pytest.mark.parametrize(
    ("kind", "extra", "says"),
    [
        (LetterKind.PRELIMINARY_NOTICE, {}, "This is a preliminary notice."),
        (
            LetterKind.SCHOOL_NOMINATION_NOTICE,
            {"proposed_school": "Example Primary School", "alternative_schools": "Oak Academy"},
            "The council nominates: Example Primary School.",
        ),
        (
            LetterKind.SCHOOL_ATTENDANCE_ORDER_S436I,
            {"named_school": "Example Primary School"},
            "withdrawing Alex Sample Testchild from the school it names",
        ),
    ],
    ids=lambda v: v.value if isinstance(v, LetterKind) else "",
)
def test_a_notice_of_the_2026_act_gives_its_dates_and_the_law_and_no_old_section(
    engine: Engine,
    case: CaseHandle,
    settings: Settings,  # noqa: F811
    kind: LetterKind,
    extra: dict[str, object],
    says: str,
) -> None:
    uow = bootstrap()
    day = OPENED_AT.date()
    commenced = uow.regimes.model_copy(update={"commences_on": {RegimeId.CWSA_2026: day}})
    with session_scope(engine) as session:
        regime.choose_case_regime(
            session=session, case_id=case.case_id, regimes=commenced, begins_on=day,
            at=uow.clock(),
        )  # fmt: skip
    request = _notice(kind, **extra)
    period = request.period(uow.calendar)

    letter = read(settings, produce_notice_letter.fn(case, f"test-{kind.value}", request))

    assert_reads_clean(letter)
    assert says in letter.text
    assert "Law applied: Education Act 1996 as amended by the Children's Wellbeing and " in (
        letter.text
    )
    assert long_date(period.deemed_served_on) in letter.text, "the day it counts as served"
    assert long_date(period.ends_on) in letter.text, "the last day the parent has"
    for old in ("section 437", "section 438", "section 443", "section 442"):
        assert old not in letter.text.lower(), old


def test_the_notice_to_another_authority_names_it_and_the_new_address(
    case: CaseHandle,
    settings: Settings,  # noqa: F811
) -> None:
    link = produce_other_la_notice.fn(
        case, "test-other-la", "Luton Borough Council", "2 Sample Road, Luton LU1 1AA"
    )

    letter = read(settings, link)

    assert_reads_clean(letter)
    assert "Luton Borough Council" in letter.text
    assert "2 Sample Road, Luton LU1 1AA" in letter.text
    assert "section 436" in letter.text


def test_the_referral_to_legal_services_lists_the_letters_served(
    case: CaseHandle,
    settings: Settings,  # noqa: F811
) -> None:
    notice = produce_notice_letter.fn(case, "test-s437", _notice(LetterKind.S437_NOTICE))

    link = produce_legal_services_referral.fn(
        case, "test-legal", "Prosecute (s443)", "The family refused all engagement."
    )
    letter = read(settings, link)

    assert_reads_clean(letter)
    assert "section 443" in letter.text and "section 447(1)" in letter.text
    assert "Prosecute (s443)" in letter.text
    assert "The family refused all engagement." in letter.text
    assert notice.sha256[:16] in letter.text.replace(" ", "")
    assert letter.text.count("Legal Services (education)") == 2, "named once above, once in Dear"


def test_the_closing_letter_tells_a_school_the_outcome_in_words(
    engine: Engine,
    case: CaseHandle,
    settings: Settings,  # noqa: F811
) -> None:
    close(engine, case, ClosureOutcome.FOUND_ON_ROLL_OTHER_LA)

    link = produce_closing_letter.fn(case)
    assert link is not None
    letter = read(settings, link)

    assert_reads_clean(letter)
    assert "Dear Attendance Lead" in letter.text
    assert ClosureOutcome.FOUND_ON_ROLL_OTHER_LA.label in letter.text


def test_the_school_place_letter_tells_the_parents_how_to_apply(
    case: CaseHandle,
    settings: Settings,  # noqa: F811
) -> None:
    link = produce_school_place_help_letter.fn(case, "test-school-place-help")

    letter = read(settings, link)

    assert_reads_clean(letter)
    assert case.reference in letter.text
    assert "in-year application" in letter.text and "Fair Access panel" in letter.text
    assert "within 15 school days" in letter.text and "paragraph 2.28" in letter.text
    assert "section 7" in letter.text and "section 437" in letter.text
    assert "Dear Sam Testparent" in letter.text  # the referral's parent


def test_the_s437_notice_after_support_names_the_school_offered(
    case: CaseHandle,
    settings: Settings,  # noqa: F811
) -> None:
    request = _notice(LetterKind.S437_NOTICE, offered_school="Example Primary School")
    link = produce_notice_letter.fn(case, "test-s437-offered", request)

    # Read without `read`: the gallery's s437(1) notice stays the one that names no school.
    pages = [
        page.extract_text() or "" for page in PdfReader(settings.letters_dir / link.path).pages
    ]
    text = " ".join(" ".join(pages).split())
    assert_reads_clean(Read(text=text, pages=pages))
    assert "a place was offered at Example Primary School" in text
