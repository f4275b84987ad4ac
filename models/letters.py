"""What each letter says: its parties, its school and its statutory dates. Pure: no I/O, no clock.

A notice's dates come from the same calendar functions the case record's clock uses
(`notice_period`), so the date a letter gives the parent is the date the case record expires on.
A notice names the law it is made under as the case's regime gives it (`letter_law`): the words
of its heading come from config/regimes.toml, not from the template (docs/regimes.md).
Sources: docs/domain.md#stages (ss437-443, s447), #periods and #service (deemed service).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

from models.calendar import ServiceMethod, deemed_service_date
from models.case_events import RegimeChosen
from models.config import Letters
from models.deadlines import CalendarConfig, DeadlineStep, due_date
from models.enums import Addressee, LetterKind, ReferrerType
from models.regime import CURRENT, RegimeId, RegimeTable

# The template each letter is rendered from, under templates/letters/.
TEMPLATES: dict[LetterKind, str] = {kind: f"letters/{kind.value}.html.j2" for kind in LetterKind}

ADDRESSEES: dict[LetterKind, Addressee] = {
    LetterKind.S437_NOTICE: Addressee.PARENT,
    LetterKind.S438_NOTICE_OF_INTENTION: Addressee.PARENT,
    LetterKind.SCHOOL_ATTENDANCE_ORDER: Addressee.PARENT,
    LetterKind.OTHER_LA_NOTICE: Addressee.OTHER_LOCAL_AUTHORITY,
    LetterKind.LEGAL_SERVICES_REFERRAL: Addressee.LEGAL_SERVICES,
    LetterKind.REFERRER_CLOSING_LETTER: Addressee.REFERRER,
    LetterKind.SCHOOL_PLACE_HELP: Addressee.PARENT,
    LetterKind.PRELIMINARY_NOTICE: Addressee.PARENT,
    LetterKind.SCHOOL_NOMINATION_NOTICE: Addressee.PARENT,
    LetterKind.SCHOOL_ATTENDANCE_ORDER_S436I: Addressee.PARENT,
}

SERVICE_METHOD_WORDS: dict[ServiceMethod, str] = {
    ServiceMethod.FIRST_CLASS_POST: "first class post",
    ServiceMethod.SECOND_CLASS_POST: "second class post",
    ServiceMethod.BY_HAND: "delivery by hand",
    ServiceMethod.EMAIL: "email",
}

# The clock each served letter starts (config/calendar.toml deadline table).
NOTICE_CLOCKS: dict[LetterKind, DeadlineStep] = {
    LetterKind.S437_NOTICE: DeadlineStep.S437_NOTICE_RESPONSE,
    LetterKind.S438_NOTICE_OF_INTENTION: DeadlineStep.S438_PARENT_CHOICE,
    LetterKind.SCHOOL_ATTENDANCE_ORDER: DeadlineStep.SAO_COMPLIANCE,
    LetterKind.PRELIMINARY_NOTICE: DeadlineStep.PRELIMINARY_NOTICE_RESPONSE,
    LetterKind.SCHOOL_NOMINATION_NOTICE: DeadlineStep.SCHOOL_NOMINATION_CHOICE,
    LetterKind.SCHOOL_ATTENDANCE_ORDER_S436I: DeadlineStep.SAO_COMPLIANCE,
}

# The letters whose heading cites the law from the case's regime (config/regimes.toml): the notices
# and order served on a parent, and the referral to legal services for proceedings.
CITE_THE_LAW: frozenset[LetterKind] = frozenset(
    {*NOTICE_CLOCKS, LetterKind.LEGAL_SERVICES_REFERRAL}
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def long_date(day: date) -> str:
    """A date as a letter writes it: "Monday 7 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


class NoticePeriod(_Frozen):
    """When a notice is sent, when it counts as served, and when the period it starts ends."""

    sent_on: date
    method: ServiceMethod
    deemed_served_on: date
    ends_on: date
    amount: int
    unit: str


