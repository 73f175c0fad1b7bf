"""Signing in: the OAuth 2 code flow against the stand-in, with a browser played by an HTTP client."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from click.testing import CliRunner

from custmgr.cli import main
from custmgr.errors import AuthRequired
from custmgr_qbo import cli as qbo_cli
from custmgr_qbo.endpoints import resolve
from custmgr_qbo.login import login
from custmgr_qbo.tokens import AppKeys, TokenStore


def browser(tamper: Callable[[dict[str, str]], dict[str, str]] | None = None) -> Callable[[str], None]:
    """Follows the sign-in page's redirect back to the listener, as a browser would (optionally changing it)."""

    def open_page(url: str) -> None:
        consent = httpx.get(url)
        assert consent.status_code == 302, consent.text
        back = urlsplit(consent.headers["Location"])
        params = dict(parse_qsl(back.query))
        if tamper:
            params = tamper(params)
        httpx.get(urlunsplit(back._replace(query=urlencode(params))))

    return open_page


def keys(standin, secret: str | None = None) -> AppKeys:
    return AppKeys(standin.auth.client_id, secret or standin.auth.client_secret)


def endpoints(standin):
    return resolve(standin.options(), {})


def test_sign_in_stores_app_keys_and_tokens_in_the_keyring(standin, memory_keyring):
    memory_keyring.entries.clear()
    done = login(endpoints(standin), keys(standin), port=0, open_browser=browser(), echo=lambda _: None)
    assert done.realm == standin.realm
    store = TokenStore("127.0.0.1")
    assert store.app().client_id == standin.auth.client_id and store.app().redirect_uri.startswith("http://localhost")
    tokens = store.tokens(standin.realm)
    assert tokens.refresh_token.startswith("AB11") and tokens.access_token and tokens.refresh_expires_at > 0
    assert "secret" not in repr(tokens) and tokens.refresh_token not in repr(tokens)
    assert standin.auth.client_secret not in repr(store.app())


def test_an_answer_with_another_state_is_refused_and_nothing_saved(standin, memory_keyring):
    memory_keyring.entries.clear()
    forged = browser(lambda p: {**p, "state": "forged"})
    with pytest.raises(AuthRequired, match="state does not match"):
        login(endpoints(standin), keys(standin), port=0, open_browser=forged, echo=lambda _: None)
    assert memory_keyring.entries == {}


def test_a_refusal_on_the_consent_page(standin, memory_keyring):
    memory_keyring.entries.clear()
    denied = browser(lambda p: {"error": "access_denied", "state": p["state"]})
    with pytest.raises(AuthRequired, match="access_denied"):
        login(endpoints(standin), keys(standin), port=0, open_browser=denied, echo=lambda _: None)
    assert memory_keyring.entries == {}


def test_a_wrong_client_secret(standin, memory_keyring):
    memory_keyring.entries.clear()
    with pytest.raises(AuthRequired, match="client id and secret"):
        login(endpoints(standin), keys(standin, "wrong-secret"), port=0, open_browser=browser(),
              echo=lambda _: None)
    assert memory_keyring.entries == {}


def test_no_answer_in_time(standin):
    with pytest.raises(AuthRequired, match="within 0 seconds"):
        login(endpoints(standin), keys(standin), port=0, timeout=0.2, open_browser=lambda url: None,
              echo=lambda _: None)


def test_pasting_the_address_for_an_https_redirect(standin):
    landed: list[str] = []

    def open_page(url: str) -> None:
        landed.append(httpx.get(url).headers["Location"])

    https_keys = AppKeys(standin.auth.client_id, standin.auth.client_secret, "https://firm.example/qbo")
    done = login(endpoints(standin), https_keys, open_browser=open_page, echo=lambda _: None,
                 paste=lambda: landed[0])
    assert done.realm == standin.realm and landed[0].startswith("https://firm.example/qbo?code=")


