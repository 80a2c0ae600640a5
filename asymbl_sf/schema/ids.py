"""Salesforce record ids: 15 case-sensitive characters, or 18 with a case-safe checksum.

The checksum splits the 15 characters into three groups of five; in each group bit ``i`` is set
when character ``i`` is an uppercase letter, and the 5-bit number indexes ``_CHECKSUM_ALPHABET``.
The API always answers with 18 characters but accepts either form, so every comparison of ids
goes through :func:`to_18`.
"""

from __future__ import annotations

import re
from functools import lru_cache

_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_PATTERN = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")


@lru_cache(maxsize=1 << 16)  # the same ids are checked again and again (every reference)
def checksum(id15: str) -> str:
    """The three checksum characters of a 15-character id."""
    out = []
    for start in (0, 5, 10):
        bits = 0
        for i, ch in enumerate(id15[start : start + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_CHECKSUM_ALPHABET[bits])
    return "".join(out)


def looks_like_id(value: str) -> bool:
    """True when ``value`` has the shape of a 15- or 18-character id with a valid checksum."""
    if not isinstance(value, str) or len(value) not in (15, 18):
        return False
    return _id_shape(value)


@lru_cache(maxsize=1 << 16)  # reads check the same job, stage and user ids on every row
def _id_shape(value: str) -> bool:
    if not _ID_PATTERN.match(value):
        return False
    return len(value) == 15 or checksum(value[:15]) == value[15:]


def to_18(value: str) -> str:
    """The 18-character form of a 15- or 18-character id; raises ``ValueError`` otherwise."""
    if not looks_like_id(value):
        raise ValueError(f"not a Salesforce id: {value!r}")
    if len(value) == 18:
        return value
    return value + checksum(value)


def key_prefix(value: str) -> str:
    """The first three characters, which name the object (``003`` is Contact)."""
    return value[:3]


def make_id(prefix: str, serial: int, pod: str = "8d") -> str:
    """A realistic 18-character id for the ``serial``-th record of the object with ``prefix``.

    Salesforce ids are prefix + instance + sequence; here the middle is a fixed two-character
    "pod" and the sequence is written in base 62, so ids sort by creation order within a prefix.
    """
    if len(prefix) != 3:
        raise ValueError(f"key prefix must have 3 characters: {prefix!r}")
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    digits = []
    n = serial
    for _ in range(10):
        n, r = divmod(n, 62)
        digits.append(alphabet[r])
    if n:
        raise ValueError("serial too large for an id")
    id15 = prefix + pod + "".join(reversed(digits))
    return id15 + checksum(id15)
