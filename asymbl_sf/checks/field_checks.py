"""The mapping against the org's describe, field by field.

For every mapped field: it exists (else the closest names), it can be written (created, and
updated where the object's ``match`` updates existing records), a ``ref`` points at a lookup to
the right object, the value's type fits the field, every value the mapping is known to send fits
the field's length and, for a restricted picklist, is one of its active values.
"""

from __future__ import annotations

from typing import Any

from asymbl_sf.mapping import Mapping
from asymbl_sf.mapping import transforms as tr
from asymbl_sf.mapping.coerce import coerce
from asymbl_sf.mapping.spec import FieldSpec, ObjectSpec
from asymbl_sf.schema import TEXT_TYPES, FieldDescribe, SObjectDescribe

from .report import CheckItem, Severity
from .suggest import close_names, close_values, did_you_mean
from .values import Produced, domain, produced

#: Where each kind's built-in ``ref`` placeholders point.
BUILTIN_TARGETS: dict[str, dict[str, str]] = {
    "application": {"job": "bpats__Job__c", "stage": "bpats__ATS_Stage__c", "user": "User"},
    "activity": {"Contact": "Contact", "application": "bpats__ATS_Applicant__c", "user": "User"},
}
#: Which source kinds fit which field types (text fits everything textual; the value is parsed
#: when a record is rendered).
_FITS: dict[str, frozenset[str]] = {
    "date": frozenset({"date", "datetime"}) | TEXT_TYPES,
    "datetime": frozenset({"date", "datetime"}) | TEXT_TYPES,
    "boolean": frozenset({"boolean"}) | TEXT_TYPES,
    "number": tr.NUMBER_TYPES | TEXT_TYPES,
}
_UPDATING = ("fill_blanks", "update")


