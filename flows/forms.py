"""The officer's decision forms: one RunInput per statutory decision, rendered by the Prefect UI.

Rules that keep the generated forms usable: flat fields, titles and descriptions
on every field, every choice an enum of two or more members, no unions of models. Cross-field rules
are model validators: the server cannot check them, so a breach comes back to the flow as a
ValidationError and the officer is asked again with the error shown (see flows/decisions.py).

Who decides is not asked: the sign-in gateway writes the signed-in person into every resume's input,
`officer` (their team id) and `signed_in_as` (their username), overwriting whatever was sent. Both
fields are kept out of the rendered form (`SkipJsonSchema`) yet admitted by the stored schema's
`patternProperties`, which the Prefect server checks on resume and the UI does not render:
`officer` only as one of the configured team (`with_people`), `signed_in_as` as a username. A resume
carrying no officer (no gateway in front, e.g. a raw API call) records nothing: the form is asked
again with the reason (flows/decisions.py).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar, cast

from prefect.input import RunInput
from pydantic import ConfigDict, Field, create_model, model_validator
from pydantic.json_schema import SkipJsonSchema

from models.access import USERNAME_PATTERN
from models.calendar import ServiceMethod
from models.choice_words import CHOICE_WORDS
from models.enums import ClosureOutcome, LabelledEnum, SafeguardingIndicator
from models.form_schema import plain_fields
from models.regime import BREACH_OFFENCES
from models.register import SupportOutcome
from models.withdrawal_consent import ConsentDecision

OFFICER_FIELD_DESCRIPTION = "The signed-in person recording this decision (their team id)."
SIGNED_IN_FIELD_DESCRIPTION = "The username the person recording this decision signed in with."
NOT_SIGNED_IN = (
    "officer: no signed-in officer came with this answer, so nothing was recorded: sign in to "
    "the Prefect UI as yourself and resume the run again"
)


class _Choice(LabelledEnum):
    """A choice on a form, read in the words models/choice_words.py gives its code."""

    @property
    def label(self) -> str:
        return CHOICE_WORDS.get(self.value) or super().label


class EnquiryResult(_Choice):
    NOT_MADE = "not_made"
    NO_TRACE = "no_trace"
    INFORMATION_FOUND = "information_found"
    NOT_APPLICABLE = "not_applicable"


def _admit_identity(schema: dict[str, Any], form: type[Any]) -> None:
    """Let the gateway's two keys past the server's check of the stored schema, unrendered; and
    write each field as the UI reads it best (models/form_schema.py)."""
    plain_fields(schema, form)
    team: tuple[str, ...] = getattr(form, "team", ())
    officer: dict[str, Any] = {"type": "string"}
    if team:
        officer["enum"] = list(team)
    schema["patternProperties"] = {
        "^officer$": officer,
        "^signed_in_as$": {"type": "string", "pattern": USERNAME_PATTERN.pattern},
    }


class DecisionForm(RunInput):
    """Common to every decision: a way to close the case at any stage."""

    model_config = ConfigDict(json_schema_extra=_admit_identity)
    # The configured people `with_people` narrowed `officer` to (empty: not narrowed).
    team: ClassVar[tuple[str, ...]] = ()

    # Written by the sign-in gateway, never asked (see the module docstring).
    officer: SkipJsonSchema[str | None] = Field(
        default=None, title="Officer", description=OFFICER_FIELD_DESCRIPTION
    )
    signed_in_as: SkipJsonSchema[str | None] = Field(
        default=None,
        title="Signed in as",
        description=SIGNED_IN_FIELD_DESCRIPTION,
        pattern=USERNAME_PATTERN.pattern,
    )
    safeguarding_indicators: list[SafeguardingIndicator] = Field(
        default_factory=list,
        title="New safeguarding concerns",
        description="Tick any that arose at this step: each escalates to MASH and the team lead.",
    )

    @model_validator(mode="after")
    def _someone_decided(self) -> Self:
        if self.officer is None:
            raise ValueError(NOT_SIGNED_IN)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        """The closure outcome this decision ends the case with, if any."""
        return None


def _require(condition: bool, field: str, problem: str) -> None:
    if not condition:
        raise ValueError(f"{field}: {problem}")


def _given(text: str | None) -> bool:
    # RunInput does not strip whitespace; a field of spaces names no school, authority or address.
    return bool(text and text.strip())


def _closure_outcome() -> Any:
    return Field(
        default=None,
        title="Closure outcome",
        description="Only when closing the case: why it closes.",
    )


class _Closable(DecisionForm):
    """A form that can close the case. Each declares `closure_outcome` as its last field: the
    rare choice goes at the end of the form, where a parent class's field cannot be put."""

    if TYPE_CHECKING:
        closure_outcome: ClosureOutcome | None

    def _check_closure(self, closing: bool) -> None:
        if closing:
            _require(self.closure_outcome is not None, "closure_outcome", "required to close")
        else:
            _require(
                self.closure_outcome is None,
                "closure_outcome",
                "leave empty unless you are closing the case",
            )


