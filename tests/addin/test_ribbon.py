"""The ribbon's buttons on the xlwings double: each does its job on the calling workbook, asks before what
cannot be taken back, and every problem reaches the bookkeeper as a plain message (the details in the log),
never as a traceback."""

from __future__ import annotations

import os
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from custmgr import sync as engine
from custmgr.company import SandboxCompany, create_company
from custmgr.errors import CustmgrError
from custmgr.layout import load_layout
from custmgr.settings import read_settings
from custmgr_excel import commands, ribbon
from custmgr_excel.feedback import status_progress
from custmgr_excel.logs import mask_secrets

from .conftest import live, native_for
from .excel import Excel, xlwings_book
from .excel import Workbook as Book


@pytest.fixture(autouse=True)
def log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CUSTMGR_LOG_DIR", str(tmp_path / "logs"))
    return tmp_path / "logs" / "custmgr-excel.log"


@pytest.fixture(autouse=True)
def no_command_line_talk(excel: Excel) -> Iterator[None]:
    """Whatever a test does, no message box shows a traceback, or a command-line hint for what Excel does with
    a button or a question."""
    yield
    for alert in excel.alerts:
        for text in ("Traceback", "--force", "`custmgr new`", "custmgr setup BOOK", "--map"):
            assert text not in alert["prompt"], alert["prompt"]
        assert alert["title"] == "Customer Manager"


def click(book: Book, tag: str, *answers: str) -> str:
    """Press a button (answering the questions it asks); returns the last message shown."""
    book.excel.answers = list(answers)
    before = len(book.excel.alerts)
    ribbon.run(tag, xlwings_book(book), native_for(book.excel))
    assert not book.excel.answers, "a question was expected but not asked"
    return book.excel.alerts[-1]["prompt"] if len(book.excel.alerts) > before else ""


def setting_row(key: str) -> int:
    return 2 + [s.key for s in load_layout().settings].index(key)


def fill_setting(book: Book, key: str, value: str) -> None:
    book.sheet("Settings").typed([[value]], row=setting_row(key), column=2)


@pytest.fixture(scope="module")
def company_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("company") / "company.qbsandbox"
    create_company(path, name="Test Co", size=30)
    return path


@pytest.fixture
def company(tmp_path: Path, company_file: Path) -> Path:
    """A fresh copy of one sandbox company (making one takes longer than copying it)."""
    return Path(shutil.copyfile(company_file, tmp_path / company_file.name))


@pytest.fixture
def synced(book: Book, company: Path) -> Book:
    """A workbook set up with the company and synced once (the import)."""
    click(book, "setup")
    fill_setting(book, "company", company.name)
    assert "imported from QuickBooks" in click(book, "setup")
    book.excel.alerts.clear()
    return book


def contacts(book: Book) -> list[list[object]]:
    return book.sheet("Contacts").grid()


# ---------------------------------------------------------------------------------------------- Set Up Sync


def test_set_up_in_a_blank_workbook_lays_out_the_sheets(book: Book) -> None:
    message = click(book, "setup")
    assert book.sheet_names() == ["Contacts", "Review", "Sync Log", "Sync Changes", "Settings"]
    assert book.active.name == "Settings" and "Settings sheet" in message
    assert book.sheet("Contacts").frozen_rows == 1 and book.saves == 1
    assert [t.name for t in book.sheet("Contacts").tables] == ["Contacts"]


def test_set_up_keeps_the_sheets_of_a_workbook_in_use(book: Book) -> None:
    book.sheet("Sheet1").typed([["my notes"]])
    click(book, "setup")
    assert book.sheet_names()[0] == "Sheet1" and book.sheet("Sheet1").grid() == [["my notes"]]


CLIENTS = [["Customer Name", "Tel", "E-mail", "Zip code", "Birthday card?"],
           ["Harbor Dental", "'(617) 555-0101", "front@harbor.example", "'02134", "Yes"],
           ["obriens bakery", "'(617) 555-0102", None, "'02135", "No"]]


