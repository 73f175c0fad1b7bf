"""Cell formats the sync needs and a workbook may not have yet: text marked with a quote prefix, and dates.

A written cell keeps its own format (the ``s`` index into ``cellXfs``). Only when a value needs something that
format lacks (text starting with ``=`` needs the quote prefix so Excel never re-reads it as a formula; a date
needs a date number format) is a copy of that format with the one attribute changed appended to ``cellXfs``.
Existing formats keep their positions, so ``styles.xml`` is rewritten only when a format is added.
"""

from __future__ import annotations

import datetime as _dt
import re

from .package import TRANSITIONAL, Flavour
from .port import CellValue
from .sheetxml import DATE_FORMATS, attrs

_QUOTE_PREFIXED = ("=", "+", "-", "@")
_CELL_XFS = re.compile(rb"<(?:(\w+):)?cellXfs\b([^>]*?)(/?)>")
_XF = re.compile(rb"<(?:\w+:)?xf\b([^>]*?)(/>|>.*?</(?:\w+:)?xf>)", re.DOTALL)
_NUM_FMT = re.compile(rb"<(?:\w+:)?numFmt\b([^>]*?)/?>")
_BUILTIN_DATES = set(range(14, 23)) | {45, 46, 47}
_DATE_CODE = re.compile(r"[dmyhs]", re.IGNORECASE)
_XF_PARTS = re.compile(rb"(<[\w:]+)([^>]*?)(/?>)(.*)", re.DOTALL)
_DEFAULT_XF = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'


def _is_date_code(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", code)  # quoted text, colours/conditions, escapes
    return bool(_DATE_CODE.search(code))


def minimal(flavour: Flavour = TRANSITIONAL) -> bytes:
    """The least ``styles.xml`` Excel accepts, for a package that has none (cells then all show as format 0 does:
    the default font, no number format), to which the formats a written value needs are appended. In Strict a
    border's sides are ``start`` and ``end``, where transitional names them ``left`` and ``right``."""
    sides = b"<start/><end/>" if flavour.strict else b"<left/><right/>"
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            b'<styleSheet xmlns="' + flavour.main.encode() + b'">'
            b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
            b'<fill><patternFill patternType="gray125"/></fill></fills>'
            b'<borders count="1"><border>' + sides + b'<top/><bottom/><diagonal/></border></borders>'
            b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            b'</styleSheet>')


class Styles:
    """The ``cellXfs`` list of ``styles.xml``, with formats appended on demand."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        found = _CELL_XFS.search(data)
        if found is None or found.group(3):
            raise ValueError("styles.xml has no cellXfs")
        self._prefix = (found.group(1) or b"").decode()
        close = f"</{self._prefix + ':' if self._prefix else ''}cellXfs>".encode()
        self._start = found.end()
        self._end = data.index(close, self._start)
        self._xfs = [(m.group(0), attrs(m.group(1))) for m in _XF.finditer(data, self._start, self._end)]
        self._added: list[bytes] = []
        self._cache: dict[tuple[int, str, int], int] = {}
        self._date_formats = {int(a[b"numFmtId"]) for a in (attrs(m.group(1)) for m in _NUM_FMT.finditer(data))
                              if b"numFmtId" in a and _is_date_code(a.get(b"formatCode", b"").decode())}

    @property
    def changed(self) -> bool:
        return bool(self._added)

    def _attrs(self, style: int) -> dict[bytes, bytes]:
        if 0 <= style < len(self._xfs):
            return self._xfs[style][1]
        return {}

    def quote_prefixed(self, style: int) -> bool:
        return self._attrs(style).get(b"quotePrefix") in (b"1", b"true")

    def is_date(self, style: int) -> bool:
        fmt = int(self._attrs(style).get(b"numFmtId", b"0"))
        return fmt in _BUILTIN_DATES or fmt in self._date_formats

    def pick(self, style: int, value: CellValue) -> int:
        """The format a cell of format ``style`` needs to hold ``value`` as the port promises."""
        if type(value) is str:
            wanted = value.startswith(_QUOTE_PREFIXED)
            if wanted != self.quote_prefixed(style):
                return self._variant(style, "quotePrefix", 1 if wanted else 0)
            return style
        if isinstance(value, (_dt.date, _dt.time, _dt.timedelta)):
            if not self.is_date(style):
                style = self._variant(style, "numFmtId", DATE_FORMATS[type(value)])
        elif type(value) in (int, float) and self.is_date(style):
            style = self._variant(style, "numFmtId", 0)  # else the number would read back as a date
        if self.quote_prefixed(style):
            return self._variant(style, "quotePrefix", 0)
        return style

    def _variant(self, style: int, name: str, value: int) -> int:
        key = (style, name, value)
        if key in self._cache:
            return self._cache[key]
        base = self._xfs[style][0] if 0 <= style < len(self._xfs) else _DEFAULT_XF
        m = _XF_PARTS.match(base)
        assert m is not None
        start_attrs = re.sub(rb"\s" + name.encode() + rb'\s*=\s*"[^"]*"', b"", m.group(2))
        start_attrs += f' {name}="{value}"'.encode()
        if name == "numFmtId" and b"applyNumberFormat" not in start_attrs:
            start_attrs += b' applyNumberFormat="1"'
        new = m.group(1) + start_attrs + m.group(3) + m.group(4)
        index = len(self._xfs)
        self._xfs.append((new, attrs(start_attrs)))
        self._added.append(new)
        self._cache[key] = index
        return index

    def to_bytes(self) -> bytes:
        """``styles.xml`` with the added formats (the original bytes when none were added)."""
        if not self._added:
            return self.data
        found = _CELL_XFS.search(self.data)
        assert found is not None
        tag = b"<" + (found.group(1) + b":" if found.group(1) else b"") + b"cellXfs"
        kept = re.sub(rb'\s+count\s*=\s*"\d+"', b"", found.group(2))
        start_tag = tag + kept + f' count="{len(self._xfs)}">'.encode()
        return (self.data[:found.start()] + start_tag + self.data[self._start:self._end] + b"".join(self._added)
                + self.data[self._end:])