# --- Referral check -------------------------------------------------------------------------


class ReferralCheckDecision(_Choice):
    CONTINUE_TO_HOME_VISIT = "continue_to_home_visit"
    CLOSE_CASE = "close_case"


# What counts as reasonable enquiries: docs/domain.md#reasonable-enquiries. A comment, not the
# docstring: the docstring is the form schema's description, which officers may be shown.
class ReasonableEnquiries(_Closable):
    """The reasonable enquiries made at referral check and what each found."""

    school: EnquiryResult = Field(title="Last school", description="Contact with the school.")
    admissions: EnquiryResult = Field(
        title="Admissions", description="In-year applications and offers."
    )
    other_local_authorities: EnquiryResult = Field(
        title="Other local authorities", description="CME officers of neighbouring LAs."
    )
    s2s_lost_pupil_database: EnquiryResult = Field(
        title="S2S lost pupil database", description="Search of the DfE S2S LPD."
    )
    health: EnquiryResult = Field(title="Health", description="GP / school nursing via health.")
    childrens_social_care: EnquiryResult = Field(
        title="Children's social care", description="CIN / CP / LAC status, Early Help."
    )
    district_council_tax_and_housing: EnquiryResult = Field(
        title="District council tax and housing", description="Via the district council."
    )
    police: EnquiryResult = Field(title="Police", description="Local intelligence via MASH.")
    border_force: EnquiryResult = Field(
        title="Border Force", description="Where a move abroad is suspected."
    )
    findings: str = Field(
        default="", max_length=5000, title="Findings", description="What the enquiries found."
    )
    decision: ReferralCheckDecision = Field(title="Decision", description="What happens next.")
    closure_outcome: ClosureOutcome | None = _closure_outcome()

    @model_validator(mode="after")
    def _closing_needs_outcome(self) -> Self:
        self._check_closure(self.decision is ReferralCheckDecision.CLOSE_CASE)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        return self.closure_outcome if self.decision is ReferralCheckDecision.CLOSE_CASE else None


# --- Home visit -----------------------------------------------------------------------------


class HomeVisitFinding(_Choice):
    ON_ROLL_ELSEWHERE = "on_roll_elsewhere"
    MOVED_TO_OTHER_LA = "moved_to_other_la"
    MOVED_ABROAD_CONFIRMED = "moved_abroad_confirmed"
    MOVED_ABROAD_BELIEVED = "moved_abroad_believed"
    ELECTIVE_HOME_EDUCATION = "elective_home_education"
    LOCATED_NO_EDUCATION = "located_no_education"
    NO_CONTACT = "no_contact"
    CLOSE_CASE = "close_case"


class HomeVisitRecord(_Closable):
    """One home visit and what it found."""

    visit_date: date = Field(title="Visit date", description="The day of the visit.")
    child_seen: bool = Field(default=False, title="Child seen", description="Was the child seen?")
    seen: str = Field(
        default="",
        max_length=200,
        title="Who was seen",
        description="Who the officer spoke to (e.g. mother, neighbour); empty if nobody.",
    )
    finding: HomeVisitFinding = Field(title="Finding", description="What the visit established.")
    school_name: str = Field(
        default="", max_length=200, title="School", description="On roll elsewhere: which school."
    )
    other_local_authority: str = Field(
        default="",
        max_length=200,
        title="Other local authority",
        description="Moved to another LA: which authority.",
    )
    other_local_authority_email: str = Field(
        default="",
        max_length=200,
        title="Other LA's CME contact email",
        description="Moved to another LA: where to send the notice.",
        pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$",
    )
    new_address: str = Field(
        default="", max_length=500, title="New address", description="Moved: the new address."
    )
    country: str = Field(
        default="", max_length=100, title="Country", description="Moved abroad: which country."
    )
    notes: str = Field(default="", max_length=5000, title="Notes", description="Anything else.")
    closure_outcome: ClosureOutcome | None = _closure_outcome()

    @model_validator(mode="after")
    def _finding_details(self) -> Self:
        finding = self.finding
        if finding is HomeVisitFinding.ON_ROLL_ELSEWHERE:
            _require(_given(self.school_name), "school_name", "required when on roll elsewhere")
        if finding is HomeVisitFinding.MOVED_TO_OTHER_LA:
            _require(
                _given(self.other_local_authority),
                "other_local_authority",
                "required when the child moved to another local authority",
            )
            _require(
                _given(self.other_local_authority_email),
                "other_local_authority_email",
                "required to notify the other local authority",
            )
            _require(_given(self.new_address), "new_address", "required when the child moved")
        if finding is HomeVisitFinding.MOVED_ABROAD_CONFIRMED:
            _require(_given(self.country), "country", "required when a move abroad is confirmed")
        if self.child_seen:
            _require(_given(self.seen), "seen", "say who was seen with the child")
        self._check_closure(finding is HomeVisitFinding.CLOSE_CASE)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        return {
            HomeVisitFinding.ON_ROLL_ELSEWHERE: ClosureOutcome.FOUND_ON_ROLL,
            HomeVisitFinding.MOVED_ABROAD_CONFIRMED: ClosureOutcome.MOVED_ABROAD_CONFIRMED,
            HomeVisitFinding.MOVED_ABROAD_BELIEVED: ClosureOutcome.MOVED_ABROAD_BELIEVED,
            HomeVisitFinding.ELECTIVE_HOME_EDUCATION: ClosureOutcome.ELECTIVE_HOME_EDUCATION,
            HomeVisitFinding.CLOSE_CASE: self.closure_outcome,
        }.get(self.finding)


