"""``custmgr qbd send``: one raw qbXML request to QuickBooks (or a sandbox company), its answer printed.

Like the SDK's qbXML Test+ tool: handy for support, and for checking that the sandbox answers as QuickBooks does
(send the same file to both and compare).
"""

from __future__ import annotations

import codecs
import re
from typing import IO

import click

from custmgr.errors import CustmgrError

from .plugin import TRANSPORTS, open_transport
from .transport import RequestRejected

_QBXML_PI = re.compile(r"<\?qbxml\s+version\s*=")


def _decode(raw: bytes) -> str:
    """A request file as text: UTF-8 (with or without a byte order mark), or Latin-1 as QuickBooks writes it."""
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@click.group("qbd")
def qbd() -> None:
    """QuickBooks Desktop: send raw qbXML (for support and checks)."""


@qbd.command("send")
@click.argument("request", type=click.File("rb"))
@click.option("--company", required=True, help="The .QBW file, '' for the company open in QuickBooks, or a sandbox "
                                              "company file.")
@click.option("--transport", type=click.Choice(TRANSPORTS), help="com or sandbox (default: sandbox for a sandbox "
                                                                 "company file, else com).")
@click.option("--mode", type=click.Choice(("single", "multi", "any")), default="any", show_default=True,
              help="How the company file must be open in QuickBooks (com).")
def send(request: IO[bytes], company: str, transport: str | None, mode: str) -> None:
    """Send the qbXML request in REQUEST (a file, or - for standard input) and print QuickBooks' answer."""
    text = _decode(request.read())
    try:
        channel = open_transport(company, {"transport": transport, "mode": mode})
        try:
            answer = channel.process(text)
        finally:
            channel.close()
    except RequestRejected as err:
        found = err.detail.partition("; ")[2]  # the sandbox says what it found wrong; QuickBooks does not
        hint = "" if _QBXML_PI.search(text) else (
            '\nThe request has no <?qbxml version="13.0"?> line: QuickBooks needs it after the <?xml ...?> line '
            "and before <QBXML>.")
        raise click.ClickException(f"{err}" + (f"\n({found})" if found else "") + hint) from None
    except CustmgrError as err:
        raise click.ClickException(str(err)) from None
    click.echo(answer.rstrip("\n"))


@qbd.command("host")
@click.argument("company", type=click.Path(exists=True, dir_okay=False))
@click.option("--product", help="The product name it answers HostQuery with, e.g. 'QuickBooks Pro 2012'.")
@click.option("--up-to", "up_to", metavar="VERSION", help="The newest qbXML version it speaks, e.g. 11.0 (QuickBooks "
              "2012), 12.0 (2013), 13.0 (2014 and later).")
def host(company: str, product: str | None, up_to: str | None) -> None:
    """Show, or set, which QuickBooks the sandbox company COMPANY answers as (product, qbXML versions)."""
    from custmgr.company import SandboxCompany

    from .front_host import ALL_VERSIONS, claim, claimed

    try:
        with SandboxCompany(company) as store:
            name, versions = claimed(store)
            if product or up_to:
                if up_to and up_to not in ALL_VERSIONS:
                    raise click.BadParameter(f"use one of {', '.join(ALL_VERSIONS)}", param_hint="--up-to")
                if up_to:
                    versions = ALL_VERSIONS[:ALL_VERSIONS.index(up_to) + 1]
                name = product or name
                claim(store, name, versions)
    except CustmgrError as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"{company} answers as {name}, speaking qbXML {versions[0]} to {versions[-1]}.")
