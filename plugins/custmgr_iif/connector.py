"""``IifConnector``: an IIF list file behind the connector contract, read-only and one-way.

An IIF file is a snapshot of QuickBooks' lists with no record versions and no way to write one record back, so the
connector says ``two_way = False`` and the engine refuses to sync with it (pointing at ``custmgr import`` and
``custmgr export``). It still answers the questions the engine and ``custmgr setup`` ask of any company: who it is,
what contacts and custom fields the file holds.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, ClassVar

from custmgr.connector import Change, ChangeResult, Company, Connector, CustomFieldDef, Listed, RemoteRecord
from custmgr.contact import NO
from custmgr.errors import Invalid

from .lists import QuickBooksLists, load_lists
from .text import ENCODING

#: QuickBooks lists in IIF files carry no company identity, so every IIF file counts as this one company.
IDENTITY = Company("iif", "QuickBooks lists (IIF files)")


class IifConnector(Connector):
    """The customers and vendors of one IIF file (``company`` is its path). The file is read on first use, so a
    workbook set up for IIF is told to use import/export even when its file has moved."""

    name: ClassVar[str] = "iif"
    two_way: ClassVar[bool] = False
    charset: ClassVar[str | None] = ENCODING

    def __init__(self, path: str | os.PathLike[str], options: dict[str, Any] | None = None) -> None:
        self.path = Path(path)
        self._lists: QuickBooksLists | None = None

    @property
    def lists(self) -> QuickBooksLists:
        if self._lists is None:
            self._lists = load_lists(self.path)
        return self._lists

    def company(self) -> Company:
        return IDENTITY

    def listing(self, kinds: Collection[str]) -> list[Listed]:
        return [Listed(e.name, e.version, e.kind, e.values.get("active") != NO)
                for e in self.lists.entries if e.kind in kinds]

    def fetch(self, remote_ids: Sequence[str]) -> list[RemoteRecord]:
        by_name = {e.name: e for e in self.lists.entries}
        return [RemoteRecord(name, by_name[name].version, dict(by_name[name].values))
                for name in remote_ids if name in by_name]

    def custom_fields(self) -> list[CustomFieldDef]:
        """The fields the file's dictionary defines, and any CUSTFLD column holding values without a label."""
        found = {d.name: d for d in self.lists.custom_fields.values()}
        for entry in self.lists.entries:
            for key, value in entry.values.items():
                name = key.removeprefix("custom:")
                if key.startswith("custom:") and value and name not in found:
                    found[name] = CustomFieldDef(name)
        return list(found.values())

    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """Nothing can be written into an IIF list record by record: each change is answered with why."""
        reason = ("an IIF file is a one-way list: write the contacts with `custmgr export BOOK FILE.iif` and "
                  "import that file in QuickBooks (File > Utilities > Import > IIF Files)")
        return [ChangeResult(change.ref, error=Invalid("op", reason)) for change in changes]

