"""Required fields a mapping leaves empty.

Salesforce's rule (describe): a field is required on create when it is createable, not nillable
and not defaulted on create. Every object of a mapping is created, so a required field it does
not map fails every record with REQUIRED_FIELD_MISSING.
"""

from __future__ import annotations

import difflib

from asymbl_sf.mapping import Mapping, paths
from asymbl_sf.mapping.spec import ObjectSpec
from asymbl_sf.models.problems import models_in
from asymbl_sf.schema import SObjectDescribe

from .report import CheckItem

#: Fields the writer fills itself, whatever the mapping says.
WRITER_FILLED = {("contentversion", "versiondata")}


def _source_hint(obj: ObjectSpec, label: str) -> str | None:
    """A path of the object's canonical model whose name looks like the field's label
    (``Last Name`` → ``last_name``)."""
    try:
        root = paths.object_root_type(obj.from_, obj.for_)
    except ValueError:
        return None
    names = [n for model in models_in(root) for n in model.model_fields]
    wanted = "_".join(label.lower().split())
    found = difflib.get_close_matches(wanted, names, n=1, cutoff=0.75)
    return found[0] if found else None


def unmapped_required(
    mapping: Mapping, key: str, obj: ObjectSpec, describe: SObjectDescribe
) -> list[CheckItem]:
    """An error per required field of ``describe`` that ``obj`` does not map."""
    mapped = {name.lower() for name in obj.fields}
    where = mapping.position(("objects", key, "fields")) or mapping.position(("objects", key))
    items = []
    for fd in describe.fields:
        if not fd.required_on_create or fd.name.lower() in mapped:
            continue
        if (describe.name.lower(), fd.name.lower()) in WRITER_FILLED:
            continue
        hint = _source_hint(obj, fd.label or fd.name)
        example = f"`{fd.name}: {hint}`" if hint else f"`{fd.name}: {{from: ...}}`"
        items.append(
            CheckItem(
                "error",
                "field.required",
                f"`{fd.name}` is required on {describe.name} but the mapping leaves it empty: every "
                f"new {describe.name} fails with REQUIRED_FIELD_MISSING",
                describe.name,
                fd.name,
                suggestion=f"map it under objects.{key}.fields, e.g. {example}, or give it a "
                "constant with {value: ...}",
                source=where[0] if where else None,
                line=where[1] if where else None,
            )
        )
    return items
