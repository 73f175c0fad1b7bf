"""QuickBooks Online benchmark: HTTP requests and time per sync against the stand-in, at 1,000 and 14,500 customers.

Steps, as in the engine benchmark: the first import, a sync with no changes, and a sync with 1% of the contacts
changed in the workbook and another 1% changed in QuickBooks. Each step counts the requests the stand-in answered,
by kind, and compares them with the floor the connector aims at: the listing pages (or one Change Data Capture
request and the count check, when the lists kept from the last sync make that cheaper) plus one batch request per
30 changes sent. Run with the lists kept between syncs (the default) and without (``cache_dir=off``).

Run from the repository root::

    python benchmarks/qbo_benchmark.py                       # 1,000 and 14,500 customers
    python benchmarks/qbo_benchmark.py --sizes 1000 --out docs/quickbooks-online.md

``--out`` replaces the part of the file between ``<!-- qbo-results:start -->`` and ``<!-- qbo-results:end -->``.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import openpyxl

from custmgr import sync as engine
from custmgr.book import create_workbook
from custmgr_qbo.standin import StandIn
from custmgr_qbo.standin.seed import load_generated
from custmgr_qbo.tokens import AppKeys, Tokens, TokenStore

START, END = "<!-- qbo-results:start -->", "<!-- qbo-results:end -->"
BATCH = 30
PAGE = 1000


class _Keyring(keyring.backend.KeyringBackend):
    """The benchmark's sign-in stays in memory: nothing reaches the OS keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


def sign_in(standin: StandIn) -> None:
    issued = standin.auth.issue_tokens()
    store = TokenStore("127.0.0.1")
    store.save_app(AppKeys(standin.auth.client_id, standin.auth.client_secret))
    store.save_tokens(standin.realm, Tokens(issued["refresh_token"], time.time() + 1e7, issued["access_token"],
                                            time.time() + 3600))


def change_workbook(book: Path, count: int) -> None:
    """A new phone number on ``count`` rows spread over the sheet (outside the timed sync)."""
    wb = openpyxl.load_workbook(book)
    ws = wb["Contacts"]
    phone = next(c.column for c in ws[1] if c.value == "Phone")
    step = max(1, (ws.max_row - 1) // count)
    for n, row in enumerate(range(2, ws.max_row + 1, step)):
        if n >= count:
            break
        ws.cell(row, phone).value = f"(555) 100-{n:04d}"
    wb.save(book)


def change_quickbooks(standin: StandIn, count: int) -> None:
    """Notes changed on ``count`` customers in QuickBooks (the other end of the list from the workbook's)."""
    for record in list(reversed(standin.company.all("Customer")))[:count]:
        standin.company.update("Customer", {"Id": record["Id"], "sparse": True, "Notes": "changed in QuickBooks"},
                               check_token=False)


def step(standin: StandIn, book: Path, options: dict[str, Any]) -> dict[str, Any]:
    before = len(standin.requests)
    spent = [0.0]
    started = time.perf_counter()
    summary, _ = engine.sync(book, connector_options={**options, "on_open": lambda c: _timed(c, spent)})
    seconds = time.perf_counter() - started
    kinds = Counter(_kind(r.path, r.body) for r in standin.requests[before:])
    return {"seconds": seconds, "quickbooks": spent[0], "requests": sum(kinds.values()), "kinds": kinds,
            "sent": summary.sent, "received": summary.received, "imported": summary.imported}


def _timed(connector: Any, spent: list[float]) -> None:
    """Add the time of every connector call (HTTP, parsing, the lists) to ``spent``."""
    for name in ("company", "listing", "fetch", "apply"):
        original = getattr(connector, name)

        def timed(*args: Any, _original: Any = original) -> Any:
            began = time.perf_counter()
            try:
                return _original(*args)
            finally:
                spent[0] += time.perf_counter() - began

        setattr(connector, name, timed)


def _kind(path: str, body: bytes) -> str:
    if path.endswith("/query"):
        return "count" if b"COUNT(*)" in body else "page"
    if "/oauth2/" in path or "openid" in path:
        return "sign-in"
    return path.rstrip("/").split("/")[4] if path.startswith("/v3/") else path


def floor(size: int, sent: int, how: str) -> int:
    """The fewest requests that step can take: company + listing + batches."""
    listing = 2 if how == "changes" else math.ceil((size + 1) / PAGE)
    return 1 + listing + math.ceil(sent / BATCH)


def run(size: int, keep_lists: bool) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = StandIn()
        load_generated(server.company, size, vendors=0)
        with server:
            sign_in(server)
            book = folder / "book.xlsx"
            create_workbook(book)
            engine.setup(book, connector="qbo", company=server.realm, vendors=False, options=server.options())
            options = {"cache_dir": str(folder / "cache") if keep_lists else "off"}
            changes = max(1, size // 100)
            for name in ("first import", "no changes", "1% changed each side"):
                if name.startswith("1%"):
                    change_workbook(book, changes)
                    change_quickbooks(server, changes)
                result = step(server, book, options)
                how = "changes" if result["kinds"].get("cdc") else "full"
                rows.append({"size": size, "lists kept": "yes" if keep_lists else "no", "step": name,
                             "listing": how, **result, "floor": floor(size, result["sent"], how)})
                print(_line(rows[-1]), file=sys.stderr)
    return rows


def _line(row: dict[str, Any]) -> str:
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(row["kinds"].items()))
    moved = f"{row['imported']} / {row['sent']} / {row['received']}"
    return (f"| {row['size']:,} | {row['lists kept']} | {row['step']} | {moved} | {row['listing']} | "
            f"{row['requests']} ({kinds}) | {row['floor']} | {row['seconds']:.1f} | {row['quickbooks']:.2f} |")


def table(rows: list[dict[str, Any]]) -> str:
    head = ("| customers | lists kept | step | imported / sent / received | listing | HTTP requests (by kind) | "
            "floor | sync s | connector s |\n|---:|---|---|---|---|---|---:|---:|---:|")
    machine = f"{platform.python_implementation()} {platform.python_version()}, {platform.machine()}"
    return "\n".join([head, *(_line(r) for r in rows), "", f"Measured on {machine}, {time.strftime('%Y-%m-%d')}."])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,14500", help="comma-separated customer counts")
    parser.add_argument("--out", type=Path, help="write the table into this Markdown file, between the markers")
    args = parser.parse_args()
    keyring.set_keyring(_Keyring())
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        for keep in (True, False):
            rows += run(size, keep)
    text = table(rows)
    print(text)
    if args.out:
        old = args.out.read_text(encoding="utf-8") if args.out.exists() else f"{START}\n{END}\n"
        before, _, rest = old.partition(START)
        _, _, after = rest.partition(END)
        args.out.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
