"""Offline rendering: a canonical payload + a mapping → the records that would be written.

Only the mapping's objects made for the payload's kind are rendered (``for:``; an
:class:`~asymbl_sf.models.canonical.Application` renders the application objects, an
:class:`~asymbl_sf.models.canonical.Activity` the activity objects).

No org is touched. The org's describe (default: the packaged Asymbl metadata) decides what a
value must look like: which fields exist and are createable, their types, lengths and
restricted picklist values. Problems do not stop the rendering: every record and field is
rendered and every problem collected, then :meth:`RenderedPlan.raise_for_problems` raises them
all at once (or a caller shows them next to the plan, as ``asymbl-sf render`` does).

Each object is rendered by the function generated for it (:mod:`asymbl_sf.mapping.codegen`),
which handles the common cases of each field itself and calls the methods of :class:`_Renderer`
below for everything else: they are the exact rules, and the generated code ends as they would.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from pydantic import BaseModel

from asymbl_sf.errors import Problem
from asymbl_sf.mapping import compiled as cp
from asymbl_sf.mapping import paths, program
from asymbl_sf.mapping import transforms as tr
from asymbl_sf.mapping.coerce import coerce
from asymbl_sf.mapping.kinds import KINDS, article
from asymbl_sf.mapping.placing import (
    XML_ILLEGAL,
    control_character,
    fit_picklist,
    remember_fallback,
    remember_placed,
)
from asymbl_sf.mapping.plan import PlannedRecord, RenderedPlan
from asymbl_sf.mapping.spec import FieldSpec, ObjectSpec
from asymbl_sf.mapping.spec import Mapping as MappingSpec
from asymbl_sf.models.problems import echo
from asymbl_sf.schema import OrgSchema, SObjectDescribe


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
    schema = schema or OrgSchema.packaged()
    kind, objects = program.objects_for(mapping, payload)
    renderer = _Renderer(kind, payload, mapping, now)
    if not objects:
        renderer.problem(
            "objects",
            f"the mapping has no object for {article(kind)} (an object with 'for: {kind}')",
        )
    get = schema.get
    for slot in objects:
        key = slot.key
        describe = get(key)
        if describe is None:
            renderer.problem(f"objects.{key}", f"the org has no object {key}")
            continue
        last = slot.last
        if last[0] is not describe:
            last = slot.compile(describe)
        last[1](payload, key, renderer)
    return renderer.plan


_EMPTY: tuple[Any, ...] = (None, "", [], {})
_FROM, _REF, _VALUE = cp.FROM, cp.REF, cp.VALUE
get_parsed = paths.get_parsed


class _Renderer:
    """One rendering: the plan it fills, its clock, and the exact rules for a field (the slow
    path the generated code calls when a value is not one of its common cases)."""

    __slots__ = ("_clock", "_now", "kind", "mapping", "payload", "plan", "records", "today_iso")

    def __init__(
        self, kind: str, payload: BaseModel, mapping: MappingSpec, now: datetime | None
    ) -> None:
        self.kind = kind
        self.payload = payload
        self.mapping = mapping
        self._now = now
        #: The ``time.time()`` this rendering's ``now`` is (read once, when first needed).
        self._clock: float | None = None
        #: Today's date once asked for (:meth:`today`); generated code reads it without a call.
        self.today_iso: str | None = None
        self.plan = RenderedPlan([], [], [], kind)
        self.records = self.plan.records

    def problem(self, path: str, message: str) -> None:
        self.plan.problems.append(Problem(path, message))

    def warn(self, message: str) -> None:
        self.plan.warnings.append(message)

    # --- the clock --------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        if self._now is None:
            if self._clock is None:
                self._clock = time.time()
            self._now = datetime.fromtimestamp(self._clock, timezone.utc)
        return self._now

    def today(self) -> str:
        """Today's date (UTC) as Salesforce takes it; the same for the whole rendering."""
        if self.today_iso is None:
            if self._now is None:
                # Most renderings need only the date: read it from the clock without building a
                # datetime (see _utc_date); ``now``, if asked later, is built from the same read.
                self._clock = time.time()
                self.today_iso = _utc_date(self._clock)
            else:
                self.today_iso = self._now.date().isoformat()
        return self.today_iso

    def special(self, value: Any) -> Any:
        if value == "today":
            return self.today()
        if value == "now":
            return tr.salesforce_datetime(self.now)
        return value

    # --- the exact rules, field by field ---------------------------------------------------

    def render_record(
        self, compiled: cp.CompiledObject, obj: ObjectSpec, key: str, item_path: str, item: Any
    ) -> None:
        """A record by the exact rules alone, field by field (for an item the generated code
        does not expect, such as a model of another class)."""
        describe = compiled.describe
        record = PlannedRecord(
            sobject=describe.name, key=key, match=obj.match, item_path=item_path, item=item
        )
        for f in compiled.fields:
            self.field(describe, record, f, item_path, item)
        self.records.append(record)

    def field(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        f: cp.CompiledField,
        item_path: str,
        item: Any,
    ) -> None:
        """Field ``f`` of ``record`` (made from ``item``), whatever gives its value."""
        fit = f.fit
        if fit is None:
            self.problem(f"{record.key}.{f.name}", str(f.problem))
        elif f.source == _FROM:
            value = get_parsed(self.payload if f.absolute else item, f.parts)
            origin = f.rel if f.absolute else _join(item_path, f.rel)
            self.finish(describe, record, f, fit, value, origin)
        elif f.source == _REF:
            record.refs[fit.name] = str(f.spec.ref)
        else:
            self.other(describe, record, f, fit, item_path, item)

    def _read(self, path: str, item_path: str, item: Any) -> tuple[Any, str]:
        """The value at ``path`` (relative to ``item``, or ``$.`` to the payload) and its
        canonical path for messages."""
        absolute, rel = paths.split_absolute(path)
        value = paths.get(self.payload if absolute else item, rel)
        return value, rel if absolute else _join(item_path, rel)

    def other(
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
            value = self.special(spec.value)
            origin = f"{record.key}.{name}"
            if type(value) is str:
                # A constant (``Active``, today's date) places the same value in every record:
                # remembered once it placed cleanly, as the org spells it.
                hit = f.placed.get(value)
                if hit is not None:
                    record.fields[name] = hit
                    return
                problems, warnings = len(self.plan.problems), len(self.plan.warnings)
                self.finish(describe, record, f, fit, value, origin)
                clean = (len(self.plan.problems), len(self.plan.warnings)) == (problems, warnings)
                if clean and fit.name in record.fields:
                    remember_placed(f, value, record.fields[fit.name])
                return
        self.finish(describe, record, f, fit, value, origin)

    def finish_default(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        f: cp.CompiledField,
        fit: cp.FieldFit,
        origin: str,
        default: Any,
    ) -> None:
        """A ``from`` field that read nothing, which ``default`` (its special value worked out:
        today's date for ``today``) fills; remembered once it placed cleanly, as a constant is.
        Only for a field none of whose steps handles a missing value."""
        problems, warnings = len(self.plan.problems), len(self.plan.warnings)
        self.finish(describe, record, f, fit, None, origin)
        clean = (len(self.plan.problems), len(self.plan.warnings)) == (problems, warnings)
        # A non-empty default always reaches _place: clean, it wrote the field itself.
        if clean and type(default) is str and default and fit.name in record.fields:
            remember_placed(f, default, record.fields[fit.name])

    def settle_fallback(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        f: cp.CompiledField,
        fit: cp.FieldFit,
        value: Any,
        origin: str,
    ) -> None:
        """:meth:`settle` for a restricted picklist with a ``fallback_field``: a value the
        picklist lacks that went cleanly to the fallback field (its warning the only one added)
        is remembered, as the org spells the value placed."""
        problems, warnings = len(self.plan.problems), len(self.plan.warnings)
        self.settle(describe, record, f, fit, value, origin)
        if (
            type(value) is str
            and value
            and len(self.plan.problems) == problems
            and len(self.plan.warnings) == warnings + 1
            and fit_picklist(value, fit) is None  # the warning is the fallback's, not a cut
        ):
            fallback = describe.field(str(f.spec.fallback_field))
            if fallback is not None and fallback.name in record.fields:
                placed = record.fields[fallback.name]
                warning = self.plan.warnings[-1]
                remember_fallback(f, value, warning, fallback.name, placed)

    def finish(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        f: cp.CompiledField,
        fit: cp.FieldFit,
        value: Any,
        origin: str,
    ) -> None:
        """Transform, default and place the value of field ``f``."""
        if f.steps:
            try:
                value = tr.apply(f.steps, value)
            except tr.TransformError as exc:
                self.problem(origin, f"cannot fill {record.key}.{fit.name}: {exc}")
                return
        self.settle(describe, record, f, fit, value, origin)

    def settle(
        self,
        describe: SObjectDescribe,
        record: PlannedRecord,
        f: cp.CompiledField,
        fit: cp.FieldFit,
        value: Any,
        origin: str,
    ) -> None:
        """Default and place the value of field ``f``, its transforms done."""
        spec = f.spec
        if value in _EMPTY and spec.default is not None:
            value = self.special(spec.default)
        if value in _EMPTY:
            return  # nothing to write: leave the field to Salesforce's default
        self._place(describe, record, fit, spec, value, origin)
        if f.source == _VALUE:
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
            fitted = fit_picklist(value, fit)
            if fitted is None:
                self._picklist_miss(describe, record, fit, spec, value, origin, is_fallback)
                return
            value = fitted
        if isinstance(value, str):
            control = XML_ILLEGAL.search(value)
            if control:
                self.problem(origin, control_character(control, f"{record.key}.{fit.name}"))
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


def _join(base: str, rel: str) -> str:
    return f"{base}.{rel}" if base and base not in KINDS else rel


#: ``(first second of a UTC day, last moment a clock read still falls on it, its ISO date)``.
_DAY: tuple[float, float, str] = (0.0, 0.0, "")


def _utc_date(clock: float) -> str:
    """The ISO date of ``datetime.fromtimestamp(clock, timezone.utc)``, remembered for the rest
    of the day: building that datetime costs more than the rest of a small record."""
    global _DAY
    day = _DAY
    if day[0] <= clock < day[1]:
        return day[2]
    moment = datetime.fromtimestamp(clock, timezone.utc)
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    # fromtimestamp rounds to the microsecond: a read within half of one of midnight could
    # round onto the next day, so the remembered day ends a microsecond early.
    end = midnight.timestamp() + 86_400 - 1e-6
    _DAY = (clock, end, moment.date().isoformat())
    return _DAY[2]


__all__ = ["PlannedRecord", "RenderedPlan", "render"]
