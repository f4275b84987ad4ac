"""The vocabulary of a CME case, named as the statute and the guidance name it.

Each enum's values are stable identifiers stored in the case database; the labels are what a person
reads. Sources: docs/domain.md (referral sources, deletion grounds, outcomes, escalation).
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry a human-readable label."""

    @property
    def label(self) -> str:
        return _LABELS.get(self, self.value.replace("_", " ").capitalize())


class Stage(LabelledEnum):
    """The statutory stages of a case, in the order the Education Act 1996 takes them."""

    REFERRAL_CHECK = "referral_check"
    HOME_VISIT = "home_visit"
    # Found, not in education: support to a school place (in-year admission or Fair Access)
    # before any formal notice (School Admissions Code 2021 para 2.28; Fair Access Protocol).
    SCHOOL_PLACE_SUPPORT = "school_place_support"
    EDUCATION_ENQUIRY = "education_enquiry"  # s437(1) notice
    SAO_NOTICE = "sao_notice"  # s438 notice of intention, then the SAO (s437(3))
    PROSECUTION_REFERRAL = "prosecution_referral"  # s443, after considering an ESO (s447)
    PERIODIC_REVIEW = "periodic_review"  # whereabouts unknown, kept open


class LetterKind(LabelledEnum):
    """The letters the casework serves or sends (docs/domain.md#stages)."""

    S437_NOTICE = "s437_notice"
    S438_NOTICE_OF_INTENTION = "s438_notice_of_intention"
    SCHOOL_ATTENDANCE_ORDER = "school_attendance_order"
    OTHER_LA_NOTICE = "other_la_notice"
    LEGAL_SERVICES_REFERRAL = "legal_services_referral"
    REFERRER_CLOSING_LETTER = "referrer_closing_letter"
    SCHOOL_PLACE_HELP = "school_place_help"
    # The 2026 Act's route (config/regimes.toml, cwsa_2026; docs/regimes.md).
    PRELIMINARY_NOTICE = "preliminary_notice"
    SCHOOL_NOMINATION_NOTICE = "school_nomination_notice"
    SCHOOL_ATTENDANCE_ORDER_S436I = "school_attendance_order_s436i"


class Addressee(LabelledEnum):
    """Whom a letter is addressed to, as a role: the name is in the letter, not the record."""

    PARENT = "parent"
    OTHER_LOCAL_AUTHORITY = "other_local_authority"
    LEGAL_SERVICES = "legal_services"
    REFERRER = "referrer"


class CaseStatus(LabelledEnum):
    OPEN = "open"
    UNDER_PERIODIC_REVIEW = "under_periodic_review"
    CLOSED = "closed"


class ClosureOutcome(LabelledEnum):
    """Why a case closed (docs/domain.md#outcomes)."""

    FOUND_ON_ROLL = "found_on_roll"
    FOUND_ON_ROLL_OTHER_LA = "found_on_roll_other_la"
    MOVED_TO_OTHER_LA = "moved_to_other_la"
    MOVED_ABROAD_CONFIRMED = "moved_abroad_confirmed"
    MOVED_ABROAD_BELIEVED = "moved_abroad_believed"
    ELECTIVE_HOME_EDUCATION = "elective_home_education"
    EDUCATION_OTHERWISE_S19 = "education_otherwise_s19"
    SAO_COMPLIED = "sao_complied"
    SAO_REVOKED = "sao_revoked"
    PROSECUTION_CONVICTED = "prosecution_convicted"
    PROSECUTION_ACQUITTED = "prosecution_acquitted"
    PROSECUTION_WITHDRAWN = "prosecution_withdrawn"
    ESO_MADE = "eso_made"
    CSA_ENDED = "csa_ended"
    DECEASED = "deceased"
    WHEREABOUTS_UNKNOWN_CLOSED = "whereabouts_unknown_closed"
    NOT_CME = "not_cme"


class ReferrerType(LabelledEnum):
    SCHOOL_DELETION_RETURN = "school_deletion_return"
    SCHOOL = "school"
    AGENCY = "agency"
    OTHER_LOCAL_AUTHORITY = "other_local_authority"
    MEMBER_OF_PUBLIC = "member_of_public"
    ANONYMOUS = "anonymous"
    INTERNAL_TEAM = "internal_team"


class AgencyKind(LabelledEnum):
    CHILDRENS_SOCIAL_CARE = "childrens_social_care"
    POLICE = "police"
    HEALTH = "health"
    HOUSING = "housing"
    YOUTH_JUSTICE = "youth_justice"
    ADMISSIONS = "admissions"
    EHE_TEAM = "ehe_team"
    OTHER = "other"


