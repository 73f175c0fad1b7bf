"""How two spellings of one contact's name are brought together: the folded name and the match key.

Bookkeepers spell the same client many ways ("O'Brien's Bakery, LLC", "obriens bakery", "Chen, Wei", "Wei Chen").
``match_key`` removes what does not tell contacts apart (case, accents, punctuation, legal suffixes such as Inc or
LLC, "&" versus "and", common abbreviations, "Last, First" order) and keeps everything that does, so that
"Boston Dental" and "Boston Dental Supply" stay two contacts.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from sys import intern

# Words that say what legal form a business has, not which business it is.
LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "llp", "lllp", "ltd", "limited", "co", "corp", "corporation", "company",
    "pc", "pllc", "plc", "lp", "pa", "gmbh", "sa", "sarl", "bv", "nv", "ag", "pty", "the",
})
# Titles and letters after a person's name.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "jr", "sr", "esq", "phd", "md", "dds", "cpa"})
# Common abbreviations in business names, spelled out.
ABBREVIATIONS = {
    "grp": "group", "svc": "service", "svcs": "services", "serv": "services", "assoc": "associates",
    "assocs": "associates", "assn": "association", "bros": "brothers", "intl": "international",
    "mgmt": "management", "mgt": "management", "ctr": "center", "centre": "center", "mfg": "manufacturing",
    "dept": "department", "natl": "national", "univ": "university", "hosp": "hospital", "med": "medical",
    "tech": "technology", "techs": "technologies", "dist": "distribution", "distrib": "distribution",
    "equip": "equipment", "prop": "properties", "props": "properties", "ins": "insurance", "mktg": "marketing",
    "acct": "accounting", "accts": "accounting", "bldg": "building", "const": "construction",
    "constr": "construction", "contr": "contractors", "eng": "engineering", "engr": "engineering",
    "elec": "electric", "landscaping": "landscape", "saint": "st", "street": "st", "avenue": "ave",
    "road": "rd", "mount": "mt", "fort": "ft", "and": "", "of": "",
}
_SPLIT = re.compile(r"[^0-9a-z]+")
_APOSTROPHES = re.compile(r"['\u2019\u2018`\u00b4]")


def fold(text: str) -> str:
    """Lower case without accents, apostrophes dropped ("O'Brien's" -> "obriens"), "&" spelled "and",
    every other punctuation mark a space."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = text.replace("ø", "o").replace("Ø", "o").replace("ß", "ss").replace("æ", "ae").replace("Æ", "ae")
    text = _APOSTROPHES.sub("", text.casefold()).replace("&", " and ").replace("+", " and ")
    return " ".join(_SPLIT.split(text)).strip()


def compact(name: str) -> str:
    """The name ignoring case and spaces: two names with one compact form are the same name."""
    return "".join(name.split()).casefold()


@dataclass(frozen=True, slots=True)
class NameKey:
    """A name made ready for comparison.

    ``key``: the words that identify the contact, in the order written ("Last, First" turned round);
    ``sorted``: the same words sorted, so a reordered name compares equal; ``reversed``: the name was written
    "Last, First"; ``numbers``: the numbers in it ("Unit 2 Storage"), which must agree for two names to match;
    ``words``: the words of ``key`` without the job separator.
    """

    key: str
    sorted: str
    reversed: bool
    numbers: frozenset[str]
    words: tuple[str, ...] = ()


_NO_NUMBERS: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=8192)  # a list keys each name once; this serves names keyed again soon after
def name_key(name: str) -> NameKey:
    """The comparison key of a contact's name (a job ``Parent:Job`` keeps its levels apart with ' / ')."""
    levels = [_level(part) for part in name.split(":")]
    key = " / ".join(k for k, _ in levels if k)
    words = key.split()
    # Most names have no numbers: they share one empty set (keys are kept by the hundred thousand).
    numbers = frozenset(w for w in words if any(c.isdigit() for c in w)) or _NO_NUMBERS
    plain = tuple(intern(w) for w in words if w != "/")  # (words recur across names: each kept once)
    return NameKey(key, " ".join(sorted(plain)), any(r for _, r in levels), numbers, plain)


def _level(part: str) -> tuple[str, bool]:
    before, comma, after = part.partition(",")
    flipped = False
    if comma:
        tail = _join_initials(fold(after).split())
        if tail and all(w in LEGAL_SUFFIXES or w in TITLES for w in tail):
            words = _words(before + " " + after)  # "Acme, Inc." / "Smith, Jr."
        else:
            head = _words(before)
            rest = _words(after)
            flipped = 0 < len(head) <= 3 and 0 < len(rest) <= 3 and "," not in after
            words = rest + head if flipped else head + rest
    else:
        words = _words(part)
    return " ".join(words), flipped


def _words(text: str) -> list[str]:
    raw = _join_initials(fold(text).split())
    words = [ABBREVIATIONS.get(w, w) for w in raw]
    words = [w for w in words if w]
    kept = [w for w in words if w not in LEGAL_SUFFIXES and w not in TITLES]
    return kept or words  # "The Company" is still a name


def _join_initials(words: list[str]) -> list[str]:
    """Runs of single letters are one abbreviation: "a b c printing" -> "abc printing", "l l c" -> "llc"."""
    out: list[str] = []
    run: list[str] = []
    for w in [*words, ""]:
        if len(w) == 1 and w.isalpha():
            run.append(w)
            continue
        if run:
            out.extend(["".join(run)] if len(run) > 1 else run)
            run = []
        if w:
            out.append(w)
    return out
