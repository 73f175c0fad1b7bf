"""The sandbox registers through the ``custmgr`` entry points exactly as a third-party connector would."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from custmgr.hookspecs import hookimpl

if TYPE_CHECKING:
    import click

    from custmgr.hookspecs import RegisterConnector

    from .connector import SandboxConnector

DESCRIPTION = "Sandbox company: a QuickBooks stand-in in one local file, for trying custmgr and for tests"


def open_sandbox(company: str, options: dict[str, Any]) -> SandboxConnector:
    """Connector factory: ``company`` is the sandbox company file's path."""
    from .connector import SandboxConnector

    return SandboxConnector(company, options)


@hookimpl
def custmgr_register_connectors(register: RegisterConnector) -> None:
    register("sandbox", open_sandbox, DESCRIPTION)


@hookimpl
def custmgr_register_commands(cli: click.Group) -> None:
    from .cli import sandbox

    cli.add_command(sandbox)


@hookimpl
def custmgr_demo_company(folder: Path) -> tuple[str, str]:
    """The sample company, in ``folder``, for ``custmgr demo``."""
    from custmgr.company import create_company

    path = folder / "sample-company.qbsandbox"
    create_company(path, sample=True)
    return "sandbox", str(path)
