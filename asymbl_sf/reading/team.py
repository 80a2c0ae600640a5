"""A job's hiring team: the people its lookups name, with their roles.

Asymbl has no hiring-team object: a job has an owner (``OwnerId``), a sales lead and a delivery
lead (Users) and a hiring manager (a client-side Contact). The read mapping's ``hiring_team``
model lists those lookups with a label and a Kombo role; one person in two lookups is one member
with two roles.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.reading.convert import Row, get_path
from asymbl_sf.reading.soql import relationship_of
from asymbl_sf.reading.spec import MemberSpec, ModelSpec
from asymbl_sf.schema.ids import looks_like_id, to_18

#: Kombo's deprecated ``hiring_team_roles`` takes these only (``job_roles`` has them all).
_LEGACY_ROLES = ("RECRUITER", "HIRING_MANAGER", "COORDINATOR", "SOURCER", "INTERVIEWER")
_PERSON_FIELDS = ("FirstName", "LastName", "Email")


@dataclass
class Member:
    """One person on a job's team."""

    id: str
    person: str  # "user" or "contact"
    first_name: Any
    last_name: Any
    email: Any
    lookups: list[MemberSpec] = field(default_factory=list)

    @property
    def roles(self) -> list[str]:
        """The distinct unified roles, in the mapping's order."""
        out: list[str] = []
        for lookup in self.lookups:
            if lookup.role and lookup.role in _LEGACY_ROLES and lookup.role not in out:
                out.append(lookup.role)
        return out

    @property
    def job_roles(self) -> list[dict[str, Any]]:
        return [
            {
                "remote_id": lookup.field,
                "remote_label": lookup.label,
                "scope": "JOB",
                "unified_type": lookup.role,
            }
            for lookup in self.lookups
        ]

    def as_nested(self) -> dict[str, Any]:
        """Kombo's ``job.hiring_team[]`` entry."""
        return {
            "id": self.id,
            "remote_id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "email": self.email,
            "hiring_team_roles": self.roles,
            "job_roles": self.job_roles,
        }


class Team:
    """Reads the team from a job row (the people's names come through the lookups)."""

    def __init__(self, spec: ModelSpec) -> None:
        self.lookups = list(spec.members)

    @property
    def fields(self) -> list[str]:
        out: list[str] = []
        for lookup in self.lookups:
            relation = relationship_of(lookup.field)
            out.append(lookup.field)
            out.extend(f"{relation}.{name}" for name in _PERSON_FIELDS)
        return out

    def members(self, row: Row) -> Iterator[Member]:
        found: dict[str, Member] = {}
        for lookup in self.lookups:
            value = get_path(row, lookup.field)
            if not (isinstance(value, str) and looks_like_id(value)):
                continue
            person_id = to_18(value)
            member = found.get(person_id)
            if member is None:
                relation = relationship_of(lookup.field)
                first, last, email = (
                    get_path(row, f"{relation}.{name}") for name in _PERSON_FIELDS
                )
                member = found[person_id] = Member(person_id, lookup.person, first, last, email)
            member.lookups.append(lookup)
        yield from found.values()
