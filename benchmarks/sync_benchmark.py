"""Sync benchmark: first import, a sync with no changes and a sync with 1% changed on each side, at several sizes.

Every time is reported against a *floor*: a plain ``openpyxl.load_workbook(path)`` + ``wb.save(other)`` of the same
workbook file, measured in the same run just before the sync (just after it for the first import, whose input is
an empty workbook). The floor is measured twice: as is, and with Python's garbage collector switched off, as the
workbook port runs openpyxl. Each step runs in a fresh process, so its peak memory (``ru_maxrss``) is its own.

Run from the repository root::

    python benchmarks/sync_benchmark.py                                  # 1,000 and 14,500 contacts
    python benchmarks/sync_benchmark.py --sizes 1000,14500,100000 --out docs/performance.md

``--out`` replaces the part of the file between ``<!-- results:start -->`` and ``<!-- results:end -->`` (or
writes a new file holding only the results), so the prose around the tables is kept.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import math
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

try:
    import resource
except ImportError:  # Windows: no peak memory figures
    resource = None  # type: ignore[assignment]

BOOK = "book.xlsx"
COMPANY = "company.qbsandbox"
CONTACTS = "Contacts"
START, END = "<!-- results:start -->", "<!-- results:end -->"
ENGINE_TARGET = 0.10  # engine time (plan + merge) as a share of the floor
#: Whole sync as a multiple of the floor, per step (issue 14: the workbook read by values, saved by parts).
SYNC_TARGETS = {"first import": 0.5, "no changes": 0.1, "1% changed": 0.2}
MEMORY_TARGET = 0.5  # peak memory of a sync at 100,000 contacts as a share of the floor's
FETCH_CHUNK = 500  # ids per fetch call (custmgr.sync.FETCH_CHUNK)
STEPS = ("first import", "no changes", "1% changed")

# Phases a sync's wall time is split into. Each wrapped call is charged its own time minus the time of wrapped
# calls inside it, so the phases add up to the wall time (the rest is "other"). Workbook I/O is openpyxl's
# load and save and the port's conversion between cells and grids (sheet read / sheet write); QuickBooks is the
# connector's calls; everything else is engine work.
ENGINE_PHASES = ("plan", "settle")  # the plan and the merge of its results into rows and links
OTHER_ENGINE_PHASES = ("contacts", "state", "fetch", "send", "backup", "layout", "review+log", "other")
PHASES = ("load", "sheet read", "contacts", "state", "QuickBooks", "fetch", *ENGINE_PHASES, "send", "backup",
          "sheet write", "layout", "review+log", "save", "other")

Result = dict[str, Any]


# --------------------------------------------------------------------------------------------- measuring


def peak_mb() -> float | None:
    """This process's peak resident memory in MB (``ru_maxrss``), or None where it cannot be read."""
    if resource is None:
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10  # bytes on macOS, KiB on Linux


def in_child(fn: Callable[..., Result], *args: Any) -> Result:
    """Run ``fn(*args)`` in a fresh interpreter, so peak memory and garbage are its own."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def clocks() -> tuple[float, float]:
    """Wall time and this process's CPU time. CPU time hardly moves when other programs share the cores."""
    return time.perf_counter(), time.process_time()


