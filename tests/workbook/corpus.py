"""Workbooks made by another writer (xlsxwriter), holding content openpyxl drops or rewrites: sparklines, text
boxes, images, charts, comments, data validation, conditional formats, defined names, a macro project.

Each holds the Customer Manager sheets too (as a bookkeeper's copy of the layout would), so setup and sync run on
it as on any other workbook. Generated in the tests, so no binary files live in the repository.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import xlsxwriter

from custmgr.layout import load_layout
from custmgr.settings import settings_grid

LAYOUT_SHEETS = ("Contacts", "Review", "Sync Log", "Sync Changes", "Settings")


def tiny_png() -> bytes:
    """A 2x2 red PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_corpus_book(path: Path, *, macro: bytes | None = None, comment: bool = True) -> Path:
    """A workbook at ``path`` (``.xlsm`` when ``macro`` holds a VBA project) with a dashboard sheet of the
    user's own in front of the Customer Manager sheets (a comment on it unless ``comment`` is false: comments
    are drawn in VML, which Strict Open XML does not have)."""
    import io

    wb = xlsxwriter.Workbook(str(path))
    if macro is not None:
        wb.add_vba_project(io.BytesIO(macro), is_stream=True)
    bold = wb.add_format({"bold": True, "bg_color": "#DDEEFF"})
    dash = wb.add_worksheet("Dashboard")
    dash.write_row("A1", ["Month", "Sales", "Trend"], bold)
    for i, (month, value) in enumerate([("Jan", 10), ("Feb", 14), ("Mar", 9), ("Apr", 17)], start=2):
        dash.write(f"A{i}", month)
        dash.write_number(f"B{i}", value)
    dash.write_formula("B6", "=SUM(B2:B5)", bold, 50)
    dash.add_sparkline("C2", {"range": "Dashboard!B2:B5", "markers": True})
    dash.insert_textbox("E2", "Notes for the partner meeting", {"width": 240, "height": 60})
    dash.insert_image("E8", "logo.png", {"image_data": io.BytesIO(tiny_png())})
    if comment:
        dash.write_comment("A1", "Totals are checked monthly")
    dash.data_validation("D2:D5", {"validate": "list", "source": ["Open", "Closed"]})
    dash.conditional_format("B2:B5", {"type": "3_color_scale"})
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=Dashboard!$A$2:$A$5", "values": "=Dashboard!$B$2:$B$5"})
    dash.insert_chart("H2", chart)
    wb.define_name("SalesTotal", "=Dashboard!$B$6")
    wb.define_name("Dashboard!LocalRange", "=Dashboard!$A$1:$C$5")

    layout = load_layout()
    for name in LAYOUT_SHEETS:
        ws = wb.add_worksheet(name)
        if name == "Settings":
            for r, row in enumerate(settings_grid()):
                for c, value in enumerate(row):
                    if value not in (None, ""):
                        ws.write_string(r, c, str(value))
            continue
        headers = layout.sheet(name).headers
        if name == "Contacts":
            ws.add_table(0, 0, 1, len(headers) - 1, {"name": layout.sheet(name).table or "Contacts",
                                                     "columns": [{"header": h} for h in headers]})
        else:
            ws.write_row(0, 0, headers, bold)
    wb.close()
    return path
