"""Named value transforms a mapping file can chain (``transform: [strip, lower]``).

Each transform is registered with :func:`transform`, declares the type of its argument (checked
when the mapping loads, so ``{truncate: ten}`` is a mapping error, not a failure mid-import) and
the Salesforce field types its output fits (``check`` compares them with the org's describe).
Transforms pass ``None`` through untouched unless they say otherwise (``default``), so a missing
payload value never turns into a surprise value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from asymbl_sf.schema import TEXT_TYPES

NUMBER_TYPES = frozenset({"currency", "double", "percent", "int", "long"})
#: ``produces`` of a transform whose output type is that of its input.
ANY_TYPE: frozenset[str] = frozenset({"*"})

_NO_ARG = object()


class TransformError(ValueError):
    """A transform cannot handle a value; the message is shown to the user."""


@dataclass(frozen=True)
class Transform:
    name: str
    fn: Callable[[Any, Any], Any]
    #: Salesforce field types the output fits; :data:`ANY_TYPE` = same as the input.
    produces: frozenset[str]
    #: Type of the argument (validated with pydantic), or None when it takes no argument.
    arg_type: Any
    arg_required: bool
    arg_default: Any
    #: Called with ``None`` too (only ``default`` needs that).
    handles_none: bool
    doc: str

    def check_arg(self, arg: Any, given: bool) -> tuple[Any, str | None]:
        """The validated argument, or an error message."""
        if self.arg_type is None:
            if given:
                return None, f"transform '{self.name}' takes no argument"
            return None, None
        if not given:
            if self.arg_required:
                return None, f"transform '{self.name}' needs an argument: {{{self.name}: ...}}"
            return self.arg_default, None
        try:
            return TypeAdapter(self.arg_type).validate_python(arg), None
        except ValidationError:
            return (
                None,
                f"transform '{self.name}': the argument must be {_type_name(self.arg_type)}",
            )

    def __call__(self, value: Any, arg: Any = None) -> Any:
        if value is None and not self.handles_none:
            return None
        return self.fn(value, arg)


def _type_name(tp: Any) -> str:
    names = {int: "a whole number", str: "a string", bool: "true or false", dict: "a mapping"}
    return names.get(tp, "of type " + getattr(tp, "__name__", str(tp)))


TRANSFORMS: dict[str, Transform] = {}


def transform(
    name: str,
    *,
    produces: Iterable[str],
    arg: Any = None,
    arg_required: bool = False,
    arg_default: Any = None,
    handles_none: bool = False,
) -> Callable[[Callable[[Any, Any], Any]], Callable[[Any, Any], Any]]:
    """Register ``fn(value, arg)`` as the transform ``name``."""

    def register(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        if name in TRANSFORMS:
            raise ValueError(f"transform {name!r} is already registered")
        TRANSFORMS[name] = Transform(
            name=name,
            fn=fn,
            produces=frozenset(produces),
            arg_type=arg,
            arg_required=arg_required,
            arg_default=arg_default,
            handles_none=handles_none,
            doc=(fn.__doc__ or "").strip(),
        )
        return fn

    return register


def get(name: str) -> Transform | None:
    return TRANSFORMS.get(name)


def _text(value: Any, fn: Callable[[str], str]) -> Any:
    return fn(value) if isinstance(value, str) else value


# --- text --------------------------------------------------------------------------------------


@transform("strip", produces=TEXT_TYPES)
def _strip(value: Any, arg: Any) -> Any:
    """Remove spaces at both ends."""
    return _text(value, str.strip)


@transform("lower", produces=TEXT_TYPES)
def _lower(value: Any, arg: Any) -> Any:
    """Lower case."""
    return _text(value, str.lower)


@transform("upper", produces=TEXT_TYPES)
def _upper(value: Any, arg: Any) -> Any:
    """Upper case."""
    return _text(value, str.upper)


@transform("title", produces=TEXT_TYPES)
def _title(value: Any, arg: Any) -> Any:
    """Capitalise each word ("frank doe" → "Frank Doe")."""
    return _text(value, str.title)


@transform("truncate", produces=TEXT_TYPES, arg=int, arg_required=True)
def _truncate(value: Any, arg: int) -> Any:
    """Keep the first ``n`` characters: ``{truncate: 40}``."""
    return value[:arg] if isinstance(value, str) else value


@transform("digits_only", produces=TEXT_TYPES)
def _digits_only(value: Any, arg: Any) -> Any:
    """Keep only the digits 0-9 ("+1-541-754-3010" → "15417543010")."""
    return re.sub(r"\D", "", str(value))


@transform("stem", produces=TEXT_TYPES)
def _stem(value: Any, arg: Any) -> Any:
    """A file name without its extension ("Frank Doe CV.txt" → "Frank Doe CV")."""
    if not isinstance(value, str):
        return value
    head, dot, ext = value.rpartition(".")
    # Only a short, space-free tail counts as an extension ("v1.2 final" has none).
    return head if dot and head and 0 < len(ext) <= 8 and " " not in ext else value


@transform("join", produces=TEXT_TYPES, arg=str, arg_default=", ")
def _join(value: Any, arg: str) -> Any:
    """Join a list into one string: ``join`` (", ") or ``{join: "; "}``; empty items dropped."""
    if isinstance(value, (list, tuple)):
        return arg.join(str(v) for v in value if v not in (None, ""))
    return value


# --- lists and objects ---------------------------------------------------------------------------


@transform("first", produces=ANY_TYPE)
def _first(value: Any, arg: Any) -> Any:
    """The first item of a list (None for an empty list); other values pass through."""
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


@transform("pluck", produces=ANY_TYPE, arg=str, arg_required=True)
def _pluck(value: Any, arg: str) -> Any:
    """A key of an object, or of every object in a list: ``{pluck: url}``."""

    def one(item: Any) -> Any:
        if isinstance(item, BaseModel):
            return getattr(item, arg, None)
        if isinstance(item, Mapping):
            return item.get(arg)
        raise TransformError(f"pluck: cannot take '{arg}' from a {type(item).__name__}")

    if isinstance(value, (list, tuple)):
        return [one(v) for v in value]
    return one(value)


# --- types ---------------------------------------------------------------------------------------


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise TransformError(f"cannot read {_short(value)} as a date (YYYY-MM-DD)")


def to_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise TransformError(f"cannot read {_short(value)} as a date-time") from None
    else:
        raise TransformError(f"cannot read {_short(value)} as a date-time")
    # Salesforce stores date-times in UTC; a value without a zone is taken as UTC already.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def salesforce_datetime(value: Any) -> str:
    """The form Salesforce's REST API documents: ``2024-01-31T09:00:00.000+0000``."""
    return to_datetime(value).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def to_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise TransformError("cannot use true/false as a number")
    if isinstance(value, (int, float)):
        return value
    try:
        number = Decimal(str(value).strip().replace(",", "")) if value != "" else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise TransformError(f"cannot read {_short(value)} as a number")
    # JSON has no decimals: integral amounts go as ints ("100000", not "100000.0").
    return int(number) if number == number.to_integral_value() else float(number)


