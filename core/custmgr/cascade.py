"""What QuickBooks changes by itself when a sync writes a customer: its jobs follow it.

Renaming a customer renames every job under it (``Acme:Roof`` becomes ``Acme Ltd:Roof``), and making it inactive
makes its jobs inactive. Those jobs' rows were planned before the write, as unchanged; read once after the writes,
they receive what QuickBooks now holds in the same sync, so the next sync has nothing left to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .connector import ChangeResult, Connector
from .contact import CUSTOMER, JOB_SEPARATOR, NO, name_key
from .errors import ConnectorError
from .outcomes import Exchange
from .plan import RecordPlan, SyncPlan
from .settle import from_remote
from .state import Link

CARRIED = ("name", "active")  # what a job takes from its customer


def jobs_followed(connector: Connector, plan: SyncPlan, results: Mapping[str, ChangeResult],
                  links: Mapping[str, Link]) -> SyncPlan:
    """``plan`` with each unchanged job under a customer this sync renamed or made inactive receiving its new name
    and Active. One fetch, only when there are such jobs."""
    prefixes = [name_key(links[r.row_id].base.get("name", "")) + JOB_SEPARATOR for r in plan.records
                if _moves_its_jobs(r, results, links)]
    if not prefixes:
        return plan
    jobs = {rec.remote_id: rec for rec in plan.records
            if rec.remote_id and not rec.outcome.acts and not rec.outcome.asks and not rec.outcome.problems
            and rec.row_id in links and any(name_key(rec.name).startswith(p) for p in prefixes)}
    if not jobs:
        return plan
    try:
        records = connector.fetch(list(jobs))
    except ConnectorError:
        return plan  # QuickBooks already took the writes: save them; the jobs' rows catch up at the next sync
    followed: dict[str, RecordPlan] = {}
    for record in records:
        rec = jobs[record.remote_id]
        base = links[rec.row_id].base
        now = from_remote(record.values)
        moved = {k: now.get(k, "") for k in CARRIED if now.get(k, "") != base.get(k, "")}
        if moved:
            followed[rec.row_id] = replace(rec, name=now.get("name", rec.name), version=record.version,
                                           outcome=Exchange(receive=moved, base={**base, **moved}))
    return replace(plan, records=tuple(followed.get(r.row_id, r) for r in plan.records)) if followed else plan


def _moves_its_jobs(rec: RecordPlan, results: Mapping[str, ChangeResult], links: Mapping[str, Link]) -> bool:
    """Whether QuickBooks took a write of this customer that its jobs follow (a new name, or made inactive)."""
    out, result = rec.outcome, results.get(rec.row_id)
    if rec.kind != CUSTOMER or rec.row_id not in links or result is None or not result.ok:
        return False
    old = links[rec.row_id].base
    if out.op == "deactivate":
        return True
    return out.op == "update" and (
        ("name" in out.send and out.send["name"] != old.get("name", ""))
        or (out.send.get("active") == NO and old.get("active") != NO))