def notice_period(
    calendar: CalendarConfig,
    step: DeadlineStep,
    method: ServiceMethod,
    sent_on: date,
    period_days: int | None = None,
) -> NoticePeriod:
    """The period a notice starts, from its deemed date of service (EA 1996 s572; Interpretation
    Act 1978 s7). `period_days` may lengthen a statutory period, never shorten it."""
    deemed = deemed_service_date(sent_on, method, calendar.bank_holidays, calendar.service_rules)
    rule = calendar.deadlines[step]
    if period_days is not None and period_days > rule.amount:
        rule = rule.model_copy(update={"amount": period_days})
    ends = due_date(
        rule, deemed, bank_holidays=calendar.bank_holidays, school_calendar=calendar.school_calendar
    )
    return NoticePeriod(
        sent_on=sent_on,
        method=method,
        deemed_served_on=deemed,
        ends_on=ends,
        amount=rule.amount,
        unit=rule.unit.value,
    )


class LetterLaw(_Frozen):
    """The law a notice or order is made under, as the case's regime names it."""

    # The regime as recorded for the case when its formal stage began: "Education Act 1996,
    # sections 437 to 443".
    name: str = Field(min_length=1)
    # The words the letter's heading cites: "section 437(1) of the Education Act 1996".
    citation: str = Field(min_length=1)
    # Which regime: a letter both regimes send (the referral to legal services) words its body
    # by it.
    regime: RegimeId = CURRENT


def letter_law(
    regimes: RegimeTable,
    kind: LetterKind,
    chosen: RegimeChosen | None,
    step_id: str | None = None,
) -> LetterLaw:
    """The law a letter of this kind names: the case's recorded regime, by the name recorded,
    and the citation its step gives for the letter (or the named step's: the offence a referral
    for proceedings is made for). A case with none recorded began its formal stage before
    regimes were recorded, under the law then in force (docs/regimes.md)."""
    regime_id = chosen.regime if chosen is not None else CURRENT
    regime = regimes.regime(regime_id)
    step = regime.letter_step(kind) if step_id is None else regime.step(step_id)
    if step.letter_citation is None:
        raise ValueError(
            f"regimes.{regime_id}: step {step.id} gives no letter_citation for the "
            f"{kind.value} letter"
        )
    name = chosen.name if chosen is not None else regime.name
    return LetterLaw(name=name, citation=step.letter_citation, regime=regime_id)


def review_notes(regimes: RegimeTable, regime_id: RegimeId, kind: LetterKind) -> tuple[str, ...]:
    """What the officer must check before sending a letter whose step is provisional: its note,
    saying what the step awaits (the enacted text, regulations or guidance). None for law in
    force."""
    regime = regimes.regime(regime_id)
    try:
        step = regime.letter_step(kind)
    except KeyError:
        return ()
    return (f"{step.label}: {step.note}",) if step.provisional else ()


class LetterLink(_Frozen):
    """A produced letter as the flow and the forms see it: no personal data, only where it is."""

    kind: LetterKind
    natural_key: str
    path: str
    url: str
    sha256: str

    @property
    def title(self) -> str:
        return self.kind.label


class NoticeRequest(_Frozen):
    """What the officer approved for a notice served on a parent: to whom, how, when, which school.

    Passed from the flow to the letter task; it holds a parent's name, so it is a task input (hashed
    into the cache key), never a result, a log line or a run name.
    """

    kind: LetterKind
    parent: str = Field(min_length=1)
    service_method: ServiceMethod
    sent_on: date
    period_days: int | None = None
    proposed_school: str = ""
    alternative_schools: str = ""
    named_school: str = ""
    # The s437(1) notice after support to a school place names the place offered, not taken up.
    offered_school: str = ""

    @model_serializer(mode="wrap")
    def _offered_school_only_when_named(self, handler: SerializerFunctionWrapHandler) -> Any:
        # The letter task's cache key hashes this request as dumped: a notice that names no
        # offered school dumps as it did before the field existed, so a case waiting across the
        # release replays its letter task from the cache (tests/e2e/test_upgrade.py).
        dumped = handler(self)
        if not self.offered_school and isinstance(dumped, dict):
            dumped.pop("offered_school", None)
        return dumped

    def period(self, calendar: CalendarConfig) -> NoticePeriod:
        return notice_period(
            calendar, NOTICE_CLOCKS[self.kind], self.service_method, self.sent_on, self.period_days
        )


