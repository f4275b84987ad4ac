"""A child as initials: enough for an officer to know whom a form is about, and no more."""

from __future__ import annotations


def initial(name: str) -> str:
    """The first letter of a name, whatever comes before it ("'Ola" gives "O"); "" if none."""
    return next((character.upper() for character in name if character.isalpha()), "")


def initials(forenames: str, surname: str) -> str:
    """ "Z. O." for Zoë O'Brien-Hart; a name with no letter in it is left out."""
    letters = [initial(name) for name in (forenames, surname)]
    return " ".join(f"{letter}." for letter in letters if letter) or "no name given"
