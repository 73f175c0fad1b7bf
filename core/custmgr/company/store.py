"""The sandbox company file: customers, vendors and custom fields in SQLite, kept by QuickBooks' rules.

Engine tests run against this stand-in, so it is strict wherever QuickBooks is: a rule it let through would be
a bug the engine ships with. The rules (and the QuickBooks wording of their errors) live in this module:

- ListIDs look like ``80000001-1712345678`` (a hex counter and the creation time); EditSequences are numeric
  strings that grow on every write to a record and are never reused.
- A write carrying an EditSequence that is not the current one fails (``StaleVersion``).
- Full names (``Parent:Job``) are unique across customers *and* vendors, ignoring case; vendors have no
  ``:``; a job's parent must be an existing customer. Renaming a customer renames its jobs; making it
  inactive makes its jobs inactive (each of them gets a new EditSequence, as in QuickBooks).
- Lengths, Latin-1 and control characters are checked by ``custmgr.contact.validate`` (the same rules the
  engine checks before sending); custom fields must be defined for the record's kind. Control characters are
  refused as sent, before normalizing, which would turn some of them into spaces: QuickBooks cannot store them
  (qbXML cannot even carry them), so a stand-in that quietly kept a changed value would hide an engine bug.

Every write is its own transaction. Values are stored normalized, as ``custmgr.contact.normalize`` makes them.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..connector import Company, CustomFieldDef, Listed, RemoteRecord
from ..contact import (
    CUSTOM_NAME_LIMIT,
    CUSTOM_PREFIX,
    CUSTOMER,
    FIELD_BY_KEY,
    JOB_SEPARATOR,
    KINDS,
    NO,
    YES,
    Values,
    clean_text,
    custom_key,
    is_custom,
    name_key,
    normalize,
    parent_name,
    validate,
)
from ..errors import CustmgrError, Invalid, NameInUse, NotFound, Retryable, StaleVersion, Unavailable

FORMAT = "custmgr-sandbox/1"
MEMORY = "memory:"  # a location naming a company kept in memory (create.memory_company), not a file
CHARSET = "latin-1"
FIRST_LIST_NUMBER = 0x80000001
DEFAULT_SEED = 20240601
_CHUNK = 500  # ids per IN (...) query, below SQLite's parameter limit

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (
    list_id       TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,          -- full name, Parent:Job
    name_key      TEXT NOT NULL UNIQUE,   -- casefolded full name: one namespace for customers and vendors
    parent_id     TEXT,
    active        INTEGER NOT NULL,
    edit_sequence TEXT NOT NULL,
    time_created  TEXT NOT NULL,
    time_modified TEXT NOT NULL,
    data          TEXT NOT NULL           -- JSON: every other field, custom fields as custom:NAME
);
CREATE INDEX records_parent ON records (parent_id);
CREATE TABLE custom_fields (
    name TEXT PRIMARY KEY, name_key TEXT NOT NULL UNIQUE, kinds TEXT NOT NULL, max_length INTEGER NOT NULL
);
"""
_COLUMNS = ("list_id", "kind", "name", "name_key", "parent_id", "active", "edit_sequence", "time_created",
            "time_modified", "data")
_INSERT = f"INSERT INTO records ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"


def _now() -> str:
    """QuickBooks' TimeCreated/TimeModified form: local time with its UTC offset."""
    return _dt.datetime.now().astimezone().isoformat(timespec="seconds")


def _record(row: sqlite3.Row) -> RemoteRecord:
    values: Values = {"kind": row["kind"], "name": row["name"], "active": YES if row["active"] else NO}
    values.update(json.loads(row["data"]))
    return RemoteRecord(row["list_id"], row["edit_sequence"], values)


def _data(values: Mapping[str, str]) -> str:
    rest = {k: v for k, v in values.items() if k not in ("kind", "name", "active")}
    return json.dumps(rest, ensure_ascii=False)


class InUse(Invalid):
    """A name used in transactions cannot be deleted (QuickBooks offers to make it inactive instead)."""


def _invalid(field: str, reason: str, code: str = "") -> Invalid:
    return Invalid(field, reason, detail=f"qbXML statusCode {code}" if code else "sandbox rule")


def _hierarchy(record: RemoteRecord) -> list[str]:
    return name_key(record.values["name"]).split(JOB_SEPARATOR)


