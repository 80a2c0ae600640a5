"""The batch-first writer: units of records that reference each other, written in few calls.

A *unit* is what one input record becomes: say a Contact, the applicant that points at it, and
the files published to it. One unit alone goes out as a single Composite request with
``allOrNone`` (nothing half-written) and ``@{ref.id}`` references, plus read-back queries so the
caller learns the new records' names and timestamps without another call. Many units go out level
by level through sObject Collections, 200 records a call: Contacts first, then what references
them; a unit whose parent failed is *blocked*, not attempted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.errors import SalesforceError

from .api import SalesforceApi, SubRequest, error_from_body

COLLECTION_SIZE = 200
COMPOSITE_SIZE = 25
COMPOSITE_QUERIES = 5


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

    @property
    def ok(self) -> bool:
        return not self.errors and not self.blocked


def _ref_id(key: str) -> str:
    """Composite reference ids must be alphanumeric (underscores allowed)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", key)


class BatchWriter:
    def __init__(self, api: SalesforceApi) -> None:
        self.api = api

    def write(
        self, units: Sequence[Sequence[PendingWrite]], read_back: Sequence[ReadBack] = ()
    ) -> list[UnitResult]:
        if len(units) == 1 and self._fits_composite(units[0], read_back):
            return [self._write_composite(units[0], read_back)]
        return self._write_collections(units)

    # -- one unit: Composite with allOrNone ----------------------------------------------------

    @staticmethod
    def _fits_composite(unit: Sequence[PendingWrite], read_back: Sequence[ReadBack]) -> bool:
        return (len(unit) + len(read_back) <= COMPOSITE_SIZE
                and len(read_back) <= COMPOSITE_QUERIES)

    def _write_composite(
        self, unit: Sequence[PendingWrite], read_back: Sequence[ReadBack]
    ) -> UnitResult:
        api = self.api
        subrequests: list[SubRequest] = []
        for write in unit:
            body = dict(write.fields)
            for field_name, target in write.refs.items():
                body[field_name] = f"@{{{_ref_id(target)}.id}}"
            if write.record_id:
                url = api.sobject_url(write.sobject, write.record_id)
                subrequests.append(SubRequest("PATCH", url, _ref_id(write.key), body))
            else:
                subrequests.append(SubRequest("POST", api.sobject_url(write.sobject),
                                              _ref_id(write.key), body))
        created = {w.key for w in unit if not w.record_id}
        for item in read_back:
            if item.key not in created:
                continue
            soql = (f"SELECT {', '.join(item.fields)} FROM {item.sobject} "
                    f"WHERE Id = '@{{{_ref_id(item.key)}.id}}'")
            subrequests.append(SubRequest("GET", api.query_url(soql), _ref_id("read_" + item.key)))
        answers = api.composite(subrequests, all_or_none=True)
        result = UnitResult()
        failures = {k: a for k, a in answers.items() if not a.ok and not _is_halted(a.body)}
        for write in unit:
            answer = answers.get(_ref_id(write.key))
            if answer is None:
                continue
            if answer.ok:
                result.ids[write.key] = write.record_id or str(answer.body["id"])
            elif _ref_id(write.key) in failures:
                result.errors[write.key] = answer.error()
            else:
                result.blocked.append(write.key)
        if result.errors:
            # allOrNone rolled everything back: nothing of this unit exists.
            result.ids.clear()
            result.blocked = [w.key for w in unit if w.key not in result.errors]
            return result
        for item in read_back:
            answer = answers.get(_ref_id("read_" + item.key))
            if answer is not None and answer.ok and answer.body.get("records"):
                result.records[item.key] = answer.body["records"][0]
        return result

    # -- many units: Collections level by level ------------------------------------------------

    def _write_collections(self, units: Sequence[Sequence[PendingWrite]]) -> list[UnitResult]:
        results = [UnitResult() for _ in units]
        pending = [list(unit) for unit in units]
        while any(pending):
            level: list[tuple[int, PendingWrite]] = []
            for index, unit in enumerate(pending):
                result = results[index]
                ready = []
                for write in unit:
                    targets = list(write.refs.values())
                    if any(t in result.errors or t in result.blocked for t in targets):
                        result.blocked.append(write.key)
                    elif all(t in result.ids for t in targets):
                        ready.append(write)
                if not ready and unit:
                    stuck = [w for w in unit if w.key not in result.blocked]
                    result.blocked.extend(w.key for w in stuck)
                    pending[index] = []
                    continue
                level.extend((index, w) for w in ready)
                pending[index] = [w for w in unit if w not in ready and w.key not in result.blocked]
            for start in range(0, len(level), COLLECTION_SIZE):
                self._send_chunk(level[start:start + COLLECTION_SIZE], results)
        return results

    def _send_chunk(
        self, chunk: list[tuple[int, PendingWrite]], results: list[UnitResult]
    ) -> None:
        creates = [(i, w) for i, w in chunk if not w.record_id]
        updates = [(i, w) for i, w in chunk if w.record_id]
        for items, update in ((creates, False), (updates, True)):
            if not items:
                continue
            records = []
            for index, write in items:
                body: dict[str, Any] = {"attributes": {"type": write.sobject}, **write.fields}
                for field_name, target in write.refs.items():
                    body[field_name] = results[index].ids[target]
                if update:
                    body["id"] = write.record_id
                records.append(body)
            answers = (self.api.update_collection(records) if update
                       else self.api.create_collection(records))
            for (index, write), answer in zip(items, answers, strict=True):
                if answer.get("success"):
                    results[index].ids[write.key] = str(answer.get("id") or write.record_id)
                else:
                    results[index].errors[write.key] = error_from_body(answer.get("errors"), 200)


def _is_halted(body: Any) -> bool:
    first = body[0] if isinstance(body, list) and body else {}
    return isinstance(first, dict) and first.get("errorCode") == "PROCESSING_HALTED"
