"""What the writers take and give: a unit's pending writes, read-backs, and the unit's result.

A *unit* is what one input record becomes: say a Contact, the applicant that points at it, and
the files published to it. :mod:`asymbl_sf.salesforce.writer` and
:mod:`asymbl_sf.salesforce.stepwise` write units; this module only describes them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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


@dataclass
class ReadBack:
    """After writing, read these fields of the record written under ``key``."""

    key: str
    sobject: str
    fields: list[str]


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
