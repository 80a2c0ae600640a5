"""Text templates of a field spec: ``{template: "{body}\\n\\n(visibility: {visibility})"}``.

A placeholder ``{path}`` is a path into the payload, with the syntax of ``from`` (relative to the
object's item, or ``$.`` for the whole payload); ``{{`` and ``}}`` are literal braces. Rendering:

- a missing value renders as empty text (and so does a value of only spaces);
- a template line whose placeholders are all empty is left out, together with one blank line
  just above it, so an optional paragraph leaves no gap; blank lines of the template at the start
  or end of what remains are dropped;
- when every placeholder of the template is empty, the result is ``None`` (no value at all).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from asymbl_sf.mapping import paths
from asymbl_sf.mapping.transforms import TransformError


@dataclass(frozen=True)
class Placeholder:
    path: str


Part = str | Placeholder


@dataclass(frozen=True)
class Template:
    text: str
    #: The template's lines, each a sequence of literal text and placeholders.
    lines: tuple[tuple[Part, ...], ...]

    @property
    def placeholders(self) -> list[str]:
        """Every placeholder path, in order of appearance."""
        return [p.path for line in self.lines for p in line if isinstance(p, Placeholder)]

    def render(self, lookup: Callable[[str], Any]) -> str | None:
        """The text, with ``lookup(path)`` giving each placeholder's value; None when every
        placeholder is empty. :class:`TransformError` when a value cannot be shown as text."""
        rendered: list[tuple[str, bool]] = []  # (text, is a blank line of the template)
        any_value = False
        for line in self.lines:
            texts = []
            holders = filled = 0
            for part in line:
                if isinstance(part, Placeholder):
                    value = as_text(lookup(part.path), part.path)
                    holders += 1
                    filled += bool(value)
                    texts.append(value)
                else:
                    texts.append(part)
            any_value = any_value or filled > 0
            if holders and not filled:
                if rendered and rendered[-1][1]:
                    rendered.pop()  # the blank line above an optional paragraph
                continue
            text = "".join(texts)
            rendered.append((text, not holders and not text.strip()))
        if not any_value:
            return None
        while rendered and rendered[0][1]:
            rendered.pop(0)
        while rendered and rendered[-1][1]:
            rendered.pop()
        return "\n".join(text for text, _ in rendered)


def as_text(value: Any, path: str) -> str:
    """A placeholder's value as text: "" for nothing, ISO dates, lists joined with ", "."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value if value.strip() else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (list, tuple)):
        return ", ".join(t for t in (as_text(v, path) for v in value) if t)
    if isinstance(value, (BaseModel, dict)):
        raise TransformError(f"{{{path}}} is an object; name one of its parts")
    return str(value)


@lru_cache(maxsize=256)
def parse(text: str) -> Template:
    """The template in ``text``; ``ValueError`` on unbalanced braces, a bad path or no
    placeholder at all."""
    lines = tuple(_parse_line(line) for line in text.split("\n"))
    out = Template(text, lines)
    if not out.placeholders:
        raise ValueError("a template needs at least one {placeholder}; use value for a constant")
    return out


def _parse_line(line: str) -> tuple[Part, ...]:
    parts: list[Part] = []
    literal = ""
    pos = 0
    while pos < len(line):
        char = line[pos]
        if line.startswith("{{", pos) or line.startswith("}}", pos):
            literal += char
            pos += 2
        elif char == "{":
            end = line.find("}", pos + 1)
            inner = line[pos + 1 : end] if end >= 0 else ""
            if end < 0 or "{" in inner:
                raise ValueError("a '{' without its '}'; write {{ for a literal brace")
            path = inner.strip()
            if not path:
                raise ValueError("an empty {} placeholder; write {{}} for literal braces")
            paths.parse(paths.split_absolute(path)[1])  # ValueError on bad syntax
            if literal:
                parts.append(literal)
                literal = ""
            parts.append(Placeholder(path))
            pos = end + 1
        elif char == "}":
            raise ValueError("a '}' without its '{'; write }} for a literal brace")
        else:
            literal += char
            pos += 1
    if literal:
        parts.append(literal)
    return tuple(parts)
