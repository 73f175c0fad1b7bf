"""Talking to the sandbox front in raw qbXML, as a test would with QuickBooks' qbXML Test+ tool."""

from __future__ import annotations

from custmgr_qbd.front import QbxmlFront
from custmgr_qbd.responses import Response, parse


def envelope(*requests: str, on_error: str = "stopOnError", version: str = "13.0") -> str:
    body = "".join(requests)
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="{version}"?>\n'
            f'<QBXML><QBXMLMsgsRq onError="{on_error}">{body}</QBXMLMsgsRq></QBXML>')


def ask(front: QbxmlFront, *requests: str, on_error: str = "stopOnError") -> list[Response]:
    return parse(front.process(envelope(*requests, on_error=on_error)))


def customer_add(name: str, *inner: str, request_id: str = "1", kind: str = "Customer") -> str:
    return (f'<{kind}AddRq requestID="{request_id}"><{kind}Add><Name>{name}</Name>{"".join(inner)}'
            f"</{kind}Add></{kind}AddRq>")


def customer_mod(list_id: str, edit_sequence: str, *inner: str, kind: str = "Customer") -> str:
    return (f"<{kind}ModRq><{kind}Mod><ListID>{list_id}</ListID><EditSequence>{edit_sequence}</EditSequence>"
            f'{"".join(inner)}</{kind}Mod></{kind}ModRq>')


def query(*inner: str, kind: str = "Customer", attributes: str = "") -> str:
    return f'<{kind}QueryRq requestID="q"{attributes}>{"".join(inner)}</{kind}QueryRq>'


def ret_text(rs: Response, tag: str, index: int = 0) -> str:
    return rs.rets[index].findtext(tag) or ""
