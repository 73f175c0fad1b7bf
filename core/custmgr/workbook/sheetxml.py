"""A worksheet part as bytes: where its rows are, how to write one cell, and how to patch rows in place.

A sheet of 100,000 contacts is tens of megabytes of XML. Parsing all of it to change ten rows would cost more
than the whole sync, so the part is split into three spans: the *head* (everything up to ``<sheetData>``), the
*rows*, and the *tail* (everything after ``</sheetData>``). Rows are located with one regular-expression pass;
only rows that change are rebuilt (:func:`patch_row`), and inside them only the cells that change. Every other
byte is kept. A save writes the rows as they are read again, a piece at a time (:mod:`.sheetstream`).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal
from xml.sax.saxutils import escape

from . import escapes
from .package import TRANSITIONAL, Flavour
from .port import CellValue, Formula, Grid
from .rules import column_letter, column_number

MAIN_NS = TRANSITIONAL.main

#: Text of only spaces or line breaks, which calamine reads as empty (see reading.py).
_BLANK_T = re.compile(rb"<(?:\w+:)?t\b[^>]*>\s+</(?:\w+:)?t>")
BLANK = b"blank text"
_AFTER_TAG_SPACE = re.compile(rb">[ \n\t\r]")  # one pass, where four ``in`` tests took four
_OVERLAP = 512  # bytes carried between pieces, so a marker or a short text split between two is still seen
_SHEET_DATA = re.compile(rb"<(?:(\w+):)?sheetData\b[^>]*?(/?)>")
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.DOTALL)
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr\s*=\s*"(\d+)"')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_ATTR = re.compile(rb'([\w:]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_EPOCH = _dt.datetime(1899, 12, 30)
_EPOCH_1904 = _dt.datetime(1904, 1, 1)
#: How a workbook holds dates: serial numbers counted from 1900 (as Excel on Windows) or from 1904 (its
#: ``date1904`` setting, older Mac workbooks), or ISO text (Strict Open XML, as Excel writes it there).
Dates = Literal["1900", "1904", "iso"]


def attrs(start_tag_body: bytes) -> dict[bytes, bytes]:
    """The attributes of a start tag (the bytes between the element name and ``>``)."""
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _ATTR.finditer(start_tag_body)}


@dataclass(slots=True)
class Row:
    """One ``<row>`` of the part: its number, the span of its bytes, and (when parsed) its cells."""

    number: int
    start: int
    end: int


@dataclass
class SheetXml:
    """A worksheet part split into head, rows and tail. ``prefix`` is the main namespace's prefix ('' mostly).

    The rows (``body``) of a part opened with :meth:`scan` are read only when first needed: a sync that does not
    change a large sheet never holds its rows in memory.
    """

    head: bytes
    _body: bytes | None
    tail: bytes
    prefix: str = ""
    _rows: list[Row] | None = None
    #: The whole part, or its pieces (then ``_at`` is where the rows start in it), for rows read on first use.
    _load: Callable[[], bytes | Iterable[bytes]] | None = None
    _at: int = 0
    _after: int = 0  # bytes after the rows, as read (the tail may be edited before the rows are read)

    @classmethod
    def parse(cls, data: bytes) -> SheetXml:
        found = _SHEET_DATA.search(data)
        if found is None:
            raise ValueError("the sheet has no sheetData element")
        prefix = (found.group(1) or b"").decode()
        close = f"</{prefix + ':' if prefix else ''}sheetData>".encode()
        head_end = found.start()
        if found.group(2):  # <sheetData/>
            return cls(data[:head_end], b"", data[found.end():], prefix)
        body_end = data.index(close, found.end())
        return cls(data[:head_end], data[found.end():body_end], data[body_end + len(close):], prefix)

    @classmethod
    def scan(cls, chunks: Iterable[bytes], load: Callable[[], bytes | Iterable[bytes]],
             markers: Sequence[bytes] = ()) -> tuple[SheetXml, set[bytes]]:
        """Head and tail of a part read piece by piece, and which of ``markers`` its rows contain; the rows
        themselves are loaded by ``load`` (the whole part) when first used. In a marker, ``%s`` stands for the
        prefix of the main namespace (``b"<%sf"``: a formula, ``<f`` or ``<x:f``), so each is looked for once."""
        buffer = bytearray()
        found = None
        pieces = iter(chunks)
        for piece in pieces:
            buffer += piece
            found = _SHEET_DATA.search(buffer)
            if found is not None:
                break
        if found is None:
            raise ValueError("the sheet has no sheetData element")
        if found.group(2):  # <sheetData/>: a small part, parse it whole
            return cls.parse(bytes(buffer) + b"".join(pieces)), set()
        prefix = (found.group(1) or b"").decode()
        close = f"</{prefix + ':' if prefix else ''}sheetData>".encode()
        spelled = {m: m % (found.group(1) + b":" if found.group(1) else b"") if b"%s" in m else m for m in markers}
        head = bytes(buffer[:found.start()])
        window = bytes(buffer[found.end():])
        seen: set[bytes] = set()
        tail = None
        for piece in itertools.chain((b"",), pieces) if window else pieces:  # never all pieces at once
            data = window + piece
            end = data.find(close)
            searched = data if end < 0 else data[:end]
            seen.update(m for m, text in spelled.items() if m not in seen and text in searched)
            if BLANK not in seen and _AFTER_TAG_SPACE.search(searched) and _BLANK_T.search(searched):
                seen.add(BLANK)
            if end >= 0:
                tail = data[end + len(close):] + b"".join(pieces)
                break
            window = data[-_OVERLAP:]
        if tail is None:
            raise ValueError("the sheet's sheetData element is not closed")
        return cls(head, None, tail, prefix, _load=load, _at=found.end(), _after=len(close) + len(tail)), seen

    @property
    def body(self) -> bytes:
        if self._body is None:
            assert self._load is not None
            data = self._load()
            if isinstance(data, bytes):
                self._body = SheetXml.parse(data)._body or b""
            else:  # the part in pieces: keep only the rows, never the whole part beside them
                self._body = self._cut(data)
        return self._body

    def _cut(self, pieces: Iterable[bytes]) -> bytes:
        """The rows out of the part's ``pieces``, from where :meth:`scan` found them (``_at``) to the tail."""
        skip, kept = self._at, []
        for piece in pieces:
            if skip >= len(piece):
                skip -= len(piece)
                continue
            kept.append(piece[skip:] if skip else piece)
            skip = 0
        end = sum(len(k) for k in kept) - self._after
        while kept and end < sum(len(k) for k in kept[:-1]):  # whole pieces of tail
            kept.pop()
        last = end - sum(len(k) for k in kept[:-1])
        if kept:
            kept[-1] = kept[-1][:last]
        body = b"".join(kept)
        if len(body) != end:
            raise ValueError("the sheet changed while it was read")
        return body

    @property
    def rows(self) -> list[Row]:
        """Every row, located on first use (a sheet that is only read, without formulas, never needs it). A row
        runs to the start of the next one: only whitespace can lie between rows."""
        if self._rows is None:
            body = self.body
            starts = [m.start() for m in _ROW_TAG.finditer(body)]
            rows = []
            last = 0
            for i, start in enumerate(starts):
                number = _ROW_NUMBER.match(body, start)
                last = int(number.group(1)) if number else last + 1
                rows.append(Row(last, start, starts[i + 1] if i + 1 < len(starts) else len(body)))
            self._rows = rows
        return self._rows

    def row_bytes(self, row: Row) -> bytes:
        return self.body[row.start:row.end]

    def tag(self, name: str) -> str:
        return f"{self.prefix}:{name}" if self.prefix else name

    def join(self, body: bytes) -> bytes:
        sd = self.tag("sheetData")
        return self.head + f"<{sd}>".encode() + body + f"</{sd}>".encode() + self.tail

    def body_chunks(self) -> Iterator[bytes]:
        """The rows as read, a piece at a time (the part is read again, never held whole, when the rows are not
        loaded): for writing a large sheet without a copy of its rows in memory."""
        if self._body is not None or self._load is None:
            yield self._body or b""
            return
        data = self._load()
        if isinstance(data, bytes):
            yield SheetXml.parse(data)._body or b""
            return
        skip, held = self._at, b""  # the part's bytes before the rows; the last _after bytes read (not rows)
        for piece in data:
            if skip >= len(piece):
                skip -= len(piece)
                continue
            if skip:
                piece, skip = piece[skip:], 0
            held = held + piece if held else piece
            if len(held) > self._after:
                yield held[:len(held) - self._after]
                held = held[len(held) - self._after:]
        close = f"</{self.tag('sheetData')}>".encode()
        if len(held) != self._after or not held.startswith(close):
            raise ValueError("the sheet changed while it was read")

    def let_go(self) -> None:
        """Drop the rows read (they are read again if needed): a large sheet's body is tens of megabytes."""
        if self._load is not None:
            self._body = self._rows = None

    def rows_with(self, marker: bytes) -> Iterator[Row]:
        """Rows whose bytes contain ``marker`` (e.g. ``<f`` for formulas); quick when there are none."""
        if marker not in self.body:
            return
        for row in self.rows:
            if self.body.find(marker, row.start, row.end) >= 0:
                yield row


