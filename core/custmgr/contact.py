"""The canonical contact: field names, QuickBooks limits, one ``normalize()`` and one ``validate()``.

A contact travels as a plain ``dict[str, str]`` of field key -> normalized text ("values"). Empty means missing, so a
field that is blank on both sides compares equal however each side spells "blank". Every comparison, the stored base
and every write go through ``normalize``: without that no sync is idempotent.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Values = dict[str, str]

CUSTOMER, VENDOR = "Customer", "Vendor"
KINDS = (CUSTOMER, VENDOR)
YES, NO = "Yes", "No"
CUSTOM_PREFIX = "custom:"
JOB_SEPARATOR = ":"
MAX_JOB_LEVELS = 5


@dataclass(frozen=True)
class Field:
    """One synced field: its key, the QuickBooks Desktop length limit, and the merge unit it belongs to."""

    key: str
    limit: int
    unit: str  # fields sharing a unit merge (and conflict) together
    multiline: bool = False


def _address(prefix: str, unit: str) -> list[Field]:
    lines = [Field(f"{prefix}_line{i}", 41, unit) for i in range(1, 6)]
    return [*lines, Field(f"{prefix}_city", 31, unit), Field(f"{prefix}_state", 21, unit),
            Field(f"{prefix}_postal_code", 13, unit), Field(f"{prefix}_country", 31, unit)]


# qbXML 13 limits (docs/sync.md, What is checked before anything is sent). Connectors with looser limits
# (QuickBooks Online) pass their own.
FIELDS: tuple[Field, ...] = (
    Field("kind", 8, "kind"),
    Field("name", 209, "name"),
    Field("active", 3, "active"),
    Field("company", 41, "company"),
    Field("salutation", 15, "person"),
    Field("first_name", 25, "person"),
    Field("middle_name", 5, "person"),
    Field("last_name", 25, "person"),
    Field("job_title", 41, "job_title"),
    Field("phone", 21, "phone"),
    Field("alt_phone", 21, "alt_phone"),
    Field("mobile", 21, "mobile"),
    Field("fax", 21, "fax"),
    Field("email", 1023, "email"),
    Field("cc_email", 1023, "cc_email"),
    *_address("bill", "bill_address"),
    *_address("ship", "ship_address"),
    Field("notes", 4095, "notes", multiline=True),
)
FIELD_BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}
FIELD_KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS)
NAME_SEGMENT_LIMIT = 41
CUSTOM_VALUE_LIMIT = 255
CUSTOM_NAME_LIMIT = 31
UNIT_LABELS = {"person": "Name (salutation, first, middle, last)", "bill_address": "Bill address",
               "ship_address": "Ship address"}


def custom_key(name: str) -> str:
    """Field key of the QuickBooks custom field ``name``."""
    return CUSTOM_PREFIX + name


def is_custom(key: str) -> bool:
    return key.startswith(CUSTOM_PREFIX)


def unit_of(key: str) -> str:
    """Merge unit of a field key: address blocks and the person's name merge as one; others alone."""
    spec = FIELD_BY_KEY.get(key)
    return spec.unit if spec else key


