"""Tokenizer: SOQL text to a list of tokens with their offsets (for Salesforce-style carets)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import SoqlError, located

# Token kinds. Keywords are not a kind of their own: SOQL keywords are not reserved in every
# position (a field may be called ``Type``), so the parser looks at IDENT text where it matters.
IDENT = "IDENT"  # a name, possibly dotted: Email, bpats__Stage__r.Name
STRING = "STRING"
NUMBER = "NUMBER"
DATE = "DATE"
DATETIME = "DATETIME"
OP = "OP"  # = != <> < > <= >=
PUNCT = "PUNCT"  # ( ) , :
EOF = "EOF"

# Order matters: a datetime starts like a date, a date starts like a number.
_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})", re.IGNORECASE
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w:])")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?![\w.])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_OPS = ("!=", "<>", "<=", ">=", "=", "<", ">")
_PUNCT = "(),:"

# Salesforce's string escapes ("Quoted String Escape Sequences"): the letters in either case
# (``\N`` is a newline too); ``\%`` and ``\_`` only mean something inside LIKE patterns.
_ESCAPES = {
    "'": "'",
    '"': '"',
    "\\": "\\",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "b": "\b",
    "f": "\f",
    "N": "\n",
    "R": "\r",
    "T": "\t",
    "B": "\b",
    "F": "\f",
}


@dataclass(frozen=True)
class Token:
    kind: str
    text: str  # the source text of the token
    pos: int  # offset in the query
    value: object = None  # decoded value: str for STRING (see ``like``), str for numbers/dates
    like: str | None = None  # STRING only: the value as an anchored regex for LIKE

    def is_kw(self, *words: str) -> bool:
        """True for an IDENT spelling one of ``words`` (keywords are case-insensitive)."""
        return self.kind == IDENT and self.text.upper() in words


def _read_string(text: str, start: int) -> tuple[Token, int]:
    """The quoted literal opening at ``start``; decodes escapes and builds the LIKE regex too,
    because ``'50\\%'`` and ``'50%'`` are the same string but different LIKE patterns."""
    plain: list[str] = []
    pattern: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "'":
            value, like = _join_pairs("".join(plain)), _join_pairs("".join(pattern))
            return Token(STRING, text[start : i + 1], start, value, like), i + 1
        if ch != "\\":
            plain.append(ch)
            pattern.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt in _ESCAPES:
            decoded = _ESCAPES[nxt]
            i += 2
        elif nxt in ("%", "_"):
            # Outside LIKE the backslash is kept: the escape is LIKE's, not the string's.
            plain.append("\\" + nxt)
            pattern.append(re.escape(nxt))
            i += 2
            continue
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
            decoded = chr(int(text[i + 2 : i + 6], 16))
            i += 6
        else:
            raise SoqlError(
                "MALFORMED_QUERY",
                located(text, i, "Invalid string literal: unknown escape sequence \\" + nxt),
            )
        plain.append(decoded)
        pattern.append(re.escape(decoded))
    raise SoqlError("MALFORMED_QUERY", located(text, start, "unterminated string literal"))


def _join_pairs(text: str) -> str:
    """``\\ud83d\\ude00`` decodes to two UTF-16 halves; SOQL (Java) reads them as the one
    character they encode, so join every such pair (a lone half is left as it is)."""
    if not any("\ud800" <= ch <= "\udfff" for ch in text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text`` followed by one EOF token."""
    tokens: list[Token] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "'":
            tok, i = _read_string(text, i)
            tokens.append(tok)
            continue
        for kind, rx in ((DATETIME, _DATETIME), (DATE, _DATE), (NUMBER, _NUMBER)):
            m = rx.match(text, i)
            if m:
                tokens.append(Token(kind, m.group(), i, m.group()))
                i = m.end()
                break
        else:
            m = _IDENT.match(text, i)
            if m:
                tokens.append(Token(IDENT, m.group(), i, m.group()))
                i = m.end()
                continue
            op = next((o for o in _OPS if text.startswith(o, i)), None)
            if op:
                tokens.append(Token(OP, op, i, op))
                i += len(op)
                continue
            if ch in _PUNCT:
                tokens.append(Token(PUNCT, ch, i, ch))
                i += 1
                continue
            raise SoqlError("MALFORMED_QUERY", located(text, i, f"unexpected token: '{ch}'"))
    tokens.append(Token(EOF, "", n))
    return tokens
