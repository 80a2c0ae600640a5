"""The journal of a fix: what it is about to change, written down before it changes it.

Every fix (``update``, ``duplicates --merge``, ``move-stage``) keeps a JSON Lines file under
``.asymbl-sf/journals/`` (``$ASYMBL_SF_JOURNAL_DIR`` moves it), one line per intent, appended and
fsync'ed *before* the writes it describes go out::

    {"journal": 1, "kind": "update", "org": "00D...", "started": "...", "about": "..."}
    {"op": "update", "sobject": "bpats__ATS_Applicant__c", "id": "a0A...",
     "before": {"bpats__Stage__c": "a0S...1"}, "after": {"bpats__Stage__c": "a0S...4"}}
    {"op": "delete", "sobject": "Contact", "id": "003...", "record": {...every field...}}
    {"op": "create", "sobject": "ContentDocumentLink", "fields": {...}, "id": null}
    {"op": "created", "sobject": "ContentDocumentLink", "fields": {...}, "id": "06A..."}

Because intents come first, a fix killed at any moment leaves a journal that names everything it
may have done; ``undo`` looks at the org before putting anything back (a value that was never
changed is left alone, a record that was never deleted is not undeleted), so the journal needs no
"done" marks. A torn last line (a crash mid-append) is skipped by readers.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .atomic import ends_torn, file_lock

#: Environment variable that moves the journals folder.
JOURNAL_DIR_ENV = "ASYMBL_SF_JOURNAL_DIR"
DEFAULT_JOURNAL_DIR = Path(".asymbl-sf") / "journals"
FORMAT = 1
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def journal_root() -> Path:
    configured = os.environ.get(JOURNAL_DIR_ENV, "").strip()
    return Path(configured) if configured else DEFAULT_JOURNAL_DIR


@dataclass
class Entry:
    """One intent (or, ``created``, the id a create got)."""

    op: str
    sobject: str
    id: str | None = None
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    #: A deleted record's every field; a created record's fields.
    record: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "sobject": self.sobject, "id": self.id}
        if self.op == "update":
            out.update(before=self.before, after=self.after)
        elif self.record:
            out["record"] = self.record
        return out


@dataclass
class Header:
    kind: str
    org: str
    started: str
    about: str


class Journal:
    """An open journal; ``path`` None keeps it in memory (a dry run writes nothing)."""

    def __init__(self, path: Path | None, header: Header) -> None:
        self.path = path
        self.header = header
        self._memory: list[Entry] = []
        self.count = 0

    @classmethod
    def start(
        cls, kind: str, org: str, about: str, *, root: Path | None = None, in_memory: bool = False
    ) -> Journal:
        """A new journal for a ``kind`` fix of ``org``, its file named by time and kind."""
        now = datetime.now(timezone.utc)
        header = Header(kind, org, now.strftime("%Y-%m-%dT%H:%M:%SZ"), about)
        if in_memory:
            return cls(None, header)
        name = f"{now.strftime('%Y%m%dT%H%M%S%fZ')}-{_UNSAFE.sub('_', kind)}.jsonl"
        path = (root if root is not None else journal_root()) / name
        journal = cls(path, header)
        return journal

    @classmethod
    def open(cls, path: Path) -> Journal:
        """An existing journal, for ``undo``; ``ValueError`` when it is not one."""
        with open(path, "rb") as handle:
            first = handle.readline()
        try:
            head = json.loads(first)
        except ValueError:
            head = None
        if not isinstance(head, dict) or head.get("journal") != FORMAT:
            raise ValueError(f"{path} is not an asymbl-sf journal (its first line is not one)")
        header = Header(
            str(head.get("kind")),
            str(head.get("org")),
            str(head.get("started")),
            str(head.get("about", "")),
        )
        return cls(path, header)

    # -- writing --------------------------------------------------------------------------------

    def write(self, entries: Iterable[Entry]) -> None:
        """Append ``entries`` (one fsync for them all) before the writes they describe. The
        file appears with the first entries: a fix that changes nothing leaves no journal."""
        lines = [e.as_dict() for e in entries]
        if not lines:
            return
        if self.path is not None and not self.path.exists():
            header = self.header
            lines.insert(
                0,
                {
                    "journal": FORMAT,
                    "kind": header.kind,
                    "org": header.org,
                    "started": header.started,
                    "about": header.about,
                },
            )
        self._append(lines)

    def _append(self, lines: list[dict[str, Any]]) -> None:
        self.count += sum(1 for line in lines if "op" in line)
        if self.path is None:
            self._memory.extend(_entry(line) for line in lines if "op" in line)
            return
        data = b"".join(
            json.dumps(line, ensure_ascii=False, default=str).encode("utf-8") + b"\n"
            for line in lines
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a+b") as handle, file_lock(handle):
            prefix = b"\n" if ends_torn(handle) else b""
            handle.write(prefix + data)
            handle.flush()
            os.fsync(handle.fileno())

    # -- reading --------------------------------------------------------------------------------

    def entries(self) -> Iterator[Entry]:
        if self.path is None:
            yield from self._memory
            return
        with open(self.path, "rb") as handle:
            handle.readline()  # the header
            for raw in handle:
                try:
                    line = json.loads(raw)
                except ValueError:
                    continue  # a torn last line
                if isinstance(line, Mapping) and "op" in line:
                    yield _entry(line)


def _entry(line: Mapping[str, Any]) -> Entry:
    return Entry(
        op=str(line["op"]),
        sobject=str(line.get("sobject")),
        id=line.get("id"),
        before=dict(line.get("before") or {}),
        after=dict(line.get("after") or {}),
        record=dict(line.get("record") or {}),
    )


__all__ = ["Entry", "Header", "Journal", "journal_root"]
