"""``custmgr qbo standin``: a person can run the stand-in and follow its printed steps to a synced workbook."""

from __future__ import annotations

import re
import time

import httpx
from click.testing import CliRunner

from custmgr.cli import main
from custmgr_qbo import cli as qbo_cli


def test_standin_command_serves_until_stopped_and_prints_the_next_steps(monkeypatch):
    seen: dict[str, str] = {}

    def sleep_then_stop(seconds: float) -> None:
        if seconds < 60:  # not the command's own wait: a pause inside the server or the client
            return time.sleep(seconds)
        url = re.search(r"at (http://127\.0\.0\.1:\d+)", printed[0]).group(1)
        seen["token_endpoint"] = httpx.get(url + "/.well-known/openid_configuration").json()["token_endpoint"]
        raise KeyboardInterrupt

    printed: list[str] = []
    real_echo = qbo_cli.click.echo

    def echo(message: str = "", **kwargs) -> None:
        printed.append(message)
        real_echo(message, **kwargs)

    monkeypatch.setattr(qbo_cli.time, "sleep", sleep_then_stop)
    monkeypatch.setattr(qbo_cli.click, "echo", echo)
    result = CliRunner().invoke(main, ["qbo", "standin", "--size", "12", "--realm", "123456"])
    assert result.exit_code == 0, result.output
    assert "company 123456" in result.output and "custmgr qbo login --client-id standin-" in result.output
    assert "custmgr setup contacts.xlsx --connector qbo --company 123456" in result.output
    assert seen["token_endpoint"].endswith("/oauth2/tokens/bearer") and "Stopped." in result.output