class SandboxCompany:
    """An open sandbox company file.

    Two ways in: by id and version, as a qbXML request would (``add_record``, ``modify_record``,
    ``deactivate_record``, ``delete_record``; used by the connector), and by name, as someone working in
    QuickBooks would (``add``, ``edit``, ``deactivate``, ``delete``, ``find``; used by the CLI and by tests
    that simulate edits made in QuickBooks between syncs). Errors are ``ConnectorError`` subclasses.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 5.0) -> None:
        """Open the company file at ``path`` (or the company in memory at ``memory:NAME``, see ``create.py``);
        ``timeout`` is how long a write waits for another writer."""
        self.path = Path(path)
        hint = f"Create one with `custmgr sandbox new {self.path} --sample`."
        if in_memory(path):
            self._db = sqlite3.connect(memory_uri(path), uri=True, isolation_level=None, timeout=timeout)
        elif not self.path.exists():
            raise Unavailable(f"There is no sandbox company file at {self.path}. {hint}")
        elif not self.path.is_file():
            raise Unavailable(f"{self.path} is a folder, not a sandbox company file. {hint}")
        else:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=timeout)
        self._db.row_factory = sqlite3.Row
        try:
            found = self._meta("format")
        except sqlite3.DatabaseError:
            found = None
        if found != FORMAT:
            self._db.close()
            if in_memory(path):
                raise Unavailable(f"There is no sandbox company in memory at {path}: one lasts only while it is "
                                  "open in this process (custmgr.company.memory_company).")
            raise Unavailable(f"{self.path} is not a sandbox company file (or one from a newer custmgr). "
                              + hint)

    # --- lifetime -------------------------------------------------------------------------------------------

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SandboxCompany:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading --------------------------------------------------------------------------------------------

    def identity(self) -> Company:
        """The id (a uuid made at creation, never changed) and name of the company."""
        return Company(self._meta("company_id") or "", self._meta("company_name") or "")

    def listing(self, kinds: Collection[str] = KINDS) -> list[Listed]:
        """Ids, versions, kinds and active flags of every record of ``kinds``, inactive ones included."""
        rows = self._db.execute(
            f"SELECT list_id, edit_sequence, kind, active FROM records WHERE kind IN ({_marks(kinds)}) "
            "ORDER BY rowid", tuple(kinds))
        return [Listed(r["list_id"], r["edit_sequence"], r["kind"], bool(r["active"])) for r in rows]

    def fetch(self, remote_ids: Sequence[str]) -> list[RemoteRecord]:
        """Records for ``remote_ids`` in the order asked, each once; unknown ids are left out."""
        wanted = list(dict.fromkeys(remote_ids))
        found: dict[str, RemoteRecord] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start:start + _CHUNK]
            for row in self._db.execute(f"SELECT * FROM records WHERE list_id IN ({_marks(chunk)})", chunk):
                found[row["list_id"]] = _record(row)
        return [found[i] for i in wanted if i in found]

    def get(self, remote_id: str) -> RemoteRecord | None:
        row = self._row(remote_id)
        return _record(row) if row else None

    def find(self, name: str) -> RemoteRecord | None:
        """The customer, job or vendor with full name ``name`` (ignoring case), or None."""
        row = self._by_name(name)
        return _record(row) if row else None

    def records(self, kinds: Collection[str] = KINDS) -> list[RemoteRecord]:
        """Every record of ``kinds``, sorted as QuickBooks lists them (jobs under their customer)."""
        rows = self._db.execute(f"SELECT * FROM records WHERE kind IN ({_marks(kinds)})", tuple(kinds))
        return sorted((_record(r) for r in rows), key=_hierarchy)

    def timestamps(self, remote_id: str) -> tuple[str, str]:
        """``(TimeCreated, TimeModified)`` of a record."""
        row = self._require(remote_id)
        return row["time_created"], row["time_modified"]

    def custom_fields(self) -> list[CustomFieldDef]:
        rows = self._db.execute("SELECT * FROM custom_fields ORDER BY rowid")
        return [CustomFieldDef(r["name"], tuple(json.loads(r["kinds"])), r["max_length"]) for r in rows]

    # --- writing by id and version (what the connector sends) -----------------------------------------------

    def add_record(self, kind: str, values: Mapping[str, str]) -> RemoteRecord:
        """Add a customer, job or vendor (CustomerAdd/VendorAdd). ``values`` holds at least ``name``."""
        if kind not in KINDS:
            raise _invalid("kind", f"must be {CUSTOMER} or Vendor, not {kind!r}")
        new = _normalized({"kind": kind, **values})
        if new["kind"] != kind:
            raise _invalid("kind", f"is {new['kind']!r} in a {kind} add")
        with self._transaction():
            parent = self._check(kind, new, new.keys())
            list_id, stamp, seq = self._next_list_id(), _now(), self._next_edit_sequence()
            self._db.execute(_INSERT, (list_id, kind, new["name"], name_key(new["name"]), parent,
                                       new["active"] == YES, seq, stamp, stamp, _data(new)))
            return _record(self._require(list_id))

    def modify_record(self, remote_id: str, version: str | None, values: Mapping[str, str], *,
                      kind: str | None = None) -> RemoteRecord:
        """Change only the fields in ``values`` ('' clears one) (CustomerMod/VendorMod).

        ``version`` must be the current EditSequence; None skips the check (an edit typed into QuickBooks).
        ``kind``, when given, must be the record's kind: a CustomerMod cannot find a vendor.
        """
        with self._transaction():
            row = self._require(remote_id, kind, version)
            old = _record(row).values
            _refuse_control_characters(values)
            changes = {k: normalize(k, v) for k, v in values.items()}
            if changes.get("kind", row["kind"]) != row["kind"]:
                raise _invalid("kind", f"a {row['kind']} cannot become a {changes['kind']}; QuickBooks keeps "
                                       "customers and vendors in separate lists")
            new = {k: v for k, v in {**old, **changes}.items() if v}
            parent = self._check(row["kind"], new, changes.keys(), own_id=remote_id)
            self._write(row, new, parent)
            return _record(self._require(remote_id))

    def deactivate_record(self, remote_id: str, version: str | None, *,
                          kind: str | None = None) -> RemoteRecord:
        """Make a record inactive (IsActive false); a customer's jobs follow. It stays listed."""
        return self.modify_record(remote_id, version, {"active": NO}, kind=kind)

    def delete_record(self, remote_id: str, *, kind: str | None = None, version: str | None = None) -> None:
        """Remove a record for good (ListDel). Refused for a customer with jobs, and (``InUse``) for a name used
        in transactions, as in QuickBooks; ``version``, when given, must be the current EditSequence."""
        with self._transaction():
            row = self._require(remote_id, kind, version)
            if self._descendants(remote_id):
                raise _invalid("name", f'"{row["name"]}" has jobs; delete its jobs first')
            if self.transactions(remote_id):
                raise InUse("name", f'"{row["name"]}" has been used in transactions, so QuickBooks cannot delete '
                                    "it; make it inactive instead", detail="sandbox rule")
            self._db.execute("DELETE FROM records WHERE list_id = ?", (remote_id,))

    def active_jobs(self, remote_id: str) -> list[str]:
        """ListIDs of the active jobs under a customer, at any depth."""
        jobs = self._descendants(remote_id)
        return [r.remote_id for r in self.fetch(jobs) if r.values.get("active") == YES]

    def transactions(self, remote_id: str) -> int:
        """How many transactions (invoices, bills, ...) name this record: the sandbox keeps only the count."""
        if not self._has_table("transactions"):
            return 0
        row = self._db.execute("SELECT count FROM transactions WHERE list_id = ?", (remote_id,)).fetchone()
        return int(row[0]) if row else 0

    def define_custom_field(self, name: str, kinds: Collection[str] = KINDS,
                            max_length: int = 255) -> CustomFieldDef:
        """Define a custom field (DataExtDef, OwnerID 0) for customers and/or vendors."""
        name = normalize("", name)
        if not name or len(name) > CUSTOM_NAME_LIMIT:
            raise _invalid("name", f"a custom field name needs 1 to {CUSTOM_NAME_LIMIT} characters: {name!r}")
        if clean_text(name)[1] or not _encodable(name):
            raise _invalid("name", f"QuickBooks cannot store the custom field name {name!r}")
        if not kinds or set(kinds) - set(KINDS):
            raise _invalid("kinds", f"custom fields are for {CUSTOMER}s and/or Vendors, not {sorted(kinds)}")
        if max_length not in (255, 1024):
            raise _invalid("max_length", "QuickBooks custom fields hold 255 or 1024 characters")
        ordered = tuple(k for k in KINDS if k in kinds)
        with self._transaction():
            try:
                self._db.execute("INSERT INTO custom_fields VALUES (?, ?, ?, ?)",
                                 (name, name.casefold(), json.dumps(ordered), max_length))
            except sqlite3.IntegrityError:
                raise NameInUse(f'The name "{name}" of the list element is already in use.',
                                detail="qbXML statusCode 3100") from None
        return CustomFieldDef(name, ordered, max_length)

    # --- annex: what another front keeps beside a record ----------------------------------------------------

    def annex(self, owner: str) -> dict[str, str]:
        """Text a front (the qbXML one) keeps beside a record or the company (``owner`` = ListID, or any key of
        its own): data QuickBooks holds that the contact model does not, such as private data extensions. The
        sandbox's own rules never read it."""
        if not self._has_annex():
            return {}
        row = self._db.execute("SELECT data FROM annex WHERE owner = ?", (owner,)).fetchone()
        return dict(json.loads(row[0])) if row else {}

    def set_annex(self, owner: str, data: Mapping[str, str]) -> None:
        """Replace what is kept beside ``owner`` (an empty mapping removes it), in one transaction."""
        with self._transaction():
            self._db.execute("CREATE TABLE IF NOT EXISTS annex (owner TEXT PRIMARY KEY, data TEXT NOT NULL)")
            if data:
                self._db.execute("INSERT OR REPLACE INTO annex VALUES (?, ?)",
                                 (owner, json.dumps(dict(data), ensure_ascii=False)))
            else:
                self._db.execute("DELETE FROM annex WHERE owner = ?", (owner,))

    def _has_annex(self) -> bool:
        return self._has_table("annex")

    def _has_table(self, name: str) -> bool:
        return self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                                (name,)).fetchone() is not None

    # --- as someone working in QuickBooks -------------------------------------------------------------------

    def add(self, name: str, values: Mapping[str, str] | None = None, *,
            kind: str = CUSTOMER) -> RemoteRecord:
        """Add ``name`` (``"Customer:Job"`` for a job) with ``values``."""
        return self.add_record(kind, {**(values or {}), "name": name})

    def edit(self, name: str, values: Mapping[str, str]) -> RemoteRecord:
        """Change fields of ``name`` (any case); no version needed, the user sees the current record."""
        return self.modify_record(self._named(name).remote_id, None, values)

    def deactivate(self, name: str) -> RemoteRecord:
        """Make ``name`` inactive, with its jobs."""
        return self.deactivate_record(self._named(name).remote_id, None)

    def delete(self, name: str) -> None:
        """Delete ``name`` for good; a customer with jobs, or a name used in transactions, is refused."""
        self.delete_record(self._named(name).remote_id)

    def add_transaction(self, name: str) -> int:
        """Enter a transaction (an invoice for a customer, a bill for a vendor) naming ``name``, so that it can no
        longer be deleted. Its version does not change, as in QuickBooks. Returns the record's transaction count."""
        record = self._named(name)
        with self._transaction():
            self._db.execute("CREATE TABLE IF NOT EXISTS transactions (list_id TEXT PRIMARY KEY, count INTEGER)")
            self._db.execute("INSERT INTO transactions VALUES (?, 1) ON CONFLICT (list_id) DO UPDATE "
                             "SET count = count + 1", (record.remote_id,))
        return self.transactions(record.remote_id)

    def bulk_add(self, contacts: Iterable[Mapping[str, str]], *, normalized: bool = False) -> int:
        """Add many contacts in one transaction by the same rules, fast enough for 100,000 (on creation).

        Parents come before their jobs. A contact breaking a rule stops the whole load. Returns the count.
        ``normalized=True`` skips normalizing values already in canonical form (the generator's), for speed.
        """
        defs = {custom_key(d.name): d for d in self.custom_fields()}
        limits = {key: d.max_length for key, d in defs.items()}
        kinds_of = {key: d.kinds for key, d in defs.items()}
        seen = {r["name_key"]: (r["list_id"], r["kind"]) for r in self._db.execute("SELECT * FROM records")}
        rows = []
        with self._transaction():
            stamp, seq, epoch = _now(), self._next_edit_sequence(), int(time.time())
            number = int(self._meta("next_list_number") or FIRST_LIST_NUMBER)
            for raw in contacts:
                values = {"kind": CUSTOMER, "active": YES, **raw} if normalized else _normalized(raw)
                problems = [f"{p.field} {p.message}"
                            for p in validate(values, limits=limits, charset=CHARSET)]
                problems += [f"{k} is not a field for a {values['kind']}" for k in values
                             if k not in FIELD_BY_KEY and values["kind"] not in kinds_of.get(k, ())]
                key = name_key(values.get("name", ""))
                if key in seen:
                    problems.append("the name is already in use")
                parent = key.rpartition(JOB_SEPARATOR)[0]
                parent_id, parent_kind = seen.get(parent, ("", "")) if parent else (None, CUSTOMER)
                if parent_id == "" or parent_kind != CUSTOMER:
                    problems.append("its parent is not a customer listed before it")
                if problems:
                    raise CustmgrError(f"Contact {values.get('name')!r} breaks QuickBooks' rules: "
                                       + "; ".join(problems))
                list_id = f"{number:08X}-{epoch:010d}"
                number += 1
                seen[key] = (list_id, values["kind"])
                rows.append((list_id, values["kind"], values["name"], key, parent_id, values["active"] == YES,
                             seq, stamp, stamp, _data(values)))
            self._db.executemany(_INSERT, rows)
            self._set_meta("next_list_number", str(number))
        return len(rows)

    # --- rules ----------------------------------------------------------------------------------------------

    def _check(self, kind: str, values: Values, changed: Iterable[str],
               own_id: str | None = None) -> str | None:
        """Raise the error QuickBooks would give for ``values``; return the parent's ListID for a job."""
        changed = list(changed)
        defs = {d.name: d for d in self.custom_fields()}
        for key in changed:
            if is_custom(key):
                field = defs.get(key[len(CUSTOM_PREFIX):])
                if field is None:
                    raise _invalid(key, f"there is no custom field named {key[len(CUSTOM_PREFIX):]!r}; "
                                        f"defined: {', '.join(defs) or 'none'}")
                if kind not in field.kinds:
                    raise _invalid(key, f"the custom field is defined for {' and '.join(field.kinds)} only")
            elif key not in FIELD_BY_KEY:
                raise _invalid(key, "is not a QuickBooks customer or vendor field")
        limits = {custom_key(d.name): d.max_length for d in defs.values()}
        problems = validate(values, limits=limits, charset=CHARSET)
        if problems:
            first = next((p for p in problems if p.field in changed), problems[0])
            raise _invalid(first.field, first.message, "3070" if "too long" in first.message else "")
        name = values["name"]
        clash = self._by_name(name)
        if clash and clash["list_id"] != own_id:
            raise NameInUse(f'The name "{name}" of the list element is already in use.',
                            detail="qbXML statusCode 3100")
        parent = parent_name(name)
        if not parent:
            return None
        row = self._by_name(parent)
        if row is None:
            raise _invalid("name", f'there is no customer "{parent}" to hold this job; add it first', "3140")
        if row["kind"] != CUSTOMER:
            raise _invalid("name", f'"{row["name"]}" is a {row["kind"].lower()}; jobs belong to customers')
        if own_id and (row["list_id"] == own_id or row["list_id"] in self._descendants(own_id)):
            raise _invalid("name", "a customer cannot become a job of itself or of one of its jobs")
        # QuickBooks spells the full name with the parent's own spelling.
        values["name"] = row["name"] + JOB_SEPARATOR + name.rsplit(JOB_SEPARATOR, 1)[1]
        return str(row["list_id"])

    def _write(self, row: sqlite3.Row, new: Values, parent: str | None) -> None:
        """Store ``new`` on ``row``'s record; carry a rename or a deactivation down to its jobs."""
        stamp, seq = _now(), self._next_edit_sequence()
        self._db.execute(
            "UPDATE records SET name = ?, name_key = ?, parent_id = ?, active = ?, edit_sequence = ?, "
            "time_modified = ?, data = ? WHERE list_id = ?",
            (new["name"], name_key(new["name"]), parent, new["active"] == YES, seq, stamp, _data(new),
             row["list_id"]))
        renamed, deactivated = new["name"] != row["name"], bool(row["active"]) and new["active"] == NO
        for sub in self._descendants(row["list_id"]) if renamed or deactivated else ():
            sub_row = self._require(sub)
            if not renamed and not sub_row["active"]:
                continue  # already inactive: QuickBooks leaves it alone
            full = new["name"] + sub_row["name"][len(row["name"]):]
            problem = next(iter(validate({"name": full}, charset=CHARSET)), None)
            if problem:
                raise _invalid("name", f'its job would become "{full}": {problem.message}')
            try:
                self._db.execute(
                    "UPDATE records SET name = ?, name_key = ?, active = active AND ?, edit_sequence = ?, "
                    "time_modified = ? WHERE list_id = ?",
                    (full, name_key(full), not deactivated, seq, stamp, sub))
            except sqlite3.IntegrityError:
                raise NameInUse(f'The name "{full}" of the list element is already in use.',
                                detail="qbXML statusCode 3100") from None

    # --- plumbing -------------------------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write, all or nothing. A lock held by another writer is ``Retryable``, as in QuickBooks."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as err:
            raise self._file_error(err) from None
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise self._file_error(exc) from None
            raise

    def _file_error(self, err: sqlite3.OperationalError) -> Retryable | Unavailable:
        if "locked" in str(err) or "busy" in str(err):
            return Retryable("The company file is in use by another user; try again.", detail=str(err))
        return Unavailable(f"Cannot write to the sandbox company {self.path}: {err}", detail=str(err))

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _next_list_id(self) -> str:
        number = int(self._meta("next_list_number") or FIRST_LIST_NUMBER)
        self._set_meta("next_list_number", str(number + 1))
        return f"{number:08X}-{int(time.time()):010d}"

    def _next_edit_sequence(self) -> str:
        """Numeric like QuickBooks' (the time in seconds) but strictly growing, so never reused."""
        seq = max(int(time.time()), int(self._meta("last_edit_sequence") or 0) + 1)
        self._set_meta("last_edit_sequence", str(seq))
        return str(seq)

    def _row(self, remote_id: str) -> sqlite3.Row | None:
        return self._db.execute("SELECT * FROM records WHERE list_id = ?", (remote_id,)).fetchone()

    def _require(self, remote_id: str, kind: str | None = None, version: str | None = None) -> sqlite3.Row:
        row = self._row(remote_id)
        if row is None or (kind is not None and row["kind"] != kind):
            raise NotFound(f'Object "{remote_id}" specified in the request cannot be found.',
                           detail="qbXML statusCode 3120")
        if version is not None and version != row["edit_sequence"]:
            raise StaleVersion(f'The provided edit sequence "{version}" is out-of-date.',
                               detail="qbXML statusCode 3200")
        return row

    def _by_name(self, name: str) -> sqlite3.Row | None:
        return self._db.execute("SELECT * FROM records WHERE name_key = ?", (name_key(name),)).fetchone()

    def _named(self, name: str) -> RemoteRecord:
        found = self.find(name)
        if found is None:
            raise NotFound(f'There is no customer, job or vendor named "{name}".',
                           detail="qbXML statusCode 500")
        return found

    def _descendants(self, remote_id: str) -> list[str]:
        rows = self._db.execute(
            "WITH RECURSIVE sub(id) AS (SELECT list_id FROM records WHERE parent_id = ? "
            "UNION ALL SELECT r.list_id FROM records r JOIN sub ON r.parent_id = sub.id) SELECT id FROM sub",
            (remote_id,))
        return [r[0] for r in rows]


def _refuse_control_characters(values: Mapping[str, str]) -> None:
    for key, value in values.items():
        if isinstance(value, str) and clean_text(value)[1]:
            raise _invalid(key, "contains control characters; retype the value")


def _normalized(values: Mapping[str, str]) -> Values:
    """What an add stores: normalized, empties dropped, ``kind`` and ``active`` always present."""
    _refuse_control_characters(values)
    out = {k: v for k, v in ((k, normalize(k, v)) for k, v in values.items()) if v}
    out.setdefault("kind", CUSTOMER)
    out.setdefault("active", YES)
    return out


def _encodable(text: str) -> bool:
    try:
        text.encode(CHARSET)
    except UnicodeEncodeError:
        return False
    return True


def _marks(items: Collection[object]) -> str:
    return ", ".join("?" * len(items))


def in_memory(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` names a company kept in memory (``memory:NAME``) rather than a file."""
    return isinstance(location, str) and location.startswith(MEMORY)


def memory_uri(location: str) -> str:
    """SQLite's name for the in-memory database every connection to ``location`` in this process shares."""
    return f"file:custmgr-{location[len(MEMORY):]}?mode=memory&cache=shared"
