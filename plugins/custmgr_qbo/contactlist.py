"""The company's customer and vendor lists as last read, kept up to date with as few requests as possible.

A full read pages through each list, 1,000 a query, in Id order. After that, Change Data Capture (CDC) tells in
one request what changed since the last read, including contacts deleted or merged away (``status: "Deleted"``),
and the list sizes are checked against QuickBooks' counts. CDC is used only where it is safe and cheaper: the last
read is under 29 days old (CDC looks back 30), fewer than 1,000 objects of a kind changed (CDC's cap: more are cut
off), and it costs fewer requests than paging. Otherwise, or on any doubt, the lists are read in full.

Between syncs the lists are kept in a file in the user's cache folder (contact details as in the workbook; never
a token), so the next sync can start from them. Remote ids are ``C<Id>`` for customers and ``V<Id>`` for vendors:
QuickBooks numbers each list on its own.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import sys
import tempfile
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from custmgr.connector import Listed, RemoteRecord
from custmgr.contact import CUSTOMER, VENDOR, name_key
from custmgr.errors import AuthRequired, ConnectorError, Retryable, Unavailable

from . import query
from .records import Entity, full_name, is_active, parent_id, trim, values_of, version_of

if TYPE_CHECKING:
    from .client import QboClient

PREFIX = {CUSTOMER: "C", VENDOR: "V"}
KIND_OF = {v: k for k, v in PREFIX.items()}
CDC_DAYS = 29
CDC_CAP = 1000
OVERLAP = _dt.timedelta(minutes=5)  # ask CDC from a little before the last read: clocks are not exact
FORMAT = 1


def remote_id(kind: str, qbo_id: str) -> str:
    return f"{PREFIX[kind]}{qbo_id}"


def split_id(rid: str) -> tuple[str, str] | None:
    """``"C56"`` -> ``("Customer", "56")``; None for anything that cannot be a QuickBooks Online id."""
    kind = KIND_OF.get(rid[:1])
    return (kind, rid[1:]) if kind and rid[1:].isdigit() else None


class ContactList:
    """Customer and vendor objects by remote id, with the server time of the read they came from."""

    def __init__(self, cache_file: Path | None = None, page_size: int = query.PAGE_SIZE) -> None:
        self.cache_file = cache_file
        self.page_size = max(1, min(page_size, query.PAGE_SIZE))
        self.stamp = ""  # the company's creation time: lists of an older company by the same ID are not reused
        self.entities: dict[str, tuple[str, Entity]] = {}
        self.kinds: set[str] = set()
        self.cursor = ""  # QuickBooks' time at the start of the last read (ISO 8601 with offset)
        self.full_cursor = ""  # ... of the last full read: changes before it are in the lists already
        self.doubtful: set[str] = set()  # held, but known to have changed since: read again before use
        self.read_this_session = False
        self.last_read = ""  # "full" or "changes": how the last refresh went
        self._names: dict[str, str] | None = None  # full name key -> customer remote id, built when asked

    # --- lookups ---------------------------------------------------------------------------------------------

    def entity(self, rid: str) -> Entity | None:
        held = self.entities.get(rid)
        return held[1] if held else None

    def customer(self, qbo_id: str) -> Entity | None:
        return self.entity(remote_id(CUSTOMER, qbo_id))

    def full_name(self, rid: str) -> str:
        kind, entity = self.entities[rid]
        return full_name(entity, self.customer if kind == CUSTOMER else _no_parent)

    def record(self, rid: str) -> RemoteRecord:
        kind, entity = self.entities[rid]
        name = self.full_name(rid)
        return RemoteRecord(rid, version_of(entity, name), values_of(entity, kind, name))

    def listed(self, kinds: Collection[str]) -> list[Listed]:
        out = []
        for rid, (kind, entity) in self.entities.items():
            if kind in kinds:
                out.append(Listed(rid, version_of(entity, self.full_name(rid)), kind, is_active(entity)))
        return out

    def customer_named(self, name: str) -> tuple[str, Entity] | None:
        """The customer whose full name is ``name`` (ignoring case, as QuickBooks compares names); an active one
        before an inactive one of the same name (shown without its "(deleted)")."""
        if self._names is None:
            ordered = sorted(((rid, e) for rid, (kind, e) in self.entities.items() if kind == CUSTOMER),
                             key=lambda item: is_active(item[1]))  # active last, so they win
            self._names = {name_key(self.full_name(rid)): rid for rid, _ in ordered}
        rid = self._names.get(name_key(name))
        return (rid, self.entities[rid][1]) if rid in self.entities else None

    def descendants(self, qbo_id: str) -> list[str]:
        """Remote ids of the jobs under customer ``qbo_id``, at any depth."""
        found: list[str] = []
        frontier = {qbo_id}
        while frontier:
            below = [rid for rid, (kind, e) in self.entities.items()
                     if kind == CUSTOMER and parent_id(e) in frontier and rid not in found]
            found += below
            frontier = {rid[1:] for rid in below}
        return found

    def put(self, kind: str, entity: Entity) -> str:
        rid = remote_id(kind, str(entity["Id"]))
        self.entities[rid] = (kind, trim(entity))
        self.doubtful.discard(rid)
        self._names = None
        return rid

    def drop(self, rid: str) -> None:
        self.entities.pop(rid, None)
        self.doubtful.discard(rid)
        self._names = None

    # --- reading ---------------------------------------------------------------------------------------------

    def refresh(self, client: QboClient, kinds: Collection[str]) -> None:
        """Bring the lists of ``kinds`` up to date: by the changes since the last read where that is safe and
        cheaper, otherwise in full."""
        wanted = set(kinds)
        if not self.read_this_session:
            self._load(client)
        if self._changes_worth_it(wanted) and self._catch_up(client, wanted):
            self.last_read = "changes"
        else:
            self._read_all(client, wanted)
            self.last_read = "full"
        self.read_this_session = True
        self._save(client)

    def _changes_worth_it(self, wanted: set[str]) -> bool:
        if not self.cursor or not wanted <= self.kinds:
            return False
        try:
            since = _dt.datetime.fromisoformat(self.cursor)
        except ValueError:
            return False
        now = _dt.datetime.now(_dt.timezone.utc)
        if since.tzinfo is None or now - since > _dt.timedelta(days=CDC_DAYS):
            return False
        sizes = [sum(1 for k, _ in self.entities.values() if k == kind) for kind in wanted]
        paging = sum(max(1, math.ceil((n + 1) / self.page_size)) for n in sizes)
        changes = 1 if self.read_this_session else 1 + len(wanted)  # CDC, then (from a file) the counts
        return changes < paging

    def _catch_up(self, client: QboClient, wanted: set[str]) -> bool:
        since = self._since()
        try:
            answer = client.get("cdc", params={"entities": ",".join(sorted(wanted)), "changedSince": since})
        except (AuthRequired, Unavailable, Retryable):
            raise
        except ConnectorError:
            return False  # e.g. "older than fixed days is not supported": read in full
        changes = list(_changed(answer, wanted))
        per_kind = {k: sum(1 for kind, _ in changes if kind == k) for k in wanted}
        if any(n >= CDC_CAP for n in per_kind.values()):
            return False  # cut off at the cap: what else changed is unknown
        for kind, entity in changes:
            rid = remote_id(kind, str(entity.get("Id")))
            if str(entity.get("status", "")).lower() == "deleted":
                self.drop(rid)
            else:
                self.put(kind, entity)
        if not self.read_this_session:
            for kind in wanted:
                held = sum(1 for k, _ in self.entities.values() if k == kind)
                if int(client.query(query.count(kind)).get("totalCount", -1)) != held:
                    return False
        self.cursor = str(answer.get("time") or self.cursor)
        return True

    def _since(self) -> str:
        """Where CDC should start: a little before the last read (clocks are not exact), but never before the
        last full read began. That full read already holds everything changed earlier; asking again from before
        it would bring back a burst of 1,000+ changes that caused it, hit CDC's cap, and force a full read on
        every sync for the length of the overlap."""
        since = _dt.datetime.fromisoformat(self.cursor) - OVERLAP
        try:
            full = _dt.datetime.fromisoformat(self.full_cursor) if self.full_cursor else None
        except ValueError:
            full = None
        if full is not None and full.tzinfo is not None and full > since:
            since = full
        return since.replace(microsecond=0).isoformat()

    def _read_all(self, client: QboClient, wanted: set[str]) -> None:
        fresh: dict[str, tuple[str, Entity]] = {}
        cursor = ""
        for kind in sorted(wanted):
            start = 1
            while True:
                page = client.query(query.page(kind, start, self.page_size))
                cursor = cursor or str(page.get("time", ""))
                items = page.get(kind) or []
                for entity in items:
                    fresh[remote_id(kind, str(entity["Id"]))] = (kind, trim(entity))
                if len(items) < self.page_size:
                    break
                start += self.page_size
        self.entities, self.kinds, self.cursor, self.doubtful = fresh, wanted, cursor, set()
        self.full_cursor = cursor
        self._names = None

    # --- the copy between syncs ------------------------------------------------------------------------------

    def _identity(self, client: QboClient) -> dict[str, str]:
        return {"api": client.endpoints.api_base, "realm": client.realm, "created": self.stamp}

    def _load(self, client: QboClient) -> None:
        if self.cache_file is None or not self.cache_file.is_file():
            return
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT or data.get("company") != self._identity(client):
                return
            entities = {str(rid): (str(kind), dict(entity)) for rid, (kind, entity) in data["entities"].items()}
            kinds = {str(k) for k in data["kinds"]}
            cursor = str(data["cursor"])
            full_cursor = str(data.get("full_cursor", ""))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return  # a damaged or foreign file: read in full
        self.entities, self.kinds, self.cursor, self.full_cursor = entities, kinds, cursor, full_cursor
        self._names = None

    def _save(self, client: QboClient) -> None:
        if self.cache_file is None:
            return
        data = {"format": FORMAT, "company": self._identity(client), "kinds": sorted(self.kinds),
                "cursor": self.cursor, "full_cursor": self.full_cursor,
                "entities": {rid: [k, e] for rid, (k, e) in self.entities.items()}}
        try:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.cache_file.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, self.cache_file)
        except OSError:
            return  # only a cache: the next sync reads in full


def _no_parent(_: str) -> None:
    return None


def _changed(answer: dict[str, Any], wanted: set[str]) -> Iterable[tuple[str, Entity]]:
    """(kind, object) pairs of a CDC answer."""
    for block in answer.get("CDCResponse") or []:
        for found in (block.get("QueryResponse") or []) if isinstance(block, dict) else []:
            for kind in wanted if isinstance(found, dict) else ():
                for entity in found.get(kind) or []:
                    yield kind, entity


def default_cache_dir() -> Path:
    """The user's cache folder for custmgr (LOCALAPPDATA on Windows, ~/Library/Caches on macOS, XDG elsewhere)."""
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "custmgr" / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "custmgr"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "custmgr"
