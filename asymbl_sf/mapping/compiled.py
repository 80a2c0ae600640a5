"""A mapping object compiled against one org describe, for :mod:`asymbl_sf.mapping.render`.

Everything about a field that does not depend on the payload (its describe, the parsed ``from``
path, the transform steps, the length limit, the allowed picklist values, the record type id) is
worked out once per (object spec, describe) pair instead of once per record: an import renders
the same few objects for every one of its records, and :mod:`asymbl_sf.mapping.codegen` turns
each compiled object into the one function that renders it (``benchmarks/transform_bench.py``).
A loaded mapping and a describe are not changed afterwards; the caches hold them weakly, so a
recycled ``id`` can never return another object's plan.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.mapping import paths
from asymbl_sf.mapping import transforms as tr
from asymbl_sf.mapping.spec import FieldSpec, ObjectSpec
from asymbl_sf.mapping.template import Template
from asymbl_sf.schema import TEXT_TYPES, FieldDescribe, SObjectDescribe

#: How a field's value is given (exactly one per field spec).
REF, RECORD_TYPE, FROM, TEMPLATE, VALUE = range(5)


@dataclass(frozen=True, slots=True)
class FieldFit:
    """What a value must fit to go into one Salesforce field (from its describe)."""

    fd: FieldDescribe
    name: str
    type: str
    #: A text type: a ``str`` value needs no coercion.
    text: bool
    #: The field's length limit (None: not a text field, or no limit).
    limit: int | None
    #: A restricted picklist's active values by their lower-case form (None: not restricted).
    picklist: dict[str, str] | None
    #: Values already matched against ``picklist``: value → the allowed value, or None for none
    #: (filled by :func:`asymbl_sf.mapping.placing.fit_picklist`).
    answers: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class CompiledField:
    """One field of an object spec against the describe."""

    name: str
    spec: FieldSpec
    #: None when the org has no such field or cannot write it (``problem`` says which).
    fit: FieldFit | None
    problem: str | None
    source: int
    absolute: bool = False
    #: The ``from`` path without ``$.`` (for messages), and parsed (for reading).
    rel: str = ""
    parts: tuple[str | int, ...] = ()
    template: Template | None = None
    steps: tuple[tuple[str, Any], ...] = ()
    record_type_id: str | None = None
    #: A missing value (None) writes nothing: no step handles None and there is no default.
    none_skips: bool = False
    #: The field's name as the org spells it (``fit.name``; ``name`` is as the mapping does).
    name_in_org: str = ""
    #: What placed cleanly before, so it places alike every time (filled by the renderer, see
    #: :mod:`asymbl_sf.mapping.placing`): a constant (``value``, or the ``default`` a ``from``
    #: field fell back to) → the value placed; a value a restricted picklist lacks → the
    #: warning, the ``fallback_field``'s name and the value placed there.
    placed: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    fallbacks: dict[str, tuple[str, str, Any]] = field(
        default_factory=dict, compare=False, repr=False
    )


@dataclass(frozen=True, slots=True)
class CompiledObject:
    describe: SObjectDescribe
    fields: tuple[CompiledField, ...]


_Entry = tuple[weakref.ref[ObjectSpec], SObjectDescribe, CompiledObject]
#: ``(id(object spec), id(describe))`` → the spec (weakly: a mapping loaded for one import goes
#: away with it), the describe (strongly: few, long-lived, and it keeps its ``id`` unique) and
#: the compiled object. A recycled ``id`` of a dead spec fails the identity check: a miss.
_OBJECTS: dict[tuple[int, int], _Entry] = {}
#: ``id(field describe)`` → the describe (strongly) and what a value must fit to go into it.
_FITS: dict[int, tuple[FieldDescribe, FieldFit]] = {}
#: A long-lived process that keeps loading mappings or schemas starts over past these sizes.
_MAX_OBJECTS, _MAX_FITS = 256, 4096


def compiled(obj: ObjectSpec, describe: SObjectDescribe) -> CompiledObject:
    """``obj`` compiled against ``describe`` (remembered per pair)."""
    key = (id(obj), id(describe))
    hit = _OBJECTS.get(key)
    if hit is not None and hit[0]() is obj and hit[1] is describe:
        return hit[2]
    fields = tuple(_compile_field(describe, name, spec) for name, spec in obj.fields.items())
    found = CompiledObject(describe, fields)
    if len(_OBJECTS) >= _MAX_OBJECTS:
        _OBJECTS.clear()
    _OBJECTS[key] = (weakref.ref(obj), describe, found)
    return found


def fit_of(fd: FieldDescribe) -> FieldFit:
    """What a value must fit to go into ``fd`` (remembered per describe)."""
    hit = _FITS.get(id(fd))
    if hit is not None and hit[0] is fd:
        return hit[1]
    restricted = fd.type in ("picklist", "multipicklist") and fd.restrictedPicklist
    fit = FieldFit(
        fd=fd,
        name=fd.name,
        type=fd.type,
        text=fd.type in TEXT_TYPES,
        limit=fd.length if fd.has_length_limit else None,
        picklist={v.lower(): v for v in fd.active_picklist_values} if restricted else None,
    )
    if len(_FITS) >= _MAX_FITS:
        _FITS.clear()
    _FITS[id(fd)] = (fd, fit)
    return fit


def _compile_field(describe: SObjectDescribe, name: str, spec: FieldSpec) -> CompiledField:
    fd = describe.field(name)
    if fd is None:
        missing = f"the org has no field {describe.name}.{name}"
        return CompiledField(name, spec, None, missing, VALUE)
    if not fd.createable:
        read_only = f"{describe.name}.{fd.name} cannot be written"
        return CompiledField(name, spec, None, read_only, VALUE)
    fit = fit_of(fd)
    steps = tuple(spec.steps)
    if spec.ref is not None:
        return CompiledField(name, spec, fit, None, REF, name_in_org=fit.name)
    if spec.record_type is not None:
        rt_id = record_type_id(describe, spec.record_type)
        return CompiledField(
            name, spec, fit, None, RECORD_TYPE, record_type_id=rt_id, name_in_org=fit.name
        )
    if spec.template is not None:
        return CompiledField(
            name,
            spec,
            fit,
            None,
            TEMPLATE,
            template=spec.parsed_template,
            steps=steps,
            name_in_org=fit.name,
        )
    if spec.from_ is None:
        return CompiledField(name, spec, fit, None, VALUE, steps=steps, name_in_org=fit.name)
    absolute, rel = paths.split_absolute(spec.from_)
    parts = paths.parsed(rel)
    none_skips = spec.default is None and not any(
        tr.TRANSFORMS[step].handles_none for step, _ in steps
    )
    return CompiledField(
        name,
        spec,
        fit,
        None,
        FROM,
        absolute,
        rel,
        parts,
        steps=steps,
        none_skips=none_skips,
        name_in_org=fit.name,
    )


def record_type_id(describe: SObjectDescribe, developer_name: str) -> str | None:
    """The id of the available record type called ``developer_name`` (any case), or None."""
    for info in describe.recordTypeInfos:
        if str(info.get("developerName", "")).lower() == developer_name.lower() and info.get(
            "available", True
        ):
            rt_id = info.get("recordTypeId")
            return str(rt_id) if rt_id else None
    return None
