"""Writing a batch of changes in as few qbXML messages as possible, without ever writing on a stale record.

Each change becomes a few requests that depend on each other: the Add or Mod, then its custom fields
(DataExtAdd/Mod/Del), then a read-back of the record as stored when custom fields are involved (an Add or Mod
answer carries no custom fields, and a custom field write gives the record a new EditSequence). A whole batch
goes in ONE message with ``onError="stopOnError"``, chosen on purpose: QuickBooks then stops at the first refused
request, so a custom field can never land on another record that happens to hold the name of a refused Add, and
nothing after a failure is half done. The changes after a refused one are simply sent again in the next message.
Round trips per batch: one, plus one per refused change, plus one read first when an update touches a custom
field or only part of an address (QuickBooks replaces an address wholesale, and a custom field must be added,
modified or deleted depending on whether it has a value).
"""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from custmgr.connector import Change, ChangeResult, CustomFieldDef, RemoteRecord
from custmgr.contact import CUSTOMER, FIELD_BY_KEY, JOB_SEPARATOR, KINDS, NO, custom_key, is_custom, validate
from custmgr.errors import ConnectorError, Invalid, NotFound, Retryable, StaleVersion

from . import messages as qb
from .elements import ADDRESS_PARTS, OWNER_CUSTOM
from .responses import BadResponse, Response, error_of, record

if TYPE_CHECKING:
    from .connector import QbdConnector

FULL_NAME_REF_LIMIT = 159  # ListObjRef/FullName: a longer job name is named by ListID, one message later
_ADDRESS_KEYS = {prefix: tuple(f"{prefix}_{part}" for part, _ in ADDRESS_PARTS) for prefix in ("bill", "ship")}


@dataclass
class Step:
    """One request of a change; ``field``: the field key an error on it is about; ``instead``: the requests to
    send if QuickBooks refuses this one (a name it will not delete is made inactive)."""

    request: ET.Element
    field: str = "name"
    gives_record: bool = False
    instead: list[Step] = dataclasses.field(default_factory=list)


@dataclass
class Work:
    """The requests of one change: ``now`` goes in the next message, ``later`` needs the new ListID first."""

    index: int
    change: Change
    current: RemoteRecord | None = None
    now: list[Step] = field(default_factory=list)
    later: list[Step] = field(default_factory=list)
    record: RemoteRecord | None = None


def write(connector: QbdConnector, changes: Sequence[Change]) -> list[ChangeResult]:
    """One ``ChangeResult`` per change, in order; a refused change stops no other."""
    fields = {d.name: d for d in connector.custom_fields()}
    missing = connector.missing_fields()
    results: dict[int, ChangeResult] = {}
    works = []
    for index, change in enumerate(changes):
        problem = check(change, fields, missing)
        if problem is not None:
            results[index] = ChangeResult(change.ref, error=problem)
        else:
            works.append(Work(index, change))
    _read_first(connector, [w for w in works if _needs_current(w.change, fields)], results)
    pending = [w for w in works if w.index not in results]
    include = {kind: connector.record_elements(kind) for kind in KINDS}
    for work in pending:
        _plan(work, fields, include, missing)
    while pending:
        message = qb.Message("stopOnError")
        sent = [(work, step) for work in pending for step in work.now]
        for _, step in sent:
            message.add(step.request)
        answers = connector.exchange(message)
        instead = set()
        for (work, step), rs in zip(sent, answers, strict=False):
            if rs.failed:
                error = error_of(rs, step.field)
                if step.instead and not isinstance(error, NotFound | Retryable):
                    work.now, work.later = step.instead, []
                    instead.add(work.index)
                else:
                    results[work.index] = ChangeResult(work.change.ref, error=error)
            elif step.gives_record:
                work.record = _the_record(rs)
                connector.kinds[work.record.remote_id] = work.record.kind
        answered = {id(step) for _, step in sent[:len(answers)]}
        following = []
        for work in pending:
            if work.index in results:
                continue
            if work.index in instead or not all(id(step) in answered for step in work.now):
                following.append(work)  # after the refused request: not done at all, send again
            elif work.later:
                assert work.record is not None
                work.now, work.later = [_with_list_id(s, work.record.remote_id) for s in work.later], []
                following.append(work)
            else:
                results[work.index] = ChangeResult(work.change.ref, record=work.record)
        pending = following
    return [results[i] for i in range(len(changes))]


def _the_record(rs: Response) -> RemoteRecord:
    if len(rs.rets) != 1:
        raise BadResponse(f"{rs.tag} with {len(rs.rets)} records where one was due")
    return record(rs.rets[0])


