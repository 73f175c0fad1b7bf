"""Matching on a real sync: equal names link, look-alikes are asked about on Review, answers are remembered.

The workbook starts with the bookkeeper's own rows (as an adopted list does) and the sample company in QuickBooks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr import sync as engine
from custmgr.company import SandboxCompany
from custmgr.company.merge import add_transaction, transactions
from custmgr.lookalikes import kept_apart
from custmgr_sandbox.connector import SandboxConnector
from workbooks import add_row, contacts, mark, paired, remote, review, state, statuses, sync


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
    assert summary.merged == 1 and summary.failed == 1 and summary.outcome == "partly failed"
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


def test_undo_in_quickbooks_puts_back_the_edits_sent_after_a_merge(tmp_path):
    from workbooks import set_cells
    book, company = new_look_alike_in_quickbooks(tmp_path)
    sync(book)
    mark(book, "Kowalski, Ted", "right")
    set_cells(book, "Kowalski, Ted", Mobile="(508) 555-0188")
    sync(book)
    assert remote(company)["Ted Kowalski"]["mobile"] == "(508) 555-0188"
    engine.undo(book, quickbooks=True, backoff=0)
    assert remote(company)["Ted Kowalski"].get("mobile", "") == ""  # the merge itself cannot be undone
    assert "Kowalski, Ted" in contacts(book)  # the workbook is as before that sync


def test_accept_left_imports_the_new_contact_and_never_asks_again(tmp_path):
    book, company = new_look_alike_in_quickbooks(tmp_path)
    sync(book)
    mark(book, "Kowalski, Ted", "left")
    summary = sync(book)
    assert summary.imported == 1
    assert {"Kowalski, Ted", "Ted Kowalski"} <= set(contacts(book))
    assert sync(book).outcome == "nothing to do"
    assert not by_kind(book, "duplicate")
    assert len(remote(company)) == len(contacts(book)) + sum(
        1 for v in remote(company).values() if v["active"] == "No" or v["kind"] == "Vendor")


@pytest.mark.parametrize("side", ["right", "left"])
def test_a_duplicate_answer_counts_even_if_the_row_no_longer_looks_alike(tmp_path, side):
    """Accept Right (one contact: merge) or Accept Left (keep apart) on a possible duplicate, then the row renamed
    before the next sync: the answer is carried out, not lost with the likeness (the new record is merged, or
    imported as a row of its own, never imported beside the row it was said to be)."""
    from workbooks import set_cells
    book, company = new_look_alike_in_quickbooks(tmp_path)
    sync(book)
    mark(book, "Kowalski, Ted", side)
    set_cells(book, "Kowalski, Ted", Name="Theodore Kowalski-Brandt")
    summary = sync(book)
    assert not by_kind(book, "duplicate")
    with SandboxCompany(company) as c:
        if side == "right":
            assert summary.merged == 1 and c.find("Kowalski, Ted") is None
            # One row follows the record that stays; its new name against the stayer's own is for the bookkeeper.
            assert len([n for n in contacts(book) if "Kowalski" in n]) == 1
            assert set(by_kind(book, "conflict")) == {"Theodore Kowalski-Brandt"}
        else:
            assert summary.merged == 0 and {"Ted Kowalski", "Theodore Kowalski-Brandt"} <= set(contacts(book))
            assert sync(book).outcome == "nothing to do"
    grid = review(book)
    sync(book)
    assert review(book) == grid  # settled: nothing asked anew


def test_a_connector_that_cannot_merge_says_so_and_keeps_asking(tmp_path, monkeypatch):
    monkeypatch.setattr(SandboxConnector, "can_merge", False)
    book, company = new_look_alike_in_quickbooks(tmp_path)
    sync(book)
    d = by_kind(book, "duplicate")["Kowalski, Ted"]
    assert "cannot merge" in d.note and "QuickBooks Online has no merge" in d.note
    mark(book, "Kowalski, Ted", "right")
    summary = sync(book)
    assert summary.merged == 0 and "Kowalski, Ted" in by_kind(book, "duplicate")
    assert remote(company)["Kowalski, Ted"]  # nothing merged


def test_a_new_row_like_a_synced_contact_is_warned_on_its_add_question(tmp_path):
    book, _ = paired(tmp_path, vendors=False)
    add_row(book, Name="Ted Kowalsky")  # "Kowalski, Ted" is synced already
    add_row(book, Name="Quite Different Landscaping")
    sync(book)
    adds = by_kind(book, "add")
    assert "It looks like 'Kowalski, Ted', already in QuickBooks" in adds["Ted Kowalsky"].note
    assert "looks like" not in adds["Quite Different Landscaping"].note


def test_an_answer_counts_even_if_the_names_no_longer_look_alike(tmp_path):
    book, company = own_rows(tmp_path)
    sync(book)
    mark(book, "obriens bakery", "right")
    from workbooks import set_cells
    set_cells(book, "obriens bakery", Name="Maeve's place")  # renamed after answering
    sync(book)
    with SandboxCompany(company) as c:
        bakery = c.find("O'Brien's Bakery")
    assert bakery.remote_id in {lk.remote_id for lk in state(book).links.values()}
    assert "O'Brien's Bakery" not in contacts(book)


def review_grid(book: Path) -> list[list[object]]:
    import openpyxl
    ws = openpyxl.load_workbook(book)["Review"]
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_questions_read_the_same_at_the_next_sync_when_other_questions_change_a_contact(tmp_path):
    """Look-alike questions judge a synced contact as it is once the sync is done, whatever else is asked about
    it, so a second sync with no edits changes nothing."""
    from workbooks import delete_row, qb_edit, set_cells
    book, company = paired(tmp_path, vendors=False)
    qb_edit(company, "Okafor, Chidi", phone="(508) 555-0001")  # received this sync
    qb_edit(company, "Delgado, Marco", phone="(508) 555-0002")
    set_cells(book, "Delgado, Marco", Phone="(508) 555-0003")  # a conflict: the link becomes pending
    delete_row(book, "Kowalski, Ted")  # a question: make inactive?
    add_row(book, Name="Ted Kowalski")  # a new row like the deleted one
    with SandboxCompany(company) as c:
        c.add("Okafor, Chidi J.")  # a new QuickBooks contact like one that receives a change
        c.add("Marco Delgado")  # ... and like one with a conflict
    sync(book)
    first = review_grid(book)
    kinds = {d.kind for d in review(book).values()}
    assert {"duplicate", "conflict", "delete", "add"} <= kinds
    sync(book)
    assert review_grid(book) == first


@pytest.mark.parametrize("ending", ["deleted on both sides", "made inactive on answer"])
def test_a_contact_this_sync_lets_go_of_is_no_look_alike_of_a_new_row(tmp_path, ending):
    from workbooks import delete_row
    book, company = paired(tmp_path, vendors=False)
    delete_row(book, "Kowalski, Ted")
    if ending == "deleted on both sides":
        with SandboxCompany(company) as c:
            c.delete("Kowalski, Ted")
    else:
        sync(book)
        mark(book, "Kowalski, Ted", "left")  # make it inactive in QuickBooks
    add_row(book, Name="Ted Kowalski")
    sync(book)
    first = review_grid(book)
    assert "looks like" not in by_kind(book, "add")["Ted Kowalski"].note
    sync(book)
    assert review_grid(book) == first


# --- look-alikes inside QuickBooks among records new to a sync ------------------------------------------------


def grp_and_group(tmp_path: Path, **add: str) -> tuple[Path, Path]:
    """A company that already has "Beacon Hill Dental Group" twice over, before the workbook's first sync."""
    book, company = paired(tmp_path, sync=False, vendors=False)
    with SandboxCompany(company) as c:
        c.add("Beacon Hill Dental Grp.", {"phone": "(617) 555-0199", **add})
    return book, company


