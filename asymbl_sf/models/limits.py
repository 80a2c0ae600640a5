"""Limits every payload passes before any parser sees it: size, nesting depth, valid text.

Why these caps:

* **Size** (:data:`MAX_PAYLOAD_BYTES`, 100 MiB of JSON): the largest legitimate payload is one
  whose attachments travel inline as base64. :mod:`asymbl_sf.attachments.fetch` downloads at most 50 MiB per
  file, which is 67 MiB as base64; 100 MiB leaves room for that and the rest of the body while
  keeping what one payload costs in memory bounded (the text, the decoded value and the file
  bytes: about three times the cap). Bigger files belong behind a URL (``data_url``,
  ``file_url``), which is downloaded with its own limits and uploaded by multipart.
* **Depth** (:data:`MAX_DEPTH`, 64 levels of objects and lists): no supported payload nests more
  than about six levels (``remote_fields`` passes through whatever the vendor sends, and vendors
  stay shallow too). Python's JSON decoder recurses once per level and raises ``RecursionError``
  near 1,000, as would any code walking the value; a cap far below that keeps every layer safe.
  The depth of JSON *text* is measured before it is decoded, so ``json.loads`` never recurses
  deeper than the cap.
* **Text**: a string holding an unpaired UTF-16 surrogate (``"\\ud800"`` in JSON) decodes in
  Python but cannot be encoded as UTF-8, so it would fail later, inside an HTTP request; it is
  refused here with the path of the string.

Every refusal is a :class:`~asymbl_sf.errors.PayloadError` naming the source and saying what to
do; nothing here raises anything else, whatever the input.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import accumulate
from operator import neg
from pathlib import Path
from typing import Any

from asymbl_sf.errors import PayloadError, Problem
from asymbl_sf.models.problems import format_loc

MiB = 1024 * 1024
#: The most JSON text one payload may be (bytes of a file, characters of a string).
MAX_PAYLOAD_BYTES = 100 * MiB
#: The deepest objects and lists may nest inside each other (the top-level object is level 1).
MAX_DEPTH = 64


@dataclass(frozen=True)
class PayloadLimits:
    """The caps one payload must stay within; :data:`DEFAULT_LIMITS` unless a caller says."""

    max_bytes: int = MAX_PAYLOAD_BYTES
    max_depth: int = MAX_DEPTH


DEFAULT_LIMITS = PayloadLimits()

# A JSON string, escapes included; an unterminated one runs to the end (the decoder then says
# what is wrong). Written as an unrolled loop so a 70 MB base64 string is one fast scan.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\(?:.|\Z)[^"\\]*)*(?:"|\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_AS_PARENTHESES = bytes.maketrans(b"[{]}", b"(())")
_RUN = re.compile(r"\(+|\)+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _size_words(count: int) -> str:
    return f"{count / MiB:.1f} MB" if count >= MiB else f"{count:,} bytes"


def too_big(
    count: int | None, source: str | None, limits: PayloadLimits = DEFAULT_LIMITS
) -> Problem:
    """The problem of a payload of ``count`` bytes over the size cap (None: a stream that was
    not read to its end)."""
    size = f"{_size_words(count)} of JSON, " if count is not None else ""
    return Problem(
        "",
        (
            f"the payload is {size}over the {_size_words(limits.max_bytes)} of JSON one payload may "
            "hold; send large files by URL (data_url / file_url) instead of inline base64, or split "
            "the payload"
        ),
        source,
    )


def _too_deep(source: str | None, limits: PayloadLimits, path: str = "") -> Problem:
    return Problem(
        path,
        (
            f"the JSON nests deeper than {limits.max_depth} levels of objects and lists; no "
            "supported payload nests that deep: check what produced it"
        ),
        source,
    )


def text_too_deep(text: str, max_depth: int) -> bool:
    """True when JSON ``text`` nests objects and lists deeper than ``max_depth``, judged without
    decoding it, so the decoder (which recurses once per level) is never handed text that would
    exhaust Python's stack.

    Brackets inside strings do not count. Wide text is first collapsed by deleting every empty
    pair of brackets (one fast C pass each) while that removes an eighth of it; what remains is
    measured exactly. A pass hides one level at most and at most ``max_depth`` passes run, so
    text that passes nests at most twice the cap: safe to decode, and :func:`check_value`
    enforces the exact cap (with a path) on the result. Unbalanced text is measured too; the
    decoder then says where it breaks.
    """
    # No more opening brackets than the cap in the whole text, strings included: it cannot nest
    # deeper (two C-level counts; an import's every line takes this way).
    if text.count("{") + text.count("[") <= max_depth:
        return False
    # Bytes, because deleting every other character is one C call there; brackets are ASCII
    # and UTF-8 never uses ASCII bytes inside other characters, so none is lost or invented.
    # Which kind of bracket does not matter for depth (the decoder descends on either), so
    # both become parentheses.
    outside_strings = _JSON_STRING.sub("", text).encode("utf-8", "surrogatepass")
    brackets = outside_strings.translate(_AS_PARENTHESES, _NOT_BRACKETS).decode("ascii")
    for _ in range(max_depth):
        reduced = brackets.replace("()", "")
        collapsing = 8 * len(reduced) <= 7 * len(brackets)  # an eighth gone: wide, go on
        brackets = reduced
        if not collapsing:
            break
    return _deepest(brackets) > max_depth


def _deepest(brackets: str) -> int:
    """The deepest running count of open brackets, computed with C-level steps only: runs of
    opening and of closing brackets alternate, so their lengths with every other one negated
    add up to the depth after each run."""
    sizes = list(map(len, _RUN.findall(brackets)))
    if not sizes:
        return 0
    closing = slice(1, None, 2) if brackets[0] == "(" else slice(0, None, 2)
    sizes[closing] = map(neg, sizes[closing])
    return max(0, *accumulate(sizes))


# A path is built only for the value at fault: each stack entry carries a linked trail
# ``(step, parent trail)`` (a step is a key, or an int for a list index) instead of a string, so
# a payload of millions of values is walked without building millions of strings.
_Trail = tuple[Any, Any] | None
_SCALARS = (int, float, bool, type(None))


def check_value(
    value: Any, source: str | None = None, limits: PayloadLimits = DEFAULT_LIMITS
) -> None:
    """:class:`PayloadError` when a decoded payload nests deeper than the cap (a value that
    contains itself is infinitely deep) or holds a string that is not valid Unicode text; the
    problem's path says where.

    Depth first with an explicit stack of iterators, never by recursion; the stack holds one
    entry per level, not one per value, so memory stays flat however wide the payload.
    """
    if type(value) is dict and _plainly_within(value, limits.max_depth - 1):
        return
    if isinstance(value, str):
        _check_text(value, None, source)
    top = _children(value)
    if top is None:
        return
    stack: list[tuple[Iterator[tuple[Any, Any]], _Trail]] = [(top, None)]
    while stack:
        children, trail = stack[-1]
        for key, child in children:
            if type(key) is not int:  # a Mapping's key, never a list index
                key = str(key)
                if not key.isascii() and _SURROGATE.search(key):
                    raise PayloadError(_bad_text(_path(trail), source, key=True))
            kind = type(child)
            if kind is str:
                _check_text(child, (key, trail), source)
            elif kind not in _SCALARS and (grandchildren := _children(child)) is not None:
                if len(stack) >= limits.max_depth:
                    raise PayloadError(_too_deep(source, limits, _path((key, trail))))
                if child:  # an empty object or list needs no visit, only the depth check
                    stack.append((grandchildren, (key, trail)))
                    break
        else:
            stack.pop()


def _plainly_within(node: dict[Any, Any] | list[Any], depth_left: int) -> bool:
    """True when ``node`` is certainly within the limits: only plain JSON values (dicts with
    ``str`` keys, lists, scalars), no unpaired surrogate, and no deeper than allowed.

    The usual payload (small, decoded by ``json``) is answered by this plain recursive walk,
    about three times faster than the exact walk below; anything else (a surrogate, another
    Mapping, a value too deep or containing itself) answers False and the exact walk decides and
    words the problem. It recurses at most ``MAX_DEPTH`` levels: far from Python's limit.
    """
    values = node.values() if type(node) is dict else node
    if type(node) is dict:
        for key in node:
            if type(key) is not str or (not key.isascii() and _SURROGATE.search(key)):
                return False
    for child in values:
        kind = type(child)
        if kind is str:
            if not child.isascii() and _SURROGATE.search(child):
                return False
        elif kind is dict or kind is list:
            if depth_left <= 0 or not _plainly_within(child, depth_left - 1):
                return False
        elif kind not in _SCALARS:
            return False
    return True


def _children(node: Any) -> Iterator[tuple[Any, Any]] | None:
    """``(key or index, value)`` of an object or list; None for anything else."""
    kind = type(node)
    if kind is dict or (kind is not list and isinstance(node, Mapping)):
        return iter(node.items())
    if kind is list or isinstance(node, tuple):
        return enumerate(node)
    return None


def _check_text(text: str, trail: _Trail, source: str | None) -> None:
    if not text.isascii() and _SURROGATE.search(text):
        raise PayloadError(_bad_text(_path(trail), source))


def _path(trail: _Trail) -> str:
    """``candidate.emails[0].email`` from a trail, written as every problem path is."""
    steps: list[int | str] = []
    while trail is not None:
        step, trail = trail
        steps.append(step)
    return format_loc(steps[::-1])


def _bad_text(path: str, source: str | None, *, key: bool = False) -> Problem:
    what = "a key here" if key else "the text"
    return Problem(
        path,
        (
            f"{what} holds an unpaired UTF-16 surrogate (an escape such as \\ud800 without its "
            "pair), which is not valid Unicode and cannot be sent to Salesforce; fix the JSON "
            "escaping of whatever produced the payload"
        ),
        source,
    )


def decode_json(
    text: str, source: str | None = None, limits: PayloadLimits = DEFAULT_LIMITS
) -> Any:
    """JSON ``text`` decoded, within ``limits``; :class:`PayloadError` (naming ``source``)
    when it is too big, too deep, not JSON, or holds text that is not valid Unicode."""
    if len(text) > limits.max_bytes:
        raise PayloadError(too_big(len(text), source, limits))
    if text_too_deep(text, limits.max_depth):
        raise PayloadError(_too_deep(source, limits))
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(
            Problem("", f"not valid JSON: {exc.msg}", source, exc.lineno, exc.colno)
        ) from None
    except ValueError as exc:  # a number too long to convert (over 4,300 digits), ...
        raise PayloadError(Problem("", f"not valid JSON: {exc}", source)) from None
    check_value(value, source, limits)
    return value


def read_json_file(path: Path, limits: PayloadLimits = DEFAULT_LIMITS) -> Any:
    """A JSON file decoded within ``limits``; its size is checked before a byte is read."""
    source = path.name
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise PayloadError(too_big(size, source, limits))
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PayloadError(
            Problem("", "no such file (pass a JSON file, a JSON string or a dict)", source)
        ) from None
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8, or a NUL in the path
        raise PayloadError(Problem("", f"cannot read the file: {exc}", source)) from None
    return decode_json(text, source, limits)
