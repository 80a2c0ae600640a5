"""The Bulk API 2.0 writer: every row decided first, then one ingest job for the new Contacts and
one for the new applications, whatever the volume.

1. Every row is decided against the scan of the org (:mod:`.scan`) and what earlier rows of the
   input planned: no API calls for Contacts and applications.
2. One ``insert`` job creates the new Contacts (one row per candidate). Its ``successfulResults``
   carry the columns sent, so each new Contact id is matched back to its match value.
3. One ``insert`` job creates the applications, the new Contact ids filled in; results are
   matched back by (Contact, job).
4. A last pass over the rows writes what Bulk API 2.0 cannot carry (files: binary bodies) and the
   Tasks, through the REST batch writer, and gives every row its outcome.

With a created ledger, each job's records are noted there as pending while its CSV is written
(before any upload), and the job's results settle them (:mod:`asymbl_sf.state.ledger`).

A job's rows that fail with ``UNABLE_TO_LOCK_ROW`` go again in a new job (as many times as the
retry policy allows); other failures are the rows' outcomes. A job that fails as a whole (a bad
column) fails all its rows. About twenty API calls for any volume: the two scans (create, two
polls, one page each), the two ingest jobs (create, upload, close, two polls, two result files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from asymbl_sf.errors import TransientError
from asymbl_sf.salesforce.bulk import Bulk2, IngestResult, bulk_error, csv_cell
from asymbl_sf.salesforce.collections import DUPLICATE_CODES, RETRYABLE_RECORD_CODES
from asymbl_sf.salesforce.retry import RetryPolicy
from asymbl_sf.schema.ids import to_18
from asymbl_sf.schema.names import APPLICANT, CONTACT
from asymbl_sf.state.ledger import PENDING_PER_LINE, CreatedLedger

from .batch import BatchWriter
from .decide import APP_CREATE, BLOCKED, Decided
from .keys import applicant_key, contact_key
from .queries import in_queries
from .rules import WriteRules
from .state import RunState, match_key

#: Rows of results applied to the run state at a time.
_APPLY_BATCH = 5_000


class BulkWriter:
    """Writes a run's Contacts and applications with two Bulk API 2.0 ingest jobs."""

    def __init__(
        self,
        bulk: Bulk2,
        state: RunState,
        rules: WriteRules,
        batch: BatchWriter,
        retry: RetryPolicy,
        *,
        ledger: CreatedLedger | None = None,
        chunk_size: int = 2_000,
    ) -> None:
        self.bulk = bulk
        self.state = state
        self.rules = rules
        self.batch = batch
        self.retry = retry
        self.ledger = ledger
        self.chunk_size = chunk_size
        #: Contacts the Contact job created.
        self.contacts_created = 0

    def decided_again(self) -> Iterator[Decided]:
        """Every pending chunk decided again from the run state (no API call)."""
        for rows in self.state.pending_chunks(self.chunk_size):
            facts = self.batch.finder.find(
                rows, known=self.batch.decider.known_contacts(rows), children=False
            )
            yield self.batch.decider.decide(rows, facts)

    def write(self) -> None:
        """Run the two ingest jobs (the rows were decided already)."""
        self._create_contacts()
        self._create_applicants()

    # -- Contacts -------------------------------------------------------------------------------

    def _create_contacts(self) -> None:
        field = self.rules.match_field or "Email"
        for last in self._attempts():
            header = _union(fields for _, fields in self.state.contacts_to_create())
            if not header:
                return
            rows = self._noting(
                CONTACT,
                (
                    (contact_key(key), [csv_cell(fields.get(name)) for name in header])
                    for key, fields in self.state.contacts_to_create()
                ),
            )
            result = self._insert(CONTACT, header, rows, self._fail_contacts)
            if result is None:
                return
            column = next((h for h in header if h.lower() == field.lower()), field)
            ids: list[tuple[int, str]] = []
            for row in self.bulk.ingest_results(result.job_id, "successfulResults"):
                value = self.rules.normalize(row.get(column))
                if value is not None:
                    ids.append((match_key(value), to_18(row["sf__Id"])))
                if len(ids) >= _APPLY_BATCH:
                    self._contacts_made(ids)
                    ids = []
            self._contacts_made(ids)
            errors, retry_left = [], False
            taken: list[str] = []
            for row in self.bulk.ingest_results(result.job_id, "failedResults"):
                value = self.rules.normalize(row.get(column))
                code, message, field_name = bulk_error(row.get("sf__Error", ""), CONTACT)
                if value is None:
                    continue
                if code in RETRYABLE_RECORD_CODES and not last:
                    retry_left = True
                    continue
                if code in DUPLICATE_CODES and self.rules.claim_field:
                    taken.append(value)  # another run claimed it since the scan
                    continue
                errors.append((match_key(value), code, message, field_name))
            errors.extend(self._take(taken, field))
            self.state.set_contact_errors(errors)
            self._settle(CONTACT, [contact_key(key) for key, *_ in errors])
            if not retry_left:
                return

    def _take(self, values: list[str], field: str) -> list[tuple[int, str, str, str | None]]:
        """The Contacts other runs created (and claimed) since the scan, by their match values:
        their ids go to the run state (not counted as created here); a value whose Contact is
        not found fails its rows."""
        claim = self.rules.claim_field
        if not values or claim is None:
            return []
        found: dict[str, str] = {}
        api = self.bulk.api
        for soql in in_queries(
            api, f"SELECT Id, {claim} FROM {CONTACT} WHERE {claim} IN {{values}}", values
        ):
            for row in api.query_iter(soql):
                found[str(row[claim]).lower()] = to_18(row["Id"])
        self.state.set_contact_ids(
            [(match_key(v), found[v.lower()]) for v in values if v.lower() in found]
        )
        return [
            (match_key(v), "DUPLICATE_VALUE", f"another record claims {field} {v}", claim)
            for v in values
            if v.lower() not in found
        ]

    def _contacts_made(self, ids: list[tuple[int, str]]) -> None:
        if not ids:
            return
        self.state.set_contact_ids(ids)
        self.contacts_created += len(ids)
        if self.ledger is not None:
            self.ledger.record(
                CONTACT, [i for _, i in ids], settled=[contact_key(key) for key, _ in ids]
            )

    def _fail_contacts(self, code: str, message: str) -> None:
        self.state.set_contact_errors(
            (key, code, message, None) for key, _ in list(self.state.contacts_to_create())
        )

    # -- applications ---------------------------------------------------------------------------

    def _create_applicants(self) -> None:
        refs = self.rules.applicant_refs
        header = _union([dict.fromkeys(self.state.applicant_fields()), dict.fromkeys(refs)])
        for last in self._attempts():
            result = self._insert(
                APPLICANT,
                header,
                self._noting(APPLICANT, self._applicant_rows(header)),
                self._fail_applicants,
            )
            if result is None:
                return
            made = []
            for row in self.bulk.ingest_results(result.job_id, "successfulResults"):
                made.append(row)
                if len(made) >= _APPLY_BATCH:
                    self._applicants_made(made)
                    made = []
            self._applicants_made(made)
            errors, retry_left = [], False
            for row in self.bulk.ingest_results(result.job_id, "failedResults"):
                code, message, field_name = bulk_error(row.get("sf__Error", ""), APPLICANT)
                if code in RETRYABLE_RECORD_CODES and not last:
                    retry_left = True
                    continue
                errors.append((row, code, message, field_name))
            self._applicants_failed(errors)
            self._settle(APPLICANT, self._applicant_keys([row for row, *_ in errors]))
            if not retry_left:
                return

    def _applicant_rows(self, header: list[str]) -> Iterator[tuple[str, list[str]]]:
        """Ledger keys and CSV rows of the applications still to create."""
        for decided in self.decided_again():
            for decision in decided.decisions:
                if (
                    decision.failure is not None
                    or decision.contact == BLOCKED
                    or decision.application != APP_CREATE
                ):
                    continue
                contact = decided.contacts.get(decision.key)
                applicant = decided.applicants.get(decision.pair)
                if (
                    contact is None
                    or contact.contact_id is None
                    or applicant is None
                    or applicant.applicant_id is not None
                    or applicant.error_code is not None
                    or applicant.first_line != decision.row.line
                ):
                    continue
                ids = {
                    CONTACT: contact.contact_id,
                    "job": decision.job_id,
                    "stage": decision.stage_id,
                    "user": decision.user_id,
                }
                fields = dict(decision.row.applicant)
                for name, ref in self.rules.applicant_refs.items():
                    fields[name] = ids.get(ref) or ""
                yield (
                    applicant_key(contact.contact_id, decision.job_id),
                    [csv_cell(fields.get(name)) for name in header],
                )

    def _pairs(self, rows: list[dict[str, str]]) -> list[tuple[int, str] | None]:
        link, job_link = self.rules.contact_link, self.rules.job_link
        contacts = self.state.keys_of_contacts([to_18(r[link]) for r in rows if r.get(link)])
        out: list[tuple[int, str] | None] = []
        for row in rows:
            key = contacts.get(to_18(row[link])) if row.get(link) else None
            job = row.get(job_link)
            out.append((key, to_18(job)) if key is not None and job else None)
        return out

    def _applicants_made(self, rows: list[dict[str, str]]) -> None:
        if not rows:
            return
        found = [
            (pair[0], pair[1], to_18(row["sf__Id"]))
            for row, pair in zip(rows, self._pairs(rows), strict=True)
            if pair is not None
        ]
        self.state.set_applicant_ids(found)
        if self.ledger is not None:
            self.ledger.record(
                APPLICANT, [i for _, _, i in found], settled=self._applicant_keys(rows)
            )

    def _applicants_failed(self, errors: list[tuple[dict[str, str], str, str, str | None]]) -> None:
        pairs = self._pairs([row for row, *_ in errors])
        self.state.set_applicant_errors(
            (pair[0], pair[1], code, message, field_name)
            for (_, code, message, field_name), pair in zip(errors, pairs, strict=True)
            if pair is not None
        )

    def _fail_applicants(self, code: str, message: str) -> None:
        pending = []
        for decided in self.decided_again():
            for d in decided.decisions:
                applicant = decided.applicants.get(d.pair)
                if (
                    d.failure is None
                    and d.application == APP_CREATE
                    and applicant is not None
                    and applicant.applicant_id is None
                    and applicant.first_line == d.row.line
                ):
                    pending.append((d.key, d.job_id, code, message, None))
        self.state.set_applicant_errors(pending)

    # -- the created ledger ---------------------------------------------------------------------

    def _noting(self, sobject: str, keyed: Iterator[tuple[str, list[str]]]) -> Iterator[list[str]]:
        """The rows of ``keyed``, their keys noted in the ledger as pending as they are read.
        :meth:`Bulk2.insert` reads every row before it uploads any, so the notes are on disk
        before the job can create anything."""
        keys: list[str] = []
        for key, row in keyed:
            keys.append(key)
            if self.ledger is not None and len(keys) >= PENDING_PER_LINE:
                self.ledger.note_pending(sobject, keys)
                keys = []
            yield row
        if self.ledger is not None and keys:
            self.ledger.note_pending(sobject, keys)

    def _settle(self, sobject: str, keys: list[str]) -> None:
        """Settle in the ledger the pending keys of records refused for good."""
        if self.ledger is not None and keys:
            self.ledger.record(sobject, [], settled=keys)

    def _applicant_keys(self, rows: list[dict[str, str]]) -> list[str]:
        """Ledger keys of result rows of the applications job (the columns sent come back)."""
        link, job_link = self.rules.contact_link, self.rules.job_link
        return [
            applicant_key(row[link], row[job_link])
            for row in rows
            if row.get(link) and row.get(job_link)
        ]

    # -- shared ---------------------------------------------------------------------------------

    def _insert(
        self,
        sobject: str,
        header: list[str],
        rows: Iterator[list[str]],
        fail_all: Callable[[str, str], None],
    ) -> IngestResult | None:
        """Run one ingest job; a job that failed as a whole, or could not be run, fails every
        row still to create (None is returned then, or when the job was aborted)."""
        try:
            result = self.bulk.insert(sobject, header, rows)
        except TransientError as exc:
            fail_all(
                exc.error_code,
                f"the Bulk API job could not be run ({exc}); import the "
                "rows again (--retry-from): what landed is found first",
            )
            return None
        if result is None:
            return None  # nothing left to create
        if result.state == "Failed":
            fail_all(
                "BULK_JOB_FAILED",
                f"the Bulk API job {result.job_id} failed as a whole: "
                f"{result.error_message or 'no reason given'}",
            )
            return None
        if result.state != "JobComplete":
            return None  # aborted by someone: its rows keep no outcome; a rerun does them
        return result

    def _attempts(self) -> Iterator[bool]:
        """One value per attempt the retry policy allows: whether it is the last."""
        total = max(self.retry.attempts, 1)
        delays = self.retry.delays()
        for number in range(total):
            if number and delays:
                self.retry.sleep(delays[min(number - 1, len(delays) - 1)])
            yield number + 1 == total


def _union(field_sets: Any) -> list[str]:
    names: dict[str, None] = {}
    for fields in field_sets:
        names.update(dict.fromkeys(fields))
    return list(names)
