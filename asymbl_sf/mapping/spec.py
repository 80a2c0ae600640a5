"""The mapping file as pydantic models (``version: 1``); see ``docs/mapping.md``.

Shape checks (unknown keys, wrong types, unknown transforms, template syntax) are pydantic
validators; rules that need the whole file (paths into the canonical model of each object's kind,
``ref`` targets, ``match.on`` fields) are in :func:`semantic_problems`. The loader runs both and
maps every location to a file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from asymbl_sf.mapping import paths
from asymbl_sf.mapping import template as tpl
from asymbl_sf.mapping import transforms as tr
from asymbl_sf.mapping.kinds import DEFAULT_KIND, KINDS, article
from asymbl_sf.models.problems import custom_error, item_annotation, models_in

OverLength = Literal["truncate", "reject"]
#: Placeholders resolved by the application flow, besides the keys of ``objects``; every kind's
#: are in :data:`asymbl_sf.mapping.kinds.KINDS`.
BUILTIN_REFS = KINDS[DEFAULT_KIND].refs
#: The keys of a field spec of which exactly one gives the value.
SOURCES = ("from", "value", "ref", "record_type", "template")
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
    #: An org-side claim (Contact only): a text field that is an External ID and unique, in
    #: which every Contact asymbl-sf creates gets its normalised match value (the email, trimmed
    #: and lower-cased). Salesforce keeps the field unique, so two runs on different machines
    #: can never both create the same candidate: the second is refused and takes the first's
    #: Contact (docs/reliability.md, "Concurrent runs"). ``check`` validates the field.
    claim: str | None = None

    @model_validator(mode="after")
    def _claim_is_a_field_name(self) -> MatchSpec:
        if self.claim is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", self.claim):
            raise custom_error(
                f"claim must be a field name (such as Email_Key__c), not {self.claim!r}"
            )
        return self


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
    ``ref``, ``record_type``, ``template``."""

    from_: str | None = Field(default=None, alias="from")
    value: Any = None
    ref: str | None = None
    record_type: str | None = None
    #: Text with ``{path}`` placeholders (see :mod:`asymbl_sf.mapping.template`).
    template: str | None = None
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
        given = [k for k in SOURCES if self.has(k)]
        if len(given) != 1:
            got = ", ".join(given) if given else "none"
            raise custom_error(f"give exactly one of {', '.join(SOURCES)} (got {got})")
        try:
            if self.from_ is not None:
                paths.parse(paths.split_absolute(self.from_)[1])
            if self.template is not None:
                tpl.parse(self.template)
        except ValueError as exc:
            raise custom_error(str(exc)) from None
        return self

    def has(self, key: str) -> bool:
        attr = "from_" if key == "from" else key
        return attr in self.model_fields_set and (key == "value" or getattr(self, attr) is not None)

    @property
    def steps(self) -> list[tuple[str, Any]]:
        return [s.as_tuple() for s in self.transform]

    @property
    def parsed_template(self) -> tpl.Template | None:
        return tpl.parse(self.template) if self.template is not None else None

    @property
    def payload_paths(self) -> list[str]:
        """The payload paths the value is read from (``from``, or the template's placeholders)."""
        if self.from_ is not None:
            return [self.from_]
        parsed = self.parsed_template
        return parsed.placeholders if parsed else []


class ObjectSpec(SpecModel):
    #: The kind of payload the object is made for: ``application`` (default) or ``activity``
    #: (the keys of :data:`~asymbl_sf.mapping.kinds.KINDS`).
    for_: str = Field(default=DEFAULT_KIND, alias="for")
    #: Which part of the payload each record is made from: the kind's name for the payload itself
    #: (``application``, ``activity``), or a path in it such as ``candidate`` or ``attachments``
    #: (a list: one record per item). Optional when ``for`` is given: the payload itself.
    from_: str = Field(alias="from")
    match: MatchSpec | None = None
    fields: dict[str, FieldSpec] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _from_defaults_to_the_kind(cls, data: Any) -> Any:
        # Only with an explicit ``for``: an object that names neither (often a misspelt key of an
        # inherited object in an ``extends`` file) stays an error.
        if isinstance(data, dict) and "from" not in data and isinstance(data.get("for"), str):
            return {**data, "from": data["for"]}
        return data

    @field_validator("for_")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in KINDS:
            raise custom_error(f"unknown kind '{value}'; known: {', '.join(KINDS)}")
        return value

    @field_validator("from_")
    @classmethod
    def _path_syntax(cls, value: str) -> str:
        if value not in KINDS:
            try:
                paths.parse(value)
            except ValueError as exc:
                raise custom_error(str(exc)) from None
        return value

    @property
    def is_root(self) -> bool:
        """Whether one record is made from the whole payload."""
        return self.from_ == self.for_


