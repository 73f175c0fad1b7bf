"""Companies of a given size paired with a workbook, and edits to many contacts at once on either side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from custmgr import sync as engine
from custmgr.book import create_workbook
from custmgr.company import SandboxCompany, create_company
from custmgr.contact import JOB_SEPARATOR
from workbooks import edit


def sized_pair(folder: Path, size: int, connector: str = "qbd") -> tuple[Path, Path]:
    """A company of ``size`` generated contacts and a workbook that has imported it (customers and vendors)."""
    folder.mkdir(parents=True, exist_ok=True)
    company, book = folder / "company.qbsandbox", folder / "contacts.xlsx"
    create_company(company, name=f"Company of {size}", size=size)
    create_workbook(book)
    engine.setup(book, connector=connector, company=str(company), vendors=True, inactive=True)
    engine.sync(book, backoff=0)
    return book, company


def edit_rows(book: Path, count: int, every: int = 1) -> None:
    """Change the phone of ``count`` contacts (every ``every``-th row), in one save, as a bookkeeper would."""
    def change(ws: Any, header: dict[str, int]) -> None:
        for n in range(count):
            ws.cell(2 + n * every, header["Phone"]).value = f"(413) 555-{n:04d}"
    edit(book, change)


def edit_in_quickbooks(company: Path, count: int, every: int = 1) -> None:
    """Change the notes of ``count`` top-level contacts in QuickBooks, from the end of the list."""
    with SandboxCompany(company) as store:
        records = [r for r in store.records() if JOB_SEPARATOR not in r.values["name"]]
        for n, record in enumerate(records[::-every][:count]):
            store.modify_record(record.remote_id, None, {"notes": f"Called back ({n})"})


def kinds(company: Path) -> tuple[int, int]:
    with SandboxCompany(company) as store:
        listed = store.listing()
    return sum(i.kind == "Customer" for i in listed), sum(i.kind == "Vendor" for i in listed)
