"""The mapping file as pydantic models (``version: 1``); see ``docs/mapping.md``.

Shape checks (unknown keys, wrong types, unknown transforms) are pydantic validators; rules that
need the whole file (paths into the canonical models, ``ref`` targets, ``match.on`` fields) are in
:func:`semantic_problems`. The loader runs both and maps every location to a file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from asymbl_sf.mapping import paths
from asymbl_sf.mapping import transforms as tr
from asymbl_sf.models.canonical import Application
from asymbl_sf.models.problems import custom_error

OverLength = Literal["truncate", "reject"]
#: Placeholders resolved by the write flow, besides the keys of ``objects``.
BUILTIN_REFS = ("job", "stage", "user")
#: Constants computed at render time.
SPECIAL_VALUES = ("today", "now")


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Settings(SpecModel):
    #: Field of ``bpats__Job__c`` that a ``remote:<x>`` job id is looked up by.
    job_remote_key: str = "Name"
    #: What to do with a text value longer than its field: ``truncate`` (and warn) or ``reject``.
    over_length: OverLength = "truncate"


class MatchSpec(SpecModel):
    """How the flow finds an existing record instead of creating a duplicate."""

    on: list[str] = Field(min_length=1)
    when_found: Literal["reuse", "fill_blanks", "update"] = "reuse"
    when_many: Literal["oldest", "newest", "fail"] = "oldest"


class TransformStep(SpecModel):
    """``lower`` or ``{join: ", "}`` in a file; ``(name, arg)`` once loaded."""

    name: str
    arg: Any = None
    #: Whether the file gave an argument (``{join: null}`` differs from ``join``).
    given: bool = Field(default=False, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _from_short_form(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"name": data}
        if isinstance(data, dict) and len(data) == 1:
            ((name, arg),) = data.items()
            if isinstance(name, str):
                return {"name": name, "arg": arg, "given": True}
        raise custom_error("a transform is a name (lower) or a one-key mapping ({join: ', '})")

    @model_validator(mode="after")
    def _known_and_arg_ok(self) -> TransformStep:
        t = tr.get(self.name)
        if t is None:
            known = ", ".join(sorted(tr.TRANSFORMS))
            raise custom_error(f"unknown transform '{self.name}'; known: {known}")
        arg, problem = t.check_arg(self.arg, self.given)
        if problem:
            raise custom_error(problem)
        self.arg = arg
        return self

    def as_tuple(self) -> tuple[str, Any]:
        return self.name, self.arg


class FieldSpec(SpecModel):
    """Where one Salesforce field's value comes from: exactly one of ``from``, ``value``,
    ``ref``, ``record_type``."""

    from_: str | None = Field(default=None, alias="from")
    value: Any = None
    ref: str | None = None
    record_type: str | None = None
    transform: list[TransformStep] = Field(default_factory=list)
    default: Any = None
    fallback_field: str | None = None
    max_length: int | None = Field(default=None, ge=1)
    on_over_length: OverLength | None = None

    @model_validator(mode="before")
    @classmethod
    def _short_form(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"from": data}
        if isinstance(data, dict) and isinstance(data.get("transform"), (str, dict)):
            # A single transform needs no list: ``transform: lower``.
            return {**data, "transform": [data["transform"]]}
        if data is None:
            raise custom_error(
                "empty field; null removes an inherited field only in a file that uses extends"
            )
        return data

    @model_validator(mode="after")
    def _exactly_one_source(self) -> FieldSpec:
        given = [k for k in ("from", "value", "ref", "record_type") if self.has(k)]
        if len(given) != 1:
            got = ", ".join(given) if given else "none"
            raise custom_error(f"give exactly one of from, value, ref, record_type (got {got})")
        if self.from_ is not None:
            try:
                paths.parse(paths.split_absolute(self.from_)[1])
            except ValueError as exc:
                raise custom_error(str(exc)) from None
        return self

    def has(self, key: str) -> bool:
        attr = "from_" if key == "from" else key
        return attr in self.model_fields_set and (key == "value" or getattr(self, attr) is not None)

    @property
    def steps(self) -> list[tuple[str, Any]]:
        return [s.as_tuple() for s in self.transform]


class ObjectSpec(SpecModel):
    #: Which part of the application each record is made from: ``candidate``, ``application``,
    #: ``attachments`` (a list: one record per item).
    from_: str = Field(alias="from")
    match: MatchSpec | None = None
    fields: dict[str, FieldSpec] = Field(min_length=1)

    @field_validator("from_")
    @classmethod
    def _path_syntax(cls, value: str) -> str:
        if value != paths.ROOT:
            try:
                paths.parse(value)
            except ValueError as exc:
                raise custom_error(str(exc)) from None
        return value


class Mapping(SpecModel):
    """A whole mapping file (after ``extends`` is merged in)."""

    version: Literal[1]
    extends: str | None = None
    settings: Settings = Field(default_factory=Settings)
    objects: dict[str, ObjectSpec] = Field(min_length=1)

    #: Files that made this mapping, child first (set by the loader).
    _files: list[str] = PrivateAttr(default_factory=list)
    #: ``loc tuple → (file, line, column)`` of every key (set by the loader).
    _positions: dict[tuple[Any, ...], tuple[str, int, int]] = PrivateAttr(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return list(self._files)

    def position(self, loc: tuple[Any, ...]) -> tuple[str, int, int] | None:
        """File, line and column of ``loc`` (or of its nearest enclosing key)."""
        for end in range(len(loc), -1, -1):
            found = self._positions.get(tuple(loc[:end]))
            if found:
                return found
        return None

    def iter_fields(self) -> Iterator[tuple[str, ObjectSpec, str, FieldSpec]]:
        for key, obj in self.objects.items():
            for name, spec in obj.fields.items():
                yield key, obj, name, spec


def semantic_problems(mapping: Mapping) -> list[tuple[tuple[Any, ...], str]]:
    """``(loc, message)`` for what the models alone cannot see: paths that are not in the
    canonical models, unknown ``ref`` targets, ``match.on`` fields that are not mapped."""
    out: list[tuple[tuple[Any, ...], str]] = []
    refs = set(BUILTIN_REFS) | set(mapping.objects)
    for key, obj in mapping.objects.items():
        base = ("objects", key)
        try:
            root = paths.object_root_type(obj.from_)
        except ValueError as exc:
            out.append(((*base, "from"), f"not a part of an application: {exc}"))
            continue
        for name, spec in obj.fields.items():
            loc = (*base, "fields", name)
            if spec.from_ is not None:
                absolute, rel = paths.split_absolute(spec.from_)
                try:
                    paths.resolve_type(Application if absolute else root, rel)
                except ValueError as exc:
                    out.append(((*loc, "from"), str(exc)))
            if spec.ref is not None and spec.ref not in refs:
                known = ", ".join(sorted(refs))
                out.append(((*loc, "ref"), f"unknown ref '{spec.ref}'; known: {known}"))
            if spec.ref is not None and spec.ref == key:
                out.append(((*loc, "ref"), "an object cannot refer to itself"))
            if spec.fallback_field is not None and spec.fallback_field.lower() == name.lower():
                out.append(((*loc, "fallback_field"), "must name another field"))
        if obj.match is not None:
            mapped = {n.lower() for n in obj.fields}
            for i, name in enumerate(obj.match.on):
                if name.lower() not in mapped:
                    out.append(
                        ((*base, "match", "on", i), f"'{name}' is not one of this object's fields")
                    )
    return out
