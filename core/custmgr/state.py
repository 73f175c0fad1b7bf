"""Sync state in very hidden sheets: the pairing (`_cm_pair`) and, per contact, the link and base (`_cm_state`).

The *base* is the last value both sides agreed on, per field; the three-way merge compares each side with it.
A base is stored as one JSON array per contact, aligned with the field list kept in `_cm_pair`, so the state sheet
costs one row of five cells per contact. The header row of `_cm_state` keeps a copy of the pairing, so a deleted
`_cm_pair` (LibreOffice shows very hidden sheets as merely hidden) can be put back by `custmgr repair`, and only
for the company the state belongs to.

A sync reads and writes the whole state, so both are kept cheap per contact: a base is decoded by one quick path,
and a link no sync moved is written back as the text it was read from. With nothing moved (and the pairing the
same but for the count and time of syncs) the sheet's content comes out as it went in, and the file port copies
its part without rewriting it.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter

from .cells import CHUNK, cell_text, json_cells, json_from_cells
from .contact import Values
from .errors import SyncRefused, WorkbookError
from .workbook.port import CellValue, Grid, WorkbookPort
from .workbook.speed import gc_paused

PAIR_SHEET, STATE_SHEET = "_cm_pair", "_cm_state"
STATE_HEADER = ["Row ID", "Remote ID", "Version", "Flag", "Base"]
PAIR_COPY = "Pairing"  # header of the cells after STATE_HEADER that hold a copy of the pairing
FORMAT = "1"
_REPAIR = "Nothing was changed."


class PairingMissing(SyncRefused):
    """Contacts were synced, but the pairing with their company is gone: refuse until ``custmgr repair``."""


class LinkFlag(str, enum.Enum):
    """How a link stands besides its base (the value is what the state sheet holds)."""

    SYNCED = ""
    PENDING = "pending"  # an open decision: always read again from QuickBooks
    LOCAL = "local"  # kept only in this workbook by the bookkeeper's choice
    DROPPED = "dropped"  # deleted here and made inactive in QuickBooks


_FLAGS = {flag.value: flag for flag in LinkFlag}


_DAMAGED = ("the last agreed values of Row ID {} are damaged (not the list Customer Manager wrote); the workbook was "
            "edited outside Customer Manager. Undo Last Sync (`custmgr undo`) or use a copy of the file. " + _REPAIR)
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # as ``cells.json_cells`` writes


class Link:
    """What the last sync agreed for one contact. ``remote_id`` '' = kept only in this workbook. Treat it as a
    value: a link that moves is a new ``Link`` (``moved``).

    A link read from the state sheet keeps its base as stored (``stored``: its JSON text and the field list it is
    aligned with) and decodes it the first time ``base`` is asked for. Most contacts are unchanged on both sides
    at any one sync: ``is_base`` tells a row equal to its base by encoding the row, so their bases are never
    decoded, and the stored text is written back as it was read.
    """

    __slots__ = ("_base", "_number", "flag", "remote_id", "row_id", "stored", "version")

    def __init__(self, row_id: str, remote_id: str, version: str, base: Values,
                 flag: LinkFlag = LinkFlag.SYNCED) -> None:
        self.row_id, self.remote_id, self.version, self.flag = row_id, remote_id, version, flag
        self._base: Values | None = base
        #: The stored base (JSON text, field list, that list as a set), while the link has not moved since read.
        self.stored: tuple[str, list[str], frozenset[str]] | None = None
        self._number: int | None = None  # its row of the state sheet, for messages

    @classmethod
    def read(cls, row_id: str, remote_id: str, version: str, flag: LinkFlag, text: str, keys: list[str],
             key_set: frozenset[str], number: int | None) -> Link:
        """A link whose base stays the text ``text`` until asked for (damage is reported then)."""
        link = cls(row_id, remote_id, version, None, flag)  # type: ignore[arg-type]
        link.stored, link._number = (text, keys, key_set), number
        return link

    @property
    def base(self) -> Values:
        if self._base is None:
            self._base = self._decode()
        return self._base

    def _decode(self) -> Values:
        assert self.stored is not None
        text, keys, _ = self.stored
        try:
            values = json.loads(text)
            "".join(values)  # a TypeError unless a list (or other sequence) of text only
        except (ValueError, TypeError):
            values = None
        if values.__class__ is not list:
            raise WorkbookError(_DAMAGED.format(self.row_id), sheet=STATE_SHEET, row=self._number, field="E")
        if len(values) > len(keys) or (values and not values[-1]) or len(text) > CHUNK // 2:
            self.stored = None  # not what link_row writes (one cell, trailing blanks trimmed): encode it afresh
        return dict(filter(itemgetter(1), zip(keys, values, strict=False)))

    def is_base(self, values: Values) -> bool:
        """Whether ``values`` (a row's) are this link's base, a missing field and an empty one alike; without
        decoding a stored base: the row is encoded as bases are stored and compared with the text (a base stored
        in another spelling is decoded and compared). False may still mean equal on the synced fields only."""
        if self._base is not None:
            return values == self._base
        assert self.stored is not None
        text, keys, key_set = self.stored
        if not values.keys() <= key_set:
            return False
        encoded = list(map(values.get, keys, repeat("")))
        while encoded and not encoded[-1]:
            encoded.pop()
        if _encode(encoded) == text:
            return True
        return values == self.base

    @property
    def decoded(self) -> bool:
        """Whether ``base`` was built (a stored base never asked for holds only fields of its stored list)."""
        return self._base is not None

    def moved(self, **changes: object) -> Link:
        """This link with ``changes`` (row_id, remote_id, version, base, flag): a new link, encoded afresh."""
        now = {"row_id": self.row_id, "remote_id": self.remote_id, "version": self.version, "base": self.base,
               "flag": self.flag, **changes}
        return Link(**now)  # type: ignore[arg-type]

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Link):
            return NotImplemented
        return (self.row_id, self.remote_id, self.version, self.flag, self.base) == (
            other.row_id, other.remote_id, other.version, other.flag, other.base)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (f"Link(row_id={self.row_id!r}, remote_id={self.remote_id!r}, version={self.version!r}, "
                f"base={self.base!r}, flag={self.flag!r})")


@dataclass
class SyncState:
    """The pairing with one QuickBooks company and the links of every contact."""

    pair: dict[str, str] = field(default_factory=dict)
    links: dict[str, Link] = field(default_factory=dict)
    #: The pairing says contacts were synced, but the state sheet is gone (deleted by hand).
    lost: bool = False
    #: The state sheet's header row as read (with its copy of the pairing), kept while only the count and time
    #: of syncs move: see ``state_grid``.
    header: list[CellValue] | None = field(default=None, compare=False, repr=False)

    @property
    def paired(self) -> bool:
        return bool(self.pair.get("company_id"))

    @property
    def sync_count(self) -> int:
        return int(self.pair.get("syncs", "0") or 0)


def read_state(book: WorkbookPort) -> SyncState:
    """The stored state, or an empty one for a workbook never synced. Damaged state raises with its place."""
    with gc_paused():  # a link per contact, kept for the whole sync: never garbage, not worth scanning for it
        return _read_state(book)


def _read_state(book: WorkbookPort) -> SyncState:
    names = book.sheet_names()
    state = SyncState()
    if PAIR_SHEET in names:
        state.pair = read_pair_grid(book.read(PAIR_SHEET))
    state.lost = STATE_SHEET not in names and state.sync_count > 0
    if STATE_SHEET in names:
        grid = book.read(STATE_SHEET)
        if PAIR_SHEET not in names and any(row and cell_text(row[0]) for row in grid[1:]):
            raise PairingMissing(
                f"The very hidden sheet {PAIR_SHEET}, which pairs this workbook with its QuickBooks company, is "
                f"missing (it was deleted, perhaps after LibreOffice showed it as a hidden sheet), but "
                f"{sum(1 for row in grid[1:] if row and cell_text(row[0]))} contacts were synced. Without it the "
                "sync cannot tell what was last agreed, nor refuse another company. Run `custmgr repair BOOK` to "
                f"put it back for the company this workbook was synced with. {_REPAIR}")
        keys = field_list(state.pair)
        key_set = frozenset(keys)
        state.header = list(grid[0]) if grid else None
        for number, row in enumerate(grid[1:], start=2):
            link = link_from_row(row, keys, number, key_set)
            if link is None:
                continue
            if link.row_id in state.links:
                raise WorkbookError(f"the sync state lists Row ID {link.row_id} twice; the workbook was edited "
                                    "outside Customer Manager. Use Undo Last Sync or a copy of the file",
                                    sheet=STATE_SHEET, row=number)
            state.links[link.row_id] = link
    return state


def check_state_kept(state: SyncState, force: bool) -> None:
    """Refuse a sync of a workbook whose state sheet was deleted, unless ``force``: every contact would be matched
    with QuickBooks again by name, as on a first sync, which the bookkeeper should choose knowingly."""
    if state.lost and not force:
        raise SyncRefused(
            f"The very hidden sheet {STATE_SHEET}, which holds what each contact last agreed with QuickBooks, is "
            f"missing, though this workbook was synced {state.sync_count} times. Restore a copy of the workbook; or "
            "sync with --force to match every row with QuickBooks again by name (rows that differ become "
            f"conflicts on Review, contacts QuickBooks has and the workbook does not come back as rows). {_REPAIR}")


def read_pair_grid(grid: Grid) -> dict[str, str]:
    return {cell_text(r[0]): cell_text(r[1]) if len(r) > 1 else "" for r in grid if r and cell_text(r[0])}


def field_list(pair: dict[str, str]) -> list[str]:
    """The field keys the bases are stored against, from the pairing."""
    try:
        keys = json.loads(pair.get("fields", "[]") or "[]")
    except ValueError:
        keys = None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise WorkbookError("the list of synced fields is damaged; the workbook was edited outside Customer "
                            "Manager. Run `custmgr repair BOOK` to put the pairing back from the copy kept with the "
                            "sync state, or use a copy of the file. " + _REPAIR,
                            sheet=PAIR_SHEET, field="fields")
    return keys


def _text(value: CellValue) -> str:
    return value if value.__class__ is str else cell_text(value)  # type: ignore[return-value]


def link_from_row(row: list[CellValue], keys: list[str], number: int | None = None,
                  key_set: frozenset[str] | None = None) -> Link | None:
    """One row of the state sheet (``number``: its row, for messages; ``key_set``: ``keys`` as a set)."""
    if len(row) >= 5 and row[4].__class__ is str and row[4] and (len(row) == 5 or row[5:].count(None) == len(row) - 5):
        # the common case, read for every contact: kept quick
        link = _plain_link(row, keys, frozenset(keys) if key_set is None else key_set, number)
        if link is not None:
            return link
    cells = [cell_text(c) for c in row]
    if not cells or not cells[0]:
        return None
    cells += [""] * (5 - len(cells))
    try:
        values = json_from_cells(row[4:]) if len(row) > 4 and cells[4] else []
    except ValueError:
        values = None
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise WorkbookError(_DAMAGED.format(cells[0]), sheet=STATE_SHEET, row=number, field="E")
    base = {k: v for k, v in zip(keys, values, strict=False) if v}
    try:
        flag = LinkFlag(cells[3])
    except ValueError:
        raise WorkbookError(f"the flag of Row ID {cells[0]} is {cells[3]!r}, which Customer Manager never writes; "
                            "the workbook was edited outside Customer Manager. " + _REPAIR,
                            sheet=STATE_SHEET, row=number, field="D") from None
    return Link(cells[0], cells[1], cells[2], base, flag)


def _plain_link(row: list[CellValue], keys: list[str], key_set: frozenset[str], number: int | None
                ) -> Link | None:
    """A row whose base is one cell of text (every cell after it empty), its base left undecoded; or None to read
    it the long way (which also words the errors)."""
    row_id = _text(row[0])
    text: str = row[4]  # type: ignore[assignment]
    if not row_id or text[0] != "[" or text[-1] != "]":
        return None
    flag = _FLAGS.get(_text(row[3]))
    if flag is None:
        return None  # the long way refuses it with its place
    return Link.read(row_id, _text(row[1]), _text(row[2]), flag, text, keys, key_set, number)


def state_header(pair: dict[str, str]) -> list[CellValue]:
    """The state sheet's header row, with the copy of the pairing ``custmgr repair`` restores from."""
    return [*STATE_HEADER, PAIR_COPY, *json_cells(pair)]


def pairing_copy(grid: Grid) -> dict[str, str]:
    """The copy of the pairing kept in the state sheet's header row ({} if there is none or it is damaged)."""
    header = list(grid[0]) if grid else []
    at = len(STATE_HEADER)
    if len(header) <= at + 1 or cell_text(header[at]) != PAIR_COPY:
        return {}
    try:
        pair = json_from_cells(header[at + 1:])
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in pair.items()} if isinstance(pair, dict) else {}