class CsvSpec(SpecModel):
    """How ``asymbl-sf import`` reads a CSV file: each column header → a dotted path in a Kombo
    create-application body (``candidate.email_address``), or ``job_id`` / ``source_id``.
    Paths are checked by :mod:`asymbl_sf.importing.columns` (docs/importing.md)."""

    columns: dict[str, str] = Field(min_length=1)
    #: One character; None: a tab for a ``.tsv`` file, else a comma.
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)


class Mapping(SpecModel):
    """A whole mapping file (after ``extends`` is merged in)."""

    version: Literal[1]
    extends: str | None = None
    settings: Settings = Field(default_factory=Settings)
    objects: dict[str, ObjectSpec] = Field(min_length=1)
    #: CSV import columns (optional; a ``--column-map`` file may give them instead).
    csv: CsvSpec | None = None

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

    def objects_for(self, kind: str) -> dict[str, ObjectSpec]:
        """The objects made for payloads of ``kind`` (``application``, ``activity``), in order."""
        return {key: obj for key, obj in self.objects.items() if obj.for_ == kind}


def _other_kind_hint(path: str, kind: str) -> str:
    first = paths.split_absolute(path)[1].split(".")[0].split("[")[0]
    if first in KINDS and first != kind:
        return f" ({article(first)} object needs 'for: {first}')"
    return ""


def _path_problem(
    model: Any, root: Any, path: str, kind: str, *, text_only: bool = False
) -> str | None:
    absolute, rel = paths.split_absolute(path)
    try:
        found = paths.resolve_type(model if absolute else root, rel)
    except ValueError as exc:
        return f"{exc}{_other_kind_hint(path, kind)}"
    if text_only and models_in(item_annotation(found) or found):
        return f"'{rel}' is an object; name one of its parts"
    return None


def semantic_problems(mapping: Mapping) -> list[tuple[tuple[Any, ...], str]]:
    """``(loc, message)`` for what the models alone cannot see: paths that are not in the
    canonical model of the object's kind, unknown ``ref`` targets, ``match.on`` fields that are
    not mapped."""
    out: list[tuple[tuple[Any, ...], str]] = []
    for key, obj in mapping.objects.items():
        base = ("objects", key)
        kind = KINDS[obj.for_]
        refs = set(kind.refs) | set(mapping.objects_for(obj.for_))
        try:
            root = paths.object_root_type(obj.from_, obj.for_)
        except ValueError as exc:
            hint = _other_kind_hint(obj.from_, obj.for_)
            out.append(((*base, "from"), f"not a part of {article(obj.for_)}: {exc}{hint}"))
            continue
        for name, spec in obj.fields.items():
            loc = (*base, "fields", name)
            if spec.from_ is not None:
                problem = _path_problem(kind.model, root, spec.from_, obj.for_)
                if problem:
                    out.append(((*loc, "from"), problem))
            template = spec.parsed_template
            for placeholder in template.placeholders if template else []:
                problem = _path_problem(kind.model, root, placeholder, obj.for_, text_only=True)
                if problem:
                    out.append(((*loc, "template"), f"{{{placeholder}}}: {problem}"))
            if spec.ref is not None and spec.ref not in refs:
                known = ", ".join(sorted(refs - {key}))
                out.append(
                    (
                        (*loc, "ref"),
                        f"unknown ref '{spec.ref}' for {article(obj.for_)} object; known: {known}",
                    )
                )
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
