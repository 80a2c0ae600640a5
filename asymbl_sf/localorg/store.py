"""The local org's state: records per sObject, their indexes, counters and file bodies.

Records are plain dicts keyed by the describe's canonical field names, holding JSON values the
way the REST API returns them (dates ``YYYY-MM-DD``, datetimes ``...T...000+0000``, 18-char ids).
Deleted records stay in the table with ``IsDeleted = true``: that is what ``queryAll`` shows.

Indexes exist because the emulator must not dominate what benchmarks measure: lookups by email,
by reference (applicants of a Contact, links of a record) and by unique value are dict hits, not
scans. A journal makes a group of writes undoable, which is how ``allOrNone`` rolls back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from asymbl_sf.schema import FieldDescribe, OrgSchema, SObjectDescribe
from asymbl_sf.schema.ids import make_id

Record = dict[str, Any]

#: Journal pseudo-table for file bodies (no sObject name starts with an underscore).
_BLOBS = "_blobs"

#: Field types whose values are compared case-insensitively, so their index keys are lowered.
_TEXT_INDEX_TYPES = frozenset({"string", "email", "phone", "url", "picklist", "combobox"})


def index_key(field: FieldDescribe, value: Any) -> Any:
    if isinstance(value, str) and field.type in _TEXT_INDEX_TYPES and not field.caseSensitive:
        return value.lower()
    return value


def _is_indexed(field: FieldDescribe) -> bool:
    return (
        field.type in ("reference", "email")
        or field.unique
        or field.externalId
        or (field.idLookup and field.type in _TEXT_INDEX_TYPES)
    )


class RecordStore:
    """Tables of records with indexes; knows nothing of Salesforce's validation rules."""

    def __init__(self, schema: OrgSchema) -> None:
        self.schema = schema
        self.tables: dict[str, dict[str, Record]] = {}
        self.counters: dict[str, int] = {}
        self.autonumbers: dict[str, int] = {}
        self.blobs: dict[str, bytes] = {}
        #: Org-level settings that persist with the records (the running user's id, ...).
        self.meta: dict[str, Any] = {}
        self._indexes: dict[str, dict[str, dict[Any, set[str]]]] = {}
        self._indexed_fields: dict[str, list[FieldDescribe]] = {}
        #: Undo log of the open transactions: (table, record id, previous record or None); a
        #: table named ``_BLOBS`` undoes a file body. ``_savepoints`` marks where each nested
        #: transaction starts, so a ContentVersion insert (itself atomic) can run inside an
        #: ``allOrNone`` collection.
        self._journal: list[tuple[str, str, Any]] | None = None
        self._savepoints: list[int] = []
        #: Bumped by every write, so a persisted org knows when to save.
        self.version = 0
        for describe in schema:
            self._prepare(describe)

    # -- schema ---------------------------------------------------------------------------------

    def _prepare(self, describe: SObjectDescribe) -> None:
        self.tables.setdefault(describe.name, {})
        fields = [f for f in describe.fields if _is_indexed(f)]
        self._indexed_fields[describe.name] = fields
        self._indexes[describe.name] = {f.name: defaultdict(set) for f in fields}
        for record in self.tables[describe.name].values():
            self._index(describe.name, record)

    def replace_schema(self, schema: OrgSchema) -> None:
        """Use another org's describes; records of objects the new schema lacks are kept aside."""
        self.schema = schema
        for describe in schema:
            self._prepare(describe)
        self.version += 1

    def describe(self, sobject: str) -> SObjectDescribe | None:
        return self.schema.get(sobject)

    # -- ids ------------------------------------------------------------------------------------

    def new_id(self, describe: SObjectDescribe) -> str:
        prefix = describe.keyPrefix or "a00"
        serial = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = serial
        return make_id(prefix, serial)

    def next_autonumber(self, sobject: str, field: str) -> int:
        key = f"{sobject}.{field}"
        n = self.autonumbers.get(key, 0) + 1
        self.autonumbers[key] = n
        return n

    # -- reads ----------------------------------------------------------------------------------

    def get(self, sobject: str, record_id: str) -> Record | None:
        return self.tables.get(sobject, {}).get(record_id)

    def find(self, record_id: str) -> tuple[str, Record] | None:
        """The record with this id in whichever object holds it (ids are unique org-wide)."""
        describe = self.schema.by_key_prefix(record_id[:3])
        if describe is not None:
            record = self.tables.get(describe.name, {}).get(record_id)
            if record is not None:
                return describe.name, record
        for name, table in self.tables.items():
            if record_id in table:
                return name, table[record_id]
        return None

    def all(self, sobject: str, include_deleted: bool = False) -> Iterator[Record]:
        for record in self.tables.get(sobject, {}).values():
            if include_deleted or not record.get("IsDeleted"):
                yield record

    def lookup(self, sobject: str, field: str, values: Iterable[Any]) -> list[Record] | None:
        """Records whose indexed ``field`` equals one of ``values``; None when not indexed."""
        describe = self.schema.get(sobject)
        if describe is None:
            return None
        fd = describe.field(field)
        if fd is None:
            return None
        index = self._indexes.get(describe.name, {}).get(fd.name)
        if index is None:
            return None
        table = self.tables[describe.name]
        seen: set[str] = set()
        out: list[Record] = []
        for value in values:
            for record_id in index.get(index_key(fd, value), ()):
                if record_id not in seen:
                    seen.add(record_id)
                    out.append(table[record_id])
        return out

    # -- writes ---------------------------------------------------------------------------------

    def put(self, sobject: str, record: Record) -> None:
        """Insert or replace ``record`` (keyed by its ``Id``), keeping indexes and the journal."""
        table = self.tables.setdefault(sobject, {})
        old = table.get(record["Id"])
        if self._journal is not None:
            # Values are JSON scalars, so a shallow copy is a faithful undo record.
            self._journal.append((sobject, record["Id"], None if old is None else dict(old)))
        if old is not None:
            self._unindex(sobject, old)
        table[record["Id"]] = record
        self._index(sobject, record)
        self.version += 1

    def _index(self, sobject: str, record: Record) -> None:
        indexes = self._indexes.get(sobject)
        if not indexes:
            return
        for fd in self._indexed_fields[sobject]:
            value = record.get(fd.name)
            if value is not None:
                indexes[fd.name][index_key(fd, value)].add(record["Id"])

    def _unindex(self, sobject: str, record: Record) -> None:
        indexes = self._indexes.get(sobject)
        if not indexes:
            return
        for fd in self._indexed_fields[sobject]:
            value = record.get(fd.name)
            if value is not None:
                bucket = indexes[fd.name].get(index_key(fd, value))
                if bucket is not None:
                    bucket.discard(record["Id"])

    # -- transactions ---------------------------------------------------------------------------

    def put_blob(self, version_id: str, data: bytes) -> None:
        """Keep a file body; undone with the transaction that stored it."""
        if self._journal is not None:
            self._journal.append((_BLOBS, version_id, self.blobs.get(version_id)))
        self.blobs[version_id] = data
        self.version += 1

    def begin(self) -> None:
        """Open a transaction, nested in the current one if any."""
        if self._journal is None:
            self._journal = []
        self._savepoints.append(len(self._journal))

    def commit(self) -> None:
        self._savepoints.pop()
        if not self._savepoints:
            self._journal = None

    def rollback(self) -> None:
        """Undo the writes of the innermost open transaction and close it."""
        start = self._savepoints.pop()
        journal = self._journal or []
        undo = journal[start:]
        del journal[start:]
        if not self._savepoints:
            self._journal = None
        for sobject, record_id, old in reversed(undo):
            if sobject == _BLOBS:
                if old is None:
                    self.blobs.pop(record_id, None)
                else:
                    self.blobs[record_id] = old
                continue
            table = self.tables[sobject]
            current = table.get(record_id)
            if current is not None:
                self._unindex(sobject, current)
            if old is None:
                table.pop(record_id, None)
            else:
                table[record_id] = old
                self._index(sobject, old)
        self.version += 1

    # -- snapshots ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything but file bodies, as JSON-ready data (the persisted org writes blobs apart)."""
        return {
            "tables": {name: list(table.values()) for name, table in self.tables.items() if table},
            "counters": self.counters,
            "autonumbers": self.autonumbers,
            "meta": self.meta,
        }

    def restore(self, data: dict[str, Any]) -> None:
        self.tables = {d.name: {} for d in self.schema}
        for name, records in data.get("tables", {}).items():
            self.tables[name] = {r["Id"]: r for r in records}
        self.counters = dict(data.get("counters", {}))
        self.autonumbers = dict(data.get("autonumbers", {}))
        self.meta = dict(data.get("meta", {}))
        for describe in self.schema:
            self._prepare(describe)
        self.version += 1