_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise TransformError(f"cannot read {_short(value)} as true or false")


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return repr(text[:57] + "...") if len(text) > 60 else repr(text)


@transform("date", produces={"date"} | TEXT_TYPES)
def _date(value: Any, arg: Any) -> Any:
    """A date, date-time or ISO text → "YYYY-MM-DD"."""
    return to_date(value).isoformat()


@transform("datetime", produces={"datetime"} | TEXT_TYPES)
def _datetime(value: Any, arg: Any) -> Any:
    """A date-time → Salesforce's "YYYY-MM-DDTHH:MM:SS.000+0000", in UTC."""
    return salesforce_datetime(value)


@transform("number", produces=NUMBER_TYPES | TEXT_TYPES)
def _number(value: Any, arg: Any) -> Any:
    """Text or decimal → a number ("100,000" → 100000)."""
    return to_number(value)


@transform("bool", produces={"boolean"})
def _bool(value: Any, arg: Any) -> Any:
    """true/false, yes/no, 1/0, on/off → a checkbox value."""
    return to_bool(value)


@transform("equals", produces={"boolean"}, arg=Any, arg_required=True)
def _equals(value: Any, arg: Any) -> Any:
    """True when the value equals the argument: ``{equals: CV}``."""
    return value == arg


@transform("annual_salary", produces=NUMBER_TYPES, arg=int, arg_default=12)
def _annual_salary(value: Any, arg: int) -> Any:
    """A salary expectation → a yearly amount: YEAR as is, MONTH × ``arg`` (12 unless given,
    e.g. ``{annual_salary: 14}`` where 14 monthly salaries are the norm)."""
    amount = getattr(value, "amount", None)
    period = getattr(value, "period", None)
    if isinstance(value, Mapping):
        amount, period = value.get("amount"), value.get("period")
    if amount is None:
        return to_number(value)
    number = Decimal(str(amount))
    if period == "MONTH":
        number *= arg
    return to_number(number)


