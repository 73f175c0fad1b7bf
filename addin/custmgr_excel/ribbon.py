"""The ribbon's entry point: every button runs ``import custmgr_excel.ribbon as r; r.run('<tag>')``.

``run`` never lets an exception out: one that escaped would reach the bookkeeper as a Python traceback in
xlwings' error box. A problem they can act on is shown as its message; anything unexpected as a plain
sentence naming the log file, which keeps the traceback for a bug report.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, NoReturn

from custmgr.errors import CustmgrError

from .commands import COMMANDS, xlwings_version
from .feedback import excel_wording
from .guards import one_at_a_time
from .logs import log_to_file
from .native import Native, native_for
from .session import Click

#: The first xlwings with the calls the add-in uses on both Windows and Mac (``Range.data_validation``).
MIN_XLWINGS = (0, 37, 5)


def run(tag: str, book: Any = None, native: Native | None = None) -> None:
    """Run the command ``tag`` on ``book`` (the workbook that called, when None) and tell the user how it went."""
    with log_to_file() as (log, log_path):
        log.info("%s: clicked", tag)
        try:
            click = Click(book if book is not None else _calling_book(),
                          native if native is not None else native_for())
        except Exception as exc:  # no Excel to show a message in
            log.exception("%s: no calling workbook", tag)
            _last_resort(f"Customer Manager could not reach the workbook in Excel ({exc}). Click the button "
                         f"again in an open workbook. The details are in the log file: {log_path}")
        click.log_path = log_path
        try:
            command = COMMANDS.get(tag)
            if command is None:
                raise CustmgrError(f"The ribbon asked for {tag!r}, which this Customer Manager does not know. "
                                   "Install the add-in again (custmgr addin install) and restart Excel.")
            _check_xlwings()
            with one_at_a_time(click.key, str(click.book.name)), click.running(command.label):
                command.run(click)
            log.info("%s: done", tag)
        except CustmgrError as err:
            log.warning("%s: stopped: %s", tag, err)
            _tell(click, excel_wording(str(err)), log)
        except Exception as err:  # a bug: a plain sentence here, the traceback in the log
            log.exception("%s: failed", tag)
            _tell(click, f"Customer Manager stopped on an unexpected error ({type(err).__name__}: {err}).\n\n"
                         f"The details are in the log file:\n{log_path}\nPlease send it with your report.", log)


def _calling_book() -> Any:
    import xlwings  # only here: importing the add-in package must not need Excel

    return xlwings.Book.caller()


def _check_xlwings() -> None:
    found = tuple(int(n) for n in re.findall(r"\d+", xlwings_version())[:3])
    if found < MIN_XLWINGS:
        wanted = ".".join(map(str, MIN_XLWINGS))
        raise CustmgrError(f"Customer Manager needs xlwings {wanted} or later (this Python has "
                           f"{xlwings_version()}). In a terminal run: pip install -U \"custmgr[addin]\" and then "
                           "custmgr addin install, and restart Excel.")


def _tell(click: Click, message: str, log: logging.Logger) -> None:
    try:
        click.say(message, problem=True)
    except Exception:
        log.exception("could not show the message")
        _last_resort(message)


def _last_resort(message: str) -> NoReturn:
    """Excel cannot show a message: exit with it on stderr, which xlwings shows in its own message box."""
    sys.stderr.write(message + "\n")
    raise SystemExit(1)
