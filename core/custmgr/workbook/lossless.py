"""The workbook port on a closed ``.xlsx``/``.xlsm`` file, without loading it whole: fast, and lossless.

Reading goes through python-calamine (values) and, for formulas and error cells only, the sheet's XML.
Saving writes a new package in which every part the sync did not change is the original's compressed bytes,
copied: other sheets, drawings, charts, sparklines, slicers, pivot caches, comments, macros, custom XML. A
written sheet is patched row by row (:mod:`.sheetxml`) while its original is read, a piece at a time
(:mod:`.sheetstream`): unchanged rows and cells keep their bytes, changed cells are written as inline strings so
``sharedStrings.xml`` stays as it was, and no sheet is held whole in memory. ``workbook.xml``, its relationships and
``[Content_Types].xml`` change only when a sheet is added, removed, hidden or shown. A workbook saved as Strict
Open XML stays Strict: what is written or added follows its namespaces (:class:`.package.Flavour`).

The file rules are those of every file port (:mod:`.disk`): the bytes read are fingerprinted, the save is an
atomic replace refused if another program saved the file meanwhile, and text is read and written with Excel's
``_xHHHH_`` escapes (:mod:`.escapes`; calamine decodes them itself). ``check_write``, ``check_table`` and
``check_save`` refuse what ``write``, ``set_table`` and ``save`` would, so a sync finds it before QuickBooks is
written.

New workbooks are laid out by openpyxl (:class:`custmgr.workbook.xlsx.XlsxWorkbook`), which also serves as the
oracle of this port's differential test.
"""

from __future__ import annotations

import gc
import io
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine

from ..errors import WorkbookError
from . import sheetedits as edits
from .bookxml import BookXml, SheetEntry
from .checks import Checks
from .disk import atomic_replace, check_file, check_not_busy, read_with_fingerprint
from .docprops import APP_RELS, retitled
from .package import (
    CT_PART,
    STYLES_TYPE,
    TABLE_TYPE,
    WORKSHEET_TYPE,
    NewPart,
    Package,
    Relationship,
    Stream,
    add_override,
    flavour_of,
    next_rel_id,
    rel_kind,
    relative,
    rels_part,
    rels_xml,
    remove_override,
    resolve,
    write_package,
)
from .port import CellValue, Grid, Visibility, WorkbookPort
from .reading import calamine_grid, fix_from_xml
from .rules import (
    MAX_COL,
    MAX_ROW,
    check_column,
    check_dropdown,
    check_leaves_a_visible_sheet,
    check_new_sheet,
    check_visibility,
    column_letter,
    existing_sheet,
    find_sheet,
    header_names,
    table_name_problem,
)
from .sheetstream import SheetWriter
from .sheetxml import Dates, SheetXml, changed_cells, empty_sheet, overwrites_formula
from .speed import gc_paused
from .styles import Styles, minimal
from .tables import new_table, resize_table, table_info

__all__ = ["LosslessWorkbook"]




_PIECE = 1 << 20  # a sheet is read a megabyte at a time
#: What calamine cannot read right: formulas, error values, blank text (see reading.py).
_MARKERS = (b"<%sf", b't="e"')  # %s: the main namespace's prefix, if any (SheetXml.scan)


@dataclass
class _Sheet:
    """One worksheet as loaded and as changed. ``grid`` is None while its values are as in the file."""

    entry: SheetEntry
    part: str
    xml: SheetXml | None = None
    original: Grid | None = None
    grid: list[list[CellValue]] | None = None
    changed: dict[int, list[int]] = field(default_factory=dict)  # row -> columns (1-based) differing from file
    furniture: bool = False  # head or tail edited
    rels: list[Relationship] | None = None
    rels_changed: bool = False
    new: bool = False
    markers: set[bytes] | None = None  # of _MARKERS, those the rows contain (None: not looked for)
    rows_in_order: bool = False  # checked before a write (a sheet with rows out of order cannot be saved)


