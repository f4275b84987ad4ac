"""The case summary names the child by initials: letters only, whatever the name starts with."""

from __future__ import annotations

import pytest

from models.initials import initial, initials


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Zoë", "Z"),
        ("'Ola", "O"),
        ("-Jay", "J"),
        ("  (Alex)", "A"),
        ("élodie", "É"),
        ("2 Kai", "K"),
        ("!!", ""),
        ("", ""),
    ],
)
def test_an_initial_is_the_first_letter_of_the_name(name: str, expected: str) -> None:
    assert initial(name) == expected


def test_initials_of_a_name_starting_with_a_symbol_are_letters() -> None:
    assert initials("'Ola", "*Smith") == "O. S."
    assert initials("Zoë", "O'Brien-Hart") == "Z. O."


def test_a_name_part_with_no_letter_is_left_out() -> None:
    assert initials("?", "Smith") == "S."
    assert initials("?", "-") == "no name given"
