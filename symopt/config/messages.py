"""Pydantic's validation errors reworded as one sentence that names the key at fault.

The sentence is ``<key.path>: <what is wrong>``, e.g. ``tasks[0].name: unknown task 'digit_mlp';
did you mean 'digits_mlp'?``; the caller puts the file name in front. Only one error is reported:
an unknown key before anything else (a misspelt key is often why another one is "missing"), else
the first.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

Loc = Sequence[str | int]

_UNKNOWN_KEY = ("extra_forbidden", "invalid_key")
_TYPES = {
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "dict_type": "a mapping of keys to values",
    "tuple_type": "a list",
    "list_type": "a list",
}
_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "greater_than": ("greater than", "gt"),
    "less_than_equal": ("at most", "le"),
    "less_than": ("less than", "lt"),
}


def describe(value: object) -> str:
    """A short phrase naming ``value`` the way the user wrote it in YAML."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def key_path(loc: Loc) -> str:
    """``("tasks", 0, "name")`` -> ``tasks[0].name``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def first_error(err: ValidationError, root: type[BaseModel]) -> str:
    """The one sentence reporting ``err``, raised while validating ``root``."""
    errors = err.errors(include_url=False)
    error = next((e for e in errors if e["type"] in _UNKNOWN_KEY), errors[0])
    loc = tuple(error["loc"])
    if error["type"] == "symopt":
        loc += tuple(error["ctx"]["key"])
        text = error["ctx"]["message"]
    elif error["type"] in _UNKNOWN_KEY:
        text = _unknown_key(loc, root)
        if error["type"] == "invalid_key":  # a non-string key: name it as YAML spells it
            loc = (*loc[:-1], describe(error["input"]))
    else:
        text = _wrong_value(error, _field_at(loc, root))
    return f"{key_path(loc)}: {text}" if loc else text


def _wrong_value(error: Any, field: FieldInfo | None) -> str:
    kind, ctx, got = error["type"], error.get("ctx") or {}, describe(error["input"])
    if kind == "missing":
        return "missing required key"
    if kind in _TYPES:
        or_null = " or null" if field is not None and _nullable(field.annotation) else ""
        return f"must be {_TYPES[kind]}{or_null}, got {got}"
    if kind in _BOUNDS:
        words, bound = _BOUNDS[kind]
        limit = ctx[bound]
        limit = int(limit) if isinstance(limit, float) and limit.is_integer() else limit
        return f"must be {words} {limit}, got {got}"
    if kind == "finite_number":
        return f"must be a finite number, got {got}"
    if kind == "literal_error":
        return f"must be {ctx['expected']}, got {got}"
    if kind == "too_short":
        return "must not be empty"
    message = " ".join(str(error["msg"]).split()).replace("Input should be", "must be")
    return f"{message}, got {got}"


def _unknown_key(loc: Loc, root: type[BaseModel]) -> str:
    parent = loc[:-1]
    model = root if not parent else _model_in(getattr(_field_at(parent, root), "annotation", None))
    if model is None:
        return "unknown key"
    if not parent and loc[-1] in REMOVED_KEYS:
        return REMOVED_KEYS[loc[-1]]
    allowed = [field.alias or name for name, field in model.model_fields.items()]
    close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
    if close:
        return f"unknown key; did you mean '{close[0]}'?"
    return f"unknown key (expected one of: {', '.join(allowed)})"


REMOVED_KEYS = {
    "checkpoint_every": "this key was removed (--resume replays the run's log; there is nothing "
    "else to checkpoint): delete it",
}


def _field_at(loc: Loc, root: type[BaseModel]) -> FieldInfo | None:
    """The model field that ``loc`` points into (list indices skipped), or None."""
    model: type[BaseModel] | None = root
    field = None
    for part in loc:
        if isinstance(part, int):
            continue
        if model is None:
            return None
        field = next(
            (f for name, f in model.model_fields.items() if (f.alias or name) == part), None
        )
        if field is None:
            return None
        model = _model_in(field.annotation)
    return field


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The config model inside an annotation such as ``X``, ``X | None`` or ``tuple[X, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _nullable(annotation: object) -> bool:
    union = get_origin(annotation) in (Union, types.UnionType)
    return union and type(None) in get_args(annotation)
