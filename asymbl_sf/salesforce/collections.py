"""Writing many records over REST: sObject Collections, five of them per Composite call.

One API call carries up to 1,000 records: a Composite request (``allOrNone: false``) holding up
to five sObject Collections subrequests of 200 records each (Composite takes five query or
collection subrequests per call). Files ride along as base64 ``VersionData``, as many per call
as fit in :data:`MAX_CALL_BASE64` (far under Salesforce's request-size limits), so ten thousand
CVs of 100 KB cost a few dozen calls, not ten thousand (a file too big for a JSON body is the
caller's to upload alone, as multipart). A single batch goes as a plain Collections call, and so does every batch
of a call whose values hold ``@{`` (Composite would substitute it as a reference).

Records that point at other records of the same write (an applicant at its new Contact) go
level by level: the Contacts first, then what points at them with the new ids. A record whose
target failed is *blocked*, not attempted. Calls run up to ``max_concurrency`` at a time.

Failures, and what is done about them:

* a record Salesforce refuses (a validation error): that record fails, the others stand;
* a record refused with ``UNABLE_TO_LOCK_ROW``: tried again in the next round;
* a call that failed without reaching the org (503, a connection that never opened): its
  records are tried again in the next round;
* a call whose answer was lost (a dropped connection after sending, a 500): its records are
  looked up first (``find``: by their natural keys), and only those not found are sent again, so
  nothing is created twice;
* a create refused with ``DUPLICATE_VALUE`` (a unique field, such as a Contact's claim field
  or an applicant's Contact+job key, holds its value: another run created the same record a
  moment ago): looked up the same way, and the record found is *taken* (``UnitResult.taken``);
* rounds wait as the :class:`~asymbl_sf.salesforce.retry.RetryPolicy` says and stop after its
  attempts; what is still not written then fails with the last error;
* ``REQUEST_LIMIT_EXCEEDED`` or a session that cannot be renewed stops the write: what was
  written so far is in the result, and the error is raised after every call under way ended.

``ledger`` hooks note the natural keys of records as pending before the first call goes out and
settle them with the answers, so a rerun after a crash can tell the records this run sent from
those that were in the org already (:mod:`asymbl_sf.state.ledger`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from asymbl_sf.errors import AuthenticationError, RequestLimitError, SalesforceError, TransientError

from .api import SalesforceApi, SubRequest, error_from_body
from .concurrency import map_concurrently
from .retry import OUTCOME_UNKNOWN, RetryPolicy
from .units import PendingWrite, UnitResult

COLLECTION_SIZE = 200
COLLECTIONS_PER_CALL = 5
#: Base64 carried by one call at most: well under the 50 MB Salesforce takes in a JSON body,
#: and what bounds the memory a call holds.
MAX_CALL_BASE64 = 20_000_000
#: Per-record error codes that a later attempt may not meet.
RETRYABLE_RECORD_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})
#: A create refused because a unique field already holds its value: another run (on another
#: machine) created the same record a moment ago. Looked up like a lost answer, and taken.
DUPLICATE_CODES = frozenset({"DUPLICATE_VALUE", "DUPLICATE_EXTERNAL_ID"})

#: Given writes whose answer was lost, the ids of those the org has (by write key).
FindWritten = Callable[[list[PendingWrite]], dict[str, str]]


class WriteNotes(Protocol):
    """Where a write notes what it sends and makes (the created ledger)."""

    def sending(self, writes: Sequence[PendingWrite], ids: dict[str, str]) -> None: ...

    def answered(self, created: dict[str, str], refused: Sequence[str]) -> None: ...


@dataclass
class _CallOutcome:
    ids: dict[str, str] = field(default_factory=dict)
    errors: dict[str, SalesforceError] = field(default_factory=dict)
    again: dict[str, SalesforceError] = field(default_factory=dict)  # safe to send again
    unsure: dict[str, SalesforceError] = field(default_factory=dict)  # look before sending
    stop: SalesforceError | None = None


class CollectionWriter:
    """Writes records through Collections inside Composite; see the module."""

    def __init__(
        self,
        api: SalesforceApi,
        retry: RetryPolicy | None = None,
        *,
        max_concurrency: int = 4,
        notes: WriteNotes | None = None,
    ) -> None:
        self.api = api
        self.retry = retry or api.retry
        self.max_concurrency = max(1, max_concurrency)
        self.notes = notes

    def write(
        self, writes: Sequence[PendingWrite], find: FindWritten, into: UnitResult | None = None
    ) -> UnitResult:
        """Write ``writes`` level by level into ``into`` (a new result when None).

        Raises :class:`RequestLimitError` / :class:`AuthenticationError` to stop, after ``into``
        holds everything learnt."""
        result = into if into is not None else UnitResult()
        levels, unresolved = _levels(writes)
        for write in unresolved:
            result.errors[write.key] = SalesforceError(
                f"{write.key} refers to a record this write does not make",
                error_code="INVALID_REFERENCE",
            )
        for level in levels:
            ready = []
            for write in level:
                targets = list(write.refs.values())
                if any(t in result.errors or t in result.blocked for t in targets):
                    result.blocked.append(write.key)
                else:
                    ready.append(write)
            if ready:
                self._write_level(ready, find, result)
        return result

    # -- one level, in rounds -------------------------------------------------------------------

    def _write_level(self, level: list[PendingWrite], find: FindWritten, into: UnitResult) -> None:
        creates = [w for w in level if not w.record_id]
        if self.notes is not None and creates:
            self.notes.sending(creates, into.ids)
        by_key = {w.key: w for w in level}
        pending = dict(by_key)
        last_error: dict[str, SalesforceError] = {}
        attempts = max(self.retry.attempts, 1)
        for attempt in range(attempts):
            outcomes = map_concurrently(
                lambda call: self._send(call, into.ids), self._calls(pending), self.max_concurrency
            )
            again: dict[str, PendingWrite] = {}
            unsure: dict[str, SalesforceError] = {}
            stop: SalesforceError | None = None
            created: dict[str, str] = {}
            for outcome in outcomes:
                into.ids.update(outcome.ids)
                created.update({k: v for k, v in outcome.ids.items() if not by_key[k].record_id})
                into.errors.update(outcome.errors)
                again.update({key: by_key[key] for key in outcome.again})
                last_error.update(outcome.again)
                unsure.update(outcome.unsure)
                last_error.update(outcome.unsure)
                stop = stop or outcome.stop
            self._answered(created, [k for o in outcomes for k in o.errors])
            if unsure:
                self._settle(unsure, find, into, again, by_key)
            if stop is not None:
                raise stop  # the records in ``again`` keep no outcome: a rerun does them
            pending = again
            if not pending:
                return
            if attempt + 1 < attempts:
                delays = self.retry.delays()
                if delays:
                    self.retry.sleep(delays[min(attempt, len(delays) - 1)])
        for key in pending:
            into.errors[key] = last_error[key]
        # Only calls known not to have reached the org, or refused rows, end up here.
        self._answered({}, list(pending))

    def _calls(self, pending: dict[str, PendingWrite]) -> list[list[list[PendingWrite]]]:
        """``pending`` as calls: each a list of batches of at most 200 records (creates and
        updates apart), at most five batches and :data:`MAX_CALL_BASE64` of files per call."""
        calls: list[list[list[PendingWrite]]] = []
        call: list[list[PendingWrite]] = []
        batch: list[PendingWrite] = []
        size = 0

        def close_batch() -> None:
            nonlocal batch
            if batch:
                call.append(batch)
                batch = []

        def close_call() -> None:
            nonlocal call, size
            close_batch()
            if call:
                calls.append(call)
            call, size = [], 0

        for group in (
            [w for w in pending.values() if not w.record_id],
            [w for w in pending.values() if w.record_id],
        ):
            for write in group:
                if (call or batch) and size + write.size > MAX_CALL_BASE64:
                    close_call()
                batch.append(write)
                size += write.size
                if len(batch) == COLLECTION_SIZE:
                    close_batch()
                    if len(call) == COLLECTIONS_PER_CALL:
                        close_call()
            close_batch()  # creates and updates never share a batch
            if len(call) == COLLECTIONS_PER_CALL:
                close_call()
        close_call()
        return calls

    def _send(self, batches: list[list[PendingWrite]], ids: dict[str, str]) -> _CallOutcome:
        outcome = _CallOutcome()
        try:
            bodies = [[_record(w, ids) for w in batch] for batch in batches]
            answers = self._post(batches, bodies)
        except (RequestLimitError, AuthenticationError) as exc:
            outcome.stop = exc
            outcome.again.update({w.key: exc for batch in batches for w in batch})
            return outcome
        except TransientError as exc:
            target = outcome.unsure if exc.maybe_applied else outcome.again
            target.update({w.key: exc for batch in batches for w in batch})
            return outcome
        except SalesforceError as exc:
            outcome.errors.update({w.key: exc for batch in batches for w in batch})
            return outcome
        for batch, answer in zip(batches, answers, strict=True):
            _read_batch(batch, answer, outcome)
        return outcome

    def _post(
        self, batches: list[list[PendingWrite]], bodies: list[list[dict[str, Any]]]
    ) -> list[Any]:
        """Each batch's answer (a list of results, or the error that failed it whole)."""
        updating = [bool(batch[0].record_id) for batch in batches]
        if len(batches) == 1 or _holds_reference(bodies):
            return [
                self.api.update_collection(body) if update else self.api.create_collection(body)
                for body, update in zip(bodies, updating, strict=True)
            ]
        subs = [
            SubRequest(
                "PATCH" if update else "POST",
                f"{self.api.base_path}/composite/sobjects",
                f"c{i}",
                {"allOrNone": False, "records": body},
            )
            for i, (body, update) in enumerate(zip(bodies, updating, strict=True))
        ]
        composite = self.api.composite(subs, all_or_none=False)
        answers: list[Any] = []
        for sub in subs:
            answer = composite.get(sub.reference_id)
            answers.append(
                answer.body
                if answer is not None and answer.ok
                else error_from_body(
                    answer.body if answer else None, answer.status if answer else 500
                )
            )
        return answers

    def _settle(
        self,
        unsure: dict[str, SalesforceError],
        find: FindWritten,
        into: UnitResult,
        again: dict[str, PendingWrite],
        by_key: dict[str, PendingWrite],
    ) -> None:
        """Look up records whose write may have happened: found ones are done, the others go
        into ``again``. When the lookup itself fails they fail with ``OUTCOME_UNKNOWN`` (the next
        run looks again before writing anything; their pending notes stay unsettled)."""
        updates = {k for k in unsure if by_key[k].record_id}
        for key in updates:  # writing the same values again changes nothing more
            again[key] = by_key[key]
        creates = [by_key[k] for k in unsure if k not in updates]
        if not creates:
            return
        try:
            found = find(creates)
        except (RequestLimitError, AuthenticationError):
            raise
        except SalesforceError as exc:
            for write in creates:
                into.errors[write.key] = TransientError(
                    f"the create may have been carried out (its answer was lost: "
                    f"{unsure[write.key]}) and looking for it failed too ({exc}); the next run "
                    "looks again before creating it",
                    error_code=OUTCOME_UNKNOWN,
                )
            return
        for write in creates:
            duplicate = unsure[write.key].error_code in DUPLICATE_CODES
            if write.key in found:
                into.ids[write.key] = found[write.key]
                (into.taken if duplicate else into.recovered).add(write.key)
                into.errors.pop(write.key, None)
            elif duplicate:
                into.errors[write.key] = unsure[write.key]  # a duplicate of nothing we look for
            else:
                again[write.key] = write
        self._answered(
            {w.key: found[w.key] for w in creates if w.key in found and w.key not in into.taken},
            [w.key for w in creates if w.key in into.taken],
        )

    def _answered(self, created: dict[str, str], refused: Sequence[str]) -> None:
        if self.notes is not None and (created or refused):
            self.notes.answered(created, refused)


