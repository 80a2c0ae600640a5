"""Small helpers every flow shares: id checks, query rows, stage lookup."""

from __future__ import annotations

from typing import Any

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.salesforce.api import SubResponse
from asymbl_sf.schema.ids import looks_like_id, to_18


def rows(answer: SubResponse | None) -> list[dict[str, Any]]:
    if answer is None or not answer.ok or not isinstance(answer.body, dict):
        return []
    return list(answer.body.get("records") or [])


def require_id(value: str, path: str, what: str) -> str:
    text = (value or "").strip()
    if not looks_like_id(text):
        raise PayloadError(
            Problem(
                path,
                f"must be the Salesforce id of {what} (15 or 18 characters), got {text[:40]!r}",
            )
        )
    return to_18(text)


def find_stage(stages: list[dict[str, Any]], wanted: str) -> dict[str, Any] | None:
    """A stage of the job by Salesforce id (15 or 18), ``remote:<name>`` or name (any case)."""
    text = wanted.strip()
    if looks_like_id(text):
        full = to_18(text)
        return next((s for s in stages if to_18(s["Id"]) == full), None)
    if text.lower().startswith("remote:"):
        text = text[len("remote:") :].strip()
    return next((s for s in stages if str(s.get("Name", "")).lower() == text.lower()), None)