class LaAcknowledgement(DecisionForm):
    """The receiving authority has acknowledged our notice about a child who moved there."""

    acknowledged_on: date = Field(title="Acknowledged on", description="Date of their reply.")
    acknowledged_by: str = Field(
        min_length=2,
        max_length=200,
        title="Acknowledged by",
        description="Who acknowledged it (role and authority).",
    )
    notes: str = Field(default="", max_length=5000, title="Notes", description="Anything else.")


class S2sSearchResult(_Choice):
    NO_TRACE = "no_trace"
    RECORD_FOUND = "record_found"


class WhereaboutsUnknown(DecisionForm):
    """All enquiries exhausted: the referrals and searches made before periodic review."""

    police_referral_on: date = Field(
        title="Police referral made on", description="Missing-person report to the police."
    )
    childrens_social_care_referral_on: date = Field(
        title="Children's social care referral made on", description="Referral to MASH."
    )
    s2s_search_on: date = Field(
        title="S2S search made on", description="Search of the S2S lost pupil database."
    )
    s2s_result: S2sSearchResult = Field(title="S2S result", description="What the search found.")
    notes: str = Field(default="", max_length=5000, title="Notes", description="Anything else.")


class ReviewOutcome(_Choice):
    STILL_MISSING = "still_missing"
    LOCATED_NO_EDUCATION = "located_no_education"
    CLOSE_CASE = "close_case"


class PeriodicReview(_Closable):
    """A periodic review of a child whose whereabouts are unknown."""

    reviewed_on: date = Field(title="Reviewed on", description="Date of this review.")
    s2s_searched_again: bool = Field(
        default=False, title="S2S searched again", description="LPD re-searched for this review."
    )
    outcome: ReviewOutcome = Field(title="Outcome", description="What the review found.")
    notes: str = Field(default="", max_length=5000, title="Notes", description="Anything else.")
    closure_outcome: ClosureOutcome | None = _closure_outcome()

    @model_validator(mode="after")
    def _closing_needs_outcome(self) -> Self:
        self._check_closure(self.outcome is ReviewOutcome.CLOSE_CASE)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        return self.closure_outcome if self.outcome is ReviewOutcome.CLOSE_CASE else None


# --- Support to a school place --------------------------------------------------------------

_EMAIL_PATTERN = r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$"


class PlaceRoute(_Choice):
    IN_YEAR_APPLICATION = "in_year_application"
    FAIR_ACCESS_REFERRAL = "fair_access_referral"
    NO_APPLICATION = "no_application"
    ELECTIVE_HOME_EDUCATION = "elective_home_education"
    CLOSE_CASE = "close_case"


# The in-year application's outcome is due within 15 school days (School Admissions Code 2021
# para 2.28); a Fair Access placement within 20 (local target). Periods: config/calendar.toml.
class SchoolPlaceRequest(_Closable):
    """The family's in-year application for a school place, or the child's referral to the Fair
    Access panel: the support offered before any formal notice."""

    outcome: PlaceRoute = Field(title="Route to a place", description="How a place is sought.")
    made_on: date = Field(
        title="Made on",
        description="The day the application was made or the referral sent; with no application, "
        "the day you record that (after the time given to apply).",
    )
    schools_applied_for: str = Field(
        default="",
        max_length=1000,
        title="Schools applied for",
        description="In-year application: the schools, in the family's order of preference.",
    )
    fair_access_panel: str = Field(
        default="",
        max_length=200,
        title="Fair Access panel",
        description="Fair Access referral: which panel (e.g. the DSPL area's primary panel).",
    )
    notes: str = Field(default="", max_length=5000, title="Notes", description="Anything else.")
    closure_outcome: ClosureOutcome | None = _closure_outcome()

    @model_validator(mode="after")
    def _route_details(self) -> Self:
        if self.outcome is PlaceRoute.IN_YEAR_APPLICATION:
            _require(
                _given(self.schools_applied_for),
                "schools_applied_for",
                "required for an in-year application",
            )
        if self.outcome is PlaceRoute.FAIR_ACCESS_REFERRAL:
            _require(
                _given(self.fair_access_panel),
                "fair_access_panel",
                "required for a Fair Access referral",
            )
        self._check_closure(self.outcome is PlaceRoute.CLOSE_CASE)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        return {
            PlaceRoute.ELECTIVE_HOME_EDUCATION: ClosureOutcome.ELECTIVE_HOME_EDUCATION,
            PlaceRoute.CLOSE_CASE: self.closure_outcome,
        }.get(self.outcome)


