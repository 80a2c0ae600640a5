"""The rows of a CSV input that failed, as a CSV an admin fixes in a spreadsheet and imports
again: Data Loader's habit.

``<input>.errors.csv`` holds the input's own header and cells, as they were (so the fixed file
imports like the original), plus an ``error`` column saying what to fix, in input order. It is
made from the results file once the run ends, so it always shows the rows whose *last* outcome is
``failed`` or ``blocked`` (a rerun that fixes them all removes it). A dry run's is
``<input>.dry-run.errors.csv``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from asymbl_sf.spreadsheet import BOM, safe_cell
from asymbl_sf.state.atomic import open_atomically

#: The last outcomes that put a row in the error file.
FAILED = frozenset({"failed", "blocked"})


def error_file_path(source: Path, *, dry_run: bool) -> Path:
    return Path(f"{source}.{'dry-run.' if dry_run else ''}errors.csv")


def write_error_file(source: Path, delimiter: str, results: Path, target: Path) -> int:
    """Write ``target`` from the failed rows the ``results`` file names (see the module);
    returns how many rows it holds. No failed row: no file (an old one is removed)."""
    errors = dict(_last_failures(results))
    if not errors:
        target.unlink(missing_ok=True)
        return 0
    written = 0
    with open(source, encoding="utf-8-sig", errors="replace", newline="") as handle, \
            open_atomically(target) as out:  # fmt: skip
        reader = csv.reader(handle, delimiter=delimiter)
        header = next(reader, None) or []
        out.write(BOM)
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow([*header, "error"])
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:
                continue  # its result says so; nothing of it can be written back
            message = errors.get(start)
            if message is not None:
                # The input's own cells as they were: the fixed file must import as the
                # original did. Only the message (which may quote a value) is made safe.
                writer.writerow([*row, safe_cell(message)])
                written += 1
    return written


def _last_failures(results: Path) -> Iterator[tuple[int, str]]:
    """``(line, message)`` of every line whose last outcome in ``results`` is a failure."""
    last: dict[int, str | None] = {}
    try:
        handle: IO[str] = open(results, encoding="utf-8-sig", errors="replace", newline="")  # noqa: SIM115
    except FileNotFoundError:
        return
    with handle:
        first = handle.read(1)
        handle.seek(0)
        rows = _json_rows(handle) if first in ("{", "") else csv.DictReader(handle)
        try:
            for row in rows:
                number = str(row.get("line") or "").strip()
                if not number.isdigit():
                    continue
                if row.get("outcome") in FAILED:
                    code, message = row.get("error_code") or "", row.get("message") or ""
                    last[int(number)] = f"{code}: {message}" if code else str(message)
                else:
                    last[int(number)] = None
        except csv.Error:
            pass  # a torn last row
    for at, text in sorted(last.items()):
        if text is not None:
            yield at, text


def _json_rows(handle: IO[str]) -> Iterator[dict[str, object]]:
    for text in handle:
        try:
            row = json.loads(text)
        except ValueError:
            continue
        if isinstance(row, dict):
            yield row
