"""A field or object the org does not have, traced back to the read mapping line naming it.

Salesforce refuses a query naming an unknown field with ``INVALID_FIELD`` ("No such column
'Nmae' on entity 'bpats__Job__c'"). That is a mistake in the read mapping (or a field this org
lacks), so the error is turned into a :class:`~asymbl_sf.errors.MappingError` pointing at the
file and line that name it, saying what to do. Nothing is checked before the first query: that
would cost a describe call per object on every read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from asymbl_sf.errors import AsymblError, MappingError, Problem, SalesforceError
from asymbl_sf.models.problems import format_loc
from asymbl_sf.reading.spec import ReadMapping

_QUOTED = re.compile(r"'([A-Za-z][A-Za-z0-9_]*)'")
_CODES = {"INVALID_FIELD", "INVALID_TYPE"}

Loc = tuple[Any, ...]


def _named(mapping: ReadMapping) -> Iterator[tuple[Loc, str]]:
    """Every ``(loc, Salesforce name)`` the mapping writes: sObjects, fields, paths."""
    for model, spec in mapping.models.items():
        base: Loc = ("models", model)
        yield (*base, "sobject"), spec.sobject
        for key, field_spec in spec.fields.items():
            for name in field_spec.fields:
                yield (*base, "fields", key), name
        for key, name in spec.custom_fields.items():
            yield (*base, "custom_fields", key), name
        for i, name in enumerate(spec.order_by):
            yield (*base, "order_by", i), name
        for i, member in enumerate(spec.members):
            yield (*base, "members", i, "field"), member.field
        for i, rule in enumerate(spec.outcome):
            for name in rule.when:
                yield (*base, "outcome", i, "when", name), name


def explain(error: SalesforceError, mapping: ReadMapping) -> AsymblError:
    """A :class:`MappingError` at the mapping lines naming what Salesforce did not know, or
    ``error`` itself when the mapping does not name it."""
    if error.error_code not in _CODES:
        return error
    # Salesforce puts the query excerpt, a caret and "ERROR at Row..." before the sentence
    # that matters; its first sentence names the unknown field (quoted first).
    core = error.message.strip().splitlines()[-1] if error.message.strip() else ""
    sentence = core.split(". ")[0].rstrip(".") + "."
    found = _QUOTED.search(sentence)
    if found is None:
        return error
    unknown = found.group(1).lower()
    relationship = "relationship" in sentence.lower()
    problems = []
    for loc, name in _named(mapping):
        is_object = loc[-1] == "sobject"
        if (error.error_code == "INVALID_TYPE") != is_object:
            continue
        parts = [p.lower() for p in name.split(".")]
        candidates = parts[:-1] if relationship else parts[-1:]
        if unknown in candidates:
            source, line, column = mapping.position(loc)
            problems.append(
                Problem(
                    format_loc(loc),
                    f"Salesforce does not know '{name}' ({sentence}); fix the "
                    "name, or remove it if this org does not have it",
                    source,
                    line,
                    column,
                )
            )
    return MappingError(problems) if problems else error
