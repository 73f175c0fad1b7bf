"""Backups and Undo Last Sync.

A backup holds only what its sync changed: the before-image of each Contacts row it touched (with where the row
stood), each link it moved, and the whole of the small sheets (Review, pairing). So a sync of 1% of 100,000 contacts
adds about 1,000 rows to the file, not another 100,000. Undo applies the newest backup and deletes it; the one
before it then undoes the sync before that.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from .cells import cell_text, json_cells, json_from_cells
from .connector import ChangeResult, RemoteRecord
from .contact import CUSTOMER, JOB_SEPARATOR, NO, YES, name_key, normalize
from .contact_sheet import SHEET as CONTACTS
from .errors import ConnectorError, CustmgrError, WorkbookError
from .outcomes import AFTER_MERGE
from .plan import RecordPlan
from .review import SHEET as REVIEW
from .state import PAIR_SHEET, STATE_HEADER, STATE_SHEET, Link, link_from_row, link_row
from .workbook.port import CellValue, Formula, Grid, WorkbookPort

PREFIX = "_cm_backup_"
_PLAIN = (str, int, float, bool, type(None))  # cell values JSON holds as they are


FORMAT = 2  # 2: QuickBooks writes recorded as ``Written`` (older backups have only the ``remote_done`` text)


@dataclass(frozen=True)
class Written:
    """One QuickBooks write a sync made, as undoing it in QuickBooks needs it."""

    row_id: str
    op: str  # add | update | deactivate
    kind: str
    name: str  # the contact's name after the sync, for messages
    remote_id: str
    version_before: str  # the version the write was made on ('' for an add)
    version_after: str  # the version the write left: anything else means someone changed the record since
    old: dict[str, str]  # QuickBooks' value of each field written, before the write
    new: dict[str, str]  # what QuickBooks stored

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "kind": self.kind, "name": self.name, "remote_id": self.remote_id,
                "version_before": self.version_before, "version_after": self.version_after, "old": self.old,
                "new": self.new}

    @classmethod
    def from_json(cls, row_id: str, data: dict[str, Any]) -> Written:
        return cls(row_id, data["op"], data["kind"], data["name"], data["remote_id"], data["version_before"],
                   data["version_after"], dict(data["old"]), dict(data["new"]))


@dataclass
class Backup:
    """One sync's before-images."""

    number: int
    when: str
    header: list[CellValue]
    rows: dict[str, tuple[int | None, list[CellValue] | None, str | None]]  # row id -> (index, before, after hash)
    links: dict[str, list[CellValue] | None]  # row id -> state row before (None: no link before)
    pair: Grid = field(default_factory=list)
    review: Grid = field(default_factory=list)
    remote_done: list[str] = field(default_factory=list)
    #: The sync's QuickBooks writes in the order made; None in a backup written before they were recorded.
    writes: list[Written] | None = field(default_factory=list)
    #: Row ID -> version an interrupted undo left in QuickBooks ('' = deleted): already put back there.
    undone: dict[str, str] = field(default_factory=dict)


def row_hash(row: Sequence[CellValue] | None) -> str | None:
    if row is None:
        return None
    return hashlib.blake2b(json.dumps([encode(v) for v in row], ensure_ascii=False, default=str).encode(),
                           digest_size=12).hexdigest()


def encode(value: CellValue) -> Any:
    """A cell value as JSON that ``decode`` turns back into the same value and type."""
    if type(value) in _PLAIN:
        return value  # the common case, before the isinstance checks
    if isinstance(value, Formula):
        return {"f": value.text}
    if isinstance(value, _dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, _dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, _dt.time):
        return {"t": value.isoformat()}
    return value


def decode(value: Any) -> CellValue:
    if isinstance(value, dict):
        (tag, text), = value.items()
        return {"f": Formula, "dt": _dt.datetime.fromisoformat, "d": _dt.date.fromisoformat,
                "t": _dt.time.fromisoformat}[tag](text)
    return value


def _row_json(row: Sequence[CellValue] | None) -> Any:
    return None if row is None else [encode(v) for v in row]


def _row_back(data: Any) -> list[CellValue] | None:
    return None if data is None else [decode(v) for v in data]


def backup_sheets(book: WorkbookPort) -> list[tuple[int, str]]:
    """Backup sheets, oldest first, as (sync number, sheet name)."""
    out = []
    for name in book.sheet_names():
        if name.startswith(PREFIX) and name[len(PREFIX):].isdigit():
            out.append((int(name[len(PREFIX):]), name))
    return sorted(out)


