"""The local org's SOQL subset: parser and evaluator against a tiny in-memory store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from asymbl_sf.localorg.soql import QueryResult, SoqlError, execute, parse_query
from asymbl_sf.schema import OrgSchema, SObjectDescribe
from asymbl_sf.schema.ids import make_id

SCHEMA = OrgSchema.packaged()


class MemorySource:
    """A minimal ``QuerySource``: lists of records per object, optional indexes by field."""

    def __init__(self, indexed: dict[str, set[str]] | None = None) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.indexed = indexed or {}
        self.lookups: list[tuple[str, str, list[Any]]] = []
        self.scans: list[str] = []

    def add(self, sobject: str, **fields: Any) -> str:
        describe = SCHEMA.get(sobject)
        assert describe is not None and describe.keyPrefix
        rows = self.rows.setdefault(describe.name, [])
        rid = fields.pop("Id", None) or make_id(describe.keyPrefix, len(rows) + 1)
        rows.append({"Id": rid, "IsDeleted": False, **fields})
        return rid

    def describe(self, sobject: str) -> SObjectDescribe | None:
        return SCHEMA.get(sobject)

    def records(self, sobject: str, include_deleted: bool) -> Iterable[dict[str, Any]]:
        self.scans.append(sobject)
        return [r for r in self.rows.get(sobject, []) if include_deleted or not r.get("IsDeleted")]

    def get_record(self, sobject: str, record_id: str) -> dict[str, Any] | None:
        return next((r for r in self.rows.get(sobject, []) if r["Id"] == record_id), None)

    def indexed_lookup(
        self, sobject: str, field: str, values: list[Any], include_deleted: bool
    ) -> Iterable[dict[str, Any]] | None:
        if field not in self.indexed.get(sobject, set()):
            return None
        self.lookups.append((sobject, field, list(values)))
        fold = lambda v: v.lower() if isinstance(v, str) else v  # noqa: E731
        rows = [r for r in self.rows.get(sobject, []) if include_deleted or not r.get("IsDeleted")]
        # One pass per value, like a real index: a record may come back more than once.
        return [r for v in values for r in rows if fold(r.get(field)) == fold(v)]


def run(source: MemorySource, soql: str, **kwargs: Any) -> QueryResult:
    return execute(parse_query(soql), source, **kwargs)


def ids(result: QueryResult) -> list[str]:
    return [r["Id"] for r in result.records]


def error_of(source: MemorySource, soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as info:
        run(source, soql)
    return info.value


@pytest.fixture()
def org() -> MemorySource:
    src = MemorySource()
    acme = src.add("Account", Name="Acme")
    src.add(
        "Contact",
        LastName="Doe",
        FirstName="Jane",
        Email="jane@x.com",
        AccountId=acme,
        Birthdate="1990-05-01",
        CreatedDate="2024-01-31T10:00:00.000+0000",
    )
    src.add(
        "Contact", LastName="O'Brien", Email="ob@x.com", CreatedDate="2024-01-31T09:00:00.000+0000"
    )
    src.add("Contact", LastName="OBrien", Email=None, Birthdate="1985-01-01")
    src.add("Contact", LastName="100% Sure", Email="sure@x.com")
    src.add("Contact", LastName="1000 Sure", Title="Gone", IsDeleted=True)
    job = src.add("bpats__Job__c", Name="Engineer")
    stage = src.add("bpats__ATS_Stage__c", Name="Interview", bpats__Job__c=job)
    contacts = src.rows["Contact"]
    src.add(
        "bpats__ATS_Applicant__c",
        Name="A-1",
        bpats__ATS_Applicant__c=contacts[0]["Id"],
        bpats__Job__c=job,
        bpats__Stage__c=stage,
        bpats__Salary__c=100000,
    )
    src.add(
        "bpats__ATS_Applicant__c",
        Name="A-2",
        bpats__ATS_Applicant__c=contacts[1]["Id"],
        bpats__Job__c=job,
        bpats__Stage__c=None,
        bpats__Salary__c=50000.5,
    )
    return src


def contact_id(src: MemorySource, last_name: str) -> str:
    return next(r["Id"] for r in src.rows["Contact"] if r["LastName"] == last_name)


# -- matching -----------------------------------------------------------------------------


def test_text_equality_is_case_insensitive(org: MemorySource) -> None:
    result = run(org, "select id, email from contact where EMAIL = 'JANE@X.COM'")
    assert [r["Email"] for r in result.records] == ["jane@x.com"]
    assert result.total_size == 1
    assert list(result.records[0]) == ["attributes", "Id", "Email"]
    assert result.records[0]["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v59.0/sobjects/Contact/{contact_id(org, 'Doe')}",
    }


def test_escaped_quote_matches_exactly(org: MemorySource) -> None:
    result = run(org, r"SELECT LastName FROM Contact WHERE LastName = 'O\'Brien'")
    assert [r["LastName"] for r in result.records] == ["O'Brien"]


def test_string_escapes_decode_and_unknown_escape_is_refused(org: MemorySource) -> None:
    q = parse_query(r"SELECT Id FROM Contact WHERE Title = 'a\nb\t\"\\\u00e9'")
    assert q.where.value.value == 'a\nb\t"\\é'  # type: ignore[union-attr]
    with pytest.raises(SoqlError) as info:
        parse_query(r"SELECT Id FROM Contact WHERE Title = 'a\qb'")
    assert info.value.error_code == "MALFORMED_QUERY"


def test_like_wildcards_and_escaped_percent(org: MemorySource) -> None:
    names = lambda soql: sorted(r["LastName"] for r in run(org, soql).records)  # noqa: E731
    assert names("SELECT LastName FROM Contact WHERE LastName LIKE 'o%'") == ["O'Brien", "OBrien"]
    assert names("SELECT LastName FROM Contact WHERE LastName LIKE 'o_brien'") == ["O'Brien"]
    assert names(r"SELECT LastName FROM Contact WHERE LastName LIKE '100\% %'") == ["100% Sure"]
    # Unescaped, % is a wildcard: '100%' also matches "1000 Sure" (deleted here, so queryAll).
    result = run(
        org, "SELECT LastName FROM Contact WHERE LastName LIKE '100%'", include_deleted=True
    )
    assert sorted(r["LastName"] for r in result.records) == ["100% Sure", "1000 Sure"]


def test_and_or_mix_without_parentheses_is_malformed(org: MemorySource) -> None:
    with pytest.raises(SoqlError) as info:
        parse_query("SELECT Id FROM Contact WHERE LastName = 'a' AND Email = 'b' OR Title = 'c'")
    assert info.value.error_code == "MALFORMED_QUERY"
    ok = run(
        org,
        "SELECT Id FROM Contact WHERE (LastName = 'Doe' AND Email != null) OR LastName = 'OBrien'",
    )
    assert ids(ok) == [contact_id(org, "Doe"), contact_id(org, "OBrien")]
    negated = run(org, "SELECT Id FROM Contact WHERE NOT (LastName = 'Doe' OR Email = null)")
    assert ids(negated) == [contact_id(org, "O'Brien"), contact_id(org, "100% Sure")]


def test_null_semantics_are_two_valued(org: MemorySource) -> None:
    # != and NOT IN keep records whose value is null; = / IN / < never match a null.
    result = run(org, "SELECT LastName FROM Contact WHERE Email != 'jane@x.com'")
    assert sorted(r["LastName"] for r in result.records) == ["100% Sure", "O'Brien", "OBrien"]
    result = run(org, "SELECT LastName FROM Contact WHERE Email NOT IN ('jane@x.com', 'ob@x.com')")
    assert sorted(r["LastName"] for r in result.records) == ["100% Sure", "OBrien"]
    assert run(org, "SELECT Id FROM Contact WHERE Email = null").total_size == 1
    assert run(org, "SELECT Id FROM Contact WHERE Email < 'zzz'").total_size == 3


def test_parent_fields_in_select_where_and_order(org: MemorySource) -> None:
    result = run(
        org,
        "SELECT Name, bpats__Stage__r.Name, bpats__ATS_Applicant__r.Email, "
        "bpats__stage__r.bpats__Job__c FROM bpats__ATS_Applicant__c "
        "ORDER BY bpats__Stage__r.Name NULLS LAST",
    )
    first, second = result.records
    assert list(first) == ["attributes", "Name", "bpats__Stage__r", "bpats__ATS_Applicant__r"]
    stage = org.rows["bpats__ATS_Stage__c"][0]
    assert first["bpats__Stage__r"] == {
        "attributes": {
            "type": "bpats__ATS_Stage__c",
            "url": f"/services/data/v59.0/sobjects/bpats__ATS_Stage__c/{stage['Id']}",
        },
        "Name": "Interview",
        "bpats__Job__c": stage["bpats__Job__c"],
    }
    assert first["bpats__ATS_Applicant__r"]["Email"] == "jane@x.com"
    assert second["Name"] == "A-2" and second["bpats__Stage__r"] is None
    where = run(
        org,
        "SELECT Name FROM bpats__ATS_Applicant__c WHERE bpats__ATS_Applicant__r.Email = 'OB@x.com'",
    )
    assert [r["Name"] for r in where.records] == ["A-2"]
    acct = run(org, "SELECT Account.Name FROM Contact WHERE Account.Name LIKE 'ac%'")
    assert acct.records[0]["Account"]["Name"] == "Acme"


def test_order_by_with_nulls_and_direction(org: MemorySource) -> None:
    def emails(soql: str) -> list[str | None]:
        return [r["Email"] for r in run(org, soql).records]

    assert emails("SELECT Email FROM Contact ORDER BY Email") == [
        None,
        "jane@x.com",
        "ob@x.com",
        "sure@x.com",
    ]
    assert emails("SELECT Email FROM Contact ORDER BY Email DESC") == [
        "sure@x.com",
        "ob@x.com",
        "jane@x.com",
        None,
    ]
    assert emails("SELECT Email FROM Contact ORDER BY Email ASC NULLS LAST") == [
        "jane@x.com",
        "ob@x.com",
        "sure@x.com",
        None,
    ]
    assert emails("SELECT Email FROM Contact ORDER BY Email DESC NULLS FIRST") == [
        None,
        "sure@x.com",
        "ob@x.com",
        "jane@x.com",
    ]
    # Case-insensitive text order, then a second key.
    names = [
        r["LastName"]
        for r in run(org, "SELECT LastName FROM Contact ORDER BY Birthdate DESC, LastName").records
    ]
    assert names == ["Doe", "OBrien", "100% Sure", "O'Brien"]


def test_limit_offset(org: MemorySource) -> None:
    result = run(org, "SELECT LastName FROM Contact ORDER BY LastName LIMIT 2 OFFSET 1")
    assert [r["LastName"] for r in result.records] == ["Doe", "O'Brien"]
    assert result.total_size == 2
    err = error_of(org, "SELECT Id FROM Contact LIMIT 5 OFFSET 2001")
    assert err.error_code == "NUMBER_OUTSIDE_VALID_RANGE"


def test_count(org: MemorySource) -> None:
    result = run(org, "SELECT COUNT() FROM Contact WHERE Email != null")
    assert result.records == [] and result.total_size == 3
    assert run(org, "SELECT COUNT() FROM Contact", include_deleted=True).total_size == 5
    agg = run(org, "SELECT COUNT(Id), COUNT(Email) emails FROM Contact")
    assert agg.total_size == 1
    assert agg.records == [{"attributes": {"type": "AggregateResult"}, "expr0": 4, "emails": 3}]
    assert error_of(org, "SELECT COUNT(), Id FROM Contact").error_code == "MALFORMED_QUERY"
    assert error_of(org, "SELECT COUNT(Id), Email FROM Contact").error_code == "MALFORMED_QUERY"


def test_group_by_counts_each_combination_as_salesforce_answers_it(org: MemorySource) -> None:
    org.add("Contact", LastName="doe", Email="other@x.com")  # groups with "Doe": no case
    result = run(
        org,
        "SELECT LastName, COUNT(Id) n, COUNT(Email), MAX(Email) last FROM Contact "
        "WHERE LastName != null GROUP BY LastName ORDER BY LastName DESC",
    )
    aggregate = {"type": "AggregateResult"}
    assert result.records == [
        {"attributes": aggregate, "LastName": "OBrien", "n": 1, "expr0": 0, "last": None},
        {"attributes": aggregate, "LastName": "O'Brien", "n": 1, "expr0": 1, "last": "ob@x.com"},
        {"attributes": aggregate, "LastName": "Doe", "n": 2, "expr0": 2, "last": "other@x.com"},
        {"attributes": aggregate, "LastName": "100% Sure", "n": 1, "expr0": 1,
         "last": "sure@x.com"},
    ]  # fmt: skip
    assert result.total_size == 4


def test_group_by_a_parent_field_and_a_lookup(org: MemorySource) -> None:
    result = run(
        org,
        "SELECT bpats__Job__r.Name, bpats__Stage__c, COUNT(Id), SUM(bpats__Salary__c) total, "
        "AVG(bpats__Salary__c) mean FROM bpats__ATS_Applicant__c "
        "GROUP BY bpats__Job__r.Name, bpats__Stage__c ORDER BY bpats__Stage__c NULLS FIRST",
    )
    assert [(r["Name"], r["bpats__Stage__c"] is None, r["expr0"]) for r in result.records] == [
        ("Engineer", True, 1),
        ("Engineer", False, 1),
    ]
    assert result.records[0]["total"] == 50000.5 and result.records[1]["mean"] == 100000
    assert run(org, "SELECT COUNT() FROM Contact GROUP BY LastName").total_size == 4
    distinct = run(org, "SELECT COUNT_DISTINCT(bpats__Job__c) jobs FROM bpats__ATS_Applicant__c")
    assert distinct.records[0]["jobs"] == 1


@pytest.mark.parametrize(
    ("soql", "code", "message"),
    [
        ("SELECT LastName, Email FROM Contact GROUP BY LastName", "MALFORMED_QUERY",
         "Field must be grouped or aggregated: Email"),
        ("SELECT LastName FROM Contact GROUP BY LastName ORDER BY Email", "MALFORMED_QUERY",
         "Ordered field must be grouped or aggregated: Email"),
        ("SELECT Description FROM Contact GROUP BY Description", "MALFORMED_QUERY",
         "field 'Description' can not be grouped in a query call"),
        ("SELECT Id FROM Contact WHERE Id IN (SELECT ContactId FROM Case GROUP BY ContactId)",
         "MALFORMED_QUERY", "GROUP BY in a semi-join subquery"),
    ],
)  # fmt: skip
def test_group_by_refuses_what_salesforce_refuses(
    org: MemorySource, soql: str, code: str, message: str
) -> None:
    err = error_of(org, soql)
    assert err.error_code == code and message in err.message


def test_an_aggregate_query_cannot_page_past_two_thousand_groups() -> None:
    src = MemorySource()
    for n in range(2001):
        src.add("Contact", LastName=f"Name {n}")
    err = error_of(src, "SELECT LastName, COUNT(Id) FROM Contact GROUP BY LastName")
    assert err.error_code == "EXCEEDED_ID_LIMIT" and "use LIMIT" in err.message
    limited = run(src, "SELECT LastName, COUNT(Id) FROM Contact GROUP BY LastName LIMIT 2000")
    assert limited.total_size == 2000


def test_deleted_rows_only_with_include_deleted(org: MemorySource) -> None:
    assert run(org, "SELECT Id FROM Contact WHERE Title = 'Gone'").total_size == 0
    result = run(
        org, "SELECT Id, IsDeleted FROM Contact WHERE Title = 'Gone'", include_deleted=True
    )
    assert result.records[0]["IsDeleted"] is True


# -- ids ------------------------------------------------------------------------------------


def test_fifteen_character_id_literal_matches(org: MemorySource) -> None:
    doe = contact_id(org, "Doe")
    assert ids(run(org, f"SELECT Id FROM Contact WHERE Id = '{doe[:15]}'")) == [doe]
    applicants = run(
        org,
        f"SELECT Name FROM bpats__ATS_Applicant__c WHERE bpats__ATS_Applicant__c IN ('{doe[:15]}')",
    )
    assert [r["Name"] for r in applicants.records] == ["A-1"]
    # Ids are case-sensitive: another casing is another record.
    swapped = doe[:15].swapcase()
    assert run(org, f"SELECT Id FROM Contact WHERE Id = '{swapped}'").total_size == 0


def test_invalid_id_literal(org: MemorySource) -> None:
    err = error_of(org, "SELECT Id FROM Contact WHERE AccountId = 'not-an-id'")
    assert err.error_code == "INVALID_QUERY_FILTER_OPERATOR"
    assert "invalid ID field: not-an-id" in err.message


# -- types ----------------------------------------------------------------------------------


def test_date_and_datetime_comparisons(org: MemorySource) -> None:
    result = run(org, "SELECT LastName FROM Contact WHERE Birthdate > 1986-01-01")
    assert [r["LastName"] for r in result.records] == ["Doe"]
    result = run(
        org, "SELECT LastName FROM Contact WHERE Birthdate <= 1990-05-01 ORDER BY Birthdate"
    )
    assert [r["LastName"] for r in result.records] == ["OBrien", "Doe"]
    # Instants: 11:00+02:00 is 09:00Z.
    for literal in (
        "2024-01-31T09:30:00Z",
        "2024-01-31T09:30:00.000Z",
        "2024-01-31T11:30:00+02:00",
    ):
        result = run(org, f"SELECT LastName FROM Contact WHERE CreatedDate > {literal}")
        assert [r["LastName"] for r in result.records] == ["Doe"], literal
    result = run(org, "SELECT Id FROM Contact WHERE CreatedDate = 2024-01-31T11:00:00+02:00")
    assert ids(result) == [contact_id(org, "O'Brien")]


@pytest.mark.parametrize(
    ("where", "fragment"),
    [
        ("Birthdate = '1990-05-01'", "must be of type date and should not be enclosed in quotes"),
        ("Birthdate = 2024-01-31T10:00:00Z", "must be of type date"),
        ("CreatedDate > 2024-01-31", "must be of type dateTime"),
        ("LastName = 5", "must be of type string and should be enclosed in quotes"),
        ("HasOptedOutOfEmail = 'true'", "must be of type boolean"),
        ("bpats__Current_Salary__c > '5'", "must be of type currency"),
    ],
)
def test_literal_type_mismatch(org: MemorySource, where: str, fragment: str) -> None:
    err = error_of(org, f"SELECT Id FROM Contact WHERE {where}")
    assert err.error_code == "INVALID_FIELD"
    assert fragment in err.message


def test_numbers_and_booleans(org: MemorySource) -> None:
    result = run(
        org,
        "SELECT Name FROM bpats__ATS_Applicant__c WHERE bpats__Salary__c >= 50000.5 "
        "AND bpats__Salary__c < 100000",
    )
    assert [r["Name"] for r in result.records] == ["A-2"]
    result = run(org, "SELECT Name FROM bpats__ATS_Applicant__c WHERE bpats__Salary__c > -1")
    assert result.total_size == 2
    # A checkbox is never null: a missing value is false.
    assert run(org, "SELECT Id FROM Contact WHERE HasOptedOutOfEmail = FALSE").total_size == 4


# -- errors ---------------------------------------------------------------------------------


def test_unknown_object_and_field(org: MemorySource) -> None:
    err = error_of(org, "SELECT Id FROM Foo")
    assert err.error_code == "INVALID_TYPE"
    assert "sObject type 'Foo' is not supported." in err.message
    err = error_of(org, "SELECT Id, Emial FROM Contact")
    assert err.error_code == "INVALID_FIELD"
    assert "No such column 'Emial' on entity 'Contact'." in err.message
    assert "ERROR at Row:1:Column:12" in err.message
    err = error_of(org, "SELECT Id FROM Contact WHERE Foo__r.Name = 'x'")
    assert err.error_code == "INVALID_FIELD"
    assert "Didn't understand relationship 'Foo__r'" in err.message
    err = error_of(org, "SELECT Account.Nmae FROM Contact")
    assert "No such column 'Nmae' on entity 'Account'." in err.message


def test_names_resolve_case_insensitively_to_canonical_casing(org: MemorySource) -> None:
    result = run(org, "SELECT LASTNAME, account.NAME FROM contact WHERE lastname = 'doe'")
    assert list(result.records[0]) == ["attributes", "LastName", "Account"]
    assert result.records[0]["Account"]["Name"] == "Acme"
    assert result.records[0]["attributes"]["type"] == "Contact"


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT LeadSource, COUNT(Id) FROM Contact GROUP BY ROLLUP(LeadSource)",
        "SELECT LeadSource, COUNT(Id) FROM Contact GROUP BY LeadSource HAVING COUNT(Id) > 1",
        "SELECT LastName FROM Contact ORDER BY COUNT(Id)",
        "SELECT Id, (SELECT Id FROM Contacts) FROM Account",
        "SELECT FIELDS(ALL) FROM Contact LIMIT 200",
        "SELECT TYPEOF What WHEN Account THEN Name END FROM Task",
        "SELECT Id FROM Contact WHERE CALENDAR_YEAR(CreatedDate) = 2024",
        "SELECT Id FROM Contact WHERE CreatedDate = TODAY",
        "SELECT Id FROM Contact WHERE CreatedDate > LAST_N_DAYS:30",
        "SELECT Id FROM Contact WITH SECURITY_ENFORCED",
        "SELECT Id FROM Contact LIMIT 1 FOR UPDATE",
        "SELECT Id FROM Contact USING SCOPE Mine",
        "SELECT Account.Owner.Name FROM Contact",
        "SELECT Id FROM Contact WHERE Account.Owner.Name = 'x'",
        "SELECT Id FROM Contact WHERE LeadSource INCLUDES ('a')",
        "SELECT toLabel(LeadSource) FROM Contact",
        "SELECT GROUPING(LastName) FROM Contact",
        "SELECT Id FROM Contact c",
        "SELECT Id FROM Contact WHERE Id IN :ids",
        "SELECT Id FROM Contact WHERE bpats__Current_Salary__c > USD5000",
    ],
)
def test_unsupported_constructs_are_malformed(org: MemorySource, soql: str) -> None:
    err = error_of(org, soql)
    assert err.error_code == "MALFORMED_QUERY"
    assert "not supported by the local org" in err.message


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT FROM Contact",
        "SELECT Id Contact",
        "SELECT Id FROM Contact WHERE",
        "SELECT Id FROM Contact WHERE Email = 'x",
        "SELECT Id FROM Contact WHERE Email == 'x'",
        "SELECT Id FROM Contact ORDER BY",
        "SELECT Id FROM Contact LIMIT -1",
        "SELECT Id FROM Contact WHERE (Email = 'x'",
        "SELECT Id FROM Contact WHERE Email LIKE 5",
        "SELECT Id FROM Contact extra tokens",
    ],
)
def test_syntax_errors(soql: str) -> None:
    with pytest.raises(SoqlError) as info:
        parse_query(soql)
    assert info.value.error_code == "MALFORMED_QUERY"


# -- semi-join and indexes -------------------------------------------------------------------


def test_semi_join(org: MemorySource) -> None:
    soql = (
        "SELECT LastName FROM Contact WHERE Id {} (SELECT bpats__ATS_Applicant__c "
        "FROM bpats__ATS_Applicant__c WHERE bpats__Stage__r.Name = 'Interview')"
    )
    assert [r["LastName"] for r in run(org, soql.format("IN")).records] == ["Doe"]
    assert sorted(r["LastName"] for r in run(org, soql.format("NOT IN")).records) == [
        "100% Sure",
        "O'Brien",
        "OBrien",
    ]
    err = error_of(org, "SELECT Id FROM Contact WHERE Id IN (SELECT Name FROM Account)")
    assert err.error_code == "INVALID_FIELD"


def test_indexed_lookup_is_used_and_where_still_applies() -> None:
    src = MemorySource(indexed={"Contact": {"Email", "Id"}})
    for n in range(2000):
        src.add("Contact", LastName=f"N{n}", Email=f"p{n}@x.com", Title="t" if n % 2 else None)
    emails = ", ".join(f"'P{n}@X.COM'" for n in range(0, 1000, 2))  # 500 values
    result = run(src, f"SELECT Id, Email FROM Contact WHERE Email IN ({emails}) AND Title = null")
    assert result.total_size == 500
    assert len(src.lookups) == 1 and src.lookups[0][1] == "Email"
    assert len(src.lookups[0][2]) == 500
    assert src.scans == []
    # An Id = literal is more selective than a 500-value IN list.
    first = src.rows["Contact"][0]["Id"]
    result = run(src, f"SELECT Id FROM Contact WHERE Email IN ({emails}) AND Id = '{first[:15]}'")
    assert ids(result) == [first]
    assert src.lookups[-1] == ("Contact", "Id", [first])
    # OR at the top level cannot use an index: full scan.
    run(src, "SELECT Id FROM Contact WHERE Email = 'p1@x.com' OR LastName = 'N2'")
    assert src.scans == ["Contact"]
    # An unindexed field falls back to the scan as well.
    assert run(src, "SELECT Id FROM Contact WHERE LastName = 'n7'").total_size == 1
    assert src.scans == ["Contact", "Contact"]


def test_indexed_candidates_are_deduplicated() -> None:
    src = MemorySource(indexed={"Contact": {"Email"}})
    src.add("Contact", LastName="A", Email="a@x.com")
    result = run(src, "SELECT Id FROM Contact WHERE Email IN ('a@x.com', 'A@X.COM')")
    assert result.total_size == 1


def test_api_version_in_urls(org: MemorySource) -> None:
    result = run(org, "SELECT Id FROM Account", api_version="v60.0")
    assert result.records[0]["attributes"]["url"].startswith("/services/data/v60.0/sobjects/")


def test_polymorphic_parent_is_found_by_key_prefix(org: MemorySource) -> None:
    doe = contact_id(org, "Doe")
    applicant = org.rows["bpats__ATS_Applicant__c"][0]["Id"]
    org.add("Task", Subject="Call", WhoId=doe, WhatId=applicant)
    result = run(org, "SELECT Who.Name, What.Name FROM Task WHERE What.Name = 'a-1'")
    record = result.records[0]
    assert record["Who"]["attributes"]["type"] == "Contact"
    assert record["What"]["attributes"]["type"] == "bpats__ATS_Applicant__c"
    assert record["What"]["Name"] == "A-1"


def test_object_name_qualifier_and_duplicates(org: MemorySource) -> None:
    result = run(org, "SELECT Contact.Email FROM Contact WHERE Contact.LastName = 'Doe'")
    assert result.records[0]["Email"] == "jane@x.com"
    err = error_of(org, "SELECT Email, Contact.email FROM Contact")
    assert "duplicate field selected" in err.message


def test_like_on_a_non_text_field_is_refused(org: MemorySource) -> None:
    err = error_of(org, "SELECT Id FROM Contact WHERE AccountId LIKE '001%'")
    assert err.error_code == "INVALID_QUERY_FILTER_OPERATOR"


def test_error_excerpt_points_at_the_token() -> None:
    with pytest.raises(SoqlError) as info:
        parse_query("SELECT Id\nFROM Contact\nWHERE Email = 'a' AND Title = 'b' OR Phone = 'c'")
    lines = info.value.message.split("\n")
    assert lines[0] == "WHERE Email = 'a' AND Title = 'b' OR Phone = 'c'"
    assert lines[1] == " " * 34 + "^"
    assert lines[2] == "ERROR at Row:3:Column:35"


def test_filtered_fields_lists_where_fields_as_written() -> None:
    q = parse_query(
        "SELECT Id FROM ContentDocumentLink WHERE LinkedEntityId = '003000000000001' AND "
        "(NOT ShareType = 'V' OR Id IN (SELECT Id FROM Contact WHERE Email = 'x'))"
    )
    assert q.filtered_fields() == ["LinkedEntityId", "ShareType", "Id"]
    assert parse_query("SELECT Id FROM Contact").filtered_fields() == []


# -- escapes Salesforce documents that the emulator must read the same way --------------------


def test_escape_letters_are_case_insensitive_like_salesforce() -> None:
    # "Quoted String Escape Sequences": \n or \N, \r or \R, \t or \T, \b or \B, \f or \F.
    q = parse_query(r"SELECT Id FROM Contact WHERE Title = 'a\Nb\Rc\Td\Be\Ff'")
    assert q.where.value.value == "a\nb\rc\td\be\ff"  # type: ignore[union-attr]


def test_unicode_escapes_of_a_surrogate_pair_make_one_character(org: MemorySource) -> None:
    org.add("Contact", LastName="Smile 😀")
    result = run(org, r"SELECT LastName FROM Contact WHERE LastName = 'Smile \ud83d\ude00'")
    assert [r["LastName"] for r in result.records] == ["Smile 😀"]
    like = run(org, r"SELECT LastName FROM Contact WHERE LastName LIKE '%\ud83d\ude00'")
    assert [r["LastName"] for r in like.records] == ["Smile 😀"]


def test_an_escaped_at_sign_is_an_at_sign(org: MemorySource) -> None:
    # asymbl_sf.salesforce.soql writes '@{' as '\u0040{' so Composite does not take it for a
    # reference; SOQL must still read the '@'.
    org.add("Contact", LastName="x@{job.records[0].Id}")
    result = run(org, r"SELECT LastName FROM Contact WHERE LastName = 'x\u0040{job.records[0].Id}'")
    assert [r["LastName"] for r in result.records] == ["x@{job.records[0].Id}"]


# -- fields Salesforce does not filter or sort on (describe filterable / sortable) ---------------


def _last_line(err: SoqlError) -> str:
    return err.message.split("\n")[-1]


@pytest.mark.parametrize(
    ("soql", "field"),
    [
        (
            "SELECT Id FROM bpats__ATS_Applicant__c WHERE bpats__Application_Notes__c LIKE '%x%'",
            "bpats__Application_Notes__c",
        ),
        ("SELECT Id FROM Task WHERE Description = 'Kombo activity a-1'", "Description"),
        (
            "SELECT Id FROM bpats__Job__c WHERE bpats__Job_Description__c = null",
            "bpats__Job_Description__c",
        ),
        (
            "SELECT Id FROM bpats__Job__c WHERE bpats__Short_Description__c != 'x'",
            "bpats__Short_Description__c",
        ),
        ("SELECT Id FROM Contact WHERE Description IN ('a', 'b')", "Description"),
        (
            "SELECT Id FROM Contact WHERE LastName = 'Doe' AND NOT (Description = 'x')",
            "Description",
        ),
        ("SELECT Id FROM ContentVersion WHERE VersionData != null", "VersionData"),
        (
            "SELECT Id FROM bpats__ATS_Applicant__c WHERE bpats__Job__r.bpats__Job_Description__c "
            "LIKE 'x%'",
            "bpats__Job_Description__c",
        ),
        (
            "SELECT Id FROM Contact WHERE Id IN (SELECT WhoId FROM Task WHERE Description = 'x')",
            "Description",
        ),
    ],
)
def test_where_on_a_non_filterable_field_is_refused(
    org: MemorySource, soql: str, field: str
) -> None:
    err = error_of(org, soql)
    assert err.error_code == "INVALID_FIELD"
    assert _last_line(err) == f"field '{field}' can not be filtered in a query call"
    # The caret points at the field path as written, before any record is read.
    excerpt, caret = err.message.split("\n")[:2]
    assert excerpt[len(caret) - 1 :].split(" ")[0].endswith(field)
    assert org.scans == []


def test_where_error_shows_salesforce_excerpt_and_position(org: MemorySource) -> None:
    err = error_of(org, "SELECT Id FROM Task WHERE Description = 'x'")
    assert err.message == (
        "SELECT Id FROM Task WHERE Description = 'x'\n"
        "                          ^\n"
        "ERROR at Row:1:Column:27\n"
        "field 'Description' can not be filtered in a query call"
    )


@pytest.mark.parametrize(
    ("soql", "field"),
    [
        ("SELECT Id FROM Task ORDER BY Description", "Description"),
        (
            "SELECT Id FROM bpats__ATS_Applicant__c ORDER BY Name, bpats__Application_Notes__c DESC",
            "bpats__Application_Notes__c",
        ),
        (
            "SELECT Id FROM bpats__ATS_Applicant__c ORDER BY bpats__Job__r.bpats__Job_Description__c",
            "bpats__Job_Description__c",
        ),
        ("SELECT Id FROM ContentVersion ORDER BY VersionData", "VersionData"),
    ],
)
def test_order_by_a_non_sortable_field_is_refused(org: MemorySource, soql: str, field: str) -> None:
    err = error_of(org, soql)
    assert err.error_code == "MALFORMED_QUERY"
    assert _last_line(err) == f"field '{field}' can not be sorted in a query call"
    assert err.message.split("\n")[2].startswith("ERROR at Row:1:Column:")
    assert org.scans == []


def test_where_is_checked_before_order_by(org: MemorySource) -> None:
    err = error_of(org, "SELECT Id FROM Task WHERE Description = 'x' ORDER BY Description")
    assert err.error_code == "INVALID_FIELD"


def test_long_text_can_still_be_selected_and_short_text_areas_filtered(
    org: MemorySource,
) -> None:
    doe = contact_id(org, "Doe")
    org.add("Task", Subject="Call", WhoId=doe, Description="Kombo activity a-1: long notes")
    result = run(org, "SELECT Description FROM Task WHERE WhoId = '" + doe + "'")
    assert [r["Description"] for r in result.records] == ["Kombo activity a-1: long notes"]
    # MailingStreet is a 255-character text area: filterable and sortable like a string.
    org.add("Contact", LastName="Street", MailingStreet="1 Main St")
    street = run(
        org,
        "SELECT LastName FROM Contact WHERE MailingStreet LIKE '1 Main%' ORDER BY MailingStreet",
    )
    assert [r["LastName"] for r in street.records] == ["Street"]


class _MultiSelectSource(MemorySource):
    """The packaged schema plus a Contact with a multi-select picklist, as a real org may have."""

    def __init__(self) -> None:
        super().__init__()
        contact = SCHEMA.get("Contact")
        assert contact is not None
        body = contact.to_json()
        body["fields"] = [
            *body["fields"],
            {"name": "Skills__c", "type": "multipicklist", "length": 4099, "custom": True},
        ]
        self.contact = SObjectDescribe.model_validate(body)

    def describe(self, sobject: str) -> SObjectDescribe | None:
        return self.contact if sobject.lower() == "contact" else SCHEMA.get(sobject)


def test_multi_select_picklist_is_filterable_but_not_sortable() -> None:
    src = _MultiSelectSource()
    field = src.contact.field("Skills__c")
    assert field is not None
    assert (field.filterable, field.sortable, field.groupable) == (True, False, False)
    err = error_of(src, "SELECT Id FROM Contact ORDER BY Skills__c")
    assert (err.error_code, _last_line(err)) == (
        "MALFORMED_QUERY",
        "field 'Skills__c' can not be sorted in a query call",
    )
    # Filterable in Salesforce (INCLUDES/EXCLUDES): not Salesforce's refusal, the local org's.
    err = error_of(src, "SELECT Id FROM Contact WHERE Skills__c = 'Python'")
    assert err.error_code == "MALFORMED_QUERY"
    assert "not supported by the local org" in err.message


def test_a_describes_own_filterable_wins_over_the_type() -> None:
    # A loaded org describe may mark any field unfilterable (Salesforce does so for some
    # standard fields): the emulator follows the describe, not the type.
    src = _MultiSelectSource()
    body = src.contact.to_json()
    for f in body["fields"]:
        if f["name"] == "Title":
            f["filterable"], f["sortable"] = False, False
    src.contact = SObjectDescribe.model_validate(body)
    title = src.contact.field("Title")
    assert title is not None and title.type == "string" and not title.filterable
    assert error_of(src, "SELECT Id FROM Contact WHERE Title = 'x'").error_code == "INVALID_FIELD"
    assert error_of(src, "SELECT Id FROM Contact ORDER BY Title").error_code == "MALFORMED_QUERY"


# -- describe: filterable / sortable / groupable ------------------------------------------------


@pytest.mark.parametrize(
    ("field_type", "length", "calculated", "expected"),
    [
        ("string", 255, False, (True, True, True)),
        ("textarea", 255, False, (True, True, True)),  # Text Area
        ("textarea", 256, False, (False, False, False)),  # Long / Rich Text Area
        ("textarea", 32768, False, (False, False, False)),
        ("base64", 0, False, (False, False, False)),
        ("encryptedstring", 175, False, (False, False, False)),
        ("anyType", 0, False, (False, False, False)),
        ("multipicklist", 4099, False, (True, False, False)),
        ("address", 0, False, (True, False, False)),
        ("currency", 0, False, (True, True, False)),
        ("double", 0, False, (True, True, False)),
        ("percent", 0, False, (True, True, False)),
        ("datetime", 0, False, (True, True, False)),
        ("date", 0, False, (True, True, True)),
        ("int", 0, False, (True, True, True)),
        ("boolean", 0, False, (True, True, True)),
        ("reference", 18, False, (True, True, True)),
        ("id", 18, False, (True, True, True)),
        ("picklist", 255, False, (True, True, True)),
        ("string", 1300, True, (True, True, False)),  # formula fields cannot be grouped
    ],
)
def test_query_properties_follow_salesforce_type_rules(
    field_type: str, length: int, calculated: bool, expected: tuple[bool, bool, bool]
) -> None:
    from asymbl_sf.schema import FieldDescribe, query_properties

    props = query_properties(field_type, length, calculated)
    assert (props["filterable"], props["sortable"], props["groupable"]) == expected
    # A describe without the keys gets the same values; one with them keeps its own.
    derived = FieldDescribe.model_validate(
        {"name": "X__c", "type": field_type, "length": length, "calculated": calculated}
    )
    assert (derived.filterable, derived.sortable, derived.groupable) == expected
    given = FieldDescribe.model_validate(
        {
            "name": "X__c",
            "type": field_type,
            "length": length,
            "filterable": True,
            "sortable": False,
            "groupable": True,
        }
    )
    assert (given.filterable, given.sortable, given.groupable) == (True, False, True)


def test_packaged_describe_files_carry_the_keys() -> None:
    import json
    from importlib import resources

    root = resources.files("asymbl_sf.schema") / "describes"
    files = [e for e in root.iterdir() if e.name.endswith(".json")]
    assert files
    for entry in files:
        for f in json.loads(entry.read_text("utf-8"))["fields"]:
            keys = ("filterable", "sortable", "groupable")
            assert all(isinstance(f.get(k), bool) for k in keys), f"{entry.name}: {f['name']}"
    expected = {
        ("bpats__ATS_Applicant__c", "bpats__Application_Notes__c"): (False, False, False),
        ("bpats__Job__c", "bpats__Job_Description__c"): (False, False, False),
        ("Task", "Description"): (False, False, False),
        ("Contact", "Description"): (False, False, False),
        ("ContentVersion", "VersionData"): (False, False, False),
        ("Contact", "MailingStreet"): (True, True, True),
        ("Contact", "Email"): (True, True, True),
        ("bpats__Job__c", "Name"): (True, True, True),
        ("bpats__ATS_Applicant__c", "bpats__Salary__c"): (True, True, False),
        ("Contact", "CreatedDate"): (True, True, False),
    }
    for (sobject, name), props in expected.items():
        describe = SCHEMA.get(sobject)
        field = describe.field(name) if describe else None
        assert field is not None, f"{sobject}.{name}"
        assert (field.filterable, field.sortable, field.groupable) == props, f"{sobject}.{name}"


def test_local_org_describe_and_rest_query_agree(local_sf: Any) -> None:
    from simple_salesforce.exceptions import SalesforceMalformedRequest

    fields = {f["name"]: f for f in local_sf.Task.describe()["fields"]}
    assert (
        fields["Description"]["filterable"],
        fields["Description"]["sortable"],
        fields["Description"]["groupable"],
    ) == (False, False, False)
    assert (fields["Subject"]["filterable"], fields["Subject"]["sortable"]) == (True, True)
    with pytest.raises(SalesforceMalformedRequest) as info:
        local_sf.query("SELECT Id FROM Task WHERE Description LIKE '%a-1%'")
    [error] = info.value.content
    assert error["errorCode"] == "INVALID_FIELD"
    assert error["message"].endswith("field 'Description' can not be filtered in a query call")
    with pytest.raises(SalesforceMalformedRequest) as info:
        local_sf.query("SELECT Id FROM bpats__Job__c ORDER BY bpats__Job_Description__c")
    [error] = info.value.content
    assert error["errorCode"] == "MALFORMED_QUERY"
    assert error["message"].endswith(
        "field 'bpats__Job_Description__c' can not be sorted in a query call"
    )
