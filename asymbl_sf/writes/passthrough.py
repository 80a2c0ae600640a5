"""Passthrough values (Kombo ``remote_fields``, Merge ``integration_params``, Truto
``remote_data``) reach Salesforce only where the mapping names them; the rest is reported.

Writing unnamed keys straight into sObject fields would let a payload set any field of the org,
so they are ignored, with a warning that says how to map them.
"""

from __future__ import annotations

from typing import Any

from asymbl_sf.mapping import Mapping

PASSTHROUGH = ("remote_fields", "remote_data")


def _used_paths(mapping: Mapping, kind: str) -> set[str]:
    used: set[str] = set()
    for obj in mapping.objects_for(kind).values():
        base = "" if obj.is_root else obj.from_
        for spec in obj.fields.values():
            if spec is None:
                continue
            for path in spec.payload_paths:
                if path.startswith("$."):
                    used.add(path[2:])
                else:
                    used.add(f"{base}.{path}" if base else path)
    return {p.replace("[", ".[") for p in used}


def unmapped_passthrough(payload: Any, mapping: Mapping, kind: str = "application") -> list[str]:
    """A warning per passthrough key of ``payload`` that no mapped field reads."""
    owners: list[tuple[str, Any]] = [("", payload)]
    candidate = getattr(payload, "candidate", None)
    if candidate is not None:
        owners.append(("candidate", candidate))
    # A model's fields are in its __dict__; asking a model for a field it lacks (a candidate
    # has no remote_data) with getattr costs an AttributeError inside pydantic.
    keys = [
        f"{prefix}.{name}.{key}" if prefix else f"{name}.{key}"
        for prefix, owner in owners
        for name in PASSTHROUGH
        for key in getattr(owner, "__dict__", {}).get(name) or {}
    ]
    if not keys:
        # The common case, and the import's hot path: no passthrough, so no need to walk the
        # mapping for the paths it reads.
        return []
    used = _used_paths(mapping, kind)
    return [
        f"{path} is not mapped to any Salesforce field and was ignored; name it in your "
        "mapping (e.g. MyField__c: {from: " + path + "}) to write it"
        for path in keys
        if not any(u == path or u.startswith(path + ".") for u in used)
    ]
