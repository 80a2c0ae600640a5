"""Dotted paths into the canonical models: ``location.city``, ``email_addresses[1].type``,
``remote_fields.tshirt``, and ``$.candidate.last_name`` (``$`` = the whole payload, e.g. the
application, from any object).

Paths are checked against the model classes when a mapping loads (so a typo is a mapping error
with a line number) and read from payload objects when rendering.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from asymbl_sf.mapping.kinds import DEFAULT_KIND, KINDS
from asymbl_sf.models.problems import item_annotation, models_in

_TOKEN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")

#: The ``from`` of an application object that means the application itself. An object of any
#: kind (``for:``) names the payload itself by the kind's name: ``from: activity``.
ROOT = DEFAULT_KIND


def parse(path: str) -> list[str | int]:
    """``a.b[0].c`` → ``["a", "b", 0, "c"]``; raises ``ValueError`` on bad syntax."""
    return list(parsed(path))


@lru_cache(maxsize=1024)
def parsed(path: str) -> tuple[str | int, ...]:
    """:func:`parse` as a tuple, remembered: a mapping reads the same few paths for every
    record of an import, so parsing each once per process keeps them off the hot path."""
    text = path.strip()
    parts: list[str | int] = []
    pos = 0
    while pos < len(text):
        if parts and text[pos] == ".":
            pos += 1
        m = _TOKEN.match(text, pos)
        if not m or (m.group(1) and parts and text[pos - 1] != "."):
            raise ValueError(f"'{path}' is not a path like location.city or email_addresses[0]")
        parts.append(m.group(1) if m.group(1) else int(m.group(2)))
        pos = m.end()
    if not parts or not isinstance(parts[0], str):
        raise ValueError(f"'{path}' is not a path like location.city or email_addresses[0]")
    return tuple(parts)


def split_absolute(path: str) -> tuple[bool, str]:
    """``$.candidate.x`` → ``(True, "candidate.x")``; other paths → ``(False, path)``."""
    text = path.strip()
    if text.startswith("$."):
        return True, text[2:]
    return False, text


def _is_dict(annotation: Any) -> bool:
    if annotation is dict or get_origin(annotation) is dict:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_dict(a) for a in get_args(annotation))
    return False


def resolve_type(root: Any, path: str) -> Any:
    """The annotation found at ``path`` under ``root``; ``ValueError`` saying what is wrong."""
    current: Any = root
    done = ""
    for part in parse(path):
        if _is_dict(current) or current is Any:
            return Any  # free-form (remote_fields): anything below is allowed
        if isinstance(part, int):
            inner = item_annotation(current)
            if inner is None:
                raise ValueError(f"'{done}' is not a list, so [{part}] cannot follow it")
            current = inner
            done += f"[{part}]"
            continue
        models = models_in(current)
        if not models:
            if item_annotation(current) is not None:
                raise ValueError(f"'{done}' is a list: pick one item, e.g. {done}[0].{part}")
            raise ValueError(f"'{done}' has no parts, so .{part} cannot follow it")
        field = next((m.model_fields[part] for m in models if part in m.model_fields), None)
        if field is None:
            names = ", ".join(n for m in models for n in m.model_fields)
            where = f"'{done}'" if done else models[0].__name__
            raise ValueError(f"{where} has no '{part}'; it has: {names}")
        current = field.annotation
        done = f"{done}.{part}" if done else part
    return current


def object_root_type(from_path: str, kind: str = DEFAULT_KIND) -> Any:
    """The type one record of an object of ``kind`` is made from (list items for a list path)."""
    model = KINDS[kind].model
    if from_path == kind:
        return model
    annotation = resolve_type(model, from_path)
    inner = item_annotation(annotation)
    return inner if inner is not None else annotation


def get(obj: Any, path: str) -> Any:
    """The value at ``path`` in ``obj``, or None when any step is missing."""
    return get_parsed(obj, parsed(path))


_MODEL, _MAPPING, _OTHER = range(3)
#: ``type → _MODEL | _MAPPING | _OTHER``: ``isinstance`` against pydantic's and the ABCs'
#: metaclasses is slow, and :func:`get_parsed` runs for every mapped field of every record.
_KIND_OF_TYPE: dict[type, int] = {}


def _kind_of_type(tp: type) -> int:
    kind = _KIND_OF_TYPE.get(tp)
    if kind is None:
        if issubclass(tp, BaseModel):
            kind = _MODEL
        elif issubclass(tp, Mapping):
            kind = _MAPPING
        else:
            kind = _OTHER
        _KIND_OF_TYPE[tp] = kind
    return kind


def is_model(obj: Any) -> bool:
    """Whether ``obj`` is a pydantic model (what :func:`get_parsed` reads attributes of)."""
    kind = _KIND_OF_TYPE.get(type(obj))
    return (kind if kind is not None else _kind_of_type(type(obj))) == _MODEL


def get_parsed(obj: Any, parts: Sequence[str | int]) -> Any:
    """:func:`get` with the path already parsed (see :func:`parsed`)."""
    current = obj
    for part in parts:
        if current is None:
            return None
        if type(part) is int:
            if not isinstance(current, (list, tuple)) or part >= len(current):
                return None
            current = current[part]
            continue
        kind = _KIND_OF_TYPE.get(type(current))
        if kind is None:
            kind = _kind_of_type(type(current))
        if kind == _MODEL:
            current = getattr(current, part, None)  # type: ignore[arg-type]
        elif kind == _MAPPING:
            current = current.get(part)
        else:
            return None
    return current
