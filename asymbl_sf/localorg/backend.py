"""The local org's operations, named like Salesforce's: create, update, delete, retrieve, query.

This is the core both front doors (the ``responses`` fixture and the ``requests`` adapter) share:
it knows records and rules but nothing about HTTP. Operations raise :class:`ApiError` (the whole
call fails) or :class:`RecordRejected` (this record fails); the HTTP layer turns either into
Salesforce's response bodies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from asymbl_sf.schema import OrgSchema, SObjectDescribe
from asymbl_sf.schema.api_version import DEFAULT_API_VERSION
from asymbl_sf.schema.ids import looks_like_id, to_18

from . import content
from .errors import ApiError, RecordError, RecordRejected
from .relations import TOMBSTONE, ChildRelation, child_relations, walk
from .rules import RecordRules, format_datetime
from .soql import QueryResult, SoqlError, execute, parse_query
from .store import Record, RecordStore


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class OrgBackend:
    """One emulated org: its schema, records and the operations on them."""

    def __init__(
        self,
        schema: OrgSchema | None = None,
        *,
        clock: Callable[[], datetime] = utc_now,
        api_version: str = DEFAULT_API_VERSION,
    ) -> None:
        self.store = RecordStore(schema or OrgSchema.packaged())
        self.clock = clock
        self.api_version = api_version
        self.rules = RecordRules(self.store, lambda: self.clock(), lambda: self.running_user_id)
        #: Child relationships per object, for the schema they were worked out from.
        self._relations: dict[str, list[ChildRelation]] = {}
        self._relations_of: OrgSchema | None = None

    # -- org settings ---------------------------------------------------------------------------

    @property
    def running_user_id(self) -> str | None:
        return self.store.meta.get("running_user_id")

    @running_user_id.setter
    def running_user_id(self, value: str | None) -> None:
        self.store.meta["running_user_id"] = value

    def sobject_describe(self, sobject: str) -> SObjectDescribe:
        describe = self.store.describe(sobject)
        if describe is None:
            raise ApiError.single(404, "NOT_FOUND", "The requested resource does not exist")
        return describe

    def record_url(self, sobject: str, record_id: str) -> str:
        return f"/services/data/v{self.api_version}/sobjects/{sobject}/{record_id}"

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Writes inside either all stay or are all undone (``allOrNone``)."""
        self.store.begin()
        try:
            yield
        except BaseException:
            self.store.rollback()
            raise
        else:
            self.store.commit()

    # -- CRUD -----------------------------------------------------------------------------------

    def create(self, sobject: str, body: dict[str, Any], data: bytes | None = None) -> Record:
        """Insert one record; ``data`` is a file body sent as a multipart part."""
        describe = self.sobject_describe(sobject)
        if not describe.createable:
            raise ApiError.single(
                400,
                "INVALID_TYPE_FOR_OPERATION",
                f"entity type {describe.name} does not support create",
            )
        if describe.name == "ContentVersion":
            with self.transaction():
                return content.create_version(self, describe, body, data)
        record = self.rules.prepare_create(describe, body)
        self.store.put(describe.name, record)
        return record

    def update(self, sobject: str, record_id: str, body: dict[str, Any]) -> Record:
        describe = self.sobject_describe(sobject)
        existing = self._existing(describe, record_id)
        record = self.rules.prepare_update(describe, existing, body)
        self.store.put(describe.name, record)
        return record

    def upsert(
        self, sobject: str, field: str, value: str, body: dict[str, Any]
    ) -> tuple[Record, bool]:
        """Insert or update by an external id: ``(record, created)``. The field must be an
        external id (or an id lookup field, as ``Contact.Email``); several records holding the
        value answer 300 and change nothing, as Salesforce does."""
        describe = self.sobject_describe(sobject)
        fd = describe.field(field)
        if fd is None or not (fd.externalId or fd.idLookup) or fd.name == "Id":
            raise ApiError.single(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {field}",
            )
        given = next((v for k, v in body.items() if k.lower() == fd.name.lower()), None)
        if given is not None and str(given).lower() != value.lower():
            raise ApiError.single(
                400,
                "INVALID_FIELD",
                f"The external ID field {fd.name} in the body ({given}) is not the one in the "
                f"URL ({value})",
                (fd.name,),
            )
        fields = {k: v for k, v in body.items() if k.lower() != fd.name.lower()}
        found = [
            r
            for r in self.store.lookup(describe.name, fd.name, [value]) or []
            if not r.get("IsDeleted")
        ]
        if len(found) > 1:
            urls = [
                f"/services/data/v{self.api_version}/sobjects/{describe.name}/{r['Id']}"
                for r in found
            ]
            raise ApiError(300, [], raw=urls)
        if found:
            return self.update(describe.name, found[0]["Id"], fields), False
        return self.create(describe.name, {**fields, fd.name: value}), True

    def delete(self, sobject: str, record_id: str) -> None:
        """Delete a record into the recycle bin, with what its child relationships say
        (:mod:`.relations`): children deleted with it, lookups to it emptied, or the delete
        refused while restricting children exist. All of it or nothing."""
        describe = self.sobject_describe(sobject)
        existing = self._existing(describe, record_id)
        tomb: dict[str, list[list[str]]] = {"cascaded": [], "nulled": []}
        self._collect_children(describe, existing, tomb, {existing["Id"]})
        now = self.rules_now()
        with self.transaction():
            for child_sobject, child_id, field in tomb["nulled"]:
                child = dict(self.store.get(child_sobject, child_id) or {})
                child[field] = None
                child["SystemModstamp"] = now
                self.store.put(child_sobject, child)
            for child_sobject, child_id in tomb["cascaded"]:
                child = dict(self.store.get(child_sobject, child_id) or {})
                child["IsDeleted"] = True
                child["SystemModstamp"] = now
                self.store.put(child_sobject, child)
            record = dict(existing)
            record["IsDeleted"] = True
            record["SystemModstamp"] = now
            if tomb["cascaded"] or tomb["nulled"]:
                record[TOMBSTONE] = tomb
            self.store.put(describe.name, record)

    def _collect_children(
        self,
        describe: SObjectDescribe,
        record: Record,
        tomb: dict[str, list[list[str]]],
        seen: set[str],
    ) -> None:
        for relation in self.child_relations(describe.name):
            children = [
                c
                for c in self.store.lookup(relation.child, relation.field, [record["Id"]]) or []
                if not c.get("IsDeleted")
            ]
            if not children:
                continue
            if relation.rule == "restrict":
                label = self.store.describe(relation.child)
                names = ", ".join(str(c.get("Name") or c["Id"]) for c in children[:5])
                raise RecordRejected(
                    [
                        RecordError(
                            "DELETE_FAILED",
                            f"Your attempt to delete {record.get('Name') or record['Id']} could "
                            "not be completed because it is associated with the following "
                            f"{label.label if label else relation.child}s.: {names}",
                        )
                    ]
                )
            for child in children:
                if child["Id"] in seen:
                    continue
                seen.add(child["Id"])
                if relation.rule == "cascade":
                    tomb["cascaded"].append([relation.child, child["Id"]])
                    child_describe = self.store.describe(relation.child)
                    if child_describe is not None:
                        self._collect_children(child_describe, child, tomb, seen)
                else:
                    tomb["nulled"].append([relation.child, child["Id"], relation.field])

    def child_relations(self, sobject: str) -> list[ChildRelation]:
        """The child relationships of ``sobject`` in this org's schema (worked out once)."""
        if self._relations_of is not self.store.schema:  # a schema loaded since: start over
            self._relations, self._relations_of = {}, self.store.schema
        key = sobject.lower()
        found = self._relations.get(key)
        if found is None:
            found = self._relations[key] = child_relations(self.store.schema, sobject)
        return found

    def undelete(self, record_id: str) -> str:
        """Bring a deleted record back from the recycle bin, with the children deleted with it
        and the lookups to it that its delete emptied (where they are still empty). Returns
        its id; raises :class:`RecordRejected` with Salesforce's code otherwise."""
        if not looks_like_id(record_id):
            raise RecordRejected([RecordError("MALFORMED_ID", f"bad id {record_id[:40]}")])
        found = self.store.find(to_18(record_id))
        if found is None:
            raise RecordRejected(
                [RecordError("INVALID_ID_FIELD", f"invalid record id: {record_id}")]
            )
        sobject, existing = found
        if not existing.get("IsDeleted"):
            raise RecordRejected(
                [RecordError("UNDELETE_FAILED", "Entity is not in the recycle bin")]
            )
        record = dict(existing)
        tomb = record.pop(TOMBSTONE, None) or {}
        now = self.rules_now()
        with self.transaction():
            record["IsDeleted"] = False
            record["SystemModstamp"] = now
            self.store.put(sobject, record)
            for child_sobject, child_id in walk(tomb):
                child = self.store.get(child_sobject, child_id)
                if child is not None and child.get("IsDeleted"):
                    self.store.put(
                        child_sobject, {**child, "IsDeleted": False, "SystemModstamp": now}
                    )
            for child_sobject, child_id, field in tomb.get("nulled", []):
                child = self.store.get(child_sobject, child_id)
                if child is not None and not child.get("IsDeleted") and child.get(field) is None:
                    self.store.put(
                        child_sobject, {**child, field: record["Id"], "SystemModstamp": now}
                    )
        return str(record["Id"])

    def rules_now(self) -> str:
        return format_datetime(self.clock())

    def _existing(self, describe: SObjectDescribe, record_id: str) -> Record:
        if not looks_like_id(record_id):
            raise ApiError.single(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {record_id[:40]}",
            )
        full = to_18(record_id)
        if full[:3] != describe.keyPrefix:
            raise ApiError.single(
                400,
                "MALFORMED_ID",
                f"{describe.name} ID: id value of incorrect type: {record_id}",
                ("Id",),
            )
        record = self.store.get(describe.name, full)
        if record is None:
            raise ApiError.single(404, "NOT_FOUND", "The requested resource does not exist")
        if record.get("IsDeleted"):
            raise ApiError.single(404, "ENTITY_IS_DELETED", "entity is deleted")
        return record

    def retrieve(
        self, sobject: str, record_id: str, fields: Iterable[str] | None = None
    ) -> dict[str, Any]:
        describe = self.sobject_describe(sobject)
        record = self._existing(describe, record_id)
        return self.present(describe, record, fields)

    def present(
        self, describe: SObjectDescribe, record: Record, fields: Iterable[str] | None = None
    ) -> dict[str, Any]:
        """A record the way the REST API shows it: attributes first, every field, nulls too."""
        out: dict[str, Any] = {
            "attributes": {
                "type": describe.name,
                "url": self.record_url(describe.name, record["Id"]),
            }
        }
        names = list(fields) if fields else describe.field_names()
        for name in names:
            field = describe.field(name)
            if field is None:
                raise ApiError.single(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{name}' on sobject of type {describe.name}",
                )
            out[field.name] = record.get(field.name)
        return out

    # -- query ----------------------------------------------------------------------------------

    def query(self, soql: str, include_deleted: bool = False) -> QueryResult:
        try:
            parsed = parse_query(soql)
            content.check_link_query(parsed)
            return execute(
                parsed,
                _StoreSource(self.store),
                include_deleted=include_deleted,
                api_version=self.api_version,
            )
        except SoqlError as exc:
            raise ApiError.single(400, exc.error_code, exc.message) from None

    # -- describe -------------------------------------------------------------------------------

    def describe(self, sobject: str) -> dict[str, Any]:
        describe = self.sobject_describe(sobject)
        body = describe.to_json()
        body["childRelationships"] = [r.describe() for r in self.child_relations(describe.name)]
        body["recordTypeInfos"] = self._record_type_infos(describe.name) or body.get(
            "recordTypeInfos", []
        )
        body["urls"] = self._object_urls(describe.name)
        return body

    def _record_type_infos(self, sobject: str) -> list[dict[str, Any]]:
        infos = []
        for rt in self.store.all("RecordType"):
            if str(rt.get("SobjectType", "")).lower() == sobject.lower():
                infos.append(
                    {
                        "active": bool(rt.get("IsActive")),
                        "available": bool(rt.get("IsActive")),
                        "defaultRecordTypeMapping": False,
                        "developerName": rt.get("DeveloperName"),
                        "master": False,
                        "name": rt.get("Name"),
                        "recordTypeId": rt["Id"],
                        "urls": {"layout": self.record_url(sobject, rt["Id"])},
                    }
                )
        if infos:
            infos.append(
                {
                    "active": True,
                    "available": True,
                    "defaultRecordTypeMapping": True,
                    "developerName": "Master",
                    "master": True,
                    "name": "Master",
                    "recordTypeId": "012000000000000AAA",
                    "urls": {},
                }
            )
        return infos

    def _object_urls(self, sobject: str) -> dict[str, str]:
        base = f"/services/data/v{self.api_version}/sobjects/{sobject}"
        return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}

    def global_describe(self) -> dict[str, Any]:
        return {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [
                {
                    "name": d.name,
                    "label": d.label,
                    "keyPrefix": d.keyPrefix,
                    "custom": d.custom,
                    "createable": d.createable,
                    "updateable": d.updateable,
                    "deletable": d.deletable,
                    "queryable": d.queryable,
                    "urls": self._object_urls(d.name),
                }
                for d in self.store.schema
            ],
        }


