"""Quoting names for QuickBooks Online's query language: whatever a name holds, the query means that name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custmgr_qbo import query
from custmgr_qbo.standin import query as parser


@pytest.mark.parametrize(("name", "literal"), [
    ("Amy's Bird Sanctuary", r"'Amy\'s Bird Sanctuary'"),  # as in the recorded request
    ("C:\\Users\\Public", r"'C:\\Users\\Public'"),
    ("ends with \\", r"'ends with \\'"),
    ("\\'", r"'\\\''"),
    ("Robertson & Associates", "'Robertson & Associates'"),
])
def test_quote(name, literal):
    assert query.quote(name) == literal


def test_a_curly_apostrophe_cannot_be_quoted_but_can_be_matched():
    with pytest.raises(ValueError, match="like_pattern"):
        query.quote("Bird’s Nest")
    assert query.like_pattern("Bird’s “Nest”") == "'Bird%s %Nest%%'"


@given(st.text(alphabet=st.characters(blacklist_characters=query.UNQUOTABLE, blacklist_categories=("Cs",))))
def test_any_name_survives_quoting(name):
    statement = f"SELECT * FROM Customer WHERE DisplayName = {query.quote(name)}"
    assert parser.parse(statement).conditions[0].value == name


@given(st.text())
def test_any_name_can_be_looked_up(name):
    statement = query.by_display_name("Customer", name)
    condition = parser.parse(statement).conditions[1]
    assert parser.matches({"DisplayName": name + " (deleted)"}, condition)


def test_statements():
    assert query.page("Vendor", 1001) == ("SELECT * FROM Vendor WHERE Active IN (true,false) ORDERBY Id "
                                          "STARTPOSITION 1001 MAXRESULTS 1000")
    assert query.by_ids("Customer", ["1", "22"]).endswith("AND Id IN ('1','22') MAXRESULTS 1000")
    assert parser.parse(query.count("Customer")).count
