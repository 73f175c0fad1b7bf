"""The OOXML check used on every file the lossless port writes finds what Excel would call damage."""

from __future__ import annotations

import pytest

from .ooxml import NS, STRICT_NS, check_sheet

HEAD = f'<worksheet xmlns="{NS[1:-1]}"><dimension ref="A1:B2"/><sheetData>'
TAIL = "</sheetData></worksheet>"


def sheet(rows: str, head: str = HEAD, tail: str = TAIL) -> bytes:
    return (head + rows + tail).encode()


def test_a_good_sheet_passes() -> None:
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><f>1+1</f><v>2</v></c></row><row r="2"><c r="A2"/></row>'
    assert check_sheet("s", sheet(rows), n_strings=1) == []


@pytest.mark.parametrize("ns", [NS, STRICT_NS], ids=["transitional", "strict"])
def test_each_kind_of_damage_is_found(ns: str) -> None:
    head = HEAD.replace(NS[1:-1], ns[1:-1])
    cases = {
        "row 1 after row 2": '<row r="2"><c r="A2"/></row><row r="1"><c r="B1"/></row>',
        "out of order": '<row r="1"><c r="B1"/><c r="A1"/></row><row r="2"><c r="B2"/></row>',
        "children": '<row r="1"><c r="A1"><v>1</v><f>1</f></c></row><row r="2"><c r="B2"/></row>',
        "shared string out of range": '<row r="1"><c r="A1" t="s"><v>5</v></c></row><row r="2"><c r="B2"/></row>',
        "dimension": '<row r="3"><c r="C3"/></row>',
        "cell B9 in row 1": '<row r="1"><c r="B9"/></row>',
        "date is not ISO 8601": '<row r="1"><c r="A1" t="d"><v>45413</v></c></row><row r="2"><c r="B2"/></row>',
    }
    for expected, rows in cases.items():
        problems = check_sheet("s", sheet(rows, head), n_strings=1)
        assert any(expected in p for p in problems), (expected, problems)
    misplaced = sheet('<row r="1"><c r="A1"/></row>', head, tail="</sheetData><sheetViews/></worksheet>")
    assert any("schema order" in p for p in check_sheet("s", misplaced, n_strings=0))


def test_a_sheet_in_neither_namespace_is_damage() -> None:
    other = HEAD.replace(NS[1:-1], "http://example.com/not-spreadsheetml")
    assert check_sheet("s", sheet('<row r="1"><c r="A1"/></row>', other), n_strings=0) != []