def units(keys: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Group field keys by merge unit, keeping FIELDS order (custom fields after, sorted)."""
    return dict(_units(frozenset(keys)))  # a copy: the cached grouping is shared by every merge of a sync


@functools.lru_cache(maxsize=64)
def _units(keys: frozenset[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for key in sorted(keys, key=_field_order):
        out.setdefault(unit_of(key), []).append(key)
    return {unit: tuple(keys) for unit, keys in out.items()}


_FIELD_INDEX = {f.key: i for i, f in enumerate(FIELDS)}


def _field_order(key: str) -> tuple[int, str]:
    index = _FIELD_INDEX.get(key)
    return (index, "") if index is not None else (len(FIELDS), key)


# --- normalize -------------------------------------------------------------------------------------------------

_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_TRUE = {"yes", "y", "true", "1", "active", "x"}
_EMPTY_MEANS = ("active", "kind")  # the fields where an empty value normalizes to something (Yes, Customer)
_FALSE = {"no", "n", "false", "0", "inactive"}


def to_text(value: object) -> str:
    """Any cell or API value as text: numbers lose a spurious ``.0``, dates become ISO, None becomes ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    return str(value)


def _plain_rule(key: str) -> str:
    """How plain text (see ``normalize``) of ``key`` can be canonical already: as it is; a state (upper case when
    an abbreviation); or one of the spellings of Active or Type."""
    if key in _EMPTY_MEANS:
        return "spelled"
    return "state" if key.endswith("_state") else "as is"


_PLAIN_RULE: dict[str, str] = {}


def plain_as_is(key: str) -> bool:
    """Whether plain text (printable ASCII, single spaces, none at either end; a name without ``:``) of ``key``
    is canonical as it is: what ``normalize`` returns at once. Callers that read every cell of every contact
    test that themselves, without a call per cell."""
    return _plain_rule(key) == "as is"
_SPELLED = {"kind": (CUSTOMER, VENDOR), "active": (YES, NO)}


def normalize(key: str, value: object) -> str:
    """The one canonical form of a field value. Idempotent: ``normalize(k, normalize(k, v)) == normalize(k, v)``."""
    if (value is None or value == "") and key not in _EMPTY_MEANS:
        return ""  # most cells of a contact are empty: skip the work below, which would also give ''
    if value.__class__ is str and value.isascii() and value.isprintable() and value[:1] != " " \
            and value[-1:] != " " and "  " not in value:  # type: ignore[union-attr]
        # Plain text (printable ASCII, single spaces, none at either end), as most cells are: it is often
        # canonical already, which the work below would only confirm. Read for every cell of every contact.
        rule = _PLAIN_RULE.get(key) or _PLAIN_RULE.setdefault(key, _plain_rule(key))
        if rule == "as is":
            if key != "name" or JOB_SEPARATOR not in value:  # type: ignore[operator]
                return value  # type: ignore[return-value]
        elif rule == "state":
            if len(value) > 3 or value.upper() == value:  # type: ignore[arg-type, attr-defined]
                return value  # type: ignore[return-value]
        elif value in _SPELLED[key]:
            return _SPELLED[key][_SPELLED[key].index(value)]  # the shared constant, not the record's own copy
    text = to_text(value)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    spec = FIELD_BY_KEY.get(key)
    if spec is not None and spec.multiline:
        text = "\n".join(line.rstrip() for line in text.split("\n")).strip()
    else:
        text = " ".join(text.split())  # single-line: tabs/newlines/runs of spaces become one space
    if key == "active":
        low = text.lower()
        return YES if low in _TRUE or not low else (NO if low in _FALSE else text)
    if key == "kind":
        low = text.lower()
        return CUSTOMER if low in ("customer", "") else (VENDOR if low == "vendor" else text)
    if key == "name":
        return JOB_SEPARATOR.join(part.strip() for part in text.split(JOB_SEPARATOR))
    if key.endswith("_state"):
        return text.upper() if len(text) <= 3 else text
    return text


_KEYS: dict[str, str] = {}


def shared_key(key: str) -> str:
    """One string object per field key: records decoded from QuickBooks' answers each bring their own copy of
    every key, a megabyte per thousand contacts that would otherwise be kept for the whole sync."""
    return _KEYS.get(key) or _KEYS.setdefault(key, key)


def normalize_values(values: Mapping[str, object]) -> Values:
    """Normalize every field; drop empty ones (empty == missing), but keep ``kind`` and ``active`` always."""
    out: Values = {}
    for key, raw in values.items():
        text = normalize(key, raw)
        if text or key in ("kind", "active"):
            out[key] = text
    out.setdefault("kind", CUSTOMER)
    out.setdefault("active", YES)
    return out


def name_key(name: str) -> str:
    """How QuickBooks compares list names: ignoring case (and Unicode case folding)."""
    return normalize("name", name).casefold()


CONTROL_CHARACTERS = "contains control characters; retype the value"
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNSTORABLE = re.compile("[\ufffe\uffff\ud800-\udfff]")


def has_control_characters(text: str) -> bool:
    return _CONTROL.search(text) is not None


def unstorable_removed(text: str) -> str:
    """``text`` less what no cell can hold (U+FFFE, U+FFFF, lone surrogates); control characters stay."""
    return _UNSTORABLE.sub("", text)


def clean_text(text: str) -> tuple[str, bool]:
    """Strip characters a workbook cannot hold (control characters, U+FFFE/FFFF, lone surrogates)."""
    cleaned = _BAD_CHARS.sub("", text)
    return cleaned, cleaned != text


# --- validate --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """A value QuickBooks would refuse or silently change; it stays on its row and is never sent."""

    field: str
    message: str


def validate(values: Mapping[str, str], *, limits: Mapping[str, int] | None = None,
             charset: str | None = "latin-1", custom_limit: int = CUSTOM_VALUE_LIMIT,
             partial: bool = False) -> list[Problem]:
    """Check normalized values against QuickBooks' rules before anything is sent.

    ``partial``: ``values`` are only the fields of an update, so a missing name is not an error.
    """
    problems: list[Problem] = []
    limit_of = dict(limits or {})
    for key, text in values.items():
        if _BAD_CHARS.search(text):
            problems.append(Problem(key, CONTROL_CHARACTERS))
        limit = limit_of.get(key) or (FIELD_BY_KEY[key].limit if key in FIELD_BY_KEY else custom_limit)
        if key == "name":
            continue  # checked per segment below
        if len(text) > limit:
            problems.append(Problem(key, f"too long for QuickBooks ({len(text)} > {limit} characters)"))
        if charset:
            bad = _unencodable(text, charset)
            if bad:
                problems.append(Problem(key, f"QuickBooks cannot store the character {bad!r}; replace it"))
    kind = values.get("kind", CUSTOMER)
    if partial and "name" not in values:
        return problems
    if kind not in KINDS:
        problems.append(Problem("kind", f"must be {CUSTOMER} or {VENDOR}, not {kind!r}"))
    if values.get("active", YES) not in (YES, NO):
        problems.append(Problem("active", f"must be {YES} or {NO}, not {values['active']!r}"))
    problems.extend(_validate_name(values.get("name", ""), kind, limit_of.get("name"), charset))
    return problems


def _validate_name(name: str, kind: str, limit: int | None, charset: str | None) -> list[Problem]:
    if not name:
        return [Problem("name", "is empty; every contact needs a name")]
    parts = name.split(JOB_SEPARATOR)
    out: list[Problem] = []
    if len(parts) > 1 and kind != CUSTOMER:
        out.append(Problem("name", f"contains ':' which QuickBooks keeps for customer jobs; a {kind.lower()} "
                                   "name cannot have it"))
    if len(parts) > MAX_JOB_LEVELS:
        out.append(Problem("name", f"has {len(parts)} levels; QuickBooks allows {MAX_JOB_LEVELS} (Customer:Job)"))
    if any(not part for part in parts):
        out.append(Problem("name", "has an empty part around ':'; write Customer:Job"))
    segment_limit = NAME_SEGMENT_LIMIT if limit is None else limit
    for part in parts:
        if len(part) > segment_limit:
            out.append(Problem("name", f"too long for QuickBooks ({len(part)} > {segment_limit} characters)"))
    full_limit = FIELD_BY_KEY["name"].limit if limit is None else max(limit, FIELD_BY_KEY["name"].limit)
    if len(name) > full_limit:
        out.append(Problem("name", f"full name too long for QuickBooks ({len(name)} > {full_limit} characters)"))
    if _BAD_CHARS.search(name):
        out.append(Problem("name", CONTROL_CHARACTERS))
    if charset:
        bad = _unencodable(name, charset)
        if bad:
            out.append(Problem("name", f"QuickBooks cannot store the character {bad!r}; replace it"))
    return out


def _unencodable(text: str, charset: str) -> str:
    """The first character of ``text`` that ``charset`` cannot encode, or ''."""
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        pass
    else:
        return ""  # the common case, without encoding character by character
    for ch in text:
        try:
            ch.encode(charset)
        except UnicodeEncodeError:
            return ch
    return ""


def parent_name(name: str) -> str:
    """``'A:B:C'`` -> ``'A:B'``; ``''`` for a top-level name."""
    head, sep, _ = name.rpartition(JOB_SEPARATOR)
    return head if sep else ""
