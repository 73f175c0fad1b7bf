"""Sample data: the shipped sample company (``templates/sample_company.json``) and a generator of big ones.

The generator is deterministic (one seeded ``random.Random``) so a benchmark or a failing test can be
reproduced with the same ``--size`` and ``--seed``. It writes what a landscaping firm's books look like:
people filed as "Last, First", businesses, jobs under customers, vendors, some inactive, custom fields.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from ..connector import CustomFieldDef
from ..contact import CUSTOMER, NAME_SEGMENT_LIMIT, NO, VENDOR, Values, custom_key, name_key
from ..layout import templates_dir
from ..matching import Candidate, find_pairs

SAMPLE_FILE = "sample_company.json"
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class SampleCompany:
    """A company to load: its name, custom field definitions, and contacts (parents before their jobs)."""

    name: str
    custom_fields: tuple[CustomFieldDef, ...]
    contacts: tuple[Values, ...]


def load_sample() -> SampleCompany:
    """The sample company shipped in ``templates/``."""
    raw = json.loads((templates_dir() / SAMPLE_FILE).read_text(encoding="utf-8"))
    fields = tuple(CustomFieldDef(f["name"], tuple(f["kinds"]), int(f.get("max_length", 255)))
                   for f in raw["custom_fields"])
    return SampleCompany(raw["company"], fields, tuple(dict(c) for c in raw["contacts"]))


# --- generator ----------------------------------------------------------------------------------------------

_FIRST = ("James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
          "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Theo", "Sarah", "Charles",
          "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Margaret", "Steven",
          "Sandra", "Paul", "Ashley", "Andrew", "Emily", "Joshua", "Donna", "Kevin", "Monique", "Brian",
          "Carol", "George", "Amanda", "Edward", "Melissa", "Ronald", "Deborah", "Timothy", "Stephanie",
          "Jason", "Rebecca", "Rosa", "Laura", "Gary", "Helen", "Nicholas", "Sharon", "Eric", "Cynthia",
          "Jonathan", "Kathleen", "Jacob", "Amy", "Frank", "Angela", "Simone", "Shirley", "José", "Zoë",
          "René", "Maëlle", "Björn", "Inès", "Chloé", "Siobhan", "Seán", "Aoife", "Marisol", "Thanh", "Priya",
          "Wei", "Aiko", "Chidi", "Nadia", "Omar", "Fatima", "Ingrid", "Lars", "Joaquín")
_LAST = ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
         "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
         "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez",
         "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen",
         "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell",
         "Carter", "Roberts", "O'Brien", "O'Connor", "D'Angelo", "McCarthy", "Jäger", "Peña", "Núñez",
         "Gómez", "Løvik", "Lefèvre", "Ødegaard", "Kowalski", "Nakamura", "Okafor", "Haddad", "Lindqvist",
         "Fitzgerald", "Sullivan", "Murphy", "Kelly", "Walsh", "Byrne", "Ryan", "Doyle", "Quinn", "Brennan",
         "Costa", "Ferreira", "Santos", "Moreau", "Laurent", "Dubois", "Rossi", "Russo", "Bianchi", "Schmidt",
         "Schneider", "Fischer", "Weber", "Becker", "Wagner")
_BIZ_A = ("Acorn", "Alder", "Anchor", "Apex", "Aspen", "Atlantic", "Bay", "Beacon", "Birch", "Blue", "Briar",
          "Brook", "Cardinal", "Cedar", "Charles", "Chestnut", "Cobalt", "Copper", "Crescent", "Crown",
          "Eastern", "Elm", "Evergreen", "Falcon", "Fern", "Fox", "Granite", "Green", "Harbor", "Hawthorn",
          "Heritage", "Highland", "Hillside", "Hudson", "Juniper", "Lakeside", "Laurel", "Liberty", "Linden",
          "Maple", "Meadow", "Merrimack", "Mill", "Minuteman", "Mystic", "North", "Oak", "Orchard", "Patriot",
          "Pine", "Pioneer", "Quarry", "Ridge", "River", "Rock", "Sage", "Salem", "Shore", "Spruce", "Stone",
          "Summit", "Sycamore", "Union", "Valley", "Walden", "Willow", "Windsor")
_BIZ_B = ("Dental Group", "Veterinary Clinic", "Bakery", "Café", "Law Offices", "Pediatrics", "Realty",
          "Property Management", "Apartments", "Condominium Trust", "Montessori School", "Fitness",
          "Yoga Studio", "Auto Body", "Insurance Agency", "Financial Advisors", "Family Practice",
          "Animal Hospital", "Brewing Company", "Bookshop", "Hardware", "Florist", "Country Club", "Inn",
          "Church", "Library Trust", "Medical Center", "Senior Living", "Storage", "Marina")
_BIZ_C = ("", "", "", "LLC", "Inc.", "& Co.", "& Sons", "Group", "Associates", "Partners", "LLP")
_VENDOR_B = ("Nursery", "Stone & Tile", "Irrigation Supply", "Mulch Co.", "Equipment Rental", "Fuel Supply",
             "Truck & Fleet", "Seed & Fertilizer", "Sod Farm", "Tree Service", "Lumber", "Paving", "Electric",
             "Fence Co.", "Hardscape Supply", "Pest Control")
_JOBS = ("Spring Cleanup", "Fall Cleanup", "Patio Install", "Front Yard Redesign", "Backyard Patio",
         "Irrigation Repair", "Irrigation Install", "Tree Removal", "Drainage Fix", "Retaining Wall",
         "Weekly Maintenance", "Snow Removal", "Holiday Lighting", "Hedge Trimming", "Lawn Renovation",
         "Walkway", "Garden Beds", "Fence Repair", "Courtyard Renovation", "Pool Landscaping")
_STREETS = ("Main Street", "Elm Street", "Oak Avenue", "Pleasant Street", "Washington Street", "Maple Avenue",
            "Park Road", "Highland Avenue", "Church Street", "Cedar Lane", "Mill Pond Road", "Central Street",
            "Summer Street", "Winter Street", "School Street", "Prospect Hill Road", "Brook Lane",
            "Spring Street", "Walnut Street", "Chestnut Hill Avenue", "Commonwealth Avenue",
            "Old Concord Road", "Harvard Street")
_PLACES = (("Boston", "MA", "02108"), ("Allston", "MA", "02134"), ("Cambridge", "MA", "02138"),
           ("Brookline", "MA", "02445"), ("Newton", "MA", "02459"), ("Arlington", "MA", "02476"),
           ("Lexington", "MA", "02421"), ("Concord", "MA", "01742"), ("Sudbury", "MA", "01776"),
           ("Winchester", "MA", "01890"), ("Framingham", "MA", "01701"), ("Lowell", "MA", "01852"),
           ("Worcester", "MA", "01608"), ("Quincy", "MA", "02169"), ("Salem", "MA", "01970"),
           ("Nashua", "NH", "03060"), ("Portsmouth", "NH", "03801"), ("Providence", "RI", "02903"),
           ("Hartford", "CT", "06103"), ("Burlington", "VT", "05401"), ("Portland", "ME", "04101"))
_AREA = {"MA": ("617", "781", "978", "508", "339", "857"), "NH": ("603",), "RI": ("401",), "CT": ("860",),
         "VT": ("802",), "ME": ("207",)}
_AREAS = ("Boston", "Metro West", "North Shore", "South Shore")
_MANAGERS = ("Dana Whitaker", "Luis Ortega", "Priya Raman", "Sam Becker")
_REFERRALS = ("Yelp", "Google", "Neighbor referral", "Yard sign", "Houzz", "Garden show", "Walk-in",
              "@larkspurgardens on Instagram", "Chamber of Commerce")
_NOTES = ("Gate code 2207.", "Dog in the backyard; knock first.", "-- call before delivery",
          "Prefers invoices by email.", "Net 30.", "=Net 15 per 2023 agreement", "Water shut-off in garage.",
          "Gate code 4471.\nPark on the street, not the driveway.")


def generate(size: int, *, seed: int, taken: Collection[str] = ()) -> Iterator[Values]:
    """``size`` unique, valid contacts: ~85% customers (~10% of them jobs), ~15% vendors, ~5% inactive.

    Names never clash (ignoring case) with each other or with ``taken``, and no two look alike
    (``custmgr.matching``): a real company's few look-alikes are answered on Review once, so a generated one
    that left hundreds open would make every sync re-read them. Parents come before their jobs.
    """
    rng = random.Random(seed)
    used = {name_key(n) for n in taken}  # generated names are already normalized: casefold is enough
    stems: set[str] = set()  # business names without their legal suffix, casefolded
    parents: list[Values] = []
    contacts: list[Values] = []
    for _ in range(size):
        roll = rng.random()
        if roll < 0.15:
            contact = _vendor(rng, stems)
        elif roll < 0.235 and parents:
            contact = _job(rng, rng.choice(parents))
        else:
            contact = _customer(rng, stems)
        contact["name"] = _unique(contact["name"], used, rng)
        used.add(contact["name"].casefold())
        if contact["kind"] == CUSTOMER and ":" not in contact["name"]:
            parents.append(contact)
        contacts.append(contact)
    _tell_apart(contacts, used)
    yield from contacts


def _tell_apart(contacts: list[Values], used: set[str]) -> None:
    """Number the later contact of each look-alike pair ("Miller, Susan" and "Müller, Susan 2"), its jobs renamed
    with it, until no pair is left. Numbers must agree for two names to look alike, so after the first round only
    the renumbered contacts and those with the same numbers in their names are compared again."""
    among = list(range(len(contacts)))
    for _ in range(5):
        pairs = find_pairs([Candidate(str(i), contacts[i]["name"], contacts[i].get("email", ""),
                                      contacts[i].get("phone", "")) for i in among])
        done: set[int] = set()
        for p in pairs:
            i, j = sorted((int(p.left), int(p.right)))
            if i not in done and j not in done:
                done.add(j)
                _renumber(contacts, j, used)
        if not done:
            return
        numbers = {_numbers(contacts[i]["name"]) for i in done}
        among = [i for i, c in enumerate(contacts) if _numbers(c["name"]) in numbers]


def _numbers(name: str) -> frozenset[str]:
    return frozenset(_DIGITS.findall(name))


def _renumber(contacts: list[Values], at: int, used: set[str]) -> None:
    """Give contact ``at`` a numbered name, and its jobs the new parent name."""
    old = contacts[at]["name"]
    head, sep, last = old.rpartition(":")
    taken = _numbers(old)  # a number the name already holds ("Smith, Ann 2:Patio") would not tell it apart
    number = 1
    new = old
    while new.casefold() in used or str(number) in taken or number == 1:
        number += 1
        suffix = f" {number}"
        new = head + sep + last[:NAME_SEGMENT_LIMIT - len(suffix)].rstrip() + suffix
    used.add(new.casefold())
    contacts[at]["name"] = new
    if contacts[at].get("company") == old:
        contacts[at]["company"] = new
    if contacts[at]["kind"] != CUSTOMER or ":" in old:
        return
    for c in contacts[at + 1:]:  # its jobs (after it, named "Parent:Job")
        if c["name"].startswith(old + ":"):
            c["name"] = new + c["name"][len(old):]
            used.add(c["name"].casefold())


def _unique(name: str, used: set[str], rng: random.Random) -> str:
    """``name``, or a numbered variant ("Garcia, Maria 2") when it is taken, within the segment limit."""
    head, sep, last = name.rpartition(":")
    candidate, number = name, 1
    while candidate.casefold() in used:
        number += 1 if number < 9 else rng.randint(1, 999)
        suffix = f" {number}"
        candidate = head + sep + last[:NAME_SEGMENT_LIMIT - len(suffix)].rstrip() + suffix
    return candidate


def _business(rng: random.Random, stem: str, legal: str, stems: set[str]) -> str:
    """A business name whose stem no other generated business has: "Crown Inn" and "Crown Inn Inc." would be
    look-alikes (one company entered twice, as far as anyone can tell), so a second Crown Inn is told apart by
    its town or street ("Crown Inn of Salem", "Crown Inn on Elm Street"), as real businesses are."""
    name = stem
    if stem.casefold() in stems:
        places = [f"{stem} of {city}" for city, _, _ in _PLACES] + [f"{stem} on {street}" for street in _STREETS
                                                                     if street.split()[0] not in _BIZ_A]
        rng.shuffle(places)
        name = next((p for p in places if p.casefold() not in stems and len(p) <= NAME_SEGMENT_LIMIT), "")
        number = 1
        while not name:  # used up by every place: numbered ("Crown Inn 2"), no legal suffix
            number += 1
            name = f"{stem} {number}" if f"{stem} {number}".casefold() not in stems else ""
        if number > 1:
            stems.add(name.casefold())
            return name
    stems.add(name.casefold())
    with_legal = f"{name} {legal}" if legal else name
    return with_legal if len(with_legal) <= NAME_SEGMENT_LIMIT else name


def _contact_details(rng: random.Random, values: Values, street_name: str) -> Values:
    city, state, zip_code = rng.choice(_PLACES)
    area = rng.choice(_AREA[state])
    values["phone"] = f"({area}) 555-{rng.randint(100, 199):04d}"
    if rng.random() < 0.2:
        values["mobile"] = f"({rng.choice(_AREA[state])}) 555-{rng.randint(100, 199):04d}"
    if rng.random() < 0.1:
        values["fax"] = f"({area}) 555-{rng.randint(100, 199):04d}"
    if rng.random() < 0.85:
        plain = unicodedata.normalize("NFKD", street_name.lower())
        handle = "".join(ch for ch in plain if ch.isascii() and ch.isalnum())
        handle = (handle[:12] + handle[12:][-8:]) or "office"  # "Crown Inn of Salem": its town kept
        values["email"] = f"{handle}{rng.randint(1, 99)}@example.{rng.choice(('com', 'net', 'org'))}"
    values.update(bill_line1=street_name[:41], bill_line2=f"{rng.randint(1, 2400)} {rng.choice(_STREETS)}",
                  bill_city=city, bill_state=state, bill_postal_code=zip_code)
    if rng.random() < 0.1:
        values["notes"] = rng.choice(_NOTES)
    if rng.random() < 0.05:
        values["active"] = NO
    return values


def _customer(rng: random.Random, stems: set[str]) -> Values:
    values: Values = {"kind": CUSTOMER}
    if rng.random() < 0.5:
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        values.update(name=f"{last}, {first}", first_name=first, last_name=last)
        if rng.random() < 0.3:
            values["salutation"] = rng.choice(("Mr.", "Ms.", "Mrs.", "Dr."))
        _contact_details(rng, values, f"{first} {last}")
    else:
        company = _business(rng, f"{rng.choice(_BIZ_A)} {rng.choice(_BIZ_B)}", rng.choice(_BIZ_C), stems)
        values.update(name=company, company=company, first_name=rng.choice(_FIRST),
                      last_name=rng.choice(_LAST))
        _contact_details(rng, values, company)
    if rng.random() < 0.35:
        values[custom_key("Account Manager")] = rng.choice(_MANAGERS)
    if rng.random() < 0.25:
        values[custom_key("Referral Source")] = rng.choice(_REFERRALS)
    return values


def _job(rng: random.Random, parent: Values) -> Values:
    job = rng.choice(_JOBS) + (f" {rng.randint(2015, 2025)}" if rng.random() < 0.5 else "")
    values: Values = {"kind": CUSTOMER, "name": f"{parent['name']}:{job}", "phone": parent["phone"]}
    if "company" in parent:
        values["company"] = parent["company"]
    if parent.get("active") == NO or rng.random() < 0.08:
        values["active"] = NO  # a finished job, or one under an inactive customer (QuickBooks cascades)
    return values


def _vendor(rng: random.Random, stems: set[str]) -> Values:
    company = _business(rng, f"{rng.choice(_BIZ_A)} {rng.choice(_VENDOR_B)}", "", stems)
    values: Values = {"kind": VENDOR, "name": company, "company": company}
    if rng.random() < 0.2:
        values[custom_key("Service Area")] = rng.choice(_AREAS)
    return _contact_details(rng, values, company)
