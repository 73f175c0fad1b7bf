"""SandboxConnector beyond the contract: fault injection, round trips, plugin registration, request checks."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any

import pluggy
import pytest

from custmgr import hookspecs
from custmgr.company import SandboxCompany
from custmgr.connector import Change, Connector
from custmgr.contact import CUSTOMER, KINDS, VENDOR
from custmgr.errors import Invalid, NameInUse, Retryable, Unavailable
from custmgr_sandbox import plugin
from custmgr_sandbox.connector import SandboxConnector


def adds(*names: str) -> list[Change]:
    return [Change(f"r-{name}", "add", CUSTOMER, {"name": name}) for name in names]


def names_in(connector: SandboxConnector) -> set[str]:
    return {r.values["name"] for r in connector.fetch([i.remote_id for i in connector.listing(KINDS)])}


# --- registration -------------------------------------------------------------------------------------------


def test_registered_as_a_connector_through_the_hook(empty_path: Path) -> None:
    pm = pluggy.PluginManager("custmgr")
    pm.add_hookspecs(hookspecs)
    pm.register(plugin, name="sandbox")
    found: dict[str, Any] = {}
    pm.hook.custmgr_register_connectors(register=lambda name, factory, description: found.update(
        {name: (factory, description)}))
    factory, description = found["sandbox"]
    assert description and "\n" not in description
    with factory(str(empty_path), {}) as connector:
        assert isinstance(connector, Connector) and connector.name == "sandbox"
        assert connector.company().name == "Empty Test Co"


def test_declared_as_an_entry_point() -> None:
    points = importlib.metadata.entry_points(group="custmgr")
    assert any(p.name == "sandbox" and p.value == "custmgr_sandbox.plugin" for p in points)


def test_factory_on_a_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="custmgr sandbox new"):
        plugin.open_sandbox(str(tmp_path / "nowhere.sandbox"), {})


# --- fault injection ----------------------------------------------------------------------------------------


def test_injected_error_answers_those_changes_across_calls(connector: SandboxConnector) -> None:
    connector.inject(Retryable("QuickBooks is busy"), at=1, count=2)
    first = connector.apply(adds("A", "B"))
    second = connector.apply(adds("C", "D"))
    assert [r.ok for r in first + second] == [True, False, False, True]
    assert isinstance(first[1].error, Retryable) and str(first[1].error) == "QuickBooks is busy"
    assert names_in(connector) == {"A", "D"}
    assert all(r.ok for r in connector.apply(adds("B", "C")))  # the fault is spent


def test_injection_counts_from_the_moment_it_is_made(connector: SandboxConnector) -> None:
    connector.apply(adds("A", "B", "C"))
    connector.inject(NameInUse("taken"), at=0)
    assert [r.ok for r in connector.apply(adds("D", "E"))] == [False, True]


def test_outage_commits_the_changes_before_it_then_raises(connector: SandboxConnector) -> None:
    connector.inject_outage(at=3)
    with pytest.raises(Unavailable, match="lost"):
        connector.apply(adds("A", "B", "C", "D", "E"))
    assert names_in(connector) == {"A", "B", "C"}
    results = connector.apply(adds("D", "E"))  # fires once; the retry goes through
    assert all(r.ok for r in results) and names_in(connector) == {"A", "B", "C", "D", "E"}


def test_outage_in_a_later_call(connector: SandboxConnector) -> None:
    connector.inject_outage(at=2)
    assert all(r.ok for r in connector.apply(adds("A")))
    with pytest.raises(Unavailable):
        connector.apply(adds("B", "C"))
    assert names_in(connector) == {"A", "B"}


def test_clear_faults(connector: SandboxConnector) -> None:
    connector.inject(Retryable("busy"), at=0, count=10)
    connector.inject_outage(at=0)
    connector.clear_faults()
    assert all(r.ok for r in connector.apply(adds("A", "B")))


def test_on_open_option_reaches_the_connector_the_engine_opens(empty_path: Path) -> None:
    opened: list[SandboxConnector] = []

    def on_open(connector: SandboxConnector) -> None:
        opened.append(connector)
        connector.inject(NameInUse("taken"), at=0)

    with plugin.open_sandbox(str(empty_path), {"on_open": on_open}) as connector:
        assert opened == [connector]
        assert [r.ok for r in connector.apply(adds("A", "B"))] == [False, True]


def test_bad_injection_arguments(connector: SandboxConnector) -> None:
    with pytest.raises(ValueError):
        connector.inject(Retryable("busy"), at=-1)
    with pytest.raises(ValueError):
        connector.inject(Retryable("busy"), count=0)
    with pytest.raises(ValueError):
        connector.inject_outage(-1)


def test_round_trips_count_every_call(connector: SandboxConnector) -> None:
    assert connector.round_trips == 0
    connector.company()
    connector.custom_fields()
    ids = [r.record.remote_id for r in connector.apply(adds("A", "B")) if r.record]
    connector.listing(KINDS)
    connector.fetch(ids)
    assert connector.round_trips == 5


# --- requests -----------------------------------------------------------------------------------------------


def test_more_than_a_batch_is_refused(connector: SandboxConnector) -> None:
    with pytest.raises(ValueError, match="at most 50"):
        connector.apply(adds(*(f"C{i}" for i in range(51))))
    assert connector.listing(KINDS) == []


@pytest.mark.parametrize(("change", "field"), [
    (Change("r", "update", CUSTOMER, {"phone": "1"}, remote_id="80000001-1700000000"), "version"),
    (Change("r", "update", CUSTOMER, {"phone": "1"}, version="1"), "remote_id"),
    (Change("r", "purge", CUSTOMER, {"name": "A"}), "op"),  # type: ignore[arg-type]
    (Change("r", "merge", CUSTOMER, remote_id="80000001-1700000000", version="1"), "into_id"),
    (Change("r", "add", "Employee", {"name": "A"}), "kind"),
])
def test_malformed_changes_are_invalid(connector: SandboxConnector, change: Change, field: str) -> None:
    [result] = connector.apply([change])
    assert isinstance(result.error, Invalid) and result.error.field == field


def test_listing_an_unknown_kind_is_a_programming_error(connector: SandboxConnector) -> None:
    with pytest.raises(ValueError, match="unknown kinds"):
        connector.listing(["Employee"])


def test_a_vendor_update_with_customer_kind_is_not_found(connector: SandboxConnector) -> None:
    [added] = connector.apply([Change("v", "add", VENDOR, {"name": "Bayside Supply"})])
    assert added.record
    record = added.record
    [result] = connector.apply([Change("u", "update", CUSTOMER, {"phone": "1"}, remote_id=record.remote_id,
                                       version=record.version)])
    assert result.error is not None and result.error.code == "not_found"


def test_edits_made_in_quickbooks_meanwhile_are_seen(connector: SandboxConnector, empty_path: Path) -> None:
    [added] = connector.apply(adds("Acme"))
    assert added.record
    with SandboxCompany(empty_path) as user:
        user.edit("Acme", {"phone": "(617) 555-0101"})
    [fresh] = connector.fetch([added.record.remote_id])
    assert fresh.values["phone"] == "(617) 555-0101" and fresh.version != added.record.version
    [stale] = connector.apply([Change("u", "update", CUSTOMER, {"email": "a@example.com"},
                                      remote_id=added.record.remote_id, version=added.record.version)])
    assert stale.error is not None and stale.error.code == "stale"