def test_set_up_adopts_the_bookkeepers_own_list(book: Book, company: Path) -> None:
    clients = book.sheet("Sheet1")
    clients.rename("Clients")
    clients.typed(CLIENTS)
    message = click(book, "setup")
    assert "Adopted the contact list on sheet 'Clients' (2 rows)" in message and "'Tel' -> Phone" in message
    assert "'Birthday card?'" in message and "Set Up Sync again" in message and book.active.name == "Settings"
    assert book.sheet_names()[0] == "Clients" and "Contacts" not in book.sheet_names()
    grid = clients.grid()
    assert [row[:5] for row in grid] == [[*CLIENTS[0]], *[[str(v).lstrip("'") if v else v for v in r]
                                                          for r in CLIENTS[1:]]]
    assert grid[0][5:] == ["Row ID", "Sync Status"]
    fill_setting(book, "company", company.name)
    message = click(book, "setup")
    assert "imported from QuickBooks" in message
    grid = clients.grid()
    assert [row[:5] for row in grid[:3]] == [[*CLIENTS[0]], *[[str(v).lstrip("'") if v else v for v in r]
                                                              for r in CLIENTS[1:]]]
    assert len(grid) > 20  # QuickBooks' contacts came in below the bookkeeper's own rows


def test_set_up_adopts_a_list_below_a_title_and_leaves_the_title_alone(book: Book, company: Path) -> None:
    clients = book.sheet("Sheet1")
    clients.rename("Clients")
    title = [["Clients 2026", None, None, None, None], [None, None, None, None, None]]
    clients.typed([*title, *CLIENTS])
    message = click(book, "setup")
    assert "(2 rows, headers in row 3)" in message
    settings = book.sheet("Settings").grid()
    assert [str(v) for v in settings[setting_row("header_row") - 1][:2]] == ["Header row", "3"]
    assert clients.grid()[2][5:] == ["Row ID", "Sync Status"]
    fill_setting(book, "company", company.name)
    assert "imported from QuickBooks" in click(book, "setup")
    grid = clients.grid()
    assert [row[:5] for row in grid[:3]] == [*title, CLIENTS[0]]  # the title rows as they were
    assert grid[3][0] == "Harbor Dental" and len(grid) > 20


def test_a_merged_title_above_the_list_does_not_stop_a_sync(book: Book, company: Path) -> None:
    """Merged cells are refused where rows move, not in the title rows the header row keeps as they are."""
    clients = book.sheet("Sheet1")
    clients.rename("Clients")
    clients.typed([["Clients 2026", None, None, None, None], [None] * 5, *CLIENTS])
    clients.merge(1, 1, 1, 5)
    click(book, "setup")
    fill_setting(book, "company", company.name)
    assert "imported from QuickBooks" in click(book, "setup")
    assert "Sync" in click(book, "sync")
    assert clients.merge_cells(1, 1, 1, 5) is True and clients.grid()[0][0] == "Clients 2026"


REALM = "9130347596142766"  # a QuickBooks Online realm ID: 16 digits, one more than Excel keeps of a number


def test_a_realm_id_typed_in_settings_keeps_every_digit(book: Book) -> None:
    click(book, "setup")
    settings = book.sheet("Settings")
    assert settings.number_format(setting_row("company"), 2) == "@"
    fill_setting(book, "company", REALM)
    assert settings.grid()[setting_row("company") - 1][1] == REALM
    assert read_settings(live(book)).company == REALM


def test_an_adopted_list_s_settings_keep_a_realm_id_too(book: Book) -> None:
    book.sheet("Sheet1").typed(CLIENTS)
    click(book, "setup")
    assert book.sheet("Settings").number_format(setting_row("company"), 2) == "@"


