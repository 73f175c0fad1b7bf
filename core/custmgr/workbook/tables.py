"""Excel table parts (``xl/tables/tableN.xml``): a new table, and resizing one in place.

Resizing changes the ``ref`` of the table and of its filter, and the column list when the header changed; the
columns that keep their name keep their own element (and with it any totals or calculated-column formula).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import quoteattr

from .package import TRANSITIONAL, Flavour
from .rules import TABLE_STYLE
from .sheetxml import attrs

_TABLE = re.compile(rb"<(?:\w+:)?table\b([^>]*?)>")
_COLUMNS = re.compile(rb"<(?:(\w+):)?tableColumns\b[^>]*>(.*?)</(?:\w+:)?tableColumns>", re.DOTALL)
_COLUMN = re.compile(rb"<(?:\w+:)?tableColumn\b([^>]*?)(?:/>|>.*?</(?:\w+:)?tableColumn>)", re.DOTALL)
_FILTER = re.compile(rb"<(?:\w+:)?autoFilter\b([^>]*?)(/>|>(.*?)</(?:\w+:)?autoFilter>)", re.DOTALL)
_SORT = re.compile(rb"<(?:\w+:)?sortState\b.*?(?:/>|</(?:\w+:)?sortState>)", re.DOTALL)
_FILTER_COLUMN = re.compile(rb"<(?:\w+:)?filterColumn\b([^>]*?)(?:/>|>.*?</(?:\w+:)?filterColumn>)", re.DOTALL)


def _escape_name(name: str) -> str:
    # Excel writes line breaks in column names as _x000a_ (and so must we, or it repairs the table).
    return quoteattr(name.replace("\r", "_x000d_").replace("\n", "_x000a_"))


def table_info(data: bytes) -> dict[str, str]:
    """``id``, ``name``, ``displayName`` and ``ref`` of a table part."""
    m = _TABLE.search(data)
    if m is None:
        return {}
    return {k.decode(): v.decode() for k, v in attrs(m.group(1)).items()}


def new_table(table_id: int, name: str, ref: str, columns: Sequence[str], flavour: Flavour = TRANSITIONAL) -> bytes:
    """A table part in ``flavour``'s namespace (the workbook's own)."""
    cols = "".join(f'<tableColumn id="{i}" name={_escape_name(c)}/>' for i, c in enumerate(columns, 1))
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="{flavour.main}" id="{table_id}" '
            f'name={quoteattr(name)} displayName={quoteattr(name)} ref="{ref}" totalsRowShown="0">'
            f'<autoFilter ref="{ref}"/><tableColumns count="{len(columns)}">{cols}</tableColumns>'
            f'<tableStyleInfo name="{TABLE_STYLE}" showFirstColumn="0" showLastColumn="0" showRowStripes="1" '
            f'showColumnStripes="0"/></table>').encode()


def resize_table(data: bytes, ref: str, columns: Sequence[str]) -> bytes:
    """The table part covering ``ref`` with ``columns``; the same bytes if it already does."""
    info = table_info(data)
    out = data
    if info.get("ref") != ref:
        m = _TABLE.search(out)
        assert m is not None
        start_tag = re.sub(rb'\sref\s*=\s*"[^"]*"', f' ref="{ref}"'.encode(), m.group(0), count=1)
        out = out[:m.start()] + start_tag + out[m.end():]
        n_cols = len(columns)
        f = _FILTER.search(out)
        if f is not None:
            element = re.sub(rb'\sref\s*=\s*"[^"]*"', f' ref="{ref}"'.encode(), f.group(0), count=1)
            element = _FILTER_COLUMN.sub(
                lambda c: c.group(0) if int(attrs(c.group(1)).get(b"colId", b"0")) < n_cols else b"", element)
            element = _SORT.sub(b"", element)
            out = out[:f.start()] + element + out[f.end():]
        out = _SORT.sub(b"", out)  # it records the last sort over the old size
    cols = _COLUMNS.search(out)
    if cols is None:
        return out
    existing = [(m.group(0), attrs(m.group(1))) for m in _COLUMN.finditer(cols.group(2))]
    names = [_unescape(a.get(b"name", b"")) for _, a in existing]
    if names == list(columns):
        return out
    prefix = (cols.group(1) + b":").decode() if cols.group(1) else ""
    by_name = {n: el for n, (el, _) in zip(names, existing, strict=True)}
    used = [int(a.get(b"id", b"0")) for _, a in existing]
    next_id = max(used, default=0) + 1
    items = []
    for name in columns:
        el = by_name.pop(name, None)
        if el is None:
            el = f"<{prefix}tableColumn id=\"{next_id}\" name={_escape_name(name)}/>".encode()
            next_id += 1
        items.append(el)
    tag = f"{prefix}tableColumns"
    element = f'<{tag} count="{len(items)}">'.encode() + b"".join(items) + f"</{tag}>".encode()
    return out[:cols.start()] + element + out[cols.end():]


def _unescape(value: bytes) -> str:
    from xml.sax.saxutils import unescape

    text = unescape(value.decode(), {"&quot;": '"', "&apos;": "'"})
    return text.replace("_x000a_", "\n").replace("_x000d_", "\r")


