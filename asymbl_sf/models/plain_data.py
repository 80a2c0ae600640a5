"""An input model's validation, producing plain dicts and lists instead of model instances.

A dialect's input models say what a payload may hold and how each value is checked; the parser
then only reads the values to build the canonical models. Building an instance of every input
model on the way (a Kombo application holds four to eight) cost a third of parsing, for objects
that are dropped at once. The validator here is the model's own pydantic-core schema with every
``model`` node turned into a ``typed-dict`` node of the same fields: the same validators in the
same order, the same defaults, unknown keys refused the same way, and so the same errors with
the same locations (``tests/models/test_plain_data.py`` compares both on every payload of the
benchmark set, valid or not). Errors are still reported against the model
(:func:`asymbl_sf.models.problems.problems_from` uses it to suggest a key for a typo).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic_core import SchemaValidator, core_schema


@cache
def plain_validator(model: type[BaseModel]) -> SchemaValidator:
    """A validator of ``model``'s input whose output is a dict of its fields (nested models as
    dicts too, every default filled in), built once per model."""
    return SchemaValidator(_as_dicts(model.__pydantic_core_schema__))


def _as_dicts(schema: Any) -> Any:
    """``schema`` with each model node replaced by a typed-dict node of the same fields."""
    if isinstance(schema, list):
        return [_as_dicts(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    kind, inner_schema = schema.get("type"), schema.get("schema")
    if not isinstance(inner_schema, dict):
        return {key: _as_dicts(value) for key, value in schema.items()}
    inner_kind = inner_schema.get("type")
    if str(kind).startswith("function-") and inner_kind == "model":
        # A model_validator is handed the instance: it cannot be run on a dict.
        raise TypeError(f"{inner_schema['cls'].__name__} has a model validator")
    if kind == "model" and inner_kind == "model-fields":
        config: core_schema.CoreConfig = schema.get("config") or {}
        fields = {
            name: core_schema.typed_dict_field(
                inner := _as_dicts(field["schema"]),
                # A model field is optional exactly when its schema carries a default.
                required=inner.get("type") != "default",
                validation_alias=field.get("validation_alias"),
            )
            for name, field in inner_schema["fields"].items()
        }
        return core_schema.typed_dict_schema(
            fields,
            extra_behavior=config.get("extra_fields_behavior"),
            ref=schema.get("ref"),
            config=config,
        )
    return {key: _as_dicts(value) for key, value in schema.items()}
