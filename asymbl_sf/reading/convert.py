"""Salesforce values → unified values: field paths in query rows, conversions, value maps.

A field spec of the read mapping is compiled once per read into a getter ``row -> value``, so
converting 50,000 rows looks nothing up by name twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from asymbl_sf.reading.catalog import typed_item
from asymbl_sf.reading.spec import FieldSpec

Row = Mapping[str, Any]
Getter = Callable[[Row], Any]


def prefixed(path: str, via: str | None) -> str:
    """``Name`` read through the relationship ``via`` (``bpats__Job__r.Name``)."""
    return f"{via}.{path}" if via else path


def get_path(row: Row | None, path: str) -> Any:
    """The value at ``path`` in a query row; parents are nested objects (null when the lookup
    is empty). Salesforce answers with each name's canonical case, whatever case the query
    used, so names are matched case-insensitively."""
    if row is not None and path in row:  # the common case: a field of the row itself
        return row[path]
    current: Any = row
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        if part in current:
            current = current[part]
            continue
        lowered = part.lower()
        current = next((v for k, v in current.items() if k.lower() == lowered), None)
    return current


def iso(value: Any) -> str | None:
    """Salesforce's ``2026-01-05T09:00:00.000+0000`` as ISO 8601 with ``Z``."""
    if not isinstance(value, str) or not value:
        return None
    return value.replace(".000+0000", "Z").replace("+0000", "Z")


def to_datetime(value: Any) -> Any:
    """A Salesforce datetime (``...000+0000``) or date as ISO 8601 in UTC, as the write
    results show them (``2026-01-05T09:00:00Z``)."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) == 10:  # a date: midnight UTC
        return f"{value}T00:00:00Z"
    return iso(value)


def _to_date(value: Any) -> Any:
    return value[:10] if isinstance(value, str) and len(value) >= 10 else None


def _to_bool(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    return str(value).strip().lower() == "true"


def _to_number(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return int(number) if number.is_integer() else number


def _to_integer(value: Any) -> Any:
    number = _to_number(value)
    return None if number is None else round(number)


def _to_text(value: Any) -> Any:
    return None if value is None else str(value)


CONVERSIONS: dict[str, Callable[[Any], Any]] = {
    "text": _to_text,
    "datetime": to_datetime,
    "date": _to_date,
    "bool": _to_bool,
    "number": _to_number,
    "integer": _to_integer,
}


def _converter(name: str) -> Callable[[Any], Any]:
    convert = CONVERSIONS[name]

    def safe(value: Any) -> Any:
        # Salesforce's types are consistent; a value that does not convert means a mapping
        # that converts the wrong field: pass it through, as Kombo does with what it cannot map.
        try:
            return convert(value)
        except (TypeError, ValueError):
            return value

    return safe


def match_key(value: Any) -> Any:
    """How map keys and values are compared: text case-insensitively, numbers as numbers,
    booleans apart from numbers (``True == 1`` in Python)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", float(value))
    if value is None:
        return None
    return ("text", str(value).strip().casefold())


def _mapper(table: dict[Any, Any], keep_others: bool) -> Callable[[Any], Any]:
    lookup = {match_key(k): v for k, v in table.items()}

    def mapped(value: Any) -> Any:
        if value is None:
            return None
        key = match_key(value)
        if key in lookup:
            return lookup[key]
        return value if keep_others else None

    return mapped


def compile_spec(spec: FieldSpec, key: str, via: str | None = None) -> Getter:
    """The getter for one field spec; ``via`` reads the fields through a relationship."""
    if spec.has("value"):
        constant = spec.value
        return lambda row: constant
    if spec.join is not None:
        paths = [prefixed(p, via) for p in spec.join]
        separator = spec.separator

        def joined(row: Row) -> Any:
            parts = [str(v) for v in (get_path(row, p) for p in paths) if v not in (None, "")]
            return separator.join(parts) or None

        return joined
    if spec.values is not None:
        entries = [(prefixed(v.field, via), v.type) for v in spec.values]

        def listed(row: Row) -> list[dict[str, Any]]:
            out = []
            for path, kind in entries:
                value = get_path(row, path)
                if value not in (None, ""):
                    out.append(typed_item(key, value, kind))
            return out

        return listed
    assert spec.field is not None  # guaranteed by FieldSpec's validator
    path = prefixed(spec.field, via)
    if spec.map is not None:
        transform = _mapper(spec.map, spec.otherwise == "keep")
        return lambda row: transform(get_path(row, path))
    if spec.convert is not None:
        convert = _converter(spec.convert)
        return lambda row: convert(get_path(row, path))
    return lambda row: get_path(row, path)


def plain(row: Any) -> Any:
    """A query row without Salesforce's ``attributes`` (also in parent objects): what
    ``remote_data`` shows."""
    if isinstance(row, Mapping):
        return {k: plain(v) for k, v in row.items() if k != "attributes"}
    return row