#: The custom fields' length limits as QuickBooks last said (field name casefolded -> characters, as JSON), kept
#: so a sync need not ask at every run; Set Up Sync, which asks for the fields anyway, brings them up to date.
CUSTOM_LIMITS = "custom_limits"
#: Pairing entries every sync may move. The copy in the state sheet's header is not refreshed for them alone: that
#: would rewrite the whole state sheet (tens of megabytes at 100,000 contacts) on a sync that changed nothing.
#: ``custmgr repair`` takes the count of syncs from the backups when the copy's is older (and a sync asks
#: QuickBooks for the limits again when they are missing).
_EVERY_SYNC = ("syncs", "last_sync", "last_import", CUSTOM_LIMITS)


def _same_pairing(copy: dict[str, str], pair: dict[str, str]) -> bool:
    """Whether ``copy`` says what ``pair`` says, apart from the count and time of syncs."""
    if not copy:
        return False
    return ({k: v for k, v in copy.items() if k not in _EVERY_SYNC}
            == {k: v for k, v in pair.items() if k not in _EVERY_SYNC})


def link_row(link: Link, keys: list[str], _fits: dict[int, bool] | None = None) -> list[CellValue]:
    """``link`` as a row of the state sheet, its base aligned with ``keys``. ``_fits`` caches, per field list a
    stored base was read with, whether ``keys`` extends it."""
    stored = link.stored
    if stored is not None and not link.decoded and len(keys) != len(stored[1]):
        link.base  # noqa: B018 - decoded to learn whether its text can stay: more values than fields would shift
        stored = link.stored
    if stored is not None:  # (a decoded base that is not stored as link_row writes it has dropped ``stored``)
        fits = _fits.get(id(stored[1])) if _fits is not None else None
        if fits is None:
            fits = keys[:len(stored[1])] == stored[1]
            if _fits is not None:
                _fits[id(stored[1])] = fits
        if fits:  # unmoved since read, against the same fields (more keys only add fields this base lacks)
            flag = LinkFlag(link.flag).value or None
            return [link.row_id, link.remote_id or None, link.version or None, flag, stored[0]]
    values = [link.base.get(k, "") for k in keys]
    while values and not values[-1]:
        values.pop()
    return [link.row_id, link.remote_id or None, link.version or None, LinkFlag(link.flag).value or None,
            *json_cells(values)]


