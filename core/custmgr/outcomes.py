"""What a sync does with one contact: a handful of typed outcomes, and the table that picks one.

``classify`` says which case a contact is in; ``decide`` turns the case, the link's flag, the Review answer and
whether Settings acts without asking into what to do (``Do``); ``custmgr.plan`` fills in the values as an
``Outcome``. Every outcome says the same things (what goes to QuickBooks, what comes into the row, the new base and
flag, questions and problems); each kind sets only what it changes, so settling reads one shape.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import ClassVar

from .classify import Case
from .connector import Op
from .contact import Problem, Values
from .contact_sheet import field_label
from .review import Decision, Side
from .state import LinkFlag
from .summary import Counts

SYNCED, LOCAL, DROPPED, PENDING = LinkFlag.SYNCED, LinkFlag.LOCAL, LinkFlag.DROPPED, LinkFlag.PENDING

NOTHING: Mapping[str, str] = MappingProxyType({})


class Do(enum.Enum):
    """The kinds of outcome, as the table names them."""

    KEEP = "leave as it is"
    MERGE = "merge field by field"
    IMPORT = "import into the workbook"
    ADD = "add to QuickBooks"
    KEEP_HERE = "keep only in this workbook"
    DEACTIVATE = "make inactive in QuickBooks"
    RESTORE = "bring the row back"
    REMOVE_ROW = "remove the row"
    FORGET = "forget the link"
    ASK = "ask on Review"


ANY = "any"
LEFT: Side = "left"
RIGHT: Side = "right"

#: The decision table, first matching line wins. Columns: the case (``classify``), the link's flag, the Review
#: answer (Accept Left / Accept Right / None: not answered), and whether Settings says to act without asking
#: (*New contacts*, *Deleted rows* when not asked yet, *Gone from QuickBooks*). Documented in docs/sync.md.
TABLE: tuple[tuple[Case | str, LinkFlag | str, Side | str | None, bool | str, Do], ...] = (
    # case                          flag     answer  Settings  -> do
    (Case.DELETED_BOTH,               ANY,     ANY,    ANY,      Do.FORGET),
    (ANY,                             LOCAL,   ANY,    ANY,      Do.KEEP_HERE),
    (Case.DELETED_HERE,               DROPPED, ANY,    ANY,      Do.KEEP),
    (Case.NEW_THERE,                  ANY,     ANY,    ANY,      Do.IMPORT),
    (Case.NEW_HERE,                   ANY,     LEFT,   ANY,      Do.ADD),
    (Case.NEW_HERE,                   ANY,     RIGHT,  ANY,      Do.KEEP_HERE),
    (Case.NEW_HERE,                   ANY,     None,   True,     Do.ADD),
    (Case.NEW_HERE,                   ANY,     None,   False,    Do.ASK),
    (Case.DELETED_HERE,               ANY,     LEFT,   ANY,      Do.DEACTIVATE),
    (Case.DELETED_HERE,               ANY,     RIGHT,  ANY,      Do.RESTORE),
    (Case.DELETED_HERE,               ANY,     None,   True,     Do.DEACTIVATE),
    (Case.DELETED_HERE,               ANY,     None,   False,    Do.ASK),
    (Case.DELETED_HERE_CHANGED_THERE, ANY,     LEFT,   ANY,      Do.DEACTIVATE),
    (Case.DELETED_HERE_CHANGED_THERE, ANY,     RIGHT,  ANY,      Do.RESTORE),
    (Case.DELETED_HERE_CHANGED_THERE, ANY,     None,   ANY,      Do.ASK),
    (Case.GONE_THERE,                 ANY,     ANY,    True,     Do.REMOVE_ROW),
    (Case.GONE_THERE,                 ANY,     ANY,    False,    Do.KEEP),
    (Case.CHANGED_HERE_GONE_THERE,    ANY,     LEFT,   ANY,      Do.ADD),
    (Case.CHANGED_HERE_GONE_THERE,    ANY,     RIGHT,  ANY,      Do.REMOVE_ROW),
    (Case.CHANGED_HERE_GONE_THERE,    ANY,     None,   ANY,      Do.ASK),
    (ANY,                             ANY,     ANY,    ANY,      Do.MERGE),  # both sides have it
)


@functools.cache
def decide(case: Case, flag: LinkFlag, answer: Side | None, acts: bool) -> Do:
    """The first line of ``TABLE`` that fits (worked out once per combination: a sync asks thousands of times)."""
    for c, f, a, s, do in TABLE:
        if (c == ANY or c is case) and f in (ANY, flag) and a in (ANY, answer) and s in (ANY, acts):
            return do
    raise AssertionError(f"no line of the decision table fits {case}, {flag!r}, {answer}, {acts}")


class Outcome:
    """What the sync does for one contact. Each kind below sets only what it changes; the rest is left as is.

    ``send`` goes to QuickBooks (``op``), ``receive`` into the existing row, ``new_row`` becomes a row; ``base``
    (None: unchanged) and ``flag`` are the link's after the sync, ``forget`` drops the link. Workbook and link
    effects happen only if the QuickBooks write (if any) succeeds."""

    __slots__ = ()  # the kinds below keep only the fields they set (one outcome per contact at every sync)
    do: ClassVar[Do]
    op: Op | None = None
    send: Values = NOTHING  # type: ignore[assignment]
    receive: Values = NOTHING  # type: ignore[assignment]
    new_row: Values | None = None
    remove_row: bool = False
    base: Values | None = None
    flag: LinkFlag = SYNCED
    forget: bool = False
    asks: tuple[Decision, ...] = ()
    problems: tuple[Problem, ...] = ()
    status: str = ""  # Sync Status after the sync

    @property
    def acts(self) -> bool:
        """Whether anything changes for this contact."""
        return bool(self.op or self.receive or self.new_row is not None or self.remove_row or self.forget
                    or self.base is not None)


@dataclass(frozen=True, slots=True)
class Keep(Outcome):
    """Nothing moves; the flag and Sync Status are set as given (a row QuickBooks deleted stays, marked)."""

    do: ClassVar[Do] = Do.KEEP
    flag: LinkFlag = SYNCED
    status: str = ""


NOTHING_TO_DO = Keep()


@dataclass(frozen=True, slots=True)
class Exchange(Outcome):
    """Field by field: changed fields go to QuickBooks and come into the row; open conflicts are asked."""

    do: ClassVar[Do] = Do.MERGE
    send: Values = field(default_factory=dict)
    receive: Values = field(default_factory=dict)
    base: Values | None = None
    asks: tuple[Decision, ...] = ()

    @property  # type: ignore[override]
    def op(self) -> Op | None:
        return "update" if self.send else None

    @property  # type: ignore[override]
    def flag(self) -> LinkFlag:
        return PENDING if self.asks else SYNCED

    @property  # type: ignore[override]
    def status(self) -> str:
        return STATUS_CONFLICT if self.asks else ""


@dataclass(frozen=True, slots=True)
class Import(Outcome):
    """A QuickBooks contact becomes a new row."""

    do: ClassVar[Do] = Do.IMPORT
    new_row: Values | None = None
    base: Values | None = None


@dataclass(frozen=True, slots=True)
class Restore(Outcome):
    """A row deleted here comes back with QuickBooks' values."""

    do: ClassVar[Do] = Do.RESTORE
    new_row: Values | None = None
    base: Values | None = None


