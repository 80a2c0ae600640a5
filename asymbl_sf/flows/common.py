"""Small helpers every flow shares: id checks and query rows."""

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
