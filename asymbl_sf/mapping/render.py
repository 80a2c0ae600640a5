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

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel

from asymbl_sf.errors import PayloadError, Problem, visible
from asymbl_sf.mapping import compiled as cp
from asymbl_sf.mapping import paths
from asymbl_sf.mapping import transforms as tr
from asymbl_sf.mapping.coerce import coerce
from asymbl_sf.mapping.kinds import KINDS, article, kind_of
from asymbl_sf.mapping.spec import FieldSpec, MatchSpec, ObjectSpec
from asymbl_sf.mapping.spec import Mapping as MappingSpec
from asymbl_sf.models.problems import echo
from asymbl_sf.schema import OrgSchema, SObjectDescribe


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
_FROM, _REF = cp.FROM, cp.REF
get_parsed = paths.get_parsed


class _Renderer:
    def __init__(
        self, payload: BaseModel, mapping: MappingSpec, schema: OrgSchema, now: datetime | None
    ) -> None:
        self.kind = kind_of(payload)
        self.payload = payload
        self.mapping = mapping
        self.schema = schema
        self.now = now or datetime.now(timezone.utc)
        self._today: str | None = None
        self.plan = RenderedPlan(kind=self.kind)

    def problem(self, path: str, message: str) -> None:
        self.plan.problems.append(Problem(path, message))

    def warn(self, message: str) -> None:
        self.plan.warnings.append(message)

    def run(self) -> RenderedPlan:
        objects = cp.objects_for(self.mapping, self.kind)
        if not objects:
            self.problem(
                "objects",
                f"the mapping has no object for {article(self.kind)} (an object with "
                f"'for: {self.kind}')",
            )
        for key, obj in objects:
            describe = self.schema.get(key)
            if describe is None:
                self.problem(f"objects.{key}", f"the org has no object {key}")
                continue
            compiled = cp.compiled(obj, describe)
            for item_path, item in self._items(obj):
                record_key = (
                    key if item_path == obj.from_ else f"{key}{item_path[len(obj.from_) :]}"
                )
                self._render_record(compiled, obj, record_key, item_path, item)
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
        self, compiled: cp.CompiledObject, obj: ObjectSpec, key: str, item_path: str, item: Any
    ) -> None:
        describe = compiled.describe
        record = PlannedRecord(
            sobject=describe.name, key=key, match=obj.match, item_path=item_path, item=item
        )
        # What the canonical path of a relative ``from`` starts with, for messages (_join).
        prefix = f"{item_path}." if item_path and item_path not in KINDS else ""
        payload = self.payload
        item_is_model = paths.is_model(item)
        fields, source_path = record.fields, record.source_path
        for f in compiled.fields:
            if f.source == _FROM:
                # Fields read from the payload: the common cases are short-cut here, and end
                # exactly as _finish would end them.
                attr = f.attr
                if attr is not None and item_is_model:
                    value = getattr(item, attr, None)
                else:
                    value = get_parsed(payload if f.absolute else item, f.parts)
                if value is None:
                    if f.none_skips:
                        continue  # nothing to write
                elif (
                    f.plain_text
                    and type(value) is str
                    and value
                    and (f.limit is None or len(value) <= f.limit)
                    and value.isprintable()  # else _place checks for control characters
                ):
                    name = f.name_in_org
                    fields[name] = value
                    source_path[name] = f.rel if f.absolute else prefix + f.rel
                    continue
                origin = f.rel if f.absolute else prefix + f.rel
                self._finish(describe, record, f, f.fit, value, origin)  # type: ignore[arg-type]
            elif f.fit is None:
                self.problem(f"{key}.{f.name}", str(f.problem))
            elif f.source == _REF:
                record.refs[f.name_in_org] = str(f.spec.ref)
            else:
                self._render_other(describe, record, f, f.fit, item_path, item)
        self.plan.records.append(record)

    def _read(self, path: str, item_path: str, item: Any) -> tuple[Any, str]:
        """The value at ``path`` (relative to ``item``, or ``$.`` to the payload) and its
        canonical path for messages."""
        absolute, rel = paths.split_absolute(path)
        value = paths.get(self.payload if absolute else item, rel)
        return value, rel if absolute else _join(item_path, rel)

    def _special(self, value: Any) -> Any:
        if value == "today":
            if self._today is None:
                self._today = self.now.date().isoformat()
            return self._today
        if value == "now":
            return tr.salesforce_datetime(self.now)
        return value

    def _render_other(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        f: cp.CompiledField,
        fit: cp.FieldFit,
        item_path: str,
        item: Any,
    ) -> None:
        """A field whose value is not read by a ``from`` path: a record type, a template or a
        constant."""
        name = fit.name
        spec = f.spec
        if f.source == cp.RECORD_TYPE:
            record.record_type = spec.record_type
            if f.record_type_id:
                record.fields[name] = f.record_type_id
            return
        if f.source == cp.TEMPLATE:
            template = f.template
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
            if type(value) is str:
                # A constant (``Active``, today's date) places the same value in every record:
                # remembered once it placed cleanly, as the org spells it.
                hit = _PLACED_CONSTANTS.get((id(f), value))
                if hit is not None and hit[0] is f:
                    record.fields[hit[1]] = hit[2]
                    return
                problems, warnings = len(self.plan.problems), len(self.plan.warnings)
                self._finish(describe, record, f, fit, value, origin)
                clean = (len(self.plan.problems), len(self.plan.warnings)) == (problems, warnings)
                if clean and fit.name in record.fields:
                    if len(_PLACED_CONSTANTS) >= _MAX_MEMO:
                        _PLACED_CONSTANTS.clear()
                    _PLACED_CONSTANTS[(id(f), value)] = (f, fit.name, record.fields[fit.name])
                return
        self._finish(describe, record, f, fit, value, origin)

    def _finish(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        f: cp.CompiledField,
        fit: cp.FieldFit,
        value: Any,
        origin: str,
    ) -> None:
        """Transform, default and place the value of field ``f``."""
        spec = f.spec
        if f.steps:
            try:
                value = tr.apply(f.steps, value)
            except tr.TransformError as exc:
                self.problem(origin, f"cannot fill {record.key}.{fit.name}: {exc}")
                return
        if value in _EMPTY and spec.default is not None:
            value = self._special(spec.default)
        if value in _EMPTY:
            return  # nothing to write: leave the field to Salesforce's default
        self._place(describe, record, fit, spec, value, origin)
        if f.source == cp.VALUE:
            # Constants have no canonical path; ``origin`` only labelled problems.
            record.source_path.pop(fit.name, None)
            if spec.fallback_field:
                record.source_path.pop(spec.fallback_field, None)

    def _place(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        fit: cp.FieldFit,
        spec: FieldSpec,
        value: Any,
        origin: str,
        *,
        is_fallback: bool = False,
    ) -> None:
        try:
            value = coerce(value, fit.type)
        except tr.TransformError as exc:
            target = f"{record.key}.{fit.name}"
            self.problem(origin, f"cannot fill {target} ({fit.type}): value {exc}")
            return
        if fit.picklist is not None:
            fitted = _fit_picklist(value, fit)
            if fitted is None:
                self._picklist_miss(describe, record, fit, spec, value, origin, is_fallback)
                return
            value = fitted
        if isinstance(value, str):
            control = XML_ILLEGAL.search(value)
            if control:
                self.problem(origin, _control_character(control, f"{record.key}.{fit.name}"))
                return
            value = self._fit_length(record, fit, spec, value, origin)
            if value is None:
                return
        record.fields[fit.name] = value
        record.source_path[fit.name] = origin

    def _picklist_miss(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        fit: cp.FieldFit,
        spec: FieldSpec,
        value: str,
        origin: str,
        is_fallback: bool,
    ) -> None:
        fd = fit.fd
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
            self._place(
                describe, record, cp.fit_of(fallback), spec, value, origin, is_fallback=True
            )
            return
        self.problem(
            origin,
            f"{echo(value)} is not an allowed value of {record.key}.{fd.name} (a restricted "
            f"picklist); allowed: {allowed}. Add the value in Setup, map it with a 'map' "
            "transform, or set a fallback_field",
        )

    def _fit_length(
        self, record: PlannedRecord, fit: cp.FieldFit, spec: FieldSpec, value: str, origin: str
    ) -> str | None:
        limit = fit.limit
        if spec.max_length is not None:
            limit = min(limit, spec.max_length) if limit else spec.max_length
        if limit is None or len(value) <= limit:
            return value
        target = f"{record.key}.{fit.name}"
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


