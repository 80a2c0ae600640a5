"""Each compiled mapping object as one specialised Python function, generated as source.

Why generate code: an import renders the same few objects for every record, and walking a
compiled object field by field (generic branches, path walks, a transform loop, calls into the
placing rules) costs far more than the work a typical field needs: read an attribute, check the
value is plain text that fits, store it. The generated function does just that for each field,
with every decision that depends only on the mapping and the describe taken once, here.

Why it stays exact: the generated code handles only the common cases (a missing value that
writes nothing; text that fits its field as it is; a picklist answer, constant or default already
remembered by the exact path; transforms called directly, as resolved at load) and hands
everything else to the renderer's exact rules (``R.finish``, ``R.settle``, ``R.other``,
``R.field``, ``R.render_record`` in :mod:`asymbl_sf.mapping.render`), which end as they always
did. A common case is placed only when the exact rules would place that same value.

Why it is safe: no text from the mapping or the describe (field names, paths, constants,
transform arguments, messages) is written into the source. Each is bound to a made-up name
(``N3``, ``K7``) in the function's namespace, so a hostile mapping stays data. The only words the
generator writes besides its own are attribute names of the canonical models, taken from the
model classes (after checking they are plain identifiers), never from the mapping. The namespace
offers no builtins beyond the five the code uses.
"""

from __future__ import annotations

import dataclasses
import keyword
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from asymbl_sf.mapping import compiled as cp
from asymbl_sf.mapping import paths, placing
from asymbl_sf.mapping import transforms as tr
from asymbl_sf.mapping.coerce import coerce
from asymbl_sf.mapping.kinds import KINDS
from asymbl_sf.mapping.plan import PlannedRecord
from asymbl_sf.mapping.spec import ObjectSpec
from asymbl_sf.models.problems import models_in

#: ``fn(payload, key, renderer)``: renders the records of one mapping object into the plan of
#: ``renderer`` (a ``render._Renderer``, whose methods are the exact rules).
ObjectFunction = Callable[[BaseModel, str, Any], None]

# Generated code builds a record positionally (cheaper than by keyword), in this field order.
_RECORD_ORDER = [
    "sobject",
    "key",
    "fields",
    "refs",
    "record_type",
    "source_path",
    "match",
    "item_path",
    "item",
]
if [f.name for f in dataclasses.fields(PlannedRecord)] != _RECORD_ORDER:  # pragma: no cover
    raise ImportError("PlannedRecord's fields changed: update codegen (_RECORD_ORDER, the PR call)")

#: Stands for "not a common case" where None is a value.
_MISS = object()
#: What every generated function sees besides its own constants. Those include the memos of its
#: fields (``CompiledField.placed``, ``.fallbacks``, ``FieldFit.answers``), bound as they are:
#: the exact path fills them and clears them in place, never replaces them, so a hit in the
#: generated code is a value the exact path placed.
_COMMON: dict[str, Any] = {
    "__builtins__": {
        "type": type,
        "str": str,
        "len": len,
        "isinstance": isinstance,
        "enumerate": enumerate,
    },
    "PR": PlannedRecord,
    "MISS": _MISS,
    "TE": tr.TransformError,
    "XS": placing.XML_ILLEGAL.search,
    "GET": paths.get_parsed,
    "GETTEXT": paths.get,
    "COERCE": coerce,
    # Types whose values ``coerce`` returns as str, int, float or bool and that equal none of
    # the empty values (None, "", [], {}) but ""; anything else takes the exact path.
    "SCALARS": frozenset({str, int, float, bool}),
    "LT": (list, tuple),
}

_Cached = tuple[cp.CompiledObject, ObjectFunction]
#: ``id(compiled object)`` → the object (kept: a recycled id is a miss) and its function. A
#: compiled object is itself remembered per (object spec, describe).
_FUNCTIONS: dict[int, _Cached] = {}
_MAX_FUNCTIONS = 256