class _StoreSource:
    """The record store seen through the SOQL evaluator's ``QuerySource`` protocol."""

    def __init__(self, store: RecordStore) -> None:
        self.store = store

    def describe(self, sobject: str) -> SObjectDescribe | None:
        return self.store.describe(sobject)

    def records(self, sobject: str, include_deleted: bool) -> Iterable[Record]:
        describe = self.store.describe(sobject)
        return self.store.all(describe.name if describe else sobject, include_deleted)

    def get_record(self, sobject: str, record_id: str) -> Record | None:
        describe = self.store.describe(sobject)
        if describe is None:
            return None
        return self.store.get(describe.name, record_id)

    def indexed_lookup(
        self, sobject: str, field: str, values: list[Any], include_deleted: bool
    ) -> Iterable[Record] | None:
        if field.lower() == "id":
            ids = [to_18(v) for v in values if isinstance(v, str) and looks_like_id(v)]
            found = (self.get_record(sobject, i) for i in ids)
            return [
                r for r in found if r is not None and (include_deleted or not r.get("IsDeleted"))
            ]
        rows = self.store.lookup(sobject, field, values)
        if rows is None:
            return None
        return [r for r in rows if include_deleted or not r.get("IsDeleted")]


__all__ = ["ApiError", "OrgBackend", "RecordRejected"]
