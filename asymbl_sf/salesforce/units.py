"""What the writers take and give: pending writes, read-backs, and what a write did.

A *unit* is what one input record becomes: say a Contact, the applicant that points at it, and
the files published to it. :mod:`asymbl_sf.salesforce.composite_unit` writes one unit in one
call (:mod:`asymbl_sf.salesforce.stepwise` when Composite cannot carry it),
:mod:`asymbl_sf.salesforce.collections` many writes level by level; this module only describes
them.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.errors import SalesforceError

#: What a Composite request reads as a reference (``@{refId.field}``, ``@{refId.records[0].Id}``,
#: ``@{refId[0].id}``) begins like this. Salesforce documents the syntax but not how leniently it
#: parses it, so any value holding the opening is treated as one.
REFERENCE_OPENING = "@{"


@dataclass
class PendingWrite:
    """One record to create (or update, when ``record_id`` is set)."""

    key: str
    sobject: str
    fields: dict[str, Any]
    #: field -> key of another write in the same unit whose new id goes there.
    refs: dict[str, str] = field(default_factory=dict)
    record_id: str | None = None
    #: A file's bytes (a ContentVersion): sent as base64 ``VersionData`` (or multipart).
    data: bytes | None = field(default=None, repr=False)

    def body(self, ids: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The record as sent: fields, each ref as the referenced record's id when ``ids`` has
        it, else as a Composite reference ``@{ref.id}``; the file's bytes as base64."""
        out = dict(self.fields)
        for field_name, target in self.refs.items():
            known = ids.get(target) if ids is not None else None
            out[field_name] = known or f"@{{{ref_id(target)}.id}}"
        if self.data is not None:
            out["VersionData"] = base64.b64encode(self.data).decode("ascii")
        return out

    @property
    def size(self) -> int:
        """Bytes of base64 the record carries (what a call's size budget counts)."""
        return 0 if self.data is None else 4 * ((len(self.data) + 2) // 3)


@dataclass
class ReadBack:
    """After writing, run ``soql`` and keep its rows under ``name``. The query may name the
    unit's new records by :func:`reference` (Composite substitutes it; a writer without Composite
    puts the real id there)."""

    name: str
    soql: str


def reference(key: str) -> str:
    """How a read-back query names the id of the unit's record ``key``."""
    return f"@{{{ref_id(key)}.id}}"


@dataclass
class UnitResult:
    ids: dict[str, str] = field(default_factory=dict)
    errors: dict[str, SalesforceError] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Records a failed unit had created and could not delete again (key -> id): they are in
    #: the org although the unit failed. Empty whenever the unit succeeded or left nothing.
    left_behind: dict[str, str] = field(default_factory=dict)
    #: Why deleting ``left_behind`` failed.
    undo_error: SalesforceError | None = None
    #: Records found in the org after a lost answer (they are in ``ids`` too).
    recovered: set[str] = field(default_factory=set)
    #: Creates the org refused as duplicates (a unique field: another run created the same
    #: record at the same moment) and that were then found: their ids are the other run's
    #: records (in ``ids`` too).
    taken: set[str] = field(default_factory=set)
    #: Read-back rows by read-back name (``records`` holds the first of each).
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.blocked


def holds_reference(value: Any) -> bool:
    """True when ``value`` (a field value, or a dict/list of them) has text Composite would
    read as a reference and substitute before writing."""
    if isinstance(value, str):
        return REFERENCE_OPENING in value
    if isinstance(value, dict):
        return any(holds_reference(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(holds_reference(v) for v in value)
    return False


def unit_holds_reference(unit: Iterable[PendingWrite]) -> bool:
    """True when a field value of any write of ``unit`` would be taken for a reference."""
    return any(holds_reference(write.fields) for write in unit)


def ref_id(key: str) -> str:
    """A Composite reference id for ``key``: letters, digits and underscores only."""
    return re.sub(r"[^A-Za-z0-9_]", "_", key)
