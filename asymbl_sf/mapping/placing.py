"""Checks a value meets on its way into a text field, and the answers worth remembering.

Shared by the renderer's exact path (:mod:`asymbl_sf.mapping.render`) and the code generated
for each mapping object (:mod:`asymbl_sf.mapping.codegen`), which reads the same memos: a value
the generated code places from a memo is the value the exact path placed before.
"""

from __future__ import annotations

import re
from typing import Any

from asymbl_sf.errors import visible
from asymbl_sf.mapping.compiled import CompiledField, FieldFit

#: Characters XML 1.0 cannot hold (C0 controls but tab, line feed and carriage return; U+FFFE,
#: U+FFFF). Salesforce stores them in a text field sent over REST, but every XML reader of the
#: org then fails on the whole record: SOAP integrations, Data Loader, Workbench exports. A payload
#: carrying one is refused at its field, as a malformed email is, before anything is written.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def control_character(found: re.Match[str], target: str) -> str:
    return (
        f"holds the control character {visible(found.group())} at character "
        f"{found.start() + 1}, which {target} would store but no XML reader of the org can "
        "read back (SOAP integrations, Data Loader and Workbench exports fail on the record); "
        "remove it from the source"
    )


def fit_picklist(value: Any, fit: FieldFit) -> str | None:
    """The allowed value matching ``value`` (case-insensitively, written as the org spells it),
    or None. Multi-select values are checked one by one. An import sends the same few values
    (sources, statuses) again and again: each answer is remembered per field."""
    if type(value) is str:
        answers = fit.answers
        hit = answers.get(value, _UNSET)
        if hit is not _UNSET:
            return hit  # type: ignore[return-value]
        found = _fit_picklist_values(value, fit)
        if len(answers) >= MAX_MEMO:
            answers.clear()
        answers[value] = found
        return found
    return _fit_picklist_values(value, fit)


_UNSET = object()


def _fit_picklist_values(value: Any, fit: FieldFit) -> str | None:
    allowed = fit.picklist or {}
    parts = str(value).split(";") if fit.type == "multipicklist" else [str(value)]
    fitted = [allowed.get(p.strip().lower()) for p in parts]
    if any(f is None for f in fitted):
        return None
    return ";".join(f for f in fitted if f is not None)


#: Entries each memo (of a field: :attr:`FieldFit.answers`, :attr:`CompiledField.placed`,
#: :attr:`CompiledField.fallbacks`) holds before it starts over: values are short, and a
#: long-lived process rendering many payloads stays bounded.
MAX_MEMO = 1024


def remember_placed(f: CompiledField, constant: Any, placed: Any) -> None:
    """``constant`` placed cleanly in ``f`` (no problem, no warning) as ``placed``."""
    memo = f.placed
    if len(memo) >= MAX_MEMO:
        memo.clear()
    memo[constant] = placed


def remember_fallback(f: CompiledField, value: str, warning: str, name: str, placed: Any) -> None:
    """``value``, which ``f``'s picklist lacks, placed cleanly in the fallback field ``name``
    with ``warning`` (the only one)."""
    memo = f.fallbacks
    if len(memo) >= MAX_MEMO:
        memo.clear()
    memo[value] = (warning, name, placed)
