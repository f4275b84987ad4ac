"""UK postcodes: validation and the normalised form the case record stores ("AL1 3ER").

The pattern is the standard format of Royal Mail postcodes: an outward code (area and district:
A9, A99, AA9, AA99, A9A, AA9A) and an inward code (sector digit and two unit letters), with the
letter restrictions of each position. Non-standard codes (GIR 0AA, BFPO, overseas territories)
are out of scope: a CME referral is for an address in England.
"""

from __future__ import annotations

import re

_AREA_FIRST = "[A-PR-UWYZ]"  # never Q, V, X
_AREA_SECOND = "[A-HK-Y]"  # never I, J, Z
_OUTWARD = (
    f"{_AREA_FIRST}[0-9][0-9]?"
    f"|{_AREA_FIRST}{_AREA_SECOND}[0-9][0-9]?"
    f"|{_AREA_FIRST}[0-9][ABCDEFGHJKPSTUW]"
    f"|{_AREA_FIRST}{_AREA_SECOND}[0-9][ABEHMNPRVWXY]"
)
_INWARD = "[0-9][ABD-HJLNP-UW-Z]{2}"  # unit letters never C, I, K, M, O, V
_POSTCODE = re.compile(rf"(?P<outward>{_OUTWARD})\s*(?P<inward>{_INWARD})")


def normalise_uk_postcode(raw: str) -> str:
    """Upper-case, trimmed, one space before the inward code: "al13er" -> "AL1 3ER".

    Raises ValueError naming the problem when `raw` is not a standard-format UK postcode.
    """
    match = _POSTCODE.fullmatch(raw.strip().upper())
    if match is None:
        raise ValueError(
            f"{raw!r} is not a valid UK postcode "
            "(expected an outward and an inward code, e.g. AL1 3ER)"
        )
    return f"{match['outward']} {match['inward']}"


def outward_code(postcode: str) -> str:
    """The area and district, e.g. "AL9" for "AL9 7TA"."""
    return normalise_uk_postcode(postcode).split(" ")[0]


def sector(postcode: str) -> str:
    """The outward code and the sector digit, e.g. "AL9 7" for "AL9 7TA"."""
    normalised = normalise_uk_postcode(postcode)
    return normalised[: normalised.index(" ") + 2]
