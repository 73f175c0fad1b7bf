"""An address as five IIF lines, and as the contact's address block (lines, city, state, ZIP, country).

QuickBooks exports an address as the lines printed on an envelope: street lines, then ``City, ST ZIP``, then the
country. Reading, the last lines are taken apart again when they read that way (``Bayshore, CA 94326``,
``Bayshore CA 94326``, ``Toronto, ON M5V 2T6``); anything else stays an address line, as typed. Writing does the
reverse, so an export read back gives the same address. Two shapes cannot be told from a street line and come back
as address lines: a city with neither state nor ZIP, and a country without a city line above it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from custmgr.contact import Values, normalize

LINES = 5
_PARTS = ("city", "state", "postal_code", "country")
_US_LINE = re.compile(r"^(?P<city>[^,\d]*[^,\d\s])\s+(?P<state>[A-Z]{2})\s+(?P<zip>\d{5}(?:-\d{4})?)$")
_COMMA_LINE = re.compile(r"^(?P<city>[^,]*?)\s*,\s*(?P<rest>\S.*)$")
_STATE = re.compile(r"^[A-Za-z][A-Za-z .'-]{0,20}$")
_STATE_CODE = re.compile(r"^[A-Z]{2,3}\.?$")  # as written: "Ron" in "McCale, Ron" is a name
_COUNTRY = re.compile(r"^[^\W\d_][^\d,:;/@#]{0,30}$")


def block_from_lines(prefix: str, lines: Sequence[str]) -> Values:
    """The address block ``prefix`` (``bill``/``ship``) from up to five IIF address lines; every key present."""
    cells = [normalize(f"{prefix}_line1", line) for line in lines[:LINES]]
    while cells and not cells[-1]:
        cells.pop()
    street, place, country = cells, None, ""
    if cells and (place := _city_line(cells[-1])):
        street = cells[:-1]
    elif len(cells) > 1 and _COUNTRY.match(cells[-1]) and (place := _city_line(cells[-2])):
        street, country = cells[:-2], cells[-1]
    out = {f"{prefix}_line{i}": (street[i - 1] if i <= len(street) else "") for i in range(1, LINES + 1)}
    city, state, postal = place or ("", "", "")
    parts = {"city": city, "state": state, "postal_code": postal, "country": country}
    out.update({f"{prefix}_{part}": normalize(f"{prefix}_{part}", parts[part]) for part in _PARTS})
    return out


def lines_from_block(prefix: str, values: Mapping[str, str]) -> list[str]:
    """The address block ``prefix`` as IIF address lines (possibly more than five: the caller checks)."""
    lines = [values.get(f"{prefix}_line{i}", "") for i in range(1, LINES + 1)]
    while lines and not lines[-1]:
        lines.pop()
    city, state, postal, country = (values.get(f"{prefix}_{part}", "") for part in _PARTS)
    tail = " ".join(part for part in (state, postal) if part)
    place = f"{city}, {tail}" if tail else city
    if place:
        lines.append(place)
    if country:
        lines.append(country)
    return lines


def _city_line(text: str) -> tuple[str, str, str] | None:
    """``(city, state, ZIP)`` if ``text`` reads as the city line of an address, else None."""
    found = _US_LINE.match(text)
    if found:
        return found["city"], found["state"], found["zip"]
    found = _COMMA_LINE.match(text)
    if not found:
        return None
    city, tokens = found["city"], found["rest"].split()
    first_number = next((i for i, token in enumerate(tokens) if any(ch.isdigit() for ch in token)), len(tokens))
    state, postal = " ".join(tokens[:first_number]), " ".join(tokens[first_number:])
    if state and not _STATE.match(state):
        return None
    if postal and (len(postal) < 3 or len(postal) > 13):
        return None
    short_state = bool(_STATE_CODE.match(state))
    if not (postal or short_state):
        return None  # "Andres, Cristina" is a name, not a place
    if any(ch.isdigit() for ch in city) and not (postal and short_state):
        return None  # "Unit 4, Block 7" is a street line
    return city, state, postal