class OfferOutcome(_Choice):
    OFFER_ACCEPTED = "offer_accepted"
    OFFER_REFUSED = "offer_refused"
    REFUSED_EVERY_OFFER = "refused_every_offer"
    NO_PLACE_REFER_TO_FAIR_ACCESS = "no_place_refer_to_fair_access"
    ELECTIVE_HOME_EDUCATION = "elective_home_education"
    CLOSE_CASE = "close_case"


_NAMES_A_SCHOOL = (
    OfferOutcome.OFFER_ACCEPTED,
    OfferOutcome.OFFER_REFUSED,
    OfferOutcome.REFUSED_EVERY_OFFER,
)


class SchoolPlaceOffer(_Closable):
    """What came of the application or referral: a place offered (accepted or refused), or no
    place and a referral on to the Fair Access panel."""

    outcome: OfferOutcome = Field(title="Outcome", description="What the application came to.")
    decided_on: date = Field(
        title="On",
        description="The day of the offer, of the family's refusal, or of the referral.",
    )
    school_offered: str = Field(
        default="",
        max_length=200,
        title="School offered",
        description="An offer: the school (named in any s437(1) notice that follows).",
    )
    school_email: str = Field(
        default="",
        max_length=200,
        title="School's admissions email",
        description="Offer accepted: where the school is told of the child before the start date.",
        pattern=_EMAIL_PATTERN,
    )
    start_date: date | None = Field(
        default=None,
        title="Start date",
        description="Offer accepted: the day the school expects the child to start.",
    )
    fair_access_panel: str = Field(
        default="",
        max_length=200,
        title="Fair Access panel",
        description="Referred to the Fair Access panel: which panel.",
    )
    notes: str = Field(default="", max_length=5000, title="Notes", description="Anything else.")
    closure_outcome: ClosureOutcome | None = _closure_outcome()

    @model_validator(mode="after")
    def _outcome_details(self) -> Self:
        outcome = self.outcome
        if outcome in _NAMES_A_SCHOOL:
            _require(_given(self.school_offered), "school_offered", "required for an offer")
        accepted = outcome is OfferOutcome.OFFER_ACCEPTED
        if accepted:
            _require(
                _given(self.school_email),
                "school_email",
                "required to tell the school before the start date",
            )
        _require(
            (self.start_date is not None) == accepted,
            "start_date",
            "required when the offer is accepted" if accepted else "only for an accepted offer",
        )
        if outcome is OfferOutcome.NO_PLACE_REFER_TO_FAIR_ACCESS:
            _require(
                _given(self.fair_access_panel),
                "fair_access_panel",
                "required for a Fair Access referral",
            )
        self._check_closure(outcome is OfferOutcome.CLOSE_CASE)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        return {
            OfferOutcome.ELECTIVE_HOME_EDUCATION: ClosureOutcome.ELECTIVE_HOME_EDUCATION,
            OfferOutcome.CLOSE_CASE: self.closure_outcome,
        }.get(self.outcome)


class StartOutcome(_Choice):
    STARTED = "started"
    NOT_STARTED = "not_started"
    ELECTIVE_HOME_EDUCATION = "elective_home_education"
    CLOSE_CASE = "close_case"


class SchoolStart(_Closable):
    """Has the child started at the school that offered the place?"""

    outcome: StartOutcome = Field(title="Start", description="Started, or not by the due date.")
    checked_on: date = Field(title="Checked on", description="The day you checked with the school.")
    started_on: date | None = Field(
        default=None, title="Started on", description="Started: the child's first day."
    )
    notes: str = Field(default="", max_length=5000, title="Notes", description="Anything else.")
    closure_outcome: ClosureOutcome | None = _closure_outcome()

    @model_validator(mode="after")
    def _start_details(self) -> Self:
        started = self.outcome is StartOutcome.STARTED
        _require(
            (self.started_on is not None) == started,
            "started_on",
            "required when the child started" if started else "only when the child started",
        )
        if self.started_on is not None:
            _require(
                self.started_on <= self.checked_on,
                "started_on",
                f"{self.started_on} is after the day you checked ({self.checked_on})",
            )
        self._check_closure(self.outcome is StartOutcome.CLOSE_CASE)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        return {
            StartOutcome.STARTED: ClosureOutcome.FOUND_ON_ROLL,
            StartOutcome.ELECTIVE_HOME_EDUCATION: ClosureOutcome.ELECTIVE_HOME_EDUCATION,
            StartOutcome.CLOSE_CASE: self.closure_outcome,
        }.get(self.outcome)


# --- Education enquiry (s437(1)) ------------------------------------------------------------