def write_backup(book: WorkbookPort, backup: Backup, keep: int) -> None:
    """Store ``backup`` in a very hidden sheet and drop the oldest beyond ``keep``."""
    if keep <= 0:
        for _, name in backup_sheets(book):
            book.remove_sheet(name)
        return
    grid: Grid = [["meta", *json_cells({"number": backup.number, "when": backup.when, "format": FORMAT,
                                        "remote_done": backup.remote_done, "undone": backup.undone})],
                  ["header", *json_cells(_row_json(backup.header))],
                  ["pair", *json_cells([_row_json(r) for r in backup.pair])],
                  ["review", *json_cells([_row_json(r) for r in backup.review])]]
    for rid, (index, before, after_hash) in backup.rows.items():
        grid.append(["row", rid, index, after_hash, *json_cells(_row_json(before))])
    for rid, link_cells in backup.links.items():
        grid.append(["link", rid, *json_cells(_row_json(link_cells))])
    for w in backup.writes or ():
        grid.append(["write", w.row_id, *json_cells(w.to_json())])
    name = f"{PREFIX}{backup.number}"
    if name in book.sheet_names():
        book.remove_sheet(name)
    book.add_sheet(name, "veryHidden")
    book.write(name, grid)
    for _, old in backup_sheets(book)[:-keep]:
        book.remove_sheet(old)
    for _, kept in backup_sheets(book):  # saved merely hidden by LibreOffice, which has no "very hidden"
        if book.visibility(kept) != "veryHidden":
            book.set_visibility(kept, "veryHidden")


def read_backup(book: WorkbookPort, name: str) -> Backup:
    """The backup in sheet ``name``; a damaged one raises naming its row, and nothing is changed."""
    grid = book.read(name)
    try:
        return _read_rows(grid)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        number = _first_bad_row(grid)
    raise WorkbookError("this backup is damaged (the workbook was edited outside Customer Manager), so it "
                        "cannot be undone. Restore a copy of the file if you need that sync undone. Nothing was "
                        "changed.", sheet=name, row=number)


def _first_bad_row(grid: Grid) -> int:
    for number in range(1, len(grid) + 1):
        try:
            _read_rows(grid[number - 1:number])
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            return number
    return 1


def _read_rows(grid: Grid) -> Backup:
    meta: dict[str, Any] = {}
    b = Backup(0, "", [], {}, {})
    writes: list[Written] = []
    for row in grid:
        tag = cell_text(row[0]) if row else ""
        if tag == "meta":
            meta = json_from_cells(row[1:])
        elif tag == "header":
            b.header = _row_back(json_from_cells(row[1:])) or []
        elif tag == "pair":
            b.pair = [_row_back(r) or [] for r in json_from_cells(row[1:])]
        elif tag == "review":
            b.review = [_row_back(r) or [] for r in json_from_cells(row[1:])]
        elif tag == "row":
            index = row[2]
            b.rows[cell_text(row[1])] = (int(index) if isinstance(index, int | float) else None,
                                         _row_back(json_from_cells(row[4:])), cell_text(row[3]) or None)
        elif tag == "link":
            b.links[cell_text(row[1])] = _row_back(json_from_cells(row[2:]))
        elif tag == "write":
            writes.append(Written.from_json(cell_text(row[1]), json_from_cells(row[2:])))
    b.number, b.when, b.remote_done = int(meta.get("number", 0)), meta.get("when", ""), meta.get("remote_done", [])
    b.writes = writes if int(meta.get("format", 1)) >= FORMAT else None
    b.undone = dict(meta.get("undone", {}))
    return b


def make_backup(number: int, when: str, header: list[CellValue],
                changed_rows: Mapping[str, tuple[int | None, list[CellValue] | None, list[CellValue] | None]],
                changed_links: Mapping[str, Link | None], keys: list[str], pair: Grid, review: Grid,
                remote_done: list[str], writes: Sequence[Written] = ()) -> Backup:
    rows = {rid: (index, before, row_hash(after)) for rid, (index, before, after) in changed_rows.items()}
    links = {rid: (link_row(link, keys) if link else None) for rid, link in changed_links.items()}
    return Backup(number, when, header, rows, links, pair, review, remote_done, list(writes))


