"""Which qbXML version a session speaks: the newest both Customer Manager and that QuickBooks know.

QuickBooks answers ``HostQueryRq`` with its product name and every qbXML version it supports
(``SupportedQBXMLVersion``); a QuickBooks 2012 stops at 11.0, QuickBooks 2014 and later reach 13.0. The connector
asks once per session, in the first message (written in the oldest version it speaks, which every QuickBooks
able to sync reads), and then writes every message in the version chosen.

Below 12.0 (QuickBooks 2013) customers and vendors have no ``JobTitle`` and no ``Cc``: those two fields are not
read, the connector declares them ``unsupported`` (so a sync keeps them in the workbook only), and a change that
fills one anyway is refused on its row with what to do. Below 8.0 (QuickBooks 2009) the sync
does not run: the message says to update QuickBooks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from custmgr.errors import Unavailable

from .elements import FIELD_OF_TAG

Version = tuple[int, int]

NEWEST: Version = (13, 0)  # the schema the messages are written to
OLDEST: Version = (8, 0)  # the oldest this connector speaks: iterators, IncludeRetElement, DataExt, Addr5 are in it
#: Elements the sync uses that came after ``OLDEST``, with the version that brought them.
SINCE: dict[str, Version] = {"JobTitle": (12, 0), "Cc": (12, 0)}
#: The QuickBooks year that first spoke a version, for messages (13.0 and later: 2014).
YEARS: dict[Version, int] = {(8, 0): 2009, (9, 0): 2010, (10, 0): 2011, (11, 0): 2012, (12, 0): 2013, (13, 0): 2014}


def text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def parse_version(raw: str) -> Version | None:
    """``"11.0"`` -> ``(11, 0)``; None for anything else (QuickBooks also lists ``"CA3.0"`` for Canada)."""
    major, dot, minor = raw.strip().partition(".")
    if not (major.isdigit() and (minor.isdigit() or not dot)):
        return None
    return int(major), int(minor or 0)


@dataclass(frozen=True)
class Host:
    """What ``HostQueryRq`` says about the QuickBooks at the other end, and the version the session uses."""

    product: str
    supported: tuple[Version, ...]
    version: Version

    @property
    def missing_tags(self) -> frozenset[str]:
        """Elements the sync uses that this session's version does not have."""
        return frozenset(tag for tag, since in SINCE.items() if self.version < since)

    @property
    def missing_fields(self) -> dict[str, str]:
        """Contact field key -> element, for the fields this session cannot read or write."""
        return {FIELD_OF_TAG[tag]: tag for tag in sorted(self.missing_tags) if tag in FIELD_OF_TAG}

    def field_message(self, tag: str) -> str:
        since = SINCE[tag]
        return (f"{self.product or 'This QuickBooks'} (qbXML {text(self.version)}) has no {tag} field for customers "
                f"and vendors; it came with QuickBooks {YEARS.get(since, '')} (qbXML {text(since)}). Clear the cell, "
                "or update QuickBooks Desktop and sync again")


def choose(product: str, offered: Iterable[str]) -> Host:
    """The newest version both sides speak; ``Unavailable`` with what to do when QuickBooks is too old."""
    supported = tuple(sorted({v for v in (parse_version(raw) for raw in offered) if v is not None}))
    if not supported:  # no list at all: it read the oldest, so it speaks that
        return Host(product, (), OLDEST)
    usable = [v for v in supported if OLDEST <= v <= NEWEST]
    if not usable:
        raise too_old(product, supported[-1])
    return Host(product, supported, max(usable))


def too_old(product: str, highest: Version | None) -> Unavailable:
    speaks = f" speaks qbXML up to {text(highest)}" if highest else " does not speak the qbXML version asked"
    return Unavailable(f"{product or 'This QuickBooks Desktop'}{speaks}; Customer Manager needs qbXML "
                       f"{text(OLDEST)} (QuickBooks {YEARS[OLDEST]}) or later. Update QuickBooks Desktop (US "
                       "edition), then sync again.", detail=f"supported qbXML versions: {highest and text(highest)}")