def test_duplicates_already_in_quickbooks_are_asked_about_at_the_first_sync(tmp_path):
    book, company = grp_and_group(tmp_path)
    summary = sync(book)
    here = contacts(book)
    asked = by_kind(book, "duplicate")
    assert set(asked) == {"Beacon Hill Dental Group"}  # the question names the row that was imported
    d = asked["Beacon Hill Dental Group"]
    assert "Beacon Hill Dental Grp." in d.right and "QuickBooks merges" in d.note
    assert "Beacon Hill Dental Grp." not in here  # waits for the answer
    # Everything else is imported as before: nothing else is held up by the question.
    waiting = {n for n, v in remote(company).items() if v["active"] != "No" and v["kind"] == "Customer"} - set(here)
    assert waiting == {"Beacon Hill Dental Grp."}
    assert summary.imported == len(here) and summary.outcome == "needs attention"
    first = review_grid(book)
    second = sync(book)  # the next sync asks the same, and changes nothing else
    assert review_grid(book) == first
    assert not (second.imported or second.sent or second.received)


def test_a_row_matched_at_the_first_sync_is_the_one_asked_about(tmp_path):
    book, _ = grp_and_group(tmp_path)
    add_row(book, Name="beacon hill dental grp.", Phone="(617) 555-0199")  # links to the later record
    sync(book)
    asked = by_kind(book, "duplicate")
    assert set(asked) == {"beacon hill dental grp."}
    assert "Beacon Hill Dental Group" in asked["beacon hill dental grp."].right
    here = contacts(book)
    assert "Beacon Hill Dental Group" not in here and list(here).count("beacon hill dental grp.") == 1
    first = review_grid(book)
    sync(book)
    assert review_grid(book) == first


