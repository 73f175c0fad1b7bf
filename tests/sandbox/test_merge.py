"""Merging in the sandbox company keeps QuickBooks Desktop's ListMerge rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from custmgr.company import SandboxCompany
from custmgr.company.merge import add_transaction, merge_records, transactions
from custmgr.connector import Change
from custmgr.errors import Invalid, NotFound, StaleVersion
from custmgr_sandbox.connector import SandboxConnector


def test_the_merged_away_record_disappears_and_its_transactions_move(sample_path: Path) -> None:
    with SandboxCompany(sample_path) as co:
        dup = co.add("OBriens Bakery LLC", {"phone": "(617) 555-0126"})
        bakery = co.find("O'Brien's Bakery:Patio Seating Area")
        old = co.find("Kowalski, Ted")
        txns = {add_transaction(co, "Kowalski, Ted"), add_transaction(co, "Kowalski, Ted", "Payment", "-50.00")}
        mine = add_transaction(co, "OBriens Bakery LLC")
        stays, gone_name, _ = merge_records(co, old.remote_id, old.version, dup.remote_id, dup.version)
        assert gone_name == "Kowalski, Ted" and stays.remote_id == dup.remote_id
        assert co.get(old.remote_id) is None and co.find("Kowalski, Ted") is None
        assert {t[0] for t in transactions(co, dup.remote_id)} == txns | {mine}
        assert transactions(co, old.remote_id) == []
        assert stays.version != dup.version and stays.values["name"] == "OBriens Bakery LLC"  # its own fields
        co.add("Kowalski, Ted")  # the name is free again
        assert bakery is not None


def test_both_records_must_be_of_one_list(sample_path: Path) -> None:
    with SandboxCompany(sample_path) as co:
        customer, vendor = co.find("Kowalski, Ted"), co.find("Cape Cod Mulch Co.")
        with pytest.raises(Invalid, match="same list"):
            merge_records(co, customer.remote_id, customer.version, vendor.remote_id, vendor.version)
        assert co.find("Kowalski, Ted") is not None


def test_a_customer_with_jobs_cannot_be_merged_away(sample_path: Path) -> None:
    with SandboxCompany(sample_path) as co:
        parent, other = co.find("O'Brien's Bakery"), co.find("Kowalski, Ted")
        with pytest.raises(Invalid, match="has jobs"):
            merge_records(co, parent.remote_id, parent.version, other.remote_id, other.version)
        merged, _, _ = merge_records(co, other.remote_id, other.version, parent.remote_id, parent.version)
        assert merged.remote_id == parent.remote_id  # merging into a customer with jobs is fine


def test_versions_must_be_current_and_records_must_exist(sample_path: Path) -> None:
    with SandboxCompany(sample_path) as co:
        a, b = co.find("Kowalski, Ted"), co.find("Okafor, Chidi")
        co.edit("Okafor, Chidi", {"phone": "(508) 555-0000"})
        with pytest.raises(StaleVersion):
            merge_records(co, a.remote_id, a.version, b.remote_id, b.version)
        with pytest.raises(NotFound):
            merge_records(co, "80FFFFFF-1700000000", "1", b.remote_id, None)
        with pytest.raises(Invalid, match="itself"):
            merge_records(co, a.remote_id, a.version, a.remote_id, a.version)
        assert co.get(a.remote_id) is not None


def test_the_connector_merges_through_apply(sample_path: Path) -> None:
    with SandboxConnector(sample_path) as conn:
        assert conn.can_merge
        a, b = conn.store.find("Kowalski, Ted"), conn.store.find("Okafor, Chidi")
        stale, ok = conn.apply([
            Change("r1", "merge", "Customer", remote_id=a.remote_id, version="1", into_id=b.remote_id,
                   into_version=b.version),
            Change("r2", "merge", "Customer", remote_id=a.remote_id, version=a.version, into_id=b.remote_id,
                   into_version=b.version),
        ])
        assert isinstance(stale.error, StaleVersion)
        assert ok.ok and ok.record.remote_id == b.remote_id
        missing = conn.apply([Change("r3", "merge", "Customer", remote_id=b.remote_id, version=ok.record.version)])
        assert isinstance(missing[0].error, Invalid)
