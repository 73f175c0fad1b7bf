"""Address lines as QuickBooks prints them, taken apart into address fields and put back together."""

from __future__ import annotations

import pytest

from custmgr_iif.addresses import block_from_lines, lines_from_block


def place(*lines: str) -> tuple[str, ...]:
    b = block_from_lines("bill", list(lines))
    return (*(b[f"bill_line{i}"] for i in range(1, 6) if b[f"bill_line{i}"]), b["bill_city"], b["bill_state"],
            b["bill_postal_code"], b["bill_country"])


@pytest.mark.parametrize("lines, expected", [
    (("Cristina Andres", "4242 Cypress Hill Rd", "Bayshore CA 94326"),
     ("Cristina Andres", "4242 Cypress Hill Rd", "Bayshore", "CA", "94326", "")),
    (("12 Main St", "Bayshore, CA  94482"), ("12 Main St", "Bayshore", "CA", "94482", "")),
    (("1 Yonge St", "Toronto, ON M5V 2T6", "Canada"), ("1 Yonge St", "Toronto", "ON", "M5V 2T6", "Canada")),
    (("10 Downing St", "London, SW1A 2AA", "United Kingdom"),
     ("10 Downing St", "London", "", "SW1A 2AA", "United Kingdom")),
    (("PO Box 7", "Boston, MA"), ("PO Box 7", "Boston", "MA", "", "")),
    (("New York, New York 10001",), ("New York", "New York", "10001", "")),
])
def test_the_city_line_is_taken_apart(lines, expected):
    assert place(*lines) == expected


@pytest.mark.parametrize("lines", [
    ("McCale, Ron",),  # a name with a comma
    ("Unit 4, Block 7",),
    ("Suite 100, Building B",),
    ("Acme Ltd", "Attn: Bob"),
    ("Springfield",),  # a city alone cannot be told from a street line
])
def test_lines_that_are_not_a_place_stay_address_lines(lines):
    assert place(*lines) == (*lines, "", "", "", "")


def test_a_gap_between_street_lines_is_kept():
    b = block_from_lines("ship", ["Acme", "", "1 Main St", "Boston, MA 02110"])
    assert [b[f"ship_line{i}"] for i in range(1, 6)] == ["Acme", "", "1 Main St", "", ""]
    assert b["ship_city"] == "Boston"


@pytest.mark.parametrize("block", [
    {"bill_line1": "Claire Abernathy", "bill_line2": "14 Larchmont Road", "bill_city": "Winchester",
     "bill_state": "MA", "bill_postal_code": "01890"},
    {"bill_line1": "Acme", "bill_line3": "Unit 4", "bill_city": "Toronto", "bill_state": "ON",
     "bill_postal_code": "M5V 2T6", "bill_country": "Canada"},
    {"bill_line1": "No. 9", "bill_city": "St. Louis", "bill_state": "MO", "bill_postal_code": "63101-1234"},
    {"bill_city": "London", "bill_postal_code": "SW1A 2AA", "bill_country": "United Kingdom"},
    {"bill_state": "MA", "bill_postal_code": "02110"},
    {"bill_line1": "Only a street"},
    {},
])
def test_an_address_written_as_lines_reads_back_the_same(block):
    again = block_from_lines("bill", lines_from_block("bill", block))
    assert {k: v for k, v in again.items() if v} == block


def test_an_address_can_need_more_than_five_lines():
    block = {f"bill_line{i}": f"line {i}" for i in range(1, 6)} | {"bill_city": "Boston", "bill_country": "USA"}
    assert len(lines_from_block("bill", block)) == 7
