"""YAML documents that report every problem at its file and line: the mapping files' common reader.

The write mapping (:mod:`asymbl_sf.mapping.loader`) and the read mapping
(:mod:`asymbl_sf.reading.loader`) are read by the same rules, kept here once:

- YAML 1.2 booleans (only ``true``/``false``), so ``on:`` stays a key and a picklist value ``No``
  stays a string;
- the position of every key, from PyYAML's node tree (``yaml.compose``), which keeps what
  ``safe_load`` throws away; a key written twice is a problem, not a silent last-one-wins;
- an ``extends:`` chain (``default`` = the shipped file, else a path relative to the child), with
  loops and runaway depth refused, merged child over parent with the positions following values;
- a pydantic error turned into a :class:`~asymbl_sf.errors.Problem` at the nearest written key;
- bounds on what a file can cost before anything is built from it (see :class:`YamlLoader`):
  its size, its nesting, and how far its aliases expand.

What differs between the two kinds of file (the shipped default, the key holding the field
specs, their names in messages) is a :class:`DocumentKind`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from asymbl_sf.errors import MappingError, Problem
from asymbl_sf.models.problems import dedupe, echo, format_loc, message_for

#: A place in a document: keys and list indexes from the top, as pydantic reports them.
Loc = tuple[Any, ...]
#: ``loc → (file, line, column)`` of every key and list item, lines and columns from 1.
Positions = dict[Loc, tuple[str, int, int]]

#: ``extends:`` value that means the kind's shipped default file.
DEFAULT_REF = "default"
#: Longest ``extends`` chain followed; deeper is almost surely a mistake.
MAX_DEPTH = 10
#: Largest file read, in bytes. The shipped mappings are under 6 kB; a mapping with a picklist
#: map of thousands of values is still far below this.
MAX_BYTES = 1024 * 1024
#: Most values (keys, scalars, lists, mappings) a document may hold once its aliases are
#: expanded. The shipped mappings hold about 300.
MAX_VALUES = 100_000
#: Deepest nesting of lists and mappings, aliases expanded. The shipped mappings are 8 deep;
#: PyYAML, pydantic and the position walk all recurse once per level, so this also keeps every
#: one of them far from Python's recursion limit.
MAX_NESTING = 50

ModelT = TypeVar("ModelT", bound=BaseModel)


class YamlRefusedError(yaml.MarkedYAMLError):
    """Valid YAML that this reader refuses: it would cost too much to read, or holds a value its
    tag cannot build (see :class:`YamlLoader`). Its ``problem`` is a whole message."""


@dataclass
class _Extent:
    """What one anchored value costs wherever an alias repeats it."""

    #: Values inside it, its own aliases expanded (itself included).
    values: int = 1
    #: Levels of nesting below it, its own aliases expanded.
    height: int = 0
    #: True while the anchored value is still being read: an alias to it then would make the
    #: value contain itself.
    open: bool = True


class YamlLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (only true/false), and bounded.

    YAML 1.1 also reads ``on``, ``off``, ``yes``, ``no`` (any case) as booleans, which turns the
    ``on:`` of ``match`` into ``True`` and a picklist value ``No`` into ``false``.

    The bounds are checked while the node tree is composed, before anything expands or is built:

    - aliases: PyYAML shares an aliased node, so a few hundred bytes of nested ``*alias`` lists
      (a "billion laughs" document) compose instantly but expand exponentially in every walk
      over the values (positions, merging, pydantic). Each alias adds the expanded size of what
      it repeats, and past :data:`MAX_VALUES` the alias that crossed the bound is refused. Aliases
      as such stay allowed: sharing one field spec or picklist map between objects is a
      legitimate use, and a bound makes the hostile use harmless.
    - an alias inside the value it names (``&a [*a]``) would make every walk endless: refused.
    - nesting deeper than :data:`MAX_NESTING` (aliases expanded): PyYAML composes and builds
      recursively, so ``[[[[...]]]]`` a few thousand deep is a RecursionError otherwise.
    - a scalar that its tag cannot build (``2001-13-45`` read as a date, an integer of more than
      4,300 digits, which Python refuses to convert) raises ValueError inside PyYAML; it becomes
      a YAML error at that value, with a hint to quote it.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._values = 0
        self._depth = 0
        self._deepest = 0
        self._extents: dict[str, _Extent] = {}

    def compose_document(self) -> yaml.Node | None:
        self._values, self._depth, self._deepest, self._extents = 0, 0, 0, {}
        return super().compose_document()

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            extent = self._extents.get(event.anchor)
            if extent is not None:  # an undefined alias is PyYAML's own error
                if extent.open:
                    raise YamlRefusedError(
                        None,
                        None,
                        f"the alias *{event.anchor} is inside the value it names, so it "
                        "would repeat forever; write the value out instead",
                        event.start_mark,
                    )
                self._grow(extent.values, self._depth + extent.height, f"*{event.anchor}")
            return super().compose_node(parent, index)
        event = self.peek_event()
        self._depth += 1
        self._grow(1, self._depth, None)
        anchor = event.anchor
        if anchor is None or anchor in self.anchors:  # a duplicate anchor: PyYAML's error
            node = super().compose_node(parent, index)
        else:
            extent = self._extents[anchor] = _Extent()
            values_before, deepest_before = self._values, self._deepest
            self._deepest = self._depth
            node = super().compose_node(parent, index)
            extent.values = self._values - values_before + 1
            extent.height = self._deepest - self._depth
            extent.open = False
            self._deepest = max(self._deepest, deepest_before)
        self._depth -= 1
        return node

    def _grow(self, values: int, depth: int, alias: str | None) -> None:
        mark = self.peek_event().start_mark
        self._values += values
        self._deepest = max(self._deepest, depth)
        if self._values > MAX_VALUES:
            what = f"the alias {alias} expands" if alias else "it grows"
            raise YamlRefusedError(
                None,
                None,
                f"{what} the document past {MAX_VALUES:,} values (a mapping holds a few "
                "hundred); write the repeated part out once, or use fewer nested aliases",
                mark,
            )
        if depth > MAX_NESTING:
            what = f"the alias {alias} nests" if alias else "lists and mappings nest"
            raise YamlRefusedError(
                None,
                None,
                f"{what} more than {MAX_NESTING} levels deep here (a mapping is about 8); "
                "flatten it",
                mark,
            )

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as exc:
            tag = node.tag.rsplit(":", 1)[-1]
            what = echo(node.value) if isinstance(node, yaml.ScalarNode) else "this value"
            reason = str(exc).split(":")[0]  # Python's advice after the colon is not for users
            raise YamlRefusedError(
                None,
                None,
                f"{what} cannot be read as {tag} ({reason}); put it in quotes to keep it as text",
                node.start_mark,
            ) from None


YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def shipped_mapping_path(name: str) -> Path:
    """The shipped mapping file ``name``: inside the wheel (``asymbl_sf/_mappings``), or the
    top-level ``mappings/`` folder of a source checkout."""
    try:
        packaged = resources.files("asymbl_sf") / "_mappings" / name
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - odd installs
        pass
    return Path(__file__).resolve().parents[1] / "mappings" / name


@dataclass(frozen=True)
class DocumentKind:
    """One kind of mapping file: its shipped default, its shape, and its words in messages."""

    #: File name of the shipped default in ``mappings/`` (what ``extends: default`` means).
    default_name: str
    #: Top-level key whose entries each hold ``fields`` (``objects``, ``models``).
    sections: str
    #: Problem when the top level is not a mapping of keys; it names the keys to write.
    not_a_mapping: str
    #: Problem when the file does not exist.
    no_such_file: str
    #: Problem when the file cannot be read; ``: <reason>`` is added.
    cannot_read: str
    #: Problem when ``extends:`` is not a non-empty string.
    bad_extends: str

    @property
    def default_label(self) -> str:
        """How messages name the shipped default: ``mappings/NAME``, not the install path."""
        return f"mappings/{self.default_name}"

    def default_path(self) -> Path:
        """The shipped default file (see :func:`shipped_mapping_path`)."""
        return shipped_mapping_path(self.default_name)

    def replaced_whole(self, loc: Loc) -> bool:
        """Whether ``extends`` replaces the value at ``loc`` whole: a field spec. Merged key by
        key, a child's ``{from: x}`` over a parent's ``{value: y}`` would give a spec with both,
        and ``{field: B}`` over ``{field: A, map: {...}}`` would keep a map written for A."""
        return len(loc) == 4 and loc[0] == self.sections and loc[2] == "fields"

    def load(self, path: str | Path | None) -> Document:
        """The document in ``path`` (None: the shipped default), its ``extends`` chain merged."""
        if path is None:
            return self._load_chain(self.default_path(), self.default_label, chain=[])
        return self._load_chain(Path(path), str(path), chain=[])

    def parse(self, text: str, *, source: str, base_dir: str | Path) -> Document:
        """The document in ``text`` (named ``source`` in messages); a relative ``extends`` is
        read from ``base_dir``."""
        data, positions = read_yaml(text, source, not_a_mapping=self.not_a_mapping)
        return self._resolve_extends(Document(data, positions, [source]), Path(base_dir), [])

    def merge(
        self,
        parent: dict[str, Any],
        parent_pos: Positions,
        child: dict[str, Any],
        child_pos: Positions,
    ) -> tuple[dict[str, Any], Positions]:
        """:func:`merge` with field specs replaced whole."""
        return merge(parent, parent_pos, child, child_pos, replaced_whole=self.replaced_whole)

    def _load_chain(self, path: Path, label: str, chain: list[Path]) -> Document:
        try:
            text = read_document_text(path, label)
        except FileNotFoundError:
            raise MappingError(Problem("", self.no_such_file, label)) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise MappingError(Problem("", f"{self.cannot_read}: {exc}", label)) from None
        data, positions = read_yaml(text, label, not_a_mapping=self.not_a_mapping)
        document = Document(data, positions, [label])
        return self._resolve_extends(document, path.parent, [*chain, path.resolve()])

    def _resolve_extends(self, child: Document, base: Path, chain: list[Path]) -> Document:
        parent_ref = child.data.get("extends")
        if parent_ref is None:
            return child
        label = child.label
        line = child.positions.get(("extends",), (label, None, None))[1]
        if not isinstance(parent_ref, str) or not parent_ref.strip():
            raise MappingError(Problem("extends", self.bad_extends, label, line))
        if parent_ref == DEFAULT_REF:
            parent_path, parent_label = self.default_path(), self.default_label
        else:
            parent_path = base / parent_ref
            # A file's parent is named next to it; text (``<mapping>``) has no folder to join.
            parent_label = str(Path(label).parent / parent_ref) if label[:1] != "<" else parent_ref
        resolved = parent_path.resolve()
        if resolved in chain:
            loop = " → ".join(p.name for p in [*chain, resolved])
            raise MappingError(
                Problem("extends", f"extends loops back on itself: {loop}", label, line)
            )
        if len(chain) >= MAX_DEPTH:
            raise MappingError(Problem("extends", f"more than {MAX_DEPTH} files deep", label, line))
        parent = self._load_chain(parent_path, parent_label, chain)
        data, positions = self.merge(parent.data, parent.positions, child.data, child.positions)
        return Document(data, positions, child.files + parent.files)


@dataclass
class Document:
    """A YAML document read (and merged with its ``extends`` chain) with every key's position."""

    data: dict[str, Any]
    positions: Positions
    #: The files that made it, child first; the first names problems with no position.
    files: list[str]

    @property
    def label(self) -> str:
        return self.files[0]

    def problem(self, loc: Loc, message: str) -> Problem:
        """``message`` about ``loc``, placed at ``loc`` or the nearest key around it."""
        for end in range(len(loc), -1, -1):
            found = self.positions.get(tuple(loc[:end]))
            if found:
                label, line, col = found
                return Problem(format_loc(loc), message, label, line, col)
        return Problem(format_loc(loc), message, self.label)

    def validate(
        self,
        model: type[ModelT],
        *,
        as_written: Callable[[Loc, dict[str, Any]], Loc] | None = None,
    ) -> ModelT:
        """``model`` validated from the data; every pydantic error is raised at once as one
        :class:`MappingError`, each at its file and line. ``as_written(loc, data)`` turns
        pydantic's location of an error into where the file has it, when the two differ."""
        try:
            return model.model_validate(self.data)
        except ValidationError as exc:
            raise MappingError(
                dedupe(
                    self.problem(
                        as_written(tuple(e["loc"]), self.data) if as_written else tuple(e["loc"]),
                        message_for(e, model),
                    )
                    for e in exc.errors(include_url=False)
                )
            ) from None

    def raise_problems(self, problems: Iterable[tuple[Loc, str]]) -> None:
        """Raise ``(loc, message)`` problems found after validation as one :class:`MappingError`,
        each at its file and line; nothing when there are none."""
        located = [self.problem(loc, message) for loc, message in problems]
        if located:
            raise MappingError(located)