class NoAddressReason(LabelledEnum):
    """Why a referral gives no home address or postcode: every child can be referred."""

    NO_FIXED_ABODE = "no_fixed_abode"
    ADDRESS_NOT_KNOWN = "address_not_known"
    LIVING_ABROAD_BELIEVED = "living_abroad_believed"


class Sex(LabelledEnum):
    FEMALE = "female"
    MALE = "male"
    NOT_KNOWN = "not_known"


class Relationship(LabelledEnum):
    MOTHER = "mother"
    FATHER = "father"
    STEP_PARENT = "step_parent"
    GRANDPARENT = "grandparent"
    FOSTER_CARER = "foster_carer"
    GUARDIAN = "guardian"
    OTHER_RELATIVE = "other_relative"
    OTHER = "other"


class DeletionGround(LabelledEnum):
    """Grounds for deleting a pupil of compulsory school age: reg 9(1), SI 2024/208."""

    A_REGISTERED_ELSEWHERE = "9_1_a"
    B_NURSERY_COMPLETED = "9_1_b"
    C_DUAL_REGISTRATION_ENDED = "9_1_c"
    D_SAO_AMENDED = "9_1_d"
    E_SAO_REVOKED = "9_1_e"
    F_ELECTIVE_HOME_EDUCATION = "9_1_f"
    G_MOVED_AWAY = "9_1_g"
    H_NOT_RETURNED_AFTER_LEAVE = "9_1_h"
    I_CONTINUOUS_ABSENCE_20_DAYS = "9_1_i"
    J_DETAINED = "9_1_j"
    K_DIED = "9_1_k"
    L_CEASES_COMPULSORY_SCHOOL_AGE = "9_1_l"
    M_BOARDER_FEES_UNPAID = "9_1_m"
    N_LEFT_INDEPENDENT_OR_SPECIAL_SCHOOL = "9_1_n"
    O_PERMANENTLY_EXCLUDED = "9_1_o"


class ReferralPurpose(LabelledEnum):
    """Why a case is opened. A deletion under reg 9(1)(a) whose destination school is not on the
    roll extract opens a short case only to verify that the child arrived there."""

    CHILD_MISSING_EDUCATION = "child_missing_education"
    VERIFY_DESTINATION = "verify_destination"


class SafeguardingIndicator(LabelledEnum):
    """The triggers for immediate escalation (docs/domain.md#immediate-escalation)."""

    IMMEDIATE_RISK = "immediate_risk"
    WHEREABOUTS_UNKNOWN_SAFETY_CONCERN = "whereabouts_unknown_safety_concern"
    KNOWN_TO_SOCIAL_CARE = "known_to_social_care"
    FGM_FORCED_MARRIAGE_HONOUR_ABUSE = "fgm_forced_marriage_honour_abuse"
    RADICALISATION = "radicalisation"
    EXPLOITATION_OR_TRAFFICKING = "exploitation_or_trafficking"
    UNREGISTERED_SETTING = "unregistered_setting"
    NOT_SEEN_WITH_VULNERABILITIES = "not_seen_with_vulnerabilities"
    PRIVATE_FOSTERING = "private_fostering"

    @property
    def needs_immediate_escalation(self) -> bool:
        """Every trigger in section 2.2 escalates at once; the screen records which."""
        return True


