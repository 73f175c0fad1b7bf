"""Excel's ``_xHHHH_`` escapes: decoding is what Excel shows, encoding is what Excel saves, each the other's
inverse."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custmgr.workbook.escapes import decode, encode

_PIECES = st.sampled_from(["_x0007_", "_x005F_", "_x", "x0041_", "_", "a", "\x07", "\x00", "\t", "\n", "\r", "é",
                           "😀"])


@pytest.mark.parametrize("saved, shown", [
    ("555_x0007_0100", "555\x070100"),
    ("_x005F_x0041_", "_x0041_"),
    ("_x000d__x000A_", "\r\n"),
    ("no escapes", "no escapes"),
    ("_x00G1_ is not one", "_x00G1_ is not one"),
])
def test_decoding_shows_what_excel_shows(saved: str, shown: str) -> None:
    assert decode(saved) == shown


@given(st.lists(_PIECES, max_size=12).map("".join))
def test_encoding_then_decoding_gives_the_text_back(text: str) -> None:
    saved = encode(text)
    assert decode(saved) == text
    assert not any(ch in saved for ch in "\x00\x07\r")  # nothing XML cannot hold (or would read back changed)
