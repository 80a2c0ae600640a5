"""What rendering gives: the records a payload would become, with the warnings and problems.

Apart from :mod:`asymbl_sf.mapping.render` so the code generated for each mapping object
(:mod:`asymbl_sf.mapping.codegen`) can build records without importing the renderer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.mapping.spec import MatchSpec


@dataclass
class PlannedRecord:
    """One record the write flow would create (or match against existing ones)."""

    sobject: str
    #: Unique in the plan: ``Contact``, ``bpats__ATS_Applicant__c``, ``ContentVersion[0]``.
    key: str
    #: Field values, in the JSON form Salesforce takes.
    fields: dict[str, Any] = field(default_factory=dict)
    #: ``field → ref`` placeholders the flow resolves: for an application ``Contact`` (another
    #: object's key), ``job``, ``stage``, ``user``; for an activity ``Contact`` (the candidate's),
    #: ``application``, ``user``.
    refs: dict[str, str] = field(default_factory=dict)
    #: Developer name of the record type wanted for ``RecordTypeId`` (the flow resolves it when
    #: ``fields`` has no id for it yet, and leaves it out when the org has no such record type).
    record_type: str | None = None
    #: ``field → canonical path`` the value came from, for error messages.
    source_path: dict[str, str] = field(default_factory=dict)
    #: The object's match rule (None: always create).
    match: MatchSpec | None = None
    #: Path of the canonical object the record was made from (``candidate``, ``attachments[0]``;
    #: the kind's name, ``application`` or ``activity``, for the payload itself).
    item_path: str = ""
    #: That object itself; for a ContentVersion, the :class:`Attachment` whose bytes the writer
    #: uploads as ``VersionData`` (bytes are never copied into ``fields``).
    item: Any = field(default=None, repr=False)

    @property
    def record_type_field(self) -> str | None:
        return "RecordTypeId" if self.record_type else None


@dataclass
class RenderedPlan:
    records: list[PlannedRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: The payload's kind (``application``, ``activity``): which objects were rendered.
    kind: str = "application"

    @property
    def ok(self) -> bool:
        return not self.problems

    def record(self, key: str) -> PlannedRecord | None:
        return next((r for r in self.records if r.key == key), None)

    def records_for(self, sobject: str) -> list[PlannedRecord]:
        return [r for r in self.records if r.sobject.lower() == sobject.lower()]

    def raise_for_problems(self, source: str | None = None) -> None:
        """Raise :class:`PayloadError` with every problem, if there are any."""
        if self.problems:
            raise PayloadError(p.with_source(source) if source else p for p in self.problems)
