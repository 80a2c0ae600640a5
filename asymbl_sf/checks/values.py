"""What a field spec can send, worked out from the mapping alone (no payload needed).

Two questions ``check`` asks of every mapped field:

- **Which values are certain to be sent sometimes?** Constants (``value``), ``default`` s, the
  outputs of a ``map`` transform, and, when the source is a closed set (``type`` of an activity
  is one of EMAIL, NOTE, OTHER), every member of that set run through the transforms. These are
  compared with restricted picklists and field lengths.
- **What type does the value have?** The canonical model's annotation at the ``from`` path,
  followed through the transforms (the last one that declares ``produces`` decides).
"""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any, Literal, Union, get_args, get_origin

from asymbl_sf.mapping import paths
from asymbl_sf.mapping import transforms as tr
from asymbl_sf.mapping.kinds import KINDS
from asymbl_sf.mapping.spec import FieldSpec, ObjectSpec
from asymbl_sf.models.problems import item_annotation, models_in

#: What kind of value a source gives, as far as the model says.
SourceKind = Literal["any", "object", "list", "text", "date", "datetime", "boolean", "number"]


@dataclass(frozen=True)
class Sent:
    """One value a field spec can send, and where in the mapping it comes from."""

    value: Any
    #: ``constant``, ``default``, ``map``, or ``source`` (a member of a closed set).
    origin: str


@dataclass
class ValueDomain:
    """The values a field spec can send: known ones, and whether payload text passes through."""

    sent: list[Sent] = field(default_factory=list)
    #: True when values from the payload can reach the field untranslated.
    free: bool = False

    def add(self, value: Any, origin: str) -> None:
        if value in (None, "", [], {}):
            return
        if not any(s.value == value for s in self.sent):
            self.sent.append(Sent(value, origin))


def _special(value: Any) -> Any:
    """``today``/``now`` as render fills them (any date does for type and length checks)."""
    now = datetime.now(timezone.utc)
    if value == "today":
        return now.date().isoformat()
    if value == "now":
        return tr.salesforce_datetime(now)
    return value


def source_annotation(obj: ObjectSpec, spec: FieldSpec) -> Any:
    """The canonical model's annotation at the spec's ``from`` path (``Any`` when unknown)."""
    if spec.from_ is None:
        return str if spec.template is not None else Any
    absolute, rel = paths.split_absolute(spec.from_)
    try:
        root = KINDS[obj.for_].model if absolute else paths.object_root_type(obj.from_, obj.for_)
        return paths.resolve_type(root, rel)
    except ValueError:  # the loader already reported it
        return Any


def literal_values(annotation: Any) -> list[Any] | None:
    """The members of ``Literal[...]`` (also inside Optional); None for an open type."""
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    if get_origin(annotation) in (Union, types.UnionType):
        out: list[Any] = []
        for arg in get_args(annotation):
            if arg is type(None):
                continue
            inner = literal_values(arg)
            if inner is None:
                return None
            out.extend(inner)
        return out
    return None


def _apply(steps: list[tuple[str, Any]], value: Any) -> Any:
    try:
        return tr.apply(steps, value)
    except tr.TransformError:
        return None  # render reports it per record; here it simply sends nothing


def domain(obj: ObjectSpec, spec: FieldSpec) -> ValueDomain:
    """Every value ``spec`` is known to send (see the module docstring)."""
    out = ValueDomain()
    steps = spec.steps
    if spec.has("value"):
        out.add(_apply(steps, _special(spec.value)), "constant")
    elif spec.from_ is not None or spec.template is not None:
        closed = literal_values(source_annotation(obj, spec)) if spec.from_ else None
        if closed is not None:
            for member in closed:
                out.add(_apply(steps, member), "source")
        else:
            out.free = True
            for i, (name, arg) in enumerate(steps):
                rest = steps[i + 1 :]
                if name == "map":
                    values, strict = map_values(arg)
                    for value in values:
                        out.add(_apply(rest, value), "map")
                    if strict:
                        out.free = False
                elif name == "default":
                    out.add(_apply(rest, _special(arg)), "default")
    if spec.default is not None:
        out.add(_special(spec.default), "default")
    return out


def map_values(arg: Any) -> tuple[list[Any], bool]:
    """The outputs of a ``map`` transform's argument, and whether it is strict (the two forms
    of :class:`~asymbl_sf.mapping.transforms.MapArg`)."""
    if isinstance(arg, dict) and isinstance(arg.get("values"), dict):
        parsed = tr.MapArg.model_validate(arg)
        return list(parsed.values.values()), parsed.strict
    return list(dict(arg).values()), False


def _is_dict(annotation: Any) -> bool:
    if annotation is dict or get_origin(annotation) is dict:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_dict(a) for a in get_args(annotation))
    return False


def kind_of(annotation: Any) -> SourceKind:
    """What kind of value an annotation holds."""
    if annotation is Any or annotation is None:
        return "any"
    if models_in(annotation) or _is_dict(annotation):
        return "object"
    if item_annotation(annotation) is not None:
        return "list"
    if literal_values(annotation) is not None:
        return "text"
    options = (
        [a for a in get_args(annotation) if a is not type(None)]
        if get_origin(annotation) in (Union, types.UnionType)
        else [annotation]
    )
    kinds = {_scalar_kind(a) for a in options}
    return kinds.pop() if len(kinds) == 1 else "any"


def _scalar_kind(tp: Any) -> SourceKind:
    if tp is bool:
        return "boolean"
    if tp in (int, float, Decimal):
        return "number"
    if tp is datetime:
        return "datetime"
    if tp is date:
        return "date"
    if tp is str:
        return "text"
    return "any"


@dataclass(frozen=True)
class Produced:
    """The value's type after the transforms: a set of field types (a transform declared it),
    or the source's kind."""

    types: frozenset[str] | None
    kind: SourceKind
    #: The transform that decided ``types``.
    by: str | None = None


def produced(obj: ObjectSpec, spec: FieldSpec) -> Produced:
    """Follow the source's annotation through the transforms."""
    if spec.has("value"):
        return Produced(None, "any")
    annotation = source_annotation(obj, spec)
    kind = kind_of(annotation)
    decided: frozenset[str] | None = None
    by: str | None = None
    for name, _ in spec.steps:
        transform = tr.TRANSFORMS[name]
        if transform.produces != tr.ANY_TYPE:
            decided, by = transform.produces, name
        elif name == "first" and kind == "list":
            inner = item_annotation(annotation)
            annotation = inner if inner is not None else Any
            kind = kind_of(annotation)
        elif name in ("pluck", "map"):
            annotation, kind = Any, "any"
    return Produced(decided, kind, by)
