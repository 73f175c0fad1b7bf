"""Reading customers and vendors out of IIF files, and refusing bad ones with every problem and its line."""

from __future__ import annotations

import pytest

from custmgr_iif.lists import load_lists, read_lists
from custmgr_iif.text import IifError

from .samples import DICTIONARY, WINDOWS_CUST, cust, iif, windows_export


@pytest.fixture(scope="module")
def lists():
    return read_lists(windows_export(), "lists.iif")


def by_name(lists):
    return {e.name: e for e in lists.entries}


def test_customers_and_vendors_are_read_with_their_lines(lists):
    assert [(e.line, e.kind, e.name) for e in lists.entries] == [
        (22, "Customer", "Andres, Cristina"), (23, "Customer", "Andres, Cristina:Garden Wall"),
        (24, "Customer", "O'Brien's Bakery"), (26, "Customer", "Café Société"),
        (27, "Customer", "Hastings, Margaret"), (29, "Vendor", "Bay State Stone & Tile")]
    assert lists.product == "QuickBooks Pro"


def test_fields_addresses_and_custom_fields_land_in_the_contact_model(lists):
    andres = by_name(lists)["Andres, Cristina"].values
    assert andres["phone"] == "415-555-2174" and andres["email"] == "cristina@example.com"
    assert (andres["bill_line1"], andres["bill_line2"], andres["bill_city"], andres["bill_state"],
            andres["bill_postal_code"]) == ("Cristina Andres", "4242 Cypress Hill Rd", "Bayshore", "CA", "94326")
    assert andres["custom:Spouse's Name"] == "Carlos" and andres["custom:Region"] == "Bay Area"
    assert andres["active"] == "Yes" and by_name(lists)["Hastings, Margaret"].values["active"] == "No"
    assert by_name(lists)["Andres, Cristina"].version == "1071505142"
    job = by_name(lists)["Andres, Cristina:Garden Wall"].values
    assert (job["ship_line2"], job["ship_city"], job["ship_postal_code"]) == ("12 Shore Rd", "Middlefield", "94482")
    vendor = by_name(lists)["Bay State Stone & Tile"].values
    assert vendor["bill_city"] == "Milford" and vendor["custom:Region"] == "Metro West"
    assert "ship_line1" not in vendor  # a vendor list has one address


def test_text_survives_as_typed(lists):
    bakery = by_name(lists)["O'Brien's Bakery"].values
    assert bakery["notes"] == 'Deliveries before 7\tam.\nAsk for "Maeve", not the manager.'
    assert bakery["company"] == "=1+2"
    assert bakery["bill_country"] == "USA" and bakery["bill_city"] == "Newton"
    cafe = by_name(lists)["Café Société"].values
    assert cafe["company"] == "€uro Café" and cafe["notes"] == "@SUM(A1) -- not a formula"


def test_custom_fields_are_named_by_the_dictionary(lists):
    assert {n: (d.name, d.kinds) for n, d in lists.custom_fields.items()} == {
        1: ("Spouse's Name", ("Customer",)), 2: ("Region", ("Customer", "Vendor"))}


def test_without_a_dictionary_a_custom_field_is_known_by_its_column():
    data = iif(["!CUST", "NAME", "CUSTFLD3"], ["CUST", "A", "Gold"])
    assert read_lists(data, "t.iif").entries[0].values["custom:CUSTFLD3"] == "Gold"


def test_a_dictionary_after_the_rows_still_names_them():
    data = iif(["!CUST", "NAME", "CUSTFLD1"], ["CUST", "A", "Gold"], *DICTIONARY)
    assert read_lists(data, "t.iif").entries[0].values["custom:Spouse's Name"] == "Gold"


def test_columns_are_found_by_the_header_in_any_order_and_case():
    data = iif(["!VEND", "phone1", "Name", "HIDDEN"], ["VEND", "555-0100", "Acme", "Y"])
    entry = read_lists(data, "t.iif").entries[0]
    assert (entry.kind, entry.name, entry.values["phone"], entry.values["active"]) == ("Vendor", "Acme",
                                                                                      "555-0100", "No")


def test_a_later_header_row_replaces_the_earlier_one():
    data = iif(["!CUST", "NAME", "PHONE1"], ["CUST", "A", "1"], ["!CUST", "PHONE1", "NAME"], ["CUST", "2", "B"])
    assert [(e.name, e.values["phone"]) for e in read_lists(data, "t.iif").entries] == [("A", "1"), ("B", "2")]


def test_rows_shorter_than_the_header_and_empty_padding_cells_are_fine():
    data = iif(["!CUST", "NAME", "PHONE1", "EMAIL"], ["CUST", "Short"], ["CUST", "Padded", "1", "e", "", "", ""])
    assert [e.name for e in read_lists(data, "t.iif").entries] == ["Short", "Padded"]


