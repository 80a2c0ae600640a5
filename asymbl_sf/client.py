"""``Asymbl``: one method per action, over one Salesforce connection and one mapping."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from collections.abc import Mapping as AnyMapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from simple_salesforce import Salesforce

from asymbl_sf.attachments.fetch import FetchPolicy
from asymbl_sf.fixes.duplicates import DuplicatesResult
from asymbl_sf.fixes.undo import UndoSummary
from asymbl_sf.fixes.update import UpdateSummary
from asymbl_sf.flows.add_attachment import add_attachment
from asymbl_sf.flows.attachments import CandidateAttachments
from asymbl_sf.flows.create_activity import create_activity
from asymbl_sf.flows.create_application import create_application
from asymbl_sf.flows.move_stage import MoveStage
from asymbl_sf.importing import ImportOptions, ImportSummary, run_import
from asymbl_sf.mapping import Mapping, load_mapping
from asymbl_sf.models import (
    parse_activity,
    parse_attachment,
    parse_stage_move,
)
from asymbl_sf.models.canonical import Activity, Attachment
from asymbl_sf.reading import Reader, ReadMapping, ReadStream, WatermarkStore, load_read_mapping
from asymbl_sf.reading.pipeline import JobFunnel, read_pipeline
from asymbl_sf.salesforce.api import ApiUsage, SalesforceApi
from asymbl_sf.salesforce.retry import RetryPolicy
from asymbl_sf.state.journal import Journal, journal_root
from asymbl_sf.state.ledger import (
    CreatedLedger,
    adopt_legacy_state,
    keeps_state_on_disk,
    legacy_org_keys,
    org_key_for,
    record_created,
)
from asymbl_sf.state.locks import log_waiting, org_write_lock
from asymbl_sf.writes.plan import RowInput
from asymbl_sf.writes.rules import WriteRules
from asymbl_sf.writes.single import WriteOne

Payload = AnyMapping[str, Any] | str | Path


def _fix_rows(rows: Any, format: str | None) -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows of a fix's input; an unreadable row stops the fix before anything is written."""
    from asymbl_sf.errors import PayloadError
    from asymbl_sf.importing.sources import read_records

    for record in read_records(rows, format=format, raw=True):  # type: ignore[arg-type]
        if record.problem is not None:
            raise PayloadError(record.problem)
        yield record.line, dict(record.payload or {})


def _fix_results(results: str | Path | None, rows: Any, journal: Journal, dry_run: bool) -> Path:
    """A fix's results file: as asked; else beside its input file (``<input>.results.jsonl``,
    a dry run ``.dry-run.jsonl``), or beside its journal."""
    if results is not None:
        return Path(results)
    suffix = "dry-run" if dry_run else "results"
    if isinstance(rows, (str, Path)) and str(rows) != "-":
        return Path(f"{rows}.{suffix}.jsonl")
    stamp = journal.header.started.replace(":", "").replace("-", "")
    return journal_root() / f"{stamp}-update.{suffix}.jsonl"


