"""LosslessWorkbook: the port suite, run through the saved file on every round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr.workbook.lossless import LosslessWorkbook
from custmgr.workbook.port import WorkbookPort
from custmgr.workbook.xlsx import XlsxWorkbook

from .port_suite import MakePort, PortSuite, Reopen


def blank(path: Path) -> Path:
    """A workbook with one empty sheet, laid out by openpyxl (as ``custmgr new`` does)."""
    book = XlsxWorkbook.new(path)
    book.add_sheet("Sheet1")
    book.save()
    return path


class TestLosslessWorkbook(PortSuite):
    @pytest.fixture
    def make_port(self) -> MakePort:
        return lambda folder: LosslessWorkbook.open(blank(folder / "book.xlsx"))

    @pytest.fixture
    def reopen(self) -> Reopen:
        def _reopen(port: WorkbookPort) -> WorkbookPort:
            assert isinstance(port, LosslessWorkbook)
            port.save()
            port.close()
            return LosslessWorkbook.open(port.path)

        return _reopen