# --- checks before anything is sent -------------------------------------------------------------------------


def check(change: Change, fields: dict[str, CustomFieldDef],
          missing: Mapping[str, str] | None = None) -> ConnectorError | None:
    """What QuickBooks would refuse or silently change, as ``Invalid`` on the field; None if it can go.
    ``missing``: fields this QuickBooks' qbXML version lacks (key -> why), refused when given a value."""
    if change.kind not in KINDS:
        return Invalid("kind", f"must be Customer or Vendor, not {change.kind!r}")
    if change.op not in ("add", "update", "deactivate", "merge", "delete"):
        return Invalid("op", f"unknown operation {change.op!r}; expected add, update, deactivate, merge or delete")
    if change.op != "add" and not (change.remote_id and change.version):
        return Invalid("remote_id", f"an {change.op} needs the record's ListID and EditSequence")
    if change.op == "merge" and not (change.into_id and change.into_version):
        return Invalid("into_id", "a merge needs the ListID and EditSequence of the record that stays")
    values = dict(change.values) if change.op in ("add", "update") else {}
    if values.get("kind", change.kind) != change.kind:
        return Invalid("kind", f"a {change.kind} cannot become a {values['kind']}; QuickBooks keeps customers and "
                               "vendors in separate lists")
    limits = {}
    for key in values:
        if missing and key in missing and values[key]:
            return Invalid(key, missing[key])
        if is_custom(key):
            name = key[len(custom_key("")):]
            definition = fields.get(name)
            if definition is None:
                return Invalid(key, f"QuickBooks has no custom field named {name!r}; defined: "
                                    f"{', '.join(fields) or 'none'}")
            if change.kind not in definition.kinds:
                return Invalid(key, f"the custom field is for {' and '.join(definition.kinds)} only")
            limits[key] = definition.max_length
        elif key not in FIELD_BY_KEY:
            return Invalid(key, "is not a QuickBooks customer or vendor field")
    problems = validate({**values, "kind": change.kind}, limits=limits, charset="latin-1",
                        partial=change.op != "add")
    if problems:
        return Invalid(problems[0].field, problems[0].message)
    notes, limit = qb.quickbooks_text("notes", values.get("notes", "")), FIELD_BY_KEY["notes"].limit
    if len(notes) > limit:
        return Invalid("notes", f"Notes too long for QuickBooks Desktop ({len(notes)} > {limit}: it keeps each line "
                                "break as two characters); shorten the note")
    return None


def _needs_current(change: Change, fields: dict[str, CustomFieldDef]) -> bool:
    if change.op == "delete":
        return True  # ListDel carries no EditSequence: the version is checked by reading first
    if change.op != "update":
        return False
    keys = set(change.values)
    partial_address = any(keys & set(block) and not set(block) <= keys for block in _ADDRESS_KEYS.values())
    unjob = "name" in keys and JOB_SEPARATOR not in change.values["name"]
    return partial_address or unjob or any(is_custom(k) for k in keys)


def _read_first(connector: QbdConnector, works: list[Work], results: dict[int, ChangeResult]) -> None:
    """Read the records some updates need (one message); a record gone or changed since is not written."""
    if not works:
        return
    current = {r.remote_id: r for r in connector.fetch([w.change.remote_id or "" for w in works])}
    for work in works:
        found = current.get(work.change.remote_id or "")
        if found is None or found.kind != work.change.kind:
            results[work.index] = ChangeResult(work.change.ref, error=NotFound(
                f'Object "{work.change.remote_id}" specified in the request cannot be found.'))
        elif found.version != work.change.version:
            results[work.index] = ChangeResult(work.change.ref, error=StaleVersion(
                f'The provided edit sequence "{work.change.version}" is out-of-date.'))
        elif JOB_SEPARATOR in found.values["name"] and JOB_SEPARATOR not in work.change.values.get("name", ":"):
            results[work.index] = ChangeResult(work.change.ref, error=Invalid(
                "name", "QuickBooks cannot turn a job into a customer of its own from outside; change it in "
                        "QuickBooks (Edit Customer:Job, clear 'Subcustomer of') and sync again"))
        else:
            work.current = found
    _refuse_parents(connector, [w for w in works if w.change.op == "delete" and w.current is not None], results)


