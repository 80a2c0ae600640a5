"""Salesforce's rules for a create or an update, checked against describe metadata.

The order follows Salesforce: the JSON body is first deserialised (an unknown field or a value of
the wrong JSON type fails the whole call at once), then field-level access is checked, then each
value (length, picklist, email, references), required fields, lookup filters and unique fields.
Every error found after deserialisation is reported together, as Salesforce does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from asymbl_sf.schema import FieldDescribe, SObjectDescribe
from asymbl_sf.schema.ids import looks_like_id, to_18

from .errors import ApiError, RecordError, RecordRejected
from .store import Record, RecordStore

# Salesforce's email check is permissive but does insist on one @ and a dotted domain.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TEXT_TYPES = {
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
_NUMBER_TYPES = {"double", "currency", "percent", "int", "long"}

#: Display formats of auto-number fields; describe does not carry them.
AUTONUMBER_FORMATS = {
    "bpats__ATS_Applicant__c.Name": "APP-{0:05d}",
    "bpats__Job__c.bpats__Job_Number__c": "JOB-{0:05d}",
}

SYSTEM_FIELDS = (
    "Id",
    "IsDeleted",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
)


def format_datetime(moment: datetime) -> str:
    """Salesforce's datetime output: ``2024-01-31T10:00:00.000+0000`` in UTC."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime | None:
    cleaned = text.strip()
    if cleaned.endswith("Z"):
        cleaned = cleaned[:-1] + "+00:00"
    if re.search(r"[+-]\d{4}$", cleaned):
        cleaned = cleaned[:-2] + ":" + cleaned[-2:]
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _deserialize_error(describe: SObjectDescribe, field: FieldDescribe, value: Any) -> ApiError:
    kind = {"boolean": "boolean", "date": "date", "datetime": "datetime"}.get(
        field.type, "double" if field.type in _NUMBER_TYPES else "string"
    )
    token = "VALUE_STRING" if isinstance(value, str) else type(value).__name__.upper()
    return ApiError.single(
        400,
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from {token} value {str(value)[:80]} "
        f"or request may be missing a required field at [line:1, column:1]",
    )


@dataclass(frozen=True)
class _ObjectTable:
    """What the rules need of one describe, computed once: 100,000 inserts must not walk 40
    pydantic fields (and their properties) five times each."""

    required: tuple[str, ...]
    #: (field name, kind, value): kind "value" sets the value, "autonumber" draws a number.
    defaults: tuple[tuple[str, str, Any], ...]
    system: tuple[str, ...]  # the SYSTEM_FIELDS this object has, besides Id
    has_owner: bool
    filtered: tuple[FieldDescribe, ...]
    unique: tuple[str, ...]
    formulas: tuple[tuple[str, str], ...]
    compound_name: bool

    @classmethod
    def of(cls, describe: SObjectDescribe) -> _ObjectTable:
        defaults: list[tuple[str, str, Any]] = []
        for f in describe.fields:
            if f.type == "boolean" and f.defaultedOnCreate:
                defaults.append((f.name, "value", False))
            elif f.type == "picklist" and f.default_picklist_value is not None:
                defaults.append((f.name, "value", f.default_picklist_value))
            elif f.autoNumber:
                fmt = AUTONUMBER_FORMATS.get(f"{describe.name}.{f.name}", "{0:05d}")
                defaults.append((f.name, "autonumber", fmt))
        formulas = []
        for f in describe.fields:
            formula = f.model_extra.get("formula") if f.model_extra else None
            if f.calculated and isinstance(formula, str):
                formulas.append((f.name, formula))
        return cls(
            required=tuple(f.name for f in describe.fields if f.required_on_create),
            defaults=tuple(defaults),
            system=tuple(n for n in SYSTEM_FIELDS[1:] if describe.field(n) is not None),
            has_owner=describe.field("OwnerId") is not None,
            filtered=tuple(
                f
                for f in describe.fields
                if f.filteredLookupInfo and not f.filteredLookupInfo.get("optionalFilter")
            ),
            unique=tuple(f.name for f in describe.fields if f.unique),
            formulas=tuple(formulas),
            compound_name=(
                describe.name in ("Contact", "User") and describe.field("Name") is not None
            ),
        )