@pytest.mark.parametrize("tag", ["setup", "sync"])
def test_a_realm_id_excel_turned_into_a_number_is_refused_before_quickbooks(synced: Book, tag: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A workbook laid out before the cell was Text: the realm ID was typed as a number and lost a digit."""
    def no_quickbooks(*args: object, **kwargs: object) -> None:
        raise AssertionError("QuickBooks was contacted")

    monkeypatch.setattr(engine, "sync", no_quickbooks)
    monkeypatch.setattr(engine, "setup", no_quickbooks)
    settings = synced.sheet("Settings")
    row = setting_row("company")
    settings.set_number_format(row, 2, row, 2, "General")
    fill_setting(synced, "company", REALM)
    message = click(synced, tag)
    assert message.startswith(f"sheet Settings, row {row}, column Value: the Company was typed as a number")
    assert "now reads 9130347596142770" in message and "Type the realm ID again" in message
    assert settings.number_format(row, 2) == "@"
    fill_setting(synced, "company", REALM)
    assert read_settings(live(synced)).company == REALM


def test_set_up_without_a_company_points_at_it(book: Book) -> None:
    click(book, "setup")
    message = click(book, "setup")
    assert "Fill in the Company on the Settings sheet" in message
    assert book.sheet("Settings").selection == (setting_row("company"), 1)


def test_set_up_checks_the_company_before_importing(book: Book, tmp_path: Path) -> None:
    click(book, "setup")
    fill_setting(book, "company", "missing.qbsandbox")
    message = click(book, "setup")
    assert "missing.qbsandbox" in message and book.excel.alerts[-1]["mode"] == "critical"
    assert contacts(book) == [contacts(book)[0]] and "_cm_pair" not in book.sheet_names()


def test_set_up_imports_the_first_time_and_checks_after(synced: Book, company: Path) -> None:
    assert len(contacts(synced)) > 20
    message = click(synced, "setup")
    assert "Paired contacts.xlsx with 'Test Co'" in message and "Click Sync to sync." in message
    assert "imported" not in message


def test_a_bad_setting_is_named_with_its_row(synced: Book) -> None:
    fill_setting(synced, "conflict_default", "Maybe")
    message = click(synced, "sync")
    assert message.startswith(f"sheet Settings, row {setting_row('conflict_default')}, column Value: ")
    assert "'Maybe'" in message


def test_a_company_named_relative_to_the_workbook_is_found_from_its_folder(synced: Book) -> None:
    here = os.getcwd()
    assert click(synced, "sync").endswith("nothing to do")
    assert os.getcwd() == here


# ---------------------------------------------------------------------------------------------- Sync


def test_sync_shows_progress_then_the_summary(synced: Book, company: Path) -> None:
    with SandboxCompany(company) as qb:
        name = qb.records()[0].values["name"]
        qb.edit(name, {"phone": "(415) 555-0199"})
    synced.excel.status_history.clear()
    message = click(synced, "sync")
    assert message.startswith("Sync with Test Co: ok") and "1 changes received from QuickBooks" in message
    history = synced.excel.status_history
    assert history[0] == "Customer Manager: Sync…" and history[-1] is False
    assert any(re.fullmatch(r"Customer Manager: Reading QuickBooks… [\d,]+ of [\d,]+", str(h)) for h in history)


def test_sync_shows_each_phase_and_counts_what_it_sends(synced: Book) -> None:
    phone = contacts(synced)[0].index("Phone") + 1
    synced.sheet("Contacts").typed([["'(617) 555-0100"]], row=2, column=phone)
    synced.excel.status_history.clear()
    assert "1 changes sent to QuickBooks" in click(synced, "sync")
    shown = [str(h) for h in synced.excel.status_history]
    for phase in ("Reading the workbook…", "Asking QuickBooks for its contacts…", "Saving the workbook…"):
        assert f"Customer Manager: {phase}" in shown
    assert "Customer Manager: Sending changes to QuickBooks… 0 of 1" in shown
    assert "Customer Manager: Sending changes to QuickBooks… 1 of 1" in shown


def test_the_sheet_the_bookkeeper_was_on_stays_active(synced: Book) -> None:
    synced.sheet("Contacts").activate()
    click(synced, "sync")
    assert synced.active.name == "Contacts"
    assert any(name.startswith("_cm_backup_") for name in synced.sheet_names())


def test_a_sync_refused_for_safety_is_done_only_when_the_bookkeeper_says_so(synced: Book) -> None:
    header = contacts(synced)[0]
    synced.sheet("Contacts").cells = {k: v for k, v in synced.sheet("Contacts").cells.items() if k[0] == 1}
    message = click(synced, "sync", "no")
    question = synced.excel.alerts[-1]
    assert question["buttons"] == "yes_no" and "would ask to make them all inactive" in question["prompt"]
    assert question["prompt"].endswith("sync anyway. Nothing was changed.\n\nSync anyway?")
    assert message == question["prompt"]
    assert contacts(synced) == [header]
    message = click(synced, "sync", "yes")
    assert "decisions to review" in message


def test_a_workbook_paired_with_another_company_is_refused(synced: Book, tmp_path: Path) -> None:
    create_company(tmp_path / "other.qbsandbox", name="Other Co")
    fill_setting(synced, "company", "other.qbsandbox")
    message = click(synced, "sync")
    assert "paired with the QuickBooks company 'Test Co'" in message and "Set Up Sync in a blank one" in message


@pytest.mark.parametrize("sheet", ["Settings", "Contacts"])
def test_a_missing_sheet_is_named(synced: Book, sheet: str) -> None:
    synced.sheets.remove(synced.sheet(sheet))
    message = click(synced, "sync")
    assert f"sheet {sheet}: the {sheet} sheet is missing" in message
    assert "Set Up Sync" in message


def test_sync_before_the_company_is_set_up(book: Book) -> None:
    click(book, "setup")
    message = click(book, "sync")
    assert message == ("No QuickBooks company is set up for this workbook. Choose the Connector and fill in the "
                       "Company on the Settings sheet, then click Set Up Sync.")


# ---------------------------------------------------------------------------------------------- Undo


def test_undo_asks_first_and_cancel_changes_nothing(synced: Book) -> None:
    before = contacts(synced)
    assert click(synced, "undo", "cancel").startswith("Undo the sync of ")
    assert synced.excel.alerts[-1]["buttons"] == "ok_cancel"
    assert contacts(synced) == before


def test_undo_takes_back_the_last_sync(synced: Book) -> None:
    message = click(synced, "undo", "ok")
    assert message.startswith("Undo with Test Co: ok") and "QuickBooks" in message
    assert contacts(synced) == [contacts(synced)[0]]


def test_undo_over_later_edits_is_done_only_when_the_bookkeeper_says_so(synced: Book) -> None:
    phone = contacts(synced)[0].index("Phone") + 1
    synced.sheet("Contacts").typed([["'(617) 555-0100"]], row=2, column=phone)
    message = click(synced, "undo", "ok", "no")
    assert "this row was edited after the sync being undone" in message and message.endswith("Undo anyway? Edits "
                                                                                              "made since that sync "
                                                                                              "to those rows will be "
                                                                                              "lost.")
    assert len(contacts(synced)) > 20
    click(synced, "undo", "ok", "yes")
    assert len(contacts(synced)) == 1


def phone_synced_to_quickbooks(book: Book, company: Path, *rows: int) -> tuple[list[str], list[list[object]]]:
    """Type a new phone on Contacts ``rows`` and sync it to QuickBooks: the contacts' names, and Contacts as it
    was right before that sync (what Undo Last Sync puts back)."""
    header = contacts(book)[0]
    phone, name = header.index("Phone") + 1, header.index("Name")
    names = []
    for i, row in enumerate(rows):
        book.sheet("Contacts").typed([[f"'(617) 555-01{i:02d}"]], row=row, column=phone)
        names.append(str(contacts(book)[row - 1][name]))
    typed = contacts(book)
    assert f"{len(rows)} changes sent to QuickBooks" in click(book, "sync")
    assert all(quickbooks_phone(company, n).startswith("(617) 555-01") for n in names)
    return names, typed


def quickbooks_phone(company: Path, name: str) -> str:
    with SandboxCompany(company) as store:
        return next(r.values.get("phone", "") for r in store.records() if r.values["name"] == name)


def test_undo_asks_whether_to_put_quickbooks_back_and_does(synced: Book, company: Path) -> None:
    imported = contacts(synced)
    (name,), before = phone_synced_to_quickbooks(synced, company, 2)
    old = next(str(r[imported[0].index("Phone")] or "") for r in imported if r[imported[0].index("Name")] == name)
    message = click(synced, "undo", "ok", "yes")
    asked = synced.excel.alerts[-2]
    assert asked["buttons"] == "yes_no" and asked["prompt"].startswith("Also put QuickBooks back? 1 change can be "
                                                                       "undone there; 0 records were changed")
    assert "Undo with Test Co" in message and quickbooks_phone(company, name) == old
    assert contacts(synced) == before


def test_undo_in_quickbooks_shows_each_phase_and_counts_what_it_puts_back(synced: Book, company: Path) -> None:
    """Excel waits while Python runs: Undo that writes to QuickBooks says what it is doing, counting the changes
    (each one answered also tells the watchdog the click is alive)."""
    phone_synced_to_quickbooks(synced, company, 2, 3)
    synced.excel.status_history.clear()
    click(synced, "undo", "ok", "yes")
    shown = [str(h) for h in synced.excel.status_history]
    for phase in ("Asking QuickBooks what changed since that sync…", "Saving the workbook…"):
        assert f"Customer Manager: {phase}" in shown
    assert "Customer Manager: Putting QuickBooks back… 0 of 2" in shown
    assert "Customer Manager: Putting QuickBooks back… 2 of 2" in shown


def test_undo_can_leave_quickbooks_as_it_is(synced: Book, company: Path) -> None:
    (name,), before = phone_synced_to_quickbooks(synced, company, 2)
    message = click(synced, "undo", "ok", "no")
    assert "QuickBooks was NOT changed back" in message and quickbooks_phone(company, name) == "(617) 555-0100"
    assert contacts(synced) == before


def test_undo_counts_records_changed_in_quickbooks_since(synced: Book, company: Path) -> None:
    (first, second), _ = phone_synced_to_quickbooks(synced, company, 2, 3)
    with SandboxCompany(company) as store:
        store.edit(second, {"notes": "called today"})
    click(synced, "undo", "ok", "yes")
    asked = next(a["prompt"] for a in synced.excel.alerts if a["prompt"].startswith("Also put QuickBooks back?"))
    assert "1 change can be undone there; 1 record was changed in QuickBooks since" in asked
    assert quickbooks_phone(company, first) != "(617) 555-0100"  # put back
    assert quickbooks_phone(company, second) == "(617) 555-0101"  # changed since: left alone


def test_undo_when_quickbooks_cannot_be_reached_asks_before_undoing_the_workbook_only(synced: Book,
                                                                                      company: Path) -> None:
    (name,), before = phone_synced_to_quickbooks(synced, company, 2)
    after = contacts(synced)
    hidden = company.rename(company.with_suffix(".away"))
    assert "Undo only the workbook" in click(synced, "undo", "ok", "cancel")
    assert contacts(synced) == after  # cancelled: nothing undone
    message = click(synced, "undo", "ok", "ok")
    assert "QuickBooks was NOT changed back" in message and contacts(synced) == before
    hidden.rename(company)
    assert quickbooks_phone(company, name) == "(617) 555-0100"


def test_undo_with_nothing_to_undo_says_so(book: Book) -> None:
    click(book, "setup")
    assert click(book, "undo").startswith("There is no sync to undo")


# ---------------------------------------------------------------------------------------------- the sheets


def test_review_log_and_settings_show_their_sheets(synced: Book) -> None:
    assert click(synced, "review") == "Nothing to review: every conflict and question has been settled."
    assert synced.active.name == "Review"
    assert click(synced, "log") == "" and synced.active.name == "Sync Log"
    assert synced.sheet("Sync Log").selection == (len(synced.sheet("Sync Log").grid()), 1)
    assert click(synced, "settings") == "" and synced.active.name == "Settings"


def test_review_with_open_decisions_just_shows_them(synced: Book) -> None:
    synced.sheet("Contacts").typed([["New Row Ltd"]], row=len(contacts(synced)) + 1, column=2)
    click(synced, "sync")
    assert click(synced, "review") == "" and synced.active.name == "Review"


@pytest.mark.parametrize("tag", ["sync", "undo", "review", "log", "settings"])
def test_buttons_in_a_workbook_without_the_sheets_say_what_to_do(book: Book, tag: str) -> None:
    message = click(book, tag)
    assert "Set Up Sync" in message or "first sync" in message
    assert book.sheet_names() == ["Sheet1"] and book.saves == 0


def test_help_describes_the_workbook_the_buttons_and_the_log(synced: Book, log_file: Path) -> None:
    message = click(synced, "help")
    assert "contacts.xlsx is paired with 'Test Co' (sandbox)" in message
    for command in commands.COMMANDS.values():
        assert f"{command.label}: " in message
    assert str(log_file) in message and "xlwings 0." in message
    assert "asks whether to put QuickBooks back too" in message  # Undo Last Sync can, since it asks first


# ---------------------------------------------------------------------------------------------- problems


def test_an_unexpected_error_is_a_plain_message_and_a_logged_traceback(
        synced: Book, log_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(engine, "sync", broken)
    message = click(synced, "sync")
    assert message.startswith("Customer Manager stopped on an unexpected error (ZeroDivisionError: division by zero)")
    assert str(log_file) in message
    log = log_file.read_text()
    assert "sync: failed" in log and "Traceback" in log and "ZeroDivisionError" in log
    assert synced.excel.status_history[-1] is False


def test_when_excel_cannot_show_a_message_it_goes_to_stderr(book: Book, capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    book.excel.fail_alerts = True
    with pytest.raises(SystemExit) as stopped:
        ribbon.run("sync", xlwings_book(book), native_for(book.excel))
    assert stopped.value.code == 1
    assert capsys.readouterr().err == "contacts.xlsx has no Customer Manager sheets yet: click Set Up Sync first.\n"


def test_an_unknown_button_is_a_message(book: Book) -> None:
    assert "'bogus', which this Customer Manager does not know" in click(book, "bogus")


def test_an_old_xlwings_is_named(book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ribbon, "xlwings_version", lambda: "0.30.10")
    message = click(book, "help")
    assert "needs xlwings 0.37.5 or later (this Python has 0.30.10)" in message


def test_warnings_go_to_the_log_not_to_stderr(synced: Book, log_file: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    real = engine.status

    def noisy(*args: object, **kwargs: object) -> object:
        warnings.warn("something is deprecated", DeprecationWarning, stacklevel=1)
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "status", noisy)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        click(synced, "help")
    assert capsys.readouterr().err == ""
    assert "something is deprecated" in log_file.read_text()


def test_the_log_masks_anything_that_looks_like_a_secret(book: Book, log_file: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def leaky(click: object) -> None:
        raise CustmgrError("sign-in failed: refresh_token=AB12cd34 and Authorization: Bearer eyJ0eXAi.x-y")

    monkeypatch.setitem(commands.COMMANDS, "sync", commands.Command("Sync", "", leaky))
    click(book, "sync")
    log = log_file.read_text()
    assert "AB12cd34" not in log and "eyJ0eXAi" not in log and "refresh_token=***" in log and "Bearer ***" in log


def test_mask_secrets() -> None:
    assert mask_secrets('password="hunter 2"; token: abc, client_secret=xyz') == \
        'password=***; token: ***, client_secret=***'
    assert mask_secrets("a phone 555-0100 and a name") == "a phone 555-0100 and a name"


def test_progress_shows_counts_a_bounded_number_of_times(book: Book) -> None:
    beats = []
    progress = status_progress(xlwings_book(book).app, lambda: beats.append(1))
    progress.start("Reading QuickBooks", 14_500)
    for _ in range(14_500 // 50):
        progress.advance(50)
    progress.done()
    history = book.excel.status_history
    assert history[0] == "Customer Manager: Reading QuickBooks… 0 of 14,500"
    assert "Customer Manager: Reading QuickBooks… 1,450 of 14,500" in history
    assert len(history) == 11 and history[-1] == "Customer Manager: Reading QuickBooks… 14,500 of 14,500"
    assert len(beats) == 14_500 // 50 + 2  # every step keeps the QuickBooks watchdog fed


def test_a_hidden_sheet_is_named_as_hidden(synced: Book) -> None:
    synced.sheet("Review").set_visibility("hidden")
    assert click(synced, "review").startswith("The Review sheet is hidden: unhide it")


def test_a_workbook_excel_cannot_reach_is_a_plain_message_on_stderr(capsys: pytest.CaptureFixture[str],
                                                                    log_file: Path) -> None:
    class Gone:
        @property
        def app(self) -> object:
            raise ConnectionError("the remote procedure call failed")

    with pytest.raises(SystemExit):
        ribbon.run("sync", Gone())
    err = capsys.readouterr().err
    assert err.startswith("Customer Manager could not reach the workbook in Excel (the remote procedure call "
                          "failed).") and "Traceback" not in err and str(log_file) in err


# ------------------------------------------------------------------------------- workbooks that cannot keep a sync


@pytest.fixture
def cloud(excel: Excel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Book:
    """A workbook opened from a SharePoint library that is not synced to this computer."""
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    for variable in ("OneDrive", "OneDriveConsumer", "OneDriveCommercial"):
        monkeypatch.delenv(variable, raising=False)
    return excel.open("contacts.xlsx", url="https://contoso.sharepoint.com/sites/Books/Shared Documents")


@pytest.mark.parametrize("tag", ["setup", "sync", "undo"])
def test_a_cloud_workbook_is_refused_before_quickbooks_is_contacted(cloud: Book, tag: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    def no_quickbooks(*args: object, **kwargs: object) -> None:
        raise AssertionError("QuickBooks was contacted")

    monkeypatch.setattr(engine, "sync", no_quickbooks)
    monkeypatch.setattr(engine, "setup", no_quickbooks)
    message = click(cloud, tag)
    assert "kept online" in message and "no copy on this computer" in message and "unexpected" not in message
    assert cloud.sheet_names() == ["Sheet1"] and cloud.saves == 0


def test_help_and_the_sheet_buttons_work_in_a_cloud_workbook(cloud: Book) -> None:
    assert "has no Customer Manager sheets yet" in click(cloud, "help")
    assert "Click Set Up Sync" in click(cloud, "settings")
    assert "unexpected" not in " ".join(a["prompt"] for a in cloud.excel.alerts)


def test_a_read_only_workbook_is_refused_before_quickbooks_is_contacted(excel: Excel, tmp_path: Path,
                                                                       company: Path) -> None:
    book = excel.open("contacts.xlsx", tmp_path)
    click(book, "setup")
    fill_setting(book, "company", company.name)
    book.read_only = True
    before = contacts(book)
    assert "open read-only" in click(book, "setup")
    assert contacts(book) == before and "_cm_pair" not in book.sheet_names()
    with SandboxCompany(company) as qb:
        assert not any(r.values.get("custmgr_link") for r in qb.records())


def test_a_workbook_never_saved_is_asked_to_be_saved_first(excel: Excel) -> None:
    book = excel.open("Book1")
    assert "Book1 has never been saved" in click(book, "setup")
    assert book.sheet_names() == ["Sheet1"]


def test_a_second_click_while_one_runs_is_refused(synced: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    """Excel for Mac does not wait for RunPython: a second click would run a second sync on the same book."""
    from custmgr_excel import guards

    seen = []

    def second_click(*args: object, **kwargs: object) -> object:
        seen.append(click(synced, "sync"))
        raise CustmgrError("first sync stopped here")

    monkeypatch.setattr(engine, "sync", second_click)
    click(synced, "sync")
    assert seen and "still working on contacts.xlsx" in seen[0]
    assert not guards.lock_path(str(synced.folder / synced.name)).exists()  # released after the first


def test_a_click_running_in_another_python_refuses_a_second(synced: Book) -> None:
    """As on a Mac, where each click is a Python of its own: the lock names a process that is still running."""
    import subprocess
    import sys

    from custmgr_excel import guards

    lock = guards.lock_path(str(synced.folder / synced.name))
    lock.parent.mkdir(parents=True, exist_ok=True)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lock.write_text(str(other.pid))
        assert "still working on contacts.xlsx" in click(synced, "sync")
        assert lock.read_text() == str(other.pid)  # the other click's lock is left to it
    finally:
        other.kill()
        other.wait()
        lock.unlink(missing_ok=True)


def test_a_lock_left_by_a_python_that_is_gone_is_taken_over(synced: Book) -> None:
    from custmgr_excel import guards

    lock = guards.lock_path(str(synced.folder / synced.name))
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("999999999")
    assert click(synced, "sync").endswith("nothing to do")
    assert not lock.exists()


def test_a_hung_quickbooks_stops_the_click_with_a_message(synced: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from custmgr_excel import session

    stopped: list[str] = []
    release = threading.Event()

    def hang(*args: object, **kwargs: object) -> None:
        release.wait(10)
        raise CustmgrError("QuickBooks answered at last")

    def expire(message: str) -> None:
        stopped.append(message)
        release.set()

    monkeypatch.setenv("CUSTMGR_QUICKBOOKS_TIMEOUT", "0.2")
    monkeypatch.setattr(engine, "sync", hang)
    monkeypatch.setattr(session.Click, "expire", property(lambda self: expire, lambda self, value: None))
    before = contacts(synced)
    click(synced, "sync")
    assert stopped and stopped[0].startswith("QuickBooks has not answered for 0.2 seconds")
    assert "Nothing was changed in this workbook" in stopped[0]
    assert contacts(synced) == before