def record_writes(records: Sequence[RecordPlan], results: Mapping[str, ChangeResult],
                  before: Mapping[str, Mapping[str, str]], links: Mapping[str, Link]) -> list[Written]:
    """The QuickBooks writes that succeeded, in the order they were made (``results``' order), with what
    QuickBooks held before each: ``before`` (remote id -> values read this sync) or, for a record not read because
    its version had not moved, the link's base, which is then what QuickBooks held."""
    by_row = {r.row_id: r for r in records if r.outcome.op}
    by_remote = {link.remote_id: link for link in links.values() if link.remote_id}
    out = []
    for row_id, result in results.items():
        rec = by_row.get(row_id)
        op = rec.outcome.op if rec is not None else None
        if rec is None or op is None or not result.ok or result.record is None:
            continue
        stored = result.record
        # A new row standing for a deleted row's contact writes under its own Row ID: the base is the old link's.
        link = links.get(row_id) or by_remote.get(rec.remote_id)
        there = before.get(rec.remote_id) or (link.base if link and link.remote_id == rec.remote_id else {})
        sent = {"active": NO} if op == "deactivate" else rec.outcome.send
        if op == "merge":  # no unmerging; what can be put back is the row's edits sent to the record that stayed
            after = results.get(row_id + AFTER_MERGE)
            sent = rec.outcome.send if after is not None and after.ok and after.record is not None else {}
            stored = after.record if sent and after is not None and after.record is not None else stored
            there = before.get(rec.outcome.into) or {}  # type: ignore[attr-defined]
        old = {} if op == "add" else {k: there.get(k, "") for k in sent}
        if op == "deactivate":
            old = {"active": there.get("active") or YES}
        new = {k: normalize(k, stored.values.get(k, "")) for k in sent}
        out.append(Written(row_id, op, rec.kind, rec.name, stored.remote_id,
                           "" if op == "add" else rec.version, stored.version, old, new))
    return out


def with_cascades(writes: list[Written], links: Mapping[str, Link], versions: Mapping[str, str],
                  fetch: Callable[[list[str]], Sequence[RemoteRecord]]) -> list[Written]:
    """``writes`` plus, just after each customer the sync made inactive (a deactivation, or Active set to No), the
    linked jobs QuickBooks made inactive along with it, as writes of their own; a job the sync also wrote after
    that gets Active added to its own write. Undo goes in reverse, so it makes the jobs active before the customer
    is put back: putting back a rename of the customer would move the jobs' versions first. ``versions``: remote
    id -> version before the sync. One fetch, only when such a customer had jobs active before the sync."""
    writes = _added_jobs_renamed(writes, fetch)
    jobs: dict[str, list[Link]] = {}
    for w in writes:
        if w.kind == CUSTOMER and w.new.get("active") == NO and w.old.get("active", YES) != NO:
            prefix = name_key(w.old.get("name") or w.name) + JOB_SEPARATOR
            jobs[w.remote_id] = [link for link in links.values()
                                 if link.remote_id in versions and link.base.get("active", YES) == YES
                                 and name_key(link.base.get("name", "")).startswith(prefix)]
    wanted = [link.remote_id for found in jobs.values() for link in found]
    if not wanted:
        return writes
    now = _read_after(fetch, wanted)
    own = {w.remote_id: i for i, w in enumerate(writes)}
    out = list(writes)
    for w in writes:
        for link in jobs.get(w.remote_id, []):
            record = now.get(link.remote_id)
            if record is None or record.values.get("active") != NO or record.version == versions[link.remote_id]:
                continue
            mine = own.get(link.remote_id)
            if mine is None:
                out.insert(out.index(w) + 1, Written(
                    link.row_id, "deactivate", CUSTOMER, record.values.get("name", ""), link.remote_id,
                    versions[link.remote_id], record.version, {"active": YES}, {"active": NO}))
            elif "active" not in writes[mine].old:  # written after QuickBooks made it inactive with its customer
                job = writes[mine]
                out[out.index(job)] = replace(job, old={**job.old, "active": YES}, new={**job.new, "active": NO})
    return out


def _added_jobs_renamed(writes: list[Written], fetch: Callable[[list[str]], Sequence[RemoteRecord]]
                        ) -> list[Written]:
    """Adds go first, so a job the sync added under a customer it then renamed was renamed by QuickBooks along with
    it: its version moved with nothing of its own changed. Its write takes the version it has now, so undo still
    recognises (and deletes) the contact it added. One fetch, only when that happened."""
    renamed = {name_key(w.old["name"]) + JOB_SEPARATOR for w in writes
               if w.kind == CUSTOMER and w.op == "update" and w.old.get("name") and w.new.get("name")
               and name_key(w.old["name"]) != name_key(w.new["name"])}
    added = {w.remote_id: w for w in writes if w.op == "add" and w.kind == CUSTOMER
             and any(name_key(w.new.get("name") or w.name).startswith(p) for p in renamed)}
    if not added:
        return writes
    now = _read_after(fetch, list(added))
    moved = {rid: replace(w, version_after=now[rid].version) for rid, w in added.items()
             if rid in now and now[rid].version != w.version_after
             and not any(name_key(now[rid].values.get("name", "")).startswith(p) for p in renamed)}
    return [moved.get(w.remote_id, w) if w.op == "add" else w for w in writes]


