"""asymbl_sf.salesforce.soql: any string becomes a SOQL literal that reads back as exactly that
string, holds no raw control character and nothing Composite would take for a reference."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from asymbl_sf.localorg.soql.lexer import STRING, tokenize
from asymbl_sf.salesforce.soql import escape_like, escape_string, format_soql, quote
from tests.properties.strategies import hostile_text

any_text = st.one_of(hostile_text, st.text(st.characters(exclude_categories=["Cs"])))


def literal(soql: str) -> str:
    """The one string literal in ``soql``, as SOQL decodes it."""
    (token,) = [t for t in tokenize(soql) if t.kind == STRING]
    assert isinstance(token.value, str)
    return token.value


@given(text=any_text)
def test_a_quoted_string_reads_back_exactly(text: str) -> None:
    soql = format_soql("SELECT Id FROM Contact WHERE LastName = {}", text)
    assert literal(soql) == text
    kinds = [t.kind for t in tokenize(soql)]
    assert kinds[-2:] == [STRING, "EOF"] and kinds.count(STRING) == 1  # nothing broke out
    assert "@{" not in soql
    assert not re.search(r"[\x00-\x1f\x7f-\x9f]", soql)


@given(text=any_text)
def test_a_like_pattern_matches_the_text_literally(text: str) -> None:
    soql = format_soql("SELECT Id FROM Contact WHERE LastName LIKE '{:like}'", text)
    (token,) = [t for t in tokenize(soql) if t.kind == STRING]
    pattern = re.compile(token.like or "", re.DOTALL)
    assert pattern.fullmatch(text)
    assert not pattern.fullmatch(text + "x") and (not text or not pattern.fullmatch(text[1:]))


@given(items=st.lists(any_text, max_size=5))
def test_lists_quote_every_item(items: list[str]) -> None:
    soql = format_soql("SELECT Id FROM Contact WHERE LastName IN {}", items)
    assert [t.value for t in tokenize(soql) if t.kind == STRING] == items


def test_the_escapes_salesforce_documents_and_the_two_it_does_not_need() -> None:
    assert escape_string("a'b\"c\\d\ne\rf\tg\bh\fi") == "a\\'b\\\"c\\\\d\\ne\\rf\\tg\\bh\\fi"
    assert escape_string("x@{job.records[0].Id}") == "x\\u0040{job.records[0].Id}"
    assert escape_string("mail@example.com {ok}") == "mail@example.com {ok}"
    assert escape_string("nul\x00 esc\x1b del\x7f") == "nul\\u0000 esc\\u001b del\\u007f"
    assert escape_like("50%_off") == "50\\%\\_off"
    assert quote(None) == "null" and quote(True) == "true" and quote(3) == "3"
    assert quote(date(2024, 1, 31)) == "2024-01-31"
    assert format_soql("SELECT {:literal} FROM Contact", "Name") == "SELECT Name FROM Contact"
