"""The sandbox company: a QuickBooks company stand-in kept in one local SQLite file.

It enforces QuickBooks Desktop's rules (ListIDs, EditSequences, names unique across lists ignoring case, jobs
under customers, qbXML length limits, Latin-1, custom field definitions), so the sync engine can be tried and
tested without QuickBooks. ``store`` holds the company and its rules, ``connector`` the ``Connector`` on top
of it, ``sample`` the shipped sample company and the generator, ``cli`` the ``custmgr sandbox`` commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .connector import SandboxConnector
    from .store import SandboxCompany, create_company

__all__ = ["SandboxCompany", "SandboxConnector", "create_company"]


def __getattr__(name: str) -> Any:
    """Imported on first use, so loading the plugin at every ``custmgr`` start stays cheap."""
    if name in ("SandboxCompany", "create_company"):
        from . import store

        return getattr(store, name)
    if name == "SandboxConnector":
        from .connector import SandboxConnector

        return SandboxConnector
    raise AttributeError(name)
