"""``custmgr sync --trace DIR``: every qbXML request and answer of a sync as numbered files, nothing secret."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from custmgr.cli import main
from custmgr.company import SandboxCompany
from custmgr.errors import CustmgrError
from custmgr_qbd.front import QbxmlFront
from custmgr_qbd.transport import RequestRejected, SandboxTransport, Tracing, redact

from .frontkit import customer_add, envelope

CARD = "4111111111111111"


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_a_traced_sync_writes_numbered_pairs_and_no_card_number(tmp_path: Path, sample_path: Path) -> None:
    with SandboxCompany(sample_path) as store:  # a customer whose card QuickBooks keeps
        QbxmlFront(store).process(envelope(customer_add(
            "Card Holder", "<CreditCardInfo><CreditCardNumber>4111111111111111</CreditCardNumber>"
                           "<ExpirationMonth>12</ExpirationMonth><ExpirationYear>2030</ExpirationYear>"
                           "<NameOnCard>Card Holder</NameOnCard></CreditCardInfo>")))
    book, trace = tmp_path / "contacts.xlsx", tmp_path / "trace"
    run("new", str(book))
    run("setup", str(book), "--connector", "qbd", "--company", str(sample_path))
    run("sync", str(book), "--trace", str(trace))
    names = sorted(p.name for p in trace.iterdir())
    assert names[:2] == ["0001-request.xml", "0001-response.xml"]
    numbers = sorted({name[:4] for name in names})
    assert numbers == [f"{n:04d}" for n in range(1, len(numbers) + 1)]
    assert all(f"{n}-request.xml" in names and f"{n}-response.xml" in names for n in numbers)
    everything = "".join(p.read_text(encoding="utf-8") for p in trace.iterdir())
    assert "Card Holder" in everything and CARD not in everything and "CustomerQueryRq" in everything
    run("sync", str(book), "--trace", str(trace))  # a second sync into the same folder keeps the first
    assert len(list(trace.iterdir())) > len(names) and (trace / names[0]).exists()
    assert not [p for p in trace.iterdir() if p.name.startswith(".")]  # no temporary file left behind


def test_secrets_are_removed_whatever_asked_for_them() -> None:
    text = ("<CreditCardInfo><CreditCardNumber>4111111111111111</CreditCardNumber><ExpirationMonth>12"
            "</ExpirationMonth><NameOnCard>Ann Lee</NameOnCard></CreditCardInfo><SSN>123-45-6789</SSN>"
            "<VendorTaxIdent>12-3456789</VendorTaxIdent><Phone>(617) 555-0100</Phone>")
    cleaned = redact(text)
    assert not re.search(r"4111|123-45|12-3456789|Ann Lee|>12<", cleaned)
    assert "<Phone>(617) 555-0100</Phone>" in cleaned and cleaned.count("[removed]") == 5


def test_a_rejected_message_is_traced_with_the_error(tmp_path: Path, empty_path: Path) -> None:
    tracing = Tracing(SandboxTransport(empty_path), tmp_path / "trace")
    try:
        with pytest.raises(RequestRejected):
            tracing.process("<QBXML>not qbXML")
    finally:
        tracing.close()
    assert sorted(p.name for p in (tmp_path / "trace").iterdir()) == ["0001-error.txt", "0001-request.xml"]
    assert "0x80040400" in (tmp_path / "trace" / "0001-error.txt").read_text()


def test_a_trace_folder_that_cannot_be_made_says_so(tmp_path: Path, empty_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CustmgrError, match="Cannot create the trace folder"):
        Tracing(SandboxTransport(empty_path), blocker / "trace")
