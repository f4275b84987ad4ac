"""The words each choice on a decision form reads as, by its code (the code is what is stored).

Codes that read well with their underscores turned to spaces are not listed. A code means the same
in every form that offers it, so one table serves the forms (flows/forms.py) and every summary that
shows a decision after it was made (tasks/summary.py).
"""

from __future__ import annotations

CHOICE_WORDS: dict[str, str] = {
    "not_made": "Not made yet",
    "continue_to_home_visit": "Continue to a home visit",
    "close_case": "Close the case",
    "on_roll_elsewhere": "On roll at another school",
    "moved_to_other_la": "Moved to another local authority",
    "moved_abroad_confirmed": "Moved abroad (confirmed)",
    "moved_abroad_believed": "Believed to have moved abroad",
    "elective_home_education": "Elective home education (to the EHE team)",
    "located_no_education": "Found, not in education",
    "no_contact": "No contact made",
    "record_found": "A record was found",
    "serve_notice": "Serve the notice",
    "suitable_education_shown": "Suitable education shown",
    "registered_at_school": "Child registered at a school",
    "not_satisfied": "Answered, but not satisfied",
    "no_answer": "No answer by the end of the period",
    "sent_as_stated": "Sent as the letter states",
    "reissue": "Re-issue it",
    "proposed_school": "The school proposed in the notice",
    "chose_alternative": "A school the parent chose instead",
    "offered_place_elsewhere": "A place offered elsewhere",
    "serve_order": "Serve the order",
    "registered_at_named_school": "Registered at the named school",
    "revoked_on_application": "Revoked on the parent's application (s442)",
    "not_complied": "Not complied with",
    "prosecute": "Prosecute (s443)",
    "apply_for_eso": "Apply for an ESO (s447)",
    "prosecute_and_apply_for_eso": "Prosecute and apply for an ESO",
    "eso_made": "Education Supervision Order made",
    "in_year_application": "In-year application made",
    "fair_access_referral": "Referred to the Fair Access panel",
    "no_application": "No application by the due date: move to the notice to satisfy the council",
    "offer_accepted": "Place offered and accepted",
    "offer_refused": "Place offered and refused: another being sought",
    "refused_every_offer": "Every offer refused: move to the notice to satisfy the council",
    "no_place_refer_to_fair_access": "No place offered: referred to the Fair Access panel",
    "started": "Started at the school",
    "not_started": "Not started by the due date: move to the notice to satisfy the council",
    # The 2026 Act's route.
    "order_revoked": "The order revoked (education arranged otherwise)",
    "withdrawn_while_in_force": "Registered, then withdrawn while the order is in force",
    "prosecute_for_the_offence": "Prosecute for the offence",
    # The register of children not in school: the answer to a support request (s436G).
    "provided": "Support provided",
    "offered": "Support offered",
    "signposted": "Signposted to help elsewhere",
    "declined": "Support declined",
    "consent_given": "Consent given: the child goes on the EHE list",
    "consent_refused": "Consent refused: the pupil stays on the school's roll",
    "consent_not_required": "Consent not needed: not a relevant child after all (to the EHE list)",
}


def words_for(code: str) -> str:
    """The words for a choice's code: from the table, else the code as a sentence."""
    return CHOICE_WORDS.get(code) or code.replace("_", " ").capitalize()


# The field of each decision form that says what was decided, and the label a summary gives it.
DECIDING_FIELDS: tuple[tuple[str, str], ...] = (
    ("decision", "Decision"),
    ("finding", "Finding"),
    ("answer", "Answer"),
    ("outcome", "Outcome"),
    ("compliance", "Compliance"),
    ("sent", "Letter"),
    ("s2s_result", "S2S result"),
    ("acknowledged_on", "Acknowledged on"),
)


def decision_summary(values: dict[str, object]) -> str:
    """The value that says what was decided, in words: "Finding: Found, not in education"."""
    for field, label in DECIDING_FIELDS:
        if field in values:
            return f"{label}: {words_for(str(values[field]))}"
    return ""