@dataclass(frozen=True, slots=True)
class Add(Outcome):
    """The row goes to QuickBooks as a new contact."""

    do: ClassVar[Do] = Do.ADD
    op: Op | None = "add"
    send: Values = field(default_factory=dict)
    base: Values | None = None


@dataclass(frozen=True, slots=True)
class KeepHere(Outcome):
    """The contact stays only in this workbook."""

    do: ClassVar[Do] = Do.KEEP_HERE
    base: Values | None = None
    flag: LinkFlag = LOCAL
    status: str = "Only in this workbook"


@dataclass(frozen=True, slots=True)
class Deactivate(Outcome):
    """A row deleted here: its contact is made inactive in QuickBooks (``op`` None: QuickBooks already did)."""

    do: ClassVar[Do] = Do.DEACTIVATE
    op: Op | None = "deactivate"
    base: Values | None = None
    flag: LinkFlag = DROPPED


@dataclass(frozen=True, slots=True)
class MergeInto(Outcome):
    """This contact's QuickBooks record is merged into the record ``into``, which the row then follows in the same
    sync (merged field by field against the base it had)."""

    do: ClassVar[Do] = Do.MERGE
    op: Op | None = "merge"
    into: str = ""
    into_version: str = ""
    send: Values = field(default_factory=dict)  # the row's own edits, sent to ``into`` just after the merge
    receive: Values = field(default_factory=dict)  # the record's values, where the row was not edited
    base: Values | None = None
    flag: LinkFlag = PENDING
    asks: tuple[Decision, ...] = ()  # fields edited on both sides
    problems: tuple[Problem, ...] = ()
    status: str = ""


@dataclass(frozen=True, slots=True)
class RemoveRow(Outcome):
    """The row goes (its contact is gone from QuickBooks); the backup keeps it."""

    do: ClassVar[Do] = Do.REMOVE_ROW
    remove_row: bool = True
    forget: bool = True


@dataclass(frozen=True, slots=True)
class Forget(Outcome):
    """The link is dropped; nothing else changes."""

    do: ClassVar[Do] = Do.FORGET
    forget: bool = True


@dataclass(frozen=True, slots=True)
class Ask(Outcome):
    """A question on Review; nothing moves until it is answered. ``problems``: what to fix before the answer can
    be carried out."""

    do: ClassVar[Do] = Do.ASK
    asks: tuple[Decision, ...] = ()
    problems: tuple[Problem, ...] = ()
    flag: LinkFlag = SYNCED
    status: str = ""


@dataclass(frozen=True, slots=True)
class Report(Outcome):
    """The row holds something QuickBooks cannot take: it stays as it is on both sides, with the reason."""

    do: ClassVar[Do] = Do.KEEP
    problems: tuple[Problem, ...] = ()

    @property  # type: ignore[override]
    def status(self) -> str:
        return problem_status(self.problems)


STATUS_CONFLICT = "Conflict: see Review"
AFTER_MERGE = "|after merge"  # the ref of the update that follows a merge: the row's Row ID and this
_WRITES = {"add": "added", "update": "sent", "deactivate": "made_inactive", "merge": "merged"}


def count(out: Outcome, counts: Counts, *, received: bool) -> None:
    """Add what ``out`` does to ``counts`` (``received``: values come into the existing row)."""
    if out.op:
        setattr(counts, _WRITES[out.op], getattr(counts, _WRITES[out.op]) + 1)
    if out.new_row is not None:
        if isinstance(out, Import):
            counts.imported += 1
        else:
            counts.restored += 1
    elif received:
        counts.received += 1
    if out.remove_row:
        counts.removed += 1
    if out.problems:
        counts.errors += 1


def problem_status(problems: tuple[Problem, ...]) -> str:
    """Sync Status for a row with problems: the first one, and how many more."""
    p = problems[0]
    more = f" (+{len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{field_label(p.field)} {p.message}{more}"
