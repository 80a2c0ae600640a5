"""Writing one record set in one call: a Composite request with ``allOrNone``.

A *unit* is what one payload becomes: say a Contact, the applicant that points at it, and the
files published to it. It goes out as a single Composite request with ``allOrNone`` (nothing
half-written) and ``@{ref.id}`` references between its records, plus read-back queries, so the
caller learns what the new records look like without another call. Files travel in sObject
Collections subrequests of the same request (the references work there too), so fifty
attachments cost no more calls than one. A unit whose values hold text Composite would take for a
reference goes level by level without references instead (:mod:`.stepwise`).
"""

from __future__ import annotations

from collections.abc import Sequence

from .api import SalesforceApi, SubRequest, SubResponse, error_from_body
from .stepwise import StepwiseWriter
from .units import PendingWrite, ReadBack, UnitResult, ref_id, unit_holds_reference

#: Composite's limits: 25 subrequests, five of them queries or collections.
MAX_SUBREQUESTS = 25
MAX_QUERIES_OR_COLLECTIONS = 5
COLLECTION_SIZE = 200


def fits(unit: Sequence[PendingWrite], read_back: Sequence[ReadBack]) -> bool:
    """Whether ``unit`` and its read-backs fit in one Composite request."""
    singles, collections = _split(unit)
    queries = len(read_back) + len(collections)
    return len(singles) + queries <= MAX_SUBREQUESTS and queries <= MAX_QUERIES_OR_COLLECTIONS


def write_unit(
    api: SalesforceApi, unit: Sequence[PendingWrite], read_back: Sequence[ReadBack] = ()
) -> UnitResult:
    """Write ``unit`` all or nothing. Refused records are in ``errors`` (the others
    ``blocked``); read-back rows in ``records`` (``name`` → first row) and ``rows``."""
    if unit_holds_reference(unit):
        # Composite would substitute the look-alike; Collections take values as written.
        return StepwiseWriter(api).write(unit, read_back)
    singles, collections = _split(unit)
    # An update answers without a body, so what points at it takes its id, not a reference.
    known = {w.key: str(w.record_id) for w in unit if w.record_id}
    subrequests: list[SubRequest] = []
    for write in singles:
        if write.record_id:
            subrequests.append(
                SubRequest(
                    "PATCH",
                    api.sobject_url(write.sobject, write.record_id),
                    ref_id(write.key),
                    write.body(known),
                )
            )
        else:
            subrequests.append(
                SubRequest(
                    "POST", api.sobject_url(write.sobject), ref_id(write.key), write.body(known)
                )
            )
    for index, batch in enumerate(collections):
        records = [{"attributes": {"type": w.sobject}, **w.body(known)} for w in batch]
        subrequests.append(
            SubRequest(
                "POST",
                f"{api.base_path}/composite/sobjects",
                f"files_{index}",
                {"allOrNone": True, "records": records},
            )
        )
    for item in read_back:
        subrequests.append(SubRequest("GET", api.query_url(item.soql), ref_id("read_" + item.name)))
    answers = api.composite(subrequests, all_or_none=True)
    result = UnitResult()
    failures = _failures(subrequests, answers)
    for write in singles:
        answer = answers.get(ref_id(write.key))
        if answer is None:
            continue
        if answer.ok:
            result.ids[write.key] = write.record_id or str(answer.body["id"])
        elif ref_id(write.key) in failures:
            result.errors[write.key] = answer.error()
    for index, batch in enumerate(collections):
        answer = answers.get(f"files_{index}")
        if answer is None:
            continue
        if answer.ok and isinstance(answer.body, list):
            for write, item in zip(batch, answer.body, strict=False):
                if item.get("success"):
                    result.ids[write.key] = str(item["id"])
                else:
                    error = error_from_body(item.get("errors"), 200)
                    if error.error_code != "ALL_OR_NONE_OPERATION_ROLLED_BACK":
                        result.errors[write.key] = error
        elif f"files_{index}" in failures:
            for write in batch:
                result.errors[write.key] = answer.error()
    for item in read_back:  # a read-back that failed also rolled the writes back
        failed = failures.get(ref_id("read_" + item.name))
        if failed is not None:
            result.errors[f"{item.name} (read back)"] = failed.error()
    if result.errors:
        # allOrNone rolled everything back: nothing of this unit exists.
        result.ids.clear()
        result.blocked = [w.key for w in unit if w.key not in result.errors]
        return result
    for item in read_back:
        answer = answers.get(ref_id("read_" + item.name))
        if answer is not None and answer.ok and isinstance(answer.body, dict):
            rows = list(answer.body.get("records") or [])
            result.rows[item.name] = rows
            if rows:
                result.records[item.name] = rows[0]
    return result


#: Up to this many new files go as subrequests of their own (a read-back can name them).
FILES_ALONE = 3


def _split(unit: Sequence[PendingWrite]) -> tuple[list[PendingWrite], list[list[PendingWrite]]]:
    """The unit's records sent one by one, and its new files in collections of 200 when there
    are more than a few of them."""
    files = [w for w in unit if w.data is not None and not w.record_id]
    if len(files) <= FILES_ALONE:
        return list(unit), []
    singles = [w for w in unit if w not in files]
    return singles, [files[i : i + COLLECTION_SIZE] for i in range(0, len(files), COLLECTION_SIZE)]


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


def _is_halted(body: object) -> bool:
    first = body[0] if isinstance(body, list) and body else {}
    return isinstance(first, dict) and first.get("errorCode") == "PROCESSING_HALTED"
