"""The ``com`` transport, on any OS: a recorded exchange with QuickBooks' request processor is played back by a
fake COM object, so the session's order (open, begin, process, end, close), its clean-up on every path and the
meaning of each HRESULT are checked without QuickBooks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from custmgr.company import SandboxCompany
from custmgr.errors import AuthRequired, Retryable, Unavailable
from custmgr_qbd import com
from custmgr_qbd.com import ComTransport, com_failure
from custmgr_qbd.connector import QbdConnector
from custmgr_qbd.front import QbxmlFront
from custmgr_qbd.transport import RequestRejected

QBW = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Larkspur.QBW"
TICKET = "{0f3a5c2e-1b4d-4e6f-8a9b-7c6d5e4f3a2b}"
HOST = ('<HostQueryRs requestID="1" statusCode="0" statusSeverity="Info" statusMessage="Status OK"><HostRet>'
        "<ProductName>QuickBooks Pro 2012</ProductName><MajorVersion>22</MajorVersion><MinorVersion>0</MinorVersion>"
        "<Country>US</Country>" + "".join(f"<SupportedQBXMLVersion>{v}</SupportedQBXMLVersion>" for v in (
            "1.0", "1.1", "2.0", "2.1", "3.0", "4.0", "4.1", "5.0", "6.0", "7.0", "8.0", "9.0", "10.0", "11.0"))
        + "<IsAutomaticLogin>false</IsAutomaticLogin><QBFileMode>SingleUser</QBFileMode></HostRet></HostQueryRs>")
STAMPED = ('<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>' + HOST +
           '<CompanyQueryRs requestID="2" statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
           "<CompanyRet><CompanyName>Larkspur Landscaping</CompanyName><DataExtRet>"
           "<OwnerID>{5E0C4A8B-2F31-4C6D-9A7E-C1B2D3E4F5A6}</OwnerID><DataExtName>Customer Manager company ID"
           "</DataExtName><DataExtType>STR255TYPE</DataExtType><DataExtValue>3f6c-stamp</DataExtValue>"
           "</DataExtRet></CompanyRet></CompanyQueryRs>"
           '<DataExtDefQueryRs requestID="3" statusCode="1" statusSeverity="Info" statusMessage="A query request '
           'did not find a matching object in QuickBooks"/></QBXMLMsgsRs></QBXML>')


class ComError(Exception):
    """What pywin32 raises: (hresult, text, excepinfo, argerr); excepinfo[5] is the processor's own code."""

    def __init__(self, scode: int, description: str = "") -> None:
        signed = scode - (1 << 32) if scode & 0x80000000 else scode
        super().__init__(-2147352567, "Exception occurred.", (0, "QBXMLRP2.RequestProcessor.2", description,
                                                              None, 0, signed), None)


class Recorded:
    """A request processor that plays back a recorded exchange: every call must be the next one recorded."""

    def __init__(self, script: list[tuple[str, tuple[Any, ...], Any]]) -> None:
        self.script = list(script)
        self.calls: list[str] = []

    def __getattr__(self, method: str) -> Any:
        def call(*args: Any) -> Any:
            self.calls.append(method)
            assert self.script, f"unexpected call {method}{args}"
            expected, expected_args, outcome = self.script.pop(0)
            assert (method, args[:len(expected_args)]) == (expected, expected_args)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome(*args) if callable(outcome) else outcome
        return call


def transport_for(processor: Recorded, **options: Any) -> ComTransport:
    def dispatch(prog_id: str) -> Recorded:
        assert prog_id == "QBXMLRP2.RequestProcessor"
        return processor
    return ComTransport(QBW, dispatch=dispatch, **options)


def test_a_session_opens_once_processes_and_always_closes() -> None:
    processor = Recorded([
        ("OpenConnection2", ("", "Customer Manager for Excel", 1), None),
        ("BeginSession", (QBW, 2), TICKET),
        ("ProcessRequest", (TICKET,), lambda ticket, xml: STAMPED),
        ("EndSession", (TICKET,), None),
        ("CloseConnection", (), None),
    ])
    with QbdConnector(transport_for(processor)) as connector:
        assert connector.company().id == "3f6c-stamp"
        assert connector.company().name == "Larkspur Landscaping"  # asked once, remembered
    assert processor.script == [] and processor.calls[-2:] == ["EndSession", "CloseConnection"]


