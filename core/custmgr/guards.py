"""What the plan checks across all rows before it decides any one contact: the guards that refuse a whole sync
(a copied Row ID, a listing or sheet suddenly empty) and the names (two rows with one name, a job's parent)."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from .classify import differs
from .contact import CUSTOMER, Problem, name_key
from .contact_sheet import ContactRow
from .errors import SyncRefused
from .outcomes import DROPPED
from .review import CHANGED_GONE, DELETE, DELETED_CHANGED, key_of
from .settings import GonePolicy, Settings

if TYPE_CHECKING:
    from .plan import PlanInput


def synced_keys(inp: PlanInput, kind: str) -> tuple[str, ...]:
    """The fields compared and sent for a contact of ``kind``: the workbook's, less those the connector has no
    place for (``Connector.unsupported``), which stay in the workbook only."""
    held = inp.unsupported.get(kind)
    return tuple(k for k in inp.keys if k not in held) if held else tuple(inp.keys)


def selected(kind: str, settings: Settings) -> bool:
    """Whether Settings syncs contacts of this kind (kinds other than customers and vendors are always kept)."""
    return kind in settings.kinds or kind not in ("Customer", "Vendor")


def check_guards(inp: PlanInput) -> list[ContactRow]:
    """The rows to plan; refuses (changing nothing) a doubled Row ID, a doubled link, or a sync that would treat
    every contact as deleted (QuickBooks listed none, or the sheet is empty) unless forced."""
    rows = [r for r in inp.rows  # a linked row stays in even if its Type was changed to one not synced
            if selected(r.values.get("kind", CUSTOMER), inp.settings) or r.row_id in inp.links]
    seen: dict[str, int] = {}
    for r in rows:
        if r.row_id and r.row_id in seen:
            raise SyncRefused(f"Contacts rows {seen[r.row_id]} and {r.number} have the same Row ID {r.row_id} "
                              f"(a copied row?). Clear the Row ID cell of the copy (column Row ID is hidden: "
                              "unhide it), then sync again. Nothing was changed.")
        if r.row_id:
            seen[r.row_id] = r.number
    remote_ids: dict[str, str] = {}
    for link in inp.links.values():
        if link.remote_id and link.remote_id in remote_ids:
            raise SyncRefused(f"The sync state links QuickBooks record {link.remote_id} to two rows "
                              f"({remote_ids[link.remote_id]} and {link.row_id}). Undo the last sync or restore "
                              "a copy of the workbook. Nothing was changed.")
        remote_ids[link.remote_id] = link.row_id
    if inp.force or (inp.listing and rows):
        return rows
    linked = [lk for lk in inp.links.values()
              if lk.remote_id and lk.flag != DROPPED and selected(lk.base.get("kind", CUSTOMER), inp.settings)]
    # Rows whose deletion an earlier sync already put on Review are no surprise on an empty sheet.
    asked = {d.row_id for d in inp.decisions.values() if d.kind in (DELETE, DELETED_CHANGED)}
    had_rows = [lk for lk in linked if lk.row_id not in asked]
    if linked:
        if not inp.listing:
            raise SyncRefused(f"QuickBooks company {inp.company.name!r} returned no contacts, but "
                              f"{len(linked)} contacts were synced with it before. If it really is empty now, run "
                              "the sync with --force; otherwise check the company file. Nothing was changed.")
        if not rows and had_rows:
            raise SyncRefused(f"The Contacts sheet has no contacts, but {len(had_rows)} were synced before; syncing "
                              "would ask to make them all inactive in QuickBooks. Restore the rows (Undo Last Sync "
                              "or a copy of the file), or sync with --force. Nothing was changed.")
    return rows


def row_name_keys(rows: Sequence[ContactRow]) -> dict[str, str]:
    """Row ID -> the name key of the row's name, worked out once per row for the checks across rows."""
    return {r.row_id: name_key(r.name) for r in rows}


def customer_names(rows: Sequence[ContactRow], inp: PlanInput, same: Collection[str] = (),
                   keys: Mapping[str, str] | None = None) -> set[str]:
    """Name keys of every customer on either side, for checking that a job's parent exists. ``same``: Row IDs
    of rows that read exactly as their base (which then adds nothing the row does not); ``keys``: the rows'
    name keys (``row_name_keys``)."""
    names = {name_key(r.name) if keys is None else keys[r.row_id] for r in rows if r.values.get("kind") == CUSTOMER}
    names.update(name_key(v.get("name", "")) for v in inp.fetched.values() if v.get("kind") == CUSTOMER)
    names.update(name_key(lk.base.get("name", "")) for lk in inp.links.values()
                 if lk.remote_id and lk.row_id not in same and lk.base.get("kind") == CUSTOMER)
    return names


def removed_rows(rows: Sequence[ContactRow], inp: PlanInput) -> set[str]:
    """Rows this sync removes because QuickBooks deleted their contact: unchanged ones when Settings says to remove
    them, changed ones when the bookkeeper accepted the deletion on Review."""
    out = set()
    for r in rows:
        link = inp.links.get(r.row_id)
        if link is None or not link.remote_id or link.remote_id in inp.listing:
            continue
        if differs(r.values, link.base, synced_keys(inp, link.base.get("kind", CUSTOMER))):
            answer = inp.decisions.get(key_of(CHANGED_GONE, r.row_id))
            if answer is not None and answer.side == "right":
                out.add(r.row_id)
        elif inp.settings.gone_policy is GonePolicy.REMOVE:
            out.add(r.row_id)
    return out


def name_after_sync(row: ContactRow, inp: PlanInput) -> str:
    """The row's name once this sync is done: a rename made in QuickBooks comes in if the row kept its name."""
    link = inp.links.get(row.row_id)
    if link is None or link.remote_id not in inp.fetched or row.name != link.base.get("name", ""):
        return row.name
    return inp.fetched[link.remote_id].get("name", "") or row.name


def flag_duplicate_names(rows: Sequence[ContactRow], inp: PlanInput, removed: Sequence[int],
                         keys: Mapping[str, str]) -> None:
    """Two rows with one name (ignoring case, customers and vendors together) cannot both be in QuickBooks.
    Messages give row numbers as they will be once the ``removed`` row numbers (sorted) are gone. ``keys``: the
    rows' name keys (``row_name_keys``)."""
    groups: dict[str, list[ContactRow]] = defaultdict(list)
    for r in rows:
        name = name_after_sync(r, inp)
        if name:
            groups[keys[r.row_id] if name is r.name else name_key(name)].append(r)
    for group in groups.values():
        if len(group) < 2:
            continue
        for r in group:
            link = inp.links.get(r.row_id)
            if link is not None and name_key(link.base.get("name", "")) == keys[r.row_id]:
                continue  # this row had the name first; the other row is the one to rename
            others = ", ".join(str(o.number - bisect.bisect(removed, o.number)) for o in group if o is not r)
            r.problems.append(Problem("name", f"is also used on row {others}; QuickBooks names must be unique "
                                              "(ignoring case, customers and vendors together). Rename one"))
