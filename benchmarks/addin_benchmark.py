"""Add-in benchmark: every ribbon button on a workbook paired with a sandbox company, through the real xlwings on
the fake Excel of the add-in tests (Windows' COM and the Mac's AppleScript object models), at several sizes.

For each button it records the calls Excel received, counted below xlwings (COM calls on Windows, Apple events on
a Mac), the cell writes among them, and the time. Times are reported against a *floor* measured in the same run
on the same workbook: reading the Contacts table once and writing it back once through xlwings' own default
conversion, the least any sync of that table must do. Calls are exact; times are what the fake Excel costs in
Python, not what a real Excel adds per call (a COM call takes about 0.1 ms, an Apple event about 1 ms).

Run from the repository root::

    python benchmarks/addin_benchmark.py                                   # 200 and 3,000 contacts, to stdout
    python benchmarks/addin_benchmark.py --sizes 200,3000,20000 --out docs/excel-addin.md

``--out`` replaces the part of the file between ``<!-- addin-results:start -->`` and
``<!-- addin-results:end -->``, so the prose around the table is kept.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from addin.excel import xlwings_book  # noqa: E402
from addin.excel.ribbon_session import STEPS, every_button  # noqa: E402

START, END = "<!-- addin-results:start -->", "<!-- addin-results:end -->"
FLAVOURS = {"win": "Windows (COM calls)", "mac": "Mac (Apple events)"}


def floor(book: object) -> float:
    """Seconds to read the Contacts table and write it back once (text marked as text) through xlwings' default
    conversion."""
    xs = xlwings_book(book).sheets["Contacts"]  # type: ignore[arg-type]
    start = time.perf_counter()
    grid = xs.used_range.options(ndim=2).value
    xs.range("A1").value = [["'" + v if isinstance(v, str) else v for v in row] for row in grid]
    return time.perf_counter() - start


def measure(flavour: str, size: int) -> dict[str, tuple[int, int, float, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CUSTMGR_LOG_DIR"] = str(Path(tmp) / "logs")
        book, clicks = every_button(Path(tmp), flavour, size)
        base = floor(book)
    return {c.step: (c.calls, c.writes, c.seconds, c.seconds / base) for c in clicks}


def table(results: dict[str, dict[int, dict[str, tuple[int, int, float, float]]]], sizes: list[int]) -> str:
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on Python {platform.python_version()} "
             f"({platform.machine()}), xlwings {_xlwings()}.", ""]
    for flavour, by_size in results.items():
        head = " | ".join(f"{n:,} contacts" for n in sizes)
        lines += [f"**{FLAVOURS[flavour]}**: calls (cell writes among them); seconds in the fake Excel, and as a "
                  "multiple of the floor", "",
                  f"| button | {head} |", "|---|" + "---|" * len(sizes)]
        for step in STEPS:
            cells = []
            for n in sizes:
                calls, writes, seconds, ratio = by_size[n][step]
                cells.append(f"{calls:,} ({writes}); {seconds:.2f} s, {ratio:.2f}×")
            lines.append(f"| {step} | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _xlwings() -> str:
    import importlib.metadata

    return importlib.metadata.version("xlwings")


def write_out(path: Path, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in old and END in old:
        before, rest = old.split(START, 1)
        after = rest.split(END, 1)[1]
        path.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")
    else:
        path.write_text(f"{START}\n{text}\n{END}\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="200,3000", help="contacts per company, comma-separated")
    parser.add_argument("--flavours", default="win,mac", help="win, mac or both")
    parser.add_argument("--out", type=Path, help="file whose results section to replace")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",") if n]
    results: dict[str, dict[int, dict[str, tuple[int, int, float, float]]]] = {}
    for flavour in args.flavours.split(","):
        results[flavour] = {}
        for size in sizes:
            results[flavour][size] = measure(flavour, size)
            print(f"{flavour} {size:,}: done", file=sys.stderr)
    text = table(results, sizes)
    if args.out:
        write_out(args.out, text)
    print(text)


if __name__ == "__main__":
    main()
