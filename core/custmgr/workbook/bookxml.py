"""``xl/workbook.xml``: the list of sheets (name, visibility, relationship), defined names and the active tab.

Only the ``<sheets>`` element and the attributes that depend on sheet positions are rewritten, and only when a
sheet is added, removed, hidden or shown; every other byte of the part is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from .package import FLAVOURS
from .sheetxml import attrs

_SHEETS = re.compile(rb"<(?:(\w+):)?sheets\b[^>]*>(.*?)</(?:\w+:)?sheets>", re.DOTALL)
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/>|<(?:\w+:)?sheet\b([^>]*?)>.*?</(?:\w+:)?sheet>", re.DOTALL)
_DEFINED = re.compile(rb"<(?:\w+:)?definedName\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?definedName>)", re.DOTALL)
#: The prefix bound to the relationships namespace (transitional or Strict), for a new sheet's ``r:id``.
_R_NS = re.compile(rb'xmlns:(\w+)\s*=\s*"(?:' + b"|".join(re.escape(f.relationships.encode()) for f in FLAVOURS)
                   + rb')"')
_DATE_1904 = re.compile(rb"<(?:\w+:)?workbookPr\b[^>]*?\bdate1904\s*=\s*[\"'](?:1|true)[\"']")
_REL_ID = re.compile(rb"(?:^|\s)[\w]+:id\s*=\s*\"([^\"]*)\"")


def unescape_attr(value: bytes) -> str:
    from xml.sax.saxutils import unescape

    return unescape(value.decode(), {"&quot;": '"', "&apos;": "'"})


@dataclass
class SheetEntry:
    """One ``<sheet>`` of the workbook. ``element`` is its original bytes (None for a sheet added now)."""

    name: str
    sheet_id: int
    rel_id: str
    state: str = "visible"
    element: bytes | None = None

    def xml(self, prefix: str, r_prefix: str) -> bytes:
        if self.element is not None:
            return self.element
        state = f' state="{self.state}"' if self.state != "visible" else ""
        tag = f"{prefix}:sheet" if prefix else "sheet"
        return f'<{tag} name={quoteattr(self.name)} sheetId="{self.sheet_id}"{state} {r_prefix}:id="{self.rel_id}"/>' \
            .encode()

    def set_state(self, state: str) -> None:
        if state == self.state:
            return
        self.state = state
        if self.element is not None:
            el = re.sub(rb'\sstate\s*=\s*"[^"]*"', b"", self.element)
            if state != "visible":
                el = re.sub(rb"(<(?:\w+:)?sheet\b)", rb'\1 state="' + state.encode() + b'"', el, count=1)
            self.element = el


@dataclass
class BookXml:
    data: bytes
    sheets: list[SheetEntry]
    prefix: str
    r_prefix: str

    @classmethod
    def parse(cls, data: bytes) -> BookXml:
        found = _SHEETS.search(data)
        if found is None:
            raise ValueError("workbook.xml lists no sheets")
        prefix = (found.group(1) or b"").decode()
        r_prefix = "r"
        m = _R_NS.search(data)
        if m:
            r_prefix = m.group(1).decode()
        sheets = []
        for el in _SHEET.finditer(found.group(2)):
            a = attrs(el.group(1) if el.group(1) is not None else el.group(2))
            rid = next((v for k, v in a.items() if k.endswith(b":id")), b"")
            sheets.append(SheetEntry(unescape_attr(a.get(b"name", b"")), int(a.get(b"sheetId", b"0") or 0),
                                     rid.decode(), a.get(b"state", b"visible").decode(), el.group(0)))
        return cls(data, sheets, prefix, r_prefix)

    def defined_names(self) -> list[str]:
        return [unescape_attr(attrs(m.group(1)).get(b"name", b"")) for m in _DEFINED.finditer(self.data)]

    def date1904(self) -> bool:
        """Whether the workbook counts dates from 1904 (``workbookPr date1904``, older Mac workbooks)."""
        return _DATE_1904.search(self.data) is not None

    def active_tab(self) -> int:
        m = re.search(rb'<(?:\w+:)?workbookView\b[^>]*?activeTab\s*=\s*"(\d+)"', self.data)
        return int(m.group(1)) if m else 0

    def to_bytes(self, original: list[SheetEntry], active: int) -> bytes:
        """workbook.xml for the current sheet list; ``original`` is the list as loaded (to move defined names
        that belong to one sheet along with it)."""
        found = _SHEETS.search(self.data)
        assert found is not None
        body = b"".join(s.xml(self.prefix, self.r_prefix) for s in self.sheets)
        data = self.data[:found.start(2)] + body + self.data[found.end(2):]
        moved = {i: next((j for j, s in enumerate(self.sheets) if s is old), None) for i, old in enumerate(original)}
        data = _DEFINED.sub(lambda m: _local_name(m, moved), data)
        data = _set_view(data, "activeTab", active)
        first = re.search(rb'<(?:\w+:)?workbookView\b[^>]*?firstSheet\s*=\s*"(\d+)"', data)
        if first and int(first.group(1)) >= len(self.sheets):
            data = _set_view(data, "firstSheet", 0)
        return data


def _local_name(m: re.Match[bytes], moved: dict[int, int | None]) -> bytes:
    local = re.search(rb'localSheetId\s*=\s*"(\d+)"', m.group(1))
    if local is None:
        return m.group(0)
    new = moved.get(int(local.group(1)))
    if new is None:
        return b""  # the sheet it belonged to is gone
    return m.group(0).replace(local.group(0), f'localSheetId="{new}"'.encode(), 1)


def _set_view(data: bytes, name: str, value: int) -> bytes:
    view = re.search(rb"<(?:\w+:)?workbookView\b[^>]*?/?>", data)
    if view is None:
        return data
    el = view.group(0)
    current = re.search(rb"\s" + name.encode() + rb'\s*=\s*"(\d+)"', el)
    if current is not None:
        if int(current.group(1)) == value:
            return data
        new = el.replace(current.group(0), f' {name}="{value}"'.encode(), 1)
    elif value == 0:
        return data
    else:
        new = re.sub(rb"(<(?:\w+:)?workbookView\b)", rb"\1 " + f'{name}="{value}"'.encode(), el, count=1)
    return data[:view.start()] + new + data[view.end():]
