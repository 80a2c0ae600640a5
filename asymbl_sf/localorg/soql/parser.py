"""Recursive-descent parser for the SOQL subset; syntax only (names are checked at execution).

Valid SOQL outside the subset is refused with ``MALFORMED_QUERY`` "not supported by the local
org" rather than half-understood, so a test can never pass on a wrong answer.
"""

from __future__ import annotations

import re

from .errors import SoqlError, located
from .lexer import DATE, DATETIME, EOF, IDENT, NUMBER, OP, PUNCT, STRING, Token, tokenize
from .nodes import (
    AGGREGATES,
    And,
    Compare,
    Condition,
    FieldPath,
    InList,
    InQuery,
    Like,
    Literal,
    Not,
    Or,
    OrderItem,
    Query,
    SelectAggregate,
    SelectField,
    SelectItem,
)

__all__ = ["Query", "parse_query"]

#: Salesforce's own limit on a statement's length.
MAX_QUERY_LENGTH = 100_000

# Valid SOQL the local org refuses, by the keyword that starts it.
_UNSUPPORTED_CLAUSES = {
    "USING": "USING SCOPE",
    "WITH": "WITH",
    "HAVING": "HAVING",
    "FOR": "FOR VIEW/REFERENCE/UPDATE",
    "UPDATE": "UPDATE TRACKING/VIEWSTAT",
    "ALL": "ALL ROWS",
}
_CLAUSE_WORDS = frozenset({"WHERE", "GROUP", "ORDER", "LIMIT", "OFFSET", *_UNSUPPORTED_CLAUSES})
# TODAY, LAST_N_DAYS:7, THIS_FISCAL_QUARTER, N_DAYS_AGO:3 ...
_DATE_LITERAL = re.compile(
    r"^(TODAY|YESTERDAY|TOMORROW|(LAST|THIS|NEXT)_\w+|LAST_N_\w+|NEXT_N_\w+|N_\w+_(AGO|FROM_NOW))$",
    re.IGNORECASE,
)
_CURRENCY_LITERAL = re.compile(r"^[A-Z]{3}\d+(\.\d+)?$")
_COMPARE_OPS = frozenset({"=", "!=", "<>", "<", ">", "<=", ">="})


def parse_query(text: str) -> Query:
    """The syntax tree of ``text``; raises :class:`SoqlError` ``MALFORMED_QUERY``."""
    if len(text) > MAX_QUERY_LENGTH:
        raise SoqlError("MALFORMED_QUERY", f"query is longer than {MAX_QUERY_LENGTH} characters")
    parser = _Parser(text, tokenize(text))
    query = parser.select_query(nested=False)
    parser.expect_end()
    return query


