"""Round trips to QuickBooks grow with the changes (per batch) and the listing's pages, never with the contacts:
each one costs QuickBooks Desktop a request through its SDK, so this is what keeps a sync fast."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from custmgr import sync as engine
from custmgr_qbd.connector import QbdConnector

from .sizes import edit_in_quickbooks, edit_rows, kinds, sized_pair


def counted(book: Path, **options: Any) -> tuple[Any, list[QbdConnector]]:
    opened: list[QbdConnector] = []
    summary, _ = engine.sync(book, connector_options={**options, "on_open": opened.append}, backoff=0)
    return summary, opened


def test_the_same_changes_cost_the_same_round_trips_at_any_size(tmp_path: Path) -> None:
    trips = {}
    for size in (80, 320):
        book, company = sized_pair(tmp_path / str(size), size)
        edit_rows(book, 12)
        edit_in_quickbooks(company, 12)
        summary, _ = counted(book)
        assert (summary.sent, summary.received, summary.failed) == (12, 12, 0)
        trips[size] = summary.remote_calls
    # identity + one listing page (customers and vendors together) + one fetch + one batch of writes
    assert trips == {80: 4, 320: 4}


def test_round_trips_follow_pages_fetch_chunks_and_batches(tmp_path: Path) -> None:
    book, company = sized_pair(tmp_path, 300)
    customers, vendors = kinds(company)
    edit_rows(book, 130, every=2)
    edit_in_quickbooks(company, 20)
    summary, (connector,) = counted(book, page_size=40)
    pages = math.ceil(max(customers, vendors) / 40)  # customers and vendors page side by side
    assert (summary.sent, summary.received) == (130, 20)
    # identity + listing pages + one fetch (up to 500 records) + batches of writes
    assert summary.remote_calls == 1 + pages + 1 + math.ceil(130 / connector.batch_size)
    assert connector.requests_sent / connector.round_trips > 20  # many requests travel in each message


def test_a_refused_change_costs_one_more_round_trip_not_one_per_change(tmp_path: Path) -> None:
    book, _ = sized_pair(tmp_path, 60)
    edit_rows(book, 30)
    opened: list[QbdConnector] = []

    def lock_one(connector: QbdConnector) -> None:
        opened.append(connector)
        connector.transport.front.inject(3180, requests=["CustomerModRq", "VendorModRq"])  # type: ignore[attr-defined]

    summary, _ = engine.sync(book, connector_options={"on_open": lock_one}, backoff=0)
    assert summary.sent == 30 and summary.failed == 0
    # identity, listing, the batch up to the locked change, the rest of it, the locked change again
    assert opened[0].round_trips == 5
