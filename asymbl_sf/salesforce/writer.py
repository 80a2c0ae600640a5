"""The batch-first writer: units of records that reference each other, written in few calls.

A *unit* is what one input record becomes: say a Contact, the applicant that points at it, and
the files published to it (:mod:`asymbl_sf.salesforce.units`). One unit alone goes out as a single
Composite request with ``allOrNone`` (nothing half-written) and ``@{ref.id}`` references, plus
read-back queries so the caller learns the new records' names and timestamps without another
call. A unit whose values hold text Composite would take for a reference goes level by level
without references instead (:mod:`asymbl_sf.salesforce.stepwise`). Many units go out level by
level through sObject Collections, 200 records a call: Contacts first, then what references
them; a unit whose parent failed is *blocked*, not attempted.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .api import SalesforceApi, SubRequest, SubResponse, error_from_body
from .stepwise import StepwiseWriter
from .units import PendingWrite, ReadBack, UnitResult, ref_id, unit_holds_reference

__all__ = ["BatchWriter", "PendingWrite", "ReadBack", "UnitResult"]

COLLECTION_SIZE = 200
COMPOSITE_SIZE = 25
COMPOSITE_QUERIES = 5


class BatchWriter:
    def __init__(self, api: SalesforceApi) -> None:
        self.api = api

    def write(
        self, units: Sequence[Sequence[PendingWrite]], read_back: Sequence[ReadBack] = ()
    ) -> list[UnitResult]:
        if len(units) == 1 and unit_holds_reference(units[0]):
            # Composite would substitute the look-alike; Collections take values as written.
            return [StepwiseWriter(self.api).write(units[0], read_back)]
        if len(units) == 1 and self._fits_composite(units[0], read_back):
            return [self._write_composite(units[0], read_back)]
        return self._write_collections(units)

    # -- one unit: Composite with allOrNone ----------------------------------------------------

    @staticmethod
    def _fits_composite(unit: Sequence[PendingWrite], read_back: Sequence[ReadBack]) -> bool:
        return len(unit) + len(read_back) <= COMPOSITE_SIZE and len(read_back) <= COMPOSITE_QUERIES

    def _write_composite(
        self, unit: Sequence[PendingWrite], read_back: Sequence[ReadBack]
    ) -> UnitResult:
        api = self.api
        subrequests: list[SubRequest] = []
        for write in unit:
            body = dict(write.fields)
            for field_name, target in write.refs.items():
                body[field_name] = f"@{{{ref_id(target)}.id}}"
            if write.record_id:
                url = api.sobject_url(write.sobject, write.record_id)
                subrequests.append(SubRequest("PATCH", url, ref_id(write.key), body))
            else:
                subrequests.append(
                    SubRequest("POST", api.sobject_url(write.sobject), ref_id(write.key), body)
                )
        created = {w.key for w in unit if not w.record_id}
        for item in read_back:
            if item.key not in created:
                continue
            soql = (
                f"SELECT {', '.join(item.fields)} FROM {item.sobject} "
                f"WHERE Id = '@{{{ref_id(item.key)}.id}}'"
            )
            subrequests.append(SubRequest("GET", api.query_url(soql), ref_id("read_" + item.key)))
        answers = api.composite(subrequests, all_or_none=True)
        result = UnitResult()
        failures = _failures(subrequests, answers)
        for write in unit:
            answer = answers.get(ref_id(write.key))
            if answer is None:
                continue
            if answer.ok:
                result.ids[write.key] = write.record_id or str(answer.body["id"])
            elif ref_id(write.key) in failures:
                result.errors[write.key] = answer.error()
            else:
                result.blocked.append(write.key)
        for item in read_back:  # a read-back that failed also rolled the writes back
            failed = failures.get(ref_id("read_" + item.key))
            if failed is not None:
                result.errors[f"{item.key} (read back)"] = failed.error()
        if result.errors:
            # allOrNone rolled everything back: nothing of this unit exists.
            result.ids.clear()
            result.blocked = [w.key for w in unit if w.key not in result.errors]
            return result
        for item in read_back:
            answer = answers.get(ref_id("read_" + item.key))
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
                self._send_chunk(level[start : start + COLLECTION_SIZE], results)
        return results

    def _send_chunk(self, chunk: list[tuple[int, PendingWrite]], results: list[UnitResult]) -> None:
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
            answers = (
                self.api.update_collection(records)
                if update
                else self.api.create_collection(records)
            )
            for (index, write), answer in zip(items, answers, strict=True):
                if answer.get("success"):
                    results[index].ids[write.key] = str(answer.get("id") or write.record_id)
                else:
                    results[index].errors[write.key] = error_from_body(answer.get("errors"), 200)


def _failures(
    subrequests: Sequence[SubRequest], answers: dict[str, SubResponse]
) -> dict[str, SubResponse]:
    """The subrequests that failed of their own accord, by reference id.

    The others of an allOrNone call answer PROCESSING_HALTED. When every failure says that (a
    reference Composite could not resolve fails that way itself), the first one in request
    order is the culprit: a failed call never passes for a blocked one that wrote nothing.
    """
    failed = [
        answers[s.reference_id]
        for s in subrequests
        if s.reference_id in answers and not answers[s.reference_id].ok
    ]
    own = {a.reference_id: a for a in failed if not _is_halted(a.body)}
    if failed and not own:
        own = {failed[0].reference_id: failed[0]}
    return own


def _is_halted(body: Any) -> bool:
    first = body[0] if isinstance(body, list) and body else {}
    return isinstance(first, dict) and first.get("errorCode") == "PROCESSING_HALTED"