@transform("screening_answers", produces=TEXT_TYPES)
def _screening_answers(value: Any, arg: Any) -> Any:
    """Screening answers as readable text, one "question: answer" block per answer.

    Answers may be text, booleans, numbers, dates or lists (of option ids); each becomes text.
    An empty list gives nothing (the field is left out).
    """
    if not value:
        return None
    blocks = []
    for item in value:
        question = getattr(item, "question", None) or getattr(item, "question_id", None)
        answer = getattr(item, "answer", None)
        if _is_mapping(item):
            question = item.get("question") or item.get("question_id")
            answer = item.get("answer")
        blocks.append(f"{question or 'Question'}: {_answer_text(answer)}")
    return "\n".join(blocks)


def _answer_text(answer: Any) -> str:
    if type(answer) is str:
        return answer  # what the checks below end in for text, the commonest answer
    if isinstance(answer, bool):
        return "Yes" if answer else "No"
    if isinstance(answer, (list, tuple)):
        return ", ".join([_answer_text(a) for a in answer])
    if _is_mapping(answer):
        name = answer.get("name") or answer.get("file_name")
        return f"(file {name})" if name else "(file)"
    return "" if answer is None else str(answer)


#: ``type → whether it is a Mapping``: ``isinstance`` against the ABC is slow, and screening
#: answers ask it of every answer of every application.
_MAPPING_TYPES: dict[type, bool] = {}


def _is_mapping(value: Any) -> bool:
    tp = type(value)
    found = _MAPPING_TYPES.get(tp)
    if found is None:
        found = _MAPPING_TYPES[tp] = isinstance(value, Mapping)
    return found


# --- values --------------------------------------------------------------------------------------


class MapArg(BaseModel):
    values: dict[str, Any]
    strict: bool = False


def _map_arg(arg: Any) -> MapArg:
    if isinstance(arg, MapArg):
        return arg
    if isinstance(arg, Mapping) and isinstance(arg.get("values"), Mapping):
        return MapArg.model_validate(arg)
    return MapArg(values={str(k): v for k, v in dict(arg).items()})


@transform("map", produces=ANY_TYPE, arg=dict, arg_required=True)
def _map(value: Any, arg: Any) -> Any:
    """Translate values: ``{map: {MALE: Male}}`` (others pass through) or
    ``{map: {values: {...}, strict: true}}`` (others are a problem)."""
    spec = _map_arg(arg)
    key = str(value)
    if key in spec.values:
        return spec.values[key]
    if spec.strict:
        known = ", ".join(spec.values)
        raise TransformError(f"map: no translation for {_short(value)} (known: {known})")
    return value


@transform("default", produces=ANY_TYPE, arg=Any, arg_required=True, handles_none=True)
def _default(value: Any, arg: Any) -> Any:
    """Use the argument when the value is missing or empty: ``{default: Website}``."""
    return arg if value in (None, "", [], {}) else value


def apply(steps: Iterable[tuple[str, Any]], value: Any) -> Any:
    """Run ``(name, arg)`` steps in order; raises :class:`TransformError` naming the step."""
    for name, arg in steps:
        t = TRANSFORMS[name]
        if value is None and not t.handles_none:
            continue  # what Transform.__call__ does, without the call: this is a hot loop
        try:
            value = t.fn(value, arg)
        except TransformError as exc:
            message = str(exc)
            raise TransformError(
                message if message.startswith(f"{name}:") else f"{name}: {message}"
            ) from None
    return value


def produces(steps: Iterable[tuple[str, Any]]) -> frozenset[str] | None:
    """The field types the last type-deciding step fits, or None when no step decides."""
    out: frozenset[str] | None = None
    for name, _ in steps:
        t = TRANSFORMS[name]
        if t.produces != ANY_TYPE:
            out = t.produces
    return out
