"""The items of a JSON array, streamed, with a cap on how deep each one may nest.

``ijson.items`` names every event by its full prefix (``item.a.item.b...``), so an item nested
N levels deep costs time in N squared: 20,000 levels take seconds, 200,000 minutes. Here the
items are built from ``ijson.basic_parse``, whose events carry no prefix, and the depth is
counted on the way: an item deeper than the cap is not built at all; its events are only counted
until it closes, so the next item is read as usual and the cost stays linear.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson


class TooDeep:
    """Stands for an item that nested deeper than the cap (it was skipped, not built)."""


#: The one :class:`TooDeep` value :func:`array_items` gives.
TOO_DEEP = TooDeep()


class NotAnArray(Exception):
    """The JSON text is valid so far but is not an array; ``kind`` says what it is."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


_OPENS = {"start_map": dict, "start_array": list}
_CLOSES = frozenset({"end_map", "end_array"})


def array_items(stream: BinaryIO, max_depth: int) -> Iterator[Any]:
    """Each item of the array ``stream`` holds, decoded; :data:`TOO_DEEP` for an item whose
    objects and lists nest more than ``max_depth`` levels (the item itself is level 1).

    Raises ``ijson.JSONError`` where the text stops being valid JSON, and :class:`NotAnArray`
    when it holds an object or a single value instead of an array.
    """
    events = ijson.basic_parse(stream, use_float=True)
    first = next(events, None)
    if first is None:
        return
    if first[0] != "start_array":
        raise NotAnArray("an object" if first[0] == "start_map" else "a single value")
    stack: list[Any] = []  # the containers of the item being built, outermost first
    key: str = ""
    skipping = 0  # > 0: inside an item that is too deep, this many levels down
    for event, value in events:
        if skipping:
            if event in _OPENS:
                skipping += 1
            elif event in _CLOSES:
                skipping -= 1
                if not skipping:
                    yield TOO_DEEP
            continue
        if event == "map_key":
            key = value
            continue
        make = _OPENS.get(event)
        if make is not None:
            if len(stack) >= max_depth:
                stack.clear()
                skipping = 1
                continue
            container = make()
            if stack:
                _put(stack[-1], key, container)
            stack.append(container)
            continue
        if event in _CLOSES:
            if not stack:  # the array itself closed; the parser checks what follows
                continue
            done = stack.pop()
            if not stack:
                yield done
            continue
        if stack:
            _put(stack[-1], key, value)
        else:
            yield value  # a scalar item


def _put(container: Any, key: str, value: Any) -> None:
    if type(container) is dict:
        container[key] = value
    else:
        container.append(value)