@pytest.mark.parametrize(("code", "error", "words"), [
    (0x80040408, Unavailable, "Could not start QuickBooks"),
    (0x8004040A, Unavailable, "another company file open"),
    (0x80040410, Unavailable, "single-user or multi-user"),
    (0x80040414, Retryable, "dialog box is open"),
    (0x80040409, Unavailable, "lost the session this sync opened"),
    (0x80040416, Unavailable, "QuickBooks is not running and no company file is named"),
    (0x80040417, Unavailable, "No company file is open in QuickBooks and none is named"),
    (0x8004041F, Unavailable, "Pro, Premier or Enterprise"),
    (0x80040418, AuthRequired, "Integrated Applications"),
    (0x8004041A, AuthRequired, "not allowed into this company file"),
    (0x80040420, AuthRequired, "refused access"),
    (0x80040422, Unavailable, "single-user mode"),
    (0x80049999, Unavailable, "0x80049999"),
])
def test_begin_session_failures_say_what_to_do_and_close_the_connection(code: int, error: type[Exception],
                                                                        words: str) -> None:
    processor = Recorded([
        ("OpenConnection2", (), None),
        ("BeginSession", (QBW,), ComError(code, "QuickBooks' own text")),
        ("CloseConnection", (), None),
    ])
    transport = transport_for(processor)
    with pytest.raises(error, match=words):
        transport.process("<QBXML/>")
    assert processor.script == []
    transport.close()  # nothing left open, nothing to do
    assert processor.calls == ["OpenConnection2", "BeginSession", "CloseConnection"]


def test_a_failed_open_connection_leaves_nothing_open() -> None:
    processor = Recorded([("OpenConnection2", (), ComError(0x80040401))])
    with pytest.raises(Unavailable, match="Could not access QuickBooks"):
        transport_for(processor).process("<QBXML/>")
    assert processor.calls == ["OpenConnection2"]


def test_a_message_quickbooks_cannot_parse_is_rejected_and_the_session_still_closes() -> None:
    processor = Recorded([
        ("OpenConnection2", (), None), ("BeginSession", (), TICKET),
        ("ProcessRequest", (TICKET,), ComError(0x80040400, "QuickBooks found an error when parsing the provided XML "
                                                           "text stream.")),
        ("EndSession", (TICKET,), None), ("CloseConnection", (), None),
    ])
    transport = transport_for(processor)
    with pytest.raises(RequestRejected) as caught:
        transport.process("<QBXML>")
    assert caught.value.hresult == 0x80040400 and "parsing the provided XML" in str(caught.value)
    transport.close()
    assert processor.script == []


def test_closing_never_raises() -> None:
    """By the time the session ends QuickBooks holds the sync's writes: the workbook must still be saved."""
    processor = Recorded([
        ("OpenConnection2", (), None), ("BeginSession", (), TICKET), ("ProcessRequest", (), "<QBXML/>"),
        ("EndSession", (), ComError(0x80040402)), ("CloseConnection", (), ComError(0x80040402)),
    ])
    transport = transport_for(processor)
    transport.process("<QBXML/>")
    transport.close()
    assert processor.calls[-2:] == ["EndSession", "CloseConnection"]


def test_the_file_mode_is_passed_and_checked() -> None:
    processor = Recorded([("OpenConnection2", (), None), ("BeginSession", (QBW, 1), TICKET),
                          ("ProcessRequest", (), "<QBXML/>")])
    transport_for(processor, mode="multi").process("<QBXML/>")
    with pytest.raises(Unavailable, match="single, multi or any"):
        ComTransport(QBW, mode="shared")


def test_without_windows_or_pywin32_the_message_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(Unavailable, match=r"runs on Windows.*--transport sandbox"):
        ComTransport(QBW).process("<QBXML/>")
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "pythoncom", None)  # an import that fails, as without pywin32
    with pytest.raises(Unavailable, match="pip install pywin32"):
        ComTransport(QBW).process("<QBXML/>")


def test_hresult_is_read_from_excepinfo_or_the_error_itself() -> None:
    assert isinstance(com_failure(ComError(0x8004041A)), AuthRequired)
    plain = Exception(-2147220472, "Could not start QuickBooks.", None, None)  # 0x80040408 as a signed int
    assert "Could not start QuickBooks" in str(com_failure(plain))


