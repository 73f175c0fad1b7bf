"""A sandbox company kept in memory: the same store without a file, for as long as one stays open."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr.book import create_workbook
from custmgr.company import SandboxCompany, copy_company, create_company, memory_company
from custmgr.company.sample import load_sample
from custmgr.errors import NameInUse, StaleVersion, Unavailable
from custmgr.sync import setup, sync
from custmgr_sandbox.connector import SandboxConnector


def test_every_company_opened_at_its_location_is_the_same_company() -> None:
    with memory_company(sample=True) as kept:
        location = str(kept.path)
        assert location.startswith("memory:")
        with SandboxCompany(location) as other:
            other.add("Zed Gardens", {"phone": "555-0100"})
        assert kept.find("zed gardens").values["phone"] == "555-0100"
        assert kept.identity().name == load_sample().name  # the sample company, as in a file
        with SandboxConnector(location) as connector:
            assert connector.company() == kept.identity()


def test_it_keeps_quickbooks_rules() -> None:
    with memory_company() as company:
        first = company.add("Ada")
        company.edit("Ada", {"phone": "1"})
        with pytest.raises(StaleVersion):
            company.modify_record(first.remote_id, first.version, {"phone": "2"})
        with pytest.raises(NameInUse):
            company.add("ADA", kind="Vendor")


def test_it_is_gone_once_the_last_one_open_is_closed() -> None:
    company = memory_company()
    location = str(company.path)
    company.close()
    with pytest.raises(Unavailable, match="no sandbox company in memory"):
        SandboxCompany(location)


def test_a_copy_is_a_company_of_its_own_with_the_same_identity(tmp_path: Path) -> None:
    path = tmp_path / "file.qbsandbox"
    create_company(path, sample=True)
    with SandboxCompany(path) as original, copy_company(original) as copy:
        copy.edit("O'Brien's Bakery", {"phone": "555-0199"})
        assert copy.identity() == original.identity()
        assert original.find("O'Brien's Bakery").values.get("phone") != "555-0199"
        assert copy.find("O'Brien's Bakery").values["phone"] == "555-0199"
        assert len(copy.records()) == len(original.records())
    with SandboxCompany(path) as reopened:  # the file is untouched
        assert reopened.find("O'Brien's Bakery").values.get("phone") != "555-0199"


def test_settings_may_name_it_as_the_company(tmp_path: Path) -> None:
    book = tmp_path / "book.xlsx"
    create_workbook(book)
    with memory_company(sample=True) as company:
        setup(book, connector="sandbox", company=str(company.path))
        summary, _ = sync(book)
        customers = [r for r in company.records(["Customer"]) if r.values["active"] == "Yes"]
        assert summary.imported == len(customers) > 0
        company.edit(customers[0].values["name"], {"phone": "555-0123"})
        summary, _ = sync(book)
        assert summary.received == 1
