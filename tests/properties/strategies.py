"""Hypothesis strategies for hostile input: any JSON value, hostile strings, and valid payloads
mutated at random paths. Shared by the property tests of this folder."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"

#: Fragments that break naive quoting in SOQL (and in Composite URLs): each must be matched
#: literally wherever it lands, never change what a query selects.
SOQL_FRAGMENTS = [
    "' OR Name != '",
    "\\' OR 1=1 --",
    "' OR Email LIKE '%",
    "%",
    "_",
    "\\%",
    "\\_",
    "\\",
    "\\\\",
    "'",
    '"',
    "\\'",
    "') OR (Id != '",
    "' LIMIT 1 --",
    "@{job.records[0].Id}",
    "@{contacts.records[0].Id}",
    "%27%20OR%20Name%20!%3D%20%27",
    "&q=SELECT+Id+FROM+User",
    "#",
    "+",
    "\\u0027",
    "\\n",
]

#: Characters that are awkward somewhere on the way to Salesforce: quotes, escapes, wildcards,
#: URL syntax, control characters, a BOM, a zero-width joiner, combining marks, astral symbols.
AWKWARD_CHARS = [
    *"'\"\\%_&?#+=;/ {}@",
    "\x00",
    "\x01",
    "\x07",
    "\x08",
    "\t",
    "\n",
    "\x0b",
    "\x0c",
    "\r",
    "\x1b",
    "\x7f",
    "\x85",
    "\u00a0",
    "\u2028",
    "\ufeff",
    "\u200d",
    "\u0301",
    "é",
    "ß",
    "İ",
    "ı",
    "Σ",
    "ς",
    "ﬀ",
    "日本",
    "😀",
    "𝔘",
    "\U0001f3f3\ufe0f\u200d\U0001f308",
]

#: Any Unicode text except lone surrogates (which are not text; the limits refuse them).
unicode_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)

hostile_text = st.one_of(
    unicode_text,
    st.lists(
        st.one_of(st.sampled_from(SOQL_FRAGMENTS), st.sampled_from(AWKWARD_CHARS), unicode_text),
        max_size=6,
    ).map("".join),
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    hostile_text,
)

#: Any JSON value (a dict may also hold NaN and infinities, which Python's JSON accepts).
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(hostile_text, children, max_size=4),
    ),
    max_leaves=20,
)


def load_fixture(name: str) -> dict[str, Any]:
    """``tests/fixtures/payloads/<name>.json``."""
    return json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))


Path_ = tuple[str | int, ...]


def paths_of(value: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every path into ``value`` (the root is ``()``), parents before children."""
    found: list[Path_] = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(paths_of(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(paths_of(child, (*prefix, index)))
    return found


def _parent(root: Any, path: Path_) -> Any:
    node = root
    for step in path[:-1]:
        node = node[step]
    return node


@st.composite
def mutated(draw: st.DrawFn, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` after one to three random edits: a value replaced by any JSON value, a key
    deleted, or a key or list item inserted."""
    result = copy.deepcopy(payload)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(paths_of(result)[1:] or [()]))
        if path == ():
            continue
        parent = _parent(result, path)
        action = draw(st.sampled_from(["replace", "replace", "delete", "insert"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.one_of(hostile_text, st.sampled_from(list(parent))))] = draw(json_values)
        else:
            parent.insert(path[-1], draw(json_values))
    return result
