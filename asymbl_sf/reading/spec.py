"""The read mapping file (``mappings/read.yaml``) as pydantic models; see ``docs/reading.md``.

Shape rules (unknown keys, wrong types, one source per field) are validated here; rules that
need the model catalog (which unified keys a model has, required links) are in
:func:`asymbl_sf.reading.catalog.catalog_problems`. The loader runs both and puts a file and line
on every problem.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from asymbl_sf.models.problems import custom_error

#: Named conversions of a Salesforce value (see :mod:`asymbl_sf.reading.convert`).
Convert = Literal["text", "datetime", "date", "bool", "number", "integer"]
#: Outcomes an outcome rule may give. Kombo's own enum is PENDING, HIRED, DECLINED; REJECTED is
#: asymbl-sf's (the write results use it too); a rule may map rejections to DECLINED instead.
Outcome = Literal["PENDING", "HIRED", "DECLINED", "REJECTED"]
#: Kombo's unified hiring-team role types.
Role = Literal["HIRING_MANAGER", "RECRUITER", "COORDINATOR", "SOURCER", "INTERVIEWER", "ADMIN"]
Scalar = str | bool | int | float

#: ``Email``, ``bpats__Stage__r.Name``: SOQL field paths (at most 5 relationship hops).
_FIELD_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*){0,5}$")


def check_field_path(value: str) -> str:
    if not _FIELD_PATH.match(value):
        raise custom_error(
            f"'{value}' is not a Salesforce field name (letters, digits and _, optionally "
            "behind relationship names: Owner.Email)"
        )
    return value


def check_plain_name(value: str, expected: str) -> str:
    """``value`` as one Salesforce API name, no relationship path; ``expected`` is the problem
    when it has one, saying what to write instead."""
    if "." in value:
        raise custom_error(expected)
    return check_field_path(value)


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TypedValue(SpecModel):
    """One entry of a list such as ``phone_numbers``: the field, and the ``type`` it gets."""

    field: str
    type: str | None = None

    @field_validator("field")
    @classmethod
    def _field_ok(cls, value: str) -> str:
        return check_field_path(value)


class FieldSpec(SpecModel):
    """Where one unified key's value comes from: exactly one of ``field``, ``value``, ``join``,
    ``values``. A bare string is the short form of ``{field: ...}``; a list is ``values``."""

    field: str | None = None
    value: Any = None
    #: Several fields joined with ``separator``, empty ones left out (``location.raw``).
    join: list[str] | None = Field(default=None, min_length=1)
    separator: str = ", "
    #: Typed values (``phone_numbers``, ``email_addresses``): one entry per non-empty field.
    values: list[TypedValue] | None = Field(default=None, min_length=1)
    convert: Convert | None = None
    #: Salesforce value → unified value (picklists, checkboxes); matched case-insensitively.
    map: dict[Scalar, Any] | None = None
    #: A value ``map`` does not list: ``keep`` it as it is (Kombo passes unknown values
    #: through) or make it ``null``.
    otherwise: Literal["keep", "null"] = "keep"

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"field": data}
        if isinstance(data, list):
            return {"values": data}
        if data is None:
            raise custom_error(
                "empty; null removes an inherited key only in a file that uses extends"
            )
        return data

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        given = [k for k in ("field", "value", "join", "values") if self.has(k)]
        if len(given) != 1:
            got = ", ".join(given) if given else "none"
            raise custom_error(f"give exactly one of field, value, join, values (got {got})")
        if self.map is not None and self.convert is not None:
            raise custom_error("give map or convert, not both")
        if (self.map is not None or self.convert is not None) and self.field is None:
            raise custom_error("map and convert apply to a field: give field")
        for name in [self.field or "", *(self.join or [])]:
            if name:
                check_field_path(name)
        return self

    def has(self, key: str) -> bool:
        if key == "value":
            return "value" in self.model_fields_set
        return getattr(self, key) is not None

    @property
    def fields(self) -> list[str]:
        """The Salesforce fields this spec reads."""
        if self.field is not None:
            return [self.field]
        if self.join is not None:
            return list(self.join)
        return [v.field for v in self.values or []]


class MemberSpec(SpecModel):
    """A hiring-team member: a lookup of the job to a User (or a Contact) and its role."""

    field: str
    label: str = Field(min_length=1)
    role: Role | None = None
    person: Literal["user", "contact"] = "user"

    @field_validator("field")
    @classmethod
    def _plain(cls, value: str) -> str:
        return check_plain_name(value, "a lookup field of the job itself (no relationship path)")


class OutcomeRule(SpecModel):
    """``then`` when every field in ``when`` holds one of its values (none: always)."""

    when: dict[str, list[Scalar]] = Field(default_factory=dict)
    then: Outcome

    @field_validator("when", mode="before")
    @classmethod
    def _single_values(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        return value

    @field_validator("when")
    @classmethod
    def _paths(cls, value: dict[str, list[Scalar]]) -> dict[str, list[Scalar]]:
        for name in value:
            check_field_path(name)
        return value


class ModelSpec(SpecModel):
    """One unified model: the sObject it is read from and how its keys are filled."""

    sobject: str
    fields: dict[str, FieldSpec] = Field(default_factory=dict)
    #: Fields exposed under ``custom_fields``: a list (keys are the API names) or a mapping
    #: ``key: field``.
    custom_fields: dict[str, str] = Field(default_factory=dict)
    #: ``job_stages``: how a job's stages are ordered (the ``index``).
    order_by: list[str] = Field(default_factory=list)
    #: ``hiring_team``: the job's lookups that make its team.
    members: list[MemberSpec] = Field(default_factory=list)
    #: ``applications``: rules tried in order; the first that holds gives the outcome.
    outcome: list[OutcomeRule] = Field(default_factory=list)

    @field_validator("sobject")
    @classmethod
    def _sobject_ok(cls, value: str) -> str:
        return check_plain_name(value, "an sObject API name (bpats__Job__c), not a path")

    @field_validator("custom_fields", mode="before")
    @classmethod
    def _list_form(cls, value: Any) -> Any:
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise custom_error("a list of field API names, or a mapping key: field")
            return {v: v for v in value}
        return value

    @field_validator("custom_fields")
    @classmethod
    def _custom_paths(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value.values():
            check_field_path(name)
        return value

    @field_validator("order_by")
    @classmethod
    def _order_paths(cls, value: list[str]) -> list[str]:
        for name in value:
            check_field_path(name)
        return value


class ReadSettings(SpecModel):
    #: A delta read (``since``) starts this many seconds before the asked time, because rows
    #: can commit with a SystemModstamp earlier than rows already read (see docs/reading.md).
    overlap_seconds: int = Field(default=300, ge=0, le=86_400)


class ReadMapping(SpecModel):
    """A whole read mapping file (after ``extends`` is merged in)."""

    version: Literal[1]
    extends: str | None = None
    settings: ReadSettings = Field(default_factory=ReadSettings)
    models: dict[str, ModelSpec]

    #: Files that made this mapping, child first (set by the loader).
    _files: list[str] = PrivateAttr(default_factory=list)
    #: ``loc → (file, line, column)`` of every key (set by the loader).
    _positions: dict[tuple[Any, ...], tuple[str, int, int]] = PrivateAttr(default_factory=dict)

    @property
    def files(self) -> list[str]:
        return list(self._files)

    def model(self, name: str) -> ModelSpec:
        return self.models[name]

    def position(self, loc: tuple[Any, ...]) -> tuple[str, int | None, int | None]:
        """File, line and column of ``loc`` (or of its nearest enclosing key)."""
        for end in range(len(loc), -1, -1):
            found = self._positions.get(tuple(loc[:end]))
            if found:
                return found
        return (self._files[0] if self._files else "<read mapping>"), None, None
