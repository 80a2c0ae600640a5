"""Names to describes: the queried object, its fields and one-level parent fields.

A resolved field carries a getter (record -> stored value) so evaluation never looks a name up
again; parent records are fetched through ``QuerySource.get_record`` and cached per query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from asymbl_sf.schema import FieldDescribe, SObjectDescribe
from asymbl_sf.schema.ids import looks_like_id, to_18

from .errors import SoqlError, located
from .nodes import FieldPath

if TYPE_CHECKING:
    from .evaluate import QuerySource

Record = dict[str, Any]
#: Not in the parent cache (None there means "no such parent").
_UNKNOWN = object()

_NO_COLUMN_ADVICE = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom "
    "field name. Please reference your WSDL or the describe call for the appropriate names."
)
_NO_RELATIONSHIP_ADVICE = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the "
    "custom relationship name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
_NO_TYPE_ADVICE = (
    "If you are attempting to use a custom object, be sure to append the '__c' after the entity "
    "name. Please reference your WSDL or the describe call for the appropriate names."
)


@dataclass(frozen=True)
class ResolvedField:
    """A field of the queried object (``relationship`` None) or of a parent through one."""

    name: str  # canonical leaf name: "Name"
    type: str  # describe type of the leaf
    get: Callable[[Record], Any]  # stored value for a base record (parent fetched if needed)
    relationship: str | None = None  # canonical relationship name: "bpats__Stage__r"
    # (object name, parent record) for a base record, or None when the lookup is empty
    get_parent: Callable[[Record], tuple[str, Record] | None] | None = None
    filterable: bool = True  # the leaf's describe ``filterable``: may appear in WHERE
    sortable: bool = True  # the leaf's describe ``sortable``: may appear in ORDER BY
    groupable: bool = True  # the leaf's describe ``groupable``: may appear in GROUP BY


class Resolver:
    """Resolves names for one query execution and caches parent look-ups."""

    def __init__(self, source: QuerySource, text: str) -> None:
        self.source = source
        self.text = text
        self._parents: dict[str, tuple[str, Record] | None] = {}

    def describe(self, name: str, pos: int) -> SObjectDescribe:
        describe = self.source.describe(name)
        if describe is None or not describe.queryable:
            message = f"sObject type '{name}' is not supported. {_NO_TYPE_ADVICE}"
            raise SoqlError("INVALID_TYPE", located(self.text, pos, message))
        return describe

    def field(self, base: SObjectDescribe, path: FieldPath) -> ResolvedField:
        parts = path.parts
        if (
            len(parts) == 2
            and base.relationship(parts[0]) is None
            and (parts[0].lower() == base.name.lower())
        ):
            parts = parts[1:]  # "Contact.Email FROM Contact": qualified by the object's own name
        if len(parts) == 1:
            f = self._leaf(base, parts[0], path.pos)
            name = f.name
            return ResolvedField(
                name,
                f.type,
                lambda rec: rec.get(name),
                filterable=f.filterable,
                sortable=f.sortable,
                groupable=f.groupable,
            )
        rel_name, leaf_name = parts
        ref = base.relationship(rel_name)
        targets = [] if ref is None else [self.source.describe(t) for t in ref.referenceTo]
        parents = [d for d in targets if d is not None]
        if ref is None or not parents:
            message = f"Didn't understand relationship '{rel_name}' in field path. "
            raise SoqlError(
                "INVALID_FIELD", located(self.text, path.pos, message + _NO_RELATIONSHIP_ADVICE)
            )
        leaf_pos = path.pos + len(rel_name) + 1
        found = [d.field(leaf_name) for d in parents]
        leaf = next((f for f in found if f is not None), None)
        if leaf is None:
            # Polymorphic lookups (WhoId) name the first target, as good a guess as any.
            self._leaf(parents[0], leaf_name, leaf_pos)
            raise AssertionError("unreachable")
        ref_name, leaf_canonical = ref.name, leaf.name
        by_prefix = {d.keyPrefix: d for d in parents if d.keyPrefix}
        single = parents[0] if len(parents) == 1 else None

        def get_parent(rec: Record) -> tuple[str, Record] | None:
            return self.parent(rec.get(ref_name), single, by_prefix)

        def get(rec: Record) -> Any:
            parent = get_parent(rec)
            return None if parent is None else parent[1].get(leaf_canonical)

        rel = ref.parent_relationship_name or rel_name
        return ResolvedField(
            leaf.name,
            leaf.type,
            get,
            rel,
            get_parent,
            filterable=leaf.filterable,
            sortable=leaf.sortable,
            groupable=leaf.groupable,
        )

    def filter_field(self, base: SObjectDescribe, path: FieldPath) -> ResolvedField:
        """``field`` for a WHERE condition. A field whose describe says ``filterable: false``
        (long and rich text areas, base64, encrypted text) is refused whatever the operator,
        ``= null`` included, with Salesforce's error."""
        f = self.field(base, path)
        if not f.filterable:
            message = f"field '{f.name}' can not be filtered in a query call"
            raise SoqlError("INVALID_FIELD", located(self.text, path.pos, message))
        return f

    def sort_field(self, base: SObjectDescribe, path: FieldPath) -> ResolvedField:
        """``field`` for ORDER BY. A field whose describe says ``sortable: false`` (long and
        rich text areas, multi-select picklists, base64, encrypted text) is refused."""
        f = self.field(base, path)
        if not f.sortable:
            # Salesforce answers MALFORMED_QUERY here, not the INVALID_FIELD of a WHERE.
            message = f"field '{f.name}' can not be sorted in a query call"
            raise SoqlError("MALFORMED_QUERY", located(self.text, path.pos, message))
        return f

    def group_field(self, base: SObjectDescribe, path: FieldPath) -> ResolvedField:
        """``field`` for GROUP BY. A field whose describe says ``groupable: false`` (long text,
        formulas, multi-select picklists, ...) is refused with Salesforce's error."""
        f = self.field(base, path)
        if not f.groupable:
            message = f"field '{f.name}' can not be grouped in a query call"
            raise SoqlError("MALFORMED_QUERY", located(self.text, path.pos, message))
        return f

    def parent(
        self, ref_value: Any, single: SObjectDescribe | None, by_prefix: dict[str, SObjectDescribe]
    ) -> tuple[str, Record] | None:
        """(object name, record) of the parent ``ref_value`` points at, or None."""
        if not ref_value:
            return None
        raw = str(ref_value)
        known = self._parents.get(raw, _UNKNOWN)
        if known is not _UNKNOWN:  # most rows share their parents: no id check again
            return known  # type: ignore[return-value]
        key = to_18(raw) if looks_like_id(raw) else raw
        if key in self._parents:
            self._parents[raw] = self._parents[key]
            return self._parents[key]
        target = single or by_prefix.get(key[:3])
        found: tuple[str, Record] | None = None
        if target is not None:
            rec = self.source.get_record(target.name, key)
            found = None if rec is None else (target.name, rec)
        self._parents[key] = self._parents[raw] = found
        return found

    def _leaf(self, describe: SObjectDescribe, name: str, pos: int) -> FieldDescribe:
        f = describe.field(name)
        if f is None:
            message = f"No such column '{name}' on entity '{describe.name}'. {_NO_COLUMN_ADVICE}"
            raise SoqlError("INVALID_FIELD", located(self.text, pos, message))
        return f
