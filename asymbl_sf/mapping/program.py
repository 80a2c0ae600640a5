"""A mapping's objects for one payload kind, each with the function that renders it.

:func:`asymbl_sf.mapping.render.render` asks for these once per payload: the objects are
remembered per mapping and kind, and each slot keeps the describe it last rendered against with
the function generated for that pair, so rendering against the same org costs one identity check
per object. Another describe (a second org, a schema changed with ``OrgSchema.add``) swaps the
slot's pair for the one compiled for it (remembered per pair by
:mod:`asymbl_sf.mapping.compiled` and :mod:`asymbl_sf.mapping.codegen`).
"""

from __future__ import annotations

import weakref

from asymbl_sf.mapping import codegen
from asymbl_sf.mapping import compiled as cp
from asymbl_sf.mapping.kinds import kind_of
from asymbl_sf.mapping.spec import Mapping, ObjectSpec
from asymbl_sf.schema import SObjectDescribe


def _not_compiled(*_: object) -> None:  # pragma: no cover - never called: no describe is None
    raise AssertionError("a slot is compiled before its function is called")


class ObjectSlot:
    """One object of a mapping (its key and spec) and the function for the describe last seen."""

    __slots__ = ("key", "last", "spec")

    def __init__(self, key: str, spec: ObjectSpec) -> None:
        self.key = key
        self.spec = spec
        #: ``(describe, function)``, replaced as a whole (a thread reading it sees one pair).
        self.last: tuple[SObjectDescribe | None, codegen.ObjectFunction] = (None, _not_compiled)

    def compile(
        self, describe: SObjectDescribe
    ) -> tuple[SObjectDescribe | None, codegen.ObjectFunction]:
        found = (describe, codegen.function_for(cp.compiled(self.spec, describe), self.spec))
        self.last = found
        return found


_Slots = tuple[ObjectSlot, ...]
_Program = tuple[str, _Slots]
#: ``(id(mapping), payload type)`` → the mapping (weakly: a recycled ``id`` of a dead mapping
#: fails the identity check), the payload's kind and the mapping's objects for it, in order.
_PROGRAMS: dict[tuple[int, type], tuple[weakref.ref[Mapping], _Program]] = {}
#: A long-lived process that keeps loading mappings starts over past this size.
_MAX_PROGRAMS = 256


def objects_for(mapping: Mapping, payload: object) -> _Program:
    """The kind of ``payload`` and ``mapping.objects_for(kind)`` as slots (remembered per
    mapping and payload type); ``TypeError`` for a payload of no known kind."""
    key = (id(mapping), type(payload))
    hit = _PROGRAMS.get(key)
    if hit is not None and hit[0]() is mapping:
        return hit[1]
    kind = kind_of(payload)
    found = (kind, tuple(ObjectSlot(k, spec) for k, spec in mapping.objects_for(kind).items()))
    if len(_PROGRAMS) >= _MAX_PROGRAMS:
        _PROGRAMS.clear()
    _PROGRAMS[key] = (weakref.ref(mapping), found)
    return found
