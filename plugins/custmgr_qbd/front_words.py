"""QuickBooks' own wording for the statuses the sandbox front answers with, and the store's errors in those terms.

The texts follow QuickBooks Desktop's (see Intuit's list of qbXML status codes and the recorded responses in the
conformance data), so that the connector is tested against the messages it will meet.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from custmgr.errors import ConnectorError, Invalid, NameInUse, NotFound, Retryable, StaleVersion

from .elements import ADDRESS_PARTS, FIELD_OF_TAG

QB = "QuickBooks error message:"


@dataclass(frozen=True)
class Status:
    """A request's ``statusCode``, ``statusSeverity`` and ``statusMessage``."""

    code: int
    message: str
    severity: str = ""

    @property
    def level(self) -> str:
        if self.severity:
            return self.severity
        return "Info" if self.code < 500 else "Warn" if self.code < 1000 else "Error"


class Refusal(Exception):
    """A request QuickBooks answers with an error status (the rest of the message may go on)."""

    def __init__(self, status: Status) -> None:
        super().__init__(status.message)
        self.status = status


@dataclass
class Answer:
    """What a request handler returns: a status, the Ret elements, and attributes for the ``...Rs`` element."""

    status: Status
    rets: list[ET.Element] = field(default_factory=list)
    attributes: dict[str, str] = field(default_factory=dict)


OK = Status(0, "Status OK")
NO_MATCH = Status(1, "A query request did not find a matching object in QuickBooks")


def partial(missing: str) -> Status:
    return Status(500, "The query request has not been fully completed. There was a required element "
                       f'("{missing}") that could not be found in QuickBooks.')


def not_found(what: str) -> Refusal:
    return Refusal(Status(3120, f'Object "{what}" specified in the request cannot be found.  {QB} Invalid '
                                "argument.  The specified record does not exist in the list."))


def name_in_use(name: str) -> Refusal:
    return Refusal(Status(3100, f'The name "{name}" of the list element is already in use.'))


def bad_reference(list_name: str, value: str, owner: str) -> Refusal:
    return Refusal(Status(3140, f'There is an invalid reference to QuickBooks {list_name} "{value}" in the '
                                f"{owner}.  {QB} Invalid argument.  The specified record does not exist in the "
                                "list."))


def stale(edit_sequence: str) -> Refusal:
    return Refusal(Status(3200, f'The provided edit sequence "{edit_sequence}" is out-of-date. '))


def too_long(value: str, tag: str) -> Refusal:
    return Refusal(Status(3070, f'The string "{value}" in the field "{tag}" is too long.'))


def invalid(tag: str, value: str, reason: str) -> Refusal:
    return Refusal(Status(3210, f'The "{tag}" field has an invalid value "{value}".  {QB} {reason}'))


def locked(code: int, kind: str, name: str) -> Refusal:
    """3170-3180: the list or the record is in use by someone else; trying again later works."""
    action = "saving" if code == 3180 else "modifying"
    return Refusal(Status(code, f'There was an error when {action} a {kind} list, element "{name}".  {QB} This '
                                "list has been modified by another user."))


def already_set(kind: str, name: str, field: str) -> Refusal:
    """3180 for a DataExtAdd on a data extension that already has a value: a save refused for good (the
    sandbox's wording; QuickBooks answers the same status)."""
    return Refusal(Status(3180, f'There was an error when saving a {kind} list, element "{name}".  {QB} The data '
                                f'extension "{field}" already has a value.'))


def unsupported(what: str) -> Refusal:
    return Refusal(Status(1030, f"This request is not supported by this implementation. (The sandbox company "
                                f"does not answer {what}; it keeps customers, vendors and their custom fields.)"))


_TAG_OF_KEY = {key: tag for tag, key in FIELD_OF_TAG.items()} | {
    f"{prefix}_{part}": tag for prefix in ("bill", "ship") for part, tag in ADDRESS_PARTS} | {
    "name": "Name", "active": "IsActive"}


def from_store(err: ConnectorError, kind: str, values: dict[str, str], *, ident: str = "",
               edit_sequence: str = "") -> Refusal:
    """The store's refusal of a write as QuickBooks words it."""
    if isinstance(err, StaleVersion):
        return stale(edit_sequence)
    if isinstance(err, NotFound):
        return not_found(ident)
    if isinstance(err, NameInUse):
        return name_in_use(values.get("name", ""))
    if isinstance(err, Retryable):
        return locked(3180, kind, values.get("name", ident))
    if isinstance(err, Invalid):
        tag = "DataExtValue" if err.field.startswith("custom:") else _TAG_OF_KEY.get(err.field, err.field)
        value = values.get(err.field, "")
        if "3140" in err.detail:
            parent = values.get("name", "").rpartition(":")[0]
            return bad_reference(kind, parent, kind)
        if "3070" in err.detail:
            return too_long(value, tag)
        return invalid(tag, value, err.reason)
    return Refusal(Status(1000, f"There has been an internal error when processing the request. ({err})"))