def test_a_whole_sync_over_com_with_a_stand_in_request_processor(tmp_path: Path, sample_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The same sync as over the sandbox transport, but every message goes through ComTransport to a fake
    request processor that hands it to the sandbox front (in place of QuickBooks)."""
    from custmgr import sync as engine
    from custmgr.book import create_workbook

    class ProcessorOnSandbox:
        def __init__(self) -> None:
            self.front = QbxmlFront(SandboxCompany(sample_path))
            self.calls: list[str] = []

        def OpenConnection2(self, app_id: str, name: str, kind: int) -> None:  # COM's own method names
            self.calls.append("OpenConnection2")

        def BeginSession(self, company: str, mode: int) -> str:
            assert company == QBW
            self.calls.append("BeginSession")
            return TICKET

        def ProcessRequest(self, ticket: str, xml: str) -> str:
            assert ticket == TICKET
            self.calls.append("ProcessRequest")
            return self.front.process(xml)

        def EndSession(self, ticket: str) -> None:
            self.calls.append("EndSession")

        def CloseConnection(self) -> None:
            self.calls.append("CloseConnection")
            self.front.close()

    processors: list[ProcessorOnSandbox] = []
    monkeypatch.setattr(com, "_pywin32_dispatch", lambda prog_id: processors.append(ProcessorOnSandbox())
                        or processors[-1])
    book = tmp_path / "contacts.xlsx"
    create_workbook(book)
    engine.setup(book, connector="qbd", company=QBW, vendors=True, options={"transport": "com"})
    summary, _ = engine.sync(book)
    assert summary.imported == 46 and summary.outcome == "ok"
    for processor in processors:
        assert processor.calls[:2] == ["OpenConnection2", "BeginSession"]
        assert processor.calls[-2:] == ["EndSession", "CloseConnection"]


def test_an_unknown_code_keeps_quickbooks_words_in_one_sentence() -> None:
    message = str(com_failure(ComError(0x80049999, "Something went wrong.")))
    assert "0x80049999" in message and "Something went wrong. Check" in message and ".." not in message


class FakePythoncom:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def CoInitialize(self) -> None:  # COM's own names
        self.calls.append("CoInitialize")

    def CoUninitialize(self) -> None:
        self.calls.append("CoUninitialize")


def fake_pywin32(monkeypatch: pytest.MonkeyPatch, dispatch: Any) -> FakePythoncom:
    """pywin32 as on Windows: ``pythoncom`` and ``win32com.client.Dispatch``."""
    import types

    pythoncom = FakePythoncom()
    client = types.ModuleType("win32com.client")
    client.Dispatch = dispatch  # type: ignore[attr-defined]
    package = types.ModuleType("win32com")
    package.client = client  # type: ignore[attr-defined]
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setitem(sys.modules, "pythoncom", pythoncom)
    monkeypatch.setitem(sys.modules, "win32com", package)
    monkeypatch.setitem(sys.modules, "win32com.client", client)
    return pythoncom


@pytest.mark.parametrize(("code", "text"), [(-2147221164, "Class not registered"),
                                            (-2147221005, "Invalid class string")])
def test_the_sdk_missing_or_the_wrong_bitness_gives_install_advice(monkeypatch: pytest.MonkeyPatch, code: int,
                                                                   text: str) -> None:
    """What pywin32's Dispatch raises when QBXMLRP2 is not registered for this Python (no SDK, or 64-bit
    Python with a 32-bit request processor): advice, not a traceback, and COM is stopped again."""
    def dispatch(prog_id: str) -> Any:
        raise Exception(code, text, None, None)

    pythoncom = fake_pywin32(monkeypatch, dispatch)
    with pytest.raises(Unavailable, match=r"not installed for this Python.*32-bit"):
        ComTransport(QBW).process("<QBXML/>")
    assert pythoncom.calls == ["CoInitialize", "CoUninitialize"]


def test_com_is_uninitialized_when_the_session_ends_or_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    processor = Recorded([
        ("OpenConnection2", (), None), ("BeginSession", (), TICKET), ("ProcessRequest", (), "<QBXML/>"),
        ("EndSession", (), None), ("CloseConnection", (), None),
        ("OpenConnection2", (), None), ("BeginSession", (), ComError(0x80040418)), ("CloseConnection", (), None),
    ])
    pythoncom = fake_pywin32(monkeypatch, lambda prog_id: processor)
    transport = ComTransport(QBW)
    transport.process("<QBXML/>")
    transport.close()
    assert pythoncom.calls == ["CoInitialize", "CoUninitialize"]
    with pytest.raises(AuthRequired):
        ComTransport(QBW).process("<QBXML/>")
    assert pythoncom.calls == ["CoInitialize", "CoUninitialize"] * 2
