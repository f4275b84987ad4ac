"""How a date is written in every form, and what to say when one cannot be read.

Pydantic's own words for an unreadable date ("invalid character in year") never say what is wanted;
every form's error names the field and this format instead.
"""

from __future__ import annotations

# Pydantic's error types for a date it could not read.
DATE_ERROR_TYPES = frozenset(
    {"date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"}
)
DATE_FORMAT = "a date is written YYYY-MM-DD, for example 2026-12-04 for 4 December 2026"
UNREADABLE_DATE = f"not a date we can read: {DATE_FORMAT}"