_LABELS: dict[LabelledEnum, str] = {
    NoAddressReason.NO_FIXED_ABODE: "No fixed abode",
    NoAddressReason.ADDRESS_NOT_KNOWN: "Address not known",
    NoAddressReason.LIVING_ABROAD_BELIEVED: "Living abroad (believed)",
    Stage.REFERRAL_CHECK: "Referral check",
    Stage.HOME_VISIT: "Home visit",
    Stage.SCHOOL_PLACE_SUPPORT: "Support to a school place (in-year application or Fair Access)",
    # The formal stages read the same under either regime; the law a case's stage runs under is
    # named beside them ("Law applied", models/regime.py).
    Stage.EDUCATION_ENQUIRY: "Education enquiry (notice to satisfy the council)",
    Stage.SAO_NOTICE: "School Attendance Order (notice naming a school, then the order)",
    Stage.PROSECUTION_REFERRAL: "Prosecution referral (after an ESO is considered)",
    Stage.PERIODIC_REVIEW: "Periodic review (whereabouts unknown)",
    LetterKind.S437_NOTICE: "s437(1) notice to satisfy the council",
    LetterKind.S438_NOTICE_OF_INTENTION: "s438 notice of intention to serve an SAO",
    LetterKind.SCHOOL_ATTENDANCE_ORDER: "School Attendance Order (s437(3))",
    LetterKind.OTHER_LA_NOTICE: "Notice to another local authority",
    LetterKind.LEGAL_SERVICES_REFERRAL: "Referral to legal services (s443, s447)",
    LetterKind.REFERRER_CLOSING_LETTER: "Closing letter to the referrer",
    LetterKind.SCHOOL_PLACE_HELP: "Letter to the parents: applying for a school place",
    LetterKind.PRELIMINARY_NOTICE: "Preliminary notice (2026 Act)",
    LetterKind.SCHOOL_NOMINATION_NOTICE: "School nomination notice (2026 Act)",
    LetterKind.SCHOOL_ATTENDANCE_ORDER_S436I: "School Attendance Order (s436I)",
    ClosureOutcome.FOUND_ON_ROLL: "Found on roll",
    ClosureOutcome.FOUND_ON_ROLL_OTHER_LA: "Found on roll at a school in another LA",
    ClosureOutcome.MOVED_TO_OTHER_LA: "Moved to another local authority",
    ClosureOutcome.MOVED_ABROAD_CONFIRMED: "Moved abroad (confirmed)",
    ClosureOutcome.MOVED_ABROAD_BELIEVED: "Believed to have moved abroad",
    ClosureOutcome.ELECTIVE_HOME_EDUCATION: "Elective home education (handed to the EHE team)",
    ClosureOutcome.EDUCATION_OTHERWISE_S19: "Education otherwise than at school (s19)",
    ClosureOutcome.SAO_COMPLIED: "SAO complied with",
    ClosureOutcome.SAO_REVOKED: "SAO revoked (s442)",
    ClosureOutcome.PROSECUTION_CONVICTED: "Prosecution: convicted (s443)",
    ClosureOutcome.PROSECUTION_ACQUITTED: "Prosecution: acquitted (s443)",
    ClosureOutcome.PROSECUTION_WITHDRAWN: "Prosecution: withdrawn",
    ClosureOutcome.ESO_MADE: "Education Supervision Order made",
    ClosureOutcome.CSA_ENDED: "Compulsory school age ended",
    ClosureOutcome.WHEREABOUTS_UNKNOWN_CLOSED: "Whereabouts unknown after all enquiries",
    ClosureOutcome.NOT_CME: "Not children missing education",
    ReferrerType.OTHER_LOCAL_AUTHORITY: "Another local authority",
    ReferrerType.MEMBER_OF_PUBLIC: "Member of the public",
    AgencyKind.CHILDRENS_SOCIAL_CARE: "Children's social care",
    AgencyKind.EHE_TEAM: "Elective home education team",
    Relationship.STEP_PARENT: "Step-parent",
    ReferrerType.SCHOOL_DELETION_RETURN: "School deletion return",
    DeletionGround.A_REGISTERED_ELSEWHERE: "9(1)(a) registered at another school",
    DeletionGround.B_NURSERY_COMPLETED: "9(1)(b) completed nursery education",
    DeletionGround.C_DUAL_REGISTRATION_ENDED: "9(1)(c) dual registration ended",
    DeletionGround.D_SAO_AMENDED: "9(1)(d) SAO amended to name another school",
    DeletionGround.E_SAO_REVOKED: "9(1)(e) SAO revoked",
    DeletionGround.F_ELECTIVE_HOME_EDUCATION: "9(1)(f) parent notified home education",
    DeletionGround.G_MOVED_AWAY: "9(1)(g) no longer lives within reasonable distance",
    DeletionGround.H_NOT_RETURNED_AFTER_LEAVE: "9(1)(h) not returned 10 school days after leave",
    DeletionGround.I_CONTINUOUS_ABSENCE_20_DAYS: "9(1)(i) continuously absent 20 school days",
    DeletionGround.J_DETAINED: "9(1)(j) detained for 4 months or more",
    DeletionGround.K_DIED: "9(1)(k) died",
    DeletionGround.L_CEASES_COMPULSORY_SCHOOL_AGE: "9(1)(l) ceases to be of compulsory school age",
    DeletionGround.M_BOARDER_FEES_UNPAID: "9(1)(m) boarder, fees unpaid",
    DeletionGround.N_LEFT_INDEPENDENT_OR_SPECIAL_SCHOOL: "9(1)(n) left independent/special school",
    DeletionGround.O_PERMANENTLY_EXCLUDED: "9(1)(o) permanently excluded",
    ReferralPurpose.CHILD_MISSING_EDUCATION: "Child missing education",
    ReferralPurpose.VERIFY_DESTINATION: "Verify the destination school (reg 9(1)(a))",
    SafeguardingIndicator.FGM_FORCED_MARRIAGE_HONOUR_ABUSE: (
        "FGM, forced marriage or so-called honour-based abuse"
    ),
    SafeguardingIndicator.WHEREABOUTS_UNKNOWN_SAFETY_CONCERN: (
        "Whereabouts unknown and concerns for safety"
    ),
    SafeguardingIndicator.NOT_SEEN_WITH_VULNERABILITIES: (
        "Child not seen, family refusing contact, other vulnerabilities"
    ),
}
