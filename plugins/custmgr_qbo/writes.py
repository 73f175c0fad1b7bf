"""One change as a batch item, checked first against QuickBooks Online's rules: a change it would refuse is
answered with its error and never sent.

``add`` is a create; ``update`` a *sparse* update (only the fields sent change) with Id and SyncToken; ``deactivate``
and ``delete`` a sparse update ``Active: false`` (QuickBooks Online's own "delete"). A job names its parent by Id
(``ParentRef``). Making a contact active again also writes its name, since QuickBooks may still call it
"NAME (deleted)". Fields QuickBooks Online has no place for (a job title, a cc email; a vendor's notes and ship
address) are declared as the connector's ``unsupported``, so a sync never sends them; sent anyway, they are refused
rather than dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from custmgr.connector import Change
from custmgr.contact import CUSTOMER, FIELD_KEYS, JOB_SEPARATOR, KINDS, YES, is_custom, validate
from custmgr.contact_sheet import field_label
from custmgr.errors import Invalid, NotFound

from .contactlist import split_id
from .records import LIMITS, UNSUPPORTED, Entity, fields_body, parent_id, shown_name, token_of

#: full name of a customer -> its QuickBooks Id; raises Invalid when there is none, AfterParent to wait for one.
ParentLookup = Callable[[str], str]


class AfterParent(Exception):
    """This job's parent is being added in the same call: send the job in the next batch."""


def batch_item(change: Change, current: Entity | None, parent_of: ParentLookup) -> dict[str, Any]:
    """The batch item for ``change`` (``current``: the record as last read, if held), or the error, raised."""
    if change.kind not in KINDS:
        raise Invalid("kind", f"must be one of {', '.join(KINDS)}, not {change.kind!r}")
    if change.op == "add":
        return {"operation": "create", change.kind: _body(change, None, parent_of, partial=False)}
    if change.op not in ("update", "deactivate", "delete"):
        raise Invalid("op", f"unknown operation {change.op!r}; expected add, update, deactivate or delete")
    ident = split_id(change.remote_id or "")
    if ident is None or ident[0] != change.kind:
        raise NotFound(f"{change.remote_id!r} is not a QuickBooks Online {change.kind.lower()} id.")
    if not change.version:
        raise Invalid("version", f"an {change.op} needs the record's SyncToken, as QuickBooks Online does")
    body: dict[str, Any] = {"Id": ident[1], "SyncToken": token_of(change.version), "sparse": True}
    if change.op in ("deactivate", "delete"):  # QuickBooks Online never deletes a name: it makes it inactive
        body["Active"] = False
    else:
        body.update(_body(change, current, parent_of, partial=True))
    return {"operation": "update", change.kind: body}


def _body(change: Change, current: Entity | None, parent_of: ParentLookup, *, partial: bool) -> dict[str, Any]:
    values, kind = dict(change.values), change.kind
    check(values, kind, partial=partial)
    body = fields_body({k: v for k, v in values.items() if k not in UNSUPPORTED[kind]}, current)
    if "name" in values:
        body.update(_name_parts(values["name"], kind, current, parent_of))
    if "active" in values:
        body["Active"] = values["active"] == YES
        if values["active"] == YES and "name" not in values and current is not None:
            body["DisplayName"] = shown_name({**current, "Active": False})  # without "(deleted)"
    return body


def check(values: dict[str, str], kind: str, *, partial: bool) -> None:
    """Raise ``Invalid`` for the first value QuickBooks Online would refuse or could not keep."""
    for key, text in values.items():
        if is_custom(key):
            raise Invalid(key, f"QuickBooks Online has no custom field {key[len('custom:'):]!r} for "
                               f"{kind.lower()}s (its API offers none); remove that mapping from Settings")
        if key not in FIELD_KEYS:
            raise Invalid(key, "is not a contact field")
        if key in UNSUPPORTED[kind] and text:
            raise Invalid(key, f"QuickBooks Online has no {field_label(key)} field for {kind.lower()}s; "
                               "clear the cell (or keep the text in a column of your own)")
    if values.get("kind", kind) != kind:
        raise Invalid("kind", f"cannot change once the contact is in QuickBooks; set it back to {kind}")
    problems = validate({**values, "kind": kind}, limits=LIMITS, charset=None, partial=partial)
    if problems:
        raise Invalid(problems[0].field, problems[0].message)


def _name_parts(name: str, kind: str, current: Entity | None, parent_of: ParentLookup) -> dict[str, Any]:
    """DisplayName, and for a customer its place: under a parent (a job) or at the top."""
    parent, _, display = name.rpartition(JOB_SEPARATOR)
    out: dict[str, Any] = {"DisplayName": display}
    if kind != CUSTOMER:
        return out
    if parent:
        out.update(ParentRef={"value": parent_of(parent)}, Job=True)
    elif current is not None and parent_id(current):
        # "Job": false alone leaves a sub-customer under its parent in QuickBooks Online, and the row would get
        # its "Parent:" back at the next sync without a word: refuse, and say how to do it.
        raise Invalid("name", "Customer Manager does not move a sub-customer to the top level in QuickBooks "
                              "Online. Edit it there (clear 'Is a sub-customer') and sync again, or put the parent's "
                              "name and ':' back in front of the name")
    return out
