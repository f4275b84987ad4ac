"""What every store function checks: the error for a missing row, aware timestamps.

Every function takes the caller's session and never commits; creates are idempotent on a
natural key, so a resumed run that replays from the top writes nothing twice.
"""

from __future__ import annotations

from datetime import datetime

# A failure message is kept for the team lead, not as a log: long tracebacks are cut.
MAX_ERROR_LENGTH = 2000


class CaseNotFoundError(LookupError):
    """Raised when a case, stage or notification the caller names does not exist."""


def require_aware(**timestamps: datetime) -> None:
    for name, value in timestamps.items():
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"{name}: naive datetime {value.isoformat()} refused; pass UTC-aware")
