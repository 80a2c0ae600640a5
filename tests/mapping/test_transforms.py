"""The named transforms a mapping can use."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from asymbl_sf.mapping.transforms import TRANSFORMS, TransformError, apply, produces, transform
from asymbl_sf.models import SalaryExpectation, SocialLink


def run(name: str, value: Any, arg: Any = None) -> Any:
    return apply([(name, arg)], value)


@pytest.mark.parametrize(
    ("name", "value", "arg", "expected"),
    [
        ("strip", "  a b ", None, "a b"),
        ("lower", "Frank@X.COM", None, "frank@x.com"),
        ("upper", "de", None, "DE"),
        ("title", "frank doe", None, "Frank Doe"),
        ("truncate", "abcdef", 3, "abc"),
        ("digits_only", "+1-541-754-3010", None, "15417543010"),
        ("join", ["a", None, "b"], ", ", "a, b"),
        ("first", ["a", "b"], None, "a"),
        ("first", [], None, None),
        ("date", "2021-01-01T23:00:00Z", None, "2021-01-01"),
        ("date", date(2021, 1, 2), None, "2021-01-02"),
        ("number", "100,000", None, 100000),
        ("number", Decimal("12.50"), None, 12.5),
        ("bool", "Yes", None, True),
        ("bool", "0", None, False),
        ("equals", "CV", "CV", True),
        ("equals", "OTHER", "CV", False),
        ("map", "MALE", {"MALE": "Male"}, "Male"),
        ("map", "OTHER", {"MALE": "Male"}, "OTHER"),
        ("default", None, "Website", "Website"),
        ("default", "Indeed", "Website", "Indeed"),
        ("stem", "Frank Doe CV.txt", None, "Frank Doe CV"),
        ("stem", "v1.2 final", None, "v1.2 final"),
        ("pluck", [SocialLink(url="https://a")], "url", ["https://a"]),
    ],
)
def test_transform_results(name: str, value: Any, arg: Any, expected: Any) -> None:
    assert run(name, value, arg) == expected


def test_datetime_is_salesforce_utc_form() -> None:
    berlin = timezone(timedelta(hours=2))
    assert run("datetime", datetime(2024, 1, 31, 11, 0, tzinfo=berlin)) == (
        "2024-01-31T09:00:00.000+0000"
    )
    assert run("datetime", "2024-01-31T09:00:00Z") == "2024-01-31T09:00:00.000+0000"


def test_annual_salary_multiplies_monthly_amounts() -> None:
    assert run("annual_salary", SalaryExpectation(amount=Decimal(100000), period="YEAR"), 12) == (
        100000
    )
    assert run("annual_salary", SalaryExpectation(amount=Decimal(5000), period="MONTH"), 14) == (
        70000
    )


def test_strict_map_rejects_unknown_values() -> None:
    with pytest.raises(TransformError, match="no translation for 'X'"):
        run("map", "X", {"values": {"A": "B"}, "strict": True})


def test_none_passes_through_every_transform_but_default() -> None:
    for name, t in TRANSFORMS.items():
        if name != "default":
            assert t(None, t.arg_default) is None, name


def test_errors_name_the_transform() -> None:
    with pytest.raises(TransformError, match=r"^date: cannot read 'soon' as a date"):
        run("date", "soon")


def test_steps_run_in_order() -> None:
    assert apply([("strip", None), ("lower", None)], "  A@B.C ") == "a@b.c"


def test_produces_is_decided_by_the_last_typed_step() -> None:
    assert produces([("date", None), ("first", None)]) is not None
    assert "boolean" in produces([("equals", "CV")])  # type: ignore[operator]
    assert produces([("first", None)]) is None


def test_registering_a_name_twice_is_an_error() -> None:
    with pytest.raises(ValueError, match="already registered"):
        transform("strip", produces={"string"})(lambda value, arg: value)
