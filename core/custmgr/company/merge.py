"""Merging two customers or two vendors in the sandbox company, by QuickBooks Desktop's rules (ListMerge).

- Both records exist and are of the same list (a customer merges into a customer, a vendor into a vendor), and
  a record does not merge into itself.
- Both EditSequences must be current (``StaleVersion`` otherwise), as ``MergeFrom``/``MergeTo`` carry them.
- A customer that still has jobs cannot be merged away: its jobs would be left without a parent.
- The merged-away record's transactions move to the record that stays, and the merged-away record disappears
  (its name is free again). The record that stays gets a new EditSequence; its own fields are kept.

Transactions are a small table of their own (invoices, bills: an id, the contact, a kind and an amount), so
tests can see them move; the sync itself never reads them.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from ..connector import RemoteRecord
from ..errors import Invalid

if TYPE_CHECKING:
    from .store import SandboxCompany

_TABLE = ("CREATE TABLE IF NOT EXISTS transactions (txn_id TEXT PRIMARY KEY, entity_id TEXT NOT NULL, "
          "kind TEXT NOT NULL, amount TEXT NOT NULL)")


def add_transaction(store: SandboxCompany, name: str, kind: str = "Invoice", amount: str = "100.00") -> str:
    """Record a transaction (an invoice, a bill) for the contact ``name``; returns its TxnID."""
    record = store._named(name)
    with store._transaction():
        store._db.execute(_TABLE)
        txn_id = uuid.uuid4().hex[:12].upper()
        store._db.execute("INSERT INTO transactions VALUES (?, ?, ?, ?)", (txn_id, record.remote_id, kind, amount))
    return txn_id


def transactions(store: SandboxCompany, remote_id: str) -> list[tuple[str, str, str]]:
    """(TxnID, kind, amount) of every transaction of the contact ``remote_id``."""
    if not store._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'transactions'").fetchone():
        return []
    rows = store._db.execute("SELECT txn_id, kind, amount FROM transactions WHERE entity_id = ? ORDER BY txn_id",
                             (remote_id,))
    return [tuple(r) for r in rows]


def merge_records(store: SandboxCompany, from_id: str, from_version: str | None, into_id: str,
                  into_version: str | None, *, kind: str | None = None) -> tuple[RemoteRecord, str, str]:
    """Merge ``from_id`` into ``into_id``; returns the record that stays, the merged-away full name and the
    time it was deleted."""
    from .store import _now, _record

    with store._transaction():
        gone = store._require(from_id, kind, from_version)
        stays = store._require(into_id, kind, into_version)
        if from_id == into_id:
            raise Invalid("remote_id", "a record cannot be merged into itself", detail="qbXML statusCode 3000")
        if gone["kind"] != stays["kind"]:
            raise Invalid("kind", f'"{gone["name"]}" is a {gone["kind"].lower()} and "{stays["name"]}" a '
                                  f'{stays["kind"].lower()}: QuickBooks merges only records of the same list',
                          detail="qbXML statusCode 3000")
        if store._descendants(from_id):
            raise Invalid("name", f'"{gone["name"]}" has jobs; move or merge its jobs first, then merge it',
                          detail="qbXML statusCode 3000")
        store._db.execute(_TABLE)
        store._db.execute("UPDATE transactions SET entity_id = ? WHERE entity_id = ?", (into_id, from_id))
        store._db.execute("DELETE FROM records WHERE list_id = ?", (from_id,))
        stamp = _now()
        store._db.execute("UPDATE records SET edit_sequence = ?, time_modified = ? WHERE list_id = ?",
                          (store._next_edit_sequence(), stamp, into_id))
        return _record(store._require(into_id)), gone["name"], stamp
