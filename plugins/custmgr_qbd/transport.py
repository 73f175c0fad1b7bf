"""How qbXML reaches QuickBooks: one ``process(request) -> response`` interface, several ways behind it.

- ``com``: the QuickBooks SDK on Windows (``custmgr_qbd.com``);
- ``sandbox``: a sandbox company file answering qbXML the way QuickBooks does (``custmgr_qbd.front``);
- ``Tracing`` wraps either and writes every request and answer to numbered files, for support.

A transport raises ``RequestRejected`` when QuickBooks refuses a whole message (it could not parse it: HRESULT
0x80040400) and ``Unavailable`` when QuickBooks cannot be reached; a per-request refusal is inside the answer.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import Protocol

from custmgr.errors import ConnectorError, CustmgrError

PARSE_ERROR = 0x80040400
PARSE_MESSAGE = "QuickBooks found an error when parsing the provided XML text stream."
VERSION_ERROR = 0x80040423
VERSION_MESSAGE = "The version of qbXML that was requested is not supported or is unknown."


class Transport(Protocol):
    """Sends one qbXML message and returns QuickBooks' answer, as text."""

    def process(self, request: str) -> str: ...

    def close(self) -> None: ...


class RequestRejected(ConnectorError):
    """QuickBooks refused a whole message without answering any request in it (an HRESULT, not a status)."""

    code = "rejected"

    def __init__(self, hresult: int, message: str) -> None:
        super().__init__(f"QuickBooks rejected the request (0x{hresult:08X}): {message}",
                         detail=f"HRESULT 0x{hresult:08X}")
        self.hresult = hresult


# --- tracing ------------------------------------------------------------------------------------------------

#: Elements whose text never goes into a trace file, whatever asked for them.
SECRET_ELEMENTS = ("CreditCardNumber", "ExpirationMonth", "ExpirationYear", "NameOnCard", "CreditCardAddress",
                   "CreditCardPostalCode", "CreditCardSecurityCode", "SSN", "EIN", "VendorTaxIdent")
_SECRET = re.compile(r"<(" + "|".join(SECRET_ELEMENTS) + r")>[^<]*</\1>")
REMOVED = "[removed]"


def redact(xml: str) -> str:
    """``xml`` with the text of card numbers, tax ids and the like replaced by ``[removed]``."""
    return _SECRET.sub(lambda m: f"<{m.group(1)}>{REMOVED}</{m.group(1)}>", xml)


class Tracing:
    """Writes ``0001-request.xml``, ``0001-response.xml``, ... into ``folder`` around ``inner``.

    Numbering continues after files already there, so two syncs traced into one folder keep both. A message
    QuickBooks rejected gets ``NNNN-error.txt`` instead of a response. Secrets are removed (``redact``); no
    session ticket, password or application key ever passes through ``process``.
    """

    def __init__(self, inner: Transport, folder: str | os.PathLike[str]) -> None:
        self.inner = inner
        self.folder = Path(folder)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise CustmgrError(f"Cannot create the trace folder {self.folder}: {err.strerror}. Choose another "
                               "folder for --trace.") from None
        numbers = [int(p.name[:4]) for p in self.folder.glob("[0-9][0-9][0-9][0-9]-*") if p.name[:4].isdigit()]
        self._count = max(numbers, default=0)
        self._lock = threading.Lock()

    def process(self, request: str) -> str:
        with self._lock:
            self._count += 1
            number = self._count
        self._write(f"{number:04d}-request.xml", request)
        try:
            response = self.inner.process(request)
        except CustmgrError as err:
            self._write(f"{number:04d}-error.txt", f"{err}\n")
            raise
        self._write(f"{number:04d}-response.xml", response)
        return response

    def close(self) -> None:
        self.inner.close()

    def _write(self, name: str, text: str) -> None:
        """Whole or not at all: a temporary file in the same folder, then a rename."""
        target = self.folder / name
        temp = target.with_name(f".{name}.tmp")
        temp.write_text(redact(text), encoding="utf-8")
        os.replace(temp, target)


# --- the sandbox company ------------------------------------------------------------------------------------


class SandboxTransport:
    """qbXML answered by a sandbox company file (``custmgr sandbox new PATH --sample`` makes one)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        from custmgr.company import SandboxCompany

        from .front import QbxmlFront

        self.front = QbxmlFront(SandboxCompany(path))

    def process(self, request: str) -> str:
        return self.front.process(request)

    def close(self) -> None:
        self.front.close()
