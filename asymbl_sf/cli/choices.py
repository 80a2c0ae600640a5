"""The closed sets of values options take: given as enums, so a value outside the set is a usage
error (exit code 2, with the allowed values listed) before anything runs."""

from __future__ import annotations

from enum import Enum


class Api(str, Enum):
    auto = "auto"
    rest = "rest"
    bulk = "bulk"


class InputFormat(str, Enum):
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class ReadFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"
    json = "json"


class ResultsFormat(str, Enum):
    jsonl = "jsonl"
    csv = "csv"


class Survivor(str, Enum):
    oldest = "oldest"
    newest = "newest"
    most_applications = "most-applications"


class OnExisting(str, Enum):
    reuse = "reuse"
    fail = "fail"


class Dialect(str, Enum):
    kombo = "kombo"
    merge = "merge"
    truto = "truto"


def value(choice: Enum | None) -> str | None:
    """The option's value as the library takes it (None stays None)."""
    return None if choice is None else str(choice.value)
