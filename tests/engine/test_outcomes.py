"""The decision table (case, link flag, Review answer, Settings) -> outcome, and the plan as a pure value."""

from __future__ import annotations

import copy
import itertools
from dataclasses import replace
from pathlib import Path

import pytest

from custmgr.classify import Case
from custmgr.connector import Company, Listed
from custmgr.contact import normalize_values
from custmgr.contact_sheet import ContactRow
from custmgr.outcomes import ANY, DROPPED, LOCAL, PENDING, TABLE, Do, decide
from custmgr.plan import PlanInput, make_plan
from custmgr.review import ADD, Decision
from custmgr.settings import CHOICES, AddPolicy, Settings
from custmgr.state import Link
from custmgr.summary import Counts

KEYS = ("kind", "name", "active", "phone", "email")
FLAGS = ("", PENDING, LOCAL, DROPPED)
ANSWERS = (None, "left", "right")


@pytest.mark.parametrize(("case", "answer", "acts", "do"), [
    (Case.NEW_HERE, None, False, Do.ASK),
    (Case.NEW_HERE, None, True, Do.ADD),
    (Case.NEW_HERE, "left", False, Do.ADD),
    (Case.NEW_HERE, "right", True, Do.KEEP_HERE),
    (Case.NEW_THERE, None, False, Do.IMPORT),
    (Case.BOTH_NEW, None, False, Do.MERGE),
    (Case.UNCHANGED, None, False, Do.MERGE),
    (Case.CHANGED_BOTH, None, False, Do.MERGE),
    (Case.DELETED_HERE, None, False, Do.ASK),
    (Case.DELETED_HERE, None, True, Do.DEACTIVATE),
    (Case.DELETED_HERE, "right", True, Do.RESTORE),
    (Case.DELETED_HERE_CHANGED_THERE, None, True, Do.ASK),  # a changed contact is never dropped unasked
    (Case.DELETED_HERE_CHANGED_THERE, "left", False, Do.DEACTIVATE),
    (Case.GONE_THERE, None, False, Do.KEEP),
    (Case.GONE_THERE, None, True, Do.REMOVE_ROW),
    (Case.CHANGED_HERE_GONE_THERE, None, True, Do.ASK),  # Settings never removes a row edited here
    (Case.CHANGED_HERE_GONE_THERE, "left", False, Do.ADD),
    (Case.CHANGED_HERE_GONE_THERE, "right", False, Do.REMOVE_ROW),
    (Case.DELETED_BOTH, "left", True, Do.FORGET),
])
def test_each_case_answer_and_setting_comes_to_one_outcome(case, answer, acts, do):
    assert decide(case, "", answer, acts) is do


def test_link_flags_go_through_the_same_table():
    assert decide(Case.GONE_THERE, LOCAL, None, True) is Do.KEEP_HERE  # kept here: QuickBooks' side never matters
    assert decide(Case.DELETED_BOTH, LOCAL, None, False) is Do.FORGET
    assert decide(Case.DELETED_HERE, DROPPED, "left", True) is Do.KEEP  # already dropped: nothing is sent again
    assert decide(Case.DELETED_HERE_CHANGED_THERE, DROPPED, None, False) is Do.ASK


def test_every_combination_has_exactly_one_first_line():
    for case, flag, answer, acts in itertools.product(Case, FLAGS, ANSWERS, (False, True)):
        assert isinstance(decide(case, flag, answer, acts), Do)
    assert all(len(line) == 5 for line in TABLE)


def test_the_table_is_documented_line_for_line():
    doc = (Path(__file__).parents[2] / "docs" / "sync.md").read_text(encoding="utf-8")
    shown = {"case": lambda v: f"`{v.name}`", "flag": lambda v: f"`{v.value}`", "acts": lambda v: "yes" if v else "no",
             "answer": lambda v: {None: "none", "left": "Accept Left", "right": "Accept Right"}[v]}
    lines = [line for line in doc.splitlines() if line.startswith("| ") and line.endswith("` |")]
    table = [line for line in lines if line.count("|") == 6 and "`" in line.split("|")[-2]]
    expected = ["| " + " | ".join("any" if v == ANY else shown[k](v)
                                  for k, v in zip(("case", "flag", "answer", "acts"), line[:4], strict=True))
                + f" | `{line[4].name}` |" for line in TABLE]
    assert [line for line in table if line in expected] == expected, "docs/sync.md shows another decision table"


# --- the plan as a pure value ----------------------------------------------------------------------------------

def _input(rows, links=(), listing=(), fetched=None, decisions=None, settings=None) -> PlanInput:
    return PlanInput(Company("c1", "Test Co"), rows, {lk.row_id: lk for lk in links},
                     {item.remote_id: item for item in listing}, fetched or {}, decisions or {},
                     settings or Settings(), KEYS)


