"""The SOQL subset the local org understands: ``parse_query`` once, ``execute`` against a store.

Anything outside the subset is refused with ``MALFORMED_QUERY`` rather than answered wrongly.
"""

from .errors import SoqlError
from .evaluate import QueryResult, QuerySource, execute
from .parser import Query, parse_query

__all__ = ["Query", "QueryResult", "QuerySource", "SoqlError", "execute", "parse_query"]