class LetterChild(_Frozen):
    name: str
    date_of_birth: date
    address_lines: tuple[str, ...]


class LetterContent(_Frozen):
    """Everything a letter template reads. Templates use StrictUndefined: no field is optional."""

    kind: LetterKind
    reference: str
    dated: date
    letterhead: Letters
    addressee_name: str
    addressee_lines: tuple[str, ...]
    child: LetterChild
    officer_name: str
    officer_email: str
    period: NoticePeriod | None = None
    proposed_school: str = ""
    alternative_schools: tuple[str, ...] = ()
    named_school: str = ""
    offered_school: str = ""
    authority: str = ""
    new_address: str = ""
    decision: str = ""
    reasons: str = ""
    served: tuple[ServedLetterLine, ...] = ()
    outcome: str = ""
    referrer_organisation: str = ""
    # The law a notice, an order or the referral for proceedings is made under (its heading and
    # "Law applied").
    law: LetterLaw | None = None

    @model_validator(mode="after")
    def _a_notice_names_its_law(self) -> Self:
        if self.kind in CITE_THE_LAW and self.law is None:
            raise ValueError(f"law: a {self.kind.value} letter names the law it is made under")
        return self

    def template_context(self) -> dict[str, object]:
        """What a template reads: the fields, and dates and methods as a letter writes them."""
        context: dict[str, object] = dict(self)
        context["dated_text"] = long_date(self.dated)
        context["child_born"] = long_date(self.child.date_of_birth)
        if self.period is not None:
            context["sent_on_text"] = long_date(self.period.sent_on)
            context["deemed_text"] = long_date(self.period.deemed_served_on)
            context["ends_text"] = long_date(self.period.ends_on)
            context["method_text"] = SERVICE_METHOD_WORDS[self.period.method]
        return context


class ServedLetterLine(_Frozen):
    """One letter already produced for the case, as the referral to legal services lists it."""

    title: str
    produced_on: date
    file_name: str
    sha256: str


LetterContent.model_rebuild()


def split_schools(text: str) -> tuple[str, ...]:
    """The alternative schools as typed: one per line or separated by semicolons."""
    parts = [part.strip() for line in text.splitlines() for part in line.split(";")]
    return tuple(part for part in parts if part)


def address_lines(address: str, postcode: str = "") -> tuple[str, ...]:
    """An address typed on one line with commas, as lines for a letter's address block."""
    lines = [part.strip() for part in address.replace("\n", ",").split(",") if part.strip()]
    if postcode and postcode not in address:
        lines.append(postcode)
    return tuple(lines)


def notice_content(
    request: NoticeRequest,
    *,
    reference: str,
    dated: date,
    letterhead: Letters,
    child: LetterChild,
    parent_address: tuple[str, ...] | None,
    officer_name: str,
    officer_email: str,
    calendar: CalendarConfig,
    law: LetterLaw,
) -> LetterContent:
    """A notice or order served on a parent (s437(1), s438, s437(3)), with its period's dates and
    the law it is made under."""
    return LetterContent(
        kind=request.kind,
        reference=reference,
        dated=dated,
        letterhead=letterhead,
        addressee_name=request.parent,
        addressee_lines=parent_address or child.address_lines,
        child=child,
        officer_name=officer_name,
        officer_email=officer_email,
        period=request.period(calendar),
        proposed_school=request.proposed_school,
        alternative_schools=split_schools(request.alternative_schools),
        named_school=request.named_school,
        offered_school=request.offered_school,
        law=law,
    )


def closing_letter_due(
    letterhead: Letters, referrer_type: ReferrerType, referrer_name: str | None
) -> bool:
    """A closing letter goes to a named referrer of a configured type (config/README.md)."""
    named = bool(referrer_name and referrer_name.strip())
    return named and referrer_type in letterhead.closing_letter_referrers