def _levels(writes: Sequence[PendingWrite]) -> tuple[list[list[PendingWrite]], list[PendingWrite]]:
    """``writes`` in the order they can go: each after the records it points at, and all
    records of one object together (the deepest any of them needs), so new Contacts go first,
    then every application, and so on; and the writes that point at no write of the set."""
    keys = {w.key: w for w in writes}
    depth: dict[str, int] = {}

    def depth_of(write: PendingWrite, seen: frozenset[str] = frozenset()) -> int:
        if write.key in depth:
            return depth[write.key]
        if write.key in seen:
            return -1  # a cycle
        if any(t not in keys for t in write.refs.values()):
            found = -1
        else:
            inner = [depth_of(keys[t], seen | {write.key}) for t in write.refs.values()]
            found = -1 if any(d < 0 for d in inner) else 1 + max(inner, default=-1)
        depth[write.key] = found
        return found

    by_object: dict[str, int] = {}
    unresolved = []
    for write in writes:
        found = depth_of(write)
        if found < 0:
            unresolved.append(write)
        else:
            by_object[write.sobject] = max(by_object.get(write.sobject, 0), found)
    levels: dict[int, list[PendingWrite]] = {}
    for write in writes:
        if depth[write.key] >= 0:
            levels.setdefault(by_object[write.sobject], []).append(write)
    return [levels[d] for d in sorted(levels)], unresolved