class Phases:
    """Exclusive wall and CPU time per phase of wrapped functions, plus call counters."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)
        self._stack: list[list[float]] = []  # per open call: wall and CPU time of the wrapped calls inside it
        self._undo: list[tuple[object, str, Any]] = []

    def wrap(self, owner: object, name: str, phase: str, *, static: bool = False,
             count: Callable[..., int] | None = None) -> None:
        """Replace ``owner.name`` with a timed wrapper charging ``phase``; ``count(*args)`` adds to a counter."""
        original = getattr(owner, name)
        self._undo.append((owner, name, vars(owner).get(name, original)))

        def timed(*args: Any, **kwargs: Any) -> Any:
            if count is not None:
                self.counts[name] += count(*args)
            self._stack.append([0.0, 0.0])
            wall, cpu = clocks()
            try:
                return original(*args, **kwargs)
            finally:
                end_wall, end_cpu = clocks()
                spent, spent_cpu = end_wall - wall, end_cpu - cpu
                inner = self._stack.pop()
                self.seconds[phase] += spent - inner[0]
                self.cpu[phase] += spent_cpu - inner[1]
                if self._stack:
                    self._stack[-1][0] += spent
                    self._stack[-1][1] += spent_cpu

        setattr(owner, name, staticmethod(timed) if static else timed)

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()


def _instrument() -> Phases:
    """Wrap the engine's steps (where ``custmgr.sync``, ``push`` and ``commit`` call them), the workbook port and
    the sandbox connector."""
    from custmgr import commit, push
    from custmgr import sync as engine
    from custmgr.contact_sheet import ContactsSheet
    from custmgr.workbook.lossless import LosslessWorkbook
    from custmgr.workbook.xlsx import XlsxWorkbook
    from custmgr_sandbox.connector import SandboxConnector

    p = Phases()
    for port in (XlsxWorkbook, LosslessWorkbook):
        p.wrap(port, "open", "load", static=True)
        p.wrap(port, "read", "sheet read")
        p.wrap(port, "write", "sheet write")
        p.wrap(port, "save", "save")
    for name in ("company", "listing", "custom_fields"):
        p.wrap(SandboxConnector, name, "QuickBooks")
    p.wrap(SandboxConnector, "fetch", "QuickBooks", count=lambda _self, ids: len(ids))
    p.wrap(SandboxConnector, "apply", "QuickBooks", count=lambda _self, changes: len(changes))
    p.wrap(engine, "make_plan", "plan")
    p.wrap(engine, "settle", "settle")
    p.wrap(engine, "read_contact_sheet", "contacts")
    p.wrap(ContactsSheet, "contact_rows", "contacts")
    p.wrap(engine, "read_state", "state")
    p.wrap(commit, "write_state", "state")
    p.wrap(engine, "_fetch", "fetch")
    p.wrap(push, "write_all", "send")
    p.wrap(engine, "make_backup", "backup")
    p.wrap(commit, "write_backup", "backup")
    p.wrap(commit, "format_contacts", "layout")
    for owner, name in ((engine, "read_settings"), (engine, "read_decisions"), (commit, "write_review"),
                        (commit, "append_log"), (commit, "append_changes")):
        p.wrap(owner, name, "review+log")
    return p


@contextmanager
def _gc_timer() -> Iterator[dict[str, float]]:
    """CPU time spent in the cyclic garbage collector while the block runs (it overlaps the phases)."""
    out = {"seconds": 0.0, "collections": 0}
    started: list[float] = []

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(time.process_time())
        elif started:
            out["seconds"] += time.process_time() - started.pop()
            out["collections"] += 1

    gc.callbacks.append(callback)
    try:
        yield out
    finally:
        gc.callbacks.remove(callback)


# --------------------------------------------------------------------------------------------- child steps


def prepare_step(folder: str, size: int) -> Result:
    """A sandbox company of ``size`` generated contacts and a new workbook set up for it (vendors too)."""
    from custmgr.book import create_workbook
    from custmgr.company import SandboxCompany, create_company
    from custmgr.sync import setup

    os.chdir(folder)
    create_company(COMPANY, size=size)
    with SandboxCompany(COMPANY) as company:
        fields = [f.name for f in company.custom_fields()]
    create_workbook(Path(BOOK))
    # A relative company path is stored relative to the workbook, so the folder can be copied as a whole.
    setup(Path(BOOK), connector="sandbox", company=COMPANY, vendors=True,
          custom_fields=dict.fromkeys(fields, ""))
    return {"custom_fields": fields}


def floor_step(book: str, copy: str, gc_off: bool = False) -> Result:
    """The floor: plain openpyxl load + save of the workbook; ``gc_off`` switches the garbage collector off."""
    import openpyxl

    if gc_off:
        gc.disable()
    start, start_cpu = clocks()
    wb = openpyxl.load_workbook(book)
    loaded = time.perf_counter()
    wb.save(copy)
    end, end_cpu = clocks()
    gc.enable()
    os.unlink(copy)
    return {"seconds": end - start, "cpu": end_cpu - start_cpu, "load": loaded - start, "save": end - loaded,
            "peak_mb": peak_mb()}


def sync_step(folder: str, profile: str | None = None) -> Result:
    """One whole sync of the folder's workbook, timed and split into phases; with ``profile``, also run under
    cProfile and write the statistics there (the times are then inflated)."""
    from custmgr import plugins
    from custmgr.sync import sync

    plugins.connectors()  # load the entry points before timing: a long-running add-in has them loaded
    book = Path(folder) / BOOK
    phases = _instrument()
    profiler = cProfile.Profile() if profile else None
    with _gc_timer() as gc_time:
        start, start_cpu = clocks()
        if profiler is not None:
            profiler.enable()
        summary, _plan = sync(book)
        if profiler is not None:
            profiler.disable()
        end, end_cpu = clocks()
    phases.restore()
    if profiler is not None and profile:
        profiler.dump_stats(profile)
    wall, cpu = end - start, end_cpu - start_cpu
    seconds, cpu_seconds = dict(phases.seconds), dict(phases.cpu)
    seconds["other"] = max(0.0, wall - sum(seconds.values()))
    cpu_seconds["other"] = max(0.0, cpu - sum(cpu_seconds.values()))
    counts = {k: getattr(summary, k) for k in summary.COUNTS if getattr(summary, k)}
    engine_wide = (*ENGINE_PHASES, *OTHER_ENGINE_PHASES)
    return {
        "seconds": wall, "cpu": cpu, "phases": seconds, "cpu_phases": cpu_seconds,
        "gc_seconds": gc_time["seconds"], "gc_collections": gc_time["collections"],
        "engine_seconds": sum(seconds.get(k, 0.0) for k in ENGINE_PHASES),
        "engine_cpu": sum(cpu_seconds.get(k, 0.0) for k in ENGINE_PHASES),
        "engine_wide_seconds": sum(seconds.get(k, 0.0) for k in engine_wide),
        "engine_wide_cpu": sum(cpu_seconds.get(k, 0.0) for k in engine_wide),
        "round_trips": summary.remote_calls, "fetched": phases.counts["fetch"], "applied": phases.counts["apply"],
        "outcome": summary.outcome, "counts": counts, "peak_mb": peak_mb(), "book_bytes": book.stat().st_size,
    }


def edit_step(folder: str, size: int, round_no: int) -> Result:
    """1% of ``size`` rows edited in the workbook (as a user in Excel would, via openpyxl) and 1% other contacts
    edited in the sandbox company (as someone in QuickBooks would); different fields on each side."""
    import openpyxl

    from custmgr.company import SandboxCompany

    book = Path(folder) / BOOK
    gc.disable()  # untimed, but 100,000 rows take minutes with it on
    wb = openpyxl.load_workbook(book)
    ws = wb[CONTACTS]
    column = {str(c.value): c.column for c in ws[1] if c.value}
    n_rows = ws.max_row - 1
    count = max(1, size // 100)
    stride = max(2, n_rows // count)
    here = {"Phone": "617-555-{:04d}", "Email": "bench.{}@example.com", "Job Title": "Buyer {}",
            "Notes": "Benchmark note {}"}
    there = {"mobile": "508-555-{:04d}", "fax": "978-555-{:04d}", "cc_email": "cc.{}@example.net",
             "ship_city": "Town {}"}
    picked_here = [2 + (i * stride + round_no) % n_rows for i in range(count)]
    picked_there = [2 + (i * stride + stride // 2 + round_no) % n_rows for i in range(count)]
    names = [str(ws.cell(row, column["Name"]).value) for row in picked_there]
    for i, row in enumerate(picked_here):
        label, pattern = list(here.items())[i % len(here)]
        ws.cell(row, column[label]).value = pattern.format((round_no * 7919 + i) % 10_000)
    wb.save(book)
    with SandboxCompany(Path(folder) / COMPANY) as company:
        for i, name in enumerate(names):
            key, pattern = list(there.items())[i % len(there)]
            company.edit(name, {key: pattern.format((round_no * 7919 + i) % 10_000)})
    return {"workbook_edits": len(picked_here), "quickbooks_edits": len(names)}


def keep_backups_step(folder: str, keep: int) -> Result:
    """Set Backups to keep on the Settings sheet."""
    from custmgr.settings import read_settings, settings_values, write_settings
    from custmgr.workbook.xlsx import XlsxWorkbook

    book = XlsxWorkbook.open(Path(folder) / BOOK)
    settings = read_settings(book)
    values = settings_values(settings)
    values["backups"] = str(keep)
    write_settings(book, values, settings.custom_fields)
    book.save()
    return {"backups": keep}


# --------------------------------------------------------------------------------------------- the run


def _copy(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass(frozen=True)
class Options:
    """How to run: trials per step, rounds of the backups comparison, where to put profiles."""

    repeat: int = 1
    backup_rounds: int = 5
    profile_dir: Path | None = None


def _slug(step: str) -> str:
    return step.replace("% ", "pct-").replace(" ", "-")


def measure_size(size: int, work: Path, opts: Options, log: Callable[[str], None]) -> Result:
    """Every step at one size; the workbook moves on from step to step."""
    base = work / f"n{size}"
    prepared = base / "prepared"
    prepared.mkdir(parents=True)
    started = time.perf_counter()
    in_child(prepare_step, str(prepared), size)
    log(f"{size:,}: company and workbook ready ({time.perf_counter() - started:.0f} s)")
    current = prepared
    steps: list[Result] = []
    for step in STEPS:
        if step == "1% changed":
            in_child(edit_step, str(current), size, 0)
        if opts.profile_dir:  # on a copy of its own, untimed, so the profiler does not touch the numbers
            profiled = _copy(current, base / "profiled")
            target = opts.profile_dir / f"sync-{size}-{_slug(step)}.prof"
            in_child(sync_step, str(profiled), str(target))
            shutil.rmtree(profiled)
            log(f"{size:,} {step}: profile written to {target}")
        trials = []
        for k in range(opts.repeat):
            trial = _copy(current, base / f"{_slug(step)}-{k}")
            book = str(trial / BOOK)
            copy = str(trial / "floor.xlsx")
            # The first import's input is an empty workbook: its floor is taken on what the import wrote.
            result = in_child(sync_step, str(trial)) if step == "first import" else None
            floor = in_child(floor_step, book, copy)
            floor_gc_off = in_child(floor_step, book, copy, True)
            if result is None:
                result = in_child(sync_step, str(trial))
            floor["gc_off"] = floor_gc_off
            trials.append((trial, floor, result))
            log(f"{size:,} {step}: sync {result['seconds']:.2f} s (CPU {result['cpu']:.2f}), floor "
                f"{floor['seconds']:.2f} s (CPU {floor['cpu']:.2f}; GC off {floor_gc_off['seconds']:.2f}), engine "
                f"{result['engine_seconds']:.3f} s (CPU {result['engine_cpu']:.3f}), "
                f"{result['round_trips']} round trips")
        steps.append(_combine(step, [(f, r) for _, f, r in trials]))
        for trial, _, _ in trials[:-1]:
            shutil.rmtree(trial)
        if current != prepared:
            shutil.rmtree(current)
        current = trials[-1][0]
    backups = measure_backups(size, current, base, opts.backup_rounds, log) if opts.backup_rounds else []
    shutil.rmtree(base)
    return {"size": size, "steps": steps, "backups": backups}


def _combine(step: str, trials: list[tuple[Result, Result]]) -> Result:
    """Medians over repeated trials of one step (the counts are the last trial's). Ratios are taken per trial,
    each sync against the floor measured next to it, then the median of those; ``*_cpu`` ones use CPU time."""
    floors = [f for f, _ in trials]
    syncs = [s for _, s in trials]
    last = syncs[-1]

    def ratio(key: str, floor_key: str, gc_off: bool = False) -> float:
        return _median([s[key] / (f["gc_off"] if gc_off else f)[floor_key] for f, s in trials])

    def med(key: str, of: list[Result] = syncs) -> float:
        return _median([x[key] for x in of])

    return {
        "step": step, "trials": len(trials),
        "sync_seconds": med("seconds"), "sync_cpu": med("cpu"),
        "floor_seconds": med("seconds", floors), "floor_cpu": med("cpu", floors),
        "floor_load_seconds": med("load", floors), "floor_save_seconds": med("save", floors),
        "floor_gc_off_seconds": _median([f["gc_off"]["seconds"] for f in floors]),
        "floor_gc_off_cpu": _median([f["gc_off"]["cpu"] for f in floors]),
        "engine_seconds": med("engine_seconds"), "engine_cpu": med("engine_cpu"),
        "engine_wide_seconds": med("engine_wide_seconds"), "engine_wide_cpu": med("engine_wide_cpu"),
        "gc_seconds": med("gc_seconds"),
        "sync_ratio": ratio("seconds", "seconds"), "sync_ratio_cpu": ratio("cpu", "cpu"),
        "sync_ratio_gc_off_cpu": ratio("cpu", "cpu", True),
        "engine_ratio": ratio("engine_seconds", "seconds"), "engine_ratio_cpu": ratio("engine_cpu", "cpu"),
        "engine_ratio_gc_off_cpu": ratio("engine_cpu", "cpu", True),
        "engine_wide_ratio_cpu": ratio("engine_wide_cpu", "cpu"),
        "phases": {k: _median([s["phases"].get(k, 0.0) for s in syncs]) for k in PHASES},
        "cpu_phases": {k: _median([s["cpu_phases"].get(k, 0.0) for s in syncs]) for k in PHASES},
        "sync_peak_mb": max((s["peak_mb"] or 0.0) for s in syncs) or None,
        "floor_peak_mb": max((f["peak_mb"] or 0.0) for f in floors) or None,
        "per_trial": [{"sync_seconds": s["seconds"], "sync_cpu": s["cpu"], "floor_seconds": f["seconds"],
                       "floor_cpu": f["cpu"], "floor_gc_off_seconds": f["gc_off"]["seconds"],
                       "floor_gc_off_cpu": f["gc_off"]["cpu"], "engine_seconds": s["engine_seconds"],
                       "engine_cpu": s["engine_cpu"]} for f, s in trials],
        **{k: last[k] for k in ("round_trips", "fetched", "applied", "outcome", "counts", "book_bytes")},
    }


def measure_backups(size: int, start: Path, base: Path, rounds: int, log: Callable[[str], None]) -> list[Result]:
    """The 1%-change sync ``rounds`` times with the default 3 backups kept against none, interleaved."""
    variants = {keep: _copy(start, base / f"backups-{keep}") for keep in (3, 0)}
    out = {keep: {"backups": keep, "start_bytes": (folder / BOOK).stat().st_size, "seconds": [], "cpu": [],
                  "bytes": []} for keep, folder in variants.items()}
    for keep, folder in variants.items():
        in_child(keep_backups_step, str(folder), keep)
    for round_no in range(1, rounds + 1):
        for keep, folder in variants.items():
            in_child(edit_step, str(folder), size, round_no)
            result = in_child(sync_step, str(folder))
            out[keep]["seconds"].append(result["seconds"])
            out[keep]["cpu"].append(result["cpu"])
            out[keep]["bytes"].append(result["book_bytes"])
            log(f"{size:,} backups={keep} round {round_no}: {result['seconds']:.2f} s, "
                f"{result['book_bytes'] / 1e6:.2f} MB")
    for folder in variants.values():
        shutil.rmtree(folder)
    return list(out.values())


def machine() -> dict[str, str]:
    """What the numbers were measured on."""
    import openpyxl

    cpu = platform.processor() or platform.machine()
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"cpu": cpu, "cores": str(os.cpu_count()), "python": platform.python_version(),
            "openpyxl": openpyxl.__version__, "os": f"{platform.system()} {platform.release()}"}


# --------------------------------------------------------------------------------------------- reporting


def _mb(n: float | None) -> str:
    return "-" if n is None else f"{n / 1e6:.2f}" if n > 1e4 else f"{n:.0f}"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def markdown(results: list[Result], info: dict[str, str]) -> str:
    """The results as markdown tables, with a line per target saying whether it is met."""
    runs = ", ".join(f"{r['steps'][0]['trials']} at {r['size']:,}" for r in results)
    lines = [f"Measured on {info['cpu']} ({info['cores']} cores), {info['os']}, Python {info['python']}, "
             f"openpyxl {info['openpyxl']}. Runs per step: {runs}; times are medians, ratios the median of each "
             "run's sync against the floor measured next to it.", ""]
    lines += ["Times in seconds, wall clock (CPU time of the process in brackets). Engine = plan + merge "
              "(`make_plan` and `settle`); Engine+ = all the sync's own work, that is everything except the "
              "workbook port (open, sheet reads and writes, save) and QuickBooks calls.", "",
              "| Contacts | Step | Sync | Floor | Floor, GC off | Engine | Engine+ |",
              "|---:|---|---:|---:|---:|---:|---:|"]
    for r in results:
        for s in r["steps"]:
            lines.append(f"| {r['size']:,} | {s['step']} | {s['sync_seconds']:.2f} ({s['sync_cpu']:.2f}) | "
                         f"{s['floor_seconds']:.2f} ({s['floor_cpu']:.2f}) | "
                         f"{s['floor_gc_off_seconds']:.2f} ({s['floor_gc_off_cpu']:.2f}) | "
                         f"{s['engine_seconds']:.3f} ({s['engine_cpu']:.3f}) | "
                         f"{s['engine_wide_seconds']:.2f} ({s['engine_wide_cpu']:.2f}) |")
    lines += ["", "Against the floor (targets: sync at most 0.5x for the first import, 0.1x with no changes, 0.2x "
              "with 1% changed; engine under 10%), by wall and by CPU time:", "",
              "| Contacts | Step | Sync / floor | Sync / floor, CPU | Sync / floor GC off, CPU | Engine / floor | "
              "Engine / floor, CPU | Engine / floor GC off, CPU | Engine+ / floor, CPU |",
              "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        for s in r["steps"]:
            lines.append(f"| {r['size']:,} | {s['step']} | {s['sync_ratio']:.2f}x | {s['sync_ratio_cpu']:.2f}x | "
                         f"{s['sync_ratio_gc_off_cpu']:.2f}x | {_pct(s['engine_ratio'])} | "
                         f"{_pct(s['engine_ratio_cpu'])} | {_pct(s['engine_ratio_gc_off_cpu'])} | "
                         f"{_pct(s['engine_wide_ratio_cpu'])} |")
    lines += ["", "Memory, QuickBooks calls and file size:", "",
              "| Contacts | Step | Peak MB, sync | Peak MB, floor | Round trips | Records fetched | Changes sent | "
              "Workbook MB |", "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        for s in r["steps"]:
            lines.append(f"| {r['size']:,} | {s['step']} | {_peak(s['sync_peak_mb'])} | {_peak(s['floor_peak_mb'])} | "
                         f"{s['round_trips']} | {s['fetched']:,} | {s['applied']:,} | {s['book_bytes'] / 1e6:.2f} |")
    lines += ["", "Where the sync's time goes: CPU seconds per phase, each call's own time (time in the garbage "
              "collector is also counted in the phase it interrupted; the GC column shows its total):", ""]
    shown = [p for p in PHASES
             if any(s["cpu_phases"].get(p, 0.0) >= 0.005 for r in results for s in r["steps"])]
    lines.append("| Contacts | Step | " + " | ".join(shown) + " | GC |")
    lines.append("|---:|---|" + "---:|" * (len(shown) + 1))
    for r in results:
        for s in r["steps"]:
            cells = " | ".join(f"{s['cpu_phases'].get(p, 0.0):.2f}" for p in shown)
            lines.append(f"| {r['size']:,} | {s['step']} | {cells} | {s['gc_seconds']:.2f} |")
    with_backups = [r for r in results if r["backups"]]
    if with_backups:
        rounds = ", ".join(f"{len(r['backups'][0]['seconds'])} at {r['size']:,}" for r in with_backups)
        lines += ["", f"Backups: the 1%-changed edits and sync repeated ({rounds}), new values each time:", "",
                  "| Contacts | Backups to keep | Workbook MB before | MB after each sync | Growth per sync (MB) | "
                  "Mean sync, s (CPU) |", "|---:|---:|---:|---|---:|---:|"]
        for r in with_backups:
            for b in r["backups"]:
                sizes = ", ".join(f"{n / 1e6:.2f}" for n in b["bytes"])
                growth = (b["bytes"][-1] - b["bytes"][0]) / max(1, len(b["bytes"]) - 1) / 1e6
                cpu = f" ({statistics.mean(b['cpu']):.2f})" if b.get("cpu") else ""
                lines.append(f"| {r['size']:,} | {b['backups']} | {b['start_bytes'] / 1e6:.2f} | {sizes} | "
                             f"{growth:+.3f} | {statistics.mean(b['seconds']):.2f}{cpu} |")
        lines.append("")
        for r in with_backups:
            kept = {b["backups"]: b for b in r["backups"]}
            if 3 in kept and 0 in kept:
                extra = kept[3]["bytes"][-1] - kept[0]["bytes"][-1]
                clock = "cpu" if kept[3].get("cpu") and kept[0].get("cpu") else "seconds"
                slower = statistics.mean(kept[3][clock]) / statistics.mean(kept[0][clock]) - 1
                lines.append(f"- {r['size']:,} contacts: after the last sync, 3 backups take "
                             f"{extra / 1e6:.2f} MB ({_pct(extra / kept[0]['bytes'][-1])} of the workbook without "
                             f"backups); syncs keeping backups took {slower:+.0%} "
                             f"{'CPU' if clock == 'cpu' else 'wall'} time.")
    lines += ["", "Targets:", ""]
    lines += [f"- {line}" for line in verdicts(results)]
    return "\n".join(lines) + "\n"


def _peak(mb: float | None) -> str:
    return "-" if mb is None else f"{mb:.0f}"


def verdicts(results: list[Result]) -> list[str]:
    """One line per target: met or not, with the worst case."""
    out = []
    for r in results:
        worst = max(r["steps"], key=lambda s: s["engine_ratio"])
        met = all(s["engine_ratio"] < ENGINE_TARGET for s in r["steps"])
        out.append(f"{r['size']:,} contacts, engine time under 10% of the floor: {'met' if met else 'NOT met'} "
                   f"(worst: {worst['step']}, {_pct(worst['engine_ratio'])})")
        for s in r["steps"]:
            limit = SYNC_TARGETS.get(s["step"])
            if limit is None:
                continue
            met, met_cpu = s["sync_ratio"] <= limit, s["sync_ratio_cpu"] <= limit
            out.append(f"{r['size']:,} contacts, {s['step']} at most {limit}x the floor: by wall time "
                       f"{'met' if met else 'NOT met'} ({s['sync_ratio']:.3f}x); by CPU time "
                       f"{'met' if met_cpu else 'NOT met'} ({s['sync_ratio_cpu']:.3f}x)")
        if r["size"] >= 100_000:
            for s in r["steps"]:
                if s["sync_peak_mb"] and s["floor_peak_mb"]:
                    share = s["sync_peak_mb"] / s["floor_peak_mb"]
                    out.append(f"{r['size']:,} contacts, {s['step']} peak memory at most half the floor's: "
                               f"{'met' if share <= MEMORY_TARGET else 'NOT met'} ({share:.2f})")
    quiet = {r["size"]: next(s for s in r["steps"] if s["step"] == "no changes")["round_trips"] for r in results}
    ok = True
    for r in results:
        for s in r["steps"]:
            # The first import also asks for the custom fields' limits (kept with the pairing after it).
            bound = 2 + (s["step"] == "first import") + math.ceil(s["fetched"] / FETCH_CHUNK) \
                + math.ceil(s["applied"] / 50)
            ok = ok and s["round_trips"] <= bound
    flat = len(set(quiet.values())) == 1
    out.append(f"remote calls proportional to changes: {'met' if ok and flat else 'NOT met'} (no-change sync: "
               + ", ".join(f"{n} at {size:,}" for size, n in quiet.items())
               + "; every sync within 2 + fetched/500 + sent/50 round trips, one more for the first import's "
                 "custom-field limits)")
    return out


def write_out(path: Path, text: str) -> None:
    """Put ``text`` between the results markers of ``path``, or write a new file."""
    block = f"{START}\n{text}{END}\n"
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if START in old and END in old:
            head, rest = old.split(START, 1)
            tail = rest.split(END, 1)[1].lstrip("\n")
            path.write_text(head + block + ("\n" + tail if tail else ""), encoding="utf-8")
            return
    path.write_text("# Performance\n\n" + block, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,14500",
                        help="contact counts, comma separated (default 1000,14500; 100000 takes about 10 minutes and "
                             "1.2 GB); empty to only report --merge results")
    parser.add_argument("--repeat", type=int, default=1, help="runs per step, medians reported (default 1)")
    parser.add_argument("--backup-rounds", type=int, default=5,
                        help="syncs per variant in the backups comparison; 0 skips it (default 5)")
    parser.add_argument("--out", type=Path, help="markdown file to put the results tables in")
    parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                        help="write the raw results as JSON to FILE (or to standard output)")
    parser.add_argument("--merge", type=Path, action="append", default=[], metavar="FILE",
                        help="add results saved earlier with --json FILE (sizes measured now replace them)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="also run each sync once under cProfile (untimed) and write DIR/sync-SIZE-STEP.prof")
    parser.add_argument("--workdir", type=Path, help="where to build the workbooks (default: a temporary folder)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    opts = Options(max(1, args.repeat), max(0, args.backup_rounds), args.profile)
    if opts.profile_dir:
        opts.profile_dir.mkdir(parents=True, exist_ok=True)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    earlier: dict[int, Result] = {}
    for path in args.merge:
        for result in json.loads(path.read_text(encoding="utf-8"))["results"]:
            earlier[result["size"]] = result
    work = Path(tempfile.mkdtemp(prefix="custmgr-bench-", dir=args.workdir))
    try:
        measured = [measure_size(size, work, opts, log) for size in sizes]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results = sorted({**earlier, **{r["size"]: r for r in measured}}.values(), key=lambda r: r["size"])
    info = machine()
    text = markdown(results, info)
    if args.out:
        write_out(args.out, text)
    if args.json:
        raw = json.dumps({"machine": info, "results": results}, indent=2)
        if args.json == "-":
            print(raw)
        else:
            Path(args.json).write_text(raw + "\n", encoding="utf-8")
    if args.json != "-":
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
