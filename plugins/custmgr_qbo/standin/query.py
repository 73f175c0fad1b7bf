"""The stand-in's reading of QuickBooks Online's query language: the subset a contact sync uses, as strictly.

``SELECT * | COUNT(*) FROM Entity [WHERE cond AND cond ...] [ORDERBY field [ASC|DESC]] [STARTPOSITION n]
[MAXRESULTS n]`` with conditions ``field = | != | < | > | <= | >= | LIKE value`` and ``field IN (v, ...)``. String
literals use ``\\`` to escape; an unescaped quote ends the literal and what follows is a parse error (4000), a curly
quote is a lexical error (4000), as in QuickBooks. Name lists leave inactive records out unless ``Active`` is
in the conditions. String comparisons ignore case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .faults import StandInFault

ENTITIES = ("Customer", "Vendor")
CURLY = "‘’‚‛“”„‟′″‵‶"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any


@dataclass
class Query:
    entity: str
    count: bool = False
    conditions: list[Condition] = field(default_factory=list)
    order: tuple[str, bool] | None = None  # (field, descending)
    start: int = 1
    max_results: int = 100


def parse_error(detail: str) -> StandInFault:
    return StandInFault(400, "4000", "Error parsing query", f"QueryParserError: {detail}")


def validation_error(detail: str) -> StandInFault:
    return StandInFault(400, "4001", "Invalid query", f"QueryValidationError: {detail}")


def tokens(text: str) -> list[tuple[str, Any]]:
    """(kind, value) pairs: word, string, number, symbol."""
    out: list[tuple[str, Any]] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in CURLY:
            raise parse_error(f"Invalid content. Lexical error at line 1, column {i + 1}. Encountered: "
                              f"\"\\u{ord(ch):04x}\" ({ord(ch)})")
        elif ch == "'":
            i, literal = _string(text, i + 1)
            out.append(("string", literal))
        elif ch in "(),*":
            out.append(("symbol", ch))
            i += 1
        elif ch in "=<>!":
            op = text[i:i + 2] if text[i:i + 2] in ("<=", ">=", "!=", "<>") else ch
            out.append(("symbol", op))
            i += len(op)
        elif (m := _NUMBER.match(text, i)) and not _WORD.match(text, i):
            out.append(("number", m.group()))
            i = m.end()
        elif m := _WORD.match(text, i):
            out.append(("word", m.group()))
            i = m.end()
        else:
            raise parse_error(f"Encountered \" \"{ch}\" at line 1, column {i + 1}.")
    return out


def _string(text: str, i: int) -> tuple[int, str]:
    chars: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch in CURLY:
            raise parse_error(f"Invalid content. Lexical error at line 1, column {i + 1}. Encountered: "
                              f"\"\\u{ord(ch):04x}\" ({ord(ch)})")
        if ch == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])
            i += 2
            continue
        if ch == "'":
            return i + 1, "".join(chars)
        chars.append(ch)
        i += 1
    raise parse_error("Lexical error: unterminated string literal.")


class _Reader:
    def __init__(self, items: list[tuple[str, Any]]) -> None:
        self.items, self.at = items, 0

    def peek(self) -> tuple[str, Any] | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self) -> tuple[str, Any]:
        item = self.peek()
        if item is None:
            raise parse_error("Encountered \"<EOF>\": the statement ends too early.")
        self.at += 1
        return item

    def keyword(self, *words: str) -> str | None:
        item = self.peek()
        if item and item[0] == "word" and item[1].upper() in words:
            self.at += 1
            return item[1].upper()
        return None

    def expect(self, kind: str, value: str | None = None) -> Any:
        item = self.take()
        if item[0] != kind or (value is not None and str(item[1]).upper() != value):
            raise parse_error(f"Encountered \" <{item[0].upper()}> \"{item[1]} \"\". Was expecting "
                              f"{value or kind}.")
        return item[1]


def parse(text: str) -> Query:
    r = _Reader(tokens(text))
    r.expect("word", "SELECT")
    count = False
    if r.keyword("COUNT"):
        r.expect("symbol", "(")
        r.expect("symbol", "*")
        r.expect("symbol", ")")
        count = True
    else:
        r.expect("symbol", "*")
    r.expect("word", "FROM")
    entity = str(r.expect("word"))
    match = next((e for e in ENTITIES if e.lower() == entity.lower()), None)
    if match is None:
        raise validation_error(f"invalid context declaration: {entity}")
    q = Query(match, count)
    if r.keyword("WHERE"):
        q.conditions.append(_condition(r))
        while r.keyword("AND"):
            q.conditions.append(_condition(r))
    if r.keyword("ORDERBY", "ORDER"):
        if r.peek() and str(r.peek()[1]).upper() == "BY":  # type: ignore[index]
            r.take()
        q.order = (str(r.expect("word")), r.keyword("DESC", "ASC") == "DESC")
    while (word := r.keyword("STARTPOSITION", "MAXRESULTS")) is not None:
        number = int(r.expect("number"))
        if number < 1:
            raise validation_error(f"value {number} is too small. Min allowed value is 1")
        if word == "MAXRESULTS" and number > 1000:
            raise validation_error(f"value {number} is too large. Max allowed value is 1000")
        if word == "STARTPOSITION":
            q.start = number
        else:
            q.max_results = number
    leftover = r.peek()
    if leftover is not None:
        raise parse_error(f"Encountered \" <{leftover[0].upper()}> \"{leftover[1]} \"\". Was expecting one of: "
                          "<EOF> <AND> \"maxresults\" \"orderby\" \"startposition\"")
    return q


def _condition(r: _Reader) -> Condition:
    name = str(r.expect("word"))
    if r.keyword("IN"):
        r.expect("symbol", "(")
        values = [_literal(r)]
        while r.peek() == ("symbol", ","):
            r.take()
            values.append(_literal(r))
        r.expect("symbol", ")")
        return Condition(name, "IN", values)
    if r.keyword("LIKE"):
        return Condition(name, "LIKE", _literal(r))
    kind, op = r.take()
    if kind != "symbol" or op not in ("=", "!=", "<>", "<", ">", "<=", ">="):
        raise parse_error(f"Encountered \"{op}\". Was expecting an operator.")
    return Condition(name, "!=" if op == "<>" else op, _literal(r))


def _literal(r: _Reader) -> Any:
    kind, value = r.take()
    if kind == "string" or kind == "number":
        return value
    if kind == "word" and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise parse_error(f"Encountered \" <{kind.upper()}> \"{value} \"\". Was expecting a value.")


# --- evaluation ---------------------------------------------------------------------------------------------


def value_of(entity: Mapping[str, Any], path: str) -> Any:
    current: Any = entity
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        if part in current:
            current = current[part]
        else:  # field names ignore case in a query
            current = next((v for k, v in current.items() if k.lower() == part.lower()), None)
    return current


def matches(entity: Mapping[str, Any], cond: Condition) -> bool:
    have = value_of(entity, cond.field)
    if cond.op == "IN":
        return any(_equal(have, v) for v in cond.value)
    if cond.op == "=":
        return _equal(have, cond.value)
    if cond.op == "!=":
        return not _equal(have, cond.value)
    if cond.op == "LIKE":
        pattern = "^" + ".*".join(re.escape(part) for part in str(cond.value).split("%")) + "$"
        return re.match(pattern, str(have or ""), re.IGNORECASE | re.DOTALL) is not None
    left, right = _sortable(have), _sortable(cond.value)
    try:
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[cond.op]
    except TypeError:
        return False


def _equal(have: Any, want: Any) -> bool:
    if isinstance(want, bool) or isinstance(have, bool):
        return str(have).lower() == str(want).lower()
    return str(have if have is not None else "").casefold() == str(want).casefold()


def _sortable(value: Any) -> Any:
    text = str(value if value is not None else "")
    return (0, int(text), "") if text.isdigit() else (1, 0, text.casefold())


def run(q: Query, records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``QueryResponse`` for ``q`` over all records of its entity."""
    conditions = list(q.conditions)
    if not any(c.field.lower() == "active" for c in conditions):
        conditions.append(Condition("Active", "=", True))
    found = [e for e in records if all(matches(e, c) for c in conditions)]
    if q.count:
        return {"totalCount": len(found)}
    if q.order:
        key, desc = q.order
        found.sort(key=lambda e: _sortable(value_of(e, key)), reverse=desc)
    else:
        found.sort(key=lambda e: str(e.get("FullyQualifiedName") or e.get("DisplayName") or "").casefold())
    page = found[q.start - 1:q.start - 1 + q.max_results]
    if not page:
        return {}
    return {q.entity: page, "startPosition": q.start, "maxResults": len(page)}
