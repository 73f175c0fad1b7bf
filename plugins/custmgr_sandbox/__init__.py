"""The sandbox company: a QuickBooks company stand-in kept in one local SQLite file.

It enforces QuickBooks Desktop's rules (ListIDs, EditSequences, names unique across lists ignoring case, jobs
under customers, qbXML length limits, Latin-1, custom field definitions), so the sync engine can be tried and
tested without QuickBooks. The company file and its rules live in ``custmgr.company`` (the QuickBooks Desktop
plugin's sandbox transport reads the same file); this plugin holds ``connector``, the ``Connector`` on top of it,
and ``cli``, the ``custmgr sandbox`` commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from custmgr.company import SandboxCompany, create_company

    from .connector import SandboxConnector

__all__ = ["SandboxCompany", "SandboxConnector", "create_company"]


def __getattr__(name: str) -> Any:
    """Imported on first use, so loading the plugin at every ``custmgr`` start stays cheap."""
    if name in ("SandboxCompany", "create_company"):
        from custmgr import company

        return getattr(company, name)
    if name == "SandboxConnector":
        from .connector import SandboxConnector

        return SandboxConnector
    raise AttributeError(name)
