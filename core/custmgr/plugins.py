"""The one module that calls plugin hooks; everything else uses the typed wrappers here."""

from __future__ import annotations

import functools
import importlib.metadata
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pluggy

from . import hookspecs
from .errors import CustmgrError

if TYPE_CHECKING:
    from pathlib import Path

    import click

    from .connector import Connector

ENTRY_POINT_GROUP = "custmgr"
DISABLED_SETTING = "CUSTMGR_DISABLED_PLUGINS"  # comma-separated plugin (entry point) names to leave out
OWN_DISTRIBUTION = "custmgr"


@dataclass(frozen=True)
class ConnectorInfo:
    """A registered connector: its name, a factory and a one-line description."""

    name: str
    factory: Callable[[str, dict[str, Any]], Connector]
    description: str
    plugin: str


_broken: dict[str, str] = {}


@functools.cache
def manager() -> pluggy.PluginManager:
    """The plugin manager, with every installed ``custmgr`` entry point loaded.

    A plugin that fails to import is left out and reported by ``broken_plugins()`` (and ``custmgr connectors``)
    rather than taking the whole product down.
    """
    pm = pluggy.PluginManager("custmgr")
    pm.add_hookspecs(hookspecs)
    disabled = disabled_plugins()
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if pm.has_plugin(ep.name) or ep.name in disabled or not _admitted(ep):
            continue
        try:
            plugin = ep.load()
        except Exception as err:  # any import-time failure of someone else's code
            _broken[ep.name] = f"{type(err).__name__}: {err}"
            continue
        pm.register(plugin, name=ep.name)
    pm.check_pending()
    return pm


def disabled_plugins() -> frozenset[str]:
    """Plugin names switched off with the ``CUSTMGR_DISABLED_PLUGINS`` environment variable (comma-separated)."""
    return frozenset(n.strip() for n in os.environ.get(DISABLED_SETTING, "").split(",") if n.strip())


def _admitted(ep: importlib.metadata.EntryPoint) -> bool:
    """Inside the test run only Customer Manager's own plugins load (as datasette does), so a third-party plugin
    installed in the same environment can neither break nor pass the project's tests."""
    if not getattr(sys, "_called_from_test", False):
        return True
    dist = getattr(ep, "dist", None)
    return dist is None or dist.metadata["Name"] == OWN_DISTRIBUTION


def broken_plugins() -> dict[str, str]:
    """Plugins that are installed but could not be loaded, with the reason."""
    manager()
    return dict(_broken)


def connectors() -> dict[str, ConnectorInfo]:
    """Every registered connector by name; a name registered twice is an error naming both plugins."""
    found: dict[str, ConnectorInfo] = {}
    pm = manager()
    for impl in pm.hook.custmgr_register_connectors.get_hookimpls():
        plugin_name = pm.get_name(impl.plugin) or repr(impl.plugin)

        def register(name: str, factory: Callable[[str, dict[str, Any]], Connector], description: str,
                     _plugin: str = plugin_name) -> None:
            if name in found:
                raise CustmgrError(f"Connector {name!r} is registered twice (plugins {found[name].plugin} "
                                   f"and {_plugin}); uninstall one of them.")
            found[name] = ConnectorInfo(name, factory, description, _plugin)

        impl.function(register=register)
    return found


def open_connector(name: str, company: str, options: dict[str, Any] | None = None) -> Connector:
    """Open connector ``name`` on ``company``, or explain which connectors exist."""
    available = connectors()
    if name not in available:
        names = ", ".join(sorted(available)) or "none"
        raise CustmgrError(f"No connector named {name!r}. Installed connectors: {names}. "
                           "Run `custmgr connectors` to list them.")
    return available[name].factory(company, dict(options or {}))


def register_commands(cli: click.Group) -> None:
    """Let plugins add their commands to ``cli``."""
    manager().hook.custmgr_register_commands(cli=cli)


def demo_company(folder: Path) -> tuple[str, str]:
    """A sample company made by whichever plugin offers one (the built-in sandbox unless another overrides it)."""
    made = manager().hook.custmgr_demo_company(folder=folder)
    if made is None:
        raise CustmgrError("No installed connector can create a demo company; reinstall custmgr.")
    return made
