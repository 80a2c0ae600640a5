"""Describe metadata of sObjects, as Salesforce's ``GET sobjects/{Object}/describe`` returns it.

One reading of describe serves three layers: the mapping (``render`` and ``check`` need types,
lengths and picklists), the Salesforce layer (which fields exist in the org at run time) and the
local org (which enforces the same rules Salesforce does). Only the keys that matter here are
modelled; everything else in a describe body is kept in ``extra`` so a real org's describe can be
loaded and written back unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: Field types whose values are text and so have a ``length`` that Salesforce enforces.
TEXT_TYPES = frozenset(
    {
        "string",
        "textarea",
        "email",
        "phone",
        "url",
        "picklist",
        "multipicklist",
        "combobox",
        "encryptedstring",
    }
)


#: The longest ``textarea`` Salesforce can filter, sort and group by: a plain Text Area holds 255
#: characters; Long and Rich Text Areas (256 and more) only appear in SELECT.
FILTERABLE_TEXTAREA_LENGTH = 255

#: Types whose values SOQL never compares: binary data, classic encrypted text and the ``anyType``
#: of history objects (``NewValue``) appear in SELECT only.
_OPAQUE_TYPES = frozenset({"base64", "encryptedstring", "anyType"})

#: Compound types: describe reports them filterable (only in a DISTANCE expression) but they
#: cannot be sorted or grouped.
_COMPOUND_TYPES = frozenset({"address", "location"})

#: Types that can be filtered and sorted but not grouped: numbers with decimals and datetimes
#: (SOQL groups those through CALENDAR_YEAR() and the like, not by the raw value).
_UNGROUPABLE_TYPES = frozenset({"double", "currency", "percent", "datetime"})

#: The describe keys that say where SOQL accepts a field besides SELECT.
QUERY_PROPERTIES = ("filterable", "sortable", "groupable")


def query_properties(field_type: str, length: int = 0, calculated: bool = False) -> dict[str, bool]:
    """``filterable``/``sortable``/``groupable`` as Salesforce sets them for a field of this type.

    Real describes always carry these keys (and an org's own answer wins); this is the rule for
    describes reduced to fewer keys, following the SOQL reference: WHERE takes any field "except a
    long text area field, encrypted data field, or base64-encoded field"; ORDER BY refuses
    multi-select picklists, rich and long text areas and encrypted fields; GROUP BY refuses
    those, numbers with decimals, datetimes and formula fields. A multi-select picklist is
    filterable (with INCLUDES/EXCLUDES or ``=``).
    """
    long_text = field_type == "textarea" and length > FILTERABLE_TEXTAREA_LENGTH
    opaque = long_text or field_type in _OPAQUE_TYPES
    sortable = not (opaque or field_type in _COMPOUND_TYPES or field_type == "multipicklist")
    groupable = sortable and not calculated and field_type not in _UNGROUPABLE_TYPES
    return {"filterable": not opaque, "sortable": sortable, "groupable": groupable}


class PicklistValue(BaseModel):
    model_config = ConfigDict(extra="allow")

    value: str
    label: str | None = None
    active: bool = True
    defaultValue: bool = False


class FieldDescribe(BaseModel):
    """One entry of ``fields`` in a describe body."""

    model_config = ConfigDict(extra="allow")

    name: str
    label: str = ""
    type: str = "string"
    length: int = 0
    nillable: bool = True
    createable: bool = False
    updateable: bool = False
    defaultedOnCreate: bool = False
    unique: bool = False
    externalId: bool = False
    idLookup: bool = False
    caseSensitive: bool = False
    calculated: bool = False
    autoNumber: bool = False
    custom: bool = False
    picklistValues: list[PicklistValue] = Field(default_factory=list)
    restrictedPicklist: bool = False
    referenceTo: list[str] = Field(default_factory=list)
    relationshipName: str | None = None
    filteredLookupInfo: dict[str, Any] | None = None
    nameField: bool = False
    # Where SOQL accepts the field besides SELECT; filled by ``query_properties`` when a
    # describe lacks them (see ``_fill_query_properties``).
    filterable: bool = True
    sortable: bool = True
    groupable: bool = True

    @model_validator(mode="before")
    @classmethod
    def _fill_query_properties(cls, data: Any) -> Any:
        """A describe without ``filterable``/``sortable``/``groupable`` (a reduced export, an
        older saved local org) gets Salesforce's values for its type; given keys are kept."""
        if not isinstance(data, Mapping) or all(k in data for k in QUERY_PROPERTIES):
            return data
        derived = query_properties(
            str(data.get("type") or "string"),
            int(data.get("length") or 0),
            bool(data.get("calculated")),
        )
        return {**derived, **data}

    @property
    def required_on_create(self) -> bool:
        """Salesforce's rule: createable, not nillable and not defaulted on create."""
        return self.createable and not self.nillable and not self.defaultedOnCreate

    @property
    def active_picklist_values(self) -> list[str]:
        return [p.value for p in self.picklistValues if p.active]

    @property
    def default_picklist_value(self) -> str | None:
        for p in self.picklistValues:
            if p.active and p.defaultValue:
                return p.value
        return None

    @property
    def parent_relationship_name(self) -> str | None:
        """The name SOQL uses to reach the parent record (``bpats__Stage__r``, ``Account``).

        Derived from the field name because field-definition exports often carry the child
        relationship name in ``relationshipName`` instead; Salesforce's own rule is simple:
        ``X__c`` is reached as ``X__r`` and a standard ``XxxId`` as ``Xxx``.
        """
        if self.type != "reference":
            return None
        if self.name.endswith("__c"):
            return self.name[:-3] + "__r"
        if self.name.endswith("Id") and len(self.name) > 2:
            return self.name[:-2]
        return self.relationshipName

    @property
    def has_length_limit(self) -> bool:
        return self.type in TEXT_TYPES and self.length > 0


class SObjectDescribe(BaseModel):
    """A describe body: the object's name, key prefix, fields and record types."""

    model_config = ConfigDict(extra="allow")

    name: str
    label: str = ""
    custom: bool = False
    keyPrefix: str | None = None
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    fields: list[FieldDescribe] = Field(default_factory=list)
    recordTypeInfos: list[dict[str, Any]] = Field(default_factory=list)

    @cached_property
    def _fields_by_lower_name(self) -> dict[str, FieldDescribe]:
        return {f.name.lower(): f for f in self.fields}

    @cached_property
    def _fields_by_relationship(self) -> dict[str, FieldDescribe]:
        out: dict[str, FieldDescribe] = {}
        for f in self.fields:
            rel = f.parent_relationship_name
            if rel:
                out[rel.lower()] = f
        return out

    def field(self, name: str) -> FieldDescribe | None:
        """The field called ``name``; Salesforce field names are case-insensitive."""
        return self._fields_by_lower_name.get(name.lower())

    def relationship(self, name: str) -> FieldDescribe | None:
        """The reference field reached by the relationship name ``name`` (``bpats__Job__r``)."""
        return self._fields_by_relationship.get(name.lower())

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=False)


