"""``custmgr qbo ...``: sign in to QuickBooks Online, sign out, see the sign-in, and run a local stand-in.

Endpoints come from ``--option KEY=VALUE`` (the same keys as the connector options on the Settings sheet) or the
environment variables in ``endpoints``. The client secret is never a command-line argument (shell histories keep
those): it is read from ``CUSTMGR_QBO_CLIENT_SECRET``, the keyring, or typed at a hidden prompt.
"""

from __future__ import annotations

import datetime as _dt
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import click

from custmgr.errors import CustmgrError
from custmgr.settings import parse_options

from .endpoints import Endpoints, resolve
from .faults import quoted
from .login import DEFAULT_PORT, login
from .tokens import AppKeys, TokenStore, keyring_warning

OPTION = click.option("--option", "raw_options", multiple=True, metavar="KEY=VALUE",
                      help="A connector option, as on the Settings sheet (base_url, discovery_url, environment...).")


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except CustmgrError as err:
        raise click.ClickException(str(err)) from None


def _endpoints(raw_options: Sequence[str]) -> tuple[Endpoints, dict[str, str]]:
    options = parse_options("; ".join(raw_options))
    return resolve(options), options


@click.group("qbo")
def qbo() -> None:
    """QuickBooks Online: sign in, sign out, and a local stand-in to try it without Intuit."""


@qbo.command("login")
@click.option("--client-id", envvar="CUSTMGR_QBO_CLIENT_ID", help="The app's client id (Intuit developer portal, "
              "Keys & credentials). Default: the one stored by the last login.")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port of the redirect listener: register http://localhost:PORT/callback with Intuit.")
@click.option("--no-browser", is_flag=True, help="Print the sign-in address instead of opening a browser.")
@click.option("--paste", is_flag=True, help="No listener: paste the address the browser ends on (production keys "
              "with an HTTPS redirect URI).")
@click.option("--redirect-uri", help="With --paste: the HTTPS redirect URI registered for the app.")
@OPTION
def login_command(client_id: str | None, port: int, no_browser: bool, paste: bool, redirect_uri: str | None,
                  raw_options: tuple[str, ...]) -> None:
    """Sign in to a QuickBooks Online company; the tokens are kept in the OS keyring."""
    with _errors():
        endpoints, options = _endpoints(raw_options)
        _warn_about_keyring()
        store = TokenStore(endpoints.host)
        stored = store.app()
        client_id = client_id or (stored.client_id if stored else None)
        if not client_id:
            raise click.UsageError("Give --client-id (from your app's Keys & credentials page at Intuit).")
        secret = os.environ.get("CUSTMGR_QBO_CLIENT_SECRET") or (
            stored.client_secret if stored and stored.client_id == client_id else "")
        if not secret:
            secret = click.prompt("Client secret (not shown)", hide_input=True).strip()
        keys = AppKeys(client_id, secret, redirect_uri or "")
        done = login(endpoints, keys, port=port, echo=click.echo,
                     open_browser=None if no_browser else _open,
                     paste=(lambda: click.prompt("Paste the address the browser ended on")) if paste else None)
    hint = "".join(f" --option {k}={v}" for k, v in options.items())
    click.echo(f"Signed in to QuickBooks Online company {_company_name(done.realm, options)}. Pair a workbook "
               f"with it:\n  custmgr setup BOOK --connector qbo --company {done.realm}{hint}")


def _warn_about_keyring() -> None:
    warning = keyring_warning()
    if warning:
        click.echo(warning, err=True)


def _company_name(realm: str, options: dict[str, str]) -> str:
    """"Name (realm)" when the company answers; the realm alone otherwise (the sign-in is stored either way)."""
    from .connector import QboConnector

    try:
        with QboConnector(realm, {**options, "cache_dir": "off"}) as connector:
            return f"{quoted(connector.company().name)} ({realm})"
    except CustmgrError:
        return realm


def _open(url: str) -> None:
    import webbrowser

    webbrowser.open(url)


@qbo.command("logout")
@click.argument("realm")
@OPTION
def logout(realm: str, raw_options: tuple[str, ...]) -> None:
    """Forget the sign-in to company REALM on this computer."""
    with _errors():
        endpoints, _ = _endpoints(raw_options)
        TokenStore(endpoints.host).forget(realm)
    click.echo(f"Signed out of QuickBooks Online company {realm} on this computer.")


@qbo.command("status")
@click.argument("realm")
@OPTION
def status(realm: str, raw_options: tuple[str, ...]) -> None:
    """Whether this computer is signed in to company REALM (no secret is shown)."""
    with _errors():
        endpoints, _ = _endpoints(raw_options)
        _warn_about_keyring()
        store = TokenStore(endpoints.host)
        tokens, app = store.tokens(realm), store.app()
    if tokens is None or app is None:
        click.echo(f"Not signed in to QuickBooks Online company {realm} ({endpoints.host}). Run `custmgr qbo login`.")
        return
    until = _dt.datetime.fromtimestamp(tokens.refresh_expires_at).strftime("%Y-%m-%d")
    left = "; expired: sign in again" if tokens.refresh_expires_at < time.time() else ""
    click.echo(f"Signed in to QuickBooks Online company {realm} ({endpoints.host}) with app {app.client_id}; "
               f"the sign-in lasts until {until} if unused{left}.")


@qbo.command("standin")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True, help="0: any free port.")
@click.option("--realm", help="Company (realm) ID; default: a new one each start.")
@click.option("--size", type=click.IntRange(min=0), default=None,
              help="Generate N customers instead of the recorded Intuit sandbox company.")
@click.option("--client-id", default="", help="The client id it accepts (default: a new one).")
def standin(port: int, realm: str | None, size: int | None, client_id: str) -> None:
    """Run a QuickBooks Online stand-in on 127.0.0.1 until Ctrl-C, to try the connector without Intuit."""
    from custmgr.testing.reference import reference_dir

    from .standin import StandIn
    from .standin.seed import load_generated, load_recorded, recorded_folder

    server = StandIn(port=port, realm=realm or "", client_id=client_id,
                     client_secret=os.environ.get("CUSTMGR_QBO_CLIENT_SECRET", ""))
    folder = recorded_folder(reference_dir())
    if size is None and folder is not None:
        load_recorded(server.company, folder)
    else:
        load_generated(server.company, 50 if size is None else size)
    with server:
        click.echo(f"QuickBooks Online stand-in for {quoted(server.company.name)} (company {server.realm}) at "
                   f"{server.url}\n\nIn another terminal:\n"
                   f"  export CUSTMGR_QBO_BASE_URL={server.url}\n"
                   f"  export CUSTMGR_QBO_DISCOVERY_URL={server.discovery_url}\n"
                   f"  export CUSTMGR_QBO_CLIENT_SECRET={server.auth.client_secret}   # a throwaway for this "
                   "stand-in only\n"
                   f"  custmgr qbo login --client-id {server.auth.client_id}\n"
                   f"  custmgr new contacts.xlsx\n"
                   f"  custmgr setup contacts.xlsx --connector qbo --company {server.realm} --vendors "
                   f"--option base_url={server.url} --option discovery_url={server.discovery_url}\n"
                   f"  custmgr sync contacts.xlsx\n\nPress Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("Stopped.")
