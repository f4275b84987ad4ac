"""Serving a letter on a parent: prepared as the officer approved it, read, then confirmed sent.

A notice states the day it is sent, how, and the date its period ends; a prosecution stands on
what was served. So the letter is produced before the form that confirms its service, and linked
in that form. Sent any other day or way, its dates would be wrong: the officer has it re-issued
for the new day and method (a new letter; the old one stays in the record) and confirms that one.
"""

from __future__ import annotations

from datetime import date
from itertools import count

from flows.decisions import decide
from flows.forms import LetterSent, LetterServed
from flows.timeline import letter_sent
from models.case import CaseHandle
from models.enums import Stage
from models.letters import NOTICE_CLOCKS, SERVICE_METHOD_WORDS, NoticeRequest
from models.replay_keys import letter_key, served_step
from tasks.letters import produce_notice_letter
from tasks.notices import record_notice_served


def serve_letter(
    case: CaseHandle,
    stage: Stage,
    step: str,
    request: NoticeRequest,
    *,
    due_on: date | None,
    review_notes: tuple[str, ...] = (),
) -> NoticeRequest:
    """Produce the letter the decision `step` approved and return the request it was served as.
    `review_notes` are what the officer checks before sending it: a provisional step's notes."""
    for issue in count(1):
        letter = produce_notice_letter(case, letter_key(stage, step, issue), request)
        method = SERVICE_METHOD_WORDS[request.service_method]
        served = decide(
            case,
            stage,
            served_step(step, issue),
            LetterServed,
            ask=(
                f"Read the {letter.title} below, send it by {method} on {request.sent_on} as it "
                f"states, and confirm on or after that day; or have it re-issued for another day "
                "or method."
                + "".join(f"\n\nReview notes before you send it: {note}" for note in review_notes)
            ),
            due_on=due_on,
            letters=[letter],
            rules=letter_sent(request.sent_on),
        )
        if served.sent is LetterSent.SENT_AS_STATED:
            return request
        assert served.reissue_sent_on is not None and served.reissue_service_method is not None
        request = request.model_copy(
            update={
                "sent_on": served.reissue_sent_on,
                "service_method": served.reissue_service_method,
            }
        )
    raise AssertionError("unreachable")


def serve_notice(
    case: CaseHandle,
    stage: Stage,
    step: str,
    request: NoticeRequest,
    *,
    due_on: date | None,
    review_notes: tuple[str, ...] = (),
) -> date:
    """Serve the statutory notice the decision `step` approved (serve_letter), record its service
    and move the stage's clock to the end of the period it starts; returns that day.

    The clock is the one the letter's own dates were computed on (models.letters.NOTICE_CLOCKS),
    so the letter and the record always agree.
    """
    served = serve_letter(case, stage, step, request, due_on=due_on, review_notes=review_notes)
    return record_notice_served(
        case, stage, NOTICE_CLOCKS[served.kind], served.kind.value, served.service_method,
        served.sent_on, served.period_days,
    )  # fmt: skip
