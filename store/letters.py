"""Reading and writing the letter table: which PDFs a case has, with their checksums.

Like store/, every function takes the caller's session and never commits. A letter is
recorded once per natural key: a replay finds the recorded letter and produces nothing new.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.case_events import LetterProduced
from models.enums import Addressee, LetterKind
from store import case_events
from store.create_once import create_once
from store.orm import Letter


def get_letter(*, session: Session, case_id: int, natural_key: str) -> Letter | None:
    """Find the letter recorded under a natural key.

    Args:
        session: The caller's session.
        case_id: The case.
        natural_key: e.g. "education-enquiry-s437-notice-1".

    Returns:
        The letter, or None if none was recorded under that key.
    """
    return session.scalars(
        select(Letter).where(Letter.case_id == case_id, Letter.natural_key == natural_key)
    ).one_or_none()


def record_letter(
    *,
    session: Session,
    case_id: int,
    natural_key: str,
    kind: LetterKind,
    addressed_to: Addressee,
    path: str,
    sha256: str,
    template: str,
    template_version: str,
    created_at: datetime,
    actor: str,
) -> Letter:
    """Record a letter written to disk, with a "letter_produced" case event, once per key.

    The first letter recorded under a key is the letter: a replay, or a second worker that lost
    the race, gets the recorded one back and appends no second event.

    Args:
        session: The caller's session.
        case_id: The case.
        natural_key: The decision the letter serves and its issue number.
        kind: Which letter.
        addressed_to: The addressee's role (the name is in the letter only).
        path: The PDF's path relative to the state folder's letters/ folder.
        sha256: The PDF's SHA-256, hex.
        template: The template it was rendered from, e.g. "letters/s437_notice.html.j2".
        template_version: The SHA-256 of that template's source with its layout.
        created_at: When it was produced (aware).
        actor: Who or what produced it, for the case history.

    Returns:
        The recorded letter.
    """
    if created_at.tzinfo is None or created_at.utcoffset() is None:
        raise ValueError(f"created_at: naive datetime {created_at.isoformat()} refused")
    existing = get_letter(session=session, case_id=case_id, natural_key=natural_key)
    if existing is not None:
        return existing

    def create() -> Letter:
        letter = Letter(
            case_id=case_id,
            kind=kind,
            natural_key=natural_key,
            addressed_to=addressed_to,
            path=path,
            sha256=sha256,
            template=template,
            template_version=template_version,
            created_at=created_at,
        )
        session.add(letter)
        session.flush()
        case_events.append_event(
            session=session,
            case_id=case_id,
            event=LetterProduced(
                letter=kind,
                natural_key=natural_key,
                addressed_to=addressed_to,
                path=path,
                sha256=sha256,
                template=template,
                template_version=template_version,
            ),
            actor=actor,
            occurred_at=created_at,
        )
        return letter

    letter, _created = create_once(
        session=session,
        create=create,
        reread=lambda: get_letter(session=session, case_id=case_id, natural_key=natural_key),
    )
    return letter


def list_letters(*, session: Session, case_id: int) -> list[Letter]:
    """List a case's letters in the order they were produced.

    Args:
        session: The caller's session.
        case_id: The case.

    Returns:
        The letters, oldest first.
    """
    return list(
        session.scalars(select(Letter).where(Letter.case_id == case_id).order_by(Letter.id))
    )
