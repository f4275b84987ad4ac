"""UK postcodes: validation and the normalised form the case record stores ("AL1 3ER").

The pattern is the standard format of Royal Mail postcodes: an outward code (area and district:
A9, A99, AA9, AA99, A9A, AA9A) and an inward code (sector digit and two unit letters), with the
letter restrictions of each position. Non-standard codes (GIR 0AA, BFPO, overseas territories)
are out of scope: a CME referral is for an address in England.

NHS and ONS pseudo-postcodes (`ZZ99` and an inward code, e.g. `ZZ99 3VZ`, no fixed abode) are
what health and council systems record when there is no home postcode. They are accepted where a
referral's postcode is read (`normalise_postcode`), understood as "no home postcode" and never
placed on the DSPL map. Only the two whose meaning is certain name a reason
(`pseudo_postcode_reason`); any other (a country abroad, "England, not otherwise specified")
needs the reason given with it.
"""

from __future__ import annotations

import re

from models.enums import NoAddressReason

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
PSEUDO_OUTWARD = "ZZ99"
_PSEUDO = re.compile(rf"{PSEUDO_OUTWARD}\s*(?P<inward>[0-9][A-Z]{{2}})")

# The pseudo-postcodes of the NHS Data Dictionary whose meaning says why there is no address.
_PSEUDO_REASONS = {
    "ZZ99 3VZ": NoAddressReason.NO_FIXED_ABODE,
    "ZZ99 3WZ": NoAddressReason.ADDRESS_NOT_KNOWN,
}


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


def pseudo_postcode(raw: str | None) -> str | None:
    """The normalised NHS/ONS pseudo-postcode ("zz993vz" -> "ZZ99 3VZ"); None if it is not one."""
    if raw is None:
        return None
    match = _PSEUDO.fullmatch(raw.strip().upper())
    return None if match is None else f"{PSEUDO_OUTWARD} {match['inward']}"


def is_pseudo_postcode(raw: str | None) -> bool:
    """True for an NHS/ONS pseudo-postcode (`ZZ99 ...`): a record of no home postcode."""
    return pseudo_postcode(raw) is not None


def pseudo_postcode_reason(raw: str | None) -> NoAddressReason | None:
    """Why there is no address, when the pseudo-postcode says so (ZZ99 3VZ, ZZ99 3WZ); else None."""
    normalised = pseudo_postcode(raw)
    return None if normalised is None else _PSEUDO_REASONS.get(normalised)


def normalise_postcode(raw: str) -> str:
    """A referral's postcode normalised: a Royal Mail postcode, or an NHS/ONS pseudo-postcode.

    Raises ValueError naming the problem when `raw` is neither.
    """
    pseudo = pseudo_postcode(raw)
    return pseudo if pseudo is not None else normalise_uk_postcode(raw)


def home_postcode(raw: str | None) -> str | None:
    """The real home postcode, normalised; None when missing, a pseudo-postcode or unreadable."""
    if raw is None or is_pseudo_postcode(raw):
        return None
    try:
        return normalise_uk_postcode(raw)
    except ValueError:
        return None
