"""Matching benchmark: a bookkeeper's own list of N contacts against a QuickBooks company of N contacts.

The company is the sandbox generator's (``generate(N, seed=3)``: people filed "Last, First", businesses, jobs,
vendors, shared phones). The workbook list is the same contacts as a bookkeeper keeps them: most spelled as in
QuickBooks (some in capitals or with other spacing), some spelled differently (a dropped letter, "First Last" for
"Last, First", a legal suffix added or dropped), and some contacts QuickBooks does not have. Two scenarios:

* **typical**: 70% the same name, 15% spelled differently, 15% not in QuickBooks;
* **stress**: every name spelled differently, so that no name links at once and every contact is compared;
* **later sync**: 1% new QuickBooks contacts (half of them look-alikes of synced ones) checked against all the
  synced contacts, as every later sync does for possible duplicates in QuickBooks;
* **inside QuickBooks**: the company's N contacts against each other, as the first sync does for duplicates the
  company already has (``find_pairs`` on one list).

Each time is also given as a ratio to a *baseline* measured in the same process just before: working out the
comparison key (``custmgr.names.name_key``) of every name on both lists, the least any matcher must do.

Run from the repository root::

    python benchmarks/match_benchmark.py                 # 14,500 against 14,500
    python benchmarks/match_benchmark.py --size 50000
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time

from custmgr.company.sample import generate
from custmgr.matching import Candidate, find_pairs, match_lists
from custmgr.names import name_key

TARGET_SECONDS = 2.0


def respell(name: str, rng: random.Random) -> str:
    """``name`` as someone else might type it."""
    roll = rng.random()
    if ", " in name and ":" not in name and roll < 0.35:
        last, first = name.split(", ", 1)
        return f"{first} {last}"
    if roll < 0.5:
        return name + " LLC" if ":" not in name else name.upper().replace(" ", "  ")
    words = name.split(" ")
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 4:
        k = rng.randrange(1, len(w) - 1)
        words[i] = w[:k] + w[k + 1:]  # a dropped letter
    else:
        words[i] = w.lower()
    return " ".join(words)


def lists(size: int, share_respelled: float, share_new: float, seed: int = 5
          ) -> tuple[list[Candidate], list[Candidate]]:
    company = list(generate(size, seed=3))
    others = list(generate(size, seed=99))
    rng = random.Random(seed)
    rows, records = [], []
    for i, v in enumerate(company):
        records.append(Candidate(f"q{i}", v["name"], v.get("email", ""), v.get("phone", "")))
        roll = rng.random()
        if roll < share_new:
            o = others[i]
            rows.append(Candidate(f"r{i}", o["name"], o.get("email", ""), o.get("phone", "")))
            continue
        name = respell(v["name"], rng) if roll < share_new + share_respelled else (
            v["name"].lower() if rng.random() < 0.1 else v["name"])
        rows.append(Candidate(f"r{i}", name, v.get("email", ""), v.get("phone", "")))
    return rows, records


def timed(fn, *args):
    """(wall seconds, result, CPU seconds) of ``fn(*args)``."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    return time.perf_counter() - start, result, time.process_time() - cpu


def keys_of(*lists: list[Candidate]) -> list:
    return [name_key(c.name) for items in lists for c in items]


def run(size: int, repeat: int) -> list[dict]:
    out = []
    for label, respelled, new in (("typical", 0.15, 0.15), ("stress", 1.0, 0.0)):
        rows, records = lists(size, respelled, new)
        baselines, times, cpus, result = [], [], [], None
        for _ in range(repeat):
            name_key.cache_clear()
            baselines.append(timed(keys_of, rows, records)[0])
            name_key.cache_clear()
            took, result, cpu = timed(match_lists, rows, records)
            times.append(took)
            cpus.append(cpu)
        base, took = statistics.median(baselines), statistics.median(times)
        out.append({"scenario": label, "size": size, "seconds": took, "baseline": base, "ratio": took / base,
                    "cpu": statistics.median(cpus), "linked": len(result.linked),
                    "suggested": len(result.suggested), "rows": len(rows)})
    synced, _ = lists(size, 0.0, 0.0)
    rng = random.Random(7)
    new = [Candidate(f"n{i}", respell(c.name, rng) if i % 2 else f"New Client {i} Services", c.email, c.phone)
           for i, c in enumerate(rng.sample(synced, size // 100))]
    baselines, times, cpus = [], [], []
    for _ in range(repeat):
        name_key.cache_clear()
        baselines.append(timed(keys_of, synced, new)[0])
        name_key.cache_clear()
        took, pairs, cpu = timed(find_pairs, synced, new)
        times.append(took)
        cpus.append(cpu)
    base, took = statistics.median(baselines), statistics.median(times)
    out.append({"scenario": "later sync", "size": size, "seconds": took, "baseline": base, "ratio": took / base,
                "cpu": statistics.median(cpus), "linked": 0, "suggested": len(pairs), "rows": len(new)})
    _, records = lists(size, 0.0, 0.0)
    baselines, times, cpus = [], [], []
    for _ in range(repeat):
        name_key.cache_clear()
        baselines.append(timed(keys_of, records)[0])
        name_key.cache_clear()
        took, pairs, cpu = timed(find_pairs, records)
        times.append(took)
        cpus.append(cpu)
    base, took = statistics.median(baselines), statistics.median(times)
    out.append({"scenario": "inside QuickBooks", "size": size, "seconds": took, "baseline": base,
                "ratio": took / base, "cpu": statistics.median(cpus), "linked": 0, "suggested": len(pairs),
                "rows": len(records)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=14_500)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| scenario | rows x contacts | linked at once | look-alikes suggested | seconds | CPU s | baseline s "
          "| ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in run(args.size, args.repeat):
        ok = "" if r["seconds"] < TARGET_SECONDS else f" (over the {TARGET_SECONDS:.0f} s target)"
        print(f"| {r['scenario']} | {r['rows']:,} x {r['size']:,} | {r['linked']:,} | {r['suggested']:,} | "
              f"{r['seconds']:.2f}{ok} | {r['cpu']:.2f} | {r['baseline']:.2f} | {r['ratio']:.1f} |")


if __name__ == "__main__":
    main()
