"""``did you mean ...?``: the closest names an org really has, for a name it does not.

Names are compared case-insensitively with :func:`difflib.get_close_matches` on three spellings
of each candidate: its API name, its label (admins often type what they see in Setup: "Desired
Salary"), and its API name without the namespace (``Source__c`` for ``bpats__Source__c``).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_NAMESPACE = re.compile(r"^[A-Za-z0-9]+__(?=.+__[a-z]+$)")
_CUTOFF = 0.6
#: How much less alike than the best match a name may be and still be suggested.
_MARGIN = 0.08


def _spellings(name: str, label: str | None) -> list[str]:
    out = [name.lower()]
    if label:
        out.append(label.lower())
    bare = _NAMESPACE.sub("", name)
    if bare != name:
        out.append(bare.lower())
    return out


def close_names(
    wanted: str, candidates: Iterable[tuple[str, str | None]], *, limit: int = 3
) -> list[str]:
    """API names among ``(api_name, label)`` candidates that look like ``wanted``, best first.

    Only the names about as close as the best one are kept: `Emial` suggests `Email`, not every
    field with an "e" and an "l" in it.
    """
    probes = list(dict.fromkeys((wanted.lower(), _NAMESPACE.sub("", wanted).lower())))
    scores: dict[str, float] = {}
    for name, label in candidates:
        if name.lower() == wanted.lower():
            continue
        score = max(
            difflib.SequenceMatcher(None, probe, spelling).ratio()
            for probe in probes
            for spelling in _spellings(name, label)
        )
        if score >= _CUTOFF:
            scores[name] = max(score, scores.get(name, 0.0))
    if not scores:
        return []
    best = max(scores.values())
    close = sorted((n for n, s in scores.items() if s >= best - _MARGIN), key=lambda n: -scores[n])
    return close[:limit]


def did_you_mean(names: list[str]) -> str | None:
    """``did you mean `Email`?`` / ``did you mean `A` or `B`?``; None for no names."""
    if not names:
        return None
    quoted = [f"`{n}`" for n in names]
    options = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
    return f"did you mean {options}?"


def close_values(wanted: str, allowed: Iterable[str], *, limit: int = 2) -> list[str]:
    """Picklist values that look like ``wanted`` (case-insensitive)."""
    by_lower = {v.lower(): v for v in allowed}
    matches = difflib.get_close_matches(wanted.lower(), list(by_lower), n=limit, cutoff=_CUTOFF)
    return [by_lower[m] for m in matches]