class NoticeDecision(_Choice):
    SERVE_NOTICE = "serve_notice"
    CLOSE_CASE = "close_case"


class _Service(_Closable):
    decision: NoticeDecision = Field(title="Decision", description="Serve the notice, or close.")
    service_method: ServiceMethod = Field(
        title="Service method", description="How the notice is served (sets the deemed date)."
    )
    served_on: date = Field(
        title="To be sent on",
        description="The day it will be posted, emailed or handed over: the letter states it.",
    )
    served_on_parent: str = Field(
        min_length=2,
        max_length=200,
        title="Addressed to",
        description="The parent(s) to serve it on, by name (needed for any prosecution).",
    )

    @model_validator(mode="after")
    def _closing_needs_outcome(self) -> Self:
        self._check_closure(self.decision is NoticeDecision.CLOSE_CASE)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        return self.closure_outcome if self.decision is NoticeDecision.CLOSE_CASE else None


class S437NoticeService(_Service):
    """Approve the s437(1) notice requiring the parent to satisfy the LA: how, when and to whom it
    will be sent. The letter is produced next, and its service confirmed on it."""

    period_days: int = Field(
        default=15,
        ge=15,
        le=60,
        title="Period (days)",
        description="Days to satisfy the council, beginning with the day served: not less than 15.",
    )
    closure_outcome: ClosureOutcome | None = _closure_outcome()


class ParentAnswer(_Choice):
    SUITABLE_EDUCATION_SHOWN = "suitable_education_shown"
    REGISTERED_AT_SCHOOL = "registered_at_school"
    NOT_SATISFIED = "not_satisfied"
    NO_ANSWER = "no_answer"
    CLOSE_CASE = "close_case"


class S437Response(_Closable):
    """The parent's answer to the s437(1) notice, and whether an SAO is expedient (s437(3))."""

    answer: ParentAnswer = Field(title="Parent's answer", description="What the parent showed.")
    decided_on: date = Field(
        title="Considered on",
        description="The day you considered the answer. An answer that satisfies the council may "
        "be recorded on any day; 'not satisfied' or 'no answer' only after the notice's period.",
    )
    school_name: str = Field(
        default="", max_length=200, title="School", description="Registered: which school."
    )
    expedient_that_child_attend_school: bool = Field(
        default=False,
        title="Expedient that the child attend school",
        description="s437(3): required to proceed to a School Attendance Order.",
    )
    notes: str = Field(default="", max_length=5000, title="Notes", description="Reasons.")
    closure_outcome: ClosureOutcome | None = _closure_outcome()

    @model_validator(mode="after")
    def _answer_details(self) -> Self:
        if self.answer is ParentAnswer.REGISTERED_AT_SCHOOL:
            _require(_given(self.school_name), "school_name", "required when registered")
        if self.answer in (ParentAnswer.NOT_SATISFIED, ParentAnswer.NO_ANSWER):
            _require(
                self.expedient_that_child_attend_school,
                "expedient_that_child_attend_school",
                "s437(3) allows an SAO only where it is expedient that the child attend school; "
                "confirm it, or close the case with an outcome",
            )
        self._check_closure(self.answer is ParentAnswer.CLOSE_CASE)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        return {
            ParentAnswer.SUITABLE_EDUCATION_SHOWN: ClosureOutcome.ELECTIVE_HOME_EDUCATION,
            ParentAnswer.REGISTERED_AT_SCHOOL: ClosureOutcome.FOUND_ON_ROLL,
            ParentAnswer.CLOSE_CASE: self.closure_outcome,
        }.get(self.answer)


# --- Serving a letter -----------------------------------------------------------------------


class LetterSent(_Choice):
    SENT_AS_STATED = "sent_as_stated"
    REISSUE = "reissue"


class LetterServed(DecisionForm):
    """Confirm the letter linked above went out as it states, or have it re-issued.

    A notice states the day it is sent, how, and the date its period ends; sent any other day or
    way, those dates would be wrong. A re-issue is a new letter for the new day and method (the
    old one is kept in the record), to be confirmed in turn.
    """

    sent: LetterSent = Field(
        title="Was it sent as the letter states?",
        description="Sent on the day and in the way the letter states; or re-issue it.",
    )
    reissue_sent_on: date | None = Field(
        default=None,
        title="Re-issue: to be sent on",
        description="Only to re-issue: the day the new letter will be sent.",
    )
    reissue_service_method: ServiceMethod | None = Field(
        default=None,
        title="Re-issue: service method",
        description="Only to re-issue: how the new letter will be served.",
    )
    notes: str = Field(default="", max_length=5000, title="Notes", description="Anything else.")

    @model_validator(mode="after")
    def _reissue_details(self) -> Self:
        reissue = self.sent is LetterSent.REISSUE
        for field in ("reissue_sent_on", "reissue_service_method"):
            given = getattr(self, field) is not None
            if reissue:
                _require(given, field, "required to re-issue the letter")
            else:
                _require(not given, field, "leave empty unless you re-issue the letter")
        return self


