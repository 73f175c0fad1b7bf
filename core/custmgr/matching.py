"""Finding contacts that look like the same one: look-alike pairs between two lists, or inside one.

Two names look alike when, after ``custmgr.names.name_key``, they have the same words (in any order), the same
letters apart from spacing, or the same number of words each close to one on the other side (a typo, "Jonathon"
for "Jonathan"). A word more on one side ("Boston Dental" and "Boston Dental Supply") means two contacts; a
middle initial does not. The same email or phone makes a partial name likeness enough.

Only pairs that share a *block* are compared: the first or the last letters of their two rarest words, the start
of the name without spaces, an initial and the word it may stand for, the email or phone together with a word.
Look-alikes share one of those almost always, and the work then grows with the length of the lists, not with its
square.
"""

from __future__ import annotations

import functools
import re
from array import array
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Indel
from rapidfuzz.process import extract

from .names import LEGAL_SUFFIXES, NameKey, compact, name_key
from .workbook.speed import gc_paused

WORD_LIKENESS = 0.8  # each word against its counterpart (Indel similarity, 0..1)
QUICK_LIKENESS = 0.7  # below this, whole names are not compared word by word
FIRST_LETTER_LIKENESS = 0.88  # the same, for words that begin with different letters
MAX_BLOCK = 50  # a block with more contacts than this on a side tells nothing; it is skipped
PREFIX = 3
_DIGITS = re.compile(r"\D+")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One contact to compare: its id (Row ID or QuickBooks id), name and the details that tell contacts apart."""

    id: str
    name: str
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Likeness:
    """Two contacts that look like one: ``score`` (the sorted names' likeness 0..100, plus 5 for each shared email
    or phone; higher first) and why, in words for the Review sheet."""

    left: str
    right: str
    score: float
    reasons: tuple[str, ...]

    @property
    def why(self) -> str:
        return "; ".join(self.reasons)


def email_key(email: str) -> str:
    return email.strip().casefold()


def phone_key(phone: str) -> str:
    """The last ten digits of a phone number (a country prefix or formatting does not make another number)."""
    digits = _DIGITS.sub("", phone.split("x")[0].split("X")[0])
    return digits[-10:] if len(digits) >= 7 else ""


@dataclass(frozen=True, slots=True)
class _Ready:
    """A candidate with everything the comparison needs worked out once."""

    id: str
    key: NameKey
    compact: str
    squeezed: str
    email: str
    phone: str


def _ready(c: Candidate) -> _Ready:
    k = name_key(c.name)
    return _Ready(c.id, k, compact(c.name), k.key.replace(" ", ""), email_key(c.email), phone_key(c.phone))


def looks_alike(a: Candidate, b: Candidate) -> Likeness | None:
    """Whether ``a`` and ``b`` look like the same contact, and why; None when they do not."""
    return _compare(_ready(a), _ready(b))


def _compare(a: _Ready, b: _Ready, near: bool | None = None) -> Likeness | None:
    """``near``: whether the names are within ``QUICK_LIKENESS`` of each other, when the caller knows already."""
    ka, kb = a.key, b.key
    same_email = bool(a.email) and a.email == b.email
    same_phone = bool(a.phone) and a.phone == b.phone
    if near is None:
        # Both spellings are compared, so a slip in a first letter that reorders the sorted words is not missed.
        near = max(Indel.normalized_similarity(ka.sorted, kb.sorted, score_cutoff=QUICK_LIKENESS),
                   Indel.normalized_similarity(ka.key, kb.key, score_cutoff=QUICK_LIKENESS)) > 0
    if not (near or same_email or same_phone):
        return None
    if _job_of(ka.key, kb.key) or _job_of(kb.key, ka.key):
        return None  # a customer and its own job ("Acme" / "Acme:Roof") share a phone, not an identity
    reasons = _name_reasons(a, b) if near else None
    if reasons is None:
        if not (same_email or same_phone) or ka.numbers != kb.numbers or not set(ka.words).intersection(kb.words) \
                or not _covers(ka.words, kb.words):
            return None
        reasons = [f"names partly alike ({Indel.normalized_similarity(ka.sorted, kb.sorted) * 100:.0f}%)"]
    score = Indel.normalized_similarity(ka.sorted, kb.sorted) * 100
    if same_email:
        reasons.append("same email")
    if same_phone:
        reasons.append("same phone")
    return Likeness(a.id, b.id, round(score + 5 * (same_email + same_phone), 1), tuple(reasons))


def _job_of(job: str, parent: str) -> bool:
    """Whether the key ``job`` is a job (at any depth) of the contact whose key is ``parent``."""
    return len(job) > len(parent) and job.startswith(parent + " / ")


def _name_reasons(a: _Ready, b: _Ready) -> list[str] | None:
    ka, kb = a.key, b.key
    if ka.numbers != kb.numbers or not ka.key or not kb.key:
        return None  # "Unit 1 Storage" and "Unit 2 Storage"
    if a.compact == b.compact:
        return ["same name apart from case and spacing"]
    if ka.sorted == kb.sorted:
        if ka.reversed != kb.reversed:
            return ["same person, one written 'Last, First'"]
        if ka.key == kb.key:
            return ["same name apart from punctuation, accents, '&'/'and' or Inc/LLC/Co/Ltd"]
        return ["same words in another order"]
    if a.squeezed == b.squeezed:
        return ["same name apart from spacing"]
    if _words_align(ka.words, kb.words):
        score = Indel.normalized_similarity(ka.sorted, kb.sorted) * 100
        return [f"names alike ({score:.0f}%)"]
    return None


@functools.lru_cache(maxsize=1 << 16)  # names share their words: the same pairs come again and again
def _word_likeness(w: str, v: str) -> float:
    """How alike two words are (0..1). A word that is the other with letters added at its end ("Paul" /
    "Paula", "Martin" / "Martinez", "Chen" / "Cheng") is another word, unless only a silent 'e', a 'k' after 'c'
    or a doubled letter was added ("Brook(e)", "Merrimac(k)", "Mitchel(l)"). A different first letter is a
    rarer slip than a later one, so such words must be closer ("Katherine" / "Catherine", not "Alder" /
    "Elder")."""
    if w == v:
        return 1.0
    if len(w) == 1 or len(v) == 1:
        return 1.0 if w[0] == v[0] else 0.0
    short, long_ = (w, v) if len(w) < len(v) else (v, w)
    if long_.startswith(short):
        added = long_[len(short):]
        return 0.9 if added in ("e", short[-1]) or (added == "k" and short.endswith("c")) else 0.0
    likeness = Indel.normalized_similarity(w, v)
    return likeness if w[0] == v[0] or likeness >= FIRST_LETTER_LIKENESS else 0.0


def _covers(a: Sequence[str], b: Sequence[str]) -> bool:
    """Every word of the shorter name has a counterpart in the longer one (alike, or the start of it:
    "Books" / "Bookstore"): with the same email or phone, "Acme Plumbing" and "Acme Plumbing & Heating" are one."""
    if len(a) == len(b):
        return _within(a, b) and _within(b, a)
    return _within(a, b) if len(a) < len(b) else _within(b, a)


def _within(short: Sequence[str], long_: Sequence[str]) -> bool:
    words = [w for w in short if len(w) > 1]
    return bool(words) and all(_has_counterpart(w, long_) for w in words)


def _has_counterpart(w: str, words: Sequence[str]) -> bool:
    """A word of ``words`` alike ``w``, or the start of it, or starting with it (three letters at least)."""
    # A sieve with room to spare (rapidfuzz's cutoffs are not exact at the boundary), then the plain likeness.
    if any(Indel.normalized_similarity(w, v) >= WORD_LIKENESS for v, _, _ in extract(
            w, words, scorer=Indel.normalized_similarity, score_cutoff=WORD_LIKENESS - 0.05, limit=None)):
        return True
    return len(w) >= 3 and any(len(v) >= 3 and (v.startswith(w) or w.startswith(v)) for v in words)


def _words_align(a: Sequence[str], b: Sequence[str]) -> bool:
    """Every word of each name has its own close counterpart in the other; single-letter initials may be extra
    ("John A Smith" / "John Smith") and match a word they begin ("J Smith" / "John Smith")."""
    if len(a) < len(b):
        a, b = b, a
    rest = list(b)
    for w in a:
        best, best_i = 0.0, -1
        for i, v in enumerate(rest):
            s = _word_likeness(w, v)
            if s > best:
                best, best_i = s, i
        if best >= WORD_LIKENESS:
            rest.pop(best_i)
        elif not _extra(w):
            return False
    return all(_extra(v) for v in rest)


@functools.lru_cache(maxsize=4096)
def _extra(word: str) -> bool:
    """A word one name may have more than the other: an initial, or a misspelt legal suffix ("Compnay")."""
    return len(word) == 1 or any(len(s) >= 4 and Indel.normalized_similarity(word, s) >= WORD_LIKENESS
                                 for s in LEGAL_SUFFIXES)


# --- blocking -------------------------------------------------------------------------------------------------


def _blocks(c: _Ready, rarity: Counter[str]) -> Block:
    """The blocks ``c`` is filed under and looks in; those it is only filed under (the initials of its rare
    words); and those it only looks in: a name with an initial ("J. Smith") looks among names whose words start
    with that letter ("John Smith")."""
    k = c.key
    words = k.words
    rare = sorted({w for w in words if len(w) > 1}, key=lambda w: (rarity[w], w))[:2]
    keys: set[str] = set()
    filed: set[str] = set()
    extra: set[str] = set()
    if len(rare) == 1:
        keys.add("w:" + rare[0][:PREFIX + 1])
    if len(rare) == 2:  # a slip late in a word keeps the starts, one early keeps the ends
        x, y = rare
        keys.add("p:" + "|".join(sorted((x[:PREFIX], y[:PREFIX]))))
        keys.add("s:" + "|".join(sorted((x[-PREFIX:], y[-PREFIX:]))))
    for x in rare:
        for y in rare:
            if x != y:
                filed.add(f"i:{x[0]}|{y[:PREFIX]}")
    for initial in (w for w in words if len(w) == 1):
        extra.update(f"i:{initial}|{y[:PREFIX]}" for y in rare)
    if c.squeezed:
        keys.add("c:" + c.squeezed[:8])
    # The same email or phone counts only with a word in common (``_covers``): block on both together, or a
    # shared office phone would pair every contact that uses it.
    starts = {w[:PREFIX] for w in words if len(w) > 1}
    if c.email:
        keys.update(f"e:{c.email}|{w}" for w in starts)
    if c.phone:
        keys.update(f"t:{c.phone}|{w}" for w in starts)
    return tuple(keys), tuple(filed), tuple(extra)


def _rarity(*lists: Iterable[_Ready]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for items in lists:
        for c in items:
            counts.update(set(c.key.words))
    return counts


def find_pairs(left: Sequence[Candidate], right: Sequence[Candidate] | None = None) -> list[Likeness]:
    """Look-alike pairs between ``left`` and ``right`` (or inside ``left`` when ``right`` is None), best first.

    Inside one list a pair comes once, with the earlier contact on the left."""
    with gc_paused():  # tens of thousands of keys, blocks and sets that are never garbage: nothing to collect
        return _find_pairs(left, right)


def _find_pairs(left: Sequence[Candidate], right: Sequence[Candidate] | None) -> list[Likeness]:
    within = right is None
    lefts = [_ready(c) for c in left]
    others = lefts if right is None else [_ready(c) for c in right]
    rarity = _rarity(lefts) if within else _rarity(lefts, others)
    # A contact's blocks are worked out again when needed rather than kept: for 100,000 contacts they would take
    # a hundred megabytes beside the index, for a second of work saved.
    blocks = functools.partial(_blocks, rarity=rarity)
    index = _index(others, blocks)
    candidates = _within_candidates(lefts, blocks, index) if within else \
        _between_candidates(lefts, others, blocks, index)
    out: list[Likeness] = []
    for i, js in candidates:  # one contact's candidates at a time: together they are millions of pairs
        out.extend(_compare_with(lefts[i], [others[j] for j in js]))
    out.sort(key=lambda p: (-p.score, p.left, p.right))
    return out


def _compare_with(a: _Ready, bs: list[_Ready]) -> Iterator[Likeness]:
    """``a`` against each of ``bs``. The names are first sifted, in one call each way, for those that may be
    near (with room to spare: rapidfuzz's cutoffs are not exact at the boundary): most contacts sharing a block
    are not, and then only a shared email or phone can still make them alike."""
    sieve = QUICK_LIKENESS - 0.05
    maybe = {n for _, _, n in extract(a.key.sorted, [b.key.sorted for b in bs], scorer=Indel.normalized_similarity,
                                      score_cutoff=sieve, limit=None)}
    maybe.update(n for _, _, n in extract(a.key.key, [b.key.key for b in bs], scorer=Indel.normalized_similarity,
                                          score_cutoff=sieve, limit=None))
    for n, b in enumerate(bs):
        if n in maybe or (a.email and a.email == b.email) or (a.phone and a.phone == b.phone):
            p = _compare(a, b, None if n in maybe else False)
            if p is not None:
                yield p


Block = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # (keys, filed, extra): see _blocks
BlocksOf = Callable[[_Ready], Block]
#: Block -> its contacts' positions, ascending: one position as an int (most blocks hold one contact), more as a
#: compact array (no int object each).
Index = dict[str, "int | array[int]"]


def _members(index: Index, key: str) -> Sequence[int]:
    """The contacts filed under ``key``; none for a block unknown or shared by too many to tell anything."""
    found = index.get(key)
    if found is None:
        return ()
    if found.__class__ is int:
        return (found,)  # type: ignore[return-value]
    return found if len(found) <= MAX_BLOCK else ()  # type: ignore[arg-type, return-value]


def _has_initial(c: _Ready) -> bool:
    """Whether ``c`` has a one-letter word, and so blocks it only looks in (see ``_blocks``)."""
    return any(len(w) == 1 for w in c.key.words)


def _between_candidates(lefts: Sequence[_Ready], rights: Sequence[_Ready], blocks: BlocksOf, index: Index
                        ) -> Iterator[tuple[int, set[int]]]:
    """Each left contact i with the right contacts it shares a block with."""
    initials: dict[int, set[int]] = defaultdict(set)  # initials on the right look among the left's words
    with_initials = [(j, c) for j, c in enumerate(rights) if _has_initial(c)]
    left_index = _index(lefts, blocks) if with_initials else {}  # (a few new contacts seldom have one)
    for j, c in with_initials:
        for key in blocks(c)[2]:
            for i in _members(left_index, key):
                initials[i].add(j)
    for i, c in enumerate(lefts):
        keys, _, extra = blocks(c)
        js = initials.pop(i, set())
        for key in (*keys, *extra):
            js.update(_members(index, key))
        if js:
            yield i, js


def _within_candidates(items: Sequence[_Ready], blocks: BlocksOf, index: Index) -> Iterator[tuple[int, set[int]]]:
    """Inside one list, each contact i with the later contacts it shares a block with: each pair once. Shared
    keys are filed and looked in alike, so the later members of i's own blocks are enough (the index lists
    ascend); an initial looks among words it is not filed under, so those pairs are put under their earlier
    contact first."""
    initials: dict[int, set[int]] = defaultdict(set)
    for i, c in enumerate(items):
        for key in blocks(c)[2] if _has_initial(c) else ():
            for j in _members(index, key):
                if j != i:
                    initials[min(i, j)].add(max(i, j))
    for i, c in enumerate(items):
        js = initials.pop(i, set())
        for key in blocks(c)[0]:
            found = index[key]
            if found.__class__ is not int and len(found) <= MAX_BLOCK:  # (one contact alone: itself)
                js.update(found[bisect_right(found, i):])  # type: ignore[index, arg-type]
        if js:
            yield i, js


def _index(items: Sequence[_Ready], blocks: BlocksOf) -> Index:
    index: Index = {}
    for n, c in enumerate(items):
        keys, filed, _ = blocks(c)
        for key in (*keys, *filed):
            found = index.get(key)
            if found is None:
                index[key] = n
            elif found.__class__ is int:
                if found != n:  # (a contact files a key once, but filed and own keys may meet)
                    index[key] = array("l", (found, n))  # type: ignore[arg-type]
            else:
                found.append(n)  # type: ignore[union-attr]
    return index


def one_to_one(pairs: Iterable[Likeness]) -> list[Likeness]:
    """The best pair for each contact: taken best first, a contact already in a pair is not offered again."""
    used_left: set[str] = set()
    used_right: set[str] = set()
    out = []
    for p in sorted(pairs, key=lambda p: (-p.score, p.left, p.right)):
        if p.left in used_left or p.right in used_right:
            continue
        used_left.add(p.left)
        used_right.add(p.right)
        out.append(p)
    return out


@dataclass(frozen=True)
class Matches:
    """How two lists match: ``linked`` left id -> right id for names equal ignoring case and spaces (the same
    contact, no question asked); ``suggested`` look-alike pairs among the rest, each contact in one pair at most."""

    linked: dict[str, str]
    suggested: list[Likeness]


def match_lists(left: Sequence[Candidate], right: Sequence[Candidate],
                apart: Collection[frozenset[str]] = ()) -> Matches:
    """Link equal names, then suggest look-alikes among what is left, leaving out pairs kept ``apart``."""
    with gc_paused():
        return _match_lists(left, right, apart)


def _match_lists(left: Sequence[Candidate], right: Sequence[Candidate], apart: Collection[frozenset[str]]
                 ) -> Matches:
    by_name: dict[str, Candidate] = {}
    for c in right:
        by_name.setdefault(compact(c.name), c)
    linked: dict[str, str] = {}
    for c in left:
        there = by_name.pop(compact(c.name), None)
        if there is not None:
            linked[c.id] = there.id
    taken = set(linked.values())
    rest_left = [c for c in left if c.id not in linked]
    rest_right = [c for c in right if c.id not in taken]
    pairs = [p for p in find_pairs(rest_left, rest_right) if frozenset((p.left, p.right)) not in apart]
    return Matches(linked, one_to_one(pairs))
