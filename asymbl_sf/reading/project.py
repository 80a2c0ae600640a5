"""From one query row to a unified object: the mapped keys, and the keys every model shares.

A :class:`Projection` is a model's read mapping compiled once: the fields to select and the
getters that fill its keys. ``via`` reads the same mapping through a lookup (the candidate
inside an application is the candidates mapping read through ``bpats__ATS_Applicant__r``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asymbl_sf.reading.convert import (
    Getter,
    Row,
    compile_spec,
    get_path,
    plain,
    prefixed,
    to_datetime,
)
from asymbl_sf.reading.soql import SYSTEM_FIELDS
from asymbl_sf.reading.spec import ModelSpec


def set_key(out: dict[str, Any], key: str, value: Any) -> None:
    """``out["location"]["raw"] = value`` for the key ``location.raw``."""
    head, _, rest = key.partition(".")
    if rest:
        nested = out.get(head)
        if not isinstance(nested, dict):
            nested = out[head] = {}
        set_key(nested, rest, value)
    else:
        out[head] = value


class Projection:
    """The mapped part of one model: which fields it reads and how it fills its keys."""

    def __init__(
        self,
        spec: ModelSpec,
        *,
        keys: Iterable[str] | None = None,
        via: str | None = None,
        custom_fields: bool = True,
    ) -> None:
        wanted = None if keys is None else set(keys)
        chosen = {k: s for k, s in spec.fields.items() if wanted is None or k in wanted}
        self._getters: list[tuple[str, Getter]] = [
            (key, compile_spec(field_spec, key, via)) for key, field_spec in chosen.items()
        ]
        self._custom = (
            [(key, prefixed(path, via)) for key, path in spec.custom_fields.items()]
            if custom_fields
            else []
        )
        self.fields: list[str] = [
            *(prefixed(f, via) for s in chosen.values() for f in s.fields),
            *(path for _, path in self._custom),
        ]

    def fill(self, out: dict[str, Any], row: Row) -> None:
        for key, getter in self._getters:
            set_key(out, key, getter(row))
        if self._custom:
            out["custom_fields"] = {key: get_path(row, path) for key, path in self._custom}


def fill_system(
    out: dict[str, Any], row: Row, *, sobject: str, instance_url: str, remote_data: bool
) -> None:
    """The keys that come from Salesforce's system fields, the same for every model."""
    record_id = row.get("Id")
    out["id"] = out["remote_id"] = record_id
    changed = to_datetime(row.get("SystemModstamp"))
    out["changed_at"] = changed
    out["remote_created_at"] = to_datetime(row.get("CreatedDate"))
    out["remote_updated_at"] = to_datetime(row.get("LastModifiedDate"))
    # Salesforce keeps no deletion time: a deleted row's last SystemModstamp is its deletion.
    out["remote_deleted_at"] = changed if row.get("IsDeleted") else None
    if "remote_url" in out:
        out["remote_url"] = f"{instance_url}/{record_id}"
    if remote_data:
        # Kombo keys remote data by where it came from; here that is the sObject.
        out["remote_data"] = {sobject: plain(row)}


def system_fields(via: str | None = None) -> list[str]:
    return [prefixed(f, via) for f in SYSTEM_FIELDS]