class LosslessWorkbook(Checks, WorkbookPort):
    """A workbook file read by values and saved by parts. Make one with :meth:`open`."""

    def __init__(self, path: Path, *, writable: bool) -> None:
        self.path = path
        self.label = path.name
        self.writable = writable
        self.changed_cells = 0
        self.warnings: list[str] = []
        self._load()

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, writable: bool = True) -> LosslessWorkbook:
        """Open ``path``; if ``writable``, refuse up front when it is open elsewhere or read-only."""
        path = Path(path)
        check_file(path)
        if writable:
            check_not_busy(path)
        return cls(path, writable=writable)

    def __repr__(self) -> str:
        return f"LosslessWorkbook({str(self.path)!r}, writable={self.writable})"

    # ----------------------------------------------------------------------------------------- loading

    def _load(self) -> None:
        # One read: the fingerprint describes exactly the bytes the sheets are read from.
        try:
            self._data, self._loaded = read_with_fingerprint(self.path)
        except OSError as exc:
            raise WorkbookError(f"Cannot read {self.path}: {exc.strerror or exc}.") from exc
        self._pkg = Package(io.BytesIO(self._data), self.label)
        self._calamine: python_calamine.CalamineWorkbook | None = None
        try:
            self._main = self._pkg.main_part()
            self._book = BookXml.parse(self._pkg.read(self._main))
        except ValueError as exc:
            self._pkg.close()
            raise WorkbookError(f"{self.label} cannot be read as an Excel workbook ({exc}). Open it in Excel and "
                                "save it again, or restore a backup.") from exc
        except BaseException:
            self._pkg.close()
            raise
        self._rels = self._pkg.rels(self._main)
        #: Transitional, or Strict ("Strict Open XML Spreadsheet"): every part written follows it.
        self.flavour = flavour_of(self._rels, self._book.data)
        #: How dates are written: ISO text in Strict, else serial numbers from the workbook's own date base (an
        #: older Mac workbook counts from 1904: a date written from 1900 would show four years late).
        self._dates: Dates = "iso" if self.flavour.strict else "1904" if self._book.date1904() else "1900"
        self._rels_changed = False
        self._book_changed = False
        self._original_entries = list(self._book.sheets)
        self._content_types = self._pkg.read(CT_PART)
        self._new_parts: dict[str, bytes] = {}
        self._removed: set[str] = set()
        self._styles: Styles | None = None
        self._formula_overwritten = False
        targets = {r.id: r for r in self._rels}
        self._sheets: list[_Sheet] = []
        for entry in self._book.sheets:
            rel = targets.get(entry.rel_id)
            part = resolve(self._main, rel.target) if rel else ""
            self._sheets.append(_Sheet(entry, self._pkg.name(part) or part))
        self._worksheet_names = [s.entry.name for s in self._sheets if self._is_worksheet(s)]  # for app.xml

    def close(self) -> None:
        """Let go of the loaded bytes."""
        gc.unfreeze()
        self._pkg.close()
        self._data = b""  # before a save reads the new file: never both files in memory at once
        if self._calamine is not None:
            self._calamine.close()
            self._calamine = None

    # ----------------------------------------------------------------------------------------- sheets

    def _find(self, sheet: str) -> _Sheet | None:
        return find_sheet(self._sheets, sheet, lambda s: s.entry.name)

    def _sheet(self, sheet: str) -> _Sheet:
        return existing_sheet(self._find(sheet), sheet, self.label)

    def _worksheet(self, sheet: str) -> _Sheet:
        s = self._sheet(sheet)
        if not self._is_worksheet(s):
            raise WorkbookError("this is a chart sheet, not a sheet of cells.", sheet=sheet)
        return s

    def _is_worksheet(self, s: _Sheet) -> bool:
        rel = next((r for r in self._rels if r.id == s.entry.rel_id), None)
        return s.new or (rel is not None and rel.type.endswith("/worksheet"))

    def _xml(self, s: _Sheet, markers: Sequence[bytes] = ()) -> SheetXml:
        """The sheet's part, its rows left unread until needed; ``markers`` found in its rows go to
        ``s.markers``."""
        if s.xml is None:
            pkg, part = self._pkg, s.part
            try:
                with pkg.zip.open(pkg.name(part) or part) as f:
                    s.xml, s.markers = SheetXml.scan(iter(lambda: f.read(_PIECE), b""),
                                                     lambda: self._pieces(part), markers)
            except (ValueError, KeyError, OSError, zipfile.BadZipFile, zlib.error) as exc:
                raise WorkbookError(f"the sheet cannot be read ({exc}); the file is damaged. Open it in Excel and "
                                    "save it again, or restore a backup.", sheet=s.entry.name) from exc
        return s.xml

    def _pieces(self, part: str) -> Iterator[bytes]:
        """A part inflated a megabyte at a time."""
        pkg = self._pkg
        try:
            with pkg.zip.open(pkg.name(part) or part) as f:
                yield from iter(lambda: f.read(_PIECE), b"")
        except (KeyError, OSError, zipfile.BadZipFile, zlib.error) as exc:
            raise WorkbookError(f"the part {part} cannot be read ({exc}); the file is damaged. Open it in Excel "
                                "and save it again, or restore a backup.") from exc

    def sheet_names(self) -> list[str]:
        return [s.entry.name for s in self._sheets]

    def visibility(self, sheet: str) -> Visibility:
        return self._sheet(sheet).entry.state  # type: ignore[return-value]

    def add_sheet(self, sheet: str, visibility: Visibility = "visible") -> None:
        check_new_sheet(self.label, sheet, visibility, self.sheet_names())
        sheet_id = max((s.entry.sheet_id for s in self._sheets), default=0) + 1
        rel_id = next_rel_id(self._rels)
        part = self._free_part("xl/worksheets/sheet{}.xml")
        self._rels.append(Relationship(rel_id, self.flavour.rel("worksheet"), relative(self._main, part)))
        self._rels_changed = True
        entry = SheetEntry(sheet, sheet_id, rel_id, visibility)
        self._book.sheets.append(entry)
        self._book_changed = True
        self._content_types = add_override(self._content_types, part, WORKSHEET_TYPE)
        self._sheets.append(_Sheet(entry, part, SheetXml.parse(empty_sheet(flavour=self.flavour)), original=[],
                                   rels=[], new=True, furniture=True))

    def _others_visible(self, s: _Sheet) -> bool:
        return any(o is not s and o.entry.state == "visible" for o in self._sheets)

    def _free_part(self, pattern: str) -> str:
        n = 1
        while True:
            part = pattern.format(n)
            if self._pkg.name(part) is None and part not in self._new_parts and not any(
                    s.part.casefold() == part.casefold() for s in self._sheets):
                return part
            n += 1

    def remove_sheet(self, sheet: str) -> None:
        s = self._sheet(sheet)
        check_leaves_a_visible_sheet(sheet, s.entry.state == "visible", self._others_visible(s))
        self._sheets.remove(s)
        self._book.sheets.remove(s.entry)
        self._book_changed = True
        self._rels = [r for r in self._rels if r.id != s.entry.rel_id]
        self._rels_changed = True
        tables = [resolve(s.part, r.target) for r in self._sheet_rels(s) if rel_kind(r.type) == "table"]
        for part in (s.part, *tables):
            self._drop_part(part)
        self._drop_part(rels_part(s.part))

    def _drop_part(self, part: str) -> None:
        self._new_parts.pop(part, None)
        stored = self._pkg.name(part)
        if stored is not None:
            self._removed.add(stored)
        self._content_types = remove_override(self._content_types, part)

    def set_visibility(self, sheet: str, visibility: Visibility) -> None:
        check_visibility(visibility)
        s = self._sheet(sheet)
        if visibility != "visible":
            check_leaves_a_visible_sheet(sheet, s.entry.state == "visible", self._others_visible(s))
        if visibility != s.entry.state:
            s.entry.set_state(visibility)
            self._book_changed = True
            if visibility != "visible":
                xml = self._xml(s)
                head = edits.clear_tab_selected(xml.head)
                if head != xml.head:
                    xml.head, s.furniture = head, True

    # ----------------------------------------------------------------------------------------- cells

    def _original(self, s: _Sheet) -> Grid:
        if s.original is None:
            if self._calamine is None:
                self._calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(self._data))
            # The collector is paused while the grid is built: its million small objects are never garbage.
            with gc_paused():
                try:
                    rows = self._calamine.get_sheet_by_name(s.entry.name).to_python(skip_empty_area=False)
                except Exception as exc:  # calamine raises its own error types on damaged parts
                    raise WorkbookError(f"the sheet cannot be read ({type(exc).__name__}: {exc}); the file may be "
                                        "damaged. Open it in Excel and save it again.", sheet=s.entry.name) from exc
                grid = calamine_grid(rows)
                # Moved out of the collector's sight until the save: later collections (the engine allocates a
                # lot) would otherwise rescan every cell. Only the cyclic collector skips them; they are freed as
                # usual when no longer used.
                gc.freeze()
            xml = self._xml(s, _MARKERS)
            if s.markers is None or s.markers:  # formulas, error values or blank text: fix them from the XML
                fix_from_xml(grid, xml)
            s.original = grid
        return s.original

    def read(self, sheet: str) -> Grid:
        s = self._worksheet(sheet)
        if s.grid is None:
            return [list(r) for r in self._original(s)]
        return calamine_grid([["" if v is None else v for v in r] for r in s.grid])

    def write(self, sheet: str, rows: Sequence[Sequence[CellValue]]) -> None:
        """Make ``sheet`` hold exactly ``rows``; checks every changed value first (a refused write changes
        nothing). Only rows that differ from the file are rebuilt when saving."""
        s = self._worksheet(sheet)
        original = self._original(s)
        # A row as it was read is kept as that very list (neither is ever changed): no copy of every row.
        new = [old if i < len(original) and (old := original[i]) == r else list(r) for i, r in enumerate(rows)]
        changed = changed_cells(original, new)
        self._check(s, new, changed)
        if not self._formula_overwritten:
            self._formula_overwritten = overwrites_formula(s.original or [], changed)
        s.grid, s.changed = new, changed
        self.changed_cells = sum(len(c) for c in changed.values())

    # ----------------------------------------------------------------------------------------- tables

    def _sheet_rels(self, s: _Sheet) -> list[Relationship]:
        if s.rels is None:
            s.rels = self._pkg.rels(s.part)
        return s.rels

    def _tables(self) -> list[tuple[_Sheet, str, dict[str, str]]]:
        out = []
        for s in self._sheets:
            for rel in self._sheet_rels(s):
                if rel_kind(rel.type) == "table":
                    part = resolve(s.part, rel.target)
                    data = self._new_parts.get(part) or self._pkg.read(part)
                    out.append((s, part, table_info(data)))
        return out

    def set_table(self, sheet: str, name: str, n_rows: int, n_cols: int) -> None:
        s = self._worksheet(sheet)
        mine, ref, names = self._table_target(s, name, n_rows, n_cols)
        tables = self._tables()
        if mine is not None:
            part = mine[1]
            data = self._new_parts.get(part) or self._pkg.read(part)
            new = resize_table(data, ref, names)
            if new != data:
                self._new_parts[part] = new
            return
        table_id = max((int(info.get("id", "0") or 0) for _, _, info in tables), default=0) + 1
        part = self._free_part("xl/tables/table{}.xml")
        self._new_parts[part] = new_table(table_id, name, ref, names, self.flavour)
        self._content_types = add_override(self._content_types, part, TABLE_TYPE)
        rels = self._sheet_rels(s)
        rel_id = next_rel_id(rels)
        rels.append(Relationship(rel_id, self.flavour.rel("table"), relative(s.part, part)))
        s.rels_changed = True
        xml = self._xml(s)
        xml.tail = edits.add_table_part(xml.tail, rel_id, xml.prefix, self.flavour.relationships)
        s.furniture = True

    def _table_target(self, s: _Sheet, name: str, n_rows: int, n_cols: int,
                      header: list[CellValue] | None = None) -> tuple[tuple[_Sheet, str, dict[str, str]] | None,
                                                                      str, list[str]]:
        """Check a table ``name`` over A1:(n_rows, n_cols) can be made on ``s``: the existing table of that name
        (or None), its range and its column names (from ``header``, or the sheet's first row)."""
        sheet = s.entry.name
        if not 1 <= n_rows <= MAX_ROW or not 1 <= n_cols <= MAX_COL:
            raise WorkbookError(f"table {name} cannot have {n_rows} rows and {n_cols} columns.", sheet=sheet)
        problem = table_name_problem(name)
        if problem:
            raise WorkbookError(f"{name!r} cannot be a table name: {problem}.", sheet=sheet)
        if header is None:
            grid = s.grid if s.grid is not None else self._original(s)
            header = grid[0] if grid else []
        names = header_names(header, n_cols, name, sheet)
        ref = f"A1:{column_letter(n_cols)}{max(n_rows, 2)}"
        tables = self._tables()
        mine = next(((t, part, info) for t, part, info in tables
                     if info.get("displayName", "").casefold() == name.casefold()), None)
        if mine is not None and mine[0] is not s:
            raise WorkbookError(f"a table named {mine[2].get('displayName')} already exists on sheet "
                                f"{mine[0].entry.name}.", sheet=sheet)
        if mine is None and name.casefold() in {n.casefold() for n in self._book.defined_names()}:
            raise WorkbookError(f"{name!r} is already used as a name in this workbook.", sheet=sheet)
        lo = edits._bounds(ref)
        for t, _, info in tables:
            if t is s and (mine is None or info is not mine[2]):
                b = edits._bounds(info.get("ref", ""))
                if not (b[2] < lo[0] or lo[2] < b[0] or b[3] < lo[1] or lo[3] < b[1]):
                    raise WorkbookError(f"table {name} would overlap table {info.get('displayName')} "
                                        f"({info.get('ref')}). Move that table away from this one and try again.",
                                        sheet=sheet)
        return mine, ref, names

    # ----------------------------------------------------------------------------------------- formatting

    def _edit_head(self, s: _Sheet, edit: Callable[[bytes], bytes], tail: bool = False) -> None:
        xml = self._xml(s)
        before = xml.tail if tail else xml.head
        after = edit(before)
        if after != before:
            if tail:
                xml.tail = after
            else:
                xml.head = after
            s.furniture = True

    def set_column(self, sheet: str, column: int, *, width: float | None = None,
                   hidden: bool | None = None) -> None:
        s = self._worksheet(sheet)
        check_column(column, sheet)
        if width is not None and not 0 <= width <= 255:
            raise WorkbookError(f"a column width must be between 0 and 255 (got {width}).", sheet=sheet,
                                field=column_letter(column))
        if width is None and hidden is None:
            return
        prefix = self._xml(s).prefix
        self._edit_head(s, lambda head: edits.set_column(head, column, width, hidden, prefix))

    def set_dropdown(self, sheet: str, column: int, first_row: int, last_row: int, choices: Sequence[str]) -> None:
        s = self._worksheet(sheet)
        joined = check_dropdown(sheet, column, first_row, last_row, choices)
        prefix = self._xml(s).prefix
        self._edit_head(s, lambda tail: edits.set_dropdown(tail, column, first_row, last_row, joined or None,
                                                           prefix), tail=True)

    def freeze_header(self, sheet: str) -> None:
        s = self._worksheet(sheet)
        prefix = self._xml(s).prefix
        self._edit_head(s, lambda head: edits.freeze_header(head, prefix))

    # ----------------------------------------------------------------------------------------- saving

    def _styles_part(self) -> str | None:
        rel = next((r for r in self._rels if rel_kind(r.type) == "styles"), None)
        return resolve(self._main, rel.target) if rel else None

    def _pick_style(self) -> Callable[[int, CellValue], int]:
        if self._styles is None:
            part = self._styles_part()
            try:  # a package without styles gets the least one if a value needs a format (see _save_styles)
                self._styles = Styles(self._pkg.read(part) if part and self._pkg.name(part) else
                                      minimal(self.flavour))
            except ValueError:
                return lambda style, value: style
        return self._styles.pick

    def _save_styles(self, new: dict[str, NewPart]) -> None:
        """Put formats added for written values into ``new``, with the part's relationship and content type
        when the package had no styles."""
        if self._styles is None or not self._styles.changed:
            return
        part = self._styles_part()
        if part is None:
            part = "xl/styles.xml" if self._pkg.name("xl/styles.xml") is None else self._free_part("xl/styles{}.xml")
            self._rels.append(Relationship(next_rel_id(self._rels), self.flavour.rel("styles"),
                                           relative(self._main, part)))
            self._rels_changed = True
        if self._pkg.name(part) is None:
            self._content_types = add_override(self._content_types, part, STYLES_TYPE)
        new[self._pkg.name(part) or part] = self._styles.to_bytes()

    def _sheet_part(self, s: _Sheet) -> Stream:
        """The sheet's part, given in pieces as the save writes it (:mod:`.sheetstream`). Its changed rows are
        surveyed now: the formats their cells need are picked before ``styles.xml`` is written, and the head's
        ``dimension`` is set before the rows follow it."""
        xml = self._xml(s)
        writer = None
        if s.grid is not None and s.changed:
            writer = SheetWriter(xml, s.grid, self._original(s), s.changed, self._pick_style(), self._dates)
            try:
                xml.head = edits.set_dimension(xml.head, writer.survey(), xml.prefix)
            except ValueError as exc:
                raise WorkbookError(f"the sheet cannot be saved: {exc}. Open the file in Excel and save it again, "
                                    "or restore a backup; the file on disk is unchanged.", sheet=s.entry.name) from exc
            xml.let_go()
        info = self._pkg.infos.get(self._pkg.name(s.part) or "")
        hint = writer.size_hint if writer else len(xml.head) + len(xml.tail) + (info.file_size if info else 0)

        def written() -> Iterator[bytes | memoryview]:
            try:
                if writer is not None:
                    yield from writer.pieces()
                else:
                    sd = xml.tag("sheetData")
                    yield from (xml.head, f"<{sd}>".encode())
                    yield from xml.body_chunks()
                    yield from (f"</{sd}>".encode(), xml.tail)
            finally:
                xml.let_go()

        return Stream(written, hint)

    def save(self) -> None:
        """Write the changed parts and copy the rest, atomically: on any failure the old file stays whole."""
        visible = self._check_saveable()  # whether it changed on disk is checked right before the rename
        new: dict[str, NewPart] = dict(self._new_parts)
        for s in self._sheets:
            if s.new or s.furniture or (s.grid is not None and s.changed):
                new[s.part] = self._sheet_part(s)
            if s.rels_changed and s.rels is not None:
                new[rels_part(s.part)] = rels_xml(s.rels)
        if self._formula_overwritten:
            self._drop_calc_chain()
        self._save_styles(new)
        if self._rels_changed:
            new[rels_part(self._main)] = rels_xml(self._rels)
        if self._book_changed:
            old_active = self._book.active_tab()
            entry = self._original_entries[old_active] if old_active < len(self._original_entries) else None
            index = next((i for i, s in enumerate(self._sheets) if s.entry is entry), -1)
            active = index if index in visible else visible[0]
            new[self._main] = self._book.to_bytes(self._original_entries, active)
            self._retitle(new)
        if self._content_types != self._pkg.read(CT_PART):
            new[CT_PART] = self._content_types
        order = [name for name in self._pkg.infos if name not in self._removed]
        order += [name for name in new if name not in self._pkg.infos]

        styles = self._styles.to_bytes() if self._styles is not None else None

        def write(target: Path) -> None:
            with target.open("wb") as out:
                write_package(out, self._pkg, order, new)
            # The sheets' surveys picked every format their cells use before styles.xml was written: a format
            # picked only while writing would leave a cell pointing past the file's formats.
            if self._styles is not None and self._styles.to_bytes() != styles:
                raise WorkbookError(f"{self.label} could not be saved: a written cell needed a cell format that "
                                    "was not prepared; the file on disk is unchanged. Please report this.")

        try:
            atomic_replace(self.path, write, self._loaded)
        except (WorkbookError, KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except OSError as exc:
            raise WorkbookError(f"{self.label} could not be saved ({exc.strerror or exc}); the file on "
                                "disk is unchanged.") from exc
        except Exception as exc:
            raise WorkbookError(f"{self.label} could not be saved ({type(exc).__name__}: {exc}); the "
                                "file on disk is unchanged.") from exc
        self.close()
        self._load()

    def _retitle(self, new: dict[str, NewPart]) -> None:
        """Let ``docProps/app.xml`` list the worksheets as they are now (see :mod:`.docprops`)."""
        rel = next((r for r in self._pkg.rels("") if r.type in APP_RELS and not r.external), None)
        part = self._pkg.name(resolve("", rel.target)) if rel else None
        if part is not None:
            data = self._pkg.read(part)
            after = retitled(data, self._worksheet_names, [s.entry.name for s in self._sheets if self._is_worksheet(s)])
            if after != data:
                new[part] = after

    def _drop_calc_chain(self) -> None:
        """Excel rebuilds the calculation chain; a stale one naming a cell that no longer has a formula makes
        it report the file as damaged."""
        for rel in [r for r in self._rels if rel_kind(r.type) == "calcChain"]:
            self._rels.remove(rel)
            self._rels_changed = True
            self._drop_part(resolve(self._main, rel.target))
