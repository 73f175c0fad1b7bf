"""Name keys and the look-alike rules, example by example, plus properties that must hold for any names."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custmgr.matching import Candidate, find_pairs, looks_alike, one_to_one, phone_key
from custmgr.names import compact, fold, name_key


@pytest.mark.parametrize(("name", "key", "reversed_"), [
    ("O'Brien's Bakery, LLC", "obriens bakery", False),
    ("Acme, Inc.", "acme", False),
    ("Chen, Wei", "wei chen", True),
    ("Smith, John A.", "john a smith", True),
    ("A.B.C. Printing Co", "abc printing", False),
    ("Smith & Sons", "smith sons", False),
    ("Beacon Hill Dental Grp.", "beacon hill dental group", False),
    ("The Company", "the company", False),  # a name of nothing but legal words is still a name
    ("Müller, Lars:Tree Removal", "lars muller / tree removal", True),
    ("Dr. Sarah Lee, DDS", "sarah lee", False),
])
def test_name_keys(name: str, key: str, reversed_: bool) -> None:
    k = name_key(name)
    assert (k.key, k.reversed) == (key, reversed_)


def test_fold_and_compact() -> None:
    assert fold("Zoë's  Café & Bar-B-Q") == "zoes cafe and bar b q"
    assert compact(" Hill  Side BAKERY ") == "hillsidebakery"


def test_phone_keys_ignore_formatting_and_country_code() -> None:
    assert phone_key("+1 (617) 555-0100 x12") == phone_key("617.555.0100") == "6175550100"
    assert phone_key("555") == ""


def test_one_pair_per_contact_best_first() -> None:
    left = [Candidate("r1", "Jonathan Smith"), Candidate("r2", "Jon Smith")]
    right = [Candidate("q1", "Jonathon Smith")]
    pairs = one_to_one(find_pairs(left, right))
    assert [(p.left, p.right) for p in pairs] == [("r1", "q1")]


WORDS = st.sampled_from(["acme", "beacon", "hill", "dental", "group", "smith", "john", "jon", "supply", "inc",
                         "llc", "&", "co", "o'brien's", "bakery", "café", "unit", "1", "2", "chen", "wei", "j."])
NAMES = st.lists(WORDS, min_size=1, max_size=5).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(NAMES, NAMES, st.booleans())
def test_looking_alike_is_symmetric(a: str, b: str, same_email: bool) -> None:
    email = "x@example.com" if same_email else ""
    one = looks_alike(Candidate("a", a, email), Candidate("b", b, email))
    other = looks_alike(Candidate("b", b, email), Candidate("a", a, email))
    assert (one is None) == (other is None)


@settings(max_examples=200, deadline=None)
@given(NAMES)
def test_a_name_looks_like_itself_in_capitals_and_with_other_spacing(name: str) -> None:
    if not name_key(name).key:
        return
    assert looks_alike(Candidate("a", name), Candidate("b", "  " + name.upper().replace(" ", "   "))) is not None


@settings(max_examples=100, deadline=None)
@given(st.lists(NAMES, min_size=2, max_size=12, unique=True))
def test_pairs_inside_one_list_come_once_and_each_is_a_look_alike(names: list[str]) -> None:
    people = [Candidate(f"c{i}", n) for i, n in enumerate(names)]
    pairs = find_pairs(people)
    keys = [(p.left, p.right) for p in pairs]
    assert len(keys) == len(set(keys)) and all(a != b for a, b in keys)
    assert not {(b, a) for a, b in keys} & set(keys)
    by_id = {c.id: c for c in people}
    assert all(looks_alike(by_id[a], by_id[b]) is not None for a, b in keys)


TEXT = st.text(alphabet="abcdejnos '-.,", min_size=1, max_size=14)


@settings(max_examples=400, deadline=None)
@given(st.one_of(NAMES, TEXT), st.lists(st.one_of(NAMES, TEXT), min_size=1, max_size=6), st.booleans())
def test_the_quick_sieve_keeps_every_look_alike(name: str, others: list[str], same_phone: bool) -> None:
    """Comparing one contact with its block's contacts first sifts names in one rapidfuzz call, and lets through
    the ones the sift drops only for a shared email or phone; what it gives is what comparing each pair on its own
    gives (a sift that also dropped the shared-phone pairs fails here)."""
    from custmgr.matching import _compare_with, _ready

    phone = "(617) 555-0100" if same_phone else ""
    a = Candidate("a", name, phone=phone)
    bs = [Candidate(f"b{i}", other, phone=phone if i % 2 else "") for i, other in enumerate(others)]
    sifted = list(_compare_with(_ready(a), [_ready(b) for b in bs]))
    one_by_one = [p for p in (looks_alike(a, b) for b in bs) if p is not None]
    assert sifted == one_by_one
