"""Creating many records over REST: sObject Collections, five of them per Composite call.

One API call carries up to 1,000 records: a Composite request (``allOrNone: false``) holding up
to five sObject Collections subrequests of 200 records each (Composite takes five query or
collection subrequests per call); a single batch of at most 200 goes as a plain Collections call,
and so does every batch of a call whose values hold ``@{`` (Composite would substitute it as a
reference). Calls run up to ``max_concurrency`` at a time.

Failures, and what is done about them:

* a record Salesforce refuses (a validation error): that record fails, the others stand;
* a record refused with ``UNABLE_TO_LOCK_ROW``: tried again in the next round;
* a call that failed without reaching the org (503, a connection that never opened): its
  records are tried again in the next round;
* a call whose answer was lost (a dropped connection after sending, a 500): its records are
  looked up first (``find``: Contacts by email, applications by Contact and job), and only those
  not found are sent again, so nothing is created twice;
* rounds wait as the :class:`~asymbl_sf.salesforce.retry.RetryPolicy` says and stop after its
  attempts; what is still not written then fails with the last error;
* ``REQUEST_LIMIT_EXCEEDED`` or a session that cannot be renewed stops the import: what was
  written so far is in the result, and the error is raised after every call under way ended.

With a created ledger, the records' natural keys are noted there as pending (one append) before
the first call goes out, and each round's answers settle them, so a rerun after a crash can tell
the records this run sent from those that were in the org already (:mod:`asymbl_sf.state.ledger`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from asymbl_sf.errors import (
    AuthenticationError,
    RequestLimitError,
    SalesforceError,
    TransientError,
)
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest, error_from_body
from asymbl_sf.salesforce.retry import OUTCOME_UNKNOWN, RetryPolicy
from asymbl_sf.state.ledger import CreatedLedger

from .queries import map_concurrently

K = TypeVar("K", bound=Hashable)

#: Records of one Collections subrequest, with the key each is known by.
Batch = list[tuple[K, dict[str, Any]]]

COLLECTION_SIZE = 200
COLLECTIONS_PER_CALL = 5
#: Per-record error codes that a later attempt may not meet.
RETRYABLE_RECORD_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})


@dataclass
class WriteResult(Generic[K]):
    """Ids of the records created, and the error of each one that failed."""

    ids: dict[K, str] = field(default_factory=dict)
    errors: dict[K, SalesforceError] = field(default_factory=dict)
    #: Records found in the org after a lost answer (they are in ``ids`` too).
    recovered: set[K] = field(default_factory=set)


@dataclass
class _CallOutcome(Generic[K]):
    ids: dict[K, str] = field(default_factory=dict)
    errors: dict[K, SalesforceError] = field(default_factory=dict)
    again: dict[K, SalesforceError] = field(default_factory=dict)  # safe to send again
    unsure: dict[K, SalesforceError] = field(default_factory=dict)  # look before sending
    stop: SalesforceError | None = None


class CollectionWriter:
    """Creates records through Collections for one import run."""

    def __init__(
        self,
        api: SalesforceApi,
        retry: RetryPolicy,
        *,
        max_concurrency: int = 4,
        ledger: CreatedLedger | None = None,
    ) -> None:
        self.api = api
        self.retry = retry
        self.max_concurrency = max(1, max_concurrency)
        self.ledger = ledger

    def create(
        self,
        sobject: str,
        records: dict[K, dict[str, Any]],
        find: Callable[[list[K]], dict[K, str]],
        into: WriteResult[K],
        *,
        ledger_key: Callable[[K], str] | None = None,
    ) -> None:
        """Create ``records`` (key → fields) of ``sobject``, recording ids and errors in ``into``.

        ``find(keys)`` returns the ids of those records that exist in the org (used after a lost
        answer). Raises :class:`RequestLimitError` / :class:`AuthenticationError` to stop the
        import, after ``into`` holds everything learnt. ``ledger_key(key)`` names a record in the
        ledger's pending notes (none are written without it).
        """
        if self.ledger is not None and ledger_key is not None:
            self.ledger.note_pending(sobject, (ledger_key(key) for key in records))
        pending = dict(records)
        last_error: dict[K, SalesforceError] = {}
        attempts = max(self.retry.attempts, 1)
        for attempt in range(attempts):
            outcomes = map_concurrently(
                lambda batch: self._send(sobject, batch), self._calls(pending), self.max_concurrency
            )
            again: dict[K, dict[str, Any]] = {}
            unsure: dict[K, SalesforceError] = {}
            stop: SalesforceError | None = None
            created: dict[K, str] = {}
            refused: list[K] = []
            for outcome in outcomes:
                into.ids.update(outcome.ids)
                created.update(outcome.ids)
                into.errors.update(outcome.errors)
                refused.extend(outcome.errors)
                again.update({key: records[key] for key in outcome.again})
                last_error.update(outcome.again)
                unsure.update(outcome.unsure)
                last_error.update(outcome.unsure)
                stop = stop or outcome.stop
            self._remember(sobject, created, refused, ledger_key)
            if unsure:
                self._settle(sobject, unsure, find, into, again, records, ledger_key)
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
        self._remember(sobject, {}, list(pending), ledger_key)

    # -- one round ------------------------------------------------------------------------------

    def _calls(self, pending: dict[K, dict[str, Any]]) -> list[list[Batch[K]]]:
        """``pending`` as calls, each a list of batches of at most 200 records."""
        items = list(pending.items())
        batches = [items[i : i + COLLECTION_SIZE] for i in range(0, len(items), COLLECTION_SIZE)]
        return [
            batches[i : i + COLLECTIONS_PER_CALL]
            for i in range(0, len(batches), COLLECTIONS_PER_CALL)
        ]

    def _send(self, sobject: str, batches: list[Batch[K]]) -> _CallOutcome[K]:
        outcome: _CallOutcome[K] = _CallOutcome()
        bodies = [
            [{"attributes": {"type": sobject}, **fields} for _, fields in batch]
            for batch in batches
        ]
        try:
            if len(batches) == 1 or _holds_reference(bodies):
                answers: list[Any] = [self.api.create_collection(body) for body in bodies]
            else:
                subs = [
                    SubRequest(
                        "POST",
                        f"{self.api.base_path}/composite/sobjects",
                        f"c{i}",
                        {"allOrNone": False, "records": body},
                    )
                    for i, body in enumerate(bodies)
                ]
                composite = self.api.composite(subs, all_or_none=False)
                answers = []
                for sub in subs:
                    answer = composite.get(sub.reference_id)
                    answers.append(
                        answer.body
                        if answer is not None and answer.ok
                        else error_from_body(
                            answer.body if answer else None, answer.status if answer else 500
                        )
                    )
        except (RequestLimitError, AuthenticationError) as exc:
            outcome.stop = exc
            for batch in batches:
                outcome.again.update({key: exc for key, _ in batch})
            return outcome
        except TransientError as exc:
            target = outcome.unsure if exc.maybe_applied else outcome.again
            for batch in batches:
                target.update({key: exc for key, _ in batch})
            return outcome
        except SalesforceError as exc:
            for batch in batches:
                outcome.errors.update({key: exc for key, _ in batch})
            return outcome
        for batch, answer in zip(batches, answers, strict=True):
            self._read_batch(batch, answer, outcome)
        return outcome

    @staticmethod
    def _read_batch(batch: Batch[K], answer: Any, outcome: _CallOutcome[K]) -> None:
        if isinstance(answer, SalesforceError):
            # One collection subrequest failed as a whole inside the Composite.
            target = outcome.unsure if isinstance(answer, TransientError) else outcome.errors
            target.update({key: answer for key, _ in batch})
            return
        results = list(answer or [])
        for index, (key, _) in enumerate(batch):
            result = results[index] if index < len(results) else None
            if isinstance(result, dict) and result.get("success"):
                outcome.ids[key] = str(result.get("id"))
                continue
            error = error_from_body(
                (result or {}).get("errors") if isinstance(result, dict) else None, 200
            )
            if result is None:
                outcome.unsure[key] = TransientError(
                    "Salesforce answered without this record", error_code=OUTCOME_UNKNOWN
                )
            elif error.error_code in RETRYABLE_RECORD_CODES:
                outcome.again[key] = error
            else:
                outcome.errors[key] = error

    def _settle(
        self,
        sobject: str,
        unsure: dict[K, SalesforceError],
        find: Callable[[list[K]], dict[K, str]],
        into: WriteResult[K],
        again: dict[K, dict[str, Any]],
        records: dict[K, dict[str, Any]],
        ledger_key: Callable[[K], str] | None,
    ) -> None:
        """Look up records whose create may have happened: found ones are done, the others go
        into ``again``. When the lookup itself fails they fail with ``OUTCOME_UNKNOWN`` (the next
        run looks again before creating anything; their pending notes stay unsettled)."""
        try:
            found = find(list(unsure))
        except (RequestLimitError, AuthenticationError):
            raise
        except SalesforceError as exc:
            for key, lost in unsure.items():
                into.errors[key] = TransientError(
                    f"the create may have been carried out (its answer was lost: {lost}) and "
                    f"looking for it failed too ({exc}); the next run looks again before "
                    "creating it",
                    error_code=OUTCOME_UNKNOWN,
                )
            return
        for key in unsure:
            if key in found:
                into.ids[key] = found[key]
                into.recovered.add(key)
                into.errors.pop(key, None)
            else:
                again[key] = records[key]
        self._remember(sobject, {k: found[k] for k in unsure if k in found}, [], ledger_key)

    def _remember(
        self,
        sobject: str,
        created: dict[K, str],
        refused: list[K],
        ledger_key: Callable[[K], str] | None,
    ) -> None:
        """One ledger line: the ids created, settling the keys of those and of ``refused``."""
        if self.ledger is None:
            return
        settled = [ledger_key(k) for k in (*created, *refused)] if ledger_key else []
        self.ledger.record(sobject, created.values(), settled=settled)


def _holds_reference(bodies: list[list[dict[str, Any]]]) -> bool:
    """Whether a value holds ``@{``: Composite would read it as a reference to an earlier
    subrequest's answer and substitute it, so such records go in plain Collections calls."""
    return "@{" in json.dumps(bodies, ensure_ascii=False)
