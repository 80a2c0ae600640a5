"""CSV columns → payloads: which column fills which part of a Kombo create-application body.

A column map names, for each CSV header, a dotted path in the body (``candidate.email_address``,
``candidate.location.city``, ``candidate.additional_email_addresses[0].email_address``,
``stage_id``, ``source.name``, ``remote_fields.tshirt``) or one of the import's own keys:
``job_id`` (the record's job) and ``source_id`` (the id the results file keys the row by).
It comes from the ``csv:`` section of the mapping, or from a ``--column-map`` YAML file::

    columns:
      Email: candidate.email_address
      First name: candidate.first_name
      Last name: candidate.last_name
      Job: job_id
      Candidate ID: source_id
    delimiter: ","

Every path is checked against Kombo's body when the map is loaded, so a typo is one error with
its file and line, not one failed row per record.
"""

from __future__ import annotations

from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from asymbl_sf.errors import MappingError, Problem
from asymbl_sf.mapping import Mapping, paths
from asymbl_sf.mapping.spec import CsvSpec
from asymbl_sf.models.kombo import KomboCreateApplication
from asymbl_sf.models.problems import format_loc, message_for
from asymbl_sf.yaml_document import YamlRefusedError, compose_and_load, read_document_text

#: Paths that are not part of the body: the import reads them itself.
IMPORT_KEYS = ("job_id", "source_id")


@dataclass(frozen=True)
class ColumnMap:
    """A checked column map: header → parsed path (or an import key)."""

    columns: dict[str, tuple[str | int, ...]]
    #: None: from the file name (a tab for ``.tsv``, else a comma).
    delimiter: str | None = None

    @classmethod
    def from_spec(
        cls,
        spec: CsvSpec,
        where: str = "column map",
        positions: dict[tuple[Any, ...], int] | None = None,
    ) -> ColumnMap:
        """Check every path of ``spec``; :class:`MappingError` lists each bad one."""
        problems: list[Problem] = []
        columns: dict[str, tuple[str | int, ...]] = {}
        for header, path in spec.columns.items():
            line = (positions or {}).get(("columns", header))
            problem = path_problem(path)
            if problem:
                problems.append(Problem(f"columns.{header}", problem, where, line))
                continue
            columns[header] = (path,) if path in IMPORT_KEYS else tuple(paths.parse(path))
        if problems:
            raise MappingError(problems)
        return cls(columns, spec.delimiter)

    def payload(self, row: AnyMapping[str, str]) -> tuple[dict[str, Any], str | None, str | None]:
        """The body a CSV row makes, and its job id and source id (None when the cell is empty).

        An empty cell leaves its path out, so optional parts stay absent rather than ``""``.
        """
        body: dict[str, Any] = {}
        job_id = source_id = None
        for header, parts in self.columns.items():
            value = row.get(header)
            if value is None or value.strip() == "":
                continue
            if parts == ("job_id",):
                job_id = value.strip()
            elif parts == ("source_id",):
                source_id = value.strip()
            else:
                _put(body, parts, value)
        return body, job_id, source_id


def path_problem(path: str) -> str | None:
    """Why ``path`` is not a path in a Kombo create-application body, or None."""
    if path in IMPORT_KEYS:
        return None
    try:
        paths.resolve_type(KomboCreateApplication, path)
    except ValueError as exc:
        return (
            f"{exc} (a column names a path in a Kombo create-application body, or one of "
            f"{', '.join(IMPORT_KEYS)})"
        )
    return None


def _put(body: dict[str, Any], parts: tuple[str | int, ...], value: str) -> None:
    """Set ``body[parts...] = value``, creating the objects and list items on the way."""
    current: Any = body
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        following = None if last else parts[index + 1]
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            while len(current) <= part:
                current.append({} if not isinstance(following, int) else [])
            if last:
                current[part] = value
            else:
                if not isinstance(current[part], (dict, list)):
                    current[part] = empty
                current = current[part]
        else:
            if last:
                current[part] = value
            else:
                current = current.setdefault(part, empty)


def column_map_for(mapping: Mapping, column_map: str | Path | None) -> ColumnMap | None:
    """The column map from ``column_map`` (a YAML file) or else the mapping's ``csv:`` section;
    None when neither gives one."""
    if column_map is not None:
        return load_column_map(column_map)
    if mapping.csv is None:
        return None
    positions = {}
    for header in mapping.csv.columns:
        found = mapping.position(("csv", "columns", header))
        if found:
            positions[("columns", header)] = found[1]
    source = mapping.files[0] if mapping.files else "mapping"
    return ColumnMap.from_spec(mapping.csv, f"{source} (csv)", positions)


def load_column_map(path: str | Path) -> ColumnMap:
    """A column-map YAML file: ``columns:`` (and ``delimiter:``) at the top, or under ``csv:``
    (so a mapping file with a ``csv:`` section works too)."""
    label = str(path)
    try:
        text = read_document_text(Path(path), label)
    except FileNotFoundError:
        raise MappingError(Problem("", "no such column-map file", label)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(Problem("", f"cannot read the column-map file: {exc}", label)) from None
    try:
        node, data = compose_and_load(text)  # bounded: an alias bomb is refused, not expanded
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        said = getattr(exc, "problem", exc)
        raise MappingError(
            Problem(
                "",
                # A refused bound is a whole message already; a syntax error needs the prefix.
                str(said) if isinstance(exc, YamlRefusedError) else f"not valid YAML: {said}",
                label,
                mark.line + 1 if mark else None,
            )
        ) from None
    prefix: tuple[Any, ...] = ()
    if isinstance(data, dict) and isinstance(data.get("csv"), dict):
        data, prefix = data["csv"], ("csv",)
    if not isinstance(data, dict):
        raise MappingError(
            Problem("", "a column map is 'columns:' with one 'CSV header: path' per line", label, 1)
        )
    positions = _key_lines(node, prefix)
    try:
        spec = CsvSpec.model_validate(data)  # unknown keys are refused (extra="forbid")
    except ValidationError as exc:
        raise MappingError(
            Problem(
                format_loc(tuple(e["loc"])),
                message_for(e, CsvSpec),
                label,
                positions.get(tuple(e["loc"][:2])) or positions.get(tuple(e["loc"][:1])),
            )
            for e in exc.errors(include_url=False)
        ) from None
    return ColumnMap.from_spec(spec, label, positions)


def _key_lines(node: yaml.Node | None, prefix: tuple[Any, ...]) -> dict[tuple[Any, ...], int]:
    """1-based line of each key under ``prefix``, two levels deep (``columns.<header>``)."""
    out: dict[tuple[Any, ...], int] = {}
    for step in prefix:
        node = _child(node, step)
    if not isinstance(node, yaml.MappingNode):
        return out
    for key, value in node.value:
        out[(key.value,)] = key.start_mark.line + 1
        if isinstance(value, yaml.MappingNode):
            for inner_key, _ in value.value:
                out[(key.value, inner_key.value)] = inner_key.start_mark.line + 1
    return out


def _child(node: yaml.Node | None, name: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if k.value == name), None)