def test_lf_line_ends_and_a_missing_final_line_break_on_a_whole_row_are_fine():
    data = iif(["!CUST", "NAME", "PHONE1"], ["CUST", "A", "1"], eol="\n")[:-1]
    assert read_lists(data, "t.iif").entries[0].values["phone"] == "1"


def test_unknown_columns_are_noted_not_fatal():
    data = iif(["!VEND", "NAME", "WEBSITE"], ["VEND", "Acme", "acme.example"])
    lists = read_lists(data, "t.iif")
    assert lists.unknown_columns == ["VEND WEBSITE"] and lists.entries[0].name == "Acme"


# --- bad files: every problem named by its line, nothing returned ----------------------------------------------


def problems(data: bytes) -> str:
    with pytest.raises(IifError) as caught:
        read_lists(data, "bad.iif")
    return str(caught.value)


def test_a_truncated_file_is_refused_naming_the_cut_row():
    whole = windows_export()
    cut = whole[:whole.index(b"CUST\tO'Brien") + 40]
    message = problems(cut)
    assert message.startswith("bad.iif has a problem; nothing was imported.")
    assert "line 24: the file ends in the middle of this CUST row" in message and "cut short" in message


def test_a_file_cut_inside_a_quoted_value_is_refused():
    whole = windows_export()
    cut = whole[:whole.index(b"Deliveries before") + 5]
    assert "line 24: a value opens a double quote" in problems(cut)


def test_rows_without_their_header_row_are_refused():
    message = problems(iif(["CUST", "Acme", "555"], ["!VEND", "NAME"], ["VEND", "Supplier"], ["CUST", "B"]))
    assert "line 1: a CUST row comes before any !CUST header row" in message
    assert "line 4: a CUST row" in message and "2 problems" in message


def test_a_row_with_more_values_than_its_header_is_refused():
    message = problems(iif(["!CUST", "NAME", "PHONE1"], ["CUST", "Acme", "555", "extra"]))
    assert "line 2: this CUST row has 3 values but its header row (!CUST, line 1) names 2 columns" in message
    assert "double quotes" in message


def test_a_header_without_name_or_with_a_column_twice_is_refused():
    assert "line 1: the !CUST header row has no NAME column" in problems(iif(["!CUST", "PHONE1"], ["CUST", "1"]))
    assert "names the column PHONE1 twice" in problems(iif(["!CUST", "NAME", "PHONE1", "PHONE1"]))


def test_names_given_twice_ignoring_case_across_lists_are_refused():
    message = problems(iif(["!CUST", "NAME"], ["CUST", "Acme"], ["!VEND", "NAME"], ["VEND", "ACME"]))
    assert "line 4: the name 'ACME' is also on line 2" in message


def test_a_row_without_a_name_is_refused():
    assert "line 2: this CUST row has no NAME" in problems(iif(["!CUST", "NAME", "PHONE1"], ["CUST", "", "1"]))


def test_control_characters_are_refused_naming_line_and_column():
    message = problems(iif(["!CUST", "NAME", "NOTEPAD"], ["CUST", "Acme", "ring\x07bell"]))
    assert "line 2: the NOTEPAD value holds the control character U+0007" in message


def test_a_value_too_long_for_a_workbook_cell_is_refused():
    message = problems(iif(["!CUST", "NAME", "NOTEPAD"], ["CUST", "Acme", "x" * 40_000]))
    assert "line 2: the NOTEPAD value is 40,000 characters long; a workbook cell holds 32,767" in message


def test_a_runaway_quote_that_swallows_rows_is_caught():
    message = problems(iif(["!CUST", "NAME", "PHONE1"], ["CUST", '"Acme', "1"], ["CUST", 'B", Inc"', "2"]))
    assert "line 2: the NAME value runs over several lines" in message


def test_hidden_must_be_y_or_n():
    assert "HIDDEN is 'maybe'" in problems(iif(["!CUST", "NAME", "HIDDEN"], ["CUST", "Acme", "maybe"]))


def test_every_problem_is_listed_at_once():
    rows = [["CUST", "", "1"] for _ in range(30)]
    message = problems(iif(["!CUST", *WINDOWS_CUST[:2]], *rows))
    assert "30 problems" in message and "line 2:" in message and "... and 5 more" in message


def test_files_that_are_not_there_or_not_files_say_so(tmp_path):
    with pytest.raises(IifError, match="Cannot find"):
        load_lists(tmp_path / "missing.iif")
    with pytest.raises(IifError, match="is a folder"):
        load_lists(tmp_path)


def test_an_export_with_no_customer_rows_reads_as_empty_lists():
    lists = read_lists(iif(["!CUST", *WINDOWS_CUST], ["!VEND", "NAME"]), "t.iif")
    assert lists.entries == [] and set(lists.headers) == {"CUST", "VEND"}


def test_cust_helper_writes_the_windows_layout():
    assert len(cust(NAME="A")) == len(WINDOWS_CUST) + 1
