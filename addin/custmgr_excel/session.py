"""One ribbon click: the workbook it acts on, and how it talks to the bookkeeper.

The click leaves Excel as it found it: the status bar is reset, the sheet the bookkeeper was on is active
again (unless the button's job is to show another one), and nothing it does needs the bookkeeper's own
folder or selection. While the engine talks to QuickBooks a watchdog runs (guards.py): it is fed by every
sign of progress, and paused while the workbook is being saved and while a message box is open.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

from custmgr.errors import CustmgrError
from custmgr.sync import Progress

from .feedback import TITLE, excel_wording, offers_force, shorten, status_progress
from .guards import Watchdog, timeout_seconds
from .live import LiveWorkbook, local_file
from .native import Native

T = TypeVar("T")


class Click:
    """A button pressed on a workbook (an xlwings ``Book``)."""

    #: How the watchdog stops a click QuickBooks does not answer (None: message on stderr, end this Python).
    expire: Callable[[str], None] | None = None

    def __init__(self, book: Any, native: Native) -> None:
        self.book = book
        self.app = book.app
        self.native = native
        self.moved = False  # the command chose the sheet to show
        self.log_path: Path | None = None
        self.path, _ = local_file(book)
        self.timeout = timeout_seconds()
        self._watchdog: Watchdog | None = None

    @property
    def key(self) -> str:
        """What names the workbook for the one-click-at-a-time lock."""
        return str(self.path) if self.path is not None else f"unsaved:{self.book.name}"

    def port(self) -> LiveWorkbook:
        """The workbook as the engine sees it, read afresh."""
        port = LiveWorkbook(self.book, self.native)
        port.on_save = self._pause
        port.after_save = self._resume
        return port

    @contextmanager
    def quickbooks(self) -> Iterator[None]:
        """Around the engine's work with QuickBooks: the watchdog runs (paused while the workbook is saved)."""
        self._watchdog = Watchdog(self.timeout, hung, self.expire).start()
        try:
            yield
        finally:
            self._watchdog.stop()
            self._watchdog = None

    def _pause(self) -> None:
        if self._watchdog is not None:
            self._watchdog.pause()

    def _resume(self) -> None:
        if self._watchdog is not None:
            self._watchdog.resume()

    def _beat(self) -> None:
        if self._watchdog is not None:
            self._watchdog.beat()

    def say(self, message: str, *, problem: bool = False) -> None:
        self._pause()  # a message box may stay open for long: the watchdog is for QuickBooks only
        self.app.alert(shorten(message), title=TITLE, buttons="ok", mode="critical" if problem else "info")

    def ask(self, question: str) -> bool:
        self._pause()
        return self.app.alert(shorten(question), title=TITLE, buttons="yes_no", mode="critical") == "yes"

    def confirm(self, question: str) -> bool:
        self._pause()
        return self.app.alert(shorten(question), title=TITLE, buttons="ok_cancel", mode="info") == "ok"

    def progress(self) -> Progress:
        return status_progress(self.app, self._beat)

    def or_anyway(self, action: Callable[[bool], T], question: str) -> T | None:
        """Run ``action(force=False)``; if the engine refuses what the bookkeeper may still choose (its
        ``--force``), ask, and run ``action(True)`` on yes. None when the bookkeeper says no."""
        try:
            return action(False)
        except CustmgrError as err:
            if not offers_force(str(err)):
                raise
            if not self.ask(f"{excel_wording(str(err))}\n\n{question}"):
                return None
        return action(True)

    def show_sheet(self, port: LiveWorkbook, name: str, row: int | None = None) -> bool:
        """Activate sheet ``name`` (and select column A of ``row``); False if there is no such visible sheet."""
        if name not in port.sheet_names() or port.visibility(name) != "visible":
            return False
        sheet = self.book.sheets[name]
        self.native.activate(sheet)
        if row:
            sheet.range((row, 1)).select()
        self.moved = True
        return True

    @contextmanager
    def running(self, label: str) -> Iterator[None]:
        """Status bar, working folder and active sheet for the length of the click, restored afterwards."""
        active = _quietly(lambda: self.book.sheets.active)
        folder = os.getcwd()
        if self.path is not None and self.path.parent.is_dir():
            os.chdir(self.path.parent)  # a company file named relative to the workbook is found from its folder
        self.app.status_bar = f"{TITLE}: {label}…"
        try:
            yield
        finally:
            with suppress(OSError):
                os.chdir(folder)
            _quietly(lambda: setattr(self.app, "status_bar", False))
            if active is not None and not self.moved:
                # adding a sheet activates it; the bookkeeper's sheet comes back
                _quietly(lambda: self.native.activate(active))


def hung(seconds: float) -> str:
    """What the bookkeeper reads when QuickBooks stops answering."""
    wait = f"{seconds / 60:g} minutes" if seconds >= 120 else f"{seconds:g} second{'' if seconds == 1 else 's'}"
    return (f"QuickBooks has not answered for {wait}, so Customer Manager stopped waiting. Nothing was changed "
            "in this workbook. Check that QuickBooks is running with the company open and no dialog box "
            "waiting in it, then click the button again. If a sync was sending changes, QuickBooks may "
            "already hold some of them: check the contacts that were being sent before you sync again.")


def _quietly(call: Callable[[], T]) -> T | None:
    """Best effort, for tidying up: Excel may refuse (the sheet was removed, a dialog is open)."""
    try:
        return call()
    except Exception:
        return None
