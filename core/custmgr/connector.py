"""The connector contract: what every QuickBooks backend offers the sync engine.

Terminology: a *record* is a contact as QuickBooks holds it, found by its ``remote_id`` (ListID / Id) and carrying a
``version`` (EditSequence / SyncToken) that changes on every write. A *listing* is the cheap id+version list. A
*change* is one write the engine asks for; ``apply`` answers each with a ``ChangeResult``. Values are field key ->
text as defined in ``custmgr.contact`` (``name`` is the full ``Parent:Job`` name; custom fields are ``custom:NAME``).
Connectors never raise for a single record's failure: they put the ``ConnectorError`` in that change's result. They
raise only when the whole call failed (``Unavailable``, ``AuthRequired``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from .errors import ConnectorError

Op = Literal["add", "update", "deactivate", "merge", "delete"]


@dataclass(frozen=True)
class Company:
    """Identity of a QuickBooks company: ``id`` never changes, ``name`` is for people."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Listed:
    """One entry of the cheap listing."""

    remote_id: str
    version: str
    kind: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class RemoteRecord:
    """A contact as QuickBooks holds it."""

    remote_id: str
    version: str
    values: Mapping[str, str]

    @property
    def kind(self) -> str:
        return self.values.get("kind", "Customer")


@dataclass(frozen=True)
class CustomFieldDef:
    """A custom field defined in the company (qbXML DataExt with OwnerID 0)."""

    name: str
    kinds: tuple[str, ...] = ("Customer", "Vendor")
    max_length: int = 255


@dataclass(frozen=True)
class Change:
    """One write. ``update`` carries only the changed fields ('' clears a field); ``add`` all non-empty fields.

    ``merge`` (only to a connector whose ``can_merge`` is true) merges the record ``remote_id`` (at ``version``)
    into the record ``into_id`` (at ``into_version``) of the same list: the first one's transactions move to the
    second and it disappears. Its result's record is the one that stays.

    ``delete`` (used only to undo an add) removes the record for good, guarded by ``version`` like an update. Where
    the backend will not delete it (QuickBooks Desktop: a name used in transactions; QuickBooks Online never
    deletes names) the connector makes it inactive instead and returns that record; a deleted record's result has
    ``record`` None. A customer with active jobs is never deleted nor made inactive this way (``Invalid``), since
    that would change the jobs too."""

    ref: str
    op: Op
    kind: str
    values: Mapping[str, str] = field(default_factory=dict)
    remote_id: str | None = None
    version: str | None = None
    into_id: str | None = None
    into_version: str | None = None


@dataclass(frozen=True)
class ChangeResult:
    """The outcome of one ``Change``: the record as stored after the write, or the error."""

    ref: str
    record: RemoteRecord | None = None
    error: ConnectorError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Connector(ABC):
    """One QuickBooks company behind one backend. Opened by its factory with the ``company`` setting."""

    name: ClassVar[str]
    #: False for one-way formats (IIF): the engine refuses two-way sync with them.
    two_way: ClassVar[bool] = True
    #: How many changes ``apply`` sends per round trip.
    batch_size: ClassVar[int] = 50
    #: Field length limits when they differ from qbXML's (``custmgr.contact.FIELDS``).
    limits: ClassVar[Mapping[str, int]] = {}
    #: Characters the backend can store (QuickBooks Desktop: Latin-1); None for any.
    charset: ClassVar[str | None] = "latin-1"
    #: Whether ``apply`` takes ``merge`` changes (QuickBooks Desktop's ListMerge). QuickBooks Online has no merge.
    can_merge: ClassVar[bool] = False
    #: Fields the backend has no place for, by kind (QuickBooks Online: Job Title and CC Email; for vendors also
    #: Notes and the ship address). The engine keeps such columns in the workbook only: never sent, never compared,
    #: never a conflict, named once in the summary. ``apply`` refuses them (``Invalid``) rather than drop them.
    #: May be set per instance once the company is open (an older QuickBooks with fewer fields).
    unsupported: Mapping[str, frozenset[str]] = {}

    @abstractmethod
    def company(self) -> Company:
        """Identity of the company this connector is talking to."""

    @abstractmethod
    def listing(self, kinds: Collection[str]) -> list[Listed]:
        """Every record of the given kinds, active and inactive: ids and versions only."""

    @abstractmethod
    def fetch(self, remote_ids: Sequence[str]) -> list[RemoteRecord]:
        """Full records for ``remote_ids``; ids that no longer exist are left out."""

    @abstractmethod
    def custom_fields(self) -> list[CustomFieldDef]:
        """Custom fields defined in the company."""

    @abstractmethod
    def apply(self, changes: Sequence[Change]) -> list[ChangeResult]:
        """Perform ``changes`` (at most ``batch_size``) and return one result per change, in order."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections and files."""

    def __enter__(self) -> Connector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
