"""One input record's result, as the results file and an import's summary hold it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass
class ResultRow:
    """The outcome of one input record."""

    line: int
    source_id: str | None
    outcome: str
    contact_id: str | None = None
    application_id: str | None = None
    error_code: str | None = None
    message: str | None = None
    field: str | None = None
    warnings: list[str] = dataclasses.field(default_factory=list)
    #: Per file: ``{"path", "name", "outcome", "id", "error"}``.
    files: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    #: Per activity: ``{"path", "outcome", "id", "error"}``.
    activities: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        # Spelled out: dataclasses.asdict deep-copies, which is most of the cost of a row.
        return {
            "line": self.line,
            "source_id": self.source_id,
            "outcome": self.outcome,
            "contact_id": self.contact_id,
            "application_id": self.application_id,
            "error_code": self.error_code,
            "message": self.message,
            "field": self.field,
            "warnings": list(self.warnings),
            "files": list(self.files),
            "activities": list(self.activities),
        }


def failed_row(
    line: int,
    source_id: str | None,
    code: str,
    message: str,
    field: str | None = None,
    warnings: list[str] | None = None,
) -> ResultRow:
    return ResultRow(
        line,
        source_id,
        "failed",
        error_code=code,
        message=message,
        field=field,
        warnings=list(warnings or []),
    )