# --- School Attendance Order (s438, s437(3)) ------------------------------------------------


class S438NoticeOfIntention(_Service):
    """Approve the s438 notice of intention naming the proposed school and any alternatives: how,
    when and to whom it will be sent. The letter is produced next, and its service confirmed."""

    proposed_school: str = Field(
        min_length=2, max_length=200, title="Proposed school", description="The school proposed."
    )
    alternative_schools: str = Field(
        default="",
        max_length=1000,
        title="Alternative schools",
        description="Suitable alternatives the parent may choose instead, if any.",
    )
    closure_outcome: ClosureOutcome | None = _closure_outcome()


class ParentChoice(_Choice):
    PROPOSED_SCHOOL = "proposed_school"
    CHOSE_ALTERNATIVE = "chose_alternative"
    OFFERED_PLACE_ELSEWHERE = "offered_place_elsewhere"


class OrderDecision(_Choice):
    SERVE_ORDER = "serve_order"
    CLOSE_CASE = "close_case"


class SaoService(_Closable):
    """Approve the School Attendance Order naming the school (s437(3)-(5)): how and when it will
    be sent. The order is produced next, and its service confirmed on it."""

    decision: OrderDecision = Field(title="Decision", description="Serve the order, or close.")
    parent_choice: ParentChoice = Field(
        title="Parent's choice", description="What the parent chose within the s438 period."
    )
    named_school: str = Field(
        min_length=2, max_length=200, title="Named school", description="The school the SAO names."
    )
    service_method: ServiceMethod = Field(
        title="Service method", description="How the order is served (sets the deemed date)."
    )
    served_on: date = Field(
        title="To be sent on",
        description="The day it will be posted, emailed or handed over: the order states it.",
    )
    closure_outcome: ClosureOutcome | None = _closure_outcome()

    @model_validator(mode="after")
    def _closing_needs_outcome(self) -> Self:
        self._check_closure(self.decision is OrderDecision.CLOSE_CASE)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        return self.closure_outcome if self.decision is OrderDecision.CLOSE_CASE else None


class Compliance(_Choice):
    REGISTERED_AT_NAMED_SCHOOL = "registered_at_named_school"
    REVOKED_ON_APPLICATION = "revoked_on_application"
    NOT_COMPLIED = "not_complied"


class SaoCompliance(DecisionForm):
    """Has the parent complied with the School Attendance Order?"""

    # A field title equal to its enum's title is dropped from the JSON schema (pydantic folds it
    # into the $ref), so this one says more than the enum's name.
    compliance: Compliance = Field(
        title="Compliance with the order",
        description="Registered at the named school; revoked under s442; or not complied.",
    )
    checked_on: date = Field(title="Checked on", description="Date compliance was checked.")
    notes: str = Field(default="", max_length=5000, title="Notes", description="Evidence seen.")

    def closes_case(self) -> ClosureOutcome | None:
        return {
            Compliance.REGISTERED_AT_NAMED_SCHOOL: ClosureOutcome.SAO_COMPLIED,
            Compliance.REVOKED_ON_APPLICATION: ClosureOutcome.SAO_REVOKED,
        }.get(self.compliance)


# --- Prosecution referral (s443, s447) ------------------------------------------------------


class EnforcementDecision(_Choice):
    PROSECUTE = "prosecute"
    APPLY_FOR_ESO = "apply_for_eso"
    PROSECUTE_AND_APPLY_FOR_ESO = "prosecute_and_apply_for_eso"


class EsoConsideration(DecisionForm):
    """s447(1): before prosecuting under s443 the LA shall consider applying for an ESO."""

    eso_considered: bool = Field(
        default=False,
        title="ESO considered",
        description="s447(1): an Education Supervision Order was considered.",
    )
    decision: EnforcementDecision = Field(title="Decision", description="What the LA will do.")
    decided_on: date = Field(title="Decided on", description="The day the decision was taken.")
    reasons: str = Field(
        min_length=10, max_length=5000, title="Reasons", description="Reasons for the decision."
    )

    @model_validator(mode="after")
    def _eso_considered(self) -> Self:
        _require(
            self.eso_considered,
            "eso_considered",
            "s447(1) requires an ESO to be considered before proceedings",
        )
        return self


class CourtOutcome(_Choice):
    CONVICTED = "convicted"
    ACQUITTED = "acquitted"
    WITHDRAWN = "withdrawn"
    ESO_MADE = "eso_made"


