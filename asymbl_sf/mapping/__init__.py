"""Declarative YAML mappings from canonical payloads to Salesforce records.

``load_mapping`` reads and validates a file, ``render`` turns a parsed payload into the planned
records offline; the transforms a file can use are in :data:`TRANSFORMS`, the payload kinds an
object can be made ``for`` in :data:`KINDS`.
"""

from asymbl_sf.mapping.kinds import KINDS, PayloadKind, kind_of
from asymbl_sf.mapping.loader import default_mapping_path, load_mapping, parse_mapping
from asymbl_sf.mapping.render import PlannedRecord, RenderedPlan, render
from asymbl_sf.mapping.spec import FieldSpec, Mapping, MatchSpec, ObjectSpec, Settings
from asymbl_sf.mapping.transforms import TRANSFORMS, Transform, TransformError, transform

__all__ = [
    "KINDS",
    "TRANSFORMS",
    "FieldSpec",
    "Mapping",
    "MatchSpec",
    "ObjectSpec",
    "PayloadKind",
    "PlannedRecord",
    "RenderedPlan",
    "Settings",
    "Transform",
    "TransformError",
    "default_mapping_path",
    "kind_of",
    "load_mapping",
    "parse_mapping",
    "render",
    "transform",
]
