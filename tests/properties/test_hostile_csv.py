"""Any cell content in any CSV column (commas, quotes, line breaks, NULs, a BOM, any Unicode)
gives each row its own result, a planned record or a failed row that names the field, and never
moves another row's data into it or drops a row."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from asymbl_sf import Asymbl
from asymbl_sf.errors import ConfigurationError
from asymbl_sf.importing.columns import ColumnMap
from asymbl_sf.importing.engine import plan_record
from asymbl_sf.importing.sources import read_records
from asymbl_sf.localorg import LocalOrg
from asymbl_sf.mapping import load_mapping
from asymbl_sf.mapping.spec import CsvSpec
from asymbl_sf.schema import OrgSchema
from asymbl_sf.writes.plan import Planner
from asymbl_sf.writes.result import ResultRow
from tests.properties.strategies import AWKWARD_CHARS, SOQL_FRAGMENTS

#: Header → path. One header is itself awkward (a comma, quotes, a non-ASCII letter).
COLUMNS = {
    "Row": "source_id",
    "Email": "candidate.email_address",
    "First name": "candidate.first_name",
    "Last name": "candidate.last_name",
    'City, "town" é': "candidate.location.city",
    "Country": "candidate.location.country",
    "Job": "job_id",
    "Stage": "stage_id",
    "Source": "source.name",
    "Note": "remote_fields.note",
}
HEADERS = list(COLUMNS)
COLUMN_MAP = ColumnMap.from_spec(CsvSpec(columns=COLUMNS))
MAPPING = load_mapping()
PLANNER = Planner(MAPPING, OrgSchema.packaged(), require_match=True)

#: Cell text: anything a spreadsheet can hold (no lone surrogates: not UTF-8-encodable).
cells = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
    st.lists(
        st.sampled_from(
            [*AWKWARD_CHARS, *SOQL_FRAGMENTS, ",", '""', "\r\n", "\r", "\ufeff", "\x00"]
        ),
        max_size=6,
    ).map("".join),
)


def good_row(index: int, job: str) -> dict[str, str]:
    return {
        "Row": f"row-{index}",
        "Email": f"person{index}@example.com",
        "First name": "Ada",
        "Last name": f"Person {index}",
        'City, "town" é': "Paris",
        "Country": "FR",
        "Job": job,
        "Stage": "",
        "Source": "Referral",
        "Note": "ok",
    }


@st.composite
def sheets(
    draw: st.DrawFn, job: str = "remote:Senior Backend Engineer"
) -> tuple[list[dict[str, str]], str]:
    """Rows (valid, then hostile cells in random columns) and the column that still carries
    each row's own marker, so a row whose data moved would show."""
    rows = [good_row(i, job) for i in range(draw(st.integers(min_value=1, max_value=6)))]
    marker = draw(st.sampled_from(["Row", "Email", "Last name"]), label="marker column")
    for row in rows:
        for header in draw(
            st.lists(st.sampled_from([h for h in HEADERS if h != marker]), max_size=4, unique=True)
        ):
            row[header] = draw(cells)
    return rows, marker


#: Python 3.10's csv writer refuses NUL: the sheet is written with this in its place, then put
#: back, which gives the same bytes a spreadsheet (or 3.11's writer) writes.
_NUL_PLACEHOLDER = "\U0010fffc"


def to_csv(rows: list[dict[str, str]], *, bom: bool) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, HEADERS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(
        {k: v.replace("\x00", _NUL_PLACEHOLDER) for k, v in row.items()} for row in rows
    )
    text = out.getvalue().replace(_NUL_PLACEHOLDER, "\x00")
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def marker_of(record: Any, marker: str) -> str | None:
    payload = record.payload or {}
    if marker == "Row":
        return record.source_id
    candidate = payload.get("candidate") or {}
    return candidate.get("email_address" if marker == "Email" else "last_name")


@given(sheet=sheets(), bom=st.booleans())
def test_every_row_is_read_as_itself_whatever_its_cells_hold(
    sheet: tuple[list[dict[str, str]], str], bom: bool
) -> None:
    rows, marker = sheet
    records = list(
        read_records(io.BytesIO(to_csv(rows, bom=bom)), format="csv", column_map=COLUMN_MAP)
    )
    assert len(records) == len(rows)
    assert [r.line for r in records] == sorted({r.line for r in records})
    for row, record in zip(rows, records, strict=True):
        assert record.problem is None, record.problem  # properly quoted CSV always reads
        assert marker_of(record, marker) == row[marker].strip()
        for header, path in COLUMNS.items():  # every cell lands where its column says
            if path in ("source_id", "job_id") or not row[header].strip():
                continue
            value: Any = record.payload
            for part in path.split("."):
                value = (value or {}).get(part)
            assert value == row[header]


