"""Where an accepted submission goes before the receipt is shown: the case database."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from models.public_form import new_receipt
from models.referral import Referral
from store.database import session_scope
from store.public_submissions import add_submission


class Outbox(Protocol):
    def save(self, referral: Referral, *, received_at: datetime) -> str:
        """Store the referral durably (committed) and return its receipt number."""


class DatabaseOutbox:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def save(self, referral: Referral, *, received_at: datetime) -> str:
        for _ in range(5):
            receipt = new_receipt()
            try:
                with session_scope(self.engine) as session:
                    add_submission(
                        session=session,
                        receipt=receipt,
                        referral=referral.model_dump(mode="json"),
                        received_at=received_at,
                    )
                return receipt
            except IntegrityError:
                continue  # a receipt already taken: one in a trillion; draw another
        raise RuntimeError("could not draw an unused receipt number")
