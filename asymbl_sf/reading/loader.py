"""Load a read mapping: YAML → merged ``extends`` chain → validated :class:`ReadMapping`.

Same rules as the write mapping's loader (:mod:`asymbl_sf.mapping.loader`), whose YAML reader it
shares: YAML 1.2 booleans, every problem collected at once, each with its file and line.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from asymbl_sf.errors import MappingError, Problem

# The write mapping's YAML reading: the same booleans (``on:`` stays a key) and key positions.
from asymbl_sf.mapping.loader import Positions, _Loader, _walk
from asymbl_sf.models.problems import dedupe, format_loc, message_for
from asymbl_sf.reading.catalog import catalog_problems
from asymbl_sf.reading.spec import ReadMapping

DEFAULT_NAME = "read.yaml"
DEFAULT_LABEL = f"mappings/{DEFAULT_NAME}"
#: ``extends:`` value that means the shipped default read mapping.
DEFAULT_REF = "default"
_MAX_DEPTH = 10

Loc = tuple[Any, ...]


def default_read_mapping_path() -> Path:
    """The shipped ``read.yaml``: inside the wheel (``asymbl_sf/_mappings``), or the top-level
    ``mappings/`` folder of a source checkout."""
    try:
        packaged = resources.files("asymbl_sf") / "_mappings" / DEFAULT_NAME
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - odd installs
        pass
    return Path(__file__).resolve().parents[2] / "mappings" / DEFAULT_NAME


def load_read_mapping(path: str | Path | None = None) -> ReadMapping:
    """The read mapping in ``path`` (None: the shipped default), ``extends`` chain merged.

    Raises :class:`~asymbl_sf.errors.MappingError` listing every problem with file and line.
    """
    target = default_read_mapping_path() if path is None else Path(path)
    label = DEFAULT_LABEL if path is None else str(path)
    raw, positions, files = _load_chain(target, label, chain=[])
    return _validate(raw, positions, files)


def parse_read_mapping(text: str, *, source: str = "<read mapping>",
                       base_dir: str | Path = ".") -> ReadMapping:
    """Like :func:`load_read_mapping` for YAML text; a relative ``extends`` is read from
    ``base_dir``."""
    raw, positions = _read_yaml(text, source)
    raw, positions, files = _resolve_extends(raw, positions, [source], Path(base_dir), [])
    return _validate(raw, positions, files)


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
        raise MappingError(Problem(
            "", "a read mapping is a mapping of keys (version, settings, models)", label, 1))
    positions: Positions = {}
    duplicates: list[Problem] = []
    _walk(node, (), label, positions, duplicates)
    if duplicates:
        raise MappingError(duplicates)
    return data, positions


def _load_chain(path: Path, label: str, chain: list[Path]
                ) -> tuple[dict[str, Any], Positions, list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(Problem("", "no such read mapping file", label)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(Problem("", f"cannot read the read mapping: {exc}", label)) from None
    raw, positions = _read_yaml(text, label)
    return _resolve_extends(raw, positions, [label], path.parent, [*chain, path.resolve()])


def _resolve_extends(raw: dict[str, Any], positions: Positions, files: list[str], base: Path,
                     chain: list[Path]) -> tuple[dict[str, Any], Positions, list[str]]:
    parent_ref = raw.get("extends")
    if parent_ref is None:
        return raw, positions, files
    label = files[0]
    line = positions.get(("extends",), (label, None, None))[1]
    if not isinstance(parent_ref, str) or not parent_ref.strip():
        raise MappingError(Problem("extends", "must be 'default' or a path to a read mapping",
                                   label, line))
    if parent_ref == DEFAULT_REF:
        parent_path, parent_label = default_read_mapping_path(), DEFAULT_LABEL
    else:
        parent_path = base / parent_ref
        parent_label = str(Path(label).parent / parent_ref) if label[:1] != "<" else parent_ref
    resolved = parent_path.resolve()
    if resolved in chain:
        loop = " → ".join(p.name for p in [*chain, resolved])
        raise MappingError(Problem("extends", f"extends loops back on itself: {loop}",
                                   label, line))
    if len(chain) >= _MAX_DEPTH:
        raise MappingError(Problem("extends", f"more than {_MAX_DEPTH} files deep", label, line))
    parent, parent_positions, parent_files = _load_chain(parent_path, parent_label, chain)
    merged, merged_positions = merge(parent, parent_positions, raw, positions)
    return merged, merged_positions, files + parent_files


def _replaced_whole(loc: Loc) -> bool:
    # A field spec is replaced as a whole: {field: A, map: {...}} merged with {field: B} would
    # keep a map written for A.
    return len(loc) == 4 and loc[0] == "models" and loc[2] == "fields"


def merge(parent: dict[str, Any], parent_pos: Positions, child: dict[str, Any],
          child_pos: Positions) -> tuple[dict[str, Any], Positions]:
    """``child`` over ``parent``: mappings merge key by key, lists and other values replace,
    ``null`` removes the key; field specs replace as a whole. Positions follow the values."""
    positions = dict(parent_pos)
    out = _merge(parent, child, (), positions, child_pos)
    out.pop("extends", None)
    return out, positions


def _drop(positions: Positions, loc: Loc) -> None:
    for key in [k for k in positions if k[: len(loc)] == loc]:
        del positions[key]


def _merge(parent: dict[str, Any], child: dict[str, Any], loc: Loc, positions: Positions,
           child_pos: Positions) -> dict[str, Any]:
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


def _as_written(loc: Loc, raw: dict[str, Any]) -> Loc:
    """The location as the file has it: a typed list is written as a list, so pydantic's
    ``values`` step is not in the file (``fields.phone_numbers[0]``)."""
    if len(loc) > 4 and loc[0] == "models" and loc[2] == "fields" and loc[4] == "values":
        written = raw.get("models", {}).get(loc[1], {}).get("fields", {}).get(loc[3])
        if isinstance(written, list):
            return (*loc[:4], *loc[5:])
    return loc


def _locate(loc: Loc, message: str, positions: Positions, fallback: str) -> Problem:
    for end in range(len(loc), -1, -1):
        found = positions.get(tuple(loc[:end]))
        if found:
            label, line, col = found
            return Problem(format_loc(loc), message, label, line, col)
    return Problem(format_loc(loc), message, fallback)


def _validate(raw: dict[str, Any], positions: Positions, files: list[str]) -> ReadMapping:
    label = files[0]
    try:
        mapping = ReadMapping.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(dedupe(
            _locate(_as_written(tuple(e["loc"]), raw), message_for(e, ReadMapping), positions,
                    label)
            for e in exc.errors(include_url=False))) from None
    problems = catalog_problems(mapping)
    if problems:
        raise MappingError(_locate(loc, msg, positions, label) for loc, msg in problems)
    mapping._files = files
    mapping._positions = positions
    return mapping


__all__ = ["default_read_mapping_path", "load_read_mapping", "merge", "parse_read_mapping"]