class FieldChecker:
    """Checks the fields of one mapped object against its describe."""

    def __init__(
        self,
        mapping: Mapping,
        key: str,
        obj: ObjectSpec,
        describe: SObjectDescribe,
        *,
        skip_prefix: str | None = None,
    ) -> None:
        #: Fields named with this prefix are not checked (a package the org lacks, reported
        #: once at org level).
        self.skip_prefix = skip_prefix
        self.mapping = mapping
        self.key = key
        self.obj = obj
        self.describe = describe
        self.updates = obj.match is not None and obj.match.when_found in _UPDATING
        self.items: list[CheckItem] = []

    def item(
        self,
        severity: Severity,
        check: str,
        field: str,
        message: str,
        suggestion: str | None = None,
        *,
        at: tuple[Any, ...] = (),
    ) -> None:
        where = self.mapping.position(("objects", self.key, "fields", field, *at))
        self.items.append(
            CheckItem(
                severity,
                check,
                message,
                self.describe.name,
                field,
                suggestion,
                where[0] if where else None,
                where[1] if where else None,
            )
        )

    def run(self) -> list[CheckItem]:
        for name, spec in self.obj.fields.items():
            if self.skip_prefix and name.lower().startswith(self.skip_prefix):
                continue
            before = len(self.items)
            fd = self.describe.field(name)
            if fd is None:
                self._missing(name)
            elif self._writable(fd, name):
                self._value(fd, name, spec)
            if fd is not None and len(self.items) == before:
                self.item(
                    "ok", "field.ok", name, f"{self.describe.name}.{fd.name}: {_describe_type(fd)}"
                )
        return self.items

    # -- existence and access -------------------------------------------------------------------

    def _missing(self, name: str) -> None:
        names = close_names(name, ((f.name, f.label) for f in self.describe.fields))
        self.item(
            "error",
            "field.exists",
            name,
            f"no field `{name}` on {self.describe.name}",
            did_you_mean(names)
            or f"see the object's fields with: asymbl-sf fields {self.describe.name}",
        )

    def _writable(self, fd: FieldDescribe, name: str) -> bool:
        what = f"`{fd.name}` on {self.describe.name}"
        if not fd.createable:
            if fd.calculated:
                why, fix = "a formula field", "remove it; map the fields the formula reads"
            elif fd.autoNumber:
                why, fix = "an auto-number", "remove it; Salesforce numbers records itself"
            elif fd.updateable:
                why, fix = "set on update only", "remove it from the mapping"
            else:
                why, fix = (
                    "read-only",
                    (
                        "remove it from the mapping (Salesforce fills it), or "
                        "give the user edit access to it (field-level security)"
                    ),
                )
            self.item(
                "error",
                "field.writable",
                name,
                f"{what} cannot be written ({why}): every new {self.describe.name} fails "
                "with INVALID_FIELD_FOR_INSERT_UPDATE",
                fix,
            )
            return False
        spec = self.obj.fields[name]
        if self.updates and not fd.updateable and spec.ref is None and spec.record_type is None:
            assert self.obj.match is not None
            self.item(
                "error",
                "field.updateable",
                name,
                f"{what} can be set on create but not updated, and match.when_found: "
                f"{self.obj.match.when_found} updates existing records: those updates fail",
                "remove the field, or use when_found: reuse",
            )
            return False
        return True

    # -- values ---------------------------------------------------------------------------------

    def _value(self, fd: FieldDescribe, name: str, spec: FieldSpec) -> None:
        if spec.ref is not None:
            self._ref(fd, name, spec.ref)
            return
        if spec.record_type is not None:
            if fd.type != "reference" or "recordtype" not in _lower(fd.referenceTo):
                self.item(
                    "error",
                    "field.type",
                    name,
                    f"`{fd.name}` on {self.describe.name} is not a record type lookup "
                    f"({_describe_type(fd)}); record_type fills RecordTypeId",
                    "put record_type on RecordTypeId",
                )
            else:
                self.item(
                    "ok",
                    "field.ok",
                    name,
                    f"{self.describe.name}.{fd.name}: the id of record type "
                    f"`{spec.record_type}`, when the org has it",
                )
            return
        if fd.type == "base64":
            self.item(
                "error",
                "field.type",
                name,
                f"{self.describe.name}.{fd.name} holds file content, which the writer fills "
                "from the attachment",
                "remove it from the mapping",
            )
            return
        self._type(fd, name, produced(self.obj, spec))
        values = domain(self.obj, spec)
        for sent in values.sent:
            self._sent(fd, name, spec, sent.value, sent.origin)
        if fd.type in ("picklist", "multipicklist") and fd.restrictedPicklist and values.free:
            self._free_picklist(fd, name, spec)
        elif fd.has_length_limit and values.free and spec.from_ is not None:
            limit = _limit(fd, spec)
            policy = spec.on_over_length or self.mapping.settings.over_length
            how = "cut, with a warning" if policy == "truncate" else "refused"
            self.item(
                "ok",
                "field.length",
                name,
                f"{self.describe.name}.{fd.name}: {_describe_type(fd)}; payload text over "
                f"{limit} characters is {how} (over_length: {policy})",
            )

    def _ref(self, fd: FieldDescribe, name: str, ref: str) -> None:
        kind_refs = BUILTIN_TARGETS.get(self.obj.for_, {})
        target = ref if ref in self.mapping.objects_for(self.obj.for_) else kind_refs.get(ref)
        if target is None:
            return  # the loader rejects unknown refs
        if fd.type != "reference":
            self.item(
                "error",
                "field.ref",
                name,
                f"{self.describe.name}.{fd.name} is {_describe_type(fd)}, not a lookup, so "
                f"it cannot hold the {ref} record's id",
                "point the ref at a lookup field",
            )
        elif target.lower() not in _lower(fd.referenceTo):
            points = ", ".join(fd.referenceTo) or "nothing"
            self.item(
                "error",
                "field.ref",
                name,
                f"{self.describe.name}.{fd.name} looks up {points}, not {target}: the "
                f"{ref} id is refused (FIELD_INTEGRITY_EXCEPTION)",
                f"use a lookup to {target}",
            )
        else:
            self.item(
                "ok",
                "field.ref",
                name,
                f"{self.describe.name}.{fd.name}: lookup to {target} ({ref})",
            )

    def _type(self, fd: FieldDescribe, name: str, value: Produced) -> None:
        field = f"{self.describe.name}.{fd.name} is {_describe_type(fd)}"
        if value.types is not None:
            if fd.type not in value.types:
                fits = ", ".join(sorted(value.types - TEXT_TYPES)) or "text"
                if value.types & TEXT_TYPES and value.types - TEXT_TYPES:
                    fits += " or text"
                self.item(
                    "error",
                    "field.type",
                    name,
                    f"transform `{value.by}` gives {fits}, but {field}",
                    "map the field to a source of that type, or change the transform",
                    at=("transform",),
                )
            return
        if value.kind == "object":
            self.item(
                "error",
                "field.type",
                name,
                f"`{self.obj.fields[name].from_}` is an object, but {field}",
                "point from at one of its parts",
                at=("from",),
            )
        elif value.kind == "list" and fd.type != "multipicklist":
            self.item(
                "error",
                "field.type",
                name,
                f"`{self.obj.fields[name].from_}` is a list, but {field}",
                "add a transform: first (one item) or join (all, as text)",
                at=("from",),
            )
        elif value.kind in _FITS and fd.type not in _FITS[value.kind]:
            self.item(
                "error",
                "field.type",
                name,
                f"`{self.obj.fields[name].from_}` is a {value.kind}, but {field}",
                "map a source of the field's type, or add a transform that converts it",
                at=("from",),
            )

    def _sent(self, fd: FieldDescribe, name: str, spec: FieldSpec, value: Any, origin: str) -> None:
        at = {"constant": ("value",), "default": ("default",)}.get(origin, ("transform",))
        target = f"{self.describe.name}.{fd.name}"
        try:
            fitted = coerce(value, fd.type)
        except tr.TransformError as exc:
            self.item(
                "error",
                "field.value",
                name,
                f"{_subject(origin, value)} not valid for {target} ({_describe_type(fd)}): "
                f"the value {exc}",
                "change the value",
                at=at,
            )
            return
        if fd.type in ("picklist", "multipicklist") and fd.restrictedPicklist:
            allowed = fd.active_picklist_values
            lower = {v.lower() for v in allowed}
            parts = str(fitted).split(";") if fd.type == "multipicklist" else [str(fitted)]
            for part in parts:
                if part.strip().lower() in lower:
                    continue
                subject = _subject(origin, part)
                if spec.fallback_field:
                    self.item(
                        "warning",
                        "field.picklist",
                        name,
                        f"{subject} not a value of {target} (a restricted picklist): it "
                        f"always goes to {spec.fallback_field} instead",
                        _picklist_fix(part, allowed),
                        at=at,
                    )
                else:
                    self.item(
                        "error",
                        "field.picklist",
                        name,
                        f"{subject} not a value of {target}, a restricted picklist: those "
                        "writes fail (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST)",
                        _picklist_fix(part, allowed),
                        at=at,
                    )
            return
        if isinstance(fitted, str) and (limit := _limit(fd, spec)) and len(fitted) > limit:
            policy = spec.on_over_length or self.mapping.settings.over_length
            severity: Severity = "error" if policy == "reject" else "warning"
            outcome = (
                "refused (over_length: reject)"
                if policy == "reject"
                else (f"always cut to {limit} (over_length: truncate)")
            )
            self.item(
                severity,
                "field.length",
                name,
                f"{_subject(origin, _short(fitted))} {len(fitted)} characters long, more "
                f"than the {limit} {target} holds: it is {outcome}",
                "shorten the value",
                at=at,
            )

    def _free_picklist(self, fd: FieldDescribe, name: str, spec: FieldSpec) -> None:
        source = spec.from_ or "the template"
        target = f"{self.describe.name}.{fd.name}"
        if not spec.fallback_field:
            self.item(
                "warning",
                "field.picklist",
                name,
                f"{target} is a restricted picklist fed from `{source}`: a payload value "
                "that is not one of its values fails the write",
                "add a map transform to the picklist's values, or a fallback_field",
            )
            return
        fallback = self.describe.field(spec.fallback_field)
        if fallback is None:
            names = close_names(
                spec.fallback_field, ((f.name, f.label) for f in self.describe.fields)
            )
            self.item(
                "error",
                "field.fallback",
                name,
                f"fallback_field: no field `{spec.fallback_field}` on {self.describe.name}",
                did_you_mean(names),
                at=("fallback_field",),
            )
        elif not fallback.createable or (self.updates and not fallback.updateable):
            self.item(
                "error",
                "field.fallback",
                name,
                f"fallback_field {self.describe.name}.{fallback.name} cannot be written",
                "name a writable text field",
                at=("fallback_field",),
            )
        elif fallback.type not in TEXT_TYPES:
            self.item(
                "error",
                "field.fallback",
                name,
                f"fallback_field {self.describe.name}.{fallback.name} is "
                f"{_describe_type(fallback)}; it needs to take text",
                "name a text field",
                at=("fallback_field",),
            )
        else:
            self.item(
                "ok",
                "field.picklist",
                name,
                f"{target}: values from `{source}` that are not among its "
                f"{len(fd.active_picklist_values)} picklist values go to "
                f"{fallback.name}, with a warning",
            )


