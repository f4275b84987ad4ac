"""Answers in progress, kept on the server for a short while, keyed by a random session id.

The person's browser holds only the opaque id (an HttpOnly cookie), never the child's details, so a
shared computer keeps nothing. Drafts live in memory for `ttl_seconds`: a restart loses answers not
yet submitted, never a submission (those are in the case database before the receipt is shown).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from models.public_form import Answers


@dataclass
class Draft:
    answers: Answers = field(default_factory=dict)
    receipt: str | None = None
    touched: float = 0.0


@dataclass
class DraftStore:
    ttl_seconds: float = 3600.0
    max_drafts: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _drafts: OrderedDict[str, Draft] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def new(self) -> str:
        session_id = secrets.token_urlsafe(32)
        with self._lock:
            self._expire()
            while len(self._drafts) >= self.max_drafts:
                self._drafts.popitem(last=False)
            self._drafts[session_id] = Draft(touched=self.clock())
        return session_id

    def get(self, session_id: str | None) -> Draft | None:
        if not session_id:
            return None
        with self._lock:
            self._expire()
            draft = self._drafts.get(session_id)
            if draft is not None:
                draft.touched = self.clock()
                self._drafts.move_to_end(session_id)
            return draft

    def _expire(self) -> None:
        cutoff = self.clock() - self.ttl_seconds
        while self._drafts:
            oldest_id, oldest = next(iter(self._drafts.items()))
            if oldest.touched >= cutoff:
                return
            del self._drafts[oldest_id]
