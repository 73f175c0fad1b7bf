"""The add-in's plugin: adds ``custmgr addin ...`` to the command line.

Loaded through the ``custmgr`` entry points every time the command line starts, on every system, so it
imports neither xlwings nor anything that needs Excel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from custmgr.hookspecs import hookimpl

if TYPE_CHECKING:
    import click


@hookimpl
def custmgr_register_commands(cli: click.Group) -> None:
    from .cli import addin

    cli.add_command(addin)
