"""``custmgr qbo login``: OAuth 2 sign-in in the browser, with a one-request listener on this computer.

The browser goes to Intuit's consent page, which sends it back to ``http://localhost:PORT/callback`` with a code,
the company's realm ID and the ``state`` this login made up. An answer with another state is refused: it was not
started here (a forged request). The code is exchanged for tokens through intuit-oauth and both the app's keys and
the tokens go to the OS keyring. Production keys need an HTTPS redirect registered with Intuit, where no listener
can run; ``paste`` then takes the address the browser ended on, copied by the user.
"""

from __future__ import annotations

import hmac
import queue
import secrets
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from custmgr.errors import AuthRequired, Unavailable

from .auth import auth_client
from .endpoints import Endpoints
from .tokens import AppKeys, TokenStore, tokens_from

CALLBACK = "/callback"
DEFAULT_PORT = 8765
DONE_PAGE = (b"<!doctype html><title>Customer Manager</title><p>Signed in to QuickBooks Online. You can close this "
             b"window and go back to Customer Manager.</p>")
REFUSED_PAGE = b"<!doctype html><title>Customer Manager</title><p>Sign-in refused. Go back to Customer Manager.</p>"


@dataclass(frozen=True)
class SignedIn:
    realm: str


class RedirectListener:
    """Serves ``/callback`` on 127.0.0.1 until one answer (a code or an error) arrives."""

    def __init__(self, port: int = DEFAULT_PORT) -> None:
        self.answers: queue.Queue[dict[str, str]] = queue.Queue()
        try:
            self.server = HTTPServer(("127.0.0.1", port), _callback_handler(self.answers))
        except OSError as err:
            raise Unavailable(f"Port {port} on this computer is busy ({err.strerror}); close what uses it or sign "
                              "in with another --port (and register that redirect URI with Intuit).") from None
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="qbo-login", daemon=True)
        self.thread.start()

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.server.server_address[1]}{CALLBACK}"

    def wait(self, timeout: float) -> dict[str, str]:
        try:
            return self.answers.get(timeout=timeout)
        except queue.Empty:
            raise AuthRequired(f"No answer from the QuickBooks Online sign-in page within {int(timeout)} seconds; "
                               "run `custmgr qbo login` again. Nothing was saved.") from None

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _callback_handler(answers: queue.Queue[dict[str, str]]) -> type[BaseHTTPRequestHandler]:
    class Callback(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query))
            if parts.path != CALLBACK or not ("code" in params or "error" in params):
                self.send_error(404)
                return
            page = REFUSED_PAGE if "error" in params else DONE_PAGE
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            answers.put(params)

        def log_message(self, format: str, *args: Any) -> None:
            return  # the address holds the sign-in code: never print it

    return Callback


def _pasted(paste: Callable[[], str] | None) -> dict[str, str]:
    assert paste is not None
    return dict(parse_qsl(urlsplit(paste().strip()).query))


def login(endpoints: Endpoints, keys: AppKeys, *, port: int = DEFAULT_PORT, timeout: float = 300.0,
          open_browser: Callable[[str], Any] | None = webbrowser.open, echo: Callable[[str], Any] = print,
          paste: Callable[[], str] | None = None) -> SignedIn:
    """Sign in and store the tokens; returns the company's realm ID. ``open_browser`` None: only print the
    address (``--no-browser``)."""
    state = secrets.token_urlsafe(24)
    listener = None if paste is not None else RedirectListener(port)
    try:
        if listener is not None:
            keys = replace(keys, redirect_uri=listener.redirect_uri)
        elif not keys.redirect_uri:
            raise AuthRequired("Signing in by pasting the address needs --redirect-uri: the HTTPS redirect URI "
                               "registered for the app with Intuit.")
        client = auth_client(endpoints, keys)
        url = client.get_authorization_url([Scopes.ACCOUNTING], state_token=state)
        if open_browser is None:
            echo("Open this address in a browser to sign in to QuickBooks Online:\n" + url)
        else:
            echo("Opening the QuickBooks Online sign-in page in your browser. If it does not open, visit:\n" + url)
            open_browser(url)
        answer = listener.wait(timeout) if listener is not None else _pasted(paste)
    finally:
        if listener is not None:
            listener.close()
    if answer.get("error"):
        raise AuthRequired(f"QuickBooks Online did not sign in: {answer['error']}. Run `custmgr qbo login` again.")
    if not hmac.compare_digest(answer.get("state", ""), state):
        raise AuthRequired("The sign-in answer did not come from the sign-in this command started (its state "
                           "does not match), so it was refused and nothing was saved. Run `custmgr qbo login` "
                           "again.")
    realm = answer.get("realmId", "")
    if not answer.get("code") or not realm.isdigit():
        raise AuthRequired("The sign-in answer has no code or company (realm) ID. Run `custmgr qbo login` again.")
    try:
        client.get_bearer_token(answer["code"], realm_id=realm)
    except AuthClientError as err:
        raise AuthRequired(f"QuickBooks Online refused the sign-in code (HTTP {err.status_code}); check the "
                           "client id and secret and run `custmgr qbo login` again.") from None
    except requests.RequestException as err:
        raise Unavailable(f"Could not reach QuickBooks Online's sign-in service ({type(err).__name__}).") from None
    store = TokenStore(endpoints.host)
    store.save_app(keys)
    store.save_tokens(realm, tokens_from(client))
    return SignedIn(realm)
