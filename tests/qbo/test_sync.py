"""End to end: a workbook synced with the recorded Intuit sandbox company in the stand-in, through the engine.

First sync (the import), edits on both sides, conflicts, inactive contacts and their "(deleted)" names, new rows
and jobs, undo; and the hard cases, each ending with nothing lost and a clear message: a stale SyncToken, a name
QuickBooks Online already has, a sign-in refreshed or revoked mid-sync, a storm of 429s.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keyring
import pytest
from click.testing import CliRunner

from custmgr import sync as engine
from custmgr.book import create_workbook
from custmgr.cli import main
from custmgr.contact import KINDS, Values
from custmgr.errors import AuthRequired
from custmgr.testing.reference import reference_dir
from custmgr_qbo.connector import QboConnector
from custmgr_qbo.standin import StandIn, StandInCompany
from custmgr_qbo.standin.seed import load_recorded, recorded_folder
from custmgr_qbo.tokens import TokenStore
from workbooks import contacts, edit, find_row, mark, review, set_cells, set_settings, statuses

from .helpers import MemoryKeyring, Sleeps, open_connector, requests_to, sign_in


@dataclass
class Paired:
    """A workbook after its first sync with the recorded company, and the stand-in serving that company."""

    book: Path
    standin: StandIn

    def sync(self, on_open: Callable[[QboConnector], None] | None = None, **options: Any):
        summary, _ = engine.sync(self.book, backoff=0, connector_options={
            **self.standin.options(), "sleep": Sleeps(), "on_open": on_open, **options})
        return summary


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, tuple[Path, StandInCompany]]:
    """The first sync, done once a module (with and without vendors): each test starts from a copy of it."""
    folder = recorded_folder(reference_dir())
    if folder is None:
        pytest.skip("the QuickBooks conformance data is not on this computer: set CUSTMGR_REFERENCE_DIR")
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    server = StandIn()
    load_recorded(server.company, folder)
    out = {}
    try:
        with server:
            sign_in(server)
            for vendors in (True, False):
                book = tmp_path_factory.mktemp("imported") / "contacts.xlsx"
                create_workbook(book)
                engine.setup(book, connector="qbo", company=server.realm, vendors=vendors, options=server.options())
                engine.sync(book, connector_options={"cache_dir": "off"})
                keep_the_does_apart(book)
                engine.sync(book, connector_options={"cache_dir": "off"})
                out[vendors] = (book, server.company.copy())
    finally:
        keyring.set_keyring(previous)
    return out


# Intuit's sample company has both "Jack Doe" and "Doe, Jack" (and Jane): look-alikes a first sync asks about.
DOES = {"Jack Doe": "Doe, Jack", "Jane Doe": "Doe, Jane"}


def keep_the_does_apart(book: Path) -> None:
    """Answer the first sync's two "possible duplicate" questions: two contacts each (Accept Left)."""
    asked = {d.contact: d.right for d in review(book).values() if d.kind == "duplicate"}
    assert set(asked) == set(DOES) and all(DOES[name] in right for name, right in asked.items())
    for name in DOES:
        mark(book, name, "left")


@contextmanager
def paired(imported: dict[bool, tuple[Path, StandInCompany]], tmp_path: Path, *, vendors: bool = True,
           **settings: str) -> Iterator[Paired]:
    template, company = imported[vendors]
    book = tmp_path / "contacts.xlsx"
    shutil.copy(template, book)
    if settings:
        set_settings(book, **settings)
    with StandIn(company.copy()) as server:
        sign_in(server)
        yield Paired(book, server)


@pytest.fixture
def case(imported, tmp_path) -> Iterator[Paired]:
    with paired(imported, tmp_path) as made:
        yield made


def change_rows(book: Path, *, cells: dict[str, dict[str, Any]] | None = None,
                add: list[dict[str, Any]] | None = None, delete: list[str] | None = None) -> None:
    """Several edits in one save, as a bookkeeper makes them in one sitting."""
    def change(ws: Any, header: dict[str, int]) -> None:
        for name, values in (cells or {}).items():
            row = find_row(ws, header, name)
            for col, value in values.items():
                ws.cell(row, header[col]).value = value
        for values in add or []:
            row = ws.max_row + 1
            for col, value in values.items():
                ws.cell(row, header[col]).value = value
        for name in delete or []:
            ws.delete_rows(find_row(ws, header, name))
    edit(book, change)