def cells_of(row_xml: bytes) -> tuple[bytes, dict[int, tuple[bytes, dict[bytes, bytes], bytes | None]]]:
    """A row's start-tag attributes, and its cells by column: (whole element, attributes, inner XML)."""
    m = _ROW.match(row_xml)
    assert m is not None
    out = {}
    inner = m.group(2) or b""
    col = 0
    for c in _CELL.finditer(inner):
        a = attrs(c.group(1))
        ref = a.get(b"r")
        if ref:
            found = _REF.match(ref.decode())
            col = column_number(found.group(1)) if found else col + 1
        else:
            col += 1
        out[col] = (c.group(0), a, c.group(2))
    return m.group(1), out


# ----------------------------------------------------------------------------------------------- writing cells


def _text(value: str) -> str:
    """Cell text as Excel saves it: control characters (a carriage return too) as ``_xHHHH_``, then XML-escaped."""
    return escape(escapes.encode(value))


def excel_serial(value: _dt.date | _dt.datetime | _dt.time | _dt.timedelta, dates: Dates = "1900") -> float:
    """The number Excel stores for ``value`` in a workbook of the date system ``dates`` (``1900``, or ``1904``:
    the workbook's ``date1904`` setting, days counted from 1 January 1904 and no 1900 leap-year quirk)."""
    epoch = _EPOCH_1904 if dates == "1904" else _EPOCH
    if isinstance(value, _dt.datetime):
        delta = value.replace(tzinfo=None) - epoch
    elif isinstance(value, _dt.date):
        delta = _dt.datetime(value.year, value.month, value.day) - epoch
    elif isinstance(value, _dt.time):
        delta = _dt.timedelta(hours=value.hour, minutes=value.minute, seconds=value.second,
                              microseconds=value.microsecond)
    else:
        delta = value
    serial = delta.days + delta.seconds / 86_400 + delta.microseconds / 86_400_000_000
    # 1900 is treated as a leap year by Excel: serials before March 1900 are one lower.
    if dates != "1904" and isinstance(value, _dt.date) and (value.year, getattr(value, "month", 3)) < (1900, 3):
        serial -= 1
    return serial