class ProsecutionOutcome(DecisionForm):
    """The outcome of the proceedings."""

    outcome: CourtOutcome = Field(title="Outcome", description="The court's decision.")
    decided_on: date = Field(title="Decided on", description="Date of the hearing or decision.")
    notes: str = Field(default="", max_length=5000, title="Notes", description="Anything else.")

    def closes_case(self) -> ClosureOutcome:
        return {
            CourtOutcome.CONVICTED: ClosureOutcome.PROSECUTION_CONVICTED,
            CourtOutcome.ACQUITTED: ClosureOutcome.PROSECUTION_ACQUITTED,
            CourtOutcome.WITHDRAWN: ClosureOutcome.PROSECUTION_WITHDRAWN,
            CourtOutcome.ESO_MADE: ClosureOutcome.ESO_MADE,
        }[self.outcome]


# --- The 2026 Act's route (config/regimes.toml, cwsa_2026; docs/regimes.md) -----------------


class PreliminaryNoticeService(S437NoticeService):
    """Approve the preliminary notice (Children's Wellbeing and Schools Act 2026) requiring the
    parent to satisfy the LA: how, when and to whom it will be sent. The letter is produced next,
    with its review notes, and its service confirmed on it."""

    period_days: int = Field(
        default=15,
        ge=15,
        le=60,
        title="Period (days)",
        description="Days to satisfy the council, beginning with the day served: at least 15 "
        "until the period the Act requires is confirmed.",
    )


class PreliminaryNoticeResponse(_Closable):
    """The parent's answer to the preliminary notice and, if it does not satisfy the council,
    whether the child should attend school, decided after considering the home and other learning
    environments (the 2026 Act)."""

    answer: ParentAnswer = Field(title="Parent's answer", description="What the parent showed.")
    decided_on: date = Field(
        title="Considered on",
        description="The day you considered the answer. An answer that satisfies the council may "
        "be recorded on any day; 'not satisfied' or 'no answer' only after the notice's period.",
    )
    school_name: str = Field(
        default="", max_length=200, title="School", description="Registered: which school."
    )
    learning_environments_considered: bool = Field(
        default=False,
        title="Home and other learning environments considered",
        description="Required to proceed: the council considers the home and any other place "
        "the child is educated before deciding the child should attend school.",
    )
    child_should_attend_school: bool = Field(
        default=False,
        title="The child should attend school",
        description="Required to proceed to a school nomination notice and an order.",
    )
    notes: str = Field(default="", max_length=5000, title="Notes", description="Reasons.")
    closure_outcome: ClosureOutcome | None = _closure_outcome()

    @model_validator(mode="after")
    def _answer_details(self) -> Self:
        if self.answer is ParentAnswer.REGISTERED_AT_SCHOOL:
            _require(_given(self.school_name), "school_name", "required when registered")
        if self.answer in (ParentAnswer.NOT_SATISFIED, ParentAnswer.NO_ANSWER):
            _require(
                self.learning_environments_considered,
                "learning_environments_considered",
                "the home and other learning environments are considered before deciding the "
                "child should attend school; confirm it, or close the case with an outcome",
            )
            _require(
                self.child_should_attend_school,
                "child_should_attend_school",
                "an order is made only where the child should attend school; confirm it, or "
                "close the case with an outcome",
            )
        self._check_closure(self.answer is ParentAnswer.CLOSE_CASE)
        return self

    def closes_case(self) -> ClosureOutcome | None:
        return {
            ParentAnswer.SUITABLE_EDUCATION_SHOWN: ClosureOutcome.ELECTIVE_HOME_EDUCATION,
            ParentAnswer.REGISTERED_AT_SCHOOL: ClosureOutcome.FOUND_ON_ROLL,
            ParentAnswer.CLOSE_CASE: self.closure_outcome,
        }.get(self.answer)


class SchoolNominationNotice(S438NoticeOfIntention):
    """Approve the school nomination notice (the 2026 Act) naming the school nominated and any
    alternatives: how, when and to whom it will be sent. The letter is produced next, with its
    review notes, and its service confirmed."""

    proposed_school: str = Field(
        min_length=2, max_length=200, title="Nominated school", description="The school nominated."
    )
    alternative_schools: str = Field(
        default="",
        max_length=1000,
        title="Alternative schools",
        description="Suitable alternatives the parent may select instead, if any.",
    )


class OrderS436IService(SaoService):
    """Approve the School Attendance Order under s436I naming the school: how and when it will be
    sent. The order is produced next, with its review notes, and its service confirmed on it."""

    parent_choice: ParentChoice = Field(
        title="Parent's choice",
        description="What the parent selected within the school nomination notice's window.",
    )


class OrderCompliance(_Choice):
    REGISTERED_AT_NAMED_SCHOOL = "registered_at_named_school"
    ORDER_REVOKED = "order_revoked"
    NOT_COMPLIED = "not_complied"
    WITHDRAWN_WHILE_IN_FORCE = "withdrawn_while_in_force"


