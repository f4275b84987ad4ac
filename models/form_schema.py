"""How a form's JSON schema reads in the Prefect UI: plain optional fields, choices in words.

Pydantic writes an optional field as `anyOf: [X, null]`, which the UI renders as a switch between
"X" and "None" ("Property is type None"): `plain_fields` writes it as X alone, not required, so the
UI shows the plain picker marked "(Optional)" and a field left empty is simply not sent.

A choice is stored by its code (`located_no_education`), which is what the case database keeps and
the Prefect server checks a resume against. The UI shows an enum's values as they are, so each
choice carries its words under `LABELS_KEY`; the sign-in gateway shows the words to the UI and
turns the chosen words back into codes on the way in (`in_words`, `in_codes`).
"""

from __future__ import annotations

import copy
import types
from collections.abc import Iterator
from enum import Enum
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from models.enums import LabelledEnum

LABELS_KEY = "x-labels"
_DEFINITIONS = ("definitions", "$defs")

Schema = dict[str, Any]


def label_of(member: Enum) -> str:
    """The words a person reads for a choice."""
    if isinstance(member, LabelledEnum):
        return member.label
    return str(member.value).replace("_", " ").capitalize()


def labels_of(choice: type[Enum]) -> list[list[str]]:
    """Each code of the enum and its words, in the enum's order (pairs, not a mapping: pydantic
    sorts a schema's mappings by key)."""
    return [[str(member.value), label_of(member)] for member in choice]


def _pairs(labels: Any) -> dict[str, str] | None:
    """The code-to-words mapping `LABELS_KEY` holds, or None if it holds none."""
    if not isinstance(labels, list) or not all(
        isinstance(pair, list) and len(pair) == 2 for pair in labels
    ):
        return None
    return {str(code): str(words) for code, words in labels}


def enum_in(annotation: Any) -> tuple[type[Enum] | None, bool]:
    """The enum a field holds (alone, optional, or as a list), and whether it is a list."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return enum_in(members[0]) if len(members) == 1 else (None, False)
    if origin is list:
        (item,) = get_args(annotation)
        found, _ = enum_in(item)
        return found, True
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return annotation, False
    return None, False


def _without_null(prop: Schema) -> Schema:
    options = prop.get("anyOf")
    if not isinstance(options, list) or len(options) != 2 or {"type": "null"} not in options:
        return prop
    (only,) = [option for option in options if option != {"type": "null"}]
    plain = {**only, **{k: v for k, v in prop.items() if k not in ("anyOf", "default")}}
    if prop.get("default") is not None:
        plain["default"] = prop["default"]
    return plain


def plain_fields(schema: Schema, model: type[Any]) -> None:
    """Pydantic's `json_schema_extra` hook: optional fields plain, each choice with its words."""
    properties: dict[str, Schema] = schema.get("properties", {})
    fields: dict[str, Any] = model.model_fields if issubclass(model, BaseModel) else {}
    for name, field in fields.items():
        if name not in properties:
            continue
        prop = _without_null(properties[name])
        choice, is_list = enum_in(field.annotation)
        if choice is not None:
            target = prop.setdefault("items", {}) if is_list else prop
            target[LABELS_KEY] = labels_of(choice)
        properties[name] = prop


# --- The gateway's side: words out to the UI, codes back in ---------------------------------


def _nodes(node: Any) -> Iterator[Schema]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def in_words(schema: Any) -> Any:
    """The schema (or any JSON holding schemas) as the UI should show it: each labelled choice
    an enum of its words."""
    shown = copy.deepcopy(schema)
    for node in _nodes(shown):
        labels = _pairs(node.pop(LABELS_KEY, None))
        if labels is None:
            continue
        for key in ("$ref", "allOf", "anyOf"):
            node.pop(key, None)
        node["type"] = "string"
        node["enum"] = list(labels.values())
        if node.get("default") in labels:
            node["default"] = labels[node["default"]]
    return shown


def _resolve(node: Schema, root: Schema) -> Schema:
    """The node itself, or what its `$ref` (or a lone `allOf`) points to, with its own keys."""
    ref = node.get("$ref")
    if ref is None and isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
        ref = node["allOf"][0].get("$ref")
    if not isinstance(ref, str):
        return node
    for definitions in _DEFINITIONS:
        prefix = f"#/{definitions}/"
        if ref.startswith(prefix):
            target = root.get(definitions, {}).get(ref[len(prefix) :], {})
            return {**target, **{k: v for k, v in node.items() if k not in ("$ref", "allOf")}}
    return node


def in_codes(values: Any, schema: Schema, root: Schema | None = None) -> Any:
    """The values the UI sent, with each choice's words back to its code; an optional field left
    empty (None or "") is dropped, so the form's default applies."""
    root = schema if root is None else root
    node = _resolve(schema, root)
    labels = _pairs(node.get(LABELS_KEY))
    if labels is not None and isinstance(values, str):
        codes = {words: code for code, words in labels.items()}
        return codes.get(values, values)
    if isinstance(values, list) and isinstance(node.get("items"), dict):
        return [in_codes(item, node["items"], root) for item in values]
    properties = node.get("properties")
    if not isinstance(values, dict) or not isinstance(properties, dict):
        return values
    required = set(node.get("required", []))
    answered: dict[str, Any] = {}
    for key, value in values.items():
        if key not in properties:
            answered[key] = value
            continue
        if key not in required and value in (None, "") and not _admits_null(properties[key]):
            continue
        answered[key] = in_codes(value, properties[key], root)
    return answered


def _admits_null(prop: Schema) -> bool:
    options = prop.get("anyOf", [])
    return prop.get("type") == "null" or any(o.get("type") == "null" for o in options)
