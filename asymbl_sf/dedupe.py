"""Email normalisation and the match policy for existing Contacts, as pure functions.

Salesforce compares email with ``=`` case-insensitively, but stores what it is given; trimming and
lower-casing before both the lookup and the write keeps one spelling per person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

WhenFound = Literal["reuse", "fill_blanks", "update"]
WhenMany = Literal["oldest", "newest", "fail"]


def normalize_email(value: object) -> str | None:
    """``'  Jane@X.com '`` → ``'jane@x.com'``; empty or non-text → None."""
    if not isinstance(value, str):
        return None
    cleaned = value.strip().lower()
    return cleaned or None


def choose_match(
    matches: Sequence[Mapping[str, Any]], when_many: WhenMany
) -> tuple[Mapping[str, Any] | None, str | None]:
    """The record to reuse among ``matches`` (already ordered oldest first) and a warning.

    Returns ``(None, None)`` when there is no match; raises ``ValueError`` when several match and
    the policy is ``fail``.
    """
    if not matches:
        return None, None
    if len(matches) == 1:
        return matches[0], None
    ids = ", ".join(str(m.get("Id")) for m in matches)
    if when_many == "fail":
        raise ValueError(f"{len(matches)} Contacts match ({ids}); the mapping says when_many: fail")
    chosen = matches[0] if when_many == "oldest" else matches[-1]
    return chosen, (
        f"{len(matches)} Contacts have this email ({ids}); used the {when_many} one, "
        f"{chosen.get('Id')}"
    )


def updates_for(
    when_found: WhenFound, existing: Mapping[str, Any], planned: Mapping[str, Any]
) -> dict[str, Any]:
    """The fields to write on a reused record under the policy.

    ``reuse`` writes nothing (Kombo's rule: the Contact is not updated); ``fill_blanks`` writes
    only fields that are empty on the existing record; ``update`` writes every planned value that
    differs.
    """
    if when_found == "reuse":
        return {}
    out: dict[str, Any] = {}
    for name, value in planned.items():
        if value is None:
            continue
        current = _get(existing, name)
        if when_found == "fill_blanks" and current not in (None, ""):
            continue
        if current != value:
            out[name] = value
    return out


def _get(record: Mapping[str, Any], name: str) -> Any:
    for key, value in record.items():
        if key.lower() == name.lower():
            return value
    return None