def read_document_text(path: Path, label: str) -> str:
    """The text of the file at ``path`` (a UTF-8 BOM dropped), refused with a
    :class:`MappingError` when it is larger than :data:`MAX_BYTES`; only that much is read, so a
    huge file (or ``/dev/zero``) costs nothing. OSError and UnicodeDecodeError are the caller's
    to word."""
    with path.open("rb") as handle:
        raw = handle.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise MappingError(Problem("", _too_large_message(), label))
    return raw.decode("utf-8-sig")


def _too_large_message() -> str:
    return (
        f"the file is larger than {MAX_BYTES // 1024 // 1024} MiB, far more than any mapping "
        "needs; check that this is the file you meant"
    )


def compose_and_load(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree of ``text`` and the values built from it, read once by a bounded
    :class:`YamlLoader`. Raises ``yaml.YAMLError`` (:class:`YamlRefusedError` for a bound)."""
    node, data, _ = _compose_walk_load(text, "", walk=False)
    return node, data


def _compose_walk_load(
    text: str, label: str, *, walk: bool
) -> tuple[yaml.Node | None, Any, tuple[Positions, list[Problem]]]:
    loader = YamlLoader(text)
    positions: Positions = {}
    duplicates: list[Problem] = []
    try:
        node = loader.get_single_node()
        # Positions are taken before the values are built: building flattens ``<<`` merge keys
        # in the node tree itself, after which a key overriding a merged one looks duplicated.
        if walk and node is not None:
            _walk(node, (), label, positions, duplicates)
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, data, (positions, duplicates)


def read_yaml(text: str, label: str, *, not_a_mapping: str) -> tuple[dict[str, Any], Positions]:
    """The top-level mapping in ``text`` and the position of every key in it.

    Raises :class:`MappingError` for invalid YAML, a document beyond the bounds of
    :class:`YamlLoader`, an empty file, a top level that is not a mapping (``not_a_mapping`` is
    that problem's message) and every duplicated key.
    """
    if len(text) > MAX_BYTES:
        raise MappingError(Problem("", _too_large_message(), label))
    try:
        node, data, (positions, duplicates) = _compose_walk_load(text, label, walk=True)
    except YamlRefusedError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise MappingError(Problem("", str(exc.problem), label, line, col)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = f"not valid YAML: {exc.problem or exc.context or 'syntax error'}"
        raise MappingError(Problem("", message, label, line, col)) from None
    except yaml.YAMLError as exc:
        raise MappingError(Problem("", f"not valid YAML: {exc}", label)) from None
    if data is None:
        raise MappingError(Problem("", "the file is empty; it starts with 'version: 1'", label, 1))
    if not isinstance(data, dict) or node is None:
        raise MappingError(Problem("", not_a_mapping, label, 1))
    if duplicates:
        raise MappingError(duplicates)
    return data, positions


def _walk(node: yaml.Node, loc: Loc, label: str, out: Positions, duplicates: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue  # a list or mapping as a key: building the values refuses it
            key = key_node.value
            here = (*loc, key)
            line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            if key in seen:
                # PyYAML silently keeps the last one; an admin rarely means that.
                duplicates.append(Problem(format_loc(here), "duplicate key", label, line, col))
            seen.add(key)
            out[here] = (label, line, col)
            _walk(value_node, here, label, out, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            here = (*loc, i)
            out[here] = (label, item.start_mark.line + 1, item.start_mark.column + 1)
            _walk(item, here, label, out, duplicates)


def merge(
    parent: dict[str, Any],
    parent_pos: Positions,
    child: dict[str, Any],
    child_pos: Positions,
    *,
    replaced_whole: Callable[[Loc], bool],
) -> tuple[dict[str, Any], Positions]:
    """``child`` over ``parent``: mappings merge key by key, lists and other values replace,
    ``null`` removes the key, and a location ``replaced_whole`` accepts is replaced as a whole.
    The top-level ``extends`` is dropped. Positions follow the values."""
    positions = dict(parent_pos)
    out = _merge(parent, child, (), positions, child_pos, replaced_whole)
    out.pop("extends", None)
    return out, positions


def _drop(positions: Positions, loc: Loc) -> None:
    for key in [k for k in positions if k[: len(loc)] == loc]:
        del positions[key]


def _merge(
    parent: dict[str, Any],
    child: dict[str, Any],
    loc: Loc,
    positions: Positions,
    child_pos: Positions,
    replaced_whole: Callable[[Loc], bool],
) -> dict[str, Any]:
    out = dict(parent)
    for key, value in child.items():
        here = (*loc, key)
        if not loc and key == "extends":
            continue
        if value is None:
            out.pop(key, None)
            _drop(positions, here)
            continue
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not replaced_whole(here):
            if here in child_pos:
                positions[here] = child_pos[here]
            out[key] = _merge(out[key], value, here, positions, child_pos, replaced_whole)
            continue
        out[key] = value
        _drop(positions, here)
        positions.update({k: v for k, v in child_pos.items() if k[: len(here)] == here})
    return out


__all__ = [
    "DEFAULT_REF",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NESTING",
    "MAX_VALUES",
    "Document",
    "DocumentKind",
    "Loc",
    "Positions",
    "YamlLoader",
    "YamlRefusedError",
    "compose_and_load",
    "merge",
    "read_document_text",
    "read_yaml",
    "shipped_mapping_path",
]