def function_for(c: cp.CompiledObject, obj: ObjectSpec) -> ObjectFunction:
    """The function rendering ``obj`` (compiled as ``c``), generated once per compiled object."""
    hit = _FUNCTIONS.get(id(c))
    if hit is not None and hit[0] is c:
        return hit[1]
    fn = _Generator(c, obj).function()
    if len(_FUNCTIONS) >= _MAX_FUNCTIONS:
        _FUNCTIONS.clear()
    _FUNCTIONS[id(c)] = (c, fn)
    return fn


def _model_attribute(cls: type[BaseModel], part: str | int) -> str | None:
    """The model's own spelling of field ``part`` of ``cls``, if it is one and a plain
    identifier (so it can be written into the source as an attribute name)."""
    name = next((n for n in cls.model_fields if n == part), None)
    if name is None or not name.isidentifier() or keyword.iskeyword(name):
        return None
    return name


def _single_model(annotation: Any) -> type[BaseModel] | None:
    models = models_in(annotation)
    return models[0] if len(models) == 1 else None


class _Generator:
    """Source lines and the namespace they run in, for one compiled object."""

    def __init__(self, c: cp.CompiledObject, obj: ObjectSpec) -> None:
        self.c, self.obj = c, obj
        self.lines: list[str] = []
        self.names: dict[str, Any] = dict(_COMMON)
        self.count = 0
        #: ``(base variable, attribute names)`` → the variable holding that model, read once per
        #: record in the prologue with the class it must be (else the exact path renders it).
        self.hops: dict[tuple[str, tuple[str, ...]], tuple[str, type[BaseModel]]] = {}
        kind_model = KINDS[obj.for_].model
        self.bases: dict[str, type[BaseModel] | None] = {
            "item": kind_model if obj.is_root else self._item_model(obj),
            "payload": kind_model,
        }
        self.guarded: set[str] = set()

    @staticmethod
    def _item_model(obj: ObjectSpec) -> type[BaseModel] | None:
        try:
            return _single_model(paths.object_root_type(obj.from_, obj.for_))
        except ValueError:
            return None

    def bind(self, value: Any, prefix: str = "K") -> str:
        """A new name in the namespace for ``value``: the source names it, never spells it."""
        self.count += 1
        name = f"{prefix}{self.count}"
        self.names[name] = value
        return name

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    # --- reading --------------------------------------------------------------------------

    def _chain(self, base: str, parts: tuple[str | int, ...]) -> str | None:
        """An expression reading ``parts`` from ``base`` by attribute access, when every step
        is a field of the one model class found there; else None (``GET`` walks it)."""
        cls = self.bases[base]
        names: list[str] = []
        for i, part in enumerate(parts):
            name = _model_attribute(cls, part) if cls is not None else None
            if name is None:
                return None
            names.append(name)
            if i < len(parts) - 1:
                cls = _single_model(cls.model_fields[name].annotation)  # type: ignore[union-attr]
                if cls is None:
                    return None
                key = (base, tuple(names))
                if key not in self.hops:
                    self.count += 1
                    self.hops[key] = (f"H{self.count}", cls)
        self.guarded.add(base)
        if len(names) == 1:
            return f"{base}.{names[0]}"
        hop = self.hops[(base, tuple(names[:-1]))][0]
        return f"{hop}.{names[-1]} if {hop} is not None else None"

    def _hop_lines(self, fallback: str) -> None:
        """Read each model a chain passes through, checking its class (in insertion order, so a
        hop is read after the one it is read from)."""
        for (base, names), (var, cls) in self.hops.items():
            if len(names) == 1:
                self.line(1, f"{var} = {base}.{names[0]}")
            else:
                parent = self.hops[(base, names[:-1])][0]
                self.line(1, f"{var} = {parent}.{names[-1]} if {parent} is not None else None")
            self.line(1, f"if {var} is not None and type({var}) is not {self.bind(cls, 'C')}:")
            self.line(2, fallback)

    # --- the function ---------------------------------------------------------------------

    def function(self) -> ObjectFunction:
        c, obj = self.c, self.obj
        self.names["D"] = c.describe
        cache, origins = _origins(c)
        path = self.bind(obj.from_)
        # The record of the object itself (the payload, or ``candidate``) has one item path, so
        # its fields' canonical paths are constants: it is rendered in ``render_object`` itself.
        self.origins: tuple[str, ...] | None = origins(obj.from_)
        self.line(0, "def render_object(payload, key, R):")
        self.line(1, f"item = {'payload' if obj.is_root else self._items_read(path)}")
        self.line(1, f"item_path = {path}")
        self._record(None if obj.is_root else path)
        if not obj.is_root:
            # List items look the canonical paths up per item path (``attachments[2].name``).
            self.origins = None
            self.line(0, "def record_each(payload, item, key, item_path, R):")
            self.line(1, f"O = {self.bind(cache)}.get(item_path)")
            self.line(1, "if O is None:")
            self.line(2, f"O = {self.bind(origins)}(item_path)")
            self._record(None)

        source = "\n".join(self.lines) + "\n"
        safe_name = re.sub(r"[^\w.]", "?", c.describe.name)[:80]
        code = compile(source, f"<asymbl-sf mapping: {safe_name}>", "exec")
        namespace = dict(self.names)
        exec(code, namespace)
        fn: ObjectFunction = namespace["render_object"]
        fn.source = source  # type: ignore[attr-defined]  # for reading (and tests), not run
        return fn

    def _items_read(self, path: str) -> str:
        """An expression for what the object's records are made from (``candidate``, or the
        list ``attachments``), read as ``paths.get`` would."""
        try:
            parts = paths.parsed(self.obj.from_)
        except ValueError:  # a mapping built in code, unchecked: fail as paths.get does
            return f"GETTEXT(payload, {path})"
        slow = f"GET(payload, {self.bind(parts)})"
        model = self.bases["payload"]
        attr = _model_attribute(model, parts[0]) if len(parts) == 1 and model else None
        if attr is None:
            return slow
        return f"payload.{attr} if type(payload) is {self.bind(model, 'C')} else {slow}"

    def origin(self, i: int) -> str:
        """The canonical path field ``i`` is read from, for ``source_path`` and messages."""
        return self.bind(self.origins[i], "S") if self.origins is not None else f"O[{i}]"

    def _record(self, items: str | None) -> None:
        """The lines making one record of ``item`` (at ``item_path``, keyed ``key``); with
        ``items`` (the object's path), ``item`` may also be None (no record) or a list (one
        record per item, by ``record_each``)."""
        c, obj = self.c, self.obj
        start = len(self.lines)
        self.line(1, "fields = {}")
        self.line(1, "refs = {}")
        self.line(1, "sp = {}")
        record = f"PR({self.bind(c.describe.name)}, key, fields, refs, None, sp, "
        self.line(1, f"rec = {record}{self.bind(obj.match)}, item_path, item)")
        for i, f in enumerate(c.fields):
            self.line(1, f"# field {i}")
            self._field(i, f)
        self.line(1, "R.records.append(rec)")
        body = self.lines[start:]
        del self.lines[start:]

        # The guards go first, now that the fields said which models they read attributes of:
        # an item of another class than expected is rendered by the exact rules alone. The
        # expected class is checked first: it is neither None nor a list.
        fallback = (
            f"return R.render_record({self.bind(c, 'CO')}, {self.bind(obj)}, key, item_path, item)"
        )
        guarded = "item" in self.guarded
        if guarded:
            self.line(1, f"if type(item) is not {self.bind(self.bases['item'], 'C')}:")
        depth = 2 if guarded else 1
        if items:
            self.line(depth, "if item is None:")
            self.line(depth + 1, "return")
            self.line(depth, "if isinstance(item, LT):")
            self.line(depth + 1, "for i, each in enumerate(item):")
            each = f'record_each(payload, each, f"{{key}}[{{i}}]", f"{{{items}}}[{{i}}]", R)'
            self.line(depth + 2, each)
            self.line(depth + 1, "return")
        if guarded:
            self.line(2, fallback)
        if "payload" in self.guarded:
            self.line(1, f"if type(payload) is not {self.bind(self.bases['payload'], 'C')}:")
            self.line(2, fallback)
        self._hop_lines(fallback)
        self.lines.extend(body)

    # --- fields ---------------------------------------------------------------------------

    def _field(self, i: int, f: cp.CompiledField) -> None:
        F = self.bind(f, "F")
        fit = f.fit
        if fit is None or f.source == cp.TEMPLATE:
            self.line(1, f"R.field(D, rec, {F}, item_path, item)")
            return
        N = self.bind(fit.name, "N")
        if f.source == cp.REF:
            self.line(1, f"refs[{N}] = {self.bind(str(f.spec.ref))}")
        elif f.source == cp.RECORD_TYPE:
            self.line(1, f"rec.record_type = {self.bind(f.spec.record_type)}")
            if f.record_type_id:
                self.line(1, f"fields[{N}] = {self.bind(f.record_type_id)}")
        elif f.source == cp.VALUE:
            self._constant(f, F, N, self.bind(fit, "FIT"))
        else:
            self._from(i, f, F, N, self.bind(fit, "FIT"))

    def _special(self, depth: int, value: str) -> None:
        """Emit ``c = value``, its special worked out (today's date for ``today``)."""
        if value == "today":
            self.line(depth, "c = R.today_iso")  # set once the rendering asked for it
            self.line(depth, "if c is None:")
            self.line(depth + 1, "c = R.today()")
        elif value == "now":
            self.line(depth, f"c = R.special({self.bind(value)})")
        else:
            self.line(depth, f"c = {self.bind(value)}")

    def _constant(self, f: cp.CompiledField, F: str, N: str, FIT: str) -> None:
        slow = f"R.other(D, rec, {F}, {FIT}, item_path, item)"
        if type(f.spec.value) is not str:
            self.line(1, slow)
            return
        self._special(1, f.spec.value)
        self.line(1, f"x = {self.bind(f.placed, 'M')}.get(c)")
        self.line(1, "if x is not None:")
        self.line(2, f"fields[{N}] = x")
        self.line(1, "else:")
        self.line(2, slow)

    def _from(self, i: int, f: cp.CompiledField, F: str, N: str, FIT: str) -> None:
        base = "payload" if f.absolute else "item"
        read = self._chain(base, f.parts)
        self.line(1, f"v = {read}" if read else f"v = GET({base}, {self.bind(f.parts)})")
        origin = self.origin(i)
        default = f.spec.default
        handles_none = any(tr.TRANSFORMS[name].handles_none for name, _ in f.steps)
        if f.none_skips:
            self.line(1, "if v is not None:")
        else:
            self.line(1, "if v is None:")
            if not handles_none and type(default) is str:
                # No step runs on None: the default alone is placed, alike every time.
                self._special(2, default)
                self.line(2, f"x = {self.bind(f.placed, 'M')}.get(c)")
                self.line(2, "if x is not None:")
                self.line(3, f"fields[{N}] = x")
                self.line(3, f"sp[{N}] = {origin}")
                self.line(2, "else:")
                self.line(3, f"R.finish_default(D, rec, {F}, {FIT}, {origin}, c)")
            else:
                self.line(2, f"R.finish(D, rec, {F}, {FIT}, v, {origin})")
            self.line(1, "else:")
        if not f.steps:
            self._place(2, f, F, N, FIT, "v", origin)
            return
        self.line(2, "try:")
        for n, (name, arg) in enumerate(f.steps):
            value = "w" if n else "v"
            step = f"{self.bind(tr.TRANSFORMS[name].fn, 'T')}({value}, {self.bind(arg, 'A')})"
            method = _STR_METHODS.get(name)
            if method:  # the transform is str.<method> on text, and passes anything else
                self.line(3, f"w = {value}.{method}() if type({value}) is str else {step}")
            elif n and not tr.TRANSFORMS[name].handles_none:
                self.line(3, f"if w is not None: w = {step}")  # as tr.apply skips it
            else:
                self.line(3, f"w = {step}")
        self.line(2, "except TE:")
        # The exact path runs the steps again (they are pure) and reports the problem.
        self.line(3, f"R.finish(D, rec, {F}, {FIT}, v, {origin})")
        self.line(2, "else:")
        self._place(3, f, F, N, FIT, "w", origin, may_be_none=True)

    def _place(
        self,
        depth: int,
        f: cp.CompiledField,
        F: str,
        N: str,
        FIT: str,
        value: str,
        origin: str,
        *,
        may_be_none: bool = False,
    ) -> None:
        """Place ``value`` (transformed; not None unless ``may_be_none``) when it is a common
        case, as ``_place`` would; else hand it to the exact path (``R.settle``)."""
        fit = f.fit
        assert fit is not None
        limit = fit.limit
        if f.spec.max_length is not None:  # as render._fit_length works it out
            limit = min(limit, f.spec.max_length) if limit else f.spec.max_length
        K = self.bind(limit)

        def fits(x: str) -> str:
            # isprintable() is quick and rules out every character XML cannot hold; text that
            # is not printable (a line break) still fits when the exact check finds none.
            within = f"len({x}) <= {K} and " if limit is not None else ""
            return f"{within}({x}.isprintable() or XS({x}) is None)"

        placed = "x"
        settle = "settle"
        if fit.picklist is not None:
            answers = self.bind(fit.answers, "P")
            self.line(depth, f"x = {answers}.get({value}, MISS) if type({value}) is str else MISS")
            self.line(depth, f"if x is not MISS and x is not None and {fits('x')}:")
        elif fit.text:
            placed = value
            self.line(depth, f"if type({value}) is str and {value} and {fits(value)}:")
        else:
            self.line(depth, "x = MISS")
            self.line(depth, f'if type({value}) in SCALARS and {value} != "":')
            self.line(depth + 1, "try:")
            self.line(depth + 2, f"x = COERCE({value}, {self.bind(fit.type)})")
            self.line(depth + 1, "except TE:")
            self.line(depth + 2, "pass")
            self.line(depth, f"if x is not MISS and (type(x) is not str or {fits('x')}):")
        self.line(depth + 1, f"fields[{N}] = {placed}")
        self.line(depth + 1, f"sp[{N}] = {origin}")
        if fit.picklist is not None and f.spec.fallback_field:
            # A value the picklist lacks, written to the fallback field (with a warning) before.
            fallbacks = self.bind(f.fallbacks, "B")
            self.line(depth, f"elif x is None and (g := {fallbacks}.get({value})) is not None:")
            self.line(depth + 1, "R.warn(g[0])")
            self.line(depth + 1, "fields[g[1]] = g[2]")
            self.line(depth + 1, f"sp[g[1]] = {origin}")
            settle = "settle_fallback"
        if may_be_none and f.spec.default is None:
            self.line(depth, f"elif {value} is None:")
            self.line(depth + 1, "pass")
        self.line(depth, "else:")
        self.line(depth + 1, f"R.{settle}(D, rec, {F}, {FIT}, {value}, {origin})")


#: Transforms that are ``str.<method>`` on text and pass other values through (``_text`` in
#: :mod:`asymbl_sf.mapping.transforms`): on a ``str`` the generated code calls the method.
_STR_METHODS = {"strip": "strip", "lower": "lower", "upper": "upper", "title": "title"}


def _origins(
    c: cp.CompiledObject,
) -> tuple[dict[str, tuple[str, ...]], Callable[[str], tuple[str, ...]]]:
    """Per item path (``candidate``, ``attachments[2]``), the canonical path of each field's
    ``from`` (for ``source_path`` and messages): worked out once per path, not per record."""
    rels = [(f.absolute, f.rel) for f in c.fields]
    cache: dict[str, tuple[str, ...]] = {}

    def origins(item_path: str) -> tuple[str, ...]:
        prefix = f"{item_path}." if item_path and item_path not in KINDS else ""
        found = tuple(rel if absolute else prefix + rel for absolute, rel in rels)
        if len(cache) >= 64:  # items of a long list: bounded
            cache.clear()
        cache[item_path] = found
        return found

    return cache, origins
