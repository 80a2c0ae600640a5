"""Reading an import's input, one record at a time: a JSON array, JSON Lines, or CSV.

Nothing is read whole: a JSON array is streamed with ``ijson`` (item by item), JSON Lines and CSV
line by line, so memory does not grow with the file. Each record becomes a
:class:`SourceRecord`: its line (JSON Lines and CSV: the line of the file it starts on; JSON
array: its position in the array, 1 for the first), its source id, and its payload, or the
problem that kept it from being read. A bad line is a failed row, never the end of the import;
only a JSON array that stops being valid JSON ends the reading (nothing after that point can be
found again), reported as one failed row at the position where it broke.

A record may carry three keys of the import's own beside the payload: ``job_id`` (its job, when
the payload has none), ``source_id`` (the id its results row is keyed by) and ``activities``
(notes, emails and other activities to log on the candidate, as payloads in any dialect). Without
``source_id`` the payload's own id is used (``remote_id`` or ``id`` at the top, in Merge's
``model``, or in the candidate), when there is one.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Literal, cast

import ijson

from asymbl_sf.errors import ConfigurationError, PayloadError, Problem
from asymbl_sf.models.limits import MAX_DEPTH, decode_json

from .columns import ColumnMap
from .json_array import TOO_DEEP, NotAnArray, array_items

Format = Literal["json", "jsonl", "csv"]
FORMATS: tuple[Format, ...] = ("json", "jsonl", "csv")
#: What may be given as the input: a path, ``"-"`` for standard input, an open binary file, or
#: payloads already in memory (a library caller's list of dicts).
Source = str | Path | BinaryIO | Iterable[AnyMapping[str, Any]]

_SNIFF = 4096


@dataclass(frozen=True)
class SourceRecord:
    """One record of the input, or why it could not be read."""

    line: int
    source_id: str | None = None
    payload: dict[str, Any] | None = None
    job_id: str | None = None
    problem: Problem | None = None
    #: ``"kombo"`` for CSV rows (their columns name Kombo paths); None: detect per record.
    dialect: str | None = None
    #: Activities to log for the record (the import's own ``activities`` key), any dialect.
    activities: tuple[dict[str, Any], ...] = ()
    #: The payload already passed the payload limits (decoded by :func:`decode_json`), so the
    #: planner does not walk it a second time.
    limits_checked: bool = False


def describe_source(source: Source) -> str:
    """A short name for messages: the file name, ``standard input`` or ``records``."""
    if isinstance(source, (str, Path)):
        return "standard input" if str(source) == "-" else str(source)
    if hasattr(source, "read"):
        return str(getattr(source, "name", "input"))
    return "records"


def read_records(
    source: Source,
    *,
    format: Format | None = None,
    column_map: ColumnMap | None = None,
    notes: list[str] | None = None,
    raw: bool = False,
) -> Iterator[SourceRecord]:
    """Every record of ``source``, in order.

    ``format`` None: from the file name (``.jsonl``/``.ndjson``, ``.json``, ``.csv``/``.tsv``),
    else from the first character (``[`` JSON array, ``{`` JSON Lines). CSV needs
    ``column_map``. :class:`ConfigurationError` when the input cannot be opened or its format
    cannot be told. Remarks about the input as a whole (CSV columns the map does not name) are
    appended to ``notes``. ``raw``: records as they are (no import keys taken out; a CSV row is
    its header's names to its cells, no column map): what a fix's rows are.
    """
    envelope = _as_is if raw else _with_envelope
    if format is not None and format not in FORMATS:
        raise ConfigurationError(f"unknown format {format!r}: use json, jsonl or csv")
    if not isinstance(source, (str, Path)) and not hasattr(source, "read"):
        yield from _from_memory(source, envelope)
        return
    name = describe_source(source)
    opened, close = _open(cast("str | Path | BinaryIO", source), name)
    stream = _Replayable(opened)
    try:
        chosen = format or _guess_format(name, stream)
        if chosen == "csv" and raw:
            yield from _csv_records(stream, _Cells(_delimiter(name)), name, None)
        elif chosen == "csv":
            if column_map is None:
                raise ConfigurationError(
                    f"{name} is CSV: say which column is which with --column-map FILE (or a "
                    "'csv:' section in the mapping); see docs/importing.md"
                )
            yield from _csv_records(stream, column_map, name, notes)
        elif chosen == "jsonl":
            yield from _jsonl_records(stream, name, envelope)
        else:
            yield from _json_array_records(stream, name, envelope)
    finally:
        if close:
            opened.close()


# -- opening ------------------------------------------------------------------------------------


def _open(source: str | Path | BinaryIO, name: str) -> tuple[BinaryIO, bool]:
    if isinstance(source, (str, Path)):
        if str(source) == "-":
            return sys.stdin.buffer, False
        try:
            return open(source, "rb"), True
        except FileNotFoundError:
            raise ConfigurationError(f"{name}: no such file") from None
        except OSError as exc:
            raise ConfigurationError(f"{name}: cannot open it ({exc.strerror})") from None
    return source, False


class _Replayable(io.RawIOBase):
    """A binary stream whose first bytes can be looked at before reading starts (standard input
    cannot seek back)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self.raw = raw
        self.head = b""

    def peek_head(self, size: int) -> bytes:
        while len(self.head) < size:
            more = self.raw.read(size - len(self.head))
            if not more:
                break
            self.head += more
        return self.head

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.head:
            count = min(len(buffer), len(self.head))
            buffer[:count] = self.head[:count]
            self.head = self.head[count:]
            return count
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _guess_format(name: str, stream: _Replayable) -> Format:
    suffix = Path(name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    first = stream.peek_head(_SNIFF).lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if first == b"[":
        return "json"
    if first == b"{":
        return "jsonl"
    if not first:
        return "jsonl"  # empty input: no records, whatever the format
    raise ConfigurationError(
        f"cannot tell the format of {name}: it starts with neither '[' (a JSON array) nor '{{' "
        "(JSON Lines); pass --format json, jsonl or csv"
    )


# -- the formats --------------------------------------------------------------------------------


#: Makes a record of a line's decoded object: ``(line, object, limits_checked)``.
Envelope = Callable[[int, dict[str, Any], bool], "SourceRecord"]


def _from_memory(
    records: Iterable[AnyMapping[str, Any]], envelope: Envelope
) -> Iterator[SourceRecord]:
    for position, record in enumerate(records, start=1):
        if not isinstance(record, AnyMapping):
            yield SourceRecord(
                position,
                problem=Problem("", f"record {position} is {_kind(record)}, not a JSON object"),
            )
            continue
        yield envelope(position, dict(record), False)


def _jsonl_records(stream: _Replayable, name: str, envelope: Envelope) -> Iterator[SourceRecord]:
    reader = io.BufferedReader(stream, buffer_size=1 << 16)
    for number, raw in enumerate(reader, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError:
            yield SourceRecord(
                number,
                problem=Problem(
                    "",
                    f"line {number} is not valid UTF-8 text; save the file as UTF-8",
                    name,
                    number,
                ),
            )
            continue
        if not text:
            continue
        try:
            value = decode_json(text, name)
        except PayloadError as exc:
            problem = exc.problems[0]
            yield SourceRecord(
                number, problem=Problem(problem.path, problem.message, name, number, problem.column)
            )
            continue
        if not isinstance(value, dict):
            yield SourceRecord(
                number,
                problem=Problem(
                    "", f"line {number} holds {_kind(value)}, not a JSON object", name, number
                ),
            )
            continue
        yield envelope(number, value, True)


def _json_array_records(
    stream: _Replayable, name: str, envelope: Envelope
) -> Iterator[SourceRecord]:
    reader = io.BufferedReader(stream, buffer_size=1 << 16)
    position = 0
    try:
        for item in array_items(reader, MAX_DEPTH):
            position += 1
            if item is TOO_DEEP:
                yield SourceRecord(
                    position,
                    problem=Problem(
                        "",
                        f"record {position} of the array nests deeper than {MAX_DEPTH} levels "
                        "of objects and lists; no supported payload nests that deep: check what "
                        "produced it (the other records are read as usual)",
                        name,
                    ),
                )
            elif not isinstance(item, dict):
                yield SourceRecord(
                    position,
                    problem=Problem(
                        "",
                        f"record {position} of the array is {_kind(item)}, not a JSON object",
                        name,
                    ),
                )
            else:
                yield envelope(position, item, False)
    except NotAnArray as exc:
        yield SourceRecord(
            1,
            problem=Problem(
                "",
                f"the file holds {exc.kind}, not a JSON array of records: give an array "
                "([{...}, {...}]) or JSON Lines (--format jsonl)",
                name,
            ),
        )
    except ijson.JSONError as exc:
        yield SourceRecord(
            position + 1,
            problem=Problem(
                "",
                f"the file stops being valid JSON after record {position} "
                f"({str(exc).splitlines()[0]}); the records "
                "after that point cannot be read: fix the file and import it again",
                name,
            ),
        )


def _csv_records(
    stream: _Replayable, columns: ColumnMap | _Cells, name: str, notes: list[str] | None
) -> Iterator[SourceRecord]:
    lines = _TextLines(io.BufferedReader(stream, buffer_size=1 << 16))
    reader = csv.reader(lines, delimiter=columns.delimiter or _delimiter(name))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ConfigurationError(f"{name}: the header row cannot be read ({exc})") from None
    if header is None:
        return
    header = lines.restore(header)
    if lines.bad:
        raise ConfigurationError(
            f"{name}: the header row {lines.bad_text(1, reader.line_num)}; save the file as UTF-8"
        )
    missing = [h for h in columns.columns if h not in header]
    if missing:
        raise ConfigurationError(
            f"{name}: the column map names {', '.join(repr(m) for m in missing)}, which the "
            f"header row does not have (it has: {', '.join(repr(h) for h in header)})"
        )
    ignored = [h for h in header if h not in columns.columns]
    if ignored and notes is not None:
        notes.append(
            f"{name}: the column map does not name the column(s) "
            f"{', '.join(repr(h) for h in ignored)}, so they were not imported"
        )
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield SourceRecord(start, problem=Problem("", f"not valid CSV: {exc}", name, start))
            continue
        if lines.bad_between(start, reader.line_num):
            yield SourceRecord(
                start,
                problem=Problem(
                    "",
                    f"the row {lines.bad_text(start, reader.line_num)}; save the file as UTF-8 "
                    "and import this row again",
                    name,
                    start,
                ),
            )
            continue
        row = lines.restore(row)
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield SourceRecord(
                start,
                problem=Problem(
                    "",
                    f"line {start} has {len(row)} columns, the header has {len(header)}",
                    name,
                    start,
                ),
            )
            continue
        cells = dict(zip(header, row, strict=True))
        if isinstance(columns, _Cells):
            yield SourceRecord(start, payload=cells)
            continue
        body, job_id, source_id = columns.payload(cells)
        yield SourceRecord(start, source_id, body, job_id, dialect="kombo")


class _TextLines:
    """The lines of a UTF-8 byte stream as text, each decoded on its own, for :mod:`csv`.

    A decoder over the whole stream reads ahead, so one bad byte would fail whatever row was
    being read at the time (the header row, for a byte in the first 64 KB). Line by line, a bad
    byte is replaced (so the CSV reader stays in step) and its line remembered in :attr:`bad`,
    which the caller turns into a failure of the row holding it. Lines end at ``\n``, ``\r\n``
    or a lone ``\r``, as CSV's own reading with ``newline=""`` would split them.
    """

    def __init__(self, stream: io.BufferedReader) -> None:
        self.stream = stream
        self.number = 0
        #: line number -> (byte offset in the line, the byte) of its first invalid byte
        self.bad: dict[int, tuple[int, int]] = {}
        #: Whether a NUL went through the reader escaped (Python 3.10 only).
        self.stood_in = False

    def restore(self, cells: list[str]) -> list[str]:
        """``cells`` with their NUL characters back, where :meth:`_decode` escaped them."""
        if not self.stood_in:
            return cells
        return [_UNESCAPE.sub(_unescaped, cell) if _STAND_IN in cell else cell for cell in cells]

    def __iter__(self) -> Iterator[str]:
        for raw in self.stream:
            lone_cr = b"\r" in raw and _LONE_CR.search(raw) is not None
            for piece in _LONE_CR.split(raw) if lone_cr else (raw,):
                if piece:
                    yield self._decode(piece)

    def _decode(self, piece: bytes) -> str:
        self.number += 1
        encoding = "utf-8-sig" if self.number == 1 else "utf-8"
        try:
            text = piece.decode(encoding)
        except UnicodeDecodeError as exc:
            self.bad[self.number] = (exc.start, piece[exc.start])
            text = piece.decode(encoding, "replace")
        if _CSV_REFUSES_NUL and ("\x00" in text or _STAND_IN in text):
            self.stood_in = True
            text = text.replace(_STAND_IN, _STAND_IN + "1").replace("\x00", _STAND_IN + "0")
        return text

    def bad_between(self, first: int, last: int) -> bool:
        return any(first <= number <= last for number in self.bad)

    def bad_text(self, first: int, last: int) -> str:
        """Where the first invalid byte of lines ``first``..``last`` is, in words."""
        number = min(n for n in self.bad if first <= n <= last)
        offset, byte = self.bad[number]
        return (
            f"is not valid UTF-8 text: line {number} has the byte 0x{byte:02x} at byte "
            f"{offset + 1} of the line"
        )


#: Python 3.10's csv reader stops at a NUL ("line contains NUL"), 3.11's reads it as any other
#: character. There, a NUL goes through the reader escaped with a private-use character (which
#: csv treats as text; itself doubled as ``S1``, a NUL as ``S0``) and comes back in the cells
#: (:meth:`_TextLines.restore`), so a row reads the same on every Python we support.
_CSV_REFUSES_NUL = sys.version_info < (3, 11)
_STAND_IN = "\U0010fffd"
_UNESCAPE = re.compile(_STAND_IN + "([01])")


def _unescaped(match: re.Match[str]) -> str:
    return "\x00" if match.group(1) == "0" else _STAND_IN


#: Splits after a carriage return that no line feed follows (an old Mac line end).
_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")


class _Cells:
    """A CSV read as it is: every column, by its header's name (a fix's rows)."""

    columns: tuple[str, ...] = ()

    def __init__(self, delimiter: str | None) -> None:
        self.delimiter = delimiter


def _delimiter(name: str) -> str:
    return "\t" if name.lower().endswith(".tsv") else ","


def _as_is(line: int, record: dict[str, Any], limits_checked: bool = False) -> SourceRecord:
    return SourceRecord(line, payload=record, limits_checked=limits_checked)


# -- envelope keys ------------------------------------------------------------------------------


def _with_envelope(line: int, record: dict[str, Any], limits_checked: bool = False) -> SourceRecord:
    job = record.pop("job_id", None)
    source_id = record.pop("source_id", None)
    activities = record.pop("activities", None)
    job_id = str(job).strip() if isinstance(job, (str, int)) and str(job).strip() else None
    found = _text(source_id) or _payload_id(record)
    if activities is not None and not (
        isinstance(activities, list) and all(isinstance(a, dict) for a in activities)
    ):
        return SourceRecord(
            line,
            found,
            problem=Problem("activities", "must be a list of activity payloads (objects)"),
        )
    return SourceRecord(
        line,
        found,
        record,
        job_id,
        activities=tuple(activities or ()),
        limits_checked=limits_checked,
    )


def _payload_id(record: dict[str, Any]) -> str | None:
    model = record.get("model")
    candidate = record.get("candidate")
    for owner in (record, model, candidate):
        if isinstance(owner, dict):
            for key in ("remote_id", "id"):
                found = _text(owner.get(key))
                if found:
                    return found
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text[:255] or None


def _kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else f"a {type(value).__name__}"