def remote(standin: StandIn) -> dict[str, Values]:
    """QuickBooks' side by full name, read afresh."""
    with open_connector(standin, cache_dir="off") as connector:
        return {r.values["name"]: dict(r.values) for r in connector.fetch(
            [i.remote_id for i in connector.listing(KINDS)])}


def qb_edit(standin: StandIn, name: str, **props: Any) -> None:
    """Someone changes a contact in QuickBooks Online."""
    kind, qbo_id = standin.company.find(name)
    standin.company.update(kind, {"Id": qbo_id, "sparse": True, **props}, check_token=False)


def before_first_write(action: Callable[[QboConnector], None]) -> Callable[[QboConnector], None]:
    """An ``on_open`` hook doing ``action`` between the sync's reads and its first write."""
    def on_open(connector: QboConnector) -> None:
        original = connector.apply
        done: list[bool] = []

        def apply(changes):
            if not done:
                done.append(True)
                action(connector)
            return original(changes)

        connector.apply = apply  # type: ignore[method-assign]
    return on_open


def assert_no_secret_anywhere(standin: StandIn, ring: MemoryKeyring, *places: Path | str) -> None:
    secrets = {*standin.auth.issued, *ring.secrets(), standin.auth.client_secret}
    for place in places:
        if isinstance(place, Path) and place.suffix == ".xlsx":
            with zipfile.ZipFile(place) as z:
                text = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        elif isinstance(place, Path) and place.is_dir():
            text = "\n".join(p.read_text(encoding="utf-8") for p in place.rglob("*") if p.is_file())
        else:
            text = str(place)
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {place}"


# --- the ordinary flow ----------------------------------------------------------------------------------------


def test_first_sync_imports_the_recorded_company_and_a_second_changes_nothing(craigs, tmp_path):
    book = tmp_path / "contacts.xlsx"
    create_workbook(book)
    said = engine.setup(book, connector="qbo", company=craigs.realm, vendors=True, options=craigs.options())
    assert f"Paired contacts.xlsx with \"Craig's Design and Landscaping Services\" (qbo: {craigs.realm})" in said
    case = Paired(book, craigs)
    summary = case.sync()
    here = contacts(book)
    # "Doe, Jack" and "Doe, Jane" wait for the answer to a possible duplicate question; the rest come in.
    assert summary.outcome == "needs attention" and summary.imported == 41 + 26 - 2 == len(here)
    assert {"Freeman Sporting Goods:0969 Ocean View Road", "Doe, Jack:Jack Doe", "Jack Doe",
            "Amy's Bird Sanctuary", "Bob's Burger Joint", "PG&E"} <= set(here)
    assert "Doe, Jack" not in here and "Doe, Jane" not in here
    assert "United States Treasury" not in here  # inactive: not imported unless asked
    assert here["Amy's Bird Sanctuary"]["email"] == "Birds@Intuit.com"
    assert summary.remote_calls == 3  # company, a page of customers, a page of vendors
    keep_the_does_apart(book)
    answered = case.sync()
    assert answered.outcome == "ok" and answered.imported == 2 and len(contacts(book)) == 41 + 26
    again = case.sync()
    assert again.outcome == "nothing to do" and again.remote_calls == 3
    assert requests_to(craigs, "batch") == 0


def test_edits_on_both_sides_flow_both_ways_and_sends_are_sparse(case):
    book, qbo = case.book, case.standin
    set_cells(book, "Amy's Bird Sanctuary", Phone="(650) 555-0000")
    qb_edit(qbo, "Cool Cars", PrimaryEmailAddr={"Address": "cars@example.com"})
    qb_edit(qbo, "Freeman Sporting Goods", DisplayName="Freeman Sports")
    summary = case.sync()
    assert summary.sent == 1 and summary.received == 4 and summary.outcome == "ok"  # Cool Cars, parent, 2 jobs
    there, here = remote(qbo), contacts(book)
    assert there["Amy's Bird Sanctuary"]["phone"] == "(650) 555-0000"
    assert there["Amy's Bird Sanctuary"]["email"] == "Birds@Intuit.com"  # untouched by the sparse update
    assert here["Cool Cars"]["email"] == "cars@example.com"
    assert {"Freeman Sports", "Freeman Sports:55 Twin Lane", "Freeman Sports:0969 Ocean View Road"} <= set(here)
    assert here == {name: values for name, values in there.items() if name in here}
    assert case.sync().outcome == "nothing to do"


