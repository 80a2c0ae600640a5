"""Unified objects to a stream: JSON Lines, CSV or one JSON array, written as they come.

Nothing is collected first: a JSON array is opened, each object is written with the comma
before it, and it is closed at the end, so 50,000 applications need the memory of one.

CSV has one column per leaf: nested objects become dotted columns (``location.city``,
``candidate.first_name``, ``custom_fields.bpats__Job_Title__c``), lists and ``remote_data``
are JSON text. The columns come from the model and the read mapping, not from the first row,
so every row of a model has the same columns whatever it holds.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from asymbl_sf.errors import json_visible
from asymbl_sf.reading.catalog import APPLICATION_CANDIDATE_KEYS, MODELS
from asymbl_sf.reading.spec import ReadMapping
from asymbl_sf.spreadsheet import BOM, safe_cell

# ``read --output`` writes through it; kept importable from here, where it was first defined.
from asymbl_sf.state.atomic import open_atomically

FORMATS = ("jsonl", "csv", "json")

#: Objects a model nests that are null when absent, so their keys are not in its template.
NESTED_SHAPES: dict[str, dict[str, tuple[str, ...]]] = {
    "applications": {
        "candidate": ("id", "remote_id", *APPLICATION_CANDIDATE_KEYS, "remote_url", "tags"),
        "current_stage": ("id", "remote_id", "name", "index"),
        "job": ("id", "remote_id", "name"),
    },
}

Column = tuple[str, tuple[str, ...]]


def csv_columns(model: str, mapping: ReadMapping) -> list[Column]:
    """``(header, path)`` of every CSV column of ``model``."""
    nested = NESTED_SHAPES.get(model, {})
    out: list[Column] = []
    for key, value in MODELS[model].template().items():
        if key == "custom_fields":
            keys: Iterable[str] = mapping.model(model).custom_fields
        elif key in nested:
            keys = nested[key]
        elif isinstance(value, dict):
            keys = value
        else:
            out.append((key, (key,)))
            continue
        out.extend((f"{key}.{sub}", (key, sub)) for sub in keys)
    return out


def _cell(row: dict[str, Any], path: tuple[str, ...]) -> str:
    value: Any = row
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def write_rows(
    rows: Iterable[dict[str, Any]],
    out: TextIO,
    fmt: str,
    *,
    columns: list[Column] | None = None,
    clean: Callable[[str], str] = lambda text: text,
    bom: bool = False,
) -> int:
    """Write ``rows`` to ``out`` in ``fmt`` (``jsonl``, ``csv`` or ``json``); returns how many.

    ``columns`` is required for CSV (:func:`csv_columns`); ``clean`` filters every piece of
    text before it is written (the CLI scrubs secrets with it). CSV cells are made safe for a
    spreadsheet (:mod:`asymbl_sf.spreadsheet`); ``bom`` starts a CSV file with the byte-order
    mark Excel needs to read UTF-8 (for a file, not a pipe).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    count = 0
    if fmt == "csv":
        if columns is None:
            raise ValueError("CSV needs its columns (csv_columns)")
        if bom:
            out.write(BOM)
        writer = csv.writer(_CleaningWriter(out, clean), lineterminator="\n")
        writer.writerow([header for header, _ in columns])
        for row in rows:
            writer.writerow([safe_cell(_cell(row, path)) for _, path in columns])
            count += 1
        return count
    if fmt == "json":
        out.write("[")
    for row in rows:
        text = json_visible(clean(json.dumps(row, ensure_ascii=False, default=str)))
        if fmt == "json":
            out.write(("\n  " if count == 0 else ",\n  ") + text)
        else:
            out.write(text + "\n")
        count += 1
    if fmt == "json":
        out.write("\n]\n" if count else "]\n")
    return count


class _CleaningWriter:
    """A file-like target for ``csv.writer`` that filters each line on its way out."""

    def __init__(self, out: TextIO, clean: Callable[[str], str]) -> None:
        self.out = out
        self.clean = clean

    def write(self, text: str) -> int:
        return self.out.write(self.clean(text))


__all__ = ["FORMATS", "NESTED_SHAPES", "Column", "csv_columns", "open_atomically", "write_rows"]