class _Parser:
    def __init__(self, text: str, tokens: list[Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.i = 0

    # -- token helpers -------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != EOF:
            self.i += 1
        return tok

    def at_punct(self, ch: str) -> bool:
        return self.tok.kind == PUNCT and self.tok.text == ch

    def error(self, message: str, tok: Token | None = None) -> SoqlError:
        tok = tok or self.tok
        return SoqlError("MALFORMED_QUERY", located(self.text, tok.pos, message))

    def unexpected(self, tok: Token | None = None) -> SoqlError:
        tok = tok or self.tok
        if tok.kind == EOF:
            return self.error("unexpected token: <EOF>", tok)
        return self.error(f"unexpected token: {tok.text}", tok)

    def unsupported(self, what: str, tok: Token | None = None) -> SoqlError:
        return self.error(f"SOQL feature not supported by the local org: {what}", tok)

    def expect_kw(self, word: str) -> Token:
        if not self.tok.is_kw(word):
            raise self.unexpected()
        return self.advance()

    def expect_punct(self, ch: str) -> Token:
        if not self.at_punct(ch):
            raise self.unexpected()
        return self.advance()

    def expect_end(self) -> None:
        if self.tok.kind != EOF:
            self.refuse_unsupported_clause()
            raise self.unexpected()

    def refuse_unsupported_clause(self) -> None:
        for word, what in _UNSUPPORTED_CLAUSES.items():
            if self.tok.is_kw(word):
                raise self.unsupported(what)

    # -- query ---------------------------------------------------------------------------

    def select_query(self, nested: bool) -> Query:
        self.expect_kw("SELECT")
        select = self.select_list()
        self.expect_kw("FROM")
        obj = self.advance()
        if obj.kind != IDENT or "." in obj.text:
            raise self.unexpected(obj)
        if self.at_punct(","):
            raise self.unsupported("more than one object in FROM")
        if self.tok.kind == IDENT and self.tok.text.upper() not in _CLAUSE_WORDS:
            raise self.unsupported("object aliases in FROM")
        self.refuse_unsupported_clause()
        where = None
        if self.tok.is_kw("WHERE"):
            self.advance()
            where = self.condition()
        self.refuse_unsupported_clause()
        group_by: tuple[FieldPath, ...] = ()
        if self.tok.is_kw("GROUP"):
            if nested:
                raise self.unsupported("GROUP BY in a semi-join subquery")
            self.advance()
            self.expect_kw("BY")
            if self.tok.is_kw("ROLLUP", "CUBE"):
                raise self.unsupported(f"GROUP BY {self.tok.text.upper()}")
            group_by = self.field_list()
        self.refuse_unsupported_clause()
        order_by: tuple[OrderItem, ...] = ()
        if self.tok.is_kw("ORDER"):
            self.advance()
            self.expect_kw("BY")
            order_by = self.order_list()
        limit = self.count_clause("LIMIT")
        offset = self.count_clause("OFFSET")
        if nested and (order_by or limit is not None or offset is not None):
            raise self.unsupported("ORDER BY, LIMIT or OFFSET in a semi-join subquery")
        self.refuse_unsupported_clause()
        return Query(self.text, select, obj.text, obj.pos, where, group_by, order_by, limit, offset)

    def field_list(self) -> tuple[FieldPath, ...]:
        items = [self.field_path()]
        while self.at_punct(","):
            self.advance()
            items.append(self.field_path())
        return tuple(items)

    def select_list(self) -> tuple[SelectItem, ...]:
        items: list[SelectItem] = [self.select_item()]
        while self.at_punct(","):
            self.advance()
            items.append(self.select_item())
        return tuple(items)

    def select_item(self) -> SelectItem:
        tok = self.tok
        if self.at_punct("("):
            raise self.unsupported("child relationship subqueries in SELECT")
        if tok.kind != IDENT:
            raise self.unexpected()
        if tok.is_kw("TYPEOF"):
            raise self.unsupported("TYPEOF")
        nxt = self.peek()
        if nxt.kind == PUNCT and nxt.text == "(":
            name = tok.text.upper()
            if name not in AGGREGATES:
                raise self.unsupported(f"{name}() in SELECT")
            return self.aggregate_item(name)
        return SelectField(self.field_path())

    def aggregate_item(self, function: str) -> SelectAggregate:
        start = self.advance()
        self.expect_punct("(")
        path = None if self.at_punct(")") else self.field_path()
        if path is None and function != "COUNT":
            raise self.unexpected()  # only COUNT() goes without a field
        self.expect_punct(")")
        alias = None
        if path is not None and self.tok.kind == IDENT and not self.tok.is_kw("FROM"):
            alias_tok = self.advance()
            if "." in alias_tok.text:
                raise self.unexpected(alias_tok)
            alias = alias_tok.text
        return SelectAggregate(path, alias, start.pos, function)

    def field_path(self) -> FieldPath:
        tok = self.tok
        if tok.kind != IDENT:
            raise self.unexpected()
        nxt = self.peek()
        if nxt.kind == PUNCT and nxt.text == "(":
            raise self.unsupported(f"function {tok.text.upper()}()")
        self.advance()
        parts = tuple(tok.text.split("."))
        if len(parts) > 2:
            raise self.unsupported("relationship paths of more than one level", tok)
        return FieldPath(parts, tok.pos)

    def order_list(self) -> tuple[OrderItem, ...]:
        items = [self.order_item()]
        while self.at_punct(","):
            self.advance()
            items.append(self.order_item())
        return tuple(items)

    def order_item(self) -> OrderItem:
        path = self.field_path()
        descending = False
        if self.tok.is_kw("ASC", "DESC"):
            descending = self.advance().text.upper() == "DESC"
        nulls_last = descending  # Salesforce's defaults
        if self.tok.is_kw("NULLS"):
            self.advance()
            if not self.tok.is_kw("FIRST", "LAST"):
                raise self.unexpected()
            nulls_last = self.advance().text.upper() == "LAST"
        return OrderItem(path, descending, nulls_last)

    def count_clause(self, word: str) -> int | None:
        if not self.tok.is_kw(word):
            return None
        self.advance()
        tok = self.advance()
        if tok.kind == PUNCT and tok.text == ":":
            raise self.unsupported("Apex bind variables", tok)
        if tok.kind != NUMBER or not tok.text.isdigit():
            raise self.error(f"{word} must be a non-negative integer", tok)
        return int(tok.text)

    # -- WHERE ---------------------------------------------------------------------------

    def condition(self) -> Condition:
        """``a AND b AND c`` or ``a OR b OR c``; Salesforce refuses AND and OR mixed at one
        level without parentheses, so we do too."""
        first = self.unary()
        if not self.tok.is_kw("AND", "OR"):
            return first
        word = self.tok.text.upper()
        items = [first]
        while self.tok.is_kw("AND", "OR"):
            if self.tok.text.upper() != word:
                raise self.error(
                    "unexpected token: "
                    f"{self.tok.text} (AND and OR cannot be mixed without parentheses)"
                )
            self.advance()
            items.append(self.unary())
        return And(tuple(items)) if word == "AND" else Or(tuple(items))

    def unary(self) -> Condition:
        if self.tok.is_kw("NOT"):
            self.advance()
            return Not(self.unary())
        if self.at_punct("("):
            self.advance()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.simple()

    def simple(self) -> Condition:
        path = self.field_path()
        tok = self.tok
        if tok.kind == OP and tok.text in _COMPARE_OPS:
            self.advance()
            op = "!=" if tok.text == "<>" else tok.text
            return Compare(path, op, self.literal())
        if tok.is_kw("LIKE"):
            self.advance()
            value = self.literal()
            if value.kind != "string":
                raise self.error("LIKE needs a string literal in quotes", self.tokens[self.i - 1])
            return Like(path, value)
        if tok.is_kw("INCLUDES", "EXCLUDES"):
            raise self.unsupported(tok.text.upper())
        negated = False
        if tok.is_kw("NOT"):
            self.advance()
            if not self.tok.is_kw("IN"):
                raise self.unexpected()
            negated = True
        if self.tok.is_kw("IN"):
            self.advance()
            return self.in_tail(path, negated)
        raise self.unexpected()

    def in_tail(self, path: FieldPath, negated: bool) -> Condition:
        if self.tok.kind == PUNCT and self.tok.text == ":":
            raise self.unsupported("Apex bind variables")
        self.expect_punct("(")
        if self.tok.is_kw("SELECT"):
            sub = self.select_query(nested=True)
            self.expect_punct(")")
            return InQuery(path, negated, sub)
        values = [self.literal()]
        while self.at_punct(","):
            self.advance()
            values.append(self.literal())
        self.expect_punct(")")
        return InList(path, negated, tuple(values))

    def literal(self) -> Literal:
        tok = self.advance()
        if tok.kind == STRING:
            return Literal("string", tok.value, tok.text, tok.pos, tok.like)
        if tok.kind == NUMBER:
            text = tok.text
            is_int = re.fullmatch(r"[+-]?\d+", text) is not None
            return Literal("number", int(text) if is_int else float(text), text, tok.pos)
        if tok.kind == DATE:
            return Literal("date", tok.text, tok.text, tok.pos)
        if tok.kind == DATETIME:
            return Literal("datetime", tok.text, tok.text, tok.pos)
        if tok.kind == PUNCT and tok.text == ":":
            raise self.unsupported("Apex bind variables", tok)
        if tok.kind == IDENT:
            word = tok.text.upper()
            if word == "NULL":
                return Literal("null", None, tok.text, tok.pos)
            if word in ("TRUE", "FALSE"):
                return Literal("boolean", word == "TRUE", tok.text, tok.pos)
            if _DATE_LITERAL.match(word):
                raise self.unsupported(f"date literal {word}", tok)
            if _CURRENCY_LITERAL.match(tok.text):
                raise self.unsupported(f"currency literal {tok.text}", tok)
        raise self.unexpected(tok)
