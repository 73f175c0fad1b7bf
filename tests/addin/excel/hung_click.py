"""One ribbon click on a QuickBooks that stops answering, in a Python of its own, as Excel runs a button.

Run as ``python hung_click.py CONNECTOR FOLDER``: it lays out a workbook in the fake Excel (through the real
xlwings), pairs it with a company reached through ``CONNECTOR``'s own transport, makes that transport stop
answering the way a real QuickBooks does, and clicks. Only QuickBooks' side is made to hang:

- ``sandbox``: another program holds the company file's write lock (the sandbox's SQLite lock);
- ``qbd``: QuickBooks Desktop over COM (the connector's real ``ComTransport``) whose request processor never
  returns from ``ProcessRequest``, as with a modal dialog open in QuickBooks;
- ``qbo``: QuickBooks Online over HTTP (the connector's real httpx client) on a local server that takes the
  request and never answers;
- ``iif``: an IIF file on a share that never delivers its bytes (a named pipe nobody writes to).

The click runs with the add-in's own watchdog exit (``CUSTMGR_QUICKBOOKS_TIMEOUT`` from the environment): if the
add-in does its job, this process ends with exit code 1 and the message on stderr, as xlwings shows it. Just
before that exit, what the workbook held before the click and at that moment go to ``FOLDER/state.json``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/, for addin.excel and qbo.helpers

from addin.excel.ribbon_session import laid_out, press
from custmgr_excel import guards

NEVER = threading.Event()  # what a hung QuickBooks waits for


def sandbox(folder: Path) -> Any:
    book, company, _ = laid_out(folder, "win", 20)
    press(book, "setup", "import")

    def hang() -> None:
        holder = sqlite3.connect(company, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")  # another program is writing to the company file and does not finish
        hang.holder = holder  # type: ignore[attr-defined]
    return book, hang, "sync"


def qbd(folder: Path) -> Any:
    from custmgr.company import SandboxCompany
    from custmgr_qbd import com
    from custmgr_qbd.front import QbxmlFront

    book, company, _ = laid_out(folder, "win", 20)
    hung = threading.Event()

    class RequestProcessor:
        """QBXMLRP2.RequestProcessor answering from the sandbox company, until QuickBooks shows a dialog."""

        def __init__(self) -> None:
            self.front = QbxmlFront(SandboxCompany(company))

        def OpenConnection2(self, app_id: str, name: str, kind: int) -> None:  # COM's own names
            pass

        def BeginSession(self, company_file: str, mode: int) -> str:
            return "{ticket}"

        def ProcessRequest(self, ticket: str, xml: str) -> str:
            if hung.is_set():
                NEVER.wait()
            return self.front.process(xml)

        def EndSession(self, ticket: str) -> None:
            pass

        def CloseConnection(self) -> None:
            self.front.close()

    com._pywin32_dispatch = lambda prog_id: RequestProcessor()
    com._pywin32_release = lambda: None
    settings(book, connector="qbd", company=r"C:\Books\acme.QBW", options="transport=com")
    press(book, "setup", "import")
    return book, hung.set, "sync"


def qbo(folder: Path) -> Any:
    import keyring

    from custmgr_qbo.standin import StandIn
    from qbo.helpers import MemoryKeyring, sign_in

    keyring.set_keyring(MemoryKeyring())
    book, _, _ = laid_out(folder, "win", 20)
    server = StandIn().start()
    sign_in(server)
    answer = server.handle
    hung = threading.Event()

    def handle(*args: Any) -> Any:
        if hung.is_set():
            NEVER.wait()
        return answer(*args)

    server.handle = handle  # type: ignore[method-assign]
    settings(book, connector="qbo", company=server.realm,  # typed as is: Set Up Sync made the cell Text
             options=f"base_url={server.url}; discovery_url={server.discovery_url}")
    press(book, "setup", "import")
    return book, hung.set, "sync"


def iif(folder: Path) -> Any:
    book, _, _ = laid_out(folder, "win", 20)
    pipe = folder / "contacts.iif"
    settings(book, connector="iif", company=str(pipe))
    return book, lambda: os.mkfifo(pipe), "setup"


def settings(book: Any, **values: str) -> None:
    from custmgr.layout import load_layout

    keys = [s.key for s in load_layout().settings]
    for key, value in values.items():
        book.sheet("Settings").typed([[value]], row=2 + keys.index(key), column=2)


def state(book: Any) -> dict[str, Any]:
    return {"sheets": book.sheet_names(), "saves": book.saves,
            "grids": {name: [[repr(v) for v in row] for row in book.sheet(name).grid()]
                      for name in book.sheet_names()}}


def main(connector: str, folder: Path) -> None:
    book, hang, tag = {"sandbox": sandbox, "qbd": qbd, "qbo": qbo, "iif": iif}[connector](folder)
    before = state(book)
    exit_now = guards._exit

    def record_then_exit(message: str) -> None:
        (folder / "state.json").write_text(json.dumps({"before": before, "at_exit": state(book)}))
        exit_now(message)

    guards._exit = record_then_exit
    hang()
    press(book, tag, tag)
    print("the click ended by itself:", book.excel.alerts[-1]["prompt"] if book.excel.alerts else "")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
