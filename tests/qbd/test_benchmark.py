"""Benchmark: a first import of 14,500 names and a sync with 1% changed on each side, over the qbd connector's
sandbox transport, next to the same syncs through the plain sandbox connector (the engine alone).

Reports round trips, qbXML requests per round trip and time. It runs only when asked (it takes minutes)::

    CUSTMGR_QBD_BENCH_SIZE=14500 pytest -s tests/qbd/test_benchmark.py

The figures are kept in docs/quickbooks-desktop.md; the fast tests in test_round_trips.py check the same rule.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any

import pytest

from custmgr import sync as engine
from custmgr.book import create_workbook
from custmgr.company import create_company
from custmgr_qbd.connector import PAGE_SIZE, QbdConnector

from .sizes import edit_in_quickbooks, edit_rows, kinds

FETCH_CHUNK = engine.FETCH_CHUNK


def timed_sync(book: Path) -> tuple[Any, float, list[Any]]:
    opened: list[Any] = []
    start = time.perf_counter()
    summary, _ = engine.sync(book, connector_options={"on_open": opened.append}, backoff=0)
    return summary, time.perf_counter() - start, opened


@pytest.mark.slow
def test_benchmark_first_import_and_one_percent_sync(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if not os.environ.get("CUSTMGR_QBD_BENCH_SIZE"):
        pytest.skip("a benchmark: set CUSTMGR_QBD_BENCH_SIZE (e.g. 14500) to run it")
    size = int(os.environ["CUSTMGR_QBD_BENCH_SIZE"])
    changed = max(1, size // 100)
    lines = [f"{size:,} contacts; 1% = {changed} changed in the workbook and {changed} in QuickBooks",
             f"{'connector':<10} {'sync':<14} {'round trips':>11} {'requests':>9} {'per trip':>8} {'seconds':>8}"]
    for name in ("sandbox", "qbd"):
        folder = tmp_path / name
        folder.mkdir()
        company, book = folder / "company.qbsandbox", folder / "contacts.xlsx"
        create_company(company, name="Benchmark Co", size=size)
        create_workbook(book)
        engine.setup(book, connector=name, company=str(company), vendors=True, inactive=True)
        for label in ("first import", "1% changed"):
            if label == "1% changed":
                edit_rows(book, changed, every=max(1, size // changed - 1))
                edit_in_quickbooks(company, changed, every=7)
            summary, seconds, opened = timed_sync(book)
            requests = opened[0].requests_sent if isinstance(opened[0], QbdConnector) else summary.remote_calls
            lines.append(f"{name:<10} {label:<14} {summary.remote_calls:>11} {requests:>9} "
                         f"{requests / summary.remote_calls:>8.1f} {seconds:>8.1f}")
            if name == "qbd":
                pages = math.ceil(max(kinds(company)) / PAGE_SIZE)
                if label == "first import":
                    assert summary.imported == size
                    assert summary.remote_calls == 1 + pages + math.ceil(size / FETCH_CHUNK)
                else:
                    assert summary.sent == changed and summary.failed == 0
                    fetches = math.ceil(summary.received / FETCH_CHUNK)
                    assert summary.remote_calls == 1 + pages + fetches + math.ceil(changed / opened[0].batch_size)
    with capsys.disabled():
        print("\n" + "\n".join(lines))
