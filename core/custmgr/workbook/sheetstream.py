"""A changed worksheet written while its original part is read, a piece at a time.

A sheet of 100,000 contacts is about a hundred megabytes of XML, and a sync changes a few of its rows (or, at the
first import, adds all of them to a sheet holding only its header). Holding the rows, or the new rows as bytes,
would cost more memory than everything else the sync does. So the part is walked twice, never held whole:

- the *survey* (:meth:`SheetWriter.survey`) rebuilds the changed rows the part holds, which picks the formats
  their cells need, notes which formats the new rows need, and measures where the cells end, so the head's
  ``dimension`` and ``styles.xml`` are right before anything is written;
- the *write* (:meth:`SheetWriter.pieces`) gives the part again: unchanged rows as the very bytes read, changed
  rows rebuilt (kept from the survey when they are few), new rows made as they are written.

Rows are found with one regular expression per piece; a row runs to the start of the next one (only whitespace
lies between rows), so a piece is cut after its last whole row and the rest carried to the next.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Iterable, Iterator, Sequence

from .port import CellValue, Grid
from .rules import column_letter, column_number
from .sheetxml import Dates, SheetXml, StylePicker, patch_row

#: A row's start tag, with its number when it has one (a row without ``r`` follows the one before it), by the
#: prefix of the main namespace: spelled out, it is found by a fast search for its first bytes.
_ROW_HEADS: dict[str, re.Pattern[bytes]] = {}


def _row_head(prefix: str) -> re.Pattern[bytes]:
    found = _ROW_HEADS.get(prefix)
    if found is None:
        tag = (f"<{prefix}:row" if prefix else "<row").encode()
        found = _ROW_HEADS[prefix] = re.compile(re.escape(tag) + rb'(?=[\s>/])(?:[^>]*?\sr\s*=\s*"(\d+)")?')
    return found


#: Rebuilt rows kept from the survey for the write, up to this many bytes; others are rebuilt again.
_KEEP = 16 << 20
#: New rows are handed to the writer in batches of about this size.
_BATCH = 1 << 18
#: Bytes a new cell is guessed to take besides its text, for the size hint (which chooses how hard to deflate).
_CELL_GUESS = 40

#: What the walk gives: (0, bytes kept as they are, None), (row number, the row as read or b"" when the part has no
#: such row, None), or (0, b"", extent) after a chunk when measuring. An extent is the last row and rightmost
#: column holding a cell (0, 0: none).
Step = tuple[int, bytes | memoryview, tuple[int, int] | None]


class SheetWriter:
    """The rows of ``xml`` with the ``changed`` ones (row -> columns, 1-based) made to hold ``grid``'s values."""

    def __init__(self, xml: SheetXml, grid: Sequence[Sequence[CellValue]], original: Grid,
                 changed: dict[int, list[int]], pick: StylePicker, dates: Dates = "1900") -> None:
        self.xml = xml
        self.dates = dates  # how the workbook holds dates (:data:`.sheetxml.Dates`)
        self.grid = grid
        self.original = original
        self.pick = pick
        self.numbers = sorted(changed)
        self._kept: dict[int, bytes | None] = {}  # rows rebuilt by the survey, for the write
        self.size_hint = 0

    # ------------------------------------------------------------------------------------------- survey

    def survey(self) -> str:
        """Walk the part once: rebuild its changed rows (picking their formats), pick the formats new rows need,
        and give the ``dimension`` the written sheet will have."""
        last_row = last_col = 0
        new: list[int] = []
        kept_bytes = 0
        size = 0
        for number, data, extent in self._walk(self.xml.body_chunks(), measure=True):
            if number == 0:
                size += len(data)
            elif data:
                row = self._patch(number, data)
                size += len(row or b"")
                prefix = self.xml.prefix
                extent = (number, _max_col(row, 0, len(row), prefix)) if row and _last_cell(
                    row, 0, len(row), prefix) >= 0 else None
                if kept_bytes + len(row or b"") <= _KEEP:
                    self._kept[number] = row
                    kept_bytes += len(row or b"")
            else:
                new.append(number)
                values = self._values(number)
                last = _last_filled(values)
                extent = (number, last) if last else None
            if extent is not None and extent[0]:
                last_row = max(last_row, extent[0])
                last_col = max(last_col, extent[1])
        size += self._pick_for_new(new)
        self.size_hint = len(self.xml.head) + len(self.xml.tail) + size + 64
        if (last_row, last_col) in ((0, 0), (1, 1), (1, 0)):
            return "A1"
        return f"A1:{column_letter(max(last_col, 1))}{last_row}"

    def _pick_for_new(self, numbers: list[int]) -> int:
        """Pick, before ``styles.xml`` is written, the formats the cells of new rows will need, and guess the
        bytes those rows will take. A new cell has no format of its own, and the format a value gets depends only
        on its type and, for text, on its first character (a quote prefix for text Excel would read as a
        formula): one value of each kind is enough. Rows are looked at a thousand at a time, in comprehensions."""
        samples: dict[object, CellValue] = {}
        size = 0
        for at in range(0, len(numbers), 1000):
            values = list(itertools.chain.from_iterable(self._values(n) for n in numbers[at:at + 1000]))
            texts = [v for v in values if type(v) is str]
            size += sum(map(len, texts)) + _CELL_GUESS * len(values)
            for first, value in {v[:1]: v for v in texts}.items():
                samples.setdefault((str, first), value)
            for kind, value in {type(v): v for v in values}.items():
                samples.setdefault(kind, value)
        for value in samples.values():
            if value is not None and value != "":
                self.pick(0, value)
        return size

    # ------------------------------------------------------------------------------------------- write

    def pieces(self) -> Iterator[bytes | memoryview]:
        """The whole part, head to tail, as it is to be written; call :meth:`survey` first."""
        xml = self.xml
        sd = xml.tag("sheetData")
        yield xml.head
        yield f"<{sd}>".encode()
        batch: list[bytes] = []
        size = 0
        for number, data, _ in self._walk(xml.body_chunks(), measure=False):
            if number == 0:
                if batch:
                    yield b"".join(batch)
                    batch, size = [], 0
                yield data
                continue
            row = self._kept.pop(number) if number in self._kept else self._patch(number, data or None)
            if row:
                batch.append(row)
                size += len(row)
                if size >= _BATCH:
                    yield b"".join(batch)
                    batch, size = [], 0
        if batch:
            yield b"".join(batch)
        yield f"</{sd}>".encode()
        yield xml.tail

    # ------------------------------------------------------------------------------------------- rows

    def _values(self, number: int) -> Sequence[CellValue]:
        return self.grid[number - 1] if number <= len(self.grid) else ()

    def _patch(self, number: int, old: bytes | memoryview | None) -> bytes | None:
        old_values = self.original[number - 1] if number <= len(self.original) else []
        return patch_row(number, bytes(old) if old else None, old_values, self._values(number), self.pick,
                         self.xml.prefix, self.dates)

    def _walk(self, chunks: Iterable[bytes], measure: bool) -> Iterator[Step]:
        """The rows of ``chunks`` (the body, in pieces) in order, with each changed row given alone and a row the
        part lacks given where it belongs; with ``measure``, after each chunk, the extent of its unchanged rows."""
        wanted, k = self.numbers, 0
        for data, cut, starts, numbers in _whole_rows(chunks, self.xml.prefix):
            view = memoryview(data)
            done = 0  # bytes of data given so far
            changed: list[tuple[int, int]] = []  # where this chunk's changed rows are
            while k < len(wanted) and numbers and wanted[k] <= numbers[-1]:
                number = wanted[k]
                i = bisect.bisect_left(numbers, number)
                start = starts[i]
                if start > done:
                    yield 0, view[done:start], None
                    done = start
                if numbers[i] == number:
                    end = starts[i + 1] if i + 1 < len(starts) else cut
                    yield number, data[start:end], None
                    changed.append((start, end))
                    done = end
                else:  # a row the part lacks, before this one
                    yield number, b"", None
                k += 1
            if cut > done:
                yield 0, view[done:cut], None
            if measure and cut:
                yield 0, b"", self._unchanged_extent(data, cut, starts, numbers, changed)
        while k < len(wanted):  # rows after the last one the part holds
            yield wanted[k], b"", None
            k += 1

    def _unchanged_extent(self, data: bytes, cut: int, starts: list[int], numbers: list[int],
                          changed: list[tuple[int, int]]) -> tuple[int, int]:
        """The last row and rightmost column holding a cell in ``data[:cut]``, leaving out the ``changed`` rows.
        The rightmost column is looked for in the whole chunk first: only when a changed row reaches it are the
        unchanged rows searched on their own."""
        prefix = self.xml.prefix
        kept, at = [], 0
        for start, end in changed:
            if start > at:
                kept.append((at, start))
            at = end
        if cut > at:
            kept.append((at, cut))
        last_row = 0
        for start, end in reversed(kept):
            pos = _last_cell(data, start, end, prefix)
            if pos >= 0:
                i = bisect.bisect_right(starts, pos) - 1
                last_row = numbers[i] if i >= 0 else 1
                break
        if not last_row:
            return 0, 0
        col = _max_col(data, 0, cut, prefix)
        if changed and max(_max_col(data, start, end, prefix) for start, end in changed) >= col:
            col = max(_max_col(data, start, end, prefix) for start, end in kept)
        return last_row, col


