"""Load a mapping file: YAML → merged ``extends`` chain → validated :class:`Mapping`.

Every problem (YAML syntax, unknown keys, bad values, unknown transforms, paths that are not in
the canonical models) is collected and raised at once as one :class:`MappingError`, each with
the file and line it is on. Lines come from PyYAML's node tree (``yaml.compose``), which keeps
the position of every key that ``safe_load`` throws away.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from asymbl_sf.errors import MappingError, Problem
from asymbl_sf.mapping.spec import Mapping, semantic_problems
from asymbl_sf.models.problems import dedupe, format_loc, message_for

DEFAULT_NAME = "asymbl.yaml"
#: ``extends:`` value that means the shipped default mapping.
DEFAULT_REF = "default"
_MAX_DEPTH = 10

Loc = tuple[Any, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false.

    YAML 1.1 also reads ``on``, ``off``, ``yes``, ``no`` (any case) as booleans, which turns the
    ``on:`` of ``match`` into ``True`` and a picklist value ``No`` into ``false``.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
Positions = dict[Loc, tuple[str, int, int]]


def default_mapping_path() -> Path:
    """The shipped ``asymbl.yaml``: inside the wheel (``asymbl_sf/_mappings``), or the top-level
    ``mappings/`` folder of a source checkout."""
    try:
        packaged = resources.files("asymbl_sf") / "_mappings" / DEFAULT_NAME
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - odd installs
        pass
    return Path(__file__).resolve().parents[2] / "mappings" / DEFAULT_NAME


def load_mapping(path: str | Path | None = None) -> Mapping:
    """The mapping in ``path`` (None: the shipped default), with its ``extends`` chain merged.

    Raises :class:`MappingError` listing every problem with file and line.
    """
    target = default_mapping_path() if path is None else Path(path)
    label = f"mappings/{DEFAULT_NAME}" if path is None else str(path)
    raw, positions, files = _load_chain(target, label, chain=[])
    return _validate(raw, positions, files)


def parse_mapping(text: str, *, source: str = "<mapping>", base_dir: str | Path = ".") -> Mapping:
    """Like :func:`load_mapping` for YAML text; a relative ``extends`` is read from ``base_dir``."""
    raw, positions = _read_yaml(text, source)
    files = [source]
    raw, positions, files = _resolve_extends(raw, positions, files, Path(base_dir), chain=[])
    return _validate(raw, positions, files)


# --- reading -------------------------------------------------------------------------------------


def _read_yaml(text: str, label: str) -> tuple[dict[str, Any], Positions]:
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader: no arbitrary objects
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
        raise MappingError(
            Problem("", "the file must be a mapping of keys (version, objects)", label, 1)
        )
    positions: Positions = {}
    duplicates: list[Problem] = []
    _walk(node, (), label, positions, duplicates)
    if duplicates:
        raise MappingError(duplicates)
    return data, positions


def _walk(node: yaml.Node, loc: Loc, label: str, out: Positions, duplicates: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
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


def _load_chain(
    path: Path, label: str, chain: list[Path]
) -> tuple[dict[str, Any], Positions, list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(Problem("", "no such mapping file", label)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(Problem("", f"cannot read the mapping file: {exc}", label)) from None
    raw, positions = _read_yaml(text, label)
    return _resolve_extends(raw, positions, [label], path.parent, [*chain, path.resolve()])


def _resolve_extends(
    raw: dict[str, Any], positions: Positions, files: list[str], base: Path, chain: list[Path]
) -> tuple[dict[str, Any], Positions, list[str]]:
    parent_ref = raw.get("extends")
    if parent_ref is None:
        return raw, positions, files
    label = files[0]
    line = positions.get(("extends",), (label, None, None))[1]
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise MappingError(
            Problem("extends", "must be 'default' or a path to a mapping file", label, line)
        )
    if parent_ref == DEFAULT_REF:
        parent_path, parent_label = default_mapping_path(), f"mappings/{DEFAULT_NAME}"
    else:
        parent_path = base / parent_ref
        parent_label = str(Path(label).parent / parent_ref) if label[:1] != "<" else parent_ref
    resolved = parent_path.resolve()
    if resolved in chain:
        loop = " → ".join(p.name for p in [*chain, resolved])
        raise MappingError(Problem("extends", f"extends loops back on itself: {loop}", label, line))
    if len(chain) >= _MAX_DEPTH:
        raise MappingError(Problem("extends", f"more than {_MAX_DEPTH} files deep", label, line))
    parent, parent_positions, parent_files = _load_chain(parent_path, parent_label, chain)
    merged, merged_positions = merge(parent, parent_positions, raw, positions)
    return merged, merged_positions, files + parent_files


# --- merging -------------------------------------------------------------------------------------


def _replaced_whole(loc: Loc) -> bool:
    # A field spec is replaced as a whole: merging {from: x} with {value: y} would give a spec
    # with both, which is never what the child meant.
    return len(loc) == 4 and loc[0] == "objects" and loc[2] == "fields"


def merge(
    parent: dict[str, Any], parent_pos: Positions, child: dict[str, Any], child_pos: Positions
) -> tuple[dict[str, Any], Positions]:
    """``child`` over ``parent``: mappings merge key by key, other values replace, ``null``
    removes the key; field specs replace as a whole. Positions follow the values."""
    positions = dict(parent_pos)
    out = _merge(parent, child, (), positions, child_pos)
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
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not _replaced_whole(here):
            if here in child_pos:
                positions[here] = child_pos[here]
            out[key] = _merge(out[key], value, here, positions, child_pos)
            continue
        out[key] = value
        _drop(positions, here)
        positions.update({k: v for k, v in child_pos.items() if k[: len(here)] == here})
    return out


# --- validation ----------------------------------------------------------------------------------


def _at(positions: Positions, loc: Loc, fallback: str) -> tuple[str, int | None, int | None]:
    for end in range(len(loc), -1, -1):
        found = positions.get(tuple(loc[:end]))
        if found:
            return found
    return fallback, None, None


def _locate(problem_loc: Loc, message: str, positions: Positions, fallback: str) -> Problem:
    label, line, col = _at(positions, problem_loc, fallback)
    return Problem(format_loc(problem_loc), message, label, line, col)


def _validate(raw: dict[str, Any], positions: Positions, files: list[str]) -> Mapping:
    label = files[0]
    try:
        mapping = Mapping.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(
            dedupe(
                _locate(tuple(e["loc"]), message_for(e, Mapping), positions, label)
                for e in exc.errors(include_url=False)
            )
        ) from None
    semantic = semantic_problems(mapping)
    if semantic:
        raise MappingError(_locate(loc, msg, positions, label) for loc, msg in semantic)
    mapping._files = files
    mapping._positions = positions
    return mapping
