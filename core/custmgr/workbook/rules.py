"""Excel's rules for what a workbook can hold: cell values, sheet and table names, table headers, columns and
list dropdowns, with the message each refusal gives.

Excel refuses the same things whether the workbook is a closed file (``xlsx.py``, ``lossless.py``) or open on
screen (the add-in's live workbook), so every port checks with these functions and the bookkeeper reads the same
message whichever way the sync ran. No openpyxl here: the add-in uses it too.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from ..errors import WorkbookError
from .port import Formula, Visibility

#: Excel keeps at most this many characters (UTF-16 code units) in a cell.
MAX_TEXT = 32_767
#: Excel's limit on the length of a formula.
MAX_FORMULA = 8_192
#: Excel's limit on a list validation typed as a literal ("A,B,C").
MAX_DROPDOWN = 255
MAX_ROW = 1_048_576
MAX_COL = 16_384
TABLE_STYLE = "TableStyleMedium2"
VISIBILITIES: tuple[Visibility, ...] = ("visible", "hidden", "veryHidden")

# U+FFFE, U+FFFF and lone surrogates are written into a file that cannot be read back. (Control characters are
# stored the way Excel stores them, as _xHHHH_ escapes: see escapes.py.)
BAD_CHARS = re.compile("[\ufffe\uffff\ud800-\udfff]")
# Names and dropdown choices cannot hold control characters at all.
BAD_IN_NAMES = re.compile("[\x00-\x1f\ufffe\uffff\ud800-\udfff]")
# A literal list is split at commas; xlwings also splits at ';' (a list separator in some languages).
_BAD_CHOICE = re.compile('[,;"\x00-\x1f\ufffe\uffff\ud800-\udfff]')
_SHEET_NAME_BAD = re.compile(r"[:\\/?*\[\]]")
_TABLE_NAME = re.compile(r"^[^\W\d][\w.\\]*$")
_CELL_LIKE = re.compile(r"^([A-Za-z]{1,3}\d+|[RrCc]|[Rr]\d*[Cc]\d*)$")


def column_letter(n: int) -> str:
    """1 -> 'A', 28 -> 'AB'."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def column_number(letters: str) -> int:
    """'A' -> 1, 'AB' -> 28 (upper-case letters)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def text_problem(text: str) -> str:
    """Why Excel cannot store ``text`` exactly, or ''."""
    bad = BAD_CHARS.search(text)
    if bad:
        char = bad.group()
        what = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "the non-character"
        return (f"contains {what} U+{ord(char):04X}, which Excel cannot store. Remove it (or let the sync "
                "strip it) and try again")
    if len(text) > MAX_TEXT // 2:
        units = len(text.encode("utf-16-le")) // 2
        if units > MAX_TEXT:
            return (f"is {units:,} characters long; Excel keeps at most {MAX_TEXT:,} characters in a cell. "
                    "Shorten it and try again")
    return ""


def value_problem(value: object) -> str:
    """Why ``value`` cannot be stored in a cell as given, or ''."""
    kind = type(value)
    if kind is str:
        return text_problem(value)  # type: ignore[arg-type]
    if value is None or kind is bool or kind is int:
        return ""
    if kind is float:
        return "" if math.isfinite(value) else f"is {value}, which Excel cannot store"  # type: ignore[arg-type]
    if kind is Formula:
        text = value.text  # type: ignore[union-attr]
        if not isinstance(text, str) or len(text) < 2 or not text.startswith("="):
            return f"is not a formula ({text!r} does not start with '=')"
        if len(text) > MAX_FORMULA:
            return f"is a formula of {len(text):,} characters; Excel allows {MAX_FORMULA:,}"
        return text_problem(text)
    if isinstance(value, (_dt.datetime, _dt.time)) and value.tzinfo is not None:
        return "is a date/time with a time zone, which Excel cannot store (convert it to local time)"
    if isinstance(value, _dt.date) and value.year < 1900:
        return f"is a date before 1900 ({value}), which Excel cannot store as a date"
    if isinstance(value, (_dt.date, _dt.time, _dt.timedelta)):
        return ""
    return f"is a {kind.__name__}, which cannot be stored in a cell"


def value_refusal(value: object, header: Sequence[object], row: int, column: int, sheet: str) -> WorkbookError | None:
    """The error for a cell at (``row``, ``column``) that cannot hold ``value``, named by its column's heading
    in ``header`` (the sheet's first row), or None. Every port words it the same way."""
    problem = value_problem(value)
    if not problem:
        return None
    name = header[column - 1] if column <= len(header) and row > 1 else None
    what = f"the {name} value" if isinstance(name, str) and name else "the value"
    return WorkbookError(f"{what} {problem}.", sheet=sheet, row=row, field=column_letter(column))


def sheet_name_problem(name: str) -> str:
    """Excel's rules for a sheet name, or '' if ``name`` follows them."""
    if not isinstance(name, str) or not name.strip():
        return "it is empty"
    if len(name) > 31:
        return "Excel allows at most 31 characters"
    if _SHEET_NAME_BAD.search(name) or BAD_IN_NAMES.search(name):
        return "it contains one of : \\ / ? * [ ] or a control character"
    if name.startswith("'") or name.endswith("'"):
        return "it starts or ends with an apostrophe"
    if name.casefold() == "history":
        return "Excel reserves the name History"
    return ""


def table_name_problem(name: str) -> str:
    """Excel's rules for a table name, or '' if ``name`` follows them."""
    if not isinstance(name, str) or not name:
        return "it is empty"
    if len(name) > 255:
        return "Excel allows at most 255 characters"
    if not _TABLE_NAME.match(name):
        return "use letters, digits, '_' and '.', starting with a letter or '_' (no spaces)"
    if _CELL_LIKE.match(name):
        return "it looks like a cell reference"
    return ""


def header_names(header: Sequence[object], n_cols: int, table: str, sheet: str, row: int = 1,
                 first_col: int = 1) -> list[str]:
    """The column names of table ``table`` from its header cells (``header[0]`` is column ``first_col``),
    checked: Excel needs non-empty, unique text (ignoring case) in every column, or it repairs (drops) the table.
    A cell that is not text (a number, a formula) is passed as any non-``str`` value."""
    names: list[str] = []
    seen: dict[str, str] = {}
    for i in range(n_cols):
        value = header[i] if i < len(header) else None
        letter = column_letter(first_col + i)
        if not isinstance(value, str) or not value.strip():
            shown = "empty" if value in (None, "") else f"{getattr(value, 'text', value)!r}, not text"
            raise WorkbookError(f"the header of table {table} must be text in every column; this one is "
                                f"{shown}.", sheet=sheet, row=row, field=letter)
        key = value.casefold()
        if key in seen:
            raise WorkbookError(f"table {table} has two columns named {value!r} ({seen[key]} and {letter}); "
                                "header names must be unique.", sheet=sheet, row=row, field=letter)
        seen[key] = letter
        names.append(value)
    return names


def check_visibility(visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise WorkbookError(f"visibility must be one of {', '.join(VISIBILITIES)} (got {visibility!r}).")


def check_new_sheet(label: str, sheet: str, visibility: str, names: Iterable[str]) -> None:
    """Raise why workbook ``label``, whose sheets are ``names``, cannot take a sheet ``sheet`` (Excel's names
    ignore case)."""
    check_visibility(visibility)
    problem = sheet_name_problem(sheet)
    if problem:
        raise WorkbookError(f"{sheet!r} cannot be a sheet name: {problem}.", sheet=sheet)
    folded = sheet.casefold()
    if any(name.casefold() == folded for name in names):
        raise WorkbookError(f"{label} already has a sheet named {sheet!r}.", sheet=sheet)


def check_leaves_a_visible_sheet(sheet: str, visible: bool, others_visible: bool) -> None:
    """Raise if removing or hiding ``sheet`` (``visible`` now) would leave no sheet visible: Excel needs one."""
    if visible and not others_visible:
        raise WorkbookError("this is the only visible sheet; Excel needs at least one.", sheet=sheet)


def check_column(column: int, sheet: str) -> None:
    if not isinstance(column, int) or isinstance(column, bool) or not 1 <= column <= MAX_COL:
        raise WorkbookError(f"{column!r} is not a column number (1 to {MAX_COL}).", sheet=sheet)


def check_dropdown(sheet: str, column: int, first_row: int, last_row: int, choices: Sequence[str]) -> str:
    """Refuse a list dropdown Excel cannot hold (non-empty choices without commas, semicolons, quotes or control
    characters, 255 characters in all); returns the literal list ("A,B,C")."""
    check_column(column, sheet)
    letter = column_letter(column)
    if not 1 <= first_row <= last_row <= MAX_ROW:
        raise WorkbookError(f"rows {first_row} to {last_row} are not a valid range for a dropdown.",
                            sheet=sheet, field=letter)
    for choice in choices:
        if not isinstance(choice, str) or not choice.strip():
            raise WorkbookError(f"dropdown choice {choice!r} must be non-empty text.", sheet=sheet, field=letter)
        if _BAD_CHOICE.search(choice):
            raise WorkbookError(f"dropdown choice {choice!r} cannot contain a comma, a semicolon, a quote or a "
                                "control character.", sheet=sheet, field=letter)
    joined = ",".join(choices)
    if len(joined) > MAX_DROPDOWN:
        raise WorkbookError(f"the dropdown choices take {len(joined)} characters; Excel allows {MAX_DROPDOWN}. "
                            "Use fewer or shorter choices.", sheet=sheet, field=letter)
    return joined


Sheet = TypeVar("Sheet")


def find_sheet(sheets: Iterable[Sheet], name: str, name_of: Callable[[Sheet], str]) -> Sheet | None:
    """The sheet called ``name`` as Excel finds it: by its very name, else ignoring case (Excel's sheet names
    are unique ignoring case)."""
    sheets = list(sheets)
    exact = next((s for s in sheets if name_of(s) == name), None)
    if exact is not None:
        return exact
    folded = name.casefold()
    return next((s for s in sheets if name_of(s).casefold() == folded), None)


def existing_sheet(found: Sheet | None, name: str, label: str) -> Sheet:
    """``found``, or the error every port gives for a sheet the workbook ``label`` does not have."""
    if found is None:
        raise WorkbookError(f"there is no such sheet in {label}.", sheet=name)
    return found
