"""IIF text: Windows-1252 bytes, tab-separated cells, one row per line, cells in double quotes when they need it.

QuickBooks puts a cell in double quotes when it holds a comma ("Andres, Cristina"). When reading, a quoted cell may
also hold tabs, line breaks and doubled quotes (""), so one row can run over several lines of the file; every row
keeps the line it starts on, so each message names the line a bookkeeper sees in a text editor. A quote inside a
cell that is not quoted is an ordinary character, as QuickBooks writes it.

When writing, no cell ever spans lines: tabs and line breaks become a space (``one_line``), as in QuickBooks' own
exports, which keep one record per physical line. Nothing shows that QuickBooks' import honours quotes across
lines, and a note line starting with ``TRNS`` or ``CUST`` would otherwise be read as a record of its own.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from custmgr.errors import CustmgrError

ENCODING = "cp1252"
LINE_BREAK = "\r\n"
_CELL_END = re.compile(r"[\t\r\n]")
_NEEDS_QUOTES = (",",)
_LINE_BREAKS = re.compile(r"[ ]*[\t\r\n][\t\r\n ]*")
MAX_SHOWN = 25  # problems listed in one message; the rest are counted


class IifError(CustmgrError):
    """An IIF file that cannot be read (or written) as it is; the message names its lines. Nothing was changed."""


@dataclass(frozen=True)
class Row:
    """One row of an IIF file. ``cells[0]`` is its keyword: ``!CUST`` for a header row, ``CUST`` for a customer."""

    line: int  # the file line it starts on (1 = first)
    cells: tuple[str, ...]
    ended: bool = True  # False when the file stops inside this row, without a line break

    @property
    def keyword(self) -> str:
        return self.cells[0].strip().upper()

    @property
    def is_header(self) -> bool:
        return self.keyword.startswith("!")

    @property
    def is_blank(self) -> bool:
        return not any(cell.strip() for cell in self.cells)


def problems_error(file: str, problems: Iterable[tuple[int, str]], outcome: str) -> IifError:
    """One error listing every ``(line, message)``, in line order, and saying what was (not) done."""
    found = sorted(set(problems))
    shown = [f"  line {line}: {message}" for line, message in found[:MAX_SHOWN]]
    if len(found) > MAX_SHOWN:
        shown.append(f"  ... and {len(found) - MAX_SHOWN} more")
    what = "a problem" if len(found) == 1 else f"{len(found)} problems"
    return IifError(f"{file} has {what}; {outcome}\n" + "\n".join(shown))


# --- reading ---------------------------------------------------------------------------------------------------


def decode(data: bytes, file: str) -> str:
    """The text of an IIF file, which QuickBooks writes in Windows-1252 ("ANSI").

    A file saved as Unicode is refused rather than guessed at: read as Windows-1252 its accented names would
    turn into garbage (``CafÃ©``) that then goes into the workbook and back to QuickBooks.
    """
    if not data.strip():
        raise problems_error(file, [(1, "the file is empty. Export the list again from QuickBooks (File > "
                                        "Utilities > Export > Lists to IIF Files) and try again")],
                             "nothing was imported.")
    resave = ("Open it in a text editor and save it with the encoding Windows-1252 (\"ANSI\"), or export it "
              "from QuickBooks again")
    if data.startswith(codecs.BOM_UTF8):
        raise problems_error(file, [(1, "the file starts with a UTF-8 byte-order mark: it was saved as Unicode "
                                        f"(UTF-8), but QuickBooks reads and writes IIF files in Windows-1252. "
                                        f"{resave}")], "nothing was imported.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise problems_error(file, [(1, "the file is saved as Unicode (UTF-16, as Excel's 'Unicode Text' "
                                        f"does), but QuickBooks reads and writes IIF files in Windows-1252. "
                                        f"{resave}")], "nothing was imported.")
    try:
        text = data.decode(ENCODING)
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise problems_error(file, [(line, f"byte 0x{data[err.start]:02X} is not a Windows-1252 character; the "
                                           f"file is damaged or not an IIF file. {resave}")],
                             "nothing was imported.") from err
    if not data.isascii() and _is_utf8(data):
        first = next(i for i, byte in enumerate(data) if byte >= 0x80)
        line = data.count(b"\n", 0, first) + 1
        raise problems_error(file, [(line, f"the file is saved as Unicode (UTF-8): this line would read "
                                           f"{_line_at(text, line)!r}. {resave}")], "nothing was imported.")
    return text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _line_at(text: str, number: int) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[number - 1][:60] if number <= len(lines) else ""


def split_rows(text: str, file: str) -> list[Row]:
    """Every row of ``text`` (blank ones included), each with the line it starts on."""
    rows: list[Row] = []
    pos, line, end = 0, 1, len(text)
    while pos < end:
        first_line, cells = line, []
        while True:
            if text.startswith('"', pos):
                value, pos, line = _quoted(text, pos, line, file)
            else:
                stop = _cell_end(text, pos)
                value, pos = text[pos:stop], stop
            cells.append(value)
            if pos < end and text[pos] == "\t":
                pos += 1
                continue
            break
        ended = pos < end
        if ended:
            pos += 2 if text.startswith("\r\n", pos) else 1
        rows.append(Row(first_line, tuple(cells), ended))
        line += 1
    return rows


def _cell_end(text: str, pos: int) -> int:
    """Where an unquoted cell starting at ``pos`` ends: the next tab or line break, or the end of the text."""
    found = _CELL_END.search(text, pos)
    return found.start() if found else len(text)


def _quoted(text: str, pos: int, line: int, file: str) -> tuple[str, int, int]:
    """A quoted cell from ``pos`` (its opening quote): its value, where it ends, and the line it ends on."""
    parts: list[str] = []
    start, end = pos + 1, len(text)
    while True:
        close = text.find('"', start)
        if close < 0:
            raise problems_error(file, [(line, "a value opens a double quote (\") that is never closed: the file "
                                               "is cut short (truncated) or a quote is missing. Export the list "
                                               "again from QuickBooks, or close the quote")],
                                 "nothing was imported.")
        parts.append(text[start:close])
        if text.startswith('""', close):
            parts.append('"')
            start = close + 2
            continue
        if close + 1 == end or text[close + 1] in "\t\r\n":
            break
        parts.append('"')  # a lone quote inside the value is part of it
        start = close + 1
    raw = "".join(parts)
    line += raw.count("\n") + raw.count("\r") - raw.count("\r\n")
    return raw.replace("\r\n", "\n").replace("\r", "\n"), close + 1, line


# --- writing ---------------------------------------------------------------------------------------------------


def one_line(value: str) -> str:
    """``value`` with each run of tabs and line breaks (and the spaces around it) made one space."""
    return _LINE_BREAKS.sub(" ", value) if _CELL_END.search(value) else value


def cell(value: str) -> str:
    """``value`` as an IIF cell on one line (see ``one_line``): in double quotes (inner quotes doubled) when it
    holds a comma or starts with a quote; as it is otherwise, which is how QuickBooks itself writes it."""
    value = one_line(value)
    if not value.startswith('"') and not any(ch in value for ch in _NEEDS_QUOTES):
        return value
    inner = value.replace('"', '""')
    return f'"{inner}"'


def join_rows(rows: Iterable[Sequence[str]]) -> str:
    """Rows of cell values as IIF text: tab-separated, each row ended by CRLF."""
    return "".join("\t".join(cell(v) for v in row) + LINE_BREAK for row in rows)