def test_a_row_with_a_problem_holds_its_match_out_of_the_question_until_it_is_fixed(tmp_path):
    from workbooks import set_cells
    book, _ = grp_and_group(tmp_path)
    add_row(book, Name="beacon hill dental grp.", Phone="=\"(617) 555-0199\"")  # a formula: not synced
    sync(book)
    assert not by_kind(book, "duplicate")  # nothing to ask about the record this row holds
    assert "Beacon Hill Dental Group" in contacts(book)
    set_cells(book, "beacon hill dental grp.", Phone="(617) 555-0199")
    sync(book)
    assert not by_kind(book, "duplicate")  # the other one is synced by now: two rows, two contacts
    assert [(d.kind, d.field) for d in review(book).values()] == [("conflict", "Name")]  # its spelling


def test_keep_apart_of_a_first_sync_duplicate_imports_it_and_never_asks_again(tmp_path):
    book, _ = grp_and_group(tmp_path)
    sync(book)
    mark(book, "Beacon Hill Dental Group", "left")
    summary = sync(book)
    assert summary.imported == 1 and "Beacon Hill Dental Grp." in contacts(book)
    assert len(kept_apart(state(book).pair)) == 1
    assert sync(book).outcome == "nothing to do" and not by_kind(book, "duplicate")


def test_two_look_alikes_arriving_in_one_sync_are_compared_with_each_other(tmp_path):
    book, company = paired(tmp_path, vendors=False)
    with SandboxCompany(company) as c:
        c.add("Harbour Light Marine", {"phone": "(978) 555-0142"})
        c.add("Harbor Light Marine LLC", {"email": "dock@harborlight.example.com"})
        c.add("Quite Unrelated Florist")
    summary = sync(book)
    asked = by_kind(book, "duplicate")
    assert set(asked) == {"Harbour Light Marine"}
    assert "Harbor Light Marine LLC" in asked["Harbour Light Marine"].right
    assert summary.imported == 2  # the first of the pair and the unrelated one
    assert {"Harbour Light Marine", "Quite Unrelated Florist"} <= set(contacts(book))
    assert "Harbor Light Marine LLC" not in contacts(book)
    first = review_grid(book)
    sync(book)
    assert review_grid(book) == first


def test_three_alike_make_one_question_and_it_reads_the_same_at_the_next_sync(tmp_path):
    book, company = grp_and_group(tmp_path)
    with SandboxCompany(company) as c:
        c.add("Beacon Hill Dental Grp")
    sync(book)
    assert len(by_kind(book, "duplicate")) == 1
    first = review_grid(book)
    assert sync(book).imported == 0
    assert review_grid(book) == first


def test_hostile_look_alike_names_from_quickbooks_stay_text_on_review(tmp_path):
    import openpyxl
    book, company = paired(tmp_path, sync=False, vendors=False)
    with SandboxCompany(company) as c:
        c.add("=HYPERLINK(\"x\") & <Co>")
        c.add("=hyperlink(\"x\") and <Co>")
    sync(book)
    asked = by_kind(book, "duplicate")
    assert set(asked) == {"=HYPERLINK(\"x\") & <Co>"}
    ws = openpyxl.load_workbook(book)["Review"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula
