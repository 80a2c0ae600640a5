"""Offline rendering: a canonical payload + a mapping → the records that would be written.

Only the mapping's objects made for the payload's kind are rendered (``for:``; an
:class:`~asymbl_sf.models.canonical.Application` renders the application objects, an
:class:`~asymbl_sf.models.canonical.Activity` the activity objects).

No org is touched. The org's describe (default: the packaged Asymbl metadata) decides what a
value must look like: which fields exist and are createable, their types, lengths and
restricted picklist values. Problems do not stop the rendering: every record and field is
rendered and every problem collected, then :meth:`RenderedPlan.raise_for_problems` raises them
all at once (or a caller shows them next to the plan, as ``asymbl-sf render`` does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.mapping import paths
from asymbl_sf.mapping import transforms as tr
from asymbl_sf.mapping.coerce import coerce
from asymbl_sf.mapping.kinds import KINDS, article, kind_of
from asymbl_sf.mapping.spec import FieldSpec, MatchSpec, ObjectSpec
from asymbl_sf.mapping.spec import Mapping as MappingSpec
from asymbl_sf.models.problems import echo
from asymbl_sf.schema import FieldDescribe, OrgSchema, SObjectDescribe


@dataclass
class PlannedRecord:
    """One record the write flow would create (or match against existing ones)."""

    sobject: str
    #: Unique in the plan: ``Contact``, ``bpats__ATS_Applicant__c``, ``ContentVersion[0]``.
    key: str
    #: Field values, in the JSON form Salesforce takes.
    fields: dict[str, Any] = field(default_factory=dict)
    #: ``field → ref`` placeholders the flow resolves: for an application ``Contact`` (another
    #: object's key), ``job``, ``stage``, ``user``; for an activity ``Contact`` (the candidate's),
    #: ``application``, ``user``.
    refs: dict[str, str] = field(default_factory=dict)
    #: Developer name of the record type wanted for ``RecordTypeId`` (the flow resolves it when
    #: ``fields`` has no id for it yet, and leaves it out when the org has no such record type).
    record_type: str | None = None
    #: ``field → canonical path`` the value came from, for error messages.
    source_path: dict[str, str] = field(default_factory=dict)
    #: The object's match rule (None: always create).
    match: MatchSpec | None = None
    #: Path of the canonical object the record was made from (``candidate``, ``attachments[0]``;
    #: the kind's name, ``application`` or ``activity``, for the payload itself).
    item_path: str = ""
    #: That object itself; for a ContentVersion, the :class:`Attachment` whose bytes the writer
    #: uploads as ``VersionData`` (bytes are never copied into ``fields``).
    item: Any = field(default=None, repr=False)

    @property
    def record_type_field(self) -> str | None:
        return "RecordTypeId" if self.record_type else None


@dataclass
class RenderedPlan:
    records: list[PlannedRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: The payload's kind (``application``, ``activity``): which objects were rendered.
    kind: str = "application"

    @property
    def ok(self) -> bool:
        return not self.problems

    def record(self, key: str) -> PlannedRecord | None:
        return next((r for r in self.records if r.key == key), None)

    def records_for(self, sobject: str) -> list[PlannedRecord]:
        return [r for r in self.records if r.sobject.lower() == sobject.lower()]

    def raise_for_problems(self, source: str | None = None) -> None:
        """Raise :class:`PayloadError` with every problem, if there are any."""
        if self.problems:
            raise PayloadError(p.with_source(source) if source else p for p in self.problems)


def render(
    payload: BaseModel,
    mapping: MappingSpec,
    schema: OrgSchema | None = None,
    *,
    now: datetime | None = None,
) -> RenderedPlan:
    """The records ``mapping`` makes of ``payload`` (an ``Application`` or an ``Activity``: only
    the objects ``for`` its kind), checked against ``schema`` (default: the packaged Asymbl
    describes). ``now`` fixes the clock for ``today``/``now`` (tests). ``TypeError`` for a
    payload of no known kind."""
    renderer = _Renderer(payload, mapping, schema or OrgSchema.packaged(), now)
    return renderer.run()


_EMPTY: tuple[Any, ...] = (None, "", [], {})


class _Renderer:
    def __init__(
        self, payload: BaseModel, mapping: MappingSpec, schema: OrgSchema, now: datetime | None
    ) -> None:
        self.kind = kind_of(payload)
        self.payload = payload
        self.mapping = mapping
        self.schema = schema
        self.now = now or datetime.now(timezone.utc)
        self.plan = RenderedPlan(kind=self.kind)

    def problem(self, path: str, message: str) -> None:
        self.plan.problems.append(Problem(path, message))

    def warn(self, message: str) -> None:
        self.plan.warnings.append(message)

    def run(self) -> RenderedPlan:
        objects = self.mapping.objects_for(self.kind)
        if not objects:
            self.problem(
                "objects",
                f"the mapping has no object for {article(self.kind)} (an object with "
                f"'for: {self.kind}')",
            )
        for key, obj in objects.items():
            describe = self.schema.get(key)
            if describe is None:
                self.problem(f"objects.{key}", f"the org has no object {key}")
                continue
            for item_path, item in self._items(obj):
                record_key = (
                    key if item_path == obj.from_ else f"{key}{item_path[len(obj.from_) :]}"
                )
                self._render_record(describe, obj, record_key, item_path, item)
        return self.plan

    def _items(self, obj: ObjectSpec) -> list[tuple[str, Any]]:
        if obj.is_root:
            return [(obj.from_, self.payload)]
        value = paths.get(self.payload, obj.from_)
        if value is None:
            return []  # e.g. no candidate object (an application for an existing candidate)
        if isinstance(value, (list, tuple)):
            return [(f"{obj.from_}[{i}]", v) for i, v in enumerate(value)]
        return [(obj.from_, value)]

    def _render_record(
        self, describe: SObjectDescribe, obj: ObjectSpec, key: str, item_path: str, item: Any
    ) -> None:
        record = PlannedRecord(
            sobject=describe.name, key=key, match=obj.match, item_path=item_path, item=item
        )
        for name, spec in obj.fields.items():
            fd = describe.field(name)
            if fd is None:
                self.problem(f"{key}.{name}", f"the org has no field {describe.name}.{name}")
                continue
            if not fd.createable:
                self.problem(f"{key}.{name}", f"{describe.name}.{fd.name} cannot be written")
                continue
            self._render_field(describe, record, fd, spec, item_path, item)
        self.plan.records.append(record)

    def _read(self, path: str, item_path: str, item: Any) -> tuple[Any, str]:
        """The value at ``path`` (relative to ``item``, or ``$.`` to the payload) and its
        canonical path for messages."""
        absolute, rel = paths.split_absolute(path)
        value = paths.get(self.payload if absolute else item, rel)
        return value, rel if absolute else _join(item_path, rel)

    def _special(self, value: Any) -> Any:
        if value == "today":
            return self.now.date().isoformat()
        if value == "now":
            return tr.salesforce_datetime(self.now)
        return value

    def _render_field(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        fd: FieldDescribe,
        spec: FieldSpec,
        item_path: str,
        item: Any,
    ) -> None:
        name = fd.name
        if spec.ref is not None:
            record.refs[name] = spec.ref
            return
        if spec.record_type is not None:
            record.record_type = spec.record_type
            rt_id = _record_type_id(describe, spec.record_type)
            if rt_id:
                record.fields[name] = rt_id
            return
        if spec.from_ is not None:
            value, origin = self._read(spec.from_, item_path, item)
        elif spec.template is not None:
            template = spec.parsed_template
            assert template is not None
            origin = self._read(template.placeholders[0], item_path, item)[1]
            try:
                value = template.render(lambda path: self._read(path, item_path, item)[0])
            except tr.TransformError as exc:
                self.problem(origin, f"cannot fill {record.key}.{name}: {exc}")
                return
        else:
            value = self._special(spec.value)
            origin = f"{record.key}.{name}"
        try:
            value = tr.apply(spec.steps, value)
        except tr.TransformError as exc:
            self.problem(origin, f"cannot fill {record.key}.{name}: {exc}")
            return
        if value in _EMPTY and spec.default is not None:
            value = self._special(spec.default)
        if value in _EMPTY:
            return  # nothing to write: leave the field to Salesforce's default
        self._place(describe, record, fd, spec, value, origin)
        if spec.from_ is None and spec.template is None:
            # Constants have no canonical path; ``origin`` only labelled problems.
            record.source_path.pop(fd.name, None)
            if spec.fallback_field:
                record.source_path.pop(spec.fallback_field, None)

    def _place(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        fd: FieldDescribe,
        spec: FieldSpec,
        value: Any,
        origin: str,
        *,
        is_fallback: bool = False,
    ) -> None:
        target = f"{record.key}.{fd.name}"
        try:
            value = coerce(value, fd.type)
        except tr.TransformError as exc:
            self.problem(origin, f"cannot fill {target} ({fd.type}): value {exc}")
            return
        if fd.type in ("picklist", "multipicklist") and fd.restrictedPicklist:
            fitted = _fit_picklist(value, fd)
            if fitted is None:
                self._picklist_miss(describe, record, fd, spec, value, origin, is_fallback)
                return
            value = fitted
        if isinstance(value, str):
            value = self._fit_length(target, fd, spec, value, origin)
            if value is None:
                return
        record.fields[fd.name] = value
        record.source_path[fd.name] = origin

    def _picklist_miss(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        fd: FieldDescribe,
        spec: FieldSpec,
        value: str,
        origin: str,
        is_fallback: bool,
    ) -> None:
        allowed = ", ".join(fd.active_picklist_values)
        fallback = describe.field(spec.fallback_field) if spec.fallback_field else None
        if spec.fallback_field and not is_fallback:
            if fallback is None or not fallback.createable:
                self.problem(
                    f"{record.key}.{spec.fallback_field}",
                    f"fallback field {describe.name}.{spec.fallback_field} is not in the org "
                    "or cannot be written",
                )
                return
            self.warn(
                f"{fd.name} has no value {echo(value)}; wrote it to {fallback.name} "
                f"(add the value to the picklist to use {fd.name}; allowed now: {allowed})"
            )
            self._place(describe, record, fallback, spec, value, origin, is_fallback=True)
            return
        self.problem(
            origin,
            f"{echo(value)} is not an allowed value of {record.key}.{fd.name} (a restricted "
            f"picklist); allowed: {allowed}. Add the value in Setup, map it with a 'map' "
            "transform, or set a fallback_field",
        )

    def _fit_length(
        self, target: str, fd: FieldDescribe, spec: FieldSpec, value: str, origin: str
    ) -> str | None:
        limit = fd.length if fd.has_length_limit else None
        if spec.max_length is not None:
            limit = min(limit, spec.max_length) if limit else spec.max_length
        if limit is None or len(value) <= limit:
            return value
        policy = spec.on_over_length or self.mapping.settings.over_length
        if policy == "reject":
            self.problem(
                origin,
                f"is {len(value)} characters, longer than the {limit} {target} holds "
                "(shorten it, or set over_length: truncate)",
            )
            return None
        self.warn(f"{target}: value of {len(value)} characters truncated to {limit}")
        return value[:limit]


def _join(base: str, rel: str) -> str:
    return f"{base}.{rel}" if base and base not in KINDS else rel


def _fit_picklist(value: Any, fd: FieldDescribe) -> str | None:
    """The allowed value matching ``value`` (case-insensitively, written as the org spells it),
    or None. Multi-select values are checked one by one."""
    allowed = {v.lower(): v for v in fd.active_picklist_values}
    parts = str(value).split(";") if fd.type == "multipicklist" else [str(value)]
    fitted = [allowed.get(p.strip().lower()) for p in parts]
    if any(f is None for f in fitted):
        return None
    return ";".join(f for f in fitted if f is not None)


def _record_type_id(describe: SObjectDescribe, developer_name: str) -> str | None:
    for info in describe.recordTypeInfos:
        if str(info.get("developerName", "")).lower() == developer_name.lower() and info.get(
            "available", True
        ):
            rt_id = info.get("recordTypeId")
            return str(rt_id) if rt_id else None
    return None


__all__ = ["PlannedRecord", "RenderedPlan", "render"]
