"""Turn pydantic's ``ValidationError`` into plain-English :class:`~asymbl_sf.errors.Problem` s.

Users see ``attachments[0].data: must be valid base64``, never pydantic's error codes, URLs or
the full input value (which may be a megabyte of base64 or personal data).
"""

from __future__ import annotations

import difflib
import json
import types
from collections.abc import Iterable, Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from asymbl_sf.errors import Problem, visible

#: Longest piece of an offending value quoted back in a message.
MAX_ECHO = 60

#: Error type used by our own validators: the message is shown verbatim.
CUSTOM_ERROR = "asymbl_problem"


def custom_error(message: str) -> PydanticCustomError:
    """The error a validator raises to have ``message`` shown as is."""
    return PydanticCustomError(CUSTOM_ERROR, "{message}", {"message": message})


def echo(value: Any) -> str:
    """``value`` quoted for a message, cut to :data:`MAX_ECHO` characters, its control
    characters escaped (a payload must not drive the terminal that shows the message)."""
    text = visible(value) if isinstance(value, str) else repr(value)
    if len(text) > MAX_ECHO:
        text = text[: MAX_ECHO - 3] + "..."
    return f"'{text}'" if isinstance(value, str) else text


def format_loc(loc: Sequence[int | str]) -> str:
    """``("attachments", 0, "data")`` → ``attachments[0].data``.

    A key that would make the path ambiguous or invisible (empty, holding ``.``, ``[``, ``]``
    or ``"``, unprintable, or padded with spaces) is written quoted: ``remote_fields["a.b"]``.
    """
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _plain_key(str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{json.dumps(str(part), ensure_ascii=False)}]"
    return out


def _plain_key(key: str) -> bool:
    return (
        bool(key) and key == key.strip() and key.isprintable() and not any(c in key for c in '.[]"')
    )


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic model classes an annotation can hold (through Optional and unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if get_origin(annotation) in (Union, types.UnionType):
        return [m for arg in get_args(annotation) for m in models_in(arg)]
    return []


def item_annotation(annotation: Any) -> Any | None:
    """The item type of ``list[X]`` (also inside Optional), else None."""
    origin = get_origin(annotation)
    if origin in (list, tuple, Sequence):
        args = get_args(annotation)
        return args[0] if args else Any
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            inner = item_annotation(arg)
            if inner is not None:
                return inner
    return None


def value_annotation(annotation: Any) -> Any | None:
    """The value type of ``dict[str, X]`` (also inside Optional), else None."""
    if get_origin(annotation) is dict:
        args = get_args(annotation)
        return args[1] if len(args) == 2 else Any
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            inner = value_annotation(arg)
            if inner is not None:
                return inner
    return None


def field_keys(model: type[BaseModel]) -> dict[str, Any]:
    """``key as written in input → annotation`` (aliases such as ``from`` included)."""
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def model_at(root: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model class found at ``loc`` inside ``root``, or None."""
    current: Any = root
    for part in loc:
        if isinstance(part, int):
            current = item_annotation(current)
            if current is None:
                return None
            continue
        found = None
        mapping_value = value_annotation(current)
        if mapping_value is not None:
            current = mapping_value
            continue
        for model in models_in(current):
            keys = field_keys(model)
            if part in keys:
                found = keys[part]
                break
        if found is None:
            return None
        current = found
    models = models_in(current)
    return models[0] if models else None


def _unknown_key_message(root: type[BaseModel] | None, loc: Sequence[int | str]) -> str:
    if root is None or not loc or not isinstance(loc[-1], str):
        return "unknown key"
    parent = model_at(root, loc[:-1])
    if parent is None:
        return "unknown key"
    allowed = list(field_keys(parent))
    close = difflib.get_close_matches(loc[-1], allowed, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown key; {hint}allowed keys: {', '.join(allowed)}"


def _expected(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace("'", "")


_TYPE_MESSAGES = {
    "string_type": "must be a string",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "decimal_type": "must be a number",
    "decimal_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_parsing": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
    "datetime_type": "must be a date-time (YYYY-MM-DDTHH:MM:SSZ)",
    "datetime_parsing": "must be a date-time (YYYY-MM-DDTHH:MM:SSZ)",
    "datetime_from_date_parsing": "must be a date-time (YYYY-MM-DDTHH:MM:SSZ)",
    "missing": "required",
    "none_required": "must be empty",
}


def message_for(error: ErrorDetails, root: type[BaseModel] | None = None) -> str:
    """A short plain-English message for one pydantic error."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind == CUSTOM_ERROR:
        return str(ctx.get("message", error["msg"]))
    if kind == "extra_forbidden":
        return _unknown_key_message(root, error["loc"])
    if kind in ("literal_error", "enum"):
        return f"must be one of {_expected(ctx)} (got {echo(error.get('input'))})"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind == "string_too_short":
        return "must not be empty" if ctx.get("min_length") == 1 else error["msg"].lower()
    if kind == "string_pattern_mismatch":
        return f"has an unexpected format (got {echo(error.get('input'))})"
    if kind in _TYPE_MESSAGES:
        return _TYPE_MESSAGES[kind]
    # Pydantic's own messages are plain English ("Input should be ..."); keep them, minus the
    # input value, which could be long or personal.
    msg = error["msg"]
    return msg[0].lower() + msg[1:] if msg else kind


def problems_from(
    exc: ValidationError,
    root: type[BaseModel] | None = None,
    *,
    prefix: Sequence[int | str] = (),
    source: str | None = None,
) -> list[Problem]:
    """One :class:`Problem` per error in ``exc``, in the order pydantic found them."""
    out: list[Problem] = []
    for error in exc.errors(include_url=False):
        loc = tuple(prefix) + tuple(error["loc"])
        out.append(Problem(format_loc(loc), message_for(error, root), source))
    return dedupe(out)


def dedupe(problems: Iterable[Problem]) -> list[Problem]:
    """Drop exact repeats, keeping the first occurrence's order."""
    seen: set[Problem] = set()
    out: list[Problem] = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out