def test_a_conflict_waits_for_the_bookkeeper_then_goes_their_way(case):
    book, qbo = case.book, case.standin
    set_cells(book, "Bill's Windsurf Shop", Phone="(415) 111-1111")
    qb_edit(qbo, "Bill's Windsurf Shop", PrimaryPhone={"FreeFormNumber": "(415) 222-2222"})
    first = case.sync()
    assert first.conflicts_open == 1 and statuses(book)["Bill's Windsurf Shop"].startswith("Conflict")
    assert remote(qbo)["Bill's Windsurf Shop"]["phone"] == "(415) 222-2222"  # nothing decided, nothing sent
    mark(book, "Bill's Windsurf Shop", "left")
    second = case.sync()
    assert second.sent == 1 and second.conflicts_open == 0
    assert remote(qbo)["Bill's Windsurf Shop"]["phone"] == "(415) 111-1111" == \
        contacts(book)["Bill's Windsurf Shop"]["phone"]


def test_made_inactive_reads_back_stable_despite_the_deleted_suffix(imported, tmp_path):
    with paired(imported, tmp_path, delete_policy="Make inactive in QuickBooks") as case:
        check_made_inactive(case)


def check_made_inactive(case: Paired) -> None:
    book, qbo = case.book, case.standin
    change_rows(book, cells={"Dylan Sollfrank": {"Active": "No"}}, delete=["Kate Whelan"])  # no open balances
    summary = case.sync()
    assert summary.made_inactive == 1 and summary.sent == 1
    assert qbo.company.get(*qbo.company.find("Kate Whelan"))["DisplayName"] == "Kate Whelan (deleted)"
    assert qbo.company.get(*qbo.company.find("Dylan Sollfrank"))["DisplayName"] == "Dylan Sollfrank (deleted)"
    assert contacts(book)["Dylan Sollfrank"]["active"] == "No"
    again = case.sync()
    assert again.outcome == "nothing to do", again  # no rename to "(deleted)" seen, nothing pushed back


def test_new_rows_jobs_and_awkward_names_are_added(imported, tmp_path):
    with paired(imported, tmp_path, add_policy="Add to QuickBooks") as case:
        check_new_rows(case)


def check_new_rows(case: Paired) -> None:
    book, qbo = case.book, case.standin
    new = ["Freeman Sporting Goods:New Patio", "O'Brien’s \"Café\" \\ Co", "O'Brien’s \"Café\" \\ Co:Oven Job",
           "&amp; <Tags> Ltd"]
    change_rows(book, add=[*({"Name": name, "Type": "Customer", "Phone": "(555) 010-0000"} for name in new),
                           {"Name": "Smith & Sons Supply", "Type": "Vendor"}])
    summary = case.sync()
    assert summary.added == 5 and summary.failed == 0, statuses(book)
    there = remote(qbo)
    assert set(new) | {"Smith & Sons Supply"} <= set(there)
    job = qbo.company.get(*qbo.company.find("Freeman Sporting Goods:New Patio"))
    assert job["ParentRef"] == {"value": "7"} and job["DisplayName"] == "New Patio"
    assert case.sync().outcome == "nothing to do"


def test_rows_quickbooks_online_would_refuse_stay_with_a_message(imported, tmp_path):
    with paired(imported, tmp_path, add_policy="Add to QuickBooks") as case:
        change_rows(case.book, add=[{"Name": "x" * 501}, {"Name": "Vendor:With Colon", "Type": "Vendor"}])
        summary = case.sync()
        assert summary.added == 0 and summary.errors + summary.failed == 2
        said = statuses(case.book)
        assert "too long for QuickBooks (501 > 500 characters)" in said["x" * 501]
        assert "':'" in said["Vendor:With Colon"]
        assert set(remote(case.standin)).isdisjoint(said)


