"""Load a mapping file: YAML → merged ``extends`` chain → validated :class:`Mapping`.

Every problem (YAML syntax, duplicate or unknown keys, bad values, unknown transforms, paths that
are not in the canonical models) is collected and raised at once as one :class:`MappingError`,
each with the file and line it is on. The reading, positions and ``extends`` rules are
:mod:`asymbl_sf.yaml_document`'s, shared with the read mapping.
"""

from __future__ import annotations

from pathlib import Path

from asymbl_sf.mapping.spec import Mapping, semantic_problems
from asymbl_sf.yaml_document import DEFAULT_REF, Document, DocumentKind

DEFAULT_NAME = "asymbl.yaml"

MAPPING_DOCUMENT = DocumentKind(
    default_name=DEFAULT_NAME,
    sections="objects",
    not_a_mapping="the file must be a mapping of keys (version, objects)",
    no_such_file="no such mapping file",
    cannot_read="cannot read the mapping file",
    bad_extends="must be 'default' or a path to a mapping file",
)


def default_mapping_path() -> Path:
    """The shipped ``asymbl.yaml``: inside the wheel (``asymbl_sf/_mappings``), or the top-level
    ``mappings/`` folder of a source checkout."""
    return MAPPING_DOCUMENT.default_path()


#: ``child`` over ``parent`` as ``extends`` merges them (field specs are replaced whole).
merge = MAPPING_DOCUMENT.merge


def load_mapping(path: str | Path | None = None) -> Mapping:
    """The mapping in ``path`` (None: the shipped default), with its ``extends`` chain merged.

    Raises :class:`MappingError` listing every problem with file and line.
    """
    return _validate(MAPPING_DOCUMENT.load(path))


def parse_mapping(text: str, *, source: str = "<mapping>", base_dir: str | Path = ".") -> Mapping:
    """Like :func:`load_mapping` for YAML text; a relative ``extends`` is read from ``base_dir``."""
    return _validate(MAPPING_DOCUMENT.parse(text, source=source, base_dir=base_dir))


def _validate(document: Document) -> Mapping:
    mapping = document.validate(Mapping)
    document.raise_problems(semantic_problems(mapping))
    mapping._files = document.files
    mapping._positions = document.positions
    return mapping


__all__ = [
    "DEFAULT_NAME",
    "DEFAULT_REF",
    "MAPPING_DOCUMENT",
    "default_mapping_path",
    "load_mapping",
    "merge",
    "parse_mapping",
]
