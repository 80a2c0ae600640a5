"""Shared by the model tests: the seed payloads, job ids, and the problems a parse reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from asymbl_sf.errors import PayloadError
from asymbl_sf.schema.ids import make_id

PAYLOADS = Path(__file__).parent.parent / "fixtures" / "payloads"
JOB = make_id("a0J", 1)
OTHER_JOB = make_id("a0J", 2)


def load(name: str) -> dict[str, Any]:
    """The seed payload ``tests/fixtures/payloads/<name>.json``."""
    return json.loads((PAYLOADS / f"{name}.json").read_text())


def problems(parse: Any, payload: Any, **kwargs: Any) -> dict[str, str]:
    """``path → message`` of every problem ``parse(payload, **kwargs)`` raises."""
    with pytest.raises(PayloadError) as info:
        parse(payload, **kwargs)
    return {p.path: p.message for p in info.value.problems}