def test_the_login_command(standin, monkeypatch, memory_keyring):
    memory_keyring.entries.clear()
    monkeypatch.setattr(qbo_cli, "_open", browser())
    monkeypatch.setenv("CUSTMGR_QBO_CLIENT_SECRET", standin.auth.client_secret)
    args = ["qbo", "login", "--client-id", standin.auth.client_id, "--port", str(_free_port()),
            "--option", f"base_url={standin.url}", "--option", f"discovery_url={standin.discovery_url}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert f"--company {standin.realm}" in result.output and f"base_url={standin.url}" in result.output
    assert f'"Stand-in Company" ({standin.realm})' in result.output
    assert standin.auth.client_secret not in result.output
    status = CliRunner().invoke(main, ["qbo", "status", standin.realm, "--option", f"base_url={standin.url}"])
    assert "Signed in" in status.output and standin.auth.client_id in status.output
    for secret in memory_keyring.secrets():
        assert secret not in status.output
    out = CliRunner().invoke(main, ["qbo", "logout", standin.realm, "--option", f"base_url={standin.url}"])
    assert out.exit_code == 0 and TokenStore("127.0.0.1").tokens(standin.realm) is None
    status = CliRunner().invoke(main, ["qbo", "status", standin.realm, "--option", f"base_url={standin.url}"])
    assert "Not signed in" in status.output


def test_the_login_command_asks_for_the_secret_without_showing_it(standin, monkeypatch):
    monkeypatch.setattr(qbo_cli, "_open", browser())
    args = ["qbo", "login", "--client-id", standin.auth.client_id, "--port", str(_free_port()),
            "--option", f"base_url={standin.url}", "--option", f"discovery_url={standin.discovery_url}"]
    TokenStore("127.0.0.1").forget(standin.realm)
    result = CliRunner().invoke(main, args, input=standin.auth.client_secret + "\n")
    assert result.exit_code == 0, result.output
    assert standin.auth.client_secret not in result.output


def test_the_login_command_needs_a_client_id(standin, memory_keyring):
    memory_keyring.entries.clear()
    result = CliRunner().invoke(main, ["qbo", "login", "--option", f"base_url={standin.url}"])
    assert result.exit_code != 0 and "--client-id" in result.output


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(("entry", "url"), [("token_endpoint", "http://tokens.example.com/bearer"),
                                            ("authorization_endpoint", "ftp://example.com/consent"),
                                            ("revocation_endpoint", "http://10.0.0.5/revoke")])
def test_endpoints_from_the_discovery_document_are_checked_like_the_options(standin, monkeypatch, memory_keyring,
                                                                           entry, url):
    """A discovery document (the stand-in's, or one an attacker serves) naming a plain-http endpoint elsewhere
    is refused before the client secret or a code is sent anywhere."""
    from custmgr.errors import CustmgrError

    real = standin._discovery
    monkeypatch.setattr(standin, "_discovery", lambda: {**real(), entry: url})
    opened: list[str] = []
    before = dict(memory_keyring.entries)
    with pytest.raises(CustmgrError, match=rf"give the .* as '{url}', which does not start with https://"):
        login(endpoints(standin), keys(standin), port=0, open_browser=opened.append, echo=lambda _: None,
              timeout=5)
    assert opened == [] and memory_keyring.entries == before  # no browser, nothing stored


def test_no_browser_only_prints_the_address(standin, monkeypatch, memory_keyring):
    monkeypatch.setattr(qbo_cli, "_open", lambda url: pytest.fail("a browser was opened"))
    shown: list[str] = []

    def echo(text: str) -> None:
        shown.append(text)
        browser()(text.splitlines()[-1])  # the user copies the address into a browser elsewhere

    login(endpoints(standin), keys(standin), port=0, open_browser=None, echo=echo)
    assert shown[0].startswith("Open this address in a browser") and "Opening" not in shown[0]


def test_a_plain_text_keyring_is_warned_about(standin, monkeypatch, tmp_path):
    """keyrings.alt takes over when no OS keyring answers and keeps secrets in a file anyone running as the
    user can read: login and status say so, with what to do."""
    import keyring

    alt = pytest.importorskip("keyrings.alt.file")
    ring = alt.PlaintextKeyring()
    monkeypatch.setattr(type(ring), "file_path", str(tmp_path / "keyring_pass.cfg"), raising=False)
    keyring.set_keyring(ring)  # the memory_keyring fixture puts the usual one back
    status = CliRunner().invoke(main, ["qbo", "status", standin.realm, "--option", f"base_url={standin.url}"])
    assert "Warning: the keyring in use is keyrings.alt.file.PlaintextKeyring" in status.output
    assert "keyring_pass.cfg" in status.output and "uninstall keyrings.alt" in status.output
    keyring.set_keyring(qbo_memory_keyring())
    status = CliRunner().invoke(main, ["qbo", "status", standin.realm, "--option", f"base_url={standin.url}"])
    assert "Warning" not in status.output


def qbo_memory_keyring():
    from .helpers import MemoryKeyring

    return MemoryKeyring()
