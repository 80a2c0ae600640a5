"""One valid body per dialect and payload kind, with the ids each parse takes from its URL."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from asymbl_sf.models import (
    parse_activity,
    parse_application,
    parse_attachment,
    parse_candidate,
    parse_stage_move,
)
from asymbl_sf.schema.ids import make_id
from tests.properties.strategies import load_fixture

JOB = make_id("a0J", 1)
APPLICATION = make_id("a0A", 1)

PARSERS: dict[str, Callable[..., Any]] = {
    "application": parse_application,
    "candidate": parse_candidate,
    "attachment": parse_attachment,
    "activity": parse_activity,
    "stage_move": parse_stage_move,
}


@dataclass(frozen=True, repr=False)
class Case:
    """A valid ``body`` of ``kind`` in ``dialect``, parsed with ``ids`` (the URL's part)."""

    dialect: str
    kind: str
    body: dict[str, Any]
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.dialect}-{self.kind}"

    def __repr__(self) -> str:  # failing examples print the case by name, not its whole body
        return f"<{self.name}>"

    def parse(self, body: Any, *, dialect: str | None = None) -> Any:
        return PARSERS[self.kind](body, dialect=dialect, **self.ids)


def _with(body: dict[str, Any], parent: str, key: str) -> dict[str, Any]:
    """``body`` whose ``parent.key`` names the seeded job (the samples carry vendor ids)."""
    return {**body, parent: {**body[parent], key: JOB}}


_CV = base64.b64encode(b"Hi there, this is a CV.").decode()

CASES = [
    Case("kombo", "application", load_fixture("kombo_application"), {"job_id": JOB}),
    Case("kombo", "candidate", _with(load_fixture("kombo_candidate"), "application", "job_id")),
    Case(
        "kombo",
        "attachment",
        {"name": "CV.txt", "type": "CV", "content_type": "text/plain", "data": _CV},
        {"application_id": APPLICATION},
    ),
    Case(
        "kombo",
        "activity",
        {"content": "Called the candidate.", "content_type": "PLAIN_TEXT"},
        {"application_id": APPLICATION},
    ),
    Case("kombo", "stage_move", {"stage_id": "Interview"}, {"application_id": APPLICATION}),
    Case("merge", "application", _with(load_fixture("merge_application"), "model", "job")),
    Case("merge", "candidate", load_fixture("merge_candidate")),
    Case("merge", "attachment", load_fixture("merge_attachment")),
    Case("merge", "activity", load_fixture("merge_activity_email")),
    Case(
        "merge", "stage_move", {"job_interview_stage": "Interview"}, {"application_id": APPLICATION}
    ),
    Case("truto", "application", load_fixture("truto_candidate"), {"job_id": JOB}),
    Case("truto", "candidate", load_fixture("truto_candidate")),
    Case("truto", "attachment", load_fixture("truto_attachment")),
    Case("truto", "activity", load_fixture("truto_activity")),
    Case("truto", "stage_move", load_fixture("truto_stage_move")),
]
