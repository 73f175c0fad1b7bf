"""The sandbox company: a QuickBooks company kept in one local SQLite file, by QuickBooks' rules.

Two plugins put a front on the same file: the ``sandbox`` connector answers the connector contract directly, and
the QuickBooks Desktop connector's sandbox transport answers qbXML from it. Neither plugin may import the other,
so the company itself lives here, in the core, beside the contract it serves: ``store`` holds the company and its
rules (ListIDs, EditSequences, names unique across lists, limits, QuickBooks' error codes), ``create`` makes one
(a file, or a company kept in memory for tests), ``merge`` QuickBooks Desktop's ListMerge rules and the
transactions that move with a merge, ``sample`` the shipped sample company and the generator of big ones.
Nothing in the engine uses it; it is imported only by those who ask for it.
"""

from __future__ import annotations

from .create import copy_company, create_company, memory_company
from .store import CHARSET, DEFAULT_SEED, FORMAT, InUse, SandboxCompany

__all__ = ["CHARSET", "DEFAULT_SEED", "FORMAT", "InUse", "SandboxCompany", "copy_company", "create_company",
           "memory_company"]