def check_row_order(xml: SheetXml) -> None:
    """Raise the ValueError a save would raise for rows out of order (:func:`_numbered`), reading the part a piece
    at a time: so a sync refuses such a sheet before it writes to QuickBooks, not when it saves."""
    for _ in _whole_rows(xml.body_chunks(), xml.prefix):
        pass


def _whole_rows(chunks: Iterable[bytes], prefix: str) -> Iterator[tuple[bytes, int, list[int], list[int]]]:
    """The body read in ``chunks``, as pieces of whole rows: (data, cut, where each row starts, its number), the
    rows being ``data[:cut]`` (the rest, a row that may go on in the next chunk, is carried to it). Raises for rows
    out of order (:func:`_numbered`)."""
    row_head = _row_head(prefix)
    carry = b""
    last = 0  # the number of the last row seen
    for chunk in itertools.chain(chunks, [None]):
        final = chunk is None
        data = carry if final else (carry + chunk if carry else chunk)  # type: ignore[operator]
        heads = list(row_head.finditer(data))
        if final:
            cut = len(data)
        elif not heads:
            carry = data
            continue
        else:  # the last row may go on in the next chunk
            cut = heads.pop().start()
        numbers = _numbered([m.group(1) for m in heads], last)
        last = numbers[-1] if numbers else last
        yield data, cut, [m.start() for m in heads], numbers
        carry = data[cut:]


