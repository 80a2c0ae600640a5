"""Parents and children: what deleting a record does to the records that point at it, and what
undeleting it gives back, as Salesforce does.

Every lookup of the schema to an object is a *child relationship* of that object (its describe
lists them as ``childRelationships``), with one of three delete rules:

* **cascade**: the children are deleted with the parent (a master-detail, a Task's ``WhoId`` and
  ``WhatId``, a file's ``ContentDocumentLink``), and come back with it;
* **restrict**: the parent cannot be deleted while it has children (``DELETE_FAILED``): what
  Salesforce forces on a required lookup (an applicant's ``bpats__Stage__c``), or a lookup whose
  describe says ``restrictedDelete``;
* **set null** (any other lookup: Salesforce's default "clear the value of this field"): the
  children stay, their lookup emptied; an undelete puts the value back where it is still empty.

What a delete did is kept on the deleted record (``TOMBSTONE``) so the undelete can reverse it;
it never appears in an answer (queries select their fields by name).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from asymbl_sf.schema import OrgSchema

Rule = Literal["cascade", "restrict", "setnull"]

#: The deleted record's memory of what its delete did: ``{"cascaded": [[object, id], ...],
#: "nulled": [[object, id, field], ...]}``.
TOMBSTONE = "__deleted_with__"

#: Lookups Salesforce deletes with their parent although the describe says nothing more than
#: "reference": activities go with the record they are about, file links with their record.
_CASCADES = frozenset(
    {
        ("task", "whoid"),
        ("task", "whatid"),
        ("contentdocumentlink", "linkedentityid"),
        ("contentdocumentlink", "contentdocumentid"),
        ("contentversion", "contentdocumentid"),
    }
)
#: Audit and owner fields: every record has them, no delete rule applies to them.
_SYSTEM = frozenset({"createdbyid", "lastmodifiedbyid", "ownerid"})


@dataclass(frozen=True)
class ChildRelation:
    child: str
    field: str
    rule: Rule
    #: The relationship's name on the parent side (``Tasks``), when the describe gives one.
    name: str | None = None

    def describe(self) -> dict[str, Any]:
        """The ``childRelationships`` entry of the parent's describe."""
        return {
            "cascadeDelete": self.rule == "cascade",
            "childSObject": self.child,
            "deprecatedAndHidden": False,
            "field": self.field,
            "junctionIdListNames": [],
            "junctionReferenceTo": [],
            "relationshipName": self.name,
            "restrictedDelete": self.rule == "restrict",
        }


def child_relations(schema: OrgSchema, parent: str) -> list[ChildRelation]:
    """Every lookup of the schema to ``parent``, with its delete rule."""
    wanted = parent.lower()
    out: list[ChildRelation] = []
    for describe in schema:
        for field in describe.fields:
            if field.type != "reference" or field.name.lower() in _SYSTEM:
                continue
            if wanted not in (t.lower() for t in field.referenceTo):
                continue
            extra = field.model_extra or {}
            rule: Rule
            if (
                extra.get("cascadeDelete")
                or (describe.name.lower(), field.name.lower()) in _CASCADES
            ):
                rule = "cascade"
            elif extra.get("restrictedDelete") or not field.nillable:
                rule = "restrict"
            else:
                rule = "setnull"
            out.append(
                ChildRelation(describe.name, field.name, rule, extra.get("childRelationshipName"))
            )
    return out


def walk(tree: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """``(object, id)`` of every record a tombstone says was deleted with its parent."""
    for sobject, record_id in tree.get("cascaded", []):
        yield str(sobject), str(record_id)
