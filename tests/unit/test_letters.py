"""Each letter renders to a PDF whose text has the right names, school and dates.

The content is built by the pure functions in models/letters.py from the shipped calendar; the PDF
is rendered by real WeasyPrint and read back with pypdf.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from adapters.documents import render_pdf, template_version
from adapters.settings import PROJECT_ROOT
from models.calendar import ServiceMethod
from models.case_events import RegimeChosen
from models.config import Letters, load_config
from models.deadlines import CalendarConfig, DeadlineStep, load_calendar_config
from models.enums import LetterKind, ReferrerType
from models.letters import (
    LetterChild,
    LetterContent,
    LetterLaw,
    NoticeRequest,
    ServedLetterLine,
    closing_letter_due,
    letter_law,
    long_date,
    notice_content,
    notice_period,
    split_schools,
)
from models.regime import SHIPPED_REGIMES, RegimeId, RegimeTable, load_regimes

REFERENCE = "CME-2026-00042"
CHILD = LetterChild(
    name="Alex Sample Testchild",
    date_of_birth=date(2015, 3, 14),
    address_lines=("1 Example Street", "St Albans", "AL1 3ER"),
)
LETTERHEAD = Letters()
REGIMES = load_regimes(SHIPPED_REGIMES, {})
LAW_APPLIED = "Law applied: Education Act 1996, sections 437 to 443"


@pytest.fixture(scope="module")
def calendar() -> CalendarConfig:
    config = load_config(PROJECT_ROOT / "config" / "cme.toml")
    return load_calendar_config(config.calendar_path)


def pdf_text(content: LetterContent, tmp_path: Path) -> str:
    from models.letters import TEMPLATES

    path = tmp_path / f"{content.kind.value}.pdf"
    path.write_bytes(render_pdf(TEMPLATES[content.kind], content.template_context()))
    reader = PdfReader(path)
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


def notice(
    calendar: CalendarConfig,
    request: NoticeRequest,
    regimes: RegimeTable = REGIMES,
    chosen: RegimeChosen | None = None,
) -> LetterContent:
    return notice_content(
        request,
        reference=REFERENCE,
        dated=date(2026, 11, 18),
        letterhead=LETTERHEAD,
        child=CHILD,
        parent_address=None,
        officer_name="CME Officer (DSPL 6-9)",
        officer_email="cme.officer.dspl6-9@example.gov.uk",
        calendar=calendar,
        law=letter_law(regimes, request.kind, chosen),
    )


def served_on_parent(kind: LetterKind) -> NoticeRequest:
    return NoticeRequest(
        kind=kind, parent="Sam Testparent", service_method=ServiceMethod.BY_HAND,
        sent_on=date(2026, 12, 14), proposed_school="Example Primary School",
        named_school="Example Primary School",
    )  # fmt: skip


def test_a_posted_s437_notice_runs_15_days_from_its_deemed_service(
    calendar: CalendarConfig,
) -> None:
    # Posted first class on Thursday 19 November: deemed served Monday 23 November.
    period = notice_period(
        calendar, DeadlineStep.S437_NOTICE_RESPONSE, ServiceMethod.FIRST_CLASS_POST,
        date(2026, 11, 19),
    )  # fmt: skip
    assert period.deemed_served_on == date(2026, 11, 23)
    assert period.ends_on == date(2026, 12, 7)


def test_a_longer_period_lengthens_the_notice_and_a_shorter_one_is_ignored(
    calendar: CalendarConfig,
) -> None:
    def ends(days: int) -> date:
        return notice_period(
            calendar, DeadlineStep.S437_NOTICE_RESPONSE, ServiceMethod.BY_HAND,
            date(2026, 11, 19), days,
        ).ends_on  # fmt: skip

    assert ends(20) == date(2026, 12, 8)
    assert ends(10) == date(2026, 12, 3)  # never below the statutory 15 days


def test_the_s437_notice_names_parent_child_and_the_date_to_satisfy_the_council(
    calendar: CalendarConfig, tmp_path: Path
) -> None:
    content = notice(
        calendar,
        NoticeRequest(
            kind=LetterKind.S437_NOTICE, parent="Sam Testparent",
            service_method=ServiceMethod.FIRST_CLASS_POST, sent_on=date(2026, 11, 19),
            period_days=15,
        ),
    )  # fmt: skip
    text = pdf_text(content, tmp_path)
    assert "Sam Testparent" in text
    assert "Alex Sample Testchild" in text and "Saturday 14 March 2015" in text
    assert "section 437(1)" in text
    assert "You must satisfy the council by Monday 7 December 2026" in text
    assert "treated as served on Monday 23 November 2026" in text
    assert "first class post on Thursday 19 November 2026" in text
    assert REFERENCE in text and "1 Example Street" in text
    assert LETTERHEAD.signatory_name in text and LETTERHEAD.council_name in text


def test_the_s438_notice_names_the_proposed_school_the_alternatives_and_the_15_days(
    calendar: CalendarConfig, tmp_path: Path
) -> None:
    content = notice(
        calendar,
        NoticeRequest(
            kind=LetterKind.S438_NOTICE_OF_INTENTION, parent="Sam Testparent",
            service_method=ServiceMethod.BY_HAND, sent_on=date(2026, 12, 14),
            proposed_school="Example Primary School",
            alternative_schools="Sample Academy; Testwood Junior School",
        ),
    )  # fmt: skip
    text = pdf_text(content, tmp_path)
    assert "Sam Testparent" in text and "Alex Sample Testchild" in text
    assert "name in it: Example Primary School" in text
    assert "Sample Academy" in text and "Testwood Junior School" in text
    # By hand on Monday 14 December: 15 days beginning with that day end on 28 December.
    assert "that period ends on Monday 28 December 2026" in text
    assert "section 438" in text


def test_the_school_attendance_order_names_the_school_and_the_offence(
    calendar: CalendarConfig, tmp_path: Path
) -> None:
    content = notice(
        calendar,
        NoticeRequest(
            kind=LetterKind.SCHOOL_ATTENDANCE_ORDER, parent="Sam Testparent",
            service_method=ServiceMethod.BY_HAND, sent_on=date(2027, 1, 5),
            named_school="Example Primary School",
        ),
    )  # fmt: skip
    text = pdf_text(content, tmp_path)
    assert "Sam Testparent" in text
    assert (
        "cause Alex Sample Testchild to become a registered pupil at Example Primary School" in text
    )
    assert "treated as served on Tuesday 5 January 2027" in text
    assert "section 443" in text and "level 3" in text


# Each heading in the words it had when the templates wrote them, now read from the regime.
HEADINGS = {
    LetterKind.S437_NOTICE: "Notice under section 437(1) of the Education Act 1996: Requirement"
    " to satisfy the local authority that a child is receiving suitable education",
    LetterKind.S438_NOTICE_OF_INTENTION: "Notice under section 438 of the Education Act 1996:"
    " Intention to serve a School Attendance Order",
    LetterKind.SCHOOL_ATTENDANCE_ORDER: "School Attendance Order: Section 437(3) of the Education"
    " Act 1996",
}


@pytest.mark.parametrize("kind", list(HEADINGS), ids=lambda kind: kind.value)
def test_a_notice_cites_the_regimes_section_and_names_the_law_applied_under_its_heading(
    calendar: CalendarConfig, tmp_path: Path, kind: LetterKind
) -> None:
    chosen = RegimeChosen(
        regime=RegimeId.EDUCATION_ACT_1996, name=REGIMES.regime(RegimeId.EDUCATION_ACT_1996).name,
        commenced_on=None,
    )  # fmt: skip
    content = notice(calendar, served_on_parent(kind), chosen=chosen)
    assert content.law == LetterLaw(
        name="Education Act 1996, sections 437 to 443",
        citation=str(REGIMES.regime(RegimeId.EDUCATION_ACT_1996).letter_step(kind).letter_citation),
    )
    text = pdf_text(content, tmp_path)
    assert f"{HEADINGS[kind]} {LAW_APPLIED}" in text


def test_the_heading_cites_the_words_the_configured_regime_gives(
    calendar: CalendarConfig, tmp_path: Path
) -> None:
    shipped = SHIPPED_REGIMES.read_text(encoding="utf-8")
    old = 'letter_citation = "section 437(1) of the Education Act 1996"'
    assert old in shipped
    path = tmp_path / "regimes.toml"
    path.write_text(
        shipped.replace(old, 'letter_citation = "section 437(1) of the Testing Act 2099"'),
        encoding="utf-8",
    )
    request = served_on_parent(LetterKind.S437_NOTICE)

    text = pdf_text(notice(calendar, request, load_regimes(path, {})), tmp_path)

    assert "Notice under section 437(1) of the Testing Act 2099: Requirement" in text
    assert "Notice under section 437(1) of the Education Act 1996" not in text
    assert LAW_APPLIED in text


def test_the_law_applied_is_the_regime_as_recorded_for_the_case(calendar: CalendarConfig) -> None:
    # Named as it was when the case's formal stage began, though a release since renamed it.
    chosen = RegimeChosen(
        regime=RegimeId.EDUCATION_ACT_1996, name="Education Act 1996, ss437-443", commenced_on=None
    )
    content = notice(calendar, served_on_parent(LetterKind.S438_NOTICE_OF_INTENTION), chosen=chosen)
    assert content.law is not None
    assert content.law.name == "Education Act 1996, ss437-443"
    assert content.law.citation == "section 438 of the Education Act 1996"


def test_a_case_with_no_recorded_regime_is_sent_the_law_in_force() -> None:
    # Its formal stage began before the regime was recorded, under the only law there was.
    assert letter_law(REGIMES, LetterKind.SCHOOL_ATTENDANCE_ORDER, None) == LetterLaw(
        name="Education Act 1996, sections 437 to 443",
        citation="Section 437(3) of the Education Act 1996",
    )


def test_a_notice_without_the_law_it_is_made_under_is_refused() -> None:
    with pytest.raises(ValueError, match="law: a s437_notice letter names the law it is made"):
        LetterContent(
            kind=LetterKind.S437_NOTICE, reference=REFERENCE, dated=date(2026, 11, 18),
            letterhead=LETTERHEAD, addressee_name="Sam Testparent", addressee_lines=(),
            child=CHILD, officer_name="CME Officer", officer_email="cme@example.gov.uk",
        )  # fmt: skip


def test_the_other_authority_notice_gives_the_child_and_the_new_address(
    tmp_path: Path,
) -> None:
    content = LetterContent(
        kind=LetterKind.OTHER_LA_NOTICE, reference=REFERENCE, dated=date(2026, 11, 10),
        letterhead=LETTERHEAD, addressee_name="CME officer, Luton Borough Council",
        addressee_lines=("Luton Borough Council",), child=CHILD, officer_name="CME Officer",
        officer_email="cme@example.gov.uk", authority="Luton Borough Council",
        new_address="2 Sample Road, Luton LU1 1AA",
    )  # fmt: skip
    text = pdf_text(content, tmp_path)
    assert "Luton Borough Council" in text and "2 Sample Road, Luton LU1 1AA" in text
    assert "Alex Sample Testchild, born Saturday 14 March 2015" in text
    assert "1 Example Street" in text and REFERENCE in text


def test_the_legal_services_referral_lists_the_eso_decision_and_the_letters_served(
    tmp_path: Path,
) -> None:
    checksum = "ab" * 32
    content = LetterContent(
        kind=LetterKind.LEGAL_SERVICES_REFERRAL, reference=REFERENCE, dated=date(2027, 1, 28),
        letterhead=LETTERHEAD, addressee_name="Legal Services (education)",
        addressee_lines=LETTERHEAD.legal_services_address, child=CHILD,
        officer_name="CME Officer", officer_email="cme@example.gov.uk",
        named_school="Example Primary School", decision="Prosecute",
        reasons="The family has refused all engagement.",
        law=letter_law(REGIMES, LetterKind.LEGAL_SERVICES_REFERRAL, None),
        served=(
            ServedLetterLine(
                title=LetterKind.SCHOOL_ATTENDANCE_ORDER.label, produced_on=date(2027, 1, 5),
                file_name="sao.pdf", sha256=checksum,
            ),
        ),
    )  # fmt: skip
    text = pdf_text(content, tmp_path)
    assert "Example Primary School" in text and "Alex Sample Testchild" in text
    assert "section 447(1)" in text and "Prosecute" in text
    assert "refused all engagement" in text
    # The offence is cited from the regime: the heading, and the law applied under it.
    assert (
        "School Attendance Order not complied with (section 443 of the Education Act 1996)"
        " Law applied: Education Act 1996, sections 437 to 443"
    ) in " ".join(text.split())
    assert checksum[:16] in text.replace(" ", "")


def test_a_member_of_the_public_is_told_the_case_closed_but_not_the_outcome(
    tmp_path: Path,
) -> None:
    content = LetterContent(
        kind=LetterKind.REFERRER_CLOSING_LETTER, reference=REFERENCE, dated=date(2027, 3, 2),
        letterhead=LETTERHEAD, addressee_name="Pat Neighbour", addressee_lines=(), child=CHILD,
        officer_name="CME Officer", officer_email="cme@example.gov.uk", outcome="",
    )  # fmt: skip
    text = pdf_text(content, tmp_path)
    assert "Dear Pat Neighbour" in text and "closed the case" in text
    assert "Outcome" not in text


def test_closing_letters_go_only_to_named_referrers_of_configured_types() -> None:
    assert closing_letter_due(LETTERHEAD, ReferrerType.MEMBER_OF_PUBLIC, "Pat Neighbour")
    assert not closing_letter_due(LETTERHEAD, ReferrerType.ANONYMOUS, None)
    assert not closing_letter_due(LETTERHEAD, ReferrerType.SCHOOL, "  ")
    assert not closing_letter_due(LETTERHEAD, ReferrerType.SCHOOL_DELETION_RETURN, "Head")
    assert not closing_letter_due(LETTERHEAD, ReferrerType.INTERNAL_TEAM, "EHE team")


def test_alternative_schools_split_on_lines_and_semicolons() -> None:
    assert split_schools("A School; B School\nC School\n") == ("A School", "B School", "C School")
    assert split_schools("  ") == ()


def test_the_template_version_changes_when_the_wording_does() -> None:
    versions = {template_version(f"letters/{kind.value}.html.j2") for kind in LetterKind}
    assert len(versions) == len(LetterKind)
    assert all(len(v) == 64 for v in versions)


def test_dates_are_written_in_full() -> None:
    assert long_date(date(2026, 12, 7)) == "Monday 7 December 2026"


def test_the_s437_notice_after_support_names_the_school_offered(
    calendar: CalendarConfig, tmp_path: Path
) -> None:
    content = notice(
        calendar,
        NoticeRequest(
            kind=LetterKind.S437_NOTICE, parent="Sam Testparent",
            service_method=ServiceMethod.FIRST_CLASS_POST, sent_on=date(2026, 11, 19),
            offered_school="Example Primary School",
        ),
    )  # fmt: skip
    text = pdf_text(content, tmp_path)
    assert "a place was offered at Example Primary School" in text
    assert "You must satisfy the council by Monday 7 December 2026" in text


def test_the_s437_notice_without_support_names_no_school_offered(
    calendar: CalendarConfig, tmp_path: Path
) -> None:
    content = notice(
        calendar,
        NoticeRequest(
            kind=LetterKind.S437_NOTICE, parent="Sam Testparent",
            service_method=ServiceMethod.FIRST_CLASS_POST, sent_on=date(2026, 11, 19),
        ),
    )  # fmt: skip
    assert "a place was offered" not in pdf_text(content, tmp_path)


def test_the_school_place_letter_tells_the_parents_how_to_apply_and_the_help_on_offer(
    tmp_path: Path,
) -> None:
    content = LetterContent(
        kind=LetterKind.SCHOOL_PLACE_HELP, reference=REFERENCE, dated=date(2026, 11, 10),
        letterhead=LETTERHEAD, addressee_name="Sam Testparent",
        addressee_lines=CHILD.address_lines, child=CHILD,
        officer_name="CME Officer (DSPL 6-9)",
        officer_email="cme.officer.dspl6-9@example.gov.uk",
    )  # fmt: skip
    text = pdf_text(content, tmp_path)
    assert "Dear Sam Testparent" in text and "Alex Sample Testchild" in text
    assert "in-year application" in text and "within 15 school days" in text
    assert "Fair Access panel" in text and "20 school days" in text
    assert "cme.officer.dspl6-9@example.gov.uk" in text and REFERENCE in text
