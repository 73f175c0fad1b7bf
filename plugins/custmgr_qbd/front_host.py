"""The sandbox front as one QuickBooks product: ``HostQueryRq``, and the qbXML versions it claims to speak.

By default the sandbox answers like a current QuickBooks Desktop (every version up to 13.0). ``claim(store,
product, versions)`` stores another claim in the company file, so that file answers like, say, a QuickBooks
2012 (up to 11.0) from then on: a message in a version not claimed is refused (HRESULT 0x80040423), a request
holding an element its version does not have is refused whole (0x80040400), and answers leave out what that
version does not have, as QuickBooks answers in the version asked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import TYPE_CHECKING

from custmgr.company import SandboxCompany

from .front_records import text_element
from .front_words import OK, Answer
from .versions import SINCE, Version, parse_version, text

if TYPE_CHECKING:
    from .front import QbxmlFront

HOST = "qbxml host"  # the annex entry that holds the claim
PRODUCT = "QuickBooks Desktop Pro 2024 (sandbox company)"
ALL_VERSIONS = ("1.0", "1.1", "2.0", "2.1", "3.0", "4.0", "4.1", "5.0", "6.0", "7.0", "8.0", "9.0", "10.0",
                "11.0", "12.0", "13.0")


def claim(store: SandboxCompany, product: str, versions: Sequence[str]) -> None:
    """Make the company file answer as ``product`` speaking only ``versions`` (e.g. up to "11.0")."""
    if not versions or any(parse_version(v) is None for v in versions):
        raise ValueError(f"qbXML versions look like '11.0', not {list(versions)!r}")
    store.set_annex(HOST, {"product": product, "versions": ",".join(versions)})


def claimed(store: SandboxCompany) -> tuple[str, tuple[str, ...]]:
    """The product name and the versions this company file answers as."""
    kept = store.annex(HOST)
    versions = tuple(v for v in kept.get("versions", "").split(",") if v) or ALL_VERSIONS
    return kept.get("product") or PRODUCT, versions


def host_query(front: QbxmlFront, request: ET.Element) -> Answer:
    """``HostRet``: product, major and minor version, country, every supported qbXML version, login and mode."""
    product, versions = claimed(front.store)
    year = next((int(word) for word in product.split() if word.isdigit() and len(word) == 4), 2024)
    ret = ET.Element("HostRet")
    ret.extend([text_element("ProductName", product), text_element("MajorVersion", str(year - 1990)),
                text_element("MinorVersion", "0"), text_element("Country", "US")])
    ret.extend(text_element("SupportedQBXMLVersion", v) for v in versions)
    ret.extend([text_element("IsAutomaticLogin", "false"), text_element("QBFileMode", "SingleUser")])
    return Answer(OK, [ret])


def too_new(requests: Sequence[ET.Element], version: Version) -> str:
    """The first element in ``requests`` that qbXML ``version`` does not have ('' if none)."""
    for request in requests:
        for element in request.iter():
            since = SINCE.get(element.tag)
            if since is not None and version < since:
                return f"<{element.tag}> is qbXML {text(since)}; the message is {text(version)}"
    return ""


def answer_in(answers: ET.Element, version: Version) -> None:
    """Leave out of customer and vendor records what qbXML ``version`` does not have."""
    gone = {tag for tag, since in SINCE.items() if version < since}
    if not gone:
        return
    for ret in answers.iter():
        if ret.tag in ("CustomerRet", "VendorRet"):
            for child in [c for c in ret if c.tag in gone]:
                ret.remove(child)


HANDLERS = {"HostQueryRq": host_query}
