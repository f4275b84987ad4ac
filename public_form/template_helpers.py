"""Small functions the page templates call to build the GOV.UK macros' parameters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from markupsafe import Markup, escape

from models.public_form import NO_CONCERNS, FieldError, SummaryRow


def choice_items(
    choices: Mapping[str, str],
    selected: Any,
    *,
    selected_key: str = "checked",
) -> list[dict[str, Any]]:
    """Radio (checked) or select (selected) items."""
    return [
        {"value": value, "text": text, selected_key: selected == value}
        for value, text in choices.items()
    ]


def safeguarding_items(choices: Mapping[str, str], selected: Any) -> list[dict[str, Any]]:
    """The concerns, then 'or', then an exclusive 'None of these'."""
    chosen = set(selected) if isinstance(selected, list) else set()
    items: list[dict[str, Any]] = [
        {"value": value, "text": text, "checked": value in chosen}
        for value, text in choices.items()
    ]
    items.append({"divider": "or"})
    items.append(
        {
            "value": NO_CONCERNS,
            "text": "None of these",
            "checked": NO_CONCERNS in chosen,
            "behaviour": "exclusive",
        }
    )
    return items


def error_list(errors: Sequence[FieldError]) -> list[dict[str, str]]:
    """The error summary's links, each to the field at fault."""
    return [{"text": error.message, "href": f"#{error.anchor}"} for error in errors]


def summary_list_rows(rows: Sequence[SummaryRow], page: str) -> list[dict[str, Any]]:
    """One page's check-your-answers rows, with a Change link to the field."""
    return [
        {
            "key": {"text": row.key},
            "value": {"html": Markup("<br>").join(escape(line) for line in row.value.split("\n"))},
            "actions": {
                "items": [
                    {
                        "href": f"/referral/{row.page}#{row.anchor}",
                        "text": "Change",
                        "visuallyHiddenText": row.key.lower(),
                    }
                ]
            },
        }
        for row in rows
        if row.page == page
    ]
