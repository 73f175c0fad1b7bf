"""QuickBooks Online registers through the ``custmgr`` entry points exactly as a third-party connector would."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from custmgr.hookspecs import hookimpl

if TYPE_CHECKING:
    import click

    from custmgr.hookspecs import RegisterConnector

    from .connector import QboConnector

DESCRIPTION = "QuickBooks Online, over the Accounting API v3 (company: the realm ID; sign in with custmgr qbo login)"


def open_qbo(company: str, options: dict[str, Any]) -> QboConnector:
    """Connector factory: ``company`` is the company's realm ID."""
    from .connector import QboConnector

    return QboConnector(company, options)


@hookimpl
def custmgr_register_connectors(register: RegisterConnector) -> None:
    register("qbo", open_qbo, DESCRIPTION)


@hookimpl
def custmgr_register_commands(cli: click.Group) -> None:
    from .cli import qbo

    cli.add_command(qbo)
