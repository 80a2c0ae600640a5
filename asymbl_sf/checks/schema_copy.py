"""Copy a real org's describes, so imports and checks can be rehearsed offline against that
org's own fields and picklist values (``asymbl-sf org load-schema``).

Describes come from the org itself (Composite calls of 25 describes each) or from a folder of
describe JSON files someone saved (``--save`` writes such a folder). They are laid over the
local org's current schema: an object not copied keeps its current describe. An object the
local org already has keeps its key prefix, because its existing records' ids carry it (a real
org's custom objects have their own prefixes, and a changed prefix would orphan those records).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from asymbl_sf.errors import ConfigurationError, SalesforceError
from asymbl_sf.mapping import Mapping
from asymbl_sf.salesforce.api import SalesforceApi, SubRequest
from asymbl_sf.schema import OrgSchema, SObjectDescribe

from .snapshot import MAX_SUBREQUESTS


def objects_to_copy(mappings: Iterable[Mapping]) -> list[str]:
    """Every object asymbl-sf reads or writes: the packaged Asymbl set and each mapping's."""
    names = OrgSchema.packaged().names()
    for mapping in mappings:
        names.extend(mapping.objects)
    return list({n.lower(): n for n in names}.values())


@dataclass
class FetchedDescribes:
    """Describe bodies as the org returned them, and the objects it does not have."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    #: Objects in the org's global describe (empty when read from a folder).
    org_objects: int = 0


def fetch_describes(api: SalesforceApi, names: Sequence[str]) -> FetchedDescribes:
    """The describes of ``names`` from the org: the global describe and 24 describes in the
    first Composite call, then 25 per call."""
    subs = [SubRequest("GET", api.describe_url(n), f"d{i}") for i, n in enumerate(names)]
    first = [SubRequest("GET", f"{api.base_path}/sobjects", "global"), *subs[: MAX_SUBREQUESTS - 1]]
    rest = subs[MAX_SUBREQUESTS - 1 :]
    batches = [first] + [
        rest[i : i + MAX_SUBREQUESTS] for i in range(0, len(rest), MAX_SUBREQUESTS)
    ]
    out = FetchedDescribes()
    for batch in batches:
        answers = api.composite(batch, all_or_none=False)
        listing = answers.get("global")
        if listing is not None and listing.ok and isinstance(listing.body, dict):
            out.org_objects = len(listing.body.get("sobjects") or [])
        for sub in batch:
            if sub.reference_id == "global":
                continue
            name = names[int(sub.reference_id[1:])]
            answer = answers.get(sub.reference_id)
            if answer is not None and answer.ok and isinstance(answer.body, dict):
                out.bodies.append(answer.body)
            elif answer is not None and answer.error().error_code in ("NOT_FOUND", "INVALID_TYPE"):
                out.missing.append(name)
            else:
                error = answer.error() if answer else SalesforceError(f"no answer for {name}")
                raise SalesforceError(
                    f"describe of {name} failed: {error.message}",
                    error_code=error.error_code,
                    status=error.status,
                )
    return out


def read_directory(path: Path) -> FetchedDescribes:
    """Every ``*.json`` describe in ``path``; a file that is not one is an error naming it."""
    if not path.is_dir():
        raise ConfigurationError(f"{path} is not a folder of describe JSON files")
    out = FetchedDescribes()
    for file in sorted(path.glob("*.json")):
        try:
            body = json.loads(file.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"{file}: not readable JSON ({exc})") from None
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("fields"), list)
            or not isinstance(body.get("name"), str)
        ):
            raise ConfigurationError(
                f"{file}: not a describe (GET sobjects/OBJECT/describe gives an object with "
                "'name' and 'fields')"
            )
        out.bodies.append(body)
    if not out.bodies:
        raise ConfigurationError(f"no *.json describe files in {path}")
    return out


def save_directory(bodies: Iterable[dict[str, Any]], path: Path) -> list[Path]:
    """Write each describe to ``path/OBJECT.json`` (the folder ``--from`` reads)."""
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for body in bodies:
        target = path / f"{body['name']}.json"
        target.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written


@dataclass
class Overlay:
    schema: OrgSchema
    copied: list[str] = field(default_factory=list)
    #: ``object → (the org's prefix, the kept local prefix)`` where they differ.
    kept_prefixes: dict[str, tuple[str, str]] = field(default_factory=dict)


def overlay(current: OrgSchema, bodies: Iterable[dict[str, Any]]) -> Overlay:
    """``current`` with each describe of ``bodies`` in place of its own (see the module
    docstring for key prefixes). A body that is not a valid describe is an error naming it."""
    copied: dict[str, SObjectDescribe] = {}
    out = Overlay(OrgSchema())
    for body in bodies:
        try:
            describe = SObjectDescribe.model_validate(body)
        except ValidationError as exc:
            name = body.get("name", "?") if isinstance(body, dict) else "?"
            raise ConfigurationError(
                f"describe of {name} is not valid: {exc.errors()[0]['msg']}"
            ) from None
        mine = current.get(describe.name)
        if mine is not None and mine.keyPrefix and describe.keyPrefix != mine.keyPrefix:
            out.kept_prefixes[describe.name] = (str(describe.keyPrefix), mine.keyPrefix)
            describe = describe.model_copy(update={"keyPrefix": mine.keyPrefix})
        copied[describe.name.lower()] = describe
        out.copied.append(describe.name)
    for describe in current:
        out.schema.add(copied.pop(describe.name.lower(), describe))
    for describe in copied.values():
        out.schema.add(describe)
    return out
