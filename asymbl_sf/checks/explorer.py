"""The custom field explorer: an object's fields as the org describes them, and which of them
the mapping uses."""

from __future__ import annotations

import re
from typing import Any

from asymbl_sf.errors import ConfigurationError, SalesforceError
from asymbl_sf.mapping import Mapping
from asymbl_sf.salesforce.api import SalesforceApi
from asymbl_sf.schema import SObjectDescribe

from .suggest import close_names, did_you_mean

_OBJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def used_fields(mapping: Mapping | None, sobject: str) -> set[str]:
    """Lower-case names of the fields of ``sobject`` the mapping writes, falls back to, or
    (for jobs) looks ``remote:`` ids up by."""
    if mapping is None:
        return set()
    used: set[str] = set()
    for key, obj in mapping.objects.items():
        if key.lower() != sobject.lower():
            continue
        for name, spec in obj.fields.items():
            used.add(name.lower())
            if spec.fallback_field:
                used.add(spec.fallback_field.lower())
    if sobject.lower() == "bpats__job__c":
        used.add(mapping.settings.job_remote_key.lower())
    return used


def field_rows(
    describe: SObjectDescribe, mapping: Mapping | None = None, *, custom_only: bool = False
) -> list[dict[str, Any]]:
    """One row per field: name, label, type, length, required, picklist values, whether the
    mapping uses it (and what the org lets a write do with it)."""
    used = used_fields(mapping, describe.name)
    rows = []
    for fd in describe.fields:
        if custom_only and not fd.custom:
            continue
        rows.append(
            {
                "name": fd.name,
                "label": fd.label,
                "type": fd.type,
                "length": fd.length if fd.has_length_limit else None,
                "required": fd.required_on_create,
                "createable": fd.createable,
                "updateable": fd.updateable,
                "custom": fd.custom,
                "picklist_values": fd.active_picklist_values,
                "restricted_picklist": fd.restrictedPicklist,
                "reference_to": list(fd.referenceTo),
                "used_by_mapping": fd.name.lower() in used,
            }
        )
    return rows


def describe_object(api: SalesforceApi, sobject: str) -> SObjectDescribe:
    """A fresh describe of ``sobject``; an unknown object is a ``NOT_FOUND``
    :class:`SalesforceError` that names the closest objects the org has."""
    if not _OBJECT_NAME.match(sobject):
        raise ConfigurationError(
            f"{sobject!r} is not an object API name (e.g. Contact, bpats__Job__c)"
        )
    try:
        body = api.restful(f"sobjects/{sobject}/describe")
    except SalesforceError as exc:
        if exc.error_code not in ("NOT_FOUND", "INVALID_TYPE"):
            raise
        listing = api.restful("sobjects")
        names = [
            str(o.get("name"))
            for o in (listing or {}).get("sobjects", [])
            if isinstance(o, dict) and o.get("name")
        ]
        hint = did_you_mean(close_names(sobject, ((n, None) for n in names)))
        raise SalesforceError(
            f"no object `{sobject}` in this org" + (f"; {hint}" if hint else ""),
            error_code="NOT_FOUND",
            status=404,
        ) from None
    return api.remember_describe(body)


def object_fields(
    api: SalesforceApi, sobject: str, mapping: Mapping | None = None, *, custom_only: bool = False
) -> list[dict[str, Any]]:
    """:func:`field_rows` of ``sobject`` as the org describes it now (one API call)."""
    return field_rows(describe_object(api, sobject), mapping, custom_only=custom_only)