class RecordRules:
    """Checks and completes records before the store keeps them."""

    def __init__(
        self,
        store: RecordStore,
        clock: Callable[[], datetime],
        running_user_id: Callable[[], str | None],
    ) -> None:
        self.store = store
        self.clock = clock
        self.running_user_id = running_user_id
        self._tables: dict[str, tuple[SObjectDescribe, _ObjectTable]] = {}

    def table(self, describe: SObjectDescribe) -> _ObjectTable:
        """The precomputed table of ``describe`` (rebuilt when another schema is loaded)."""
        cached = self._tables.get(describe.name)
        if cached is None or cached[0] is not describe:
            cached = (describe, _ObjectTable.of(describe))
            self._tables[describe.name] = cached
        return cached[1]

    # -- entry points ---------------------------------------------------------------------------

    def prepare_create(self, describe: SObjectDescribe, body: dict[str, Any]) -> Record:
        """A complete new record from a create body, or :class:`RecordRejected`."""
        table = self.table(describe)
        values = self._deserialize(describe, body, creating=True)
        now = format_datetime(self.clock())
        user = self.running_user_id()
        record: Record = {"Id": self.store.new_id(describe)}
        self._apply_defaults(describe, table, record, values)
        record.update(values)
        system = {
            "IsDeleted": False,
            "CreatedDate": now,
            "CreatedById": user,
            "LastModifiedDate": now,
            "LastModifiedById": user,
            "SystemModstamp": now,
        }
        for name in table.system:
            record[name] = system[name]
        if table.has_owner and not record.get("OwnerId"):
            record["OwnerId"] = user
        self._check(describe, table, values, record, creating=True)
        self._compute(describe, table, record)
        return record

    def _check(
        self,
        describe: SObjectDescribe,
        table: _ObjectTable,
        values: dict[str, Any],
        record: Record,
        *,
        creating: bool,
    ) -> None:
        """Every rule on the values, in Salesforce's order; raises with all errors found.

        Lookup filters and unique fields are checked only when the values themselves pass, as
        Salesforce does (a bad reference is reported, not also a filter failure on it).
        """
        errors = self._check_values(describe, values, record)
        errors += self._check_required(table, record, values, creating=creating)
        self._derive_keys(describe, record)
        if not errors:
            errors += self._check_lookup_filters(describe, table, record)
            errors += self._check_unique(describe, table, record)
        if errors:
            raise RecordRejected(errors)

    def prepare_update(
        self, describe: SObjectDescribe, existing: Record, body: dict[str, Any]
    ) -> Record:
        table = self.table(describe)
        values = self._deserialize(describe, body, creating=False)
        record = dict(existing)
        record.update(values)
        self._check(describe, table, values, record, creating=False)
        now = format_datetime(self.clock())
        system = {
            "LastModifiedDate": now,
            "LastModifiedById": self.running_user_id(),
            "SystemModstamp": now,
        }
        for name in table.system:
            if name in system:
                record[name] = system[name]
        self._compute(describe, table, record)
        return record

    # -- deserialisation and access -------------------------------------------------------------

    def _deserialize(
        self, describe: SObjectDescribe, body: dict[str, Any], *, creating: bool
    ) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ApiError.single(
                400, "JSON_PARSER_ERROR", "The request body must be a JSON object"
            )
        values: dict[str, Any] = {}
        not_writable: list[str] = []
        for key, value in body.items():
            if key == "attributes":
                continue
            field = describe.field(key)
            if field is None:
                raise ApiError.single(
                    400,
                    "INVALID_FIELD",
                    f"No such column '{key}' on sobject of type {describe.name}",
                )
            writable = field.createable if creating else field.updateable
            if not writable:
                not_writable.append(field.name)
                continue
            values[field.name] = self._coerce(describe, field, value)
        if not_writable:
            verb = "create" if creating else "update"
            raise RecordRejected(
                [
                    RecordError(
                        "INVALID_FIELD_FOR_INSERT_UPDATE",
                        f"Unable to {verb}/update fields: {', '.join(not_writable)}. Please check the "
                        "security settings of this field and verify that it is read/write for your "
                        "profile or permission set.",
                        tuple(not_writable),
                    )
                ]
            )
        return values

    def _coerce(self, describe: SObjectDescribe, field: FieldDescribe, value: Any) -> Any:
        """The stored form of ``value``; a JSON type Salesforce cannot read fails the call."""
        if value is None:
            return None
        kind = field.type
        if kind in _TEXT_TYPES or kind in ("reference", "id", "base64"):
            if isinstance(value, (bool, dict, list)):
                raise _deserialize_error(describe, field, value)
            text = value if isinstance(value, str) else str(value)
            # Salesforce stores an empty string as null.
            return text if text != "" else None
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            raise _deserialize_error(describe, field, value)
        if kind in _NUMBER_TYPES:
            if isinstance(value, bool):
                raise _deserialize_error(describe, field, value)
            if isinstance(value, (int, float)):
                return int(value) if kind in ("int", "long") else value
            if isinstance(value, str):
                try:
                    number = float(value)
                except ValueError:
                    raise _deserialize_error(describe, field, value) from None
                return int(number) if kind in ("int", "long") else number
            raise _deserialize_error(describe, field, value)
        if kind == "date":
            if isinstance(value, str):
                head = value[:10]
                if _DATE.match(head):
                    try:
                        date.fromisoformat(head)
                        return head
                    except ValueError:
                        pass
            raise _deserialize_error(describe, field, value)
        if kind == "datetime":
            if isinstance(value, str):
                moment = parse_datetime(value)
                if moment is not None:
                    return format_datetime(moment)
            raise _deserialize_error(describe, field, value)
        return value

    # -- value rules ----------------------------------------------------------------------------

    def _check_values(
        self, describe: SObjectDescribe, values: dict[str, Any], record: Record
    ) -> list[RecordError]:
        errors: list[RecordError] = []
        for name, value in values.items():
            if value is None:
                continue
            field = describe.field(name)
            assert field is not None
            label = field.label or field.name
            if field.has_length_limit and isinstance(value, str) and len(value) > field.length:
                errors.append(
                    RecordError(
                        "STRING_TOO_LONG",
                        f"{label}: data value too large: {value[:120]} (max length={field.length})",
                        (field.name,),
                    )
                )
                continue
            if field.type == "email" and not _EMAIL.match(value):
                errors.append(
                    RecordError(
                        "INVALID_EMAIL_ADDRESS",
                        f"{label}: invalid email address: {value[:120]}",
                        (field.name,),
                    )
                )
            elif field.type in ("picklist", "multipicklist") and field.restrictedPicklist:
                allowed = set(field.active_picklist_values)
                chosen = value.split(";") if field.type == "multipicklist" else [value]
                if any(v not in allowed for v in chosen):
                    errors.append(
                        RecordError(
                            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                            f"{label}: bad value for restricted picklist field: {value[:120]}",
                            (field.name,),
                        )
                    )
            elif field.type == "reference":
                error = self._check_reference(field, value)
                if error is not None:
                    errors.append(error)
                else:
                    record[name] = to_18(value)
        return errors

    def _check_reference(self, field: FieldDescribe, value: str) -> RecordError | None:
        label = field.label or field.name
        if not looks_like_id(value):
            return RecordError(
                "MALFORMED_ID", f"{label}: id value of incorrect type: {value[:40]}", (field.name,)
            )
        full = to_18(value)
        targets = [self.store.describe(name) for name in field.referenceTo]
        prefixes = {d.keyPrefix for d in targets if d is not None}
        if prefixes and full[:3] not in prefixes:
            # A well-formed id of another object: Salesforce says the id is of the wrong type
            # with FIELD_INTEGRITY_EXCEPTION when that object exists, MALFORMED_ID when no
            # object has the prefix at all.
            code = (
                "FIELD_INTEGRITY_EXCEPTION"
                if self.store.schema.by_key_prefix(full[:3])
                else "MALFORMED_ID"
            )
            return RecordError(code, f"{label}: id value of incorrect type: {value}", (field.name,))
        found = self.store.find(full)
        if found is None or found[1].get("IsDeleted"):
            return RecordError(
                "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", (field.name,)
            )
        return None

    def _check_required(
        self, table: _ObjectTable, record: Record, values: dict[str, Any], *, creating: bool
    ) -> list[RecordError]:
        if creating:
            missing = [name for name in table.required if record.get(name) is None]
        else:
            missing = [name for name in table.required if name in values and values[name] is None]
        if not missing:
            return []
        return [
            RecordError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                tuple(missing),
            )
        ]

    def _check_lookup_filters(
        self, describe: SObjectDescribe, table: _ObjectTable, record: Record
    ) -> list[RecordError]:
        """Active, mandatory lookup filters of the ``equals $Source.field`` kind.

        Asymbl's one that matters: an applicant's stage must belong to the applicant's job
        (``bpats__ATS_Stage__c.bpats__Job__r.Id equals $Source.bpats__Job__c``).
        """
        errors: list[RecordError] = []
        for field in table.filtered:
            info = field.filteredLookupInfo or {}
            value = record.get(field.name)
            if value is None:
                continue
            found = self.store.find(value)
            if found is None:
                continue
            target_name, target = found
            for item in info.get("items", []):
                if not self._filter_item_holds(item, target_name, target, describe, record):
                    errors.append(
                        RecordError(
                            "FIELD_FILTER_VALIDATION_EXCEPTION",
                            "Value does not exist or does not match filter criteria.",
                            (field.name,),
                        )
                    )
                    break
        return errors

    def _filter_item_holds(
        self,
        item: dict[str, Any],
        target_name: str,
        target: Record,
        source_describe: SObjectDescribe,
        source: Record,
    ) -> bool:
        if item.get("operation") != "equals":
            return True  # other operators are not emulated; never invent a failure

        def side(path_text: str) -> Any:
            # Either side may name the record being saved ($Source.x) or the looked-up one
            # (Target__c.x); Asymbl's job filter has them one way round, others the other.
            path = path_text.split(".")
            if path[0] == "$Source":
                return self._resolve_path(source_describe.name, source, path[1:])
            if path[0].lower() == target_name.lower():
                path = path[1:]
            return self._resolve_path(target_name, target, path)

        left = side(str(item.get("field", "")))
        value_field = item.get("valueField")
        right = side(str(value_field)) if value_field else item.get("value")
        return bool(_id_or_text(left) == _id_or_text(right))

    def _resolve_path(self, sobject: str, record: Record, path: list[str]) -> Any:
        current_name, current = sobject, record
        for i, part in enumerate(path):
            describe = self.store.describe(current_name)
            if describe is None:
                return None
            if i == len(path) - 1:
                field = describe.field(part)
                return current.get(field.name) if field else None
            ref = describe.relationship(part)
            if ref is None or current.get(ref.name) is None:
                return None
            found = self.store.find(current[ref.name])
            if found is None:
                return None
            current_name, current = found
        return None

    def _check_unique(
        self, describe: SObjectDescribe, table: _ObjectTable, record: Record
    ) -> list[RecordError]:
        errors: list[RecordError] = []
        for name in table.unique:
            if record.get(name) is None:
                continue
            for other in self.store.lookup(describe.name, name, [record[name]]) or []:
                if other["Id"] != record["Id"] and not other.get("IsDeleted"):
                    errors.append(
                        RecordError(
                            "DUPLICATE_VALUE",
                            f"duplicate value found: {name} duplicates value on record with id: "
                            f"{other['Id']}",
                            (name,),
                        )
                    )
                    break
        return errors

    # -- defaults and computed fields -----------------------------------------------------------

    def _apply_defaults(
        self,
        describe: SObjectDescribe,
        table: _ObjectTable,
        record: Record,
        values: dict[str, Any],
    ) -> None:
        for name, kind, value in table.defaults:
            if name in values:
                continue
            if kind == "autonumber":
                record[name] = value.format(self.store.next_autonumber(describe.name, name))
            else:
                record[name] = value

    def _compute(self, describe: SObjectDescribe, table: _ObjectTable, record: Record) -> None:
        """Fields Salesforce derives: compound names, and formulas that copy parent fields."""
        if table.compound_name:
            parts = [record.get("FirstName"), record.get("LastName")]
            record["Name"] = " ".join(p for p in parts if p) or None
        for name, formula in table.formulas:
            record[name] = self._simple_formula(describe.name, record, formula)

    def _derive_keys(self, describe: SObjectDescribe, record: Record) -> None:
        if describe.name == "bpats__ATS_Applicant__c":
            self._fill_contact_job_key(record)

    def _fill_contact_job_key(self, record: Record) -> None:
        # Assumed package trigger (nothing public): the unique Contact+Job key is filled on save,
        # which is what makes a second applicant for the same pair fail with DUPLICATE_VALUE.
        # The 18-character ids: the field's uniqueness ignores case, and 15-character ids that
        # differ only in case (the 11th and 37th Contact, say) would collide.
        contact, job = record.get("bpats__ATS_Applicant__c"), record.get("bpats__Job__c")
        # A malformed id is left to the lookups' own check (MALFORMED_ID), not failed here.
        if contact and job and looks_like_id(str(contact)) and looks_like_id(str(job)):
            record["bpats__Contact_Job_Relationship__c"] = f"{to_18(contact)}{to_18(job)}"

    def _simple_formula(self, sobject: str, record: Record, formula: str) -> Any:
        """Formulas made of parent paths joined with ``&`` and quoted literals; else null."""
        parts = _formula_parts(formula)
        if parts is None:
            return None
        out: list[str] = []
        for literal, path in parts:
            if path is None:
                out.append(literal)
            else:
                value = self._resolve_path(sobject, record, path)
                out.append("" if value is None else str(value))
        text = "".join(out).strip()
        return text or None


@functools.lru_cache(maxsize=256)
def _formula_parts(formula: str) -> tuple[tuple[str, list[str] | None], ...] | None:
    """A formula's ``&``-joined parts, read once per formula (every insert computes them):
    ``(literal, None)`` or ``("", path)``; None for a formula of any other shape."""
    out: list[tuple[str, list[str] | None]] = []
    for part in (p.strip() for p in formula.split("&")):
        if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
            out.append((part[1:-1], None))
        elif re.fullmatch(r"[A-Za-z_][\w.]*", part):
            out.append(("", part.split(".")))
        else:
            return None
    return tuple(out)


def _id_or_text(value: Any) -> Any:
    """Ids compare in their 18-character form (a filter may hold either length)."""
    if isinstance(value, str) and looks_like_id(value):
        return to_18(value)
    return value
