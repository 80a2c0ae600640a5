"""Canonical models built from values a dialect parser has already validated.

Every value a parser puts into a canonical model has been checked by the dialect's input models
(types, formats, allowed values); validating it again as the canonical model is a check of the
parser, not of the payload, and it cost as much as the rest of parsing together (an application
is four to eight nested models, about a microsecond each in pydantic-core). So the parsers build
canonical models with :func:`trusted_constructor`, and the check of the parsers is made by the
tests instead: every dialect's output over the benchmark set equals its own re-validation
(``tests/models/test_trusted_models.py``).

pydantic's own way to skip validation, ``model_construct``, resolves aliases and defaults field
by field in Python and is slower than validating. The constructor here is a function generated
once per model class, with one keyword parameter per field: it sets the four attributes
``model_construct`` sets, so the instance is the one ``model_construct`` would make, except that
every field counts as set (as when a parser passes every key to ``model_validate``). Only field
names (identifiers of our own models, never payload text) are written into its source; defaults
and factories are bound as names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

#: The value of a parameter whose field's default comes from a factory, when none is given.
_FROM_FACTORY = object()


@cache
def trusted_constructor(model: type[M]) -> Callable[..., M]:
    """A function ``(**fields) -> model`` that builds ``model`` from already valid values:
    called with keyword arguments; a missing required field or an unknown name is a ``TypeError``,
    a field left out gets its default (a fresh one from a factory). Built once per class."""
    namespace: dict[str, Any] = {
        "_new": object.__new__,
        "_set": object.__setattr__,
        "_model": model,
        "_FROM_FACTORY": _FROM_FACTORY,
        "_fields_set": set(model.model_fields),
    }
    required: list[str] = []
    optional: list[str] = []
    entries: list[str] = []
    for i, (name, info) in enumerate(model.model_fields.items()):
        if not name.isidentifier():  # never the case for our models; the source relies on it
            raise TypeError(f"{model.__name__}.{name} is not an identifier")
        if info.default_factory is not None:
            namespace[f"_factory{i}"] = info.default_factory
            optional.append(f"{name}=_FROM_FACTORY")
            entries.append(f"{name!r}: _factory{i}() if {name} is _FROM_FACTORY else {name}")
        elif info.is_required():
            required.append(name)
            entries.append(f"{name!r}: {name}")
        else:
            namespace[f"_default{i}"] = info.default
            optional.append(f"{name}=_default{i}")
            entries.append(f"{name!r}: {name}")
    # Every field counts as set, as when a parser passes every key to model_validate. All the
    # class's instances share that one set: nothing changes it in place (a frozen model refuses
    # assignment, and model_copy copies it before adding the fields it updates). The
    # parameters are not keyword-only, though every caller names them: CPython fills a missing
    # keyword-only parameter by a dict lookup, a plain one from a tuple (a third faster here).
    source = (
        f"def build({', '.join(required + optional)}):\n"
        "    instance = _new(_model)\n"
        f"    _set(instance, '__dict__', {{{', '.join(entries)}}})\n"
        "    _set(instance, '__pydantic_fields_set__', _fields_set)\n"
        "    _set(instance, '__pydantic_extra__', None)\n"
        "    _set(instance, '__pydantic_private__', None)\n"
        "    return instance\n"
    )
    exec(compile(source, f"<trusted {model.__name__}>", "exec"), namespace)
    build: Callable[..., M] = namespace["build"]
    build.__qualname__ = build.__name__ = f"trusted_{model.__name__}"
    return build