def _numbered(given: list[bytes | None], before: int) -> list[int]:
    """The numbers of rows whose ``r`` attributes are ``given`` (None: the row after the one before), following
    row ``before``. Excel reports rows out of order as damage, and a row put among them could land twice."""
    if None in given:
        numbers, last = [], before
        for number in given:
            last = int(number) if number is not None else last + 1
            numbers.append(last)
    else:
        numbers = list(map(int, given))  # type: ignore[arg-type]
    if numbers and not (numbers[0] > before and all(map(operator.lt, numbers, numbers[1:]))):
        after, first = next((a, b) for a, b in zip([before, *numbers], numbers, strict=False) if b <= a)
        raise ValueError(f"its rows are out of order (row {first} comes after row {after}), which Excel reports "
                         "as damage")
    return numbers


def _last_filled(values: Sequence[CellValue]) -> int:
    """The column (1-based) of the last value a new row writes a cell for (0: none)."""
    for col in range(len(values), 0, -1):
        value = values[col - 1]
        if value is not None and value != "":
            return col
    return 0


_REFS: dict[tuple[int, str], re.Pattern[bytes]] = {}  # (width of the column letters, prefix) -> pattern
_AFTER_C = frozenset(b" \t\r\n>/")


def _last_cell(data: bytes, start: int, end: int, prefix: str) -> int:
    """Where the last ``<c>`` element in ``data[start:end]`` starts (-1: none)."""
    c_tag = (f"<{prefix}:c" if prefix else "<c").encode()
    pos = data.rfind(c_tag, start, end)
    while pos >= 0 and (pos + len(c_tag) >= len(data) or data[pos + len(c_tag)] not in _AFTER_C):
        pos = data.rfind(c_tag, start, pos)
    return pos


def _max_col(data: bytes, start: int, end: int, prefix: str) -> int:
    """The rightmost column (1-based) of a cell in ``data[start:end]`` (0: none found). A few searches over the
    bytes, not a parse: Excel, openpyxl, xlsxwriter and LibreOffice all write ``r`` first in a cell."""
    for width in (3, 2, 1):
        refs = _REFS.get((width, prefix))
        if refs is None:
            c_tag = (f"<{prefix}:c" if prefix else "<c").encode()
            refs = _REFS[width, prefix] = re.compile(re.escape(c_tag) + rb' r="([A-Z]{%d})\d' % width)
        found = set(refs.findall(data, start, end))
        if found:
            return max(column_number(x.decode()) for x in found)
    return 0
