"""Statements in QuickBooks Online's query language, with names quoted the way its parser needs.

In a string literal ``\\`` escapes: ``'`` is written ``\\'`` and ``\\`` is ``\\\\``. Curly quotes (’ “ ...) cannot be
written at all: the query lexer stops on them ("Lexical error ... Encountered: \\u2019"), so a name holding one
is looked up with ``LIKE`` and a ``%`` in its place, and the exact name is then picked out of the answer.
Listings ask for ``Active IN (true,false)``: without it inactive contacts are left out.
"""

from __future__ import annotations

from collections.abc import Sequence

PAGE_SIZE = 1000  # the most QuickBooks Online returns per query
UNQUOTABLE = "‘’‚‛“”„‟′″‵‶"
_ALL = "Active IN (true,false)"


def quote(text: str) -> str:
    """``text`` as a query string literal. Raises ValueError for characters no literal can hold."""
    bad = next((ch for ch in text if ch in UNQUOTABLE), None)
    if bad is not None:
        raise ValueError(f"{bad!r} cannot be written in a QuickBooks Online query; use like_pattern()")
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def like_pattern(text: str) -> str:
    """A ``LIKE`` literal matching ``text`` at the start, with ``%`` for characters no literal can hold."""
    safe = "".join("%" if ch in UNQUOTABLE else ch for ch in text)
    return quote(safe + "%")


def page(entity: str, start: int, size: int = PAGE_SIZE) -> str:
    """One page of every record of ``entity``, active and inactive, in a stable order (STARTPOSITION from 1)."""
    return f"SELECT * FROM {entity} WHERE {_ALL} ORDERBY Id STARTPOSITION {start} MAXRESULTS {size}"


def count(entity: str) -> str:
    return f"SELECT COUNT(*) FROM {entity} WHERE {_ALL}"


def by_ids(entity: str, ids: Sequence[str]) -> str:
    """Records of ``entity`` with the given Ids (digits only: they came from QuickBooks)."""
    listed = ",".join(quote(i) for i in ids)
    return f"SELECT * FROM {entity} WHERE {_ALL} AND Id IN ({listed}) MAXRESULTS {PAGE_SIZE}"


def by_display_name(entity: str, display_name: str) -> str:
    """Records whose DisplayName starts with ``display_name`` (so "NAME (deleted)" is found too)."""
    return (f"SELECT * FROM {entity} WHERE {_ALL} AND DisplayName LIKE {like_pattern(display_name)} "
            f"MAXRESULTS {PAGE_SIZE}")
