"""Three-way classification and field-level merge: the cases of docs/sync.md (Classification) in two functions.

``base`` is what both sides agreed at the last sync (None: never linked), ``here`` the workbook row (None: deleted),
``there`` the QuickBooks record (None: gone). All three are normalized values.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .contact import Values, units


class Case(enum.Enum):
    """One row of the classification table."""

    NEW_HERE = "new in the workbook"
    NEW_THERE = "new in QuickBooks"
    BOTH_NEW = "in both, not linked yet"
    UNCHANGED = "unchanged"
    CHANGED_HERE = "changed in the workbook"
    CHANGED_THERE = "changed in QuickBooks"
    CHANGED_BOTH = "changed on both sides"
    DELETED_HERE = "deleted in the workbook"
    DELETED_HERE_CHANGED_THERE = "deleted in the workbook, changed in QuickBooks"
    GONE_THERE = "deleted in QuickBooks"
    CHANGED_HERE_GONE_THERE = "changed in the workbook, deleted in QuickBooks"
    DELETED_BOTH = "deleted on both sides"


def differs(a: Mapping[str, str], b: Mapping[str, str], keys: Sequence[str]) -> bool:
    """Whether two value sets differ on any of ``keys`` (missing == empty)."""
    if a == b:  # the common case (a row as its base), compared at C speed
        return False
    return any(a.get(k, "") != b.get(k, "") for k in keys)


def classify(base: Values | None, here: Values | None, there: Values | None, keys: Sequence[str]) -> Case:
    """Which row of the table a contact is in."""
    if base is None:
        if here is not None and there is not None:
            return Case.BOTH_NEW
        return Case.NEW_HERE if here is not None else Case.NEW_THERE
    here_changed = here is not None and differs(here, base, keys)
    there_changed = there is not None and differs(there, base, keys)
    if here is None and there is None:
        return Case.DELETED_BOTH
    if here is None:
        return Case.DELETED_HERE_CHANGED_THERE if there_changed else Case.DELETED_HERE
    if there is None:
        return Case.CHANGED_HERE_GONE_THERE if here_changed else Case.GONE_THERE
    if here_changed and there_changed:
        return Case.CHANGED_BOTH
    if here_changed:
        return Case.CHANGED_HERE
    return Case.CHANGED_THERE if there_changed else Case.UNCHANGED


@dataclass(frozen=True)
class Conflict:
    """A merge unit both sides changed to different values."""

    unit: str
    keys: tuple[str, ...]
    base: tuple[str, ...]
    here: tuple[str, ...]
    there: tuple[str, ...]


@dataclass(frozen=True)
class Merge:
    """What a field-level merge decided: fields to send, fields to receive, the new base, open conflicts."""

    send: Values
    receive: Values
    base: Values
    conflicts: tuple[Conflict, ...]


Resolver = Callable[[Conflict], "str | None"]  # -> "left", "right" or None (leave open)


def merge(base: Values, here: Values, there: Values, keys: Sequence[str], resolve: Resolver) -> Merge:
    """Merge unit by unit: one side changed -> take it; both to the same value -> fine; else ask ``resolve``.

    An open conflict keeps its unit's base, so the next sync sees the same conflict (nothing is lost).
    """
    send: Values = {}
    receive: Values = {}
    new_base: Values = {}
    open_: list[Conflict] = []
    for unit, unit_keys in units(keys).items():
        b = tuple(base.get(k, "") for k in unit_keys)
        h = tuple(here.get(k, "") for k in unit_keys)
        t = tuple(there.get(k, "") for k in unit_keys)
        if h == t:
            winner = h
        elif h == b:
            winner = t
        elif t == b:
            winner = h
        else:
            side = resolve(Conflict(unit, unit_keys, b, h, t))
            if side is None:
                open_.append(Conflict(unit, unit_keys, b, h, t))
                winner = b
            else:
                winner = h if side == "left" else t
        settled = not (open_ and open_[-1].unit == unit)
        for k, old_here, new in zip(unit_keys, h, winner, strict=True):
            if new:
                new_base[k] = new
            if settled and t != winner:
                send[k] = new  # the whole unit: an address block is written as one
            if settled and old_here != new:
                receive[k] = new
    return Merge(send, receive, new_base, tuple(open_))