def _read_batch(batch: list[PendingWrite], answer: Any, outcome: _CallOutcome) -> None:
    if isinstance(answer, SalesforceError):
        # One collection subrequest failed as a whole inside the Composite.
        target = outcome.unsure if isinstance(answer, TransientError) else outcome.errors
        target.update({w.key: answer for w in batch})
        return
    results = list(answer or [])
    for index, write in enumerate(batch):
        result = results[index] if index < len(results) else None
        if isinstance(result, dict) and result.get("success"):
            outcome.ids[write.key] = str(result.get("id") or write.record_id)
            continue
        if result is None:
            outcome.unsure[write.key] = TransientError(
                "Salesforce answered without this record", error_code=OUTCOME_UNKNOWN
            )
            continue
        error = error_from_body(result.get("errors") if isinstance(result, dict) else None, 200)
        if error.error_code in RETRYABLE_RECORD_CODES:
            outcome.again[write.key] = error
        elif error.error_code in DUPLICATE_CODES and not write.record_id:
            outcome.unsure[write.key] = error  # someone else's: look before anything else
        else:
            outcome.errors[write.key] = error


def _record(write: PendingWrite, ids: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"attributes": {"type": write.sobject}, **write.body(ids)}
    if write.record_id:
        body["id"] = write.record_id
    return body


def _holds_reference(bodies: list[list[dict[str, Any]]]) -> bool:
    """Whether a value holds ``@{``: Composite would read it as a reference to an earlier
    subrequest's answer and substitute it, so such records go in plain Collections calls."""
    return "@{" in json.dumps(
        [[{k: v for k, v in r.items() if k != "VersionData"} for r in b] for b in bodies],
        ensure_ascii=False,
    )