def state_grid(state: SyncState, keys: list[str], *, links: bool = True) -> tuple[Grid, Grid | None]:
    """The two sheets' content for ``state``, its bases aligned with ``keys``. ``links`` False: the state sheet
    is None (unchanged) unless its header must change."""
    pair = dict(state.pair, format=FORMAT, fields=json.dumps(keys))
    pair_rows: Grid = [[k, v] for k, v in sorted(pair.items())]
    header = state.header
    if header is None or header[:len(STATE_HEADER)] != STATE_HEADER or not _same_pairing(pairing_copy([header]),
                                                                                           pair):
        header = state_header(pair)
    elif not links:
        return pair_rows, None
    rows: Grid = [header]
    fits: dict[int, bool] = {}
    rows.extend(link_row(link, keys, fits) for link in state.links.values())
    return pair_rows, rows


def write_state(book: WorkbookPort, state: SyncState, keys: list[str], *, links_moved: bool = True) -> None:
    """Store ``state`` in its very hidden sheets (creating them if needed). ``links_moved`` False: no link
    changed since the state was read, so the state sheet is rewritten only if its header (the pairing's copy)
    must change; a link's row stays as stored, which is what writing it would give (bases only gain fields)."""
    pair_rows, rows = state_grid(state, keys, links=links_moved or STATE_SHEET not in book.sheet_names())
    for sheet, grid in ((PAIR_SHEET, pair_rows), (STATE_SHEET, rows)):
        if sheet not in book.sheet_names():
            book.add_sheet(sheet, "veryHidden")
        elif book.visibility(sheet) != "veryHidden":  # LibreOffice has no "very hidden": it saves them hidden
            book.set_visibility(sheet, "veryHidden")
        if grid is not None:
            book.write(sheet, grid)