def test_columns_quickbooks_online_has_no_place_for_stay_in_the_workbook(imported, tmp_path):
    """Job Title and CC Email (and a vendor's notes and ship address) are declared by the connector: the row syncs,
    those cells stay as typed, are never sent nor compared, and the summary says so once."""
    with paired(imported, tmp_path, add_policy="Add to QuickBooks") as case:
        book, qbo = case.book, case.standin
        change_rows(book, add=[{"Name": "Solo", "Job Title": "Owner", "CC Email": "cc@solo.example",
                                "Phone": "(555) 010-0101"},
                               {"Name": "Solo Supply", "Type": "Vendor", "Notes": "net 30", "Ship City": "Reno"}],
                    cells={"Dylan Sollfrank": {"Job Title": "Chef"}})
        summary = case.sync()
        assert summary.added == 2 and summary.errors + summary.failed == 0, statuses(book)
        notes = [m for m in summary.messages if "kept in this workbook only" in m]
        assert notes == ["CC Email, Job Title, Notes (vendors), Ship address (vendors): kept in this workbook only; "
                         "the qbo connector has no place for them in QuickBooks, so they are never sent or "
                         "compared."]
        there = remote(qbo)
        assert there["Solo"]["phone"] == "(555) 010-0101" and "job_title" not in there["Solo"]
        assert "notes" not in there["Solo Supply"] and "ship_city" not in there["Solo Supply"]
        assert contacts(book)["Solo"]["job_title"] == "Owner"
        assert contacts(book)["Solo Supply"]["notes"] == "net 30"
        qb_edit(qbo, "Dylan Sollfrank", PrimaryPhone={"FreeFormNumber": "(650) 555-0123"})
        change_rows(book, cells={"Solo": {"Job Title": "Founder"}})
        again = case.sync()
        assert (again.sent, again.received, again.conflicts_open) == (0, 1, 0), again
        assert contacts(book)["Dylan Sollfrank"]["job_title"] == "Chef"
        assert contacts(book)["Solo"]["job_title"] == "Founder"
        assert case.sync().outcome == "nothing to do"


def test_undo_puts_the_workbook_back_and_quickbooks_keeps_its_values(case):
    book, qbo = case.book, case.standin
    set_cells(book, "Dylan Sollfrank", Phone="(650) 000-0000")
    qb_edit(qbo, "Diego Rodriguez", Notes="from QuickBooks")
    assert case.sync().received == 1
    undone = engine.undo(book)
    assert "NOT changed back" in " ".join(undone.messages)
    assert "notes" not in contacts(book)["Diego Rodriguez"]
    assert contacts(book)["Dylan Sollfrank"]["phone"] == "(650) 000-0000"  # the edit made before that sync
    assert remote(qbo)["Dylan Sollfrank"]["phone"] == "(650) 000-0000"
    after = case.sync()
    assert after.received == 1 and contacts(book)["Diego Rodriguez"]["notes"] == "from QuickBooks"
    assert after.sent == 0  # QuickBooks already has the phone: nothing to send again


# --- the hard cases -------------------------------------------------------------------------------------------


def test_a_stale_sync_token_is_read_again_and_both_edits_survive(case):
    book, qbo = case.book, case.standin
    set_cells(book, "Cool Cars", Phone="(415) 000-0001")
    edit_now = before_first_write(lambda c: qb_edit(qbo, "Cool Cars", Notes="changed meanwhile"))
    summary = case.sync(on_open=edit_now)
    assert summary.sent == 1 and summary.failed == 0
    there = remote(qbo)["Cool Cars"]
    assert there["phone"] == "(415) 000-0001" and there["notes"] == "changed meanwhile"
    assert contacts(book)["Cool Cars"]["notes"] == "changed meanwhile"
    assert requests_to(qbo, "batch") == 2  # refused as stale once, then sent with the new SyncToken


def test_a_name_quickbooks_online_already_has_fails_clearly_and_loses_nothing(imported, tmp_path):
    with paired(imported, tmp_path, vendors=False) as case:  # no vendors in the workbook to warn about
        check_name_in_use(case)


def check_name_in_use(case: Paired) -> None:
    book, qbo = case.book, case.standin
    set_cells(book, "Geeta Kalapatapu", Name="Books by Bessie", Phone="(650) 123-4567")
    summary = case.sync()
    assert summary.failed == 1 and summary.outcome in ("failed", "partly failed")
    status = statuses(book)["Books by Bessie"]
    assert "already used in QuickBooks Online" in status and "Rename" in status
    assert remote(qbo)["Geeta Kalapatapu"].get("phone") != "(650) 123-4567"  # QuickBooks untouched
    assert contacts(book)["Books by Bessie"]["phone"] == "(650) 123-4567"  # the edit is still here
    set_cells(book, "Books by Bessie", Name="Geeta's Books")
    assert case.sync().sent == 1 and remote(qbo)["Geeta's Books"]["phone"] == "(650) 123-4567"


