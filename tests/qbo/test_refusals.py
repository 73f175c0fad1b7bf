"""Writes QuickBooks Online refuses or would take wrongly: a deactivation it refuses (open balance) reopens the
decision on Review with the reason; a parent renamed with its jobs goes first; a job cannot quietly stay a job."""

from __future__ import annotations

from typing import Any

from workbooks import contacts, mark, review, statuses

from .test_sync import Paired, change_rows, imported, paired, remote  # noqa: F401  (fixtures)


def owing(case: Paired) -> str:
    """A top-level customer with an open balance and no jobs."""
    company = case.standin.company
    parents = {str((r.get("ParentRef") or {}).get("value")) for r in company.all("Customer")}
    for record in company.all("Customer"):
        if float(record.get("Balance") or 0) and not record.get("Job") and record["Id"] not in parents:
            return str(record["DisplayName"])
    raise AssertionError("the recorded company has no customer with an open balance")


def test_a_refused_deactivation_is_shown_on_review_and_asked_again(imported, tmp_path):  # noqa: F811
    with paired(imported, tmp_path) as case:
        name = owing(case)
        change_rows(case.book, delete=[name])
        first = case.sync()
        (asked,) = [d for d in review(case.book).values() if d.contact == name]
        assert first.failed == 0 and asked.kind == "delete"
        mark(case.book, name, "left")
        second = case.sync()
        assert second.failed == 1 and second.made_inactive == 0
        (reopened,) = [d for d in review(case.book).values() if d.contact == name]
        assert reopened.side is None  # asked again, not left marked to be resent
        assert "open balance" in reopened.note and "Accept Right" in reopened.note
        third = case.sync()
        assert third.failed == 0 and third.made_inactive == 0  # the doomed write is not sent again
        (still,) = [d for d in review(case.book).values() if d.contact == name]
        assert "open balance" in still.note  # the reason stays until the bookkeeper decides
        mark(case.book, name, "right")
        fourth = case.sync()
        assert name in contacts(case.book) and fourth.restored == 1


def test_with_make_inactive_policy_a_refusal_goes_to_review_once(imported, tmp_path):  # noqa: F811
    with paired(imported, tmp_path, delete_policy="Make inactive in QuickBooks") as case:
        name = owing(case)
        change_rows(case.book, delete=[name])
        first = case.sync()
        assert first.failed == 1
        (asked,) = [d for d in review(case.book).values() if d.contact == name]
        assert asked.side is None and "open balance" in asked.note
        again = case.sync()
        assert again.failed == 0  # waits for the bookkeeper instead of failing every sync


def test_a_parent_renamed_with_its_jobs_in_one_edit(imported, tmp_path):  # noqa: F811
    with paired(imported, tmp_path) as case:
        here = contacts(case.book)
        jobs = [n for n in here if n.startswith("Freeman Sporting Goods:")]
        renames: dict[str, dict[str, Any]] = {"Freeman Sporting Goods": {"Name": "Freeman Sports"}}
        renames.update({job: {"Name": job.replace("Freeman Sporting Goods", "Freeman Sports")} for job in jobs})
        change_rows(case.book, cells=renames)
        summary = case.sync()
        assert summary.failed == 0, statuses(case.book)
        there = remote(case.standin)
        assert {"Freeman Sports", *(j.replace("Freeman Sporting Goods", "Freeman Sports") for j in jobs)} <= set(there)
        assert case.sync().outcome == "nothing to do"


def test_a_job_made_top_level_in_the_workbook_is_refused_not_quietly_put_back(imported, tmp_path):  # noqa: F811
    """QuickBooks Online keeps a sub-customer under its parent when sent only "Job": false; the row used to
    get its "Parent:" back at the next sync without a word."""
    with paired(imported, tmp_path) as case:
        job = next(n for n in contacts(case.book) if n.startswith("Freeman Sporting Goods:"))
        leaf = job.rpartition(":")[2]
        change_rows(case.book, cells={job: {"Name": leaf}})
        summary = case.sync()
        assert summary.failed == 1 and "does not move a sub-customer" in statuses(case.book)[leaf]
        assert leaf in contacts(case.book) and job in remote(case.standin)  # the typed name kept, nothing changed
