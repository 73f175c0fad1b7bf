"""The ribbon's commands, one per button, each on the workbook the button was pressed in.

They are the command line's jobs (``custmgr setup/sync/undo/status``) on the live workbook, plus the three
that only make sense on screen: showing the Review, Sync Log and Settings sheets.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass

from custmgr import __version__
from custmgr import sync as engine
from custmgr.adopt import adopt, adoptable
from custmgr.backup import backup_sheets, read_backup
from custmgr.contact import VENDOR
from custmgr.errors import CustmgrError
from custmgr.layout import load_layout
from custmgr.review import SHEET as REVIEW
from custmgr.review import read_decisions
from custmgr.settings import SHEET as SETTINGS
from custmgr.settings import read_settings
from custmgr.state import read_state
from custmgr.summary import Summary
from custmgr.synclog import LOG
from custmgr.undo import undo_plan

from .feedback import excel_wording, summary_text
from .layout import is_laid_out, lay_out
from .live import LiveWorkbook
from .session import Click
from .sources import guide_path


@dataclass(frozen=True)
class Command:
    """A button: its label on the ribbon, what it does (for Help), and the function that does it."""

    label: str
    does: str
    run: Callable[[Click], None]


def set_up(click: Click) -> None:
    """Lay out a blank workbook; otherwise check Settings by opening the company, and import the first time."""
    port = click.port()
    port.check_can_save()
    if not is_laid_out(port):
        adoption = adoptable(port)
        if adoption is not None:  # the bookkeeper's own contact list: kept as it is, its headers mapped to fields
            adopt(port, adoption)
            port.keep_as_text(SETTINGS, _settings_row("company"), 2)  # a realm ID keeps all its digits
            port.save()
            click.show_sheet(port, SETTINGS)
            mapping = adoption.describe()[:-1]  # its last line is the command line's way to correct it
            click.say("\n".join(mapping) + "\n\nOn the Settings sheet, check the "
                      "column mapping, choose the Connector and fill in the Company, then click Set Up Sync again.")
            return
        lay_out(port)
        port.keep_as_text(SETTINGS, _settings_row("company"), 2)  # a realm ID keeps all its digits
        port.save()
        click.show_sheet(port, SETTINGS)
        click.say("The Customer Manager sheets are in place. On the Settings sheet, choose the Connector and fill "
                  "in the Company (the company file, or the QuickBooks Online realm ID) and what to sync, then "
                  "click Set Up Sync again.")
        return
    _check_company(click, port)
    settings = read_settings(port)
    if not settings.company:
        click.show_sheet(port, SETTINGS, row=_settings_row("company"))
        click.say("Fill in the Company on the Settings sheet (the company file, or the QuickBooks Online realm "
                  "ID), then click Set Up Sync again.")
        return
    first = not read_state(port).sync_count
    with click.quickbooks():
        paired = engine.setup(port, connector=settings.connector, company=settings.company,
                              vendors=VENDOR in settings.kinds, inactive=settings.include_inactive)
        summary = engine.sync(port, progress=click.progress())[0] if first else None
    if summary is None:
        click.say(f"{excel_wording(paired)}\n\nThe settings are fine. Click Sync to sync.")
        return
    click.say(f"{excel_wording(paired)}\n\n{summary_text(summary)}", problem=summary.outcome.endswith("failed"))


def sync(click: Click) -> None:
    """Sync both ways; a refusal the bookkeeper may override is asked about."""
    port = _needs_sheets(click)
    _check_company(click, port)

    def run(force: bool) -> tuple[Summary, object]:
        with click.quickbooks():
            return engine.sync(port, force=force, progress=click.progress())

    result = click.or_anyway(run, "Sync anyway?")
    if result is not None:
        summary = result[0]
        click.say(summary_text(summary), problem=summary.outcome.endswith("failed"))


def undo(click: Click) -> None:
    """Undo the last sync, after saying which one; when that sync wrote to QuickBooks, ask whether to put
    QuickBooks back too (only records nobody has changed there since)."""
    port = _needs_sheets(click)
    backups = backup_sheets(port)
    wrote = False
    if backups:
        backup = read_backup(port, backups[-1][1])
        wrote = bool(backup.writes or backup.remote_done)
        also = (" You will be asked next whether to put QuickBooks back too." if wrote
                else " That sync changed nothing in QuickBooks.")
        if not click.confirm(f"Undo the sync of {backup.when}? Contacts, the Review sheet and the sync state go "
                             f"back to how they were before it.{also}"):
            return
    in_quickbooks = _ask_about_quickbooks(click, port) if wrote else False
    if in_quickbooks is None:
        return

    def run(force: bool) -> Summary:
        if not in_quickbooks:
            return engine.undo(port, force=force)
        with click.quickbooks():
            return engine.undo(port, force=force, quickbooks=True, progress=click.progress())

    summary = click.or_anyway(run, "Undo anyway? Edits made since that sync to those rows will be lost.")
    if summary is not None:
        click.say(summary_text(summary), problem=summary.outcome.endswith("failed"))


def _ask_about_quickbooks(click: Click, port: LiveWorkbook) -> bool | None:
    """Ask "Also put QuickBooks back? N ... M ..." from the undo plan (QuickBooks is read, nothing written).
    When QuickBooks cannot be put back (not reachable, an older backup, a one-way connector), say why and ask
    whether to undo the workbook only. None: the bookkeeper cancelled."""
    try:
        with click.quickbooks():
            plan = undo_plan(port, force=True)  # edits made since are asked about by the undo itself
    except CustmgrError as err:
        if click.confirm(f"{excel_wording(str(err))}\n\nQuickBooks cannot be put back now. Undo only the workbook "
                         "(QuickBooks keeps that sync's changes)?"):
            return False
        return None
    if not plan.to_undo:
        return False
    return click.ask(plan.question())


def review(click: Click) -> None:
    port = click.port()
    _show(click, port, REVIEW, "This workbook has no Review sheet. Click Set Up Sync to add the Customer Manager "
                               "sheets (or restore the Review sheet from a copy).")
    if not read_decisions(port):
        click.say("Nothing to review: every conflict and question has been settled.")


def sync_log(click: Click) -> None:
    port = click.port()
    row = max(len(port.read(LOG)), 1) if LOG in port.sheet_names() else None
    _show(click, port, LOG, "This workbook has no Sync Log yet: it starts with the first sync.", row)


def settings(click: Click) -> None:
    _show(click, click.port(), SETTINGS, "This workbook has no Settings sheet. Click Set Up Sync to add the "
                                         "Customer Manager sheets.")


def _show(click: Click, port: LiveWorkbook, sheet: str, missing: str, row: int | None = None) -> None:
    if click.show_sheet(port, sheet, row):
        return
    if sheet in port.sheet_names():
        raise CustmgrError(f"The {sheet} sheet is hidden: unhide it (right-click a sheet tab > Unhide), then "
                           "click the button again.")
    raise CustmgrError(missing)


def help_(click: Click) -> None:
    click.say("\n".join([f"Customer Manager {__version__} (xlwings {xlwings_version()})", "",
                         _workbook_line(click), "", *(f"{c.label}: {c.does}" for c in COMMANDS.values()), "",
                         f"Log file: {click.log_path}",
                         f"Guide (install, buttons, troubleshooting): {guide_path()}"]))


def _workbook_line(click: Click) -> str:
    port = click.port()
    if not is_laid_out(port):
        return f"{port.label} has no Customer Manager sheets yet: click Set Up Sync."
    try:
        info = engine.status(port)
    except CustmgrError as err:
        return f"{port.label}: {excel_wording(str(err))}"
    if not info["syncs"]:
        return f"{port.label} is not synced yet: fill in Settings and click Set Up Sync."
    return (f"{port.label} is paired with {info['paired_with']!r} ({info['connector']}). Last sync "
            f"{info['last_sync']}; {info['contacts']} contacts; {info['conflicts_open']} conflicts and "
            f"{info['decisions_open']} other decisions to review.")


def _needs_sheets(click: Click) -> LiveWorkbook:
    """The workbook, if it can keep a sync and has the Customer Manager sheets."""
    port = click.port()
    port.check_can_save()
    if not is_laid_out(port):
        raise CustmgrError(f"{port.label} has no Customer Manager sheets yet: click Set Up Sync first.")
    return port


def _settings_row(key: str) -> int:
    return 2 + [s.key for s in load_layout().settings].index(key)


#: Excel keeps 15 significant digits of a number; QuickBooks Online realm IDs have 16 or more.
EXCEL_DIGITS = 15


def _check_company(click: Click, port: LiveWorkbook) -> None:
    """Refuse a Company typed as a number longer than Excel keeps (a realm ID that lost its last digits),
    before QuickBooks is asked about a company that is not the bookkeeper's; the cell is made Text for the
    retyping."""
    row = _settings_row("company")
    grid = port.read(SETTINGS) if SETTINGS in port.sheet_names() else []
    value = grid[row - 1][1] if len(grid) >= row and len(grid[row - 1]) > 1 else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        return
    digits = str(int(value))
    if len(digits) <= EXCEL_DIGITS:
        return
    click.book.sheets[SETTINGS].range((row, 2)).number_format = "@"
    raise CustmgrError(f"sheet Settings, row {row}, column Value: the Company was typed as a number, and Excel "
                       f"keeps only {EXCEL_DIGITS} digits of a number, so it now reads {digits}: a QuickBooks "
                       "Online realm ID longer than that has lost its last digits. Type the realm ID again (the "
                       "cell now keeps what is typed as text), then click the button again. Nothing was changed.")


def xlwings_version() -> str:
    try:
        return importlib.metadata.version("xlwings")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


COMMANDS: dict[str, Command] = {
    "setup": Command("Set Up Sync", "adds the Customer Manager sheets, checks the Settings sheet by opening the "
                     "company, and imports its contacts the first time.", set_up),
    "sync": Command("Sync", "sends this workbook's changes to QuickBooks and brings QuickBooks' changes here; "
                    "conflicts go to the Review sheet.", sync),
    "undo": Command("Undo Last Sync", "puts contacts, Review and the sync state back as they were before the "
                    "last sync; when that sync changed QuickBooks, asks whether to put QuickBooks back too (records "
                    "changed there since are left alone).", undo),
    "review": Command("Review Conflicts", "opens the Review sheet: mark Accept Left or Accept Right, then Sync.",
                      review),
    "log": Command("Sync Log", "opens the Sync Log at its latest row.", sync_log),
    "settings": Command("Settings", "opens the Settings sheet: connector, company, what to sync, policies.",
                        settings),
    "help": Command("Help", "this message.", help_),
}