def test_make_plan_changes_none_of_its_inputs_and_carries_new_row_ids_and_name_problems():
    rows = [ContactRow(2, "", normalize_values({"name": "Ada", "kind": "Customer"})),
            ContactRow(3, "", normalize_values({"name": "ada", "kind": "Customer"}))]
    inp = _input(rows)
    before = copy.deepcopy(rows)
    plan = make_plan(inp)
    assert rows == before  # no Row ID given, no problem appended
    assert set(plan.new_row_ids) == {2, 3}
    assert [r.row_id for r in plan.rows] == [plan.new_row_ids[2], plan.new_row_ids[3]]
    assert all(any("also used on row" in p.message for p in r.problems) for r in plan.rows)
    assert {rec.row_id for rec in plan.records} == set(plan.new_row_ids.values())
    assert all(rec.outcome.problems and not rec.outcome.op for rec in plan.records)
    assert make_plan(inp).rows[0].problems == plan.rows[0].problems  # planning twice finds the same


def test_a_new_row_answered_on_review_follows_the_table():
    row = ContactRow(2, "R1", normalize_values({"name": "Ada", "kind": "Customer"}))
    asked = make_plan(_input([row])).records[0]
    assert asked.outcome.do is Do.ASK and asked.outcome.asks[0].kind == ADD
    kept = make_plan(_input([row], decisions={f"{ADD}|R1": Decision(ADD, "R1", "Ada", accept_right=True)}))
    assert kept.records[0].outcome.do is Do.KEEP_HERE and kept.records[0].outcome.flag == LOCAL
    added = make_plan(_input([row], settings=Settings(add_policy=AddPolicy.ADD)))
    assert added.records[0].outcome.op == "add" and added.counts() == Counts(added=1)


def test_an_unchanged_contact_comes_to_nothing_without_reading_quickbooks():
    base = normalize_values({"name": "Ada", "kind": "Customer", "active": "Yes"})
    plan = make_plan(_input([ContactRow(2, "R1", dict(base))], links=[Link("R1", "Q1", "7", base)],
                            listing=[Listed("Q1", "7", "Customer")]))
    (rec,) = plan.records
    assert rec.case is Case.UNCHANGED and not rec.acts and rec.outcome.do is Do.KEEP


def test_settings_choices_are_the_sheets_own():
    from custmgr.layout import load_layout

    for spec in load_layout().settings:
        if spec.key in CHOICES:
            assert [c.value for c in CHOICES[spec.key]] == list(spec.choices), spec.key


def test_a_link_flag_customer_manager_never_writes_is_refused_naming_the_row(tmp_path):
    from custmgr import sync as engine
    from custmgr.errors import WorkbookError
    from custmgr.state import STATE_SHEET, LinkFlag, read_state
    from custmgr.workbook.xlsx import XlsxWorkbook

    from .helpers import edit_sheet, make_pair

    pair = make_pair(tmp_path, {"Ada": {}})
    engine.sync(pair.book)
    state = read_state(XlsxWorkbook.open(pair.book))
    assert [link.flag for link in state.links.values()] == [LinkFlag.SYNCED]
    edit_sheet(pair.book, STATE_SHEET, lambda header, rows: [[*r[:3], "gone fishing", *r[4:]] for r in rows])
    with pytest.raises(WorkbookError) as err:
        read_state(XlsxWorkbook.open(pair.book))
    assert "'gone fishing'" in str(err.value) and "D" in str(err.value) and STATE_SHEET in str(err.value)


def test_fields_the_connector_has_no_place_for_are_never_sent_compared_or_asked():
    unsupported = {"Customer": frozenset({"job_title"})}
    new = ContactRow(2, "R1", normalize_values({"name": "Ada", "kind": "Customer", "job_title": "Owner"}))
    inp = replace(_input([new], settings=Settings(add_policy=AddPolicy.ADD)), unsupported=unsupported,
                  keys=(*KEYS, "job_title"))
    plan = make_plan(inp)
    assert plan.records[0].outcome.send == {"name": "Ada", "kind": "Customer", "active": "Yes"}
    assert plan.notes == ("Job Title: kept in this workbook only; the sandbox connector has no place for them in "
                          "QuickBooks, so they are never sent or compared.",)
    base = normalize_values({"name": "Ada", "kind": "Customer", "active": "Yes"})
    row = ContactRow(2, "R1", {**base, "job_title": "Chef"})
    linked = replace(_input([row], links=[Link("R1", "Q1", "8", base)], listing=[Listed("Q1", "9", "Customer")],
                            fetched={"Q1": {**base, "job_title": "Boss"}}), unsupported=unsupported,
                     keys=(*KEYS, "job_title"))
    (rec,) = make_plan(linked).records
    assert rec.case is Case.UNCHANGED and not rec.outcome.op and not rec.outcome.receive and not rec.outcome.asks
    assert make_plan(replace(linked, unsupported={})).records[0].outcome.asks  # without the declaration: a conflict
