"""Writing one unit without Composite, for records whose values look like Composite references.

Composite substitutes ``@{refId.field}`` wherever it appears in a subrequest's body, user text
included: a candidate titled ``"Lead @{Contact.id}"`` would be stored with an id in the title, or
fail the whole request. Such a unit goes level by level through sObject Collections instead,
which take values as written: the records nothing depends on first (the Contact), then those
that point at them with the real new id (the applicant, the files), then the updates of existing
records (their ids are known from the start, and a delete can undo a create but not an update).
Each level is one ``allOrNone`` call.

"Nothing half-written" still holds: when a level fails, what the earlier levels created is
deleted again (a file through its ContentDocument: Salesforce does not delete ContentVersions).
When that delete fails too, the result says which records are left behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from asymbl_sf.errors import AsymblError, SalesforceError, TransientError

from .api import SalesforceApi, SubRequest, error_from_body
from .retry import OUTCOME_UNKNOWN
from .soql import format_soql
from .units import PendingWrite, ReadBack, UnitResult, ref_id, reference

COLLECTION_SIZE = 200
#: The error code of a failed unit that left records behind (see :func:`partial_write_error`).
PARTIALLY_WRITTEN = "PARTIALLY_WRITTEN"
_ROLLED_BACK = "ALL_OR_NONE_OPERATION_ROLLED_BACK"
_FILE = "contentversion"


class StepwiseWriter:
    """Writes one unit with real ids instead of references; see the module."""

    def __init__(self, api: SalesforceApi) -> None:
        self.api = api
        self._updated: dict[str, str] = {}

    def write(self, unit: Sequence[PendingWrite], read_back: Sequence[ReadBack] = ()) -> UnitResult:
        """Write ``unit`` level by level; a failure undoes what was created.

        Refused records come back in ``errors`` (the rest ``blocked``), as from an allOrNone
        Composite. A call that fails as a whole raises: unchanged when the org is as before
        (nothing was created yet, or it was deleted again), as a :class:`TransientError` with
        ``OUTCOME_UNKNOWN`` when an answer was lost after earlier levels were written, and as a
        ``PARTIALLY_WRITTEN`` error naming the records left behind when undoing failed.
        """
        result = UnitResult()
        # An update's id is known from the start: what points at it takes that id.
        self._updated = {w.key: str(w.record_id) for w in unit if w.record_id}
        levels, unresolved = _levels(unit)
        if unresolved:
            for write in unresolved:
                result.errors[write.key] = SalesforceError(
                    f"{write.key} refers to a record this write does not make",
                    error_code="INVALID_REFERENCE",
                )
            result.blocked = [w.key for w in unit if w.key not in result.errors]
            return result
        created: list[tuple[PendingWrite, str]] = []
        for level in levels:
            try:
                refused = self._send(level, result, created)
            except SalesforceError as exc:
                raise self._after_failed_call(exc, level, created) from None
            if refused:
                self._undo(created, result)
                result.ids.clear()
                result.blocked = [w.key for w in unit if w.key not in result.errors]
                return result
        self._read_back(read_back, result)
        return result

    # -- writing ------------------------------------------------------------------------------

    def _send(
        self, level: list[PendingWrite], result: UnitResult, created: list[tuple[PendingWrite, str]]
    ) -> bool:
        """Write one level, 200 records a call, adding the new records to ``created``; True
        when Salesforce refused any (allOrNone: then nothing of that call stayed)."""
        update = level[0].record_id is not None
        for start in range(0, len(level), COLLECTION_SIZE):
            chunk = level[start : start + COLLECTION_SIZE]
            records = [_body(write, {**self._updated, **result.ids}) for write in chunk]
            answers = (
                self.api.update_collection(records, all_or_none=True)
                if update
                else self.api.create_collection(records, all_or_none=True)
            )
            failed = [
                (w, error_from_body(a.get("errors"), 200))
                for w, a in zip(chunk, answers, strict=True)
                if not a.get("success")
            ]
            if failed:
                culprits = [(w, e) for w, e in failed if e.error_code != _ROLLED_BACK]
                for write, error in culprits or failed[:1]:  # no culprit named: the first
                    result.errors[write.key] = error
                return True
            for write, answer in zip(chunk, answers, strict=True):
                result.ids[write.key] = str(answer.get("id") or write.record_id)
                if not update:
                    created.append((write, result.ids[write.key]))
        return False

    def _after_failed_call(
        self,
        exc: SalesforceError,
        level: list[PendingWrite],
        created: list[tuple[PendingWrite, str]],
    ) -> SalesforceError:
        """The error to raise when a whole call failed part-way through the unit."""
        if not created:
            return exc  # the org is as it was (or, for a lost answer, the caller looks)
        if isinstance(exc, TransientError) and exc.maybe_applied:
            # The lost call may have written its records, which point at the earlier ones:
            # deleting those could leave orphans, so the state is reported instead.
            made = ", ".join(f"{w.key} {record_id}" for w, record_id in created)
            waiting = ", ".join(w.key for w in level)
            return TransientError(
                f"the answer to writing {waiting} was lost ({exc.message}); {made} had been "
                "created before: look in Salesforce before sending the write again",
                error_code=OUTCOME_UNKNOWN,
                status=exc.status,
                maybe_applied=True,
            )
        undo = UnitResult()
        self._undo(created, undo)
        if not undo.left_behind:
            return exc  # everything this unit made was deleted: the org is as before
        return _left_behind_error(exc, undo)

    # -- undoing ------------------------------------------------------------------------------

    def _undo(self, created: list[tuple[PendingWrite, str]], result: UnitResult) -> None:
        """Delete what ``created`` lists, newest first; what stays goes to ``left_behind``."""
        if not created:
            return
        try:
            targets = self._delete_targets(created)
        except AsymblError as exc:
            result.left_behind = {w.key: record_id for w, record_id in created}
            result.undo_error = _as_salesforce_error(exc)
            return
        for start in range(0, len(targets), COLLECTION_SIZE):
            chunk = targets[start : start + COLLECTION_SIZE]
            try:
                answers = self.api.delete_collection([target for _, _, target in chunk])
            except AsymblError as exc:
                result.left_behind.update({key: record_id for key, record_id, _ in chunk})
                result.undo_error = _as_salesforce_error(exc)
                continue
            for (key, record_id, _), answer in zip(chunk, answers, strict=True):
                if not answer.get("success"):
                    result.left_behind[key] = record_id
                    result.undo_error = error_from_body(answer.get("errors"), 200)

    def _delete_targets(
        self, created: list[tuple[PendingWrite, str]]
    ) -> list[tuple[str, str, str]]:
        """``(key, id, id to delete)``, children first: a file is deleted through its
        ContentDocument, which takes every version with it."""
        versions = [record_id for w, record_id in created if w.sobject.lower() == _FILE]
        documents: dict[str, str] = {}
        if versions:
            rows = self.api.query(
                format_soql(
                    "SELECT Id, ContentDocumentId FROM ContentVersion WHERE Id IN {}", versions
                )
            )
            documents = {str(r["Id"]): str(r["ContentDocumentId"]) for r in rows}
        targets = []
        for write, record_id in reversed(created):
            target = (
                documents.get(record_id, record_id) if write.sobject.lower() == _FILE else record_id
            )
            targets.append((write.key, record_id, target))
        return targets

    # -- reading back -------------------------------------------------------------------------

    def _read_back(self, read_back: Sequence[ReadBack], result: UnitResult) -> None:
        """The read-back rows, with the real ids where the queries name new records, in one
        call. The write is done whatever happens here, so a failure only leaves them out (the
        caller has the ids)."""
        subrequests = []
        for item in read_back[:5]:
            soql = item.soql
            for key, record_id in result.ids.items():
                soql = soql.replace(reference(key), record_id)
            subrequests.append(
                SubRequest("GET", self.api.query_url(soql), ref_id("read_" + item.name))
            )
        try:
            answers = self.api.composite(subrequests)
        except AsymblError:
            return
        for item in read_back:
            answer = answers.get(ref_id("read_" + item.name))
            if answer is not None and answer.ok and isinstance(answer.body, dict):
                rows = list(answer.body.get("records") or [])
                result.rows[item.name] = rows
                if rows:
                    result.records[item.name] = rows[0]


def _levels(unit: Sequence[PendingWrite]) -> tuple[list[list[PendingWrite]], list[PendingWrite]]:
    """Creates in dependency order, then the updates; and the writes whose references name
    no write of the unit (or a cycle)."""
    known = {w.key for w in unit if w.record_id}  # an update's id is known from the start
    creates = [w for w in unit if not w.record_id]
    levels: list[list[PendingWrite]] = []
    while creates:
        ready = [w for w in creates if all(t in known for t in w.refs.values())]
        if not ready:
            return levels, creates
        levels.append(ready)
        known.update(w.key for w in ready)
        creates = [w for w in creates if w not in ready]
    updates = [w for w in unit if w.record_id]
    stuck = [w for w in updates if not all(t in known for t in w.refs.values())]
    if updates and not stuck:
        levels.append(updates)
    return levels, stuck


def _body(write: PendingWrite, ids: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"attributes": {"type": write.sobject}, **write.body(ids)}
    if write.record_id:
        body["id"] = write.record_id
    return body


def _as_salesforce_error(exc: AsymblError) -> SalesforceError:
    return exc if isinstance(exc, SalesforceError) else SalesforceError(str(exc))


def _left_behind_error(cause: SalesforceError, undo: UnitResult) -> SalesforceError:
    return partial_write_error(
        [
            left_behind_message(key, record_id, cause, undo.undo_error)
            for key, record_id in undo.left_behind.items()
        ]
    )


def partial_write_error(messages: Sequence[str]) -> SalesforceError:
    """The error for a unit that failed with records left in the org. Not a
    :class:`WriteError`, which promises that nothing of the write exists."""
    return SalesforceError("; ".join(messages), error_code=PARTIALLY_WRITTEN)


def left_behind_message(
    key: str, record_id: str, cause: object, undo_error: SalesforceError | None
) -> str:
    """Says that ``record_id`` stayed in the org after its unit failed, and what to do."""
    why = f" ({undo_error})" if undo_error is not None else ""
    return (
        f"the write failed ({cause}) after {key} {record_id} was created, and deleting it "
        f"again failed{why}: delete {record_id} in Salesforce before sending the write again"
    )
