"""Excel's ``_xHHHH_`` escapes in the text of an ``.xlsx`` file.

XML cannot hold most control characters, so Excel saves a cell holding one as ``_x0007_`` (and a literal
``_x0041_`` typed by someone as ``_x005F_x0041_``). openpyxl hands such text over as it is in the file, so without
decoding ``555_x0007_0100`` would reach QuickBooks as those fourteen characters. Every file port decodes on read and
encodes on write with these two functions, so what the engine sees is what Excel shows.
"""

from __future__ import annotations

import re

_ESCAPED = re.compile("_x([0-9A-Fa-f]{4})_")
# Characters XML 1.0 cannot hold (tab and line feed it can), a carriage return (which XML reads back as a line
# feed, so Excel escapes it too), and an underscore that would otherwise start an escape.
_NEEDS_ESCAPE = re.compile("[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")


def decode(text: str) -> str:
    """Text as Excel shows it: every ``_xHHHH_`` becomes its character."""
    if "_x" not in text:
        return text
    return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), text)


def encode(text: str) -> str:
    """Text as Excel saves it: the inverse of :func:`decode`."""
    return _NEEDS_ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def needs_encoding(text: str) -> bool:
    return _NEEDS_ESCAPE.search(text) is not None
