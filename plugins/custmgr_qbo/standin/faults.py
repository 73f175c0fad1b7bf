"""Faults as QuickBooks Online writes them: a status, a code, a message and a detail, in JSON or in XML."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr


class StandInFault(Exception):
    """A refusal the stand-in answers with, as QuickBooks would."""

    def __init__(self, status: int, code: str, message: str, detail: str = "", element: str = "",
                 fault_type: str = "ValidationFault") -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.status, self.code, self.message, self.detail = status, code, message, detail
        self.element, self.fault_type = element, fault_type

    def body(self) -> dict[str, Any]:
        error = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element:
            error["element"] = self.element
        return {"Fault": {"Error": [error], "type": self.fault_type}}

    def xml(self, time: str) -> str:
        element = f" element={quoteattr(self.element)}" if self.element else ""
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{time}">'
                f'<Fault type={quoteattr(self.fault_type)}><Error code="{self.code}"{element}>'
                f"<Message>{escape(self.message)}</Message><Detail>{escape(self.detail)}</Detail>"
                "</Error></Fault></IntuitResponse>")


def stale(user: str = "Someone else") -> StandInFault:
    return StandInFault(400, "5010", "Stale Object Error",
                        f"Stale Object Error : You and {user} were working on this at the same time. {user} "
                        "finished before you did, so your work was not saved.")


def duplicate_name() -> StandInFault:
    return StandInFault(400, "6240", "Duplicate Name Exists Error",
                        "The name supplied already exists. : Another customer, vendor or employee is already using "
                        "this name. Please use a different name.")


def not_found() -> StandInFault:
    return StandInFault(400, "610", "Object Not Found",
                        "Object Not Found : Something you're trying to use has been made inactive. Check the fields "
                        "with accounts, customers, items, vendors or employees.")


def too_long(prop: str, limit: int, length: int) -> StandInFault:
    return StandInFault(400, "2050", "String length is either shorter or longer than supported by specification",
                        f"String length specified does not match the supported length. Min:0 Max:{limit} supplied "
                        f"length:{length}", element=prop)


def missing(prop: str) -> StandInFault:
    return StandInFault(400, "2020", "Required param missing, need to supply the required value for the API",
                        f"Required parameter {prop} is missing in the request", element=prop)


def invalid_property(prop: str) -> StandInFault:
    return StandInFault(400, "2010", "Request has invalid or unsupported property",
                        f"Property Name:Unrecognized field \"{prop}\" specified is unsupported or invalid",
                        element=prop)


def invalid_reference(prop: str) -> StandInFault:
    return StandInFault(400, "2500", "Invalid Reference Id",
                        "Invalid Reference Id : Something you're trying to use has been made inactive. Check the "
                        "fields with accounts, customers, items, vendors or employees.", element=prop)


def business(detail: str, prop: str = "") -> StandInFault:
    return StandInFault(400, "6000", "A business validation error has occurred while processing your request",
                        f"Business Validation Error: {detail}", element=prop)


def throttled(status: int = 429) -> StandInFault:
    return StandInFault(status, "3001", f"message=ThrottleExceeded; errorCode=003001; statusCode={status}",
                        "The request limit was reached.  Try again later", fault_type="SERVICE")


def auth_failed(detail: str = "Token expired") -> dict[str, Any]:
    """The 401 body, which QuickBooks spells in lower case."""
    return {"warnings": None, "intuitObject": None, "fault": {"error": [{
        "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401", "detail": detail,
        "code": "3200", "element": None}], "type": "AUTHENTICATION"}, "report": None, "queryResponse": None,
        "batchItemResponse": [], "attachableResponse": [], "syncErrorResponse": None, "requestId": None,
        "time": 0, "status": None, "cdcresponse": []}


def not_authorized() -> StandInFault:
    return StandInFault(403, "3100", "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
                        "This app is not authorized for the company.", fault_type="AUTHENTICATION")
