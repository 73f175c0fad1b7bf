"""Conformance with a genuine QuickBooks IIF export (QuickBooks Pro 6.0 for Macintosh, in the shared reference
folder: see its SOURCES.md). The file is read where it lies, never copied into the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr.testing.reference import ENV, reference_dir
from custmgr_iif.columns import LAYOUTS, NOT_KEPT, is_known
from custmgr_iif.export_list import list_row
from custmgr_iif.lists import load_lists, read_lists
from custmgr_iif.text import split_rows

GENUINE = Path("quickbooks") / "iif" / "finance-iif_sample_qbmac6_export.iif"


@pytest.fixture(scope="module")
def genuine() -> Path:
    folder = reference_dir()
    if folder is None or not (folder / GENUINE).is_file():
        pytest.skip(f"the QuickBooks reference files are not on this machine (set {ENV} to the folder holding "
                    f"{GENUINE})")
    return folder / GENUINE


def header_columns(path: Path, keyword: str) -> list[str]:
    rows = split_rows(path.read_bytes().decode("cp1252"), path.name)
    return next(list(r.cells[1:]) for r in rows if r.keyword == f"!{keyword}")


def test_the_genuine_export_is_read_without_error(genuine):
    lists = load_lists(genuine)
    assert lists.product == "QuickBooks Pro 6.0 for Macintosh"
    assert set(lists.headers) == {"CUST", "VEND"}
    assert lists.entries == []  # it holds the list layouts, and rows of other lists only
    assert lists.other_rows > 50  # accounts, terms, payment methods ... passed over


@pytest.mark.parametrize("keyword", ["CUST", "VEND"])
def test_every_column_of_its_list_headers_is_recognised(genuine, keyword):
    columns = header_columns(genuine, keyword)
    assert "NAME" in columns and "CUSTFLD15" in columns
    assert [c for c in columns if not is_known(keyword, c)] == []
    assert load_lists(genuine).unknown_columns == []


@pytest.mark.parametrize("keyword", ["CUST", "VEND"])
def test_the_export_writes_the_same_header_layout(genuine, keyword):
    """Every column of the genuine header, in the same order; the only additions are the columns QuickBooks for
    Windows writes in between (EMAIL, HIDDEN, ...), which later QuickBooks for Mac editions also write."""
    genuine_columns, ours = header_columns(genuine, keyword), list(LAYOUTS[keyword])
    positions = [ours.index(c) for c in genuine_columns]
    assert positions == sorted(positions)
    added = set(ours) - set(genuine_columns)
    assert added <= {"EMAIL", "NOTE", "SALESTAXCODE", "JOBDESC", "JOBTYPE", "JOBSTATUS", "JOBSTART", "JOBPROJEND",
                     "JOBEND", "HIDDEN", "DELCOUNT", "PRICELEVEL"}
    assert added <= NOT_KEPT[keyword] | {"EMAIL", "HIDDEN"}


@pytest.mark.parametrize("keyword, kind", [("CUST", "Customer"), ("VEND", "Vendor")])
def test_rows_the_export_writes_read_back_under_the_genuine_header(genuine, keyword, kind):
    """A row written in our layout, cut down to the genuine header's columns, is what that QuickBooks reads."""
    values = {"kind": kind, "name": "Acme", "phone": "555-0100", "company": "Acme Ltd", "active": "Yes",
              "bill_line1": "Acme Ltd", "bill_city": "Boston", "bill_state": "MA", "bill_postal_code": "02110"}
    ours = dict(zip(LAYOUTS[keyword], list_row(keyword, values, {})[1:], strict=True))
    genuine_columns = header_columns(genuine, keyword)
    data = "\t".join([f"!{keyword}", *genuine_columns]) + "\r\n" + "\t".join(
        [keyword, *(ours[c] for c in genuine_columns)]) + "\r\n"
    entry = read_lists(data.encode("cp1252"), "t.iif").entries[0]
    assert {k: v for k, v in entry.values.items() if v} == values
