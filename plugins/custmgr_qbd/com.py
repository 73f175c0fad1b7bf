"""The ``com`` transport: QuickBooks Desktop's SDK request processor (``QBXMLRP2.RequestProcessor``) on Windows.

One session per connector: ``OpenConnection2`` with the application's name, ``BeginSession`` on the company file
(or, with no file named, the one open in QuickBooks), ``ProcessRequest`` for each message, then ``EndSession``
and ``CloseConnection``, always, in ``finally``; COM is started on the thread with ``CoInitialize`` and stopped
with ``CoUninitialize`` once the processor is let go (also when opening fails). The module imports on any OS;
pywin32 is loaded only when a session starts, and tests hand in a recorded fake of the COM object instead
(``dispatch``). COM's own start-up errors (the request processor not registered for this Python) become install
advice, like the processor's HRESULTs.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from typing import Any

from custmgr.errors import AuthRequired, Retryable, Unavailable

from .transport import PARSE_ERROR, VERSION_ERROR, RequestRejected

PROG_ID = "QBXMLRP2.RequestProcessor"
APP_ID = ""  # QuickBooks identifies a desktop application by its name
APP_NAME = "Customer Manager for Excel"
LOCAL_QBD = 1  # ctLocalQBD
MODES = {"single": 0, "multi": 1, "any": 2}  # omSingleUser, omMultiUser, omDontCare

_AUTHORISE = ("In QuickBooks, sign in as the administrator in single-user mode, run the sync again and answer "
              "'Yes, always' in the Application Certificate dialog (Edit > Preferences > Integrated Applications "
              "lists and manages the applications allowed).")
REGDB_E_CLASSNOTREG = 0x80040154  # "Class not registered"
CO_E_CLASSSTRING = 0x800401F3  # "Invalid class string"
_NOT_INSTALLED = ("QuickBooks' request processor (QBXMLRP2) is not installed for this Python. Install QuickBooks "
                  "Desktop on this computer (it brings the request processor), or the QuickBooks SDK, and run "
                  "custmgr with a Python of the same bitness as the request processor: 32-bit for QuickBooks 2021 "
                  "and older.")
#: The request processor's HRESULTs (Intuit's list in "Making your application robust"), with what the
#: bookkeeper can do about each.
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
    0x80040409: (Unavailable, "QuickBooks lost the session this sync opened (its ticket is no longer valid, as "
                              "after QuickBooks closed or stopped during the sync). Check that QuickBooks is "
                              "running with the company file open, then sync again."),
    # Intuit: "If QuickBooks is not running, the company data file name must be supplied to BeginSession."
    0x80040416: (Unavailable, "QuickBooks is not running and no company file is named in Settings. Start "
                              "QuickBooks and open the company file, or put the .QBW path in Settings (custmgr "
                              "setup BOOK --connector qbd --company PATH.QBW)."),
    # Intuit's list: QuickBooks runs with no company data file open, and BeginSession named none.
    0x80040417: (Unavailable, "No company file is open in QuickBooks and none is named in Settings. Open it in "
                              "QuickBooks, or put the .QBW path in Settings (custmgr setup BOOK --connector qbd "
                              "--company PATH.QBW)."),
    0x80040418: (AuthRequired, "Customer Manager has not been allowed into this company file yet. "
                 + _AUTHORISE),
    0x8004041A: (AuthRequired, "Customer Manager is not allowed into this company file. " + _AUTHORISE),
    0x8004041B: (Retryable, "QuickBooks could not lock the company file for this sync. Try again in a moment."),
    0x8004041D: (AuthRequired, "Customer Manager is not allowed to sign in to this company file while QuickBooks "
                 "is closed. Open QuickBooks and the company file first, or allow automatic login under Edit > "
                 "Preferences > Integrated Applications."),
    0x8004041F: (Unavailable, "This edition of QuickBooks does not accept other applications (QuickBooks Basic "
                              "and Simple Start do not). Customer Manager needs QuickBooks Desktop Pro, Premier or "
                              "Enterprise."),
    0x80040420: (AuthRequired, "The QuickBooks user refused access to Customer Manager. " + _AUTHORISE),
    0x80040422: (Unavailable, "Another application is using the company file in single-user mode. Close it, or "
                              "switch QuickBooks to multi-user mode, then sync again."),
    # COM itself, before QuickBooks is reached: the request processor is not registered for this Python.
    REGDB_E_CLASSNOTREG: (Unavailable, _NOT_INSTALLED),
    CO_E_CLASSSTRING: (Unavailable, _NOT_INSTALLED),
    0x80040424: (Retryable, "QuickBooks is still starting. Sync again in a moment."),
}

Dispatch = Callable[[str], Any]


def _pywin32() -> tuple[Any, Any]:
    if sys.platform != "win32":
        raise Unavailable("QuickBooks Desktop runs on Windows; here, sync with a sandbox company instead "
                          "(custmgr setup BOOK --connector qbd --company FILE --transport sandbox).")
    try:
        import pythoncom
        import win32com.client
    except ImportError:
        raise Unavailable("Talking to QuickBooks Desktop needs the pywin32 package: run `pip install pywin32` "
                          "in the Python that runs custmgr, then sync again.") from None
    return pythoncom, win32com.client


def _pywin32_dispatch(prog_id: str) -> Any:
    """COM started on this thread, then the request processor; COM is stopped again if that fails."""
    pythoncom, client = _pywin32()
    pythoncom.CoInitialize()
    try:
        return client.Dispatch(prog_id)
    except BaseException:
        pythoncom.CoUninitialize()
        raise


def _pywin32_release() -> None:
    """Balance the ``CoInitialize`` of ``_pywin32_dispatch`` (after the processor is let go)."""
    pythoncom, _ = _pywin32()
    pythoncom.CoUninitialize()


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
    if code in (PARSE_ERROR, VERSION_ERROR):  # the message, not the session: the connector says what it means
        return RequestRejected(code, _text_of(err))
    if code in FAILURES:
        kind, message = FAILURES[code]
        return kind(message, detail=f"HRESULT 0x{code:08X}")
    shown = f"0x{code:08X}" if code is not None else type(err).__name__
    text = _text_of(err).rstrip(". ") or "no description"
    return Unavailable(f"QuickBooks reported an error ({shown}): {text}. Check that QuickBooks is running with the "
                       "company file open, then sync again.", detail=shown)


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
                 dispatch: Dispatch | None = None, release: Callable[[], None] | None = None) -> None:
        if mode not in MODES:
            raise Unavailable(f"Unknown file mode {mode!r} for QuickBooks: use single, multi or any.")
        self.company_file = company_file
        self.mode = mode
        self.app_name = app_name
        self._dispatch = dispatch or _pywin32_dispatch
        self._release = release if dispatch is not None else (release or _pywin32_release)
        self._processor: Any = None
        self._ticket: str | None = None

    def _open(self) -> None:
        try:
            processor = self._dispatch(PROG_ID)  # COM errors here: the SDK missing, or 32/64-bit mismatch
        except Exception as err:
            raise self._failure(err) from None
        connected = False
        try:
            processor.OpenConnection2(APP_ID, self.app_name, LOCAL_QBD)
            connected = True
            self._ticket = processor.BeginSession(self.company_file, MODES[self.mode])
        except Exception as err:
            if connected:
                _quietly(processor.CloseConnection)
            del processor
            self._uninitialize()
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
        _end(processor, ticket)
        del processor  # COM objects must be let go before COM stops
        self._uninitialize()

    def _uninitialize(self) -> None:
        if self._release is not None:
            _quietly(self._release)

    @staticmethod
    def _failure(err: Exception) -> Exception:
        if isinstance(err, (Unavailable, AuthRequired, Retryable, RequestRejected)):
            return err
        return com_failure(err)


def _end(processor: Any, ticket: str | None) -> None:
    try:
        if ticket is not None:
            _quietly(lambda: processor.EndSession(ticket))
    finally:
        _quietly(processor.CloseConnection)


def _quietly(call: Callable[[], Any]) -> None:
    """Closing must not hide the error that made us close."""
    with contextlib.suppress(Exception):
        call()
