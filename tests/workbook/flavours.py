"""Strict Open XML packages for tests: a workbook as Excel saves it with *Strict Open XML Spreadsheet*, the way
back (for openpyxl, which cannot read Strict at all), and a check that a package names nothing in the
transitional namespaces.

What Excel writes there (ECMA-376 Part 1, Strict; checked against files Excel 2013 saved):
- every namespace of markup moves from ``http://schemas.openxmlformats.org/<area>/2006/<name>`` to
  ``http://purl.oclc.org/ooxml/<area>/<name>`` (``extended-properties`` is spelled ``extendedProperties``,
  ``custom-properties`` ``customProperties``), and so do relationship types;
- what belongs to the packaging conventions (ECMA-376 Part 2) stays: the relationships and content-types
  namespaces, the core-properties relationship type, content types themselves; markup compatibility and
  Microsoft's extension namespaces stay too;
- ``workbook.xml`` says ``conformance="strict"`` and its ``workbookPr`` ``dateCompatibility="0"``;
- a border's sides are ``start`` and ``end`` (transitional: ``left`` and ``right``);
- a date is ISO 8601 text in a ``t="d"`` cell (``<v>1990-01-01</v>``), not a serial number.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

_OLD, _NEW = "http://schemas.openxmlformats.org/", "http://purl.oclc.org/ooxml/"
#: Transitional namespace -> Strict namespace (those the parts of an Excel workbook use).
NAMESPACES = {
    f"{_OLD}spreadsheetml/2006/main": f"{_NEW}spreadsheetml/main",
    f"{_OLD}officeDocument/2006/relationships": f"{_NEW}officeDocument/relationships",
    f"{_OLD}officeDocument/2006/extended-properties": f"{_NEW}officeDocument/extendedProperties",
    f"{_OLD}officeDocument/2006/custom-properties": f"{_NEW}officeDocument/customProperties",
    f"{_OLD}officeDocument/2006/docPropsVTypes": f"{_NEW}officeDocument/docPropsVTypes",
    f"{_OLD}officeDocument/2006/sharedTypes": f"{_NEW}officeDocument/sharedTypes",
    f"{_OLD}drawingml/2006/main": f"{_NEW}drawingml/main",
    f"{_OLD}drawingml/2006/chart": f"{_NEW}drawingml/chart",
    f"{_OLD}drawingml/2006/chartDrawing": f"{_NEW}drawingml/chartDrawing",
    f"{_OLD}drawingml/2006/spreadsheetDrawing": f"{_NEW}drawingml/spreadsheetDrawing",
    f"{_OLD}drawingml/2006/picture": f"{_NEW}drawingml/picture",
}
_REL_TYPE = re.compile(rb'(\sType\s*=\s*")([^"]*)(")')
_SPELLED = {"extended-properties": "extendedProperties", "custom-properties": "customProperties"}
#: A transitional URI: anything under schemas.openxmlformats.org but the packaging conventions and markup
#: compatibility, which Strict shares.
TRANSITIONAL_URI = re.compile(rb"http://schemas\.openxmlformats\.org/(?!package/2006/|markup-compatibility/2006)"
                              rb"[^\"'<>\s]*")
_BUILTIN_DATES = set(range(14, 23)) | {45, 46, 47}
_EPOCH_ORDINAL = 693594  # date(1899, 12, 30).toordinal()


def strict_rel_type(rel_type: str) -> str:
    base = f"{_OLD}officeDocument/2006/relationships/"
    if not rel_type.startswith(base):
        return rel_type  # package (core properties) and Microsoft's own types stay
    kind = rel_type[len(base):]
    return f"{_NEW}officeDocument/relationships/{_SPELLED.get(kind, kind)}"


def transitional_rel_type(rel_type: str) -> str:
    base = f"{_NEW}officeDocument/relationships/"
    if not rel_type.startswith(base):
        return rel_type
    kind = rel_type[len(base):]
    kind = {v: k for k, v in _SPELLED.items()}.get(kind, kind)
    return f"{_OLD}officeDocument/2006/relationships/{kind}"


def _rewrite(path: Path, out: Path, edit) -> Path:
    with zipfile.ZipFile(path) as z:
        items = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            z.writestr(info.filename, edit(info.filename, data))
    return out


def _date_styles(styles: bytes) -> set[int]:
    custom = {int(m.group(1)) for m in re.finditer(rb'<numFmt\b[^>]*?numFmtId="(\d+)"[^>]*?formatCode="([^"]*)"',
                                                   styles)
              if re.search(rb"[dmyhs]", re.sub(rb'"[^"]*"|\[[^\]]*\]', b"", m.group(2)), re.IGNORECASE)}
    xfs = re.search(rb"<cellXfs\b.*?</cellXfs>", styles, re.DOTALL)
    found = re.findall(rb'<xf\b[^>]*?numFmtId="(\d+)"', xfs.group(0)) if xfs else []
    return {i for i, n in enumerate(found) if int(n) in _BUILTIN_DATES | custom}


def _iso_dates(sheet: bytes, dates: set[int]) -> bytes:
    import datetime as dt

    def cell(m: re.Match[bytes]) -> bytes:
        attrs, value = m.group(1), m.group(2)
        style = re.search(rb'\ss="(\d+)"', attrs)
        if style is None or int(style.group(1)) not in dates or b" t=" in attrs:
            return m.group(0)
        serial = float(value)
        moment = dt.datetime.fromordinal(_EPOCH_ORDINAL + int(serial)) + dt.timedelta(seconds=round(serial % 1 * 86400))
        text = moment.date().isoformat() if serial.is_integer() else moment.isoformat()
        return b"<c" + attrs + b' t="d"><v>' + text.encode() + b"</v></c>"

    return re.sub(rb"<c\b([^>]*)><v>([-0-9.E]+)</v></c>", cell, sheet)


def to_strict(path: Path) -> Path:
    """``path``, rewritten in place as Excel saves a Strict Open XML Spreadsheet (see the module's notes)."""
    with zipfile.ZipFile(path) as z:
        dates = _date_styles(z.read("xl/styles.xml")) if "xl/styles.xml" in z.namelist() else set()

    def edit(name: str, data: bytes) -> bytes:
        if name.endswith(".rels"):
            return _REL_TYPE.sub(lambda m: m.group(1) + strict_rel_type(m.group(2).decode()).encode() + m.group(3),
                                 data)
        if not name.endswith(".xml"):
            return data
        for old, new in NAMESPACES.items():
            data = data.replace(f'"{old}"'.encode(), f'"{new}"'.encode())
        if name == "xl/workbook.xml":
            data = re.sub(rb"(<workbook\b[^>]*?)(/?>)", rb'\1 conformance="strict"\2', data, count=1)
            if b"dateCompatibility" not in data:
                data = re.sub(rb"<workbookPr\b", b'<workbookPr dateCompatibility="0"', data, count=1)
        elif name == "xl/styles.xml":
            data = re.sub(rb"<(/?)left\b", rb"<\1start", re.sub(rb"<(/?)right\b", rb"<\1end", data))
        elif name.startswith("xl/worksheets/") and dates:
            data = _iso_dates(data, dates)
        return data

    return _rewrite(path, path, edit)


def to_transitional(path: Path, out: Path) -> Path:
    """A copy of the Strict package ``path`` at ``out`` in transitional namespaces (what converters for readers
    that know only transitional do): namespaces, relationship types, border sides and ``conformance`` go back;
    ISO dates stay (transitional has ``t="d"`` cells too)."""
    def edit(name: str, data: bytes) -> bytes:
        if name.endswith(".rels"):
            return _REL_TYPE.sub(lambda m: m.group(1) + transitional_rel_type(m.group(2).decode()).encode()
                                 + m.group(3), data)
        if not name.endswith(".xml"):
            return data
        for old, new in NAMESPACES.items():
            data = data.replace(f'"{new}"'.encode(), f'"{old}"'.encode())
        if name == "xl/workbook.xml":
            data = data.replace(b' conformance="strict"', b"")
        elif name == "xl/styles.xml":
            data = re.sub(rb"<(/?)start\b", rb"<\1left", re.sub(rb"<(/?)end\b", rb"<\1right", data))
        return data

    return _rewrite(path, out, edit)


def transitional_leftovers(path: Path, only: set[str] | None = None) -> list[str]:
    """Every transitional namespace or relationship type named in the parts of ``path`` (those in ``only`` if
    given), as ``part: URI``; [] for a package all in Strict."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if (only is None or name in only) and name.endswith((".xml", ".rels")):
                found += [f"{name}: {m.decode()}" for m in sorted(set(TRANSITIONAL_URI.findall(z.read(name))))]
    return found