def number_text(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


#: Built-in number formats a date, date-time and time value get when the cell has none of its own.
DATE_FORMATS = {_dt.date: 14, _dt.datetime: 22, _dt.time: 21, _dt.timedelta: 46}


def iso_date(value: _dt.date | _dt.datetime) -> str:
    """A date as Strict Open XML holds it (``t="d"``): ISO 8601, as Excel writes it (``1990-01-01``, or
    ``2024-05-01T13:45:00`` with a time; milliseconds at most, Excel's precision)."""
    if not isinstance(value, _dt.datetime):
        return value.isoformat()
    value = value.replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds" if value.microsecond else "seconds")


def cell_xml(ref: str, value: CellValue, style: int, prefix: str = "", dates: Dates = "1900") -> str:
    """One ``<c>`` element. Text is an inline string (``sharedStrings.xml`` stays untouched); only a ``Formula``
    becomes a formula. ``style`` is the cell's ``s`` index (0 = none); the caller picks it (quote prefix, dates).
    ``prefix`` is the sheet's prefix for the main namespace ('' almost always). With ``dates`` ``iso`` (Strict Open
    XML) a date is written as Excel writes it there, as ISO text, which no date base (1900 or 1904, with or
    without the 1900 leap-year quirk) can read differently; times and durations stay numbers."""
    p = f"{prefix}:" if prefix else ""
    s = f' s="{style}"' if style else ""
    kind = type(value)
    if value is None or (kind is str and value == ""):
        return f'<{p}c r="{ref}"{s}/>'
    if kind is str:
        text = _text(value)  # type: ignore[arg-type]
        return (f'<{p}c r="{ref}"{s} t="inlineStr"><{p}is><{p}t xml:space="preserve">{text}</{p}t></{p}is>'
                f'</{p}c>')
    if kind is bool:
        return f'<{p}c r="{ref}"{s} t="b"><{p}v>{int(value)}</{p}v></{p}c>'  # type: ignore[arg-type]
    if kind is int or kind is float:
        return f'<{p}c r="{ref}"{s}><{p}v>{number_text(value)}</{p}v></{p}c>'  # type: ignore[arg-type]
    if kind is Formula:
        return f'<{p}c r="{ref}"{s}><{p}f>{escape(value.text[1:])}</{p}f></{p}c>'  # type: ignore[union-attr]
    if dates == "iso" and isinstance(value, _dt.date):
        return f'<{p}c r="{ref}"{s} t="d"><{p}v>{iso_date(value)}</{p}v></{p}c>'
    return f'<{p}c r="{ref}"{s}><{p}v>{number_text(excel_serial(value, dates))}</{p}v></{p}c>'  # type: ignore[arg-type]


def same(old: CellValue, new: CellValue) -> bool:
    """Whether a cell holding ``old`` (as read) already holds ``new``, type included."""
    if new is None or new == "":
        return old is None or old == ""
    kind = type(new)
    if kind is int or kind is float:
        return type(old) in (int, float) and old == new
    if type(old) is not kind:
        return False
    return old == new


def changed_cells(original: Grid, new: list[list[CellValue]]) -> dict[int, list[int]]:
    """Row -> the columns (1-based) in which ``new`` differs from ``original``."""
    changed: dict[int, list[int]] = {}
    for i in range(max(len(original), len(new))):
        old = original[i] if i < len(original) else []
        row = new[i] if i < len(new) else []
        if old is row:
            continue
        n = len(row)
        if len(old) == n:  # the common case: both as wide as the sheet
            if old == row:
                continue
        elif old[:n] == row and all(v is None for v in old[n:]) and (
                len(old) >= n or all(v is None or v == "" for v in row[len(old):])):
            continue
        cols = [c for c in range(1, max(len(old), n) + 1)
                if not same(old[c - 1] if c <= len(old) else None, row[c - 1] if c <= n else None)]
        if cols:
            changed[i + 1] = cols
    return changed


def overwrites_formula(original: Grid, changed: dict[int, list[int]]) -> bool:
    """Whether any of the ``changed`` cells holds a formula in ``original``."""
    for r, cols in changed.items():
        old_row = original[r - 1] if r <= len(original) else []
        if any(c <= len(old_row) and isinstance(old_row[c - 1], Formula) for c in cols):
            return True
    return False


StylePicker = Callable[[int, CellValue], int]


def patch_row(number: int, old_xml: bytes | None, old_values: Sequence[CellValue], new_values: Sequence[CellValue],
              pick_style: StylePicker, prefix: str = "", dates: Dates = "1900") -> bytes | None:
    """The row ``number`` holding ``new_values``: unchanged cells keep their exact bytes, changed ones are
    rebuilt keeping their style, cleared ones keep only their style. None when nothing is left to write.
    ``dates``: see :func:`cell_xml`."""
    c_tag = f"{prefix}:c" if prefix else "c"
    row_tag = f"{prefix}:row" if prefix else "row"
    attrs_bytes, cells = cells_of(old_xml) if old_xml else (b' r="%d"' % number, {})
    width = max(len(new_values), max(cells, default=0))
    parts = []
    for col in range(1, width + 1):
        new = new_values[col - 1] if col <= len(new_values) else None
        old = old_values[col - 1] if col <= len(old_values) else None
        existing = cells.get(col)
        if existing is not None and same(old, new):
            parts.append(existing[0].decode())
            continue
        style = int(existing[1].get(b"s", b"0")) if existing else 0
        if new is None or new == "":
            if style:
                parts.append(f'<{c_tag} r="{column_letter(col)}{number}" s="{style}"/>')
            continue
        parts.append(cell_xml(f"{column_letter(col)}{number}", new, pick_style(style, new), prefix, dates))
    kept_attrs = re.sub(rb'\s+spans\s*=\s*"[^"]*"', b"", attrs_bytes)
    if not parts and kept_attrs.strip() in (b'r="%d"' % number, b""):
        return None
    if not parts:
        return f"<{row_tag}".encode() + kept_attrs + b"/>"
    return f"<{row_tag}".encode() + kept_attrs + b">" + "".join(parts).encode() + f"</{row_tag}>".encode()


def empty_sheet(rows_xml: bytes = b"", flavour: Flavour = TRANSITIONAL) -> bytes:
    """A new worksheet part with the elements Excel expects of a fresh sheet, in ``flavour``'s namespaces."""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{flavour.main}" '
            f'xmlns:r="{flavour.relationships}">'
            '<dimension ref="A1"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/><sheetData>').encode() + rows_xml + (
            b'</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
            b'footer="0.3"/></worksheet>')
