"""The results file: one row per input record, written as the import goes, read back to resume.

Rows are JSON Lines (default) or CSV, appended and flushed after every chunk, so a process killed
at any moment loses at most the rows of the chunk in flight (and leaves at most a torn last line,
which the reader skips). A line can appear more than once across runs (a failed row, then its
retry): the last row of a line is its outcome.

Outcomes: ``created`` (new Contact and new application), ``reused`` (an existing Contact, or one
an earlier row of the file created, and a new application), ``exists`` (the application was
already there), ``failed``, ``blocked`` (the Contact it needed failed, so it was not attempted).
A dry run writes the planned outcome instead: ``would_create``, ``would_reuse``, ``exists``,
``failed``.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, Protocol

from asymbl_sf.errors import ConfigurationError, json_visible, visible
from asymbl_sf.spreadsheet import BOM, safe_cell
from asymbl_sf.state.atomic import ends_torn

ResultsFormat = Literal["jsonl", "csv"]
#: Outcomes after which a line is done: a rerun skips it.
FINAL = frozenset({"created", "reused", "exists"})
#: Outcomes ``--retry-from`` picks up.
RETRYABLE = frozenset({"failed", "blocked"})
FIELDS = (
    "line",
    "source_id",
    "outcome",
    "contact_id",
    "application_id",
    "error_code",
    "message",
    "field",
    "warnings",
    "files",
    "activities",
)
#: Joins warnings in one CSV cell.
CSV_WARNING_SEPARATOR = " | "


class Reportable(Protocol):
    """A row a results file holds (an import's :class:`ResultRow`, a fix's row)."""

    def as_dict(self) -> dict[str, Any]: ...


class ResultsWriter:
    """Appends rows to a results file (JSON Lines or CSV); :meth:`flush` after each chunk.

    ``fields`` are the CSV columns (an import's :data:`FIELDS` by default); in CSV a list is one
    cell, its items joined by ``" | "``."""

    def __init__(
        self, path: Path, results_format: ResultsFormat = "jsonl", fields: Sequence[str] = FIELDS
    ) -> None:
        if results_format not in ("jsonl", "csv"):
            raise ConfigurationError(f"unknown results format {results_format!r}: use jsonl or csv")
        self.path = path
        self.format = results_format
        self.fields = tuple(fields)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Kept open for the whole run (closed by close()): rows are appended chunk by chunk.
            self._handle: IO[str] = open(  # noqa: SIM115
                path, "a", encoding="utf-8", newline=""
            )
        except OSError as exc:
            raise ConfigurationError(
                f"cannot write the results file {path}: {exc.strerror}"
            ) from None
        if _ends_torn(path):
            self._handle.write("\n")  # a crash cut the last row short: start a fresh line
        self._csv = csv.writer(self._handle, lineterminator="\n")
        if self.format == "csv" and path.stat().st_size == 0:
            self._handle.write(BOM)  # Excel reads the file as UTF-8
            self._csv.writerow(self.fields)

    def write(self, rows: Iterable[Reportable]) -> None:
        for row in rows:
            values = row.as_dict()
            if self.format == "jsonl":
                self._handle.write(_json_line(values))
            else:
                self._csv.writerow([_csv_cell(values.get(k)) for k in self.fields])

    def flush(self) -> None:
        """Hand the rows written so far to the operating system (they survive a kill -9)."""
        self._handle.flush()

    def close(self) -> None:
        self._handle.flush()
        self._handle.close()


def _csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text and a terminal (``cat``) cannot be driven by."""
    cell = safe_cell(_cell(value))
    return visible(cell, keep="\n") if isinstance(cell, str) else cell


def _cell(value: Any) -> Any:
    """A value as one CSV cell: lists joined by ``" | "``, objects as readable text."""
    if value is None:
        return ""
    if isinstance(value, list):
        return CSV_WARNING_SEPARATOR.join(str(_cell(item)) for item in value)
    if isinstance(value, dict):
        if "outcome" in value and "path" in value:
            return _child_text(value)
        if "field" in value and "after" in value:
            return f"{value['field']}: {value.get('before')} -> {value['after']}"
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _child_text(child: dict[str, Any]) -> str:
    """A file's or activity's outcome in one CSV cell: ``attachments[0] cv.pdf: created 068...``."""
    name = f" {child['name']}" if child.get("name") else ""
    detail = child.get("id") or child.get("error") or child.get("same_as") or ""
    return f"{child['path']}{name}: {child['outcome']}" + (f" {detail}" if detail else "")


def _json_line(data: dict[str, Any]) -> str:
    """One JSON Lines row. Text stays readable (no ASCII escapes), except the characters that
    some readers take for line breaks (``str.splitlines`` does: NEL, LINE and PARAGRAPH
    SEPARATOR), so a row is always one line, and those a terminal acts on (``cat`` of the file
    must not run a payload's escape sequences): :func:`~asymbl_sf.errors.json_visible`."""
    return json_visible(json.dumps(data, ensure_ascii=False)) + "\n"


def _ends_torn(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return ends_torn(handle)
    except FileNotFoundError:
        return False


class LineSet:
    """A set of line numbers as a bitmap: a million lines take 125 KB."""

    def __init__(self) -> None:
        self._bits = bytearray()
        self.count = 0

    def add(self, line: int) -> None:
        byte, bit = divmod(line, 8)
        if byte >= len(self._bits):
            self._bits.extend(b"\0" * (byte + 1 - len(self._bits)))
        if not self._bits[byte] >> bit & 1:
            self._bits[byte] |= 1 << bit
            self.count += 1

    def discard(self, line: int) -> None:
        byte, bit = divmod(line, 8)
        if byte < len(self._bits) and self._bits[byte] >> bit & 1:
            self._bits[byte] &= ~(1 << bit) & 0xFF
            self.count -= 1

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, int) or line < 0:
            return False
        byte, bit = divmod(line, 8)
        return byte < len(self._bits) and bool(self._bits[byte] >> bit & 1)

    def __len__(self) -> int:
        return self.count


@dataclass
class PreviousOutcomes:
    """What an earlier results file says: the lines that are done and the ones to retry."""

    final: LineSet = dataclasses.field(default_factory=LineSet)
    retryable: LineSet = dataclasses.field(default_factory=LineSet)


def read_outcomes(path: Path) -> PreviousOutcomes:
    """The last outcome of every line in a results file (JSON Lines or CSV, told by content).

    Rows that cannot be read (a torn last line, cut inside a character even) are skipped. Rows
    end at ``\n``, ``\r\n`` or ``\r`` only (which JSON escapes inside a row): a message that
    holds a character ``str.splitlines`` also takes for a line break (NEL, LINE SEPARATOR, which
    earlier versions wrote raw) does not split its row. A
    line whose last outcome is final is in ``final``; one whose last outcome is
    ``failed``/``blocked`` is in ``retryable``.
    """
    out = PreviousOutcomes()
    try:
        # "replace": a row torn inside a multi-byte character must not stop the whole reading.
        handle = open(  # noqa: SIM115 - closed by the with below
            path,
            encoding="utf-8-sig",
            errors="replace",
            newline="",
        )
    except FileNotFoundError:
        raise ConfigurationError(
            f"no results file {path} (give the file an earlier import wrote)"
        ) from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read the results file {path}: {exc.strerror}") from None
    with handle:
        first = handle.read(1)
        handle.seek(0)
        rows = _jsonl_rows(handle) if first in ("{", "") else _csv_rows(handle)
        for line, outcome in rows:
            if outcome in FINAL:
                out.final.add(line)
                out.retryable.discard(line)
            elif outcome in RETRYABLE:
                out.retryable.add(line)
                out.final.discard(line)
    return out


def _jsonl_rows(handle: IO[str]) -> Iterable[tuple[int, str]]:
    for text in handle:
        try:
            row = json.loads(text)
        except ValueError:
            continue  # a torn last line
        line = row.get("line") if isinstance(row, dict) else None
        if type(line) is int and line >= 0:
            yield line, str(row.get("outcome"))


def _csv_rows(handle: IO[str]) -> Iterable[tuple[int, str]]:
    reader = csv.DictReader(handle)
    try:
        for row in reader:
            line = (row.get("line") or "").strip()
            if line.isdigit():
                yield int(line), str(row.get("outcome") or "")
    except csv.Error:
        return  # a torn last row


def default_results_path(source_name: str, *, dry_run: bool, results_format: ResultsFormat) -> Path:
    """``<input>.results.jsonl`` (a dry run: ``<input>.dry-run.jsonl``; CSV: ``.csv``)."""
    suffix = "dry-run" if dry_run else "results"
    return Path(f"{source_name}.{suffix}.{results_format}")
