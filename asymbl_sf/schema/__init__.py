"""The org's shape: describes of its objects (:mod:`.describe`), the names of the objects and
fields asymbl-sf writes (:mod:`.names`), record ids (:mod:`.ids`) and the API version
(:mod:`.api_version`)."""

from .describe import (
    FILTERABLE_TEXTAREA_LENGTH,
    QUERY_PROPERTIES,
    TEXT_TYPES,
    FieldDescribe,
    OrgSchema,
    PicklistValue,
    SObjectDescribe,
    query_properties,
)

__all__ = [
    "FILTERABLE_TEXTAREA_LENGTH",
    "QUERY_PROPERTIES",
    "TEXT_TYPES",
    "FieldDescribe",
    "OrgSchema",
    "PicklistValue",
    "SObjectDescribe",
    "query_properties",
]
