"""Matching on a real sync: equal names link, look-alikes are asked about on Review, answers are remembered.

The workbook starts with the bookkeeper's own rows (as an adopted list does) and the sample company in QuickBooks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr import sync as engine
from custmgr.lookalikes import kept_apart
from custmgr_sandbox.connector import SandboxConnector
from custmgr_sandbox.merge import add_transaction, transactions
from custmgr_sandbox.store import SandboxCompany
from workbooks import add_row, contacts, mark, paired, remote, review, state, statuses


def sync(book: Path, **kw):
    summary, _ = engine.sync(book, backoff=0, **kw)
    return summary


def own_rows(tmp_path: Path) -> tuple[Path, Path]:
    book, company = paired(tmp_path, sync=False, vendors=False)
    add_row(book, Name="obriens bakery", Phone="(617) 555-0126")
    add_row(book, Name="BEACON HILL  DENTAL GROUP", Phone="(617) 555-9999")
    add_row(book, Name="Aiko Nakamura", Email="aiko.n@example.com")
    add_row(book, Name="Lakeside Vet Clinic")  # too far from "Lakeside Veterinary Clinic": a new contact
    return book, company


def by_kind(book: Path, kind: str) -> dict[str, object]:
    return {d.contact: d for d in review(book).values() if d.kind == kind}


def test_first_sync_links_equal_names_and_asks_about_look_alikes(tmp_path):
    book, company = own_rows(tmp_path)
    summary = sync(book)
    here = contacts(book)
    matches = by_kind(book, "match")
    assert set(matches) == {"obriens bakery", "Aiko Nakamura"}
    assert "O'Brien's Bakery" in matches["obriens bakery"].right
    assert "same person, one written 'Last, First'" in matches["Aiko Nakamura"].note
    assert "same email" in matches["Aiko Nakamura"].note
    # Look-alike records wait for the answer: not imported, and the rows are not offered to QuickBooks.
    assert "O'Brien's Bakery" not in here and "Nakamura, Aiko" not in here
    assert statuses(book)["obriens bakery"].startswith("Possible match")
    assert "Lakeside Vet Clinic" in by_kind(book, "add") and "Lakeside Veterinary Clinic" in here
    # Equal names ignoring case and spaces are one contact: linked, the differing phone is a conflict.
    conflicts = [d for d in review(book).values() if d.kind == "conflict"]
    assert sorted((d.field, d.left, d.right) for d in conflicts) == [
        ("Name", "BEACON HILL DENTAL GROUP", "Beacon Hill Dental Group"),
        ("Phone", "(617) 555-9999", "(617) 555-0110")]
    assert "Beacon Hill Dental Group" not in here
    assert summary.outcome == "needs attention"
    assert remote(company)["Beacon Hill Dental Group"]["phone"] == "(617) 555-0110"  # nothing sent unasked


def test_accept_right_links_the_row_and_merges_fields(tmp_path):
    book, company = own_rows(tmp_path)
    sync(book)
    mark(book, "obriens bakery", "right")
    sync(book)
    links = state(book).links
    with SandboxCompany(company) as c:
        bakery = c.find("O'Brien's Bakery")
    row_id = next(r for r, lk in links.items() if lk.remote_id == bakery.remote_id)
    assert row_id  # the row is linked to the QuickBooks record
    here = contacts(book)
    assert "O'Brien's Bakery" not in here  # no second row was imported
    names = [d for d in review(book).values() if d.kind == "conflict" and d.contact in (
        "obriens bakery", "O'Brien's Bakery") and d.field == "Name"]
    assert names and names[0].left == "obriens bakery" and names[0].right == "O'Brien's Bakery"
    assert not by_kind(book, "match").get("obriens bakery")
    # Fields only QuickBooks had come in; the phone agreed already.
    assert here["obriens bakery"]["email"] == "maeve@obriensbakery.example.com"


def test_accept_left_keeps_them_apart_for_good(tmp_path):
    book, _ = own_rows(tmp_path)
    sync(book)
    mark(book, "Aiko Nakamura", "left")
    sync(book)
    here = contacts(book)
    assert "Nakamura, Aiko" in here and "Aiko Nakamura" in here  # imported as its own row
    assert "Aiko Nakamura" in by_kind(book, "add")  # the row is a new contact, asked about as any new row
    assert len(kept_apart(state(book).pair)) == 1
    sync(book)
    sync(book)
    assert "Aiko Nakamura" not in by_kind(book, "match")  # never asked again
    assert list(contacts(book)).count("Nakamura, Aiko") == 1


def test_a_later_sync_asks_about_a_new_row_like_a_new_quickbooks_contact(tmp_path):
    book, company = paired(tmp_path, vendors=False)
    with SandboxCompany(company) as c:
        c.add("Jonathan Whitmore Landscaping", {"phone": "(508) 555-0170"})
    add_row(book, Name="Jonathon Whitmore Landscaping", Phone="(508) 555-0170")
    sync(book)
    asked = by_kind(book, "match")
    assert set(asked) == {"Jonathon Whitmore Landscaping"}
    assert "names alike" in asked["Jonathon Whitmore Landscaping"].note
    assert "same phone" in asked["Jonathon Whitmore Landscaping"].note
    assert "Jonathan Whitmore Landscaping" not in contacts(book)


def test_undo_forgets_a_keep_apart_answer_with_the_sync_that_made_it(tmp_path):
    book, _ = own_rows(tmp_path)
    sync(book)
    mark(book, "Aiko Nakamura", "left")
    sync(book)
    assert kept_apart(state(book).pair)
    engine.undo(book)
    assert not kept_apart(state(book).pair)
    assert "Aiko Nakamura" in by_kind(book, "match")


def test_dry_run_shows_the_question(tmp_path):
    book, _ = own_rows(tmp_path)
    summary, plan = engine.sync(book, dry_run=True)
    assert any("ask: possible match with QuickBooks contact \"O'Brien's Bakery" in line
               and line.startswith("obriens bakery") for line in summary.plan)
    assert any(d.kind == "match" for d in plan.decisions)


# --- possible duplicates in QuickBooks ------------------------------------------------------------------------


def new_look_alike_in_quickbooks(tmp_path: Path) -> tuple[Path, Path]:
    book, company = paired(tmp_path, vendors=False)
    with SandboxCompany(company) as c:
        c.add("Ted Kowalski", {"phone": "(508) 555-0177", "email": "ted@kowalski.example.com"})
        add_transaction(c, "Kowalski, Ted")
    return book, company


def test_a_new_quickbooks_contact_like_a_synced_one_is_asked_about(tmp_path):
    book, company = new_look_alike_in_quickbooks(tmp_path)
    with SandboxCompany(company) as c:
        ted = c.find("Kowalski, Ted")
    sync(book)
    asked = by_kind(book, "duplicate")
    assert set(asked) == {"Kowalski, Ted"}
    d = asked["Kowalski, Ted"]
    assert "Ted Kowalski" in d.right and "written 'Last, First'" in d.note and "QuickBooks merges" in d.note
    assert "Ted Kowalski" not in contacts(book)  # not imported while the question is open
    assert ted.remote_id in {lk.remote_id for lk in state(book).links.values()}


def test_accept_right_merges_in_quickbooks_and_the_row_follows_the_record_that_stays(tmp_path):
    book, company = new_look_alike_in_quickbooks(tmp_path)
    sync(book)
    mark(book, "Kowalski, Ted", "right")
    summary = sync(book)
    assert summary.merged == 1 and summary.outcome == "ok"
    assert any("merged in QuickBooks" in line for line in summary.lines())
    with SandboxCompany(company) as c:
        assert c.find("Kowalski, Ted") is None  # merged away
        theo = c.find("Ted Kowalski")
        assert len(transactions(c, theo.remote_id)) == 1  # its transaction moved
    assert theo.remote_id in {lk.remote_id for lk in state(book).links.values()}
    # In this same sync the row follows the record that stays: its values, its version, no question left.
    here = contacts(book)
    assert "Ted Kowalski" in here and "Kowalski, Ted" not in here
    assert here["Ted Kowalski"]["phone"] == "(508) 555-0177"
    assert here["Ted Kowalski"]["email"] == "ted@kowalski.example.com"
    link = next(lk for lk in state(book).links.values() if lk.remote_id == theo.remote_id)
    assert link.version == theo.version and not link.flag
    assert {k: v for k, v in link.base.items() if v} == {k: v for k, v in here["Ted Kowalski"].items() if v}
    assert not by_kind(book, "duplicate")
    grid = contacts_grid(book)
    again = sync(book)
    assert again.outcome == "nothing to do" and contacts_grid(book) == grid


def contacts_grid(book: Path) -> list[list[object]]:
    import openpyxl
    ws = openpyxl.load_workbook(book)["Contacts"]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_a_merged_row_sends_its_own_edits_to_the_record_that_stays_in_the_same_sync(tmp_path):
    from workbooks import set_cells
    book, company = new_look_alike_in_quickbooks(tmp_path)
    sync(book)
    mark(book, "Kowalski, Ted", "right")
    set_cells(book, "Kowalski, Ted", Mobile="(508) 555-0188")  # edited since the last sync
    summary = sync(book)
    assert summary.merged == 1 and summary.outcome == "ok"
    ted = remote(company)["Ted Kowalski"]
    assert ted["mobile"] == "(508) 555-0188"  # sent to the record that stayed
    here = contacts(book)["Ted Kowalski"]
    assert here["mobile"] == "(508) 555-0188" and here["phone"] == "(508) 555-0177"
    grid = contacts_grid(book)
    assert sync(book).outcome == "nothing to do" and contacts_grid(book) == grid


def test_a_field_edited_on_both_sides_of_a_merge_is_a_conflict_asked_the_same_next_time(tmp_path):
    from workbooks import set_cells
    book, company = new_look_alike_in_quickbooks(tmp_path)
    sync(book)
    mark(book, "Kowalski, Ted", "right")
    set_cells(book, "Kowalski, Ted", Phone="(508) 555-0100")  # the record that stays has (508) 555-0177
    summary = sync(book)
    assert summary.merged == 1
    conflicts = [d for d in review(book).values() if d.kind == "conflict"]
    assert [(d.field, d.left, d.right) for d in conflicts] == [("Phone", "(508) 555-0100", "(508) 555-0177")]
    assert remote(company)["Ted Kowalski"]["phone"] == "(508) 555-0177"  # nothing sent unasked
    first = review_grid(book)
    sync(book)
    assert review_grid(book) == first
    mark(book, "Ted Kowalski", "left", field="Phone")
    sync(book)
    assert remote(company)["Ted Kowalski"]["phone"] == "(508) 555-0100"
    assert sync(book).outcome == "nothing to do"


def test_an_edit_quickbooks_refuses_after_the_merge_is_kept_for_the_next_sync(tmp_path):
    from workbooks import set_cells, set_settings, statuses
    book, company = new_look_alike_in_quickbooks(tmp_path)
    sync(book)
    mark(book, "Kowalski, Ted", "right")
    set_settings(book, conflict_default="Customer Manager wins")  # the row's new name goes to QuickBooks
    with SandboxCompany(company) as c:  # an inactive contact holds the name the row is given
        c.add("Ted Kowalski Jr.", {"active": "No"})
    set_cells(book, "Kowalski, Ted", Name="Ted Kowalski Jr.", Mobile="(508) 555-0188")
    summary = sync(book)
    assert summary.merged == 1 and summary.failed == 1
    with SandboxCompany(company) as c:
        assert c.find("Kowalski, Ted") is None  # the merge was made
    assert remote(company)["Ted Kowalski"].get("mobile", "") == ""  # the edits were refused
    here = contacts(book)
    assert here["Ted Kowalski Jr."]["mobile"] == "(508) 555-0188"  # and are not lost
    assert statuses(book)["Ted Kowalski Jr."].startswith("Failed:")
    with SandboxCompany(company) as c:
        theo = c.find("Ted Kowalski")
    link = next(lk for lk in state(book).links.values() if lk.remote_id == theo.remote_id)
    assert link.base["name"] == "Ted Kowalski" and not link.base.get("mobile")  # sent again next time
    set_cells(book, "Ted Kowalski Jr.", Name="Ted Kowalski")
    again = sync(book)
    assert again.sent == 1 and remote(company)["Ted Kowalski"]["mobile"] == "(508) 555-0188"
    assert sync(book).outcome == "nothing to do"