class Asymbl:
    """The asymbl-sf client. Wrap an existing ``simple_salesforce.Salesforce``, or use
    :func:`asymbl_sf.connect` to build one from settings.

    ``mapping`` is a loaded :class:`~asymbl_sf.mapping.Mapping`, a path to a YAML file, or None for
    the shipped default.
    """

    def __init__(
        self,
        sf: Salesforce,
        *,
        mapping: Mapping | str | Path | None = None,
        description: str | None = None,
        fetch_policy: FetchPolicy | None = None,
        retry: RetryPolicy | None = None,
        ledger: CreatedLedger | Literal[False] | None = None,
    ) -> None:
        #: Limits for downloading attachments given by URL (size, time, private addresses).
        self.fetch_policy = fetch_policy
        #: ``retry``: how often a read that failed transiently is tried again (writes never are).
        self.api = SalesforceApi(sf, retry=retry)
        self.mapping = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
        self.description = description or f"Salesforce org at {sf.sf_instance}"
        #: What this client creates is noted here (None: this org's default; False: nowhere).
        self._ledger = ledger
        self._read_mapping: ReadMapping | None = None
        self._watermarks: WatermarkStore | None = None
        self._org_key: str | None = None

    @property
    def sf(self) -> Salesforce:
        """The underlying simple-salesforce client (for anything asymbl-sf does not cover)."""
        return self.api.sf

    @property
    def usage(self) -> ApiUsage:
        """API calls this client spent, and the org's daily budget as last reported."""
        return self.api.usage

    @property
    def instance_url(self) -> str:
        return f"https://{self.sf.sf_instance}"

    @property
    def org_key(self) -> str:
        """Names this org's state (created ledger, read watermarks, journals, locks) by the
        org's identity: its org id (from the session id), or ``local-<id>`` of a local org kept
        in a folder, so moving the project folder or renaming a My Domain keeps it. State an
        earlier version kept under the instance host or the folder's path is adopted once."""
        if self._org_key is None:
            local = getattr(self, "local_org", None)
            key = org_key_for(self.sf.sf_instance, local, self.sf.session_id)
            if self._state_on_disk:
                adopt_legacy_state(key, legacy_org_keys(self.sf.sf_instance, local))
            self._org_key = key
        return self._org_key

    @property
    def _state_on_disk(self) -> bool:
        return keeps_state_on_disk(self.sf.sf_instance, getattr(self, "local_org", None))

    @property
    def ledger(self) -> CreatedLedger | None:
        """The records this client created (``read(..., created_only=True)`` reads them back);
        kept under ``.asymbl-sf/state/<org_key>/``, in memory for an in-memory org, None when
        the client was made with ``ledger=False``."""
        if self._ledger is None:
            self._ledger = (
                CreatedLedger.for_org(self.org_key)
                if self._state_on_disk
                else CreatedLedger.in_memory()
            )
        return self._ledger or None

    @contextmanager
    def _writing(self, what: str, *, dry_run: bool = False) -> Iterator[None]:
        """This org's write lock held for the block, so no other run on this machine looks up
        and writes at the same time (docs/reliability.md, "Concurrent runs"); a run that has to
        wait says for whom. Not for a dry run, nor for an org whose state is not kept on disk
        (an in-memory local org lives in this process alone)."""
        if dry_run or not self._state_on_disk:
            yield
            return
        with org_write_lock(self.org_key, what).held(on_wait=log_waiting):
            yield

    def _writer(self) -> WriteOne:
        """The write core for single actions (the read mapping shapes their answers)."""
        return WriteOne(
            self.api,
            self.mapping,
            self._reading(),
            self.instance_url,
            fetch_policy=self.fetch_policy,
        )

    def _reading(self) -> ReadMapping:
        """The shipped read mapping, loaded once: it shapes reads and the answers of writes."""
        if self._read_mapping is None:
            self._read_mapping = load_read_mapping()
        return self._read_mapping

    def create_application(
        self,
        payload: Payload,
        job_id: str | None = None,
        dry_run: bool = False,
        *,
        dialect: str | None = None,
    ) -> dict[str, Any]:
        """Create (or find) the candidate's Contact and the application on the job.

        ``payload`` is a dict, a JSON string or a path to a JSON file, in any supported dialect.
        Returns Kombo's response shape; with ``dry_run`` nothing is written and the plan is
        returned instead.
        """
        source = RowInput(payload, job_id=job_id, dialect=dialect)
        with self._writing("create-application", dry_run=dry_run):
            result = create_application(self._writer(), source, dry_run=dry_run)
        record_created(self.ledger, result)
        return result

    def create_candidate(
        self,
        payload: Payload,
        dry_run: bool = False,
        *,
        job_id: str | None = None,
        dialect: str | None = None,
        on_existing: str = "reuse",
    ) -> dict[str, Any]:
        """Create or reuse the candidate's Contact; also the application when a job is given.

        Kombo's deprecated create candidate (``application.job_id`` in the body), Merge's and
        Truto's candidate. ``on_existing="fail"`` refuses an email that already has a Contact
        (what Merge documents); the default reuses it with a warning. Returns Kombo's candidate
        response shape (the candidate with its ``applications``).
        """
        if on_existing not in ("reuse", "fail"):
            raise ValueError("on_existing must be 'reuse' or 'fail'")
        source = RowInput(payload, job_id=job_id, dialect=dialect)
        with self._writing("create-candidate", dry_run=dry_run):
            result = create_application(
                self._writer(), source, candidate=True, dry_run=dry_run, on_existing=on_existing
            )
        record_created(self.ledger, result)
        return result

    def add_attachment(
        self,
        application_id: str | None,
        attachment: Payload | Attachment,
        *,
        candidate_id: str | None = None,
        dialect: str | None = None,
    ) -> dict[str, Any]:
        """Add a file to an application (it is stored on the candidate's Contact).

        ``attachment`` is Kombo's ``{name, type, content_type, data | data_url}``, Merge's
        ``{file_name, file_url, integration_params.path_with_extension, ...}`` or Truto's; a URL
        is downloaded safely first. The same bytes already on the Contact are not uploaded twice.
        """
        if not isinstance(attachment, Attachment):
            attachment = parse_attachment(
                attachment,
                application_id=application_id,
                candidate_id=candidate_id,
                dialect=dialect,
            )
        elif application_id or candidate_id:
            attachment = attachment.model_copy(
                update={
                    "application_id": application_id or attachment.application_id,
                    "candidate_id": candidate_id or attachment.candidate_id,
                }
            )
        with self._writing("add-attachment"):
            return add_attachment(self._writer(), attachment)

    def move_application_stage(
        self,
        application_id: str | None,
        stage_id: str | None = None,
        *,
        payload: Payload | None = None,
        dialect: str | None = None,
    ) -> dict[str, Any]:
        """Move an application to another stage of its job, by stage id or stage name.

        Give ``stage_id`` directly, or a ``payload`` in Kombo (``{stage_id}``), Merge
        (``{job_interview_stage}``) or Truto (``{application_id, stage_id}``) shape. Sets
        ``bpats__Current_Stage_Date__c`` to today; moving to the current stage writes nothing and
        warns.
        """
        candidate_id = user = None
        if payload is not None:
            move = parse_stage_move(payload, application_id=application_id, dialect=dialect)
            application_id, stage_id = move.application_id, move.stage_id
            candidate_id, user = move.candidate_id, move.user
        if not application_id or not stage_id:
            from asymbl_sf.errors import PayloadError, Problem

            missing = "application_id" if not application_id else "stage_id"
            raise PayloadError(Problem(missing, "required"))
        journal = Journal.start("move-stage", self.org_key, f"move {application_id} to {stage_id}")
        with self._writing("move-stage"):
            return MoveStage(self.api, self._reading(), self.instance_url, journal).run(
                application_id, stage_id, candidate_id=candidate_id, user=user
            )

    def get_candidate_attachments(
        self, candidate_id: str, download: str | Path | None = None
    ) -> list[dict[str, Any]]:
        """The candidate's files in Kombo's attachment shape; ``download`` saves them there."""
        reader = CandidateAttachments(self.api, self.instance_url)
        attachments = reader.list_for(candidate_id)
        if download is not None:
            reader.download(attachments, Path(download))
        return attachments

    def import_records(
        self, source: Any, options: ImportOptions | None = None, /, **settings: Any
    ) -> ImportSummary:
        """Import many applications (a JSON array, JSON Lines or CSV file, ``"-"`` for stdin,
        an open binary file, or a list of payloads) in batches, with their files and
        activities; resumable. ``options`` (an :class:`~asymbl_sf.importing.ImportOptions`) and
        keyword ``settings`` (any of its fields: ``job_id``, ``dry_run``, ``api``, ``results``,
        ``retry_from``, ``progress``, ...) say how. Returns an
        :class:`~asymbl_sf.importing.ImportSummary`; per-row outcomes go to the results file
        (default ``<input>.results.jsonl``). See docs/importing.md."""
        unknown = sorted(set(settings) - set(ImportOptions.names()))
        if unknown:
            raise TypeError(
                f"import_records() got unknown setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(ImportOptions.names())}"
            )
        chosen = replace(options or ImportOptions(), **settings)
        return run_import(
            self.api,
            self.mapping,
            source,
            chosen,
            ledger=self.ledger,
            fetch_policy=self.fetch_policy,
            lock_key=self.org_key if self._state_on_disk else None,
        )

    def create_activity(
        self,
        payload: Payload | Activity,
        *,
        candidate_id: str | None = None,
        application_id: str | None = None,
        dialect: str | None = None,
    ) -> dict[str, Any]:
        """Log an email, note or other activity as a completed Task on the candidate's Contact.

        EMAIL becomes TaskSubtype ``Email``, NOTE and OTHER ``Task`` (see the mapping's Task
        object). Linked to the application (``WhatId``) when one is given; owned by the activity's
        user when that is a Salesforce User. The same activity twice creates one Task.
        """
        activity = (
            payload
            if isinstance(payload, Activity)
            else parse_activity(
                payload, candidate_id=candidate_id, application_id=application_id, dialect=dialect
            )
        )
        with self._writing("create-activity"):
            return create_activity(self._writer(), activity)

    def read(
        self,
        model: str,
        since: datetime | str | None = None,
        include_deleted: bool = False,
        *,
        created_only: bool = False,
        all_contacts: bool = False,
        remote_data: bool = False,
        read_mapping: ReadMapping | str | Path | None = None,
    ) -> ReadStream:
        """Stream the unified objects (Kombo's shape) of ``model``: users, jobs, candidates,
        application_stages, applications, job_stages or hiring_team.

        ``since`` (a datetime, an ISO string, or ``"last"``: where the previous completed read
        of this model in this org ended) reads only what changed, deletions included
        (``remote_deleted_at``); ``include_deleted`` adds deleted records to a full read.
        ``created_only`` reads only the applications (or candidates) this org's ledger says
        asymbl-sf created; ``all_contacts`` reads every Contact, not only those with an
        application; ``remote_data`` adds the Salesforce record. ``read_mapping`` replaces the
        shipped ``mappings/read.yaml``. Iterate the result; its ``stats`` (rows, API calls,
        watermark) are complete once it is exhausted. See docs/reading.md.
        """
        if isinstance(read_mapping, ReadMapping):
            mapping = read_mapping
        elif read_mapping is not None:
            mapping = load_read_mapping(read_mapping)
        else:
            mapping = self._reading()
        if self._watermarks is None:
            self._watermarks = (
                WatermarkStore.for_org(self.org_key)
                if self._state_on_disk
                else WatermarkStore.in_memory()
            )
        reader = Reader(self.api, mapping, self.instance_url, self._watermarks, self.ledger)
        return reader.read(
            model,
            since,
            include_deleted,
            created_only=created_only,
            all_contacts=all_contacts,
            remote_data=remote_data,
        )

    # -- one-off data fixes (docs/fixes.md) ------------------------------------------------------

    def update(
        self,
        sobject: str,
        rows: Any = None,
        *,
        where: str | None = None,
        set: AnyMapping[str, str] | None = None,
        key: str = "Id",
        dry_run: bool = False,
        format: str | None = None,
        results: str | Path | None = None,
        api: str = "auto",
    ) -> UpdateSummary:
        """Update many records of ``sobject``: those ``where`` (a SOQL condition) selects, to
        the ``set`` values; or those the ``rows`` of a file (CSV, JSON Lines, JSON array; a
        path, ``"-"`` or a list of dicts) name by ``key``, to each row's values. Values resolve
        as the mapping's do (a stage by name on the record's own job, ...). Every record's diff
        is in the answer; ``dry_run`` writes nothing; otherwise the before-images go to a
        journal first (``summary.journal``: give it to :meth:`undo`). See docs/fixes.md."""
        from asymbl_sf.fixes.update import Updater, UpdateRequest

        records = None if rows is None else _fix_rows(rows, format)
        about = f"update {sobject}" + (f" where {where}" if where else f" from {rows}")
        journal = Journal.start("update", self.org_key, about, in_memory=dry_run)
        request = UpdateRequest(
            sobject,
            records,
            where,
            dict(set or {}),
            key,
            dry_run,
            _fix_results(results, rows, journal, dry_run),
            api=api,
        )
        with self._writing(about, dry_run=dry_run):
            return Updater(self.api, WriteRules.of(self.mapping), journal).run(request)

    def duplicates(
        self,
        merge: bool = False,
        dry_run: bool = False,
        survivor: str = "oldest",
        *,
        keys: Sequence[str] = (),
    ) -> DuplicatesResult:
        """The Contacts that are the same candidate (the same email once trimmed and
        case-folded; and the same ``keys`` fields, when given), each with what hangs on it.
        ``merge`` keeps one per group (``survivor``: oldest, newest or most-applications) and
        moves everything onto it; with ``dry_run`` the answer is the plan and nothing is
        written; otherwise every step goes to a journal first (give it to :meth:`undo`). See
        docs/fixes.md."""
        from asymbl_sf.fixes.duplicates import DuplicateFinder
        from asymbl_sf.fixes.merge import Merger, MergeSummary

        groups = DuplicateFinder(self.api, keys=keys).groups()
        if not merge:
            return DuplicatesResult(groups)
        journal = Journal.start(
            "merge", self.org_key, f"merge {len(groups)} group(s)", in_memory=dry_run
        )
        merger = Merger(self.api, journal, survivor=survivor)
        if dry_run:
            return DuplicatesResult(groups, MergeSummary(True, merger.plan(groups)))
        with self._writing("duplicates --merge"):
            # Planned under the lock: nothing moves between the plan and the merge.
            return DuplicatesResult(groups, merger.run(merger.plan(groups)))

    def undo(
        self, journal: str | Path, dry_run: bool = False, *, force: bool = False
    ) -> UndoSummary:
        """Put back what the fix that wrote ``journal`` changed: deleted records undeleted with
        their own ids, values restored where nobody changed them since (a conflict is reported
        per record, unless ``force``), records it created deleted. See docs/fixes.md."""
        from asymbl_sf.fixes.undo import Undo

        with self._writing(f"undo {journal}", dry_run=dry_run):
            return Undo(self.api, self.org_key, force=force, dry_run=dry_run).run(Path(journal))

    # -- looking at the org (docs/checks.md) ------------------------------------------------------

    def pipeline(self, jobs: Sequence[str] = ()) -> list[JobFunnel]:
        """Each job's applications per stage, rejected apart (``jobs``: ids or exact names;
        none: every job), in one API call: the org counts them with an aggregate query."""
        return read_pipeline(self.api, jobs)

    def check(self, mapping: Mapping | str | Path | None = None) -> Any:
        """Compare a mapping (default: this client's) with the org's schema and settings.

        Returns a :class:`~asymbl_sf.checks.CheckReport`: ``.ok`` is False when a write would
        fail; every ``.items`` entry says what is wrong and what to do. About two API calls.
        """
        from asymbl_sf.checks import check_org

        chosen = (
            mapping
            if isinstance(mapping, Mapping)
            else (self.mapping if mapping is None else load_mapping(mapping))
        )
        return check_org(self.api, chosen, org=self.description)

    def fields(self, sobject: str, custom_only: bool = False) -> list[dict[str, Any]]:
        """The fields of ``sobject`` as the org describes them (name, label, type, length,
        required, picklist values) and whether this client's mapping uses each."""
        from asymbl_sf.checks import object_fields

        return object_fields(self.api, sobject, self.mapping, custom_only=custom_only)

    def passthrough(
        self, method: str, path: str, data: Any = None, params: dict[str, str] | None = None
    ) -> Any:
        """Any REST call to this org: ``path`` relative to ``/services/data/vXX.X/`` or absolute
        under ``/services/``. Returns the JSON answer (None when empty)."""
        from asymbl_sf.checks import passthrough

        return passthrough(self.api, method, path, data=data, params=params)
