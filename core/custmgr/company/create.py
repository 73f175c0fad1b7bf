"""Creating a sandbox company: a file (``create_company``), or one kept in memory (``memory_company``).

A company in memory is the same store by the same rules, without a file: SQLite's shared in-memory database
named by a ``memory:NAME`` location, which every ``SandboxCompany("memory:NAME")`` opened in the same process
sees, for as long as one of them stays open (the one ``memory_company`` returns, usually). Tests that pair many
short-lived workbooks with many companies use it to stay off the disk; Settings may name such a location as the
company, so a sync finds it as it finds a file.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

from ..contact import Values
from ..errors import CustmgrError
from .store import _SCHEMA, DEFAULT_SEED, FORMAT, MEMORY, SandboxCompany, _now, memory_uri


def create_company(path: str | os.PathLike[str], *, name: str | None = None, sample: bool = False,
                   size: int = 0, seed: int = DEFAULT_SEED) -> None:
    """Create a sandbox company file: empty, the shipped sample company, and/or ``size`` generated contacts.

    Refuses to overwrite anything. The file appears whole or not at all (it is built under a temporary name).
    """
    target = Path(path)
    if target.exists():
        raise CustmgrError(f"{target} already exists; choose another file name or delete that file first.")
    if not target.parent.is_dir():
        raise CustmgrError(f"The folder {target.parent} does not exist; create it first.")
    if size < 0:
        raise CustmgrError(f"The number of generated contacts must be 0 or more, not {size}.")
    temp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        with closing(sqlite3.connect(temp)) as db:
            fill_company(db, temp, name=name, sample=sample, size=size, seed=seed)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def fill_company(db: sqlite3.Connection, location: str | os.PathLike[str], *, name: str | None = None,
                 sample: bool = False, size: int = 0, seed: int = DEFAULT_SEED) -> None:
    """Make the empty database ``db`` (open at ``location``) a company, as ``create_company`` describes."""
    from . import sample as samples  # imported here: the sample module is only needed to create a company

    shipped = samples.load_sample() if sample or size else None
    contacts: list[Values] = list(shipped.contacts) if shipped and sample else []
    meta = {"format": FORMAT, "company_id": str(uuid.uuid4()), "created": _now(),
            "company_name": name or (shipped.name if shipped and sample else "Sandbox Company")}
    db.executescript(_SCHEMA)
    db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    db.commit()
    with SandboxCompany(location) as company:
        for field in shipped.custom_fields if shipped else ():
            company.define_custom_field(field.name, field.kinds, field.max_length)
        company.bulk_add(contacts)
        if size:
            taken = [c["name"] for c in contacts]
            company.bulk_add(samples.generate(size, seed=seed, taken=taken), normalized=True)


def memory_company(*, name: str | None = None, sample: bool = False, size: int = 0,
                   seed: int = DEFAULT_SEED) -> SandboxCompany:
    """A new company kept in memory, made as ``create_company`` makes a file; open at ``.path`` (``memory:NAME``)
    until the returned company and every other one opened there are closed, when it is gone."""
    location = f"{MEMORY}{uuid.uuid4().hex}"
    with closing(sqlite3.connect(memory_uri(location), uri=True)) as db:
        fill_company(db, location, name=name, sample=sample, size=size, seed=seed)
        company = SandboxCompany(location)  # opened before ``db`` closes: the last connection closing frees it
    return company


def copy_company(company: SandboxCompany) -> SandboxCompany:
    """A copy of ``company`` (a file or in memory), kept in memory as ``memory_company`` keeps one."""
    location = f"{MEMORY}{uuid.uuid4().hex}"
    with closing(sqlite3.connect(memory_uri(location), uri=True)) as db:
        company._db.backup(db)
        copy = SandboxCompany(location)
    return copy
