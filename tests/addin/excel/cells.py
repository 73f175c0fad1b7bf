"""What Excel itself does with the values it is handed and what it hands back, for the fake Excel (model.py).

Only the behaviour the add-in depends on, but as Excel has it (measured facts, not conveniences):

* A text assigned to a cell is parsed as if typed: ``=...`` is a formula, ``007`` the number 7, ``TRUE`` a
  boolean, ``#N/A`` an error, ``2024-02-29`` or ``3/4`` a date, ``8:30`` a time; a leading apostrophe keeps
  the rest as text (and is not part of the value). A typed ``+``/``-``/``@`` that is not a number is taken
  as a formula, and an invalid one is refused (COM raises).
* Excel has one number type (a double) and keeps 15 significant digits of a number typed (a 16-digit
  QuickBooks Online realm ID typed as a number loses its last digit); dates and times are numbers with a date
  format.
* A cell formatted as Text (number format ``@``) keeps what is typed or assigned as text, as typed.
* ``Range.Value`` returns a number as a float and a date-formatted cell as a date-time (a time alone on day
  zero, 1899-12-30); ``Range.Formula`` returns the formula, or for a constant the text as typed in the
  formula bar (without the apostrophe).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

DAY_ZERO = dt.datetime(1899, 12, 30)
ERRORS = ("#N/A", "#NAME?", "#DIV/0!", "#VALUE!", "#REF!", "#NUM!", "#NULL!")
_NUMBER = re.compile(r"^\s*[+-]?(\d[\d,]*\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_REF = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")
MAX_TEXT = 32_767
TEXT = "@"  # the Text number format


class Refused(Exception):
    """Excel refuses the call (COM raises ``com_error``, AppleScript a ``CommandError``)."""


@dataclass
class Cell:
    """One cell: kind is number, text, bool, error, date, datetime, time or formula."""

    kind: str
    value: Any
    prefix: bool = False  # the apostrophe typed before a text

    @property
    def formula_text(self) -> str:
        return formula_text(self)


def typed(text: str, as_text: bool = False) -> Cell | None:
    """A cell as Excel makes it from ``text`` typed or assigned through COM (into a cell formatted as Text when
    ``as_text``); None for an empty cell."""
    if text == "":
        return None
    if len(text.removeprefix("'")) > MAX_TEXT:
        raise Refused("Application-defined or object-defined error (text longer than 32,767 characters)")
    if text.startswith("'"):
        return Cell("text", text[1:], prefix=True)
    if as_text:
        return Cell("text", text)
    if text.startswith("=") and len(text) > 1:
        return Cell("formula", text)
    if _NUMBER.match(text):
        return Cell("number", float(f"{float(text.replace(',', '')):.15g}"))
    if text[0] in "+-@":
        raise Refused(f"Excel cannot read {text!r} as a formula (typed with a leading {text[0]!r})")
    if text.upper() in ("TRUE", "FALSE"):
        return Cell("bool", text.upper() == "TRUE")
    if text.upper() in ERRORS:
        return Cell("error", text.upper())
    for pattern, build in ((_ISO_DATE, _iso_date), (_US_DATE, _us_date), (_TIME, _time)):
        match = pattern.match(text.strip())
        if match:
            return build(match)
    return Cell("text", text)


def _iso_date(m: re.Match[str]) -> Cell:
    return Cell("date", dt.datetime(int(m[1]), int(m[2]), int(m[3])))


def _us_date(m: re.Match[str]) -> Cell:
    return Cell("date", dt.datetime(int(m[3] or 2024), int(m[1]), int(m[2])))


def _time(m: re.Match[str]) -> Cell:
    return Cell("time", DAY_ZERO.replace(hour=int(m[1]), minute=int(m[2]), second=int(m[3] or 0)))


def from_com(value: Any, as_text: bool = False) -> Cell | None:
    """A cell as Excel makes it from one value of a COM array (after xlwings prepared it)."""
    if isinstance(value, str):
        return typed(value, as_text)
    if isinstance(value, bool):
        return Cell("bool", value)
    if isinstance(value, int | float):
        return Cell("number", float(value))
    if isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None)
        if naive.date() == DAY_ZERO.date():
            return Cell("time", naive)
        return Cell("datetime" if naive.time() != dt.time() else "date", naive)
    raise TypeError(f"Objects of type '{type(value).__name__}' can not be converted to a COM VARIANT")


def value_of(cell: Cell | None, sheet_value: Any = None) -> Any:
    """What ``Range.Value`` returns for a cell; an error value is a :class:`CellError`."""
    if cell is None:
        return None
    if cell.kind == "formula":
        return evaluate(cell.value[1:], sheet_value)
    if cell.kind == "number":
        return float(cell.value)
    if cell.kind == "error":
        return CellError(cell.value)
    return cell.value


def formula_text(cell: Cell | None) -> str:
    """What ``Range.Formula`` returns for a cell (US English, as COM gives it)."""
    if cell is None:
        return ""
    value = cell.value
    if cell.kind in ("formula", "text", "error"):
        return str(value)
    if cell.kind == "bool":
        return "TRUE" if value else "FALSE"
    if cell.kind == "number":
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if cell.kind == "date":
        return f"{value.month}/{value.day}/{value.year}"
    if cell.kind == "time":
        return _clock(value)
    return f"{value.month}/{value.day}/{value.year} {_clock(value)}"


def _clock(value: dt.datetime) -> str:
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02}:{value.second:02} {'PM' if value.hour >= 12 else 'AM'}"


class CellError(Exception):
    """A formula's result is an error value (#VALUE! and friends)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def evaluate(expression: str, sheet_value: Any) -> Any:
    """A formula's result: arithmetic over numbers and A1 references, enough for the add-in's tests.

    Anything else is ``#NAME?``, as Excel shows for a function it does not know.
    """
    def ref(match: re.Match[str]) -> str:
        value = sheet_value(match[1], int(match[2]))
        if value is None:
            return "0"
        if isinstance(value, bool | int | float):
            return repr(float(value))
        raise CellError("#VALUE!")

    try:
        python = _REF.sub(ref, expression)
        if not re.fullmatch(r"[\d.eE+\-*/() ]+", python):
            raise CellError("#NAME?")
        return float(eval(python, {"__builtins__": {}}))  # only digits and operators reach here
    except ZeroDivisionError:
        return CellError("#DIV/0!")
    except CellError as err:
        return err
    except SyntaxError:
        return CellError("#NAME?")