def test_the_sign_in_expiring_mid_sync_is_refreshed(case):
    book, qbo = case.book, case.standin
    before = TokenStore("127.0.0.1").tokens(qbo.realm).refresh_token
    set_cells(book, "Jeff's Jalopies", Phone="(650) 000-0002")
    summary = case.sync(on_open=before_first_write(lambda c: qbo.auth.expire_access_tokens()))
    assert summary.sent == 1 and summary.outcome == "ok"
    assert TokenStore("127.0.0.1").tokens(qbo.realm).refresh_token != before
    assert case.sync().outcome == "nothing to do"


def test_a_sign_in_revoked_mid_sync_fails_the_writes_keeps_them_and_says_sign_in_again(case):
    book, qbo = case.book, case.standin
    set_cells(book, "John Melton", Phone="(650) 000-0003")
    qb_edit(qbo, "Kookies by Kathy", Notes="from QuickBooks")

    def revoke(_: QboConnector) -> None:
        qbo.auth.revoke_refresh_tokens()
        qbo.auth.expire_access_tokens()

    summary = case.sync(on_open=before_first_write(revoke))
    assert summary.failed == 1 and summary.received == 1
    assert "custmgr qbo login" in statuses(book)["John Melton"]
    assert contacts(book)["John Melton"]["phone"] == "(650) 000-0003"
    assert remote_after_sign_in(qbo)["John Melton"].get("phone") != "(650) 000-0003"
    assert contacts(book)["Kookies by Kathy"]["notes"] == "from QuickBooks"
    again = case.sync()
    assert again.sent == 1 and remote(qbo)["John Melton"]["phone"] == "(650) 000-0003"


def remote_after_sign_in(standin: StandIn) -> dict[str, Values]:
    sign_in(standin)
    return remote(standin)


def test_a_revoked_sign_in_stops_the_sync_before_anything_changes(case, memory_keyring):
    book, qbo = case.book, case.standin
    set_cells(book, "Mark Cho", Phone="(650) 000-0004")
    saved = book.read_bytes()
    qbo.auth.revoke_refresh_tokens()
    qbo.auth.expire_access_tokens()
    with pytest.raises(AuthRequired, match="custmgr qbo login"):
        case.sync()
    assert book.read_bytes() == saved
    result = CliRunner().invoke(main, ["sync", str(book)])
    assert result.exit_code == 1 and "custmgr qbo login" in result.output
    assert_no_secret_anywhere(qbo, memory_keyring, result.output, book)


def test_a_429_storm_is_waited_out(case):
    book, qbo = case.book, case.standin
    set_cells(book, "Paulsen Medical Supplies", Phone="(650) 000-0005")
    qbo.throttle(5)
    waits = Sleeps()
    summary = case.sync(sleep=waits)
    assert summary.sent == 1 and summary.outcome == "ok" and waits == [1.0, 2.0, 4.0, 8.0, 16.0]


def test_a_storm_that_does_not_clear_fails_the_writes_and_the_next_sync_sends_them(case):
    book, qbo = case.book, case.standin
    set_cells(book, "Rago Travel Agency", Phone="(650) 000-0006")
    summary = case.sync(on_open=before_first_write(lambda c: qbo.throttle(1000)), throttle_patience="5")
    assert summary.failed == 1 and "limiting requests" in statuses(book)["Rago Travel Agency"]
    qbo._throttles.clear()
    assert case.sync().sent == 1 and remote(qbo)["Rago Travel Agency"]["phone"] == "(650) 000-0006"


def test_from_the_command_line_with_a_trace_and_no_secret_anywhere(craigs, tmp_path, memory_keyring):
    book = tmp_path / "book.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["new", str(book)]).exit_code == 0
    setup = runner.invoke(main, ["setup", str(book), "--connector", "qbo", "--company", craigs.realm, "--vendors",
                                 "--option", f"base_url={craigs.url}", "--option",
                                 f"discovery_url={craigs.discovery_url}"])
    assert setup.exit_code == 0, setup.output
    craigs.auth.expire_access_tokens()  # the sync starts with a refresh, so the token exchange is traced too
    trace = tmp_path / "trace"
    result = runner.invoke(main, ["sync", str(book), "--trace", str(trace), "--json"])
    assert result.exit_code == 0, result.output
    assert '"imported": 65' in result.output  # and two possible duplicates on Review
    assert any(p.name.endswith("bearer.json") for p in trace.iterdir())
    assert_no_secret_anywhere(craigs, memory_keyring, trace, book, result.output, setup.output)
    assert sorted(d.contact for d in review(book).values() if d.kind == "duplicate") == sorted(DOES)
    assert len(review(book)) == len(DOES)
