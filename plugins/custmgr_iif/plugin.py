"""The IIF plugin registers through the ``custmgr`` entry points exactly as a third-party connector would."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from custmgr.hookspecs import hookimpl

if TYPE_CHECKING:
    import click

    from custmgr.hookspecs import RegisterConnector

    from .connector import IifConnector

DESCRIPTION = "QuickBooks lists in IIF files (QuickBooks Desktop for Mac, one-way): custmgr import / export"


def open_iif(company: str, options: dict[str, Any]) -> IifConnector:
    """Connector factory: ``company`` is the IIF file's path."""
    from .connector import IifConnector

    return IifConnector(company, options)


@hookimpl
def custmgr_register_connectors(register: RegisterConnector) -> None:
    register("iif", open_iif, DESCRIPTION)


@hookimpl
def custmgr_register_commands(cli: click.Group) -> None:
    from .cli import export_command, import_command

    cli.add_command(import_command)
    cli.add_command(export_command)
