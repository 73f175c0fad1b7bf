"""Edits to a worksheet's head and tail (the XML around its rows): used range, columns, frozen header, dropdowns,
table parts. Each edit changes only its own element and returns the bytes unchanged when there is nothing to do,
so a sync that changes nothing on a sheet leaves its part byte-identical.

Worksheet children must appear in the schema's order (CT_Worksheet); :func:`put` inserts an element before the
first sibling that must follow it.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from .package import TRANSITIONAL
from .rules import column_letter, column_number
from .sheetxml import attrs

_TAG = re.compile(rb"<!--.*?-->|<\?.*?\?>|<(/?)(?:\w+:)?(\w+)\b[^>]*?(/?)>", re.DOTALL)
ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
         "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
         "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks",
         "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties",
         "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF",
         "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst"]


def children(xml: bytes, depth: int) -> list[tuple[str, int, int]]:
    """The elements of ``xml`` at nesting ``depth`` (the worksheet's children are at depth 1; the head starts at
    depth 0, the tail at depth 1), as (local name, start, end)."""
    out = []
    level = 0 if depth == 0 else 1
    open_at: tuple[str, int] | None = None
    for m in _TAG.finditer(xml):
        if m.group(2) is None:
            continue
        closing, name, empty = m.group(1), m.group(2).decode(), m.group(3)
        if closing:
            level -= 1
            if level == 1 and open_at is not None:
                out.append((open_at[0], open_at[1], m.end()))
                open_at = None
            continue
        if level == 1:
            if empty:
                out.append((name, m.start(), m.end()))
                continue
            open_at = (name, m.start())
        if not empty:
            level += 1
    return out


def find(xml: bytes, depth: int, name: str) -> tuple[int, int] | None:
    for child, start, end in children(xml, depth):
        if child == name:
            return start, end
    return None


def put(xml: bytes, depth: int, name: str, element: bytes | None) -> bytes:
    """``xml`` with its ``name`` element replaced by ``element`` (None removes it), or ``element`` inserted
    where the schema wants it."""
    kids = children(xml, depth)
    for child, start, end in kids:
        if child == name:
            return xml[:start] + (element or b"") + xml[end:]
    if element is None:
        return xml
    later = set(ORDER[ORDER.index(name) + 1:])
    for child, start, _ in kids:
        if child in later:
            return xml[:start] + element + xml[start:]
    if depth == 0:  # the head: nothing after it there, so it goes at the end (just before <sheetData>)
        return xml + element
    close = xml.rindex(b"</")
    return xml[:close] + element + xml[close:]


def tag(prefix: str, name: str) -> str:
    return f"{prefix}:{name}" if prefix else name


# ----------------------------------------------------------------------------------------------- head


def set_dimension(head: bytes, ref: str, prefix: str = "") -> bytes:
    return put(head, 0, "dimension", f'<{tag(prefix, "dimension")} ref="{ref}"/>'.encode())


def dimension(head: bytes) -> str:
    span = find(head, 0, "dimension")
    if span is None:
        return ""
    return attrs(head[span[0]:span[1]]).get(b"ref", b"").decode()


def set_column(head: bytes, column: int, width: float | None, hidden: bool | None, prefix: str = "") -> bytes:
    """The head with column ``column``'s width and/or hidden flag set; a ``<col>`` spanning several columns is
    split so only this one changes."""
    span = find(head, 0, "cols")
    records: list[dict[bytes, bytes]] = []
    if span is not None:
        records = [attrs(m.group(1)) for m in re.finditer(rb"<(?:\w+:)?col\b([^>]*?)/?>", head[span[0]:span[1]])]
    out: list[dict[bytes, bytes]] = []
    found = None
    for rec in records:
        lo, hi = int(rec.get(b"min", b"0")), int(rec.get(b"max", b"0"))
        if lo <= column <= hi:
            for first, last in ((lo, column - 1), (column, column), (column + 1, hi)):
                if first <= last:
                    piece = {**rec, b"min": str(first).encode(), b"max": str(last).encode()}
                    out.append(piece)
                    if first == column:
                        found = piece
        else:
            out.append(rec)
    if found is None:
        found = {b"min": str(column).encode(), b"max": str(column).encode()}
        out.append(found)
    before = [dict(r) for r in out]
    if width is not None:
        found[b"width"] = _num(width)
        found[b"customWidth"] = b"1"
    if hidden is not None:
        if hidden:
            found[b"hidden"] = b"1"
        else:
            found.pop(b"hidden", None)
    if found.get(b"width") is None:
        found[b"width"] = b"9.140625" if found.get(b"hidden") else b"0"
    if span is not None and before == out and records == out:
        return head
    out.sort(key=lambda r: int(r[b"min"]))
    col = tag(prefix, "col")
    items = "".join(f"<{col}" + "".join(f" {k.decode()}={quoteattr(v.decode())}" for k, v in r.items()) + "/>"
                    for r in out if _meaningful(r))
    element = f"<{tag(prefix, 'cols')}>{items}</{tag(prefix, 'cols')}>".encode() if items else None
    return put(head, 0, "cols", element)


def _meaningful(rec: dict[bytes, bytes]) -> bool:
    return any(k not in (b"min", b"max", b"width") for k in rec) or rec.get(b"width") not in (None, b"0")


def _num(value: float) -> bytes:
    return (str(int(value)) if float(value).is_integer() else repr(float(value))).encode()


_PANE = re.compile(rb"<(?:\w+:)?pane\b[^>]*?/>|<(?:\w+:)?selection\b[^>]*?/>", re.DOTALL)


def freeze_header(head: bytes, prefix: str = "") -> bytes:
    """Row 1 frozen in the first sheet view; unchanged if it already is."""
    span = find(head, 0, "sheetViews")
    pane = (f'<{tag(prefix, "pane")} ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            f'<{tag(prefix, "selection")} pane="bottomLeft" activeCell="A2" sqref="A2"/>').encode()
    if span is None:
        views = f'<{tag(prefix, "sheetViews")}><{tag(prefix, "sheetView")} workbookViewId="0">'.encode() + pane + \
            f'</{tag(prefix, "sheetView")}></{tag(prefix, "sheetViews")}>'.encode()
        return put(head, 0, "sheetViews", views)
    views = head[span[0]:span[1]]
    view = re.search(rb"<(?:\w+:)?sheetView\b[^>]*?(/?)>", views)
    if view is None:
        return head
    current = re.search(rb"<(?:\w+:)?pane\b([^>]*?)/>", views)
    if current is not None:
        a = attrs(current.group(1))
        if a.get(b"state") in (b"frozen", b"frozenSplit") and a.get(b"ySplit") == b"1" and not a.get(b"xSplit"):
            return head
    if view.group(1):  # <sheetView .../>
        new_view = view.group(0)[:-2].rstrip() + b">" + pane + f"</{tag(prefix, 'sheetView')}>".encode()
        new = views[:view.start()] + new_view + views[view.end():]
    else:
        close = views.index(b"</", view.end())
        inner = _PANE.sub(b"", views[view.end():close])
        new = views[:view.end()] + pane + inner + views[close:]
    return head[:span[0]] + new + head[span[1]:]


def clear_tab_selected(head: bytes) -> bytes:
    return re.sub(rb'(<(?:\w+:)?sheetView\b[^>]*?)\s+tabSelected\s*=\s*"(?:1|true)"', rb"\1", head, count=1)


# ----------------------------------------------------------------------------------------------- tail


_DV = re.compile(rb"<(?:\w+:)?dataValidation\b([^>]*?)(?:/>|>.*?</(?:\w+:)?dataValidation>)", re.DOTALL)
_RANGE = re.compile(r"([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})?(\d+)?)?")


def _bounds(ref: str) -> tuple[int, int, int, int]:


    m = _RANGE.fullmatch(ref.replace("$", ""))
    if m is None:
        return (0, 0, -1, -1)
    c1, r1, c2, r2 = m.groups()
    lo_c = column_number(c1) if c1 else 1
    lo_r = int(r1) if r1 else 1
    hi_c = column_number(c2) if c2 else (lo_c if c1 and not m.group(0).count(":") else 16_384)
    hi_r = int(r2) if r2 else (lo_r if r1 and not m.group(0).count(":") else 1_048_576)
    return lo_c, lo_r, hi_c, hi_r


def _ref(lo_c: int, lo_r: int, hi_c: int, hi_r: int) -> str:
    first = f"{column_letter(lo_c)}{lo_r}"
    return first if (lo_c, lo_r) == (hi_c, hi_r) else f"{first}:{column_letter(hi_c)}{hi_r}"


def _cut(sqref: str, column: int, first_row: int, last_row: int) -> str:
    """``sqref`` without rows ``first_row``..``last_row`` of ``column``."""
    kept = []
    for ref in sqref.split():
        lo_c, lo_r, hi_c, hi_r = _bounds(ref)
        if not (lo_c <= column <= hi_c and lo_r <= last_row and first_row <= hi_r):
            kept.append(ref)
            continue
        for a, b, c, d in ((lo_c, lo_r, column - 1, hi_r), (column + 1, lo_r, hi_c, hi_r),
                           (column, lo_r, column, first_row - 1), (column, last_row + 1, column, hi_r)):
            if a <= c and b <= d:
                kept.append(_ref(a, b, c, d))
    return " ".join(kept)


def set_dropdown(tail: bytes, column: int, first_row: int, last_row: int, joined: str | None,
                 prefix: str = "") -> bytes:
    """The tail with a list dropdown (``joined``: "A,B,C"; None removes) on rows ``first_row``..``last_row`` of
    ``column``, replacing any validation on those cells. Unchanged if exactly that dropdown is already there."""
    span = find(tail, 1, "dataValidations")
    block = tail[span[0]:span[1]] if span else b""
    items = [(m.group(0), attrs(m.group(1))) for m in _DV.finditer(block)]
    target = _ref(column, first_row, column, last_row)
    kept = []
    for element, a in items:
        old = a.get(b"sqref", b"").decode()
        new = _cut(old, column, first_row, last_row)
        if new == old:
            kept.append(element)
        elif new:
            kept.append(re.sub(rb'sqref\s*=\s*"[^"]*"', f'sqref="{new}"'.encode(), element, count=1))
    if joined is not None:
        dv, f1 = tag(prefix, "dataValidation"), tag(prefix, "formula1")
        kept.append(f'<{dv} type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" sqref="{target}">'
                    f'<{f1}>{escape(chr(34) + joined + chr(34))}</{f1}></{dv}>'.encode())
    if sorted(kept) == sorted(x for x, _ in items):
        return tail
    if not kept:
        return put(tail, 1, "dataValidations", None)
    dvs = tag(prefix, "dataValidations")
    element = f'<{dvs} count="{len(kept)}">'.encode() + b"".join(kept) + f"</{dvs}>".encode()
    return put(tail, 1, "dataValidations", element)


def add_table_part(tail: bytes, rel_id: str, prefix: str = "", relationships: str = TRANSITIONAL.relationships
                   ) -> bytes:
    """The tail with a ``tablePart`` naming ``rel_id``; ``relationships`` is the namespace of ``r:id`` in the
    workbook's flavour (transitional or Strict)."""
    span = find(tail, 1, "tableParts")
    # The relationships namespace is declared on the element itself: not every writer declares it on the root.
    part = f'<{tag(prefix, "tablePart")} xmlns:r="{relationships}" r:id="{rel_id}"/>'.encode()
    parts = re.findall(rb"<(?:\w+:)?tablePart\b[^>]*?/>", tail[span[0]:span[1]]) if span else []
    parts.append(part)
    tps = tag(prefix, "tableParts")
    return put(tail, 1, "tableParts", f'<{tps} count="{len(parts)}">'.encode() + b"".join(parts)
               + f"</{tps}>".encode())