@given(sheet=sheets())
def test_every_row_gets_a_plan_or_a_failed_result_naming_the_field(
    sheet: tuple[list[dict[str, str]], str],
) -> None:
    rows, _ = sheet
    records = list(
        read_records(io.BytesIO(to_csv(rows, bom=False)), format="csv", column_map=COLUMN_MAP)
    )
    for record in records:
        outcome = plan_record(PLANNER, record)
        if isinstance(outcome, ResultRow):
            event(f"failed: {outcome.error_code}")
            assert outcome.outcome == "failed" and outcome.message
            assert outcome.field, f"no field named: {outcome.message}"
        else:
            event("planned")
            assert outcome.line == record.line and outcome.source_id == record.source_id


# (A quote opening a field at the start of a line is not damage CSV can see: that field runs
# on, by the format's own rules, to the next closing quote, taking the lines between with it.)
@pytest.mark.parametrize("damage", [b"\x00", b'"', b"\r", b"\n\n", b'a"b"c'])
def test_a_damaged_line_costs_only_the_rows_it_touches(damage: bytes) -> None:
    rows = [good_row(i, "remote:x") for i in range(6)]
    data = to_csv(rows, bom=False).split(b"\r\n")
    data[2] = data[2][:10] + damage + data[2][10:]  # inside row-1, outside any quotes
    records = list(
        read_records(io.BytesIO(b"\r\n".join(data)), format="csv", column_map=COLUMN_MAP)
    )
    read = [r.source_id for r in records if r.problem is None]
    assert {"row-0", "row-5"} <= set(read)  # the rows before it, and the last one, are intact
    for record in records:
        if record.problem is None and record.source_id:
            index = int(record.source_id.removeprefix("row-"))
            assert record.payload == good_payload(index) or index == 1


def good_payload(index: int) -> dict[str, Any]:
    records = read_records(
        io.BytesIO(to_csv([good_row(index, "remote:x")], bom=False)),
        format="csv",
        column_map=COLUMN_MAP,
    )
    return dict(next(iter(records)).payload or {})


def test_bytes_that_are_not_utf8_are_a_clear_error_not_a_crash() -> None:
    rows = [good_row(i, "remote:x") for i in range(3)]
    data = to_csv(rows, bom=False).replace(b"Person 1", b"Person \xff\xfe1")
    try:
        records = list(read_records(io.BytesIO(data), format="csv", column_map=COLUMN_MAP))
    except ConfigurationError as error:  # the decoder reads ahead: see the report
        assert "utf-8" in str(error).lower()
        return
    assert [r.source_id for r in records if r.problem is None][:1] == ["row-0"]
    assert any(r.problem is not None and "UTF-8" in r.problem.message for r in records)


# -- end to end: an import of a hostile sheet into the local org ------------------------------


@given(sheet=sheets())
def test_an_import_gives_one_result_per_row_and_writes_only_the_good_ones(
    tmp_path_factory: pytest.TempPathFactory, sheet: tuple[list[dict[str, str]], str]
) -> None:
    rows, _ = sheet
    folder = tmp_path_factory.mktemp("csv")
    source = folder / "hostile.csv"
    source.write_bytes(to_csv(rows, bom=True))
    column_map = folder / "columns.yaml"
    column_map.write_text(json.dumps({"columns": COLUMNS}), encoding="utf-8")
    with LocalOrg() as org:
        client = Asymbl(org.salesforce())
        summary = client.import_records(
            str(source), column_map=str(column_map), results=str(folder / "results.jsonl")
        )
        results = [
            json.loads(line)
            for line in Path(summary.results_path).read_text(encoding="utf-8").split("\n")
            if line
        ]
        assert len(results) == len(rows)
        lines = [r["line"] for r in results]
        assert len(set(lines)) == len(rows)
        good = [r for r in results if r["outcome"] != "failed"]
        event(f"{len(good)} of {len(rows)} rows written")
        assert org.count("bpats__ATS_Applicant__c") == len({r["application_id"] for r in good})
        for result in results:
            if result["outcome"] == "failed":
                assert result["message"]
