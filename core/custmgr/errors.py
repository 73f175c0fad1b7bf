"""One error vocabulary for the whole product.

Connectors raise (or return in a ``ChangeResult``) the ``ConnectorError`` subclasses; the engine and the workbook raise
``CustmgrError`` subclasses whose message is written for a bookkeeper: which sheet, row and field, and what to do.
"""

from __future__ import annotations


class CustmgrError(Exception):
    """Anything the user can act on. ``str(err)`` is the message shown to them."""

    #: The command line's exit status: 1 = stopped before anything was written anywhere.
    exit_code: int = 1


class ConnectorError(CustmgrError):
    """A QuickBooks-side failure, in terms every connector maps its own codes to."""

    code: str = "error"

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail  # the backend's own code/message, for the log


class NotFound(ConnectorError):
    """The record does not exist (any more) in QuickBooks (qbXML 3120/1, QBO 610)."""

    code = "not_found"


class NameInUse(ConnectorError):
    """Another list entry already uses that name, ignoring case (qbXML 3100, QBO 6240)."""

    code = "name_in_use"


class StaleVersion(ConnectorError):
    """The record changed in QuickBooks since it was read (qbXML 3200, QBO 5010)."""

    code = "stale"


class Retryable(ConnectorError):
    """A lock or throttle that clears by itself (qbXML 3170-3180, HTTP 429)."""

    code = "retry"


class Invalid(ConnectorError):
    """QuickBooks refused a value (qbXML 3210, QBO 2010/2020/2050)."""

    code = "invalid"

    def __init__(self, field: str, reason: str, *, detail: str = "") -> None:
        super().__init__(f"{field}: {reason}", detail=detail)
        self.field = field
        self.reason = reason


class AuthRequired(ConnectorError):
    """Credentials are missing, expired or revoked: the user must sign in again."""

    code = "auth"


class Unavailable(ConnectorError):
    """QuickBooks cannot be reached or the company cannot be opened right now."""

    code = "unavailable"


class WorkbookError(CustmgrError):
    """A problem in the workbook, located by sheet, row and field where known."""

    def __init__(self, message: str, *, sheet: str = "", row: int | None = None, field: str = "") -> None:
        where = ", ".join(
            part for part in (f"sheet {sheet}" if sheet else "", f"row {row}" if row else "",
                              f"column {field}" if field else "") if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.sheet, self.row, self.field = sheet, row, field


class WorkbookBusy(WorkbookError):
    """The workbook is open in Excel/LibreOffice or not writable: nothing was changed."""


class PartlySynced(CustmgrError):
    """Something failed after QuickBooks took some of the sync's writes; the message says exactly which."""

    exit_code = 2


class SyncRefused(CustmgrError):
    """A guard stopped the sync before anything was written (wrong company, empty side, duplicate Row IDs)."""