class OrgSchema:
    """The describes of the objects an org has, looked up case-insensitively by object name."""

    def __init__(self, describes: Iterable[SObjectDescribe] = ()) -> None:
        self._by_lower: dict[str, SObjectDescribe] = {}
        for d in describes:
            self.add(d)

    def add(self, describe: SObjectDescribe) -> None:
        self._by_lower[describe.name.lower()] = describe

    def get(self, name: str) -> SObjectDescribe | None:
        return self._by_lower.get(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._by_lower

    def __iter__(self) -> Iterator[SObjectDescribe]:
        return iter(self._by_lower.values())

    def names(self) -> list[str]:
        return [d.name for d in self._by_lower.values()]

    def by_key_prefix(self, prefix: str) -> SObjectDescribe | None:
        for d in self._by_lower.values():
            if d.keyPrefix == prefix:
                return d
        return None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Mapping[str, Any]]) -> OrgSchema:
        return cls(SObjectDescribe.model_validate(body) for body in raw.values())

    @classmethod
    def from_directory(cls, path: Path) -> OrgSchema:
        """Every ``*.json`` describe body in ``path``."""
        return cls(
            SObjectDescribe.model_validate(json.loads(p.read_text(encoding="utf-8")))
            for p in sorted(path.glob("*.json"))
        )

    @classmethod
    def packaged(cls) -> OrgSchema:
        """The Asymbl objects' metadata shipped with the package (the local org's default).

        A new schema each time (callers add to it), over describes parsed once per process:
        every action renders against it, so re-reading the files would be work on a hot path.
        """
        return cls(_packaged_describes())


@lru_cache(maxsize=1)
def _packaged_describes() -> tuple[SObjectDescribe, ...]:
    root = resources.files("asymbl_sf.schema") / "describes"
    return tuple(
        SObjectDescribe.model_validate(json.loads(entry.read_text("utf-8")))
        for entry in sorted(root.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    )