class OrderS436ICompliance(DecisionForm):
    """Has the parent complied with the School Attendance Order under s436I, and kept the child at
    the school it names? Withdrawing the child while the order is in force is an offence."""

    compliance: OrderCompliance = Field(
        title="Compliance with the order",
        description="Registered at the named school; the order revoked; not complied with; or "
        "registered, then withdrawn while the order is in force.",
    )
    checked_on: date = Field(title="Checked on", description="Date compliance was checked.")
    notes: str = Field(default="", max_length=5000, title="Notes", description="Evidence seen.")

    def closes_case(self) -> ClosureOutcome | None:
        return {
            OrderCompliance.REGISTERED_AT_NAMED_SCHOOL: ClosureOutcome.SAO_COMPLIED,
            OrderCompliance.ORDER_REVOKED: ClosureOutcome.SAO_REVOKED,
        }.get(self.compliance)

    @property
    def offence(self) -> str:
        """The regime's step the breach is referred under (a form that closes the case has none)."""
        return BREACH_OFFENCES[self.compliance.value]


class ProceedingsDecision(_Choice):
    PROSECUTE_FOR_THE_OFFENCE = "prosecute_for_the_offence"
    APPLY_FOR_ESO = "apply_for_eso"
    PROSECUTE_AND_APPLY_FOR_ESO = "prosecute_and_apply_for_eso"


class EsoConsideration2026(DecisionForm):
    """Before proceedings for an offence under the 2026 Act's School Attendance Order, the LA
    considers applying for an Education Supervision Order (EA 1996 s447(1), as the 2026 Act leaves
    or amends it: to be confirmed against the enacted text)."""

    eso_considered: bool = Field(
        default=False,
        title="ESO considered",
        description="An Education Supervision Order was considered before proceedings.",
    )
    decision: ProceedingsDecision = Field(title="Decision", description="What the LA will do.")
    decided_on: date = Field(title="Decided on", description="The day the decision was taken.")
    reasons: str = Field(
        min_length=10, max_length=5000, title="Reasons", description="Reasons for the decision."
    )

    @model_validator(mode="after")
    def _eso_considered(self) -> Self:
        _require(
            self.eso_considered,
            "eso_considered",
            "an ESO is considered before proceedings (s447(1))",
        )
        return self


# --- Consent to withdraw (new s434A Education Act 1996) -------------------------------------


# Provisional: the Act sets no deadline for this decision and the best-interests criteria await
# statutory guidance (docs/withdrawal-consent.md); the form invents neither.
class WithdrawalConsentForm(DecisionForm):
    """The authority's decision whether to consent to a parent withdrawing a relevant child from
    school for education otherwise than at school, in the child's best interests."""

    # A relevant child under Condition B is already known to children's social care; concerns
    # go to MASH as usual, not through this form.
    safeguarding_indicators: SkipJsonSchema[list[SafeguardingIndicator]] = Field(
        default_factory=list
    )
    decision: ConsentDecision = Field(
        title="Best-interests decision",
        description="Consent given, consent refused, or consent not needed (not a relevant "
        "child after all, e.g. placed at the school privately, or the s47 enquiries ended).",
    )
    reasons: str = Field(
        min_length=1,
        max_length=5000,
        title="Reasons",
        description="Why this decision is in the child's best interests: who was consulted and "
        "what was weighed. Required.",
    )
    decided_on: date = Field(
        title="Decided on", description="The day the decision was made (not in the future)."
    )

    @model_validator(mode="after")
    def _reasons_given(self) -> Self:
        _require(_given(self.reasons), "reasons", "give the reasons for the decision")
        return self


# --- The register of children not in school (new s436G; flows/register.py) -----------------


class RegisterSupportAnswer(DecisionForm):
    """The council's answer to a request for support (s436G)."""

    # Not a case: a concern found here is referred as a case is, through a referral.
    safeguarding_indicators: SkipJsonSchema[list[SafeguardingIndicator]] = Field(
        default_factory=list
    )
    answered_on: date = Field(title="Answered on", description="The day the answer was given.")
    outcome: SupportOutcome = Field(title="Support", description="What the council does.")
    answer: str = Field(
        min_length=1, max_length=2000, title="Answer", description="The answer as given."
    )


# --- The team's drop-down -------------------------------------------------------------------

F = TypeVar("F", bound=DecisionForm)


def with_people(form: type[F], people: list[str]) -> type[F]:
    """The same form with `officer` narrowed to the configured people: a team id not among them
    is refused by the server on resume (the stored schema) and by the form itself."""
    if len(set(people)) < 2:
        raise ValueError("people: the officer choice needs two or more distinct configured people")
    if len(set(people)) != len(people):
        raise ValueError("people: each configured person must appear once")
    # Named unlike the field's title "Officer": pydantic drops a field title equal to its enum's.
    choice = cast(type[StrEnum], StrEnum("TeamMember", {person: person for person in people}))
    narrowed = create_model(
        form.__name__,
        __base__=form,
        __module__=form.__module__,
        officer=(
            SkipJsonSchema[choice | None],  # type: ignore[valid-type,misc]
            Field(default=None, title="Officer", description=OFFICER_FIELD_DESCRIPTION),
        ),
    )
    narrowed.team = tuple(people)
    return narrowed