def _read_after(fetch: Callable[[list[str]], Sequence[RemoteRecord]], ids: list[str]) -> dict[str, RemoteRecord]:
    """What QuickBooks did along with the sync's writes, for undo's bookkeeping. QuickBooks already took the
    writes, so if it stops answering now they are still saved, without that part: undo then finds those jobs'
    versions moved and says so instead of guessing."""
    try:
        return {r.remote_id: r for r in fetch(ids)}
    except ConnectorError:
        return {}


def rewrite_backup(book: WorkbookPort, backup: Backup) -> None:
    """Store ``backup`` again in its own sheet (an interrupted undo's progress), keeping every other backup."""
    write_backup(book, backup, keep=max(1, len(backup_sheets(book))))


@dataclass
class Restored:
    """What undo put back, and the QuickBooks changes it could not take back."""

    number: int
    when: str
    rows: Grid
    state_rows: Grid
    pair: Grid
    review: Grid
    remote_done: list[str]


def restore(book: WorkbookPort, rid_col: int, *, force: bool = False, sheet: str = CONTACTS, header_row: int = 1
            ) -> tuple[Restored, str]:
    """Work out the sheets as they were before the newest backed-up sync. Raises if there is none, or if a row the
    undo would overwrite was edited since that sync (unless ``force``). The rows above ``header_row`` are not the
    sync's: they stay as they are now."""
    sheets = backup_sheets(book)
    if not sheets:
        raise CustmgrError("There is no sync to undo: this workbook keeps no backup (Settings: Backups to keep) "
                           "or every kept sync was already undone.")
    _, name = sheets[-1]
    b = read_backup(book, name)
    grid = book.read(sheet)
    top = [list(r) for r in grid[:header_row - 1]]
    header = list(grid[header_row - 1]) if len(grid) >= header_row else []
    current = [list(r) for r in grid[header_row:]]
    width = max(len(header), len(b.header))
    if [cell_text(c) for c in header] != [cell_text(c) for c in b.header] and not force:
        raise WorkbookError("the columns changed since the sync being undone; undoing now would put values in "
                            "the wrong columns. Put the columns back as they were, or undo with --force",
                            sheet=sheet, row=header_row)
    out: list[list[CellValue]] = []
    for number, row in enumerate(current, start=header_row + 1):
        row = row + [None] * (width - len(row))
        rid = cell_text(row[rid_col]).strip() if rid_col < len(row) else ""
        entry = b.rows.get(rid)
        if entry is None:
            out.append(row)
            continue
        _, before, after_hash = entry
        if after_hash is not None and row_hash(row[:len(b.header)]) != after_hash and not force:
            raise WorkbookError("this row was edited after the sync being undone; undo would discard that edit. "
                                "Undo your edit first, or undo with --force", sheet=sheet, row=number)
        if before is not None:
            out.append(before)
    present = {cell_text(r[rid_col]).strip() for r in current if rid_col < len(r)}
    removed = sorted((idx, before) for rid, (idx, before, _) in b.rows.items()
                     if rid not in present and idx is not None and before is not None)
    for idx, before in removed:
        out.insert(min(idx, len(out)), before)
    state_grid = book.read(STATE_SHEET) if STATE_SHEET in book.sheet_names() else [list(STATE_HEADER)]
    by_id: dict[str, list[CellValue]] = {}
    for row in state_grid[1:]:
        if row and cell_text(row[0]):
            by_id[cell_text(row[0])] = list(row)
    for rid, before_link in b.links.items():
        if before_link is None:
            by_id.pop(rid, None)
        else:
            by_id[rid] = before_link
    restored = Restored(b.number, b.when, [*top, b.header, *out], [list(STATE_HEADER), *by_id.values()], b.pair,
                        b.review, b.remote_done)
    return restored, name


__all__ = ["PAIR_SHEET", "REVIEW", "Backup", "Restored", "Written", "link_from_row", "make_backup", "restore",
           "write_backup"]
