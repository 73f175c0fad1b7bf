"""A QuickBooks Online stand-in: a local server that answers as QuickBooks Online does, for tests and trials.

``company`` holds the data and the rules (SyncTokens, sparse and full updates, unique names, "(deleted)" names,
limits, the CDC log), ``query`` reads the query language, ``oauth`` signs in, ``server`` answers HTTP, ``seed``
fills a company (the recorded Intuit sandbox company, or generated contacts), ``faults`` words the refusals.
``custmgr qbo standin`` runs one from the command line.
"""

from __future__ import annotations

from .company import StandInCompany
from .server import StandIn

__all__ = ["StandIn", "StandInCompany"]