def _lower(names: list[str]) -> set[str]:
    return {n.lower() for n in names}


def _limit(fd: FieldDescribe, spec: FieldSpec) -> int | None:
    limit = fd.length if fd.has_length_limit else None
    if spec.max_length is not None:
        limit = min(limit, spec.max_length) if limit else spec.max_length
    return limit


def _describe_type(fd: FieldDescribe) -> str:
    """``a string(80) field``, ``a restricted picklist field``, ``a lookup to User``."""
    if fd.type == "reference":
        return f"a lookup to {', '.join(fd.referenceTo) or 'nothing'}"
    if fd.type in ("picklist", "multipicklist"):
        kind = "restricted " if fd.restrictedPicklist else ""
        return f"a {kind}{fd.type} field ({len(fd.active_picklist_values)} values)"
    article = "an" if fd.type[:1] in "aeiou" else "a"
    if fd.has_length_limit:
        return f"{article} {fd.type}({fd.length}) field"
    return f"{article} {fd.type} field"


def _picklist_fix(value: str, allowed: list[str]) -> str:
    close = did_you_mean(close_values(value, allowed))
    listing = ", ".join(f"`{v}`" for v in allowed)
    return (
        f"{close} (allowed: {listing})"
        if close
        else (f"allowed: {listing}; or add the value to the picklist in Setup")
    )


def _subject(origin: str, value: Any) -> str:
    """The start of a sentence about a value the mapping sends, by where it comes from."""
    if origin == "constant":
        return f"the constant `{value}` is"
    if origin == "default":
        return f"the default `{value}` is"
    if origin == "map":
        return f"the value map sends `{value}`, which is"
    return f"the mapping can send `{value}`, which is"


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
