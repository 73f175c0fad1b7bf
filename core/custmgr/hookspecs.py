"""Plugin hooks. Every hook is documented in docs/plugins.md and tested in tests/test_hooks.py.

Built-in connectors implement these exactly as third-party plugins do, registered through the ``custmgr``
entry-point group. Only ``custmgr.plugins`` calls them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    import click

    from .connector import Connector

hookspec = pluggy.HookspecMarker("custmgr")
hookimpl = pluggy.HookimplMarker("custmgr")

#: ``register(name, factory, description)``; ``factory(company: str, options: dict) -> Connector``.
RegisterConnector = Callable[[str, "Callable[[str, dict[str, Any]], Connector]", str], None]


@hookspec
def custmgr_register_connectors(register: RegisterConnector) -> None:
    """Register connectors by calling ``register(name, factory, description)``."""


@hookspec
def custmgr_register_commands(cli: click.Group) -> None:
    """Add commands (or command groups) to the ``custmgr`` command line."""


@hookspec(firstresult=True)
def custmgr_demo_company(folder: Path) -> tuple[str, str] | None:
    """Create a sample company in ``folder`` for ``custmgr demo``; return ``(connector name, company setting)``."""