#: Characters XML 1.0 cannot hold (C0 controls but tab, line feed and carriage return; U+FFFE,
#: U+FFFF). Salesforce stores them in a text field sent over REST, but every XML reader of the
#: org then fails on the whole record: SOAP integrations, Data Loader, Workbench exports. A payload
#: carrying one is refused at its field, as a malformed email is, before anything is written.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _control_character(found: re.Match[str], target: str) -> str:
    return (
        f"holds the control character {visible(found.group())} at character "
        f"{found.start() + 1}, which {target} would store but no XML reader of the org can "
        "read back (SOAP integrations, Data Loader and Workbench exports fail on the record); "
        "remove it from the source"
    )


def _join(base: str, rel: str) -> str:
    return f"{base}.{rel}" if base and base not in KINDS else rel


def _fit_picklist(value: Any, fit: cp.FieldFit) -> str | None:
    """The allowed value matching ``value`` (case-insensitively, written as the org spells it),
    or None. Multi-select values are checked one by one. An import sends the same few values
    (sources, statuses) again and again: each answer is remembered per field."""
    if type(value) is str:
        hit = _PICKLIST_FITS.get((id(fit), value))
        if hit is not None and hit[0] is fit:
            return hit[1]
        found = _fit_picklist_values(value, fit)
        if len(_PICKLIST_FITS) >= _MAX_MEMO:
            _PICKLIST_FITS.clear()
        _PICKLIST_FITS[(id(fit), value)] = (fit, found)
        return found
    return _fit_picklist_values(value, fit)


#: ``(id(compiled field), constant)`` → the field (kept, so a recycled id is a miss), the name
#: it goes into and the value placed; ``(id(fit), value)`` → the fit and the picklist answer.
_PLACED_CONSTANTS: dict[tuple[int, str], tuple[cp.CompiledField, str, Any]] = {}
_PICKLIST_FITS: dict[tuple[int, str], tuple[cp.FieldFit, str | None]] = {}
#: Entries either memo holds before it starts over (values are short; a long-lived process
#: rendering many mappings stays bounded).
_MAX_MEMO = 4096


def _fit_picklist_values(value: Any, fit: cp.FieldFit) -> str | None:
    allowed = fit.picklist or {}
    parts = str(value).split(";") if fit.type == "multipicklist" else [str(value)]
    fitted = [allowed.get(p.strip().lower()) for p in parts]
    if any(f is None for f in fitted):
        return None
    return ";".join(f for f in fitted if f is not None)


__all__ = ["PlannedRecord", "RenderedPlan", "render"]
