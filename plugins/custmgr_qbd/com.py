"""The ``com`` transport: QuickBooks Desktop's SDK request processor (``QBXMLRP2.RequestProcessor``) on Windows.

One session per connector: ``OpenConnection2`` with the application's name, ``BeginSession`` on the company file
(or, with no file named, the one open in QuickBooks), ``ProcessRequest`` for each message, then ``EndSession``
and ``CloseConnection``, always, in ``finally``. The module imports on any OS; pywin32 is loaded only when a
session starts, and tests hand in a recorded fake of the COM object instead (``dispatch``).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

from custmgr.errors import AuthRequired, Retryable, Unavailable

from .transport import PARSE_ERROR, RequestRejected

PROG_ID = "QBXMLRP2.RequestProcessor"
APP_ID = ""  # QuickBooks identifies a desktop application by its name
APP_NAME = "Customer Manager for Excel"
LOCAL_QBD = 1  # ctLocalQBD
MODES = {"single": 0, "multi": 1, "any": 2}  # omSingleUser, omMultiUser, omDontCare

_AUTHORISE = ("In QuickBooks, sign in as the administrator in single-user mode, run the sync again and answer "
              "'Yes, always' in the Application Certificate dialog (Edit > Preferences > Integrated Applications "
              "lists and manages the applications allowed).")
#: The request processor's HRESULTs, with what the bookkeeper can do about each.
FAILURES: dict[int, tuple[type[Exception], str]] = {
    0x80040401: (Unavailable, "Could not access QuickBooks. Check that QuickBooks Desktop is installed and opens."),
    0x80040403: (Unavailable, "QuickBooks could not open the company file. Check the path in Settings and that "
                              "the file opens in QuickBooks."),
    0x80040408: (Unavailable, "Could not start QuickBooks. Open QuickBooks Desktop and the company file, then sync "
                              "again."),
    0x8004040A: (Unavailable, "QuickBooks has another company file open. Open the company named in Settings (or "
                              "close QuickBooks and let custmgr open it), then sync again."),
    0x80040410: (Unavailable, "The company file is open in QuickBooks in another mode (single-user or "
                              "multi-user) than this sync asked for. Switch it in QuickBooks (File > Switch to "
                              "Multi-user Mode / Single-user Mode), or set the qbd option mode=any, and sync "
                              "again."),
    0x80040414: (Retryable, "A dialog box is open in QuickBooks. Close it in QuickBooks, then sync again."),
    0x80040416: (Unavailable, "No company file is open in QuickBooks. Open it in QuickBooks, or put the .QBW path "
                              "in Settings (custmgr setup BOOK --connector qbd --company PATH.QBW)."),
    0x80040417: (Unavailable, "QuickBooks is not running. Start QuickBooks and open the company file, or put the "
                              ".QBW path in Settings."),
    0x80040418: (AuthRequired, "Customer Manager has not been allowed into this company file yet. "
                 + _AUTHORISE),
    0x8004041A: (AuthRequired, "Customer Manager is not allowed into this company file. " + _AUTHORISE),
    0x8004041B: (Retryable, "QuickBooks could not lock the company file for this sync. Try again in a moment."),
    0x8004041D: (AuthRequired, "Customer Manager is not allowed to sign in to this company file while QuickBooks "
                 "is closed. Open QuickBooks and the company file first, or allow automatic login under Edit > "
                 "Preferences > Integrated Applications."),
    0x80040420: (AuthRequired, "The QuickBooks user refused access to Customer Manager. " + _AUTHORISE),
    0x80040422: (Unavailable, "Another application is using the company file in single-user mode. Close it, or "
                              "switch QuickBooks to multi-user mode, then sync again."),
    0x80040423: (Unavailable, "This QuickBooks does not understand qbXML 13.0, which Customer Manager speaks. "
                              "Update QuickBooks Desktop (US edition), then sync again."),
    0x80040424: (Retryable, "QuickBooks is still starting. Sync again in a moment."),
}

Dispatch = Callable[[str], Any]


def _pywin32_dispatch(prog_id: str) -> Any:
    if sys.platform != "win32":
        raise Unavailable("QuickBooks Desktop runs on Windows; here, sync with a sandbox company instead "
                          "(custmgr setup BOOK --connector qbd --company FILE --transport sandbox).")
    try:
        import pythoncom
        import win32com.client
    except ImportError:
        raise Unavailable("Talking to QuickBooks Desktop needs the pywin32 package: run `pip install pywin32` "
                          "in the Python that runs custmgr, then sync again.") from None
    pythoncom.CoInitialize()
    return win32com.client.Dispatch(prog_id)


def hresult_of(err: BaseException) -> int | None:
    """The HRESULT inside a pywin32 ``com_error`` (the request processor's own code, when it gave one)."""
    args = getattr(err, "args", ())
    if len(args) >= 3 and isinstance(args[2], tuple) and len(args[2]) >= 6 and args[2][5]:
        return int(args[2][5]) & 0xFFFFFFFF
    if args and isinstance(args[0], int):
        return args[0] & 0xFFFFFFFF
    return None


def com_failure(err: BaseException) -> Exception:
    """A ``com_error`` as the product's error, with what to do; unknown codes keep QuickBooks' own text."""
    code = hresult_of(err)
    if code == PARSE_ERROR:
        return RequestRejected(code, _text_of(err))
    if code in FAILURES:
        kind, message = FAILURES[code]
        return kind(message, detail=f"HRESULT 0x{code:08X}")
    shown = f"0x{code:08X}" if code is not None else type(err).__name__
    return Unavailable(f"QuickBooks reported an error ({shown}): {_text_of(err)}. Check that QuickBooks is "
                       "running with the company file open, then sync again.", detail=shown)


def _text_of(err: BaseException) -> str:
    args = getattr(err, "args", ())
    if len(args) >= 3 and isinstance(args[2], tuple) and len(args[2]) >= 3 and args[2][2]:
        return str(args[2][2]).strip()
    return str(args[1]) if len(args) >= 2 else str(err)


class ComTransport:
    """A session with QuickBooks Desktop on ``company_file`` ('' = the company open in QuickBooks).

    Opened on the first request, closed by ``close`` (the connector's ``with`` block). ``mode``: ``single``,
    ``multi`` or ``any`` (default): how the company file must be open.
    """

    def __init__(self, company_file: str, *, mode: str = "any", app_name: str = APP_NAME,
                 dispatch: Dispatch | None = None) -> None:
        if mode not in MODES:
            raise Unavailable(f"Unknown file mode {mode!r} for QuickBooks: use single, multi or any.")
        self.company_file = company_file
        self.mode = mode
        self.app_name = app_name
        self._dispatch = dispatch or _pywin32_dispatch
        self._processor: Any = None
        self._ticket: str | None = None

    def _open(self) -> None:
        processor = self._dispatch(PROG_ID)
        connected = False
        try:
            processor.OpenConnection2(APP_ID, self.app_name, LOCAL_QBD)
            connected = True
            self._ticket = processor.BeginSession(self.company_file, MODES[self.mode])
        except Exception as err:
            if connected:
                _quietly(processor.CloseConnection)
            raise self._failure(err) from None
        self._processor = processor

    def process(self, request: str) -> str:
        if self._processor is None:
            self._open()
        try:
            return str(self._processor.ProcessRequest(self._ticket, request))
        except Exception as err:
            raise self._failure(err) from None

    def close(self) -> None:
        """End the session and close the connection. Never raises: by now QuickBooks holds the sync's writes and
        the workbook must still be saved."""
        processor, ticket = self._processor, self._ticket
        self._processor = self._ticket = None
        if processor is None:
            return
        try:
            if ticket is not None:
                _quietly(lambda: processor.EndSession(ticket))
        finally:
            _quietly(processor.CloseConnection)

    @staticmethod
    def _failure(err: Exception) -> Exception:
        if isinstance(err, (Unavailable, AuthRequired, Retryable, RequestRejected)):
            return err
        return com_failure(err)


def _quietly(call: Callable[[], Any]) -> None:
    """Closing must not hide the error that made us close."""
    with contextlib.suppress(Exception):
        call()