def _refuse_parents(connector: QbdConnector, works: list[Work], results: dict[int, ChangeResult]) -> None:
    """A customer with active jobs is not deleted: QuickBooks would refuse, and making it inactive instead would
    make its jobs inactive too, which nobody asked for. One message asks each for an active job. (Jobs deleted in
    the same undo go in an earlier call: the engine sends deletes deepest first.)"""
    works = [w for w in works if w.change.kind == CUSTOMER]
    if not works:
        return
    message = qb.Message("continueOnError")
    for work in works:
        assert work.current is not None
        message.add(qb.query(CUSTOMER, max_returned=1, active="ActiveOnly", include=["ListID"],
                             name_starts=work.current.values["name"] + JOB_SEPARATOR))
    for work, rs in zip(works, connector.exchange(message), strict=True):
        if rs.failed and rs.code != 1:
            results[work.index] = ChangeResult(work.change.ref, error=error_of(rs))
        elif rs.rets:
            results[work.index] = ChangeResult(work.change.ref, error=Invalid(
                "name", "it has active jobs in QuickBooks, so it is neither deleted nor made inactive (that would "
                        "change its jobs too); delete or move its jobs in QuickBooks first"))


# --- the requests of one change -----------------------------------------------------------------------------


def _plan(work: Work, fields: dict[str, CustomFieldDef], include: Mapping[str, tuple[str, ...]],
          missing: Mapping[str, str]) -> None:
    change, kind = work.change, work.change.kind
    values = {k: v for k, v in change.values.items() if k != "kind" and k not in missing}  # missing: empty here
    custom = {k[len(custom_key("")):]: v for k, v in values.items() if is_custom(k)}
    core = {k: v for k, v in values.items() if not is_custom(k)}
    has_fields = any(kind in d.kinds for d in fields.values())
    if change.op == "add":
        work.now.append(Step(qb.add(kind, core), gives_record=True))
        filled = {n: v for n, v in custom.items() if v}
        if filled:
            name = core["name"]
            steps = [Step(qb.data_ext("Add", kind, n, full_name=name, value=v), custom_key(n)) for n, v in
                     filled.items()] + [Step(qb.query(kind, names=[name], include=include[kind],
                                                      owners=[OWNER_CUSTOM]), gives_record=True)]
            (work.now if len(name) <= FULL_NAME_REF_LIMIT else work.later).extend(steps)
        return
    list_id, version = change.remote_id or "", change.version or ""
    if change.op == "merge":  # then read the record that stays: the merge answer names it only
        into = change.into_id or ""
        work.now.append(Step(qb.list_merge(kind, list_id, version, into, change.into_version or "")))
        work.now.append(Step(qb.query(kind, ids=[into], include=include[kind], owners=[OWNER_CUSTOM]),
                             gives_record=True))
        return
    if change.op == "delete":  # a name QuickBooks will not delete (used in transactions) is made inactive
        inactive = Work(work.index, replace(change, op="deactivate"))
        _plan(inactive, fields, include, missing)
        work.now.append(Step(qb.list_delete(kind, list_id), instead=inactive.now))
        return
    if change.op == "deactivate":
        core = {"active": NO}
    elif work.current is not None:
        for block in _ADDRESS_KEYS.values():
            if set(core) & set(block):  # an address goes whole: fill the lines not changed
                core = {**{k: work.current.values.get(k, "") for k in block}, **core}
    if core:
        work.now.append(Step(qb.modify(kind, list_id, version, core), gives_record=True))
    before = work.current.values if work.current is not None else {}
    for name, value in custom.items():
        had = bool(before.get(custom_key(name)))
        op = "Mod" if value and had else "Add" if value else "Del" if had else ""
        if op:
            work.now.append(Step(qb.data_ext(op, kind, name, list_id=list_id, value=value), custom_key(name)))
    if has_fields or not work.now:
        work.now.append(Step(qb.query(kind, ids=[list_id], include=include[kind], owners=[OWNER_CUSTOM]),
                             gives_record=True))


def _with_list_id(step: Step, list_id: str) -> Step:
    """A step written for a record named by full name, now named by its new ListID."""
    request = step.request
    for ref in request.iter("ListObjRef"):
        for child in list(ref):
            ref.remove(child)
        ET.SubElement(ref, "ListID").text = list_id
    if request.tag.endswith("QueryRq"):
        for child in request.findall("FullName"):
            request.remove(child)
        ET.SubElement(request, "ListID").text = list_id
        tail = [c for c in request if c.tag in ("IncludeRetElement", "OwnerID")]
        for child in tail:
            request.remove(child)
        request.extend(tail)
    return Step(request, step.field, step.gives_record)
