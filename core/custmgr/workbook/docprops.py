"""``docProps/app.xml``: the file's properties list its sheets by name (``TitlesOfParts``, counted per kind in
``HeadingPairs``: "Worksheets", "Named Ranges", ...). When the sync adds or removes sheets (its backups), the list
follows, so it never names a sheet the file no longer has. Only those two elements change; the rest of the part is
kept byte for byte. The worksheets' group is the one listing the sheets as they were (its heading is in Excel's
language), else the one headed "Worksheets"; a list with neither is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from xml.sax.saxutils import escape, unescape

from .package import FLAVOURS

#: The relationship type of this part, transitional and Strict (``extended-properties``, ``extendedProperties``).
APP_RELS = frozenset(f.extended_properties for f in FLAVOURS)
_ELEMENT = r"<(?:\w+:)?{0}\b[^>]*>(.*?)</(?:\w+:)?{0}>"
_HEADINGS = re.compile(_ELEMENT.format("HeadingPairs").encode(), re.DOTALL)
_TITLES = re.compile(_ELEMENT.format("TitlesOfParts").encode(), re.DOTALL)
_VECTOR = re.compile(rb"<((?:\w+:)?)vector\b([^>]*)>(.*)</(?:\w+:)?vector>", re.DOTALL)
_LPSTR = re.compile(rb"<(?:\w+:)?lpstr\b[^>]*>(.*?)</(?:\w+:)?lpstr>|<(?:\w+:)?lpstr\b[^>]*/>", re.DOTALL)
_COUNT = re.compile(rb"<((?:\w+:)?)(i4|int)\b[^>]*>\s*(\d+)\s*</(?:\w+:)?(?:i4|int)>")
_SIZE = re.compile(rb'\ssize\s*=\s*"\d+"')


def retitled(app: bytes, before: Sequence[str], after: Sequence[str]) -> bytes:
    """``app`` listing the worksheets ``after`` where it listed ``before`` (both in sheet order)."""
    headings, titles = _HEADINGS.search(app), _TITLES.search(app)
    if headings is None or titles is None or list(before) == list(after):
        return app
    labels = [_text(m) for m in _LPSTR.finditer(headings.group(1))]
    counts = list(_COUNT.finditer(headings.group(1)))
    vector = _VECTOR.search(titles.group(1))
    if vector is None or len(labels) != len(counts):
        return app
    items = list(_LPSTR.finditer(vector.group(3)))
    names = [_text(m) for m in items]
    group, start = None, 0
    for i, count in enumerate(counts):
        n = int(count.group(3))
        if names[start:start + n] == list(before) or (group is None and labels[i] == "Worksheets"
                                                       and n == len(before)):
            group = i
            break
        start += n
    if group is None or sum(int(c.group(3)) for c in counts) != len(names):
        return app
    n = int(counts[group].group(3))
    tag = (vector.group(1) + b"lpstr").decode()
    new_items = "".join(f"<{tag}>{escape(name)}</{tag}>" for name in after).encode()
    body = vector.group(3)
    first, last = (items[start].start(), items[start + n - 1].end()) if n else (
        (items[start].start(), items[start].start()) if start < len(items) else (len(body), len(body)))
    body = body[:first] + new_items + body[last:]
    size = _SIZE.sub(f' size="{len(names) - n + len(after)}"'.encode(), vector.group(2))
    new_vector = b"<" + vector.group(1) + b"vector" + size + b">" + body + b"</" + vector.group(1) + b"vector>"
    titles_inner = titles.group(1)[:vector.start()] + new_vector + titles.group(1)[vector.end():]
    count = counts[group]
    headings_inner = (headings.group(1)[:count.start(3)] + str(len(after)).encode()
                      + headings.group(1)[count.end(3):])
    out = app[:titles.start(1)] + titles_inner + app[titles.end(1):]
    if headings.start() > titles.start():  # keep positions right whichever element comes first
        shift = len(out) - len(app)
        return out[:headings.start(1) + shift] + headings_inner + out[headings.end(1) + shift:]
    return out[:headings.start(1)] + headings_inner + out[headings.end(1):]


def _text(m: re.Match[bytes]) -> str:
    return unescape((m.group(1) or b"").decode(), {"&quot;": '"', "&apos;": "'"})
