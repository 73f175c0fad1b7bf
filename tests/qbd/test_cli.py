"""``custmgr qbd send``: one raw qbXML request, QuickBooks' answer printed (like the SDK's qbXML Test+)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from custmgr.cli import main
from custmgr_qbd.responses import parse

from .frontkit import customer_add, envelope, query


def send(*args: str, code: int = 0, stdin: bytes | None = None) -> str:
    result = CliRunner().invoke(main, ["qbd", "send", *args], input=stdin, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def test_send_prints_the_answer(tmp_path: Path, sample_path: Path) -> None:
    request = tmp_path / "query.xml"
    request.write_text(envelope(query("<FullName>Okafor, Chidi</FullName>", "<OwnerID>0</OwnerID>")))
    (rs,) = parse(send(str(request), "--company", str(sample_path)))
    assert rs.code == 0 and rs.rets[0].findtext("FullName") == "Okafor, Chidi"


def test_send_from_standard_input_in_latin_1(sample_path: Path) -> None:
    text = envelope(customer_add("Crème Brûlée Catering")).replace("utf-8", "ISO-8859-1")
    (rs,) = parse(send("-", "--company", str(sample_path), "--transport", "sandbox", stdin=text.encode("latin-1")))
    assert rs.code == 0 and rs.rets[0].findtext("FullName") == "Crème Brûlée Catering"


def test_a_request_quickbooks_cannot_parse(tmp_path: Path, sample_path: Path) -> None:
    request = tmp_path / "bad.xml"
    request.write_text(envelope(customer_add("A", "<Phone>1</Phone><CompanyName>x</CompanyName>")))
    out = send(str(request), "--company", str(sample_path), code=1)
    assert out.startswith("Error: QuickBooks rejected the request (0x80040400): QuickBooks found an error when "
                          "parsing the provided XML text stream.")


@pytest.mark.skipif(sys.platform == "win32", reason="on Windows the com transport reaches QuickBooks")
def test_com_off_windows_says_what_to_do(tmp_path: Path) -> None:
    request = tmp_path / "q.xml"
    request.write_text(envelope(query()))
    out = send(str(request), "--company", r"C:\Books\Larkspur.QBW", code=1)
    assert "QuickBooks Desktop runs on Windows" in out


def test_a_missing_company_file(tmp_path: Path) -> None:
    request = tmp_path / "q.xml"
    request.write_text(envelope(query()))
    out = send(str(request), "--company", str(tmp_path / "nope.qbsandbox"), "--transport", "sandbox", code=1)
    assert "There is no sandbox company file" in out


def test_a_request_without_the_qbxml_line_gets_a_hint(tmp_path: Path, sample_path: Path) -> None:
    request = tmp_path / "no-pi.xml"
    request.write_text(envelope(query()).replace('<?qbxml version="13.0"?>\n', ""))
    out = send(str(request), "--company", str(sample_path), code=1)
    assert "0x80040400" in out and '<?qbxml version="13.0"?> line' in out
    good = tmp_path / "bad-order.xml"
    good.write_text(envelope(customer_add("A", "<Phone>1</Phone><CompanyName>x</CompanyName>")))
    assert "<?qbxml" not in send(str(good), "--company", str(sample_path), code=1)  # the line is there: no hint


def test_host_shows_and_sets_which_quickbooks_a_sandbox_company_answers_as(sample_path: Path) -> None:
    assert "speaking qbXML 1.0 to 13.0" in send_host(str(sample_path))
    out = send_host(str(sample_path), "--product", "QuickBooks Pro 2012", "--up-to", "11.0")
    assert out.strip().endswith("answers as QuickBooks Pro 2012, speaking qbXML 1.0 to 11.0.")
    assert "QuickBooks Pro 2012" in send_host(str(sample_path))
    assert "--up-to" in send_host(str(sample_path), "--up-to", "11.5", code=2)


def send_host(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["qbd", "host", *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output
