"""The shipped sample company is realistic and valid; the generator is deterministic, valid and fast."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from custmgr.company import SandboxCompany, create_company
from custmgr.company.sample import generate, load_sample
from custmgr.contact import CUSTOMER, NO, VENDOR, normalize_values, validate

SAMPLE = load_sample()


def test_sample_company_shape() -> None:
    kinds = Counter(c["kind"] for c in SAMPLE.contacts)
    jobs = [c["name"] for c in SAMPLE.contacts if ":" in c["name"]]
    assert SAMPLE.name == "Larkspur Landscaping & Design"
    assert 35 <= kinds[CUSTOMER] <= 40 and 10 <= kinds[VENDOR] <= 14
    assert len(jobs) >= 6 and any(name.count(":") == 2 for name in jobs)
    assert {c["kind"] for c in SAMPLE.contacts if c.get("active") == NO} == {CUSTOMER, VENDOR}
    assert 2 <= len(SAMPLE.custom_fields) <= 3


def test_sample_company_has_the_awkward_cases() -> None:
    names = [c["name"] for c in SAMPLE.contacts]
    values = [v for c in SAMPLE.contacts for v in c.values()]
    assert "O'Brien's Bakery" in names and any("&" in n for n in names)
    assert any(ch in n for n in names for ch in "éüñ")
    assert any(v[:1] in "=-@+" for v in values)
    assert any("\n" in c.get("notes", "") for c in SAMPLE.contacts)
    assert any(c.get("bill_postal_code", "").startswith("0") for c in SAMPLE.contacts)
    used = {k for c in SAMPLE.contacts for k in c if k.startswith("custom:")}
    assert used == {f"custom:{f.name}" for f in SAMPLE.custom_fields}


def test_sample_contacts_are_valid_and_normalized() -> None:
    limits = {f"custom:{f.name}": f.max_length for f in SAMPLE.custom_fields}
    for contact in SAMPLE.contacts:
        assert validate(contact, limits=limits) == [], contact["name"]
        assert normalize_values(contact) == {"active": "Yes", **contact}


def test_sample_company_loads_unchanged(sample_path: Path) -> None:
    with SandboxCompany(sample_path) as company:
        stored = {r.values["name"]: dict(r.values) for r in company.records()}
        assert company.identity().name == SAMPLE.name
        assert company.custom_fields() == list(SAMPLE.custom_fields)
    assert stored == {c["name"]: normalize_values(c) for c in SAMPLE.contacts}


def test_generator_is_deterministic() -> None:
    assert list(generate(300, seed=5)) == list(generate(300, seed=5))
    assert list(generate(300, seed=5)) != list(generate(300, seed=6))


def test_generated_contacts_are_realistic_unique_and_valid() -> None:
    contacts = list(generate(5000, seed=11, taken=["Smith, John"]))
    names = [c["name"].casefold() for c in contacts]
    assert len(set(names)) == 5000 and "smith, john" not in names
    kinds = Counter(c["kind"] for c in contacts)
    jobs = sum(":" in c["name"] for c in contacts)
    inactive = sum(c.get("active") == NO for c in contacts)
    assert 0.12 < kinds[VENDOR] / 5000 < 0.18
    assert 0.07 < jobs / kinds[CUSTOMER] < 0.13
    assert 0.03 < inactive / 5000 < 0.09
    assert sum(any(k.startswith("custom:") for k in c) for c in contacts) > 1000
    seen: set[str] = set()
    for contact in contacts:
        assert validate(contact) == [] and normalize_values(contact) == {"active": "Yes", **contact}
        parent = contact["name"].rpartition(":")[0].casefold()
        assert not parent or parent in seen  # parents come first
        seen.add(contact["name"].casefold())


def test_sample_plus_generated_company(tmp_path: Path) -> None:
    path = tmp_path / "both.sandbox"
    create_company(path, sample=True, size=2000, seed=3)
    with SandboxCompany(path) as company:
        assert len(company.listing()) == len(SAMPLE.contacts) + 2000


@pytest.mark.slow
def test_a_100000_contact_company_is_made_and_read(tmp_path: Path) -> None:
    """The size the benchmarks use (how long it takes is theirs to measure, not a timed test's)."""
    create_company(tmp_path / "big.sandbox", size=100_000, seed=1)
    with SandboxCompany(tmp_path / "big.sandbox") as company:
        listing = company.listing()
        assert len(listing) == 100_000
        assert len(company.fetch([item.remote_id for item in listing[:5000]])) == 5000


def test_a_generated_company_has_no_look_alikes():
    """Its contacts are told apart by town, street or number, never only by Inc./LLC or a near-twin name, so a
    first sync of it asks nothing and later syncs have nothing to re-check."""
    from custmgr.company.sample import generate
    from custmgr.matching import Candidate, find_pairs

    contacts = list(generate(3000, seed=5))
    assert len({c["name"].casefold() for c in contacts}) == 3000
    assert find_pairs([Candidate(str(i), c["name"], c.get("email", ""), c.get("phone", ""))
                       for i, c in enumerate(contacts)]) == []
    jobs = [c for c in contacts if ":" in c["name"]]
    names = {c["name"] for c in contacts}
    assert jobs and all(c["name"].rpartition(":")[0] in names for c in jobs)  # renamed parents take their jobs
