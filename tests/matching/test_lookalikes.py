"""The labelled look-alike set: how well the matcher suggests pairs a bookkeeper should see, and only those.

Precision: of the pairs suggested, how many really are one contact. Recall: of the pairs that are one contact,
how many are suggested. Both are measured and printed by category on two sets: ``lookalikes.tsv``, the set the
matcher's rules were worked out on, and ``lookalikes_holdout.tsv``, written afterwards and never used to tune them
(so its figures are the honest estimate for lists the rules have not seen).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from custmgr.matching import Candidate, find_pairs, looks_alike

DATA = Path(__file__).with_name("lookalikes.tsv")
HOLDOUT = Path(__file__).with_name("lookalikes_holdout.tsv")


@dataclass(frozen=True)
class Labelled:
    same: bool
    category: str
    a: Candidate
    b: Candidate


def load(path: Path = DATA) -> list[Labelled]:
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t") + [""] * 8
        label, category, a, b, email_a, email_b, phone_a, phone_b = cells[:8]
        assert label in ("same", "different"), f"line {number}: label {label!r}"
        out.append(Labelled(label == "same", category, Candidate(f"{path.stem}:a{number}", a, email_a, phone_a),
                            Candidate(f"{path.stem}:b{number}", b, email_b, phone_b)))
    return out


def scores(pairs: list[Labelled]) -> tuple[float, float, Counter[tuple[str, str]]]:
    tally: Counter[tuple[str, str]] = Counter()
    for p in pairs:
        suggested = looks_alike(p.a, p.b) is not None
        outcome = {(True, True): "tp", (True, False): "fn", (False, True): "fp", (False, False): "tn"}[
            (p.same, suggested)]
        tally[(p.category, outcome)] += 1
        tally[("all", outcome)] += 1
    tp, fp, fn = tally[("all", "tp")], tally[("all", "fp")], tally[("all", "fn")]
    return tp / (tp + fp), tp / (tp + fn), tally


def test_the_set_is_big_and_varied() -> None:
    pairs = load() + load(HOLDOUT)
    assert len(pairs) >= 200
    categories = Counter(p.category for p in pairs)
    for needed in ("typo", "abbreviation", "reorder", "legal", "person", "shared words"):
        assert categories[needed] >= 8, needed
    assert sum(p.same for p in pairs) >= 100 and sum(not p.same for p in pairs) >= 100


@pytest.mark.parametrize("path", [DATA, HOLDOUT], ids=["working set", "held out"])
def test_precision_and_recall_of_suggested_pairs(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = load(path)
    precision, recall, tally = scores(pairs)
    with capsys.disabled():
        print(f"\n{path.name} ({len(pairs)} pairs): precision {precision:.3f}, recall {recall:.3f}")
        for category in sorted({c for c, _ in tally if c != "all"}):
            counts = {o: tally[(category, o)] for o in ("tp", "fn", "fp", "tn")}
            print(f"  {category:<14} " + "  ".join(f"{o} {n:>3}" for o, n in counts.items()))
    missed = [f"{p.a.name!r} / {p.b.name!r}" for p in pairs if p.same and looks_alike(p.a, p.b) is None]
    wrong = [f"{p.a.name!r} / {p.b.name!r}" for p in pairs if not p.same and looks_alike(p.a, p.b) is not None]
    assert precision >= 0.9, f"precision {precision:.3f}; suggested wrongly: {wrong}"
    assert recall >= 0.95, f"recall {recall:.3f}; missed: {missed}"


def test_blocking_finds_the_labelled_pairs_among_many_others() -> None:
    """The labelled pairs hidden in two lists with thousands of other names: blocking must not lose them."""
    from custmgr.company.sample import generate

    pairs = [p for p in load() + load(HOLDOUT) if p.same and looks_alike(p.a, p.b) is not None]
    noise = [Candidate(f"n{i}", v["name"]) for i, v in enumerate(generate(4000, seed=11))]
    left = [p.a for p in pairs] + noise[:2000]
    right = [p.b for p in pairs] + noise[2000:]
    found = {(x.left, x.right) for x in find_pairs(left, right)}
    lost = [f"{p.a.name!r} / {p.b.name!r}" for p in pairs if (p.a.id, p.b.id) not in found]
    assert len(lost) <= len(pairs) * 0.02, lost


def test_every_suggestion_says_why() -> None:
    for p in load() + load(HOLDOUT):
        found = looks_alike(p.a, p.b)
        if found is not None:
            assert found.reasons and all(isinstance(r, str) and r for r in found.reasons)
            assert 0 < found.score <= 110
