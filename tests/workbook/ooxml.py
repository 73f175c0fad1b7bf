"""An OOXML check of a workbook's parts: every XML part well-formed, and in every worksheet the rules Excel
enforces on opening (rows ascending and unique, cells ascending inside their row, the schema order of a cell's
children, a ``dimension`` equal to the cells present, shared-string indexes in range, inline strings present).
A worksheet is checked in the namespace it is written in (transitional or Strict); one in neither is a problem."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

from custmgr.workbook.sheetedits import ORDER

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
STRICT_NS = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
_REF = re.compile(r"([A-Z]{1,3})(\d+)$")
_CELL_CHILDREN = ["f", "v", "is", "extLst"]


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def check_sheet(name: str, data: bytes, n_strings: int) -> list[str]:
    problems = []
    root = ElementTree.fromstring(data)
    if root.tag not in (f"{NS}worksheet", f"{STRICT_NS}worksheet"):
        return [f"{name}: root element {root.tag}, not a worksheet"]
    ns = root.tag[:-len("worksheet")]  # "{...main}" of this sheet's flavour
    positions = [ORDER.index(c.tag.replace(ns, "")) for c in root if c.tag.replace(ns, "") in ORDER]
    if positions != sorted(positions):
        problems.append(f"{name}: worksheet elements out of schema order: {[c.tag.replace(ns, '') for c in root]}")
    last_row = 0
    max_row = max_col = 0
    for row in root.iter(f"{ns}row"):
        r = int(row.get("r", "0"))
        if r <= last_row:
            problems.append(f"{name}: row {r} after row {last_row}")
        last_row = r
        last_col = 0
        for c in row:
            if c.tag != f"{ns}c":
                problems.append(f"{name}: row {r} holds {c.tag}")
                continue
            m = _REF.match(c.get("r", ""))
            if not m or int(m.group(2)) != r:
                problems.append(f"{name}: cell {c.get('r')} in row {r}")
                continue
            col = _col(m.group(1))
            if col <= last_col:
                problems.append(f"{name}: cell {c.get('r')} out of order")
            last_col = col
            max_row, max_col = max(max_row, r), max(max_col, col)
            kids = [k.tag.replace(ns, "") for k in c]
            if [k for k in _CELL_CHILDREN if k in kids] != kids:
                problems.append(f"{name}: cell {c.get('r')} children {kids}")
            t = c.get("t", "n")
            if t == "s":
                v = c.find(f"{ns}v")
                if v is None or not (v.text or "").isdigit() or int(v.text or "0") >= n_strings:
                    problems.append(f"{name}: cell {c.get('r')} shared string out of range")
            if t == "d" and not _iso(c.findtext(f"{ns}v") or ""):
                problems.append(f"{name}: cell {c.get('r')} date is not ISO 8601: {c.findtext(f'{ns}v')!r}")
            if t == "inlineStr" and c.find(f"{ns}is") is None:
                problems.append(f"{name}: cell {c.get('r')} inline string without <is>")
    dim = root.find(f"{ns}dimension")
    if max_row:
        want = "A1" if (max_row, max_col) == (1, 1) else f"A1:{_letters(max_col)}{max_row}"
        got = dim.get("ref") if dim is not None else None
        if got != want and not (got and got.endswith(f"{_letters(max_col)}{max_row}")):
            problems.append(f"{name}: dimension {got}, cells reach {want}")
    return problems


def _iso(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def check_package(path: Path, only: set[str] | None = None) -> list[str]:
    """Problems found in the XML parts of ``path`` (only those in ``only`` if given); [] when it passes."""
    problems: list[str] = []
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        n_strings = 0
        if "xl/sharedStrings.xml" in names:
            sst = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
            n_strings = len(sst.findall(f"{NS}si")) + len(sst.findall(f"{STRICT_NS}si"))
        for name in names:
            if only is not None and name not in only:
                continue
            if not (name.endswith(".xml") or name.endswith(".rels")):
                continue
            data = z.read(name)
            try:
                ElementTree.fromstring(data)
            except ElementTree.ParseError as exc:
                problems.append(f"{name}: not well-formed ({exc})")
                continue
            if name.startswith("xl/worksheets/") and name.count("/") == 2:
                problems += check_sheet(name, data, n_strings)
    return problems
