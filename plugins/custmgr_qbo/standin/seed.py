"""What a stand-in company starts with: the recorded Intuit sandbox company, or generated contacts.

The recording ("Craig's Design and Landscaping Services": 41 customers with jobs, 27 vendors with an inactive
"(deleted)" one) is read from the conformance data folder (``custmgr.testing.reference``), never copied into the
repository. Generated companies are for trying things out when that folder is absent and for benchmarks.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .company import StandInCompany

RECORDED_NAME = "Craig's Design and Landscaping Services"
CUSTOMERS_FILE = "craigs_sandbox_customer_query_all.json"
VENDORS_FILE = "craigs_sandbox_vendor_query_active_and_inactive.json"


def recorded_folder(reference: Path | None) -> Path | None:
    """The ``qbo_json`` folder of the conformance data, when it is on this computer."""
    if reference is None:
        return None
    folder = reference / "quickbooks" / "qbo_json"
    return folder if (folder / CUSTOMERS_FILE).is_file() else None


def recorded_entities(folder: Path, file_name: str, entity: str) -> list[dict[str, Any]]:
    """Every ``entity`` object in the answers of one recorded file, last answer winning per Id."""
    data = json.loads((folder / file_name).read_text(encoding="utf-8"))
    found: dict[str, dict[str, Any]] = {}
    for interaction in data["interactions"]:
        body = interaction["response"].get("body") or {}
        for item in (body.get("QueryResponse") or {}).get(entity) or []:
            found[str(item["Id"])] = item
    return list(found.values())


def load_recorded(company: StandInCompany, folder: Path) -> None:
    company.name = RECORDED_NAME
    company.load("Customer", recorded_entities(folder, CUSTOMERS_FILE, "Customer"))
    company.load("Vendor", recorded_entities(folder, VENDORS_FILE, "Vendor"))


_FIRST = ("Ann", "Ben", "Carla", "Dev", "Eve", "Farid", "Gina", "Hugo", "Ines", "Jon", "Kira", "Luis", "Mia", "Noor")
_LAST = ("Adams", "Baker", "Chen", "Diaz", "Evans", "Fox", "Garcia", "Hughes", "Ito", "Jones", "Khan", "Lopez")
_TRADE = ("Landscaping", "Bakery", "Plumbing", "Design", "Consulting", "Auto Repair", "Florist", "Dental")
_CITY = (("Boston", "MA", "02134"), ("Austin", "TX", "73301"), ("Denver", "CO", "80202"), ("Salem", "OR", "97301"))


def generated(size: int, seed: int = 7, vendors: int | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """``size`` customers (every tenth a job under the customer before it) and some vendors, as
    (kind, object) pairs with Ids from 1."""
    rng = random.Random(seed)
    next_id = 1
    last_parent = ""
    for n in range(size):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        city, state, zip_code = rng.choice(_CITY)
        display = f"{last} {rng.choice(_TRADE)} {n + 1}"
        entity: dict[str, Any] = {
            "Id": str(next_id), "SyncToken": "0", "DisplayName": display, "GivenName": first, "FamilyName": last,
            "CompanyName": display, "Active": True,
            "PrimaryPhone": {"FreeFormNumber": f"({rng.randint(200, 989)}) 555-{rng.randint(0, 9999):04d}"},
            "PrimaryEmailAddr": {"Address": f"{first.lower()}.{last.lower()}{n}@example.com"},
            "BillAddr": {"Line1": f"{rng.randint(1, 999)} Main St.", "City": city,
                         "CountrySubDivisionCode": state, "PostalCode": zip_code},
        }
        if n % 10 == 9 and last_parent:
            entity.update(ParentRef={"value": last_parent}, Job=True, DisplayName=f"Job {n + 1}")
        else:
            last_parent = entity["Id"]
        yield "Customer", entity
        next_id += 1
    for n in range(size // 20 if vendors is None else vendors):
        yield "Vendor", {"Id": str(next_id), "SyncToken": "0", "DisplayName": f"{rng.choice(_LAST)} Supply {n + 1}",
                         "Active": True}
        next_id += 1


def load_generated(company: StandInCompany, size: int, seed: int = 7, vendors: int | None = None) -> None:
    customers, others = [], []
    for kind, entity in generated(size, seed, vendors):
        (customers if kind == "Customer" else others).append(entity)
    company.load("Customer", customers)
    company.load("Vendor", others)
