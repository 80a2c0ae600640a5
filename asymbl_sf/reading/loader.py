"""Load a read mapping: YAML → merged ``extends`` chain → validated :class:`ReadMapping`.

Same rules as the write mapping's loader (:mod:`asymbl_sf.mapping.loader`), both being
:mod:`asymbl_sf.yaml_document`'s: YAML 1.2 booleans, every problem collected at once, each with
its file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asymbl_sf.reading.catalog import catalog_problems
from asymbl_sf.reading.spec import ReadMapping
from asymbl_sf.yaml_document import DEFAULT_REF, Document, DocumentKind, Loc

DEFAULT_NAME = "read.yaml"
DEFAULT_LABEL = f"mappings/{DEFAULT_NAME}"

READ_MAPPING_DOCUMENT = DocumentKind(
    default_name=DEFAULT_NAME,
    sections="models",
    not_a_mapping="a read mapping is a mapping of keys (version, settings, models)",
    no_such_file="no such read mapping file",
    cannot_read="cannot read the read mapping",
    bad_extends="must be 'default' or a path to a read mapping",
)


def default_read_mapping_path() -> Path:
    """The shipped ``read.yaml``: inside the wheel (``asymbl_sf/_mappings``), or the top-level
    ``mappings/`` folder of a source checkout."""
    return READ_MAPPING_DOCUMENT.default_path()


#: ``child`` over ``parent`` as ``extends`` merges them (field specs are replaced whole).
merge = READ_MAPPING_DOCUMENT.merge


def load_read_mapping(path: str | Path | None = None) -> ReadMapping:
    """The read mapping in ``path`` (None: the shipped default), ``extends`` chain merged.

    Raises :class:`~asymbl_sf.errors.MappingError` listing every problem with file and line.
    """
    return _validate(READ_MAPPING_DOCUMENT.load(path))


def parse_read_mapping(
    text: str, *, source: str = "<read mapping>", base_dir: str | Path = "."
) -> ReadMapping:
    """Like :func:`load_read_mapping` for YAML text; a relative ``extends`` is read from
    ``base_dir``."""
    return _validate(READ_MAPPING_DOCUMENT.parse(text, source=source, base_dir=base_dir))


def _as_written(loc: Loc, data: dict[str, Any]) -> Loc:
    """The location as the file has it: a typed list is written as a list, so pydantic's
    ``values`` step is not in the file (``fields.phone_numbers[0]``)."""
    if len(loc) > 4 and loc[0] == "models" and loc[2] == "fields" and loc[4] == "values":
        written = data.get("models", {}).get(loc[1], {}).get("fields", {}).get(loc[3])
        if isinstance(written, list):
            return (*loc[:4], *loc[5:])
    return loc


def _validate(document: Document) -> ReadMapping:
    mapping = document.validate(ReadMapping, as_written=_as_written)
    document.raise_problems(catalog_problems(mapping))
    mapping._files = document.files
    mapping._positions = document.positions
    return mapping


__all__ = [
    "DEFAULT_LABEL",
    "DEFAULT_NAME",
    "DEFAULT_REF",
    "READ_MAPPING_DOCUMENT",
    "default_read_mapping_path",
    "load_read_mapping",
    "merge",
    "parse_read_mapping",
]
