"""What the qbd connector does beyond the shared contract: the company stamp, reads that span both lists,
incremental listings, and the writes that need a record read first or a second message."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from custmgr.company import SandboxCompany
from custmgr.connector import Change
from custmgr.contact import CUSTOMER, KINDS, VENDOR
from custmgr.errors import Invalid
from custmgr_qbd.connector import QbdConnector

Open = Callable[..., QbdConnector]


def test_the_company_is_stamped_once_and_known_by_its_stamp(empty_path: Path, tmp_path: Path,
                                                            open_connector: Open) -> None:
    first = open_connector(empty_path)
    identity = first.company()
    assert first.round_trips == 2  # asked, then stamped
    moved = tmp_path / "moved" / "renamed.qbsandbox"
    moved.parent.mkdir()
    empty_path.rename(moved)
    again = open_connector(moved)
    assert again.company() == identity and again.round_trips == 1  # the stamp travels with the file
    with SandboxCompany(moved) as store:
        assert store.identity().name == identity.name


def test_custom_fields_come_with_the_identity(sample_path: Path, open_connector: Open) -> None:
    connector = open_connector(sample_path)
    connector.company()
    names = [f.name for f in connector.custom_fields()]
    assert names == ["Account Manager", "Referral Source", "Service Area"] and connector.round_trips == 2


def test_a_fetch_of_both_lists_is_one_round_trip(sample_path: Path, open_connector: Open) -> None:
    with SandboxCompany(sample_path) as store:
        ids = [item.remote_id for item in store.listing()]
    connector = open_connector(sample_path)  # has never listed: it does not know which id is which list
    connector.company()  # the session's first message (which also agrees on the qbXML version)
    before = connector.round_trips
    records = connector.fetch([*reversed(ids), ids[0], "80000999-1000000000"])
    assert [r.remote_id for r in records] == list(reversed(ids)) and connector.round_trips == before + 1
    assert {r.kind for r in records} == set(KINDS)


def test_changed_since_lists_only_records_modified_after(sample_path: Path, open_connector: Open) -> None:
    connector = open_connector(sample_path)
    assert len(connector.changed_since("2000-01-01T00:00:00")) == len(connector.listing(KINDS))
    time.sleep(1.1)
    since = time.strftime("%Y-%m-%dT%H:%M:%S")
    time.sleep(1.1)
    with SandboxCompany(sample_path) as store:
        changed = store.edit("Okafor, Chidi", {"phone": "(508) 555-0000"})
    assert [item.remote_id for item in connector.changed_since(since)] == [changed.remote_id]


def test_a_partial_address_is_completed_from_quickbooks_before_it_is_sent(empty_path: Path,
                                                                          open_connector: Open) -> None:
    connector = open_connector(empty_path)
    (added,) = connector.apply([Change("a", "add", CUSTOMER, {"name": "Alder", "bill_line1": "1 Elm St",
                                                                "bill_city": "Lee", "ship_city": "Lenox"})])
    assert added.record is not None
    (changed,) = connector.apply([Change("b", "update", CUSTOMER, {"bill_city": "Lenox"}, added.record.remote_id,
                                         added.record.version)])
    assert changed.record is not None
    assert {k: v for k, v in changed.record.values.items() if k.startswith(("bill", "ship"))} == {
        "bill_line1": "1 Elm St", "bill_city": "Lenox", "ship_city": "Lenox"}


def test_a_long_job_name_gets_its_custom_fields_in_a_second_message(empty_path: Path,
                                                                    open_connector: Open) -> None:
    connector = open_connector(empty_path)
    parents = ["Parent " + "p" * 31 + f" {i}" for i in range(4)]
    name = ""
    for part in parents:
        name = f"{name}:{part}" if name else part
        assert connector.apply([Change(part, "add", CUSTOMER, {"name": name})])[0].ok
    job = f"{name}:Job"
    assert len(job) > 159  # longer than QuickBooks lets a ListObjRef name it
    before = connector.round_trips
    (result,) = connector.apply([Change("j", "add", CUSTOMER, {"name": job, "custom:Region": "North"})])
    assert result.ok and result.record is not None and result.record.values["custom:Region"] == "North"
    assert connector.round_trips - before == 2


def test_turning_a_job_into_a_customer_is_refused_with_what_to_do(empty_path: Path, open_connector: Open) -> None:
    connector = open_connector(empty_path)
    _, job = connector.apply([Change("p", "add", CUSTOMER, {"name": "Willow"}),
                                   Change("j", "add", CUSTOMER, {"name": "Willow:Hedges"})])
    assert job.record is not None
    (result,) = connector.apply([Change("u", "update", CUSTOMER, {"name": "Hedges"}, job.record.remote_id,
                                        job.record.version)])
    assert isinstance(result.error, Invalid) and "Subcustomer of" in result.error.reason


def test_values_quickbooks_would_refuse_never_leave(empty_path: Path, open_connector: Open) -> None:
    connector = open_connector(empty_path)
    changes = [Change("1", "add", CUSTOMER, {"name": "Euro € Ltd"}),
               Change("2", "add", VENDOR, {"name": "Supply", "custom:Account Manager": "Pat"}),
               Change("3", "add", CUSTOMER, {"name": "Tab\there", "notes": "bell\x07"}),
               Change("4", "add", CUSTOMER, {"name": "Ok", "favourite_colour": "blue"})]
    results = connector.apply(changes)
    assert [(type(r.error), r.error.field) for r in results if isinstance(r.error, Invalid)] == [
        (Invalid, "name"), (Invalid, "custom:Account Manager"), (Invalid, "notes"), (Invalid, "favourite_colour")]
    assert connector.round_trips == 1  # only the identity and custom fields were asked: nothing was sent
    with pytest.raises(ValueError, match="at most 100 changes"):
        connector.apply([Change(str(i), "add", CUSTOMER, {"name": f"N{i}"}) for i in range(101)])


class OwnerInLowerCase:
    """QuickBooks may answer a GUID in another case than it was given: this transport lower-cases every
    OwnerID in the sandbox's answers, as such a QuickBooks would."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def process(self, request: str) -> str:
        import re

        answer = self.inner.process(request)  # type: ignore[attr-defined]
        return re.sub(r"<OwnerID>([^<]*)</OwnerID>", lambda m: f"<OwnerID>{m.group(1).lower()}</OwnerID>", answer)

    def close(self) -> None:
        self.inner.close()  # type: ignore[attr-defined]


def test_the_company_stamp_is_recognised_whatever_the_case_of_its_owner_id(empty_path: Path,
                                                                           open_connector: Open) -> None:
    identity = open_connector(empty_path).company()
    connector = open_connector(empty_path)
    connector.transport = OwnerInLowerCase(connector.transport)
    assert connector.company() == identity and connector.round_trips == 1  # not stamped again


def test_notes_go_out_with_cr_lf_as_quickbooks_stores_them(empty_path: Path, tmp_path: Path,
                                                          open_connector: Open) -> None:
    from defusedxml.ElementTree import fromstring

    trace = tmp_path / "trace"
    connector = open_connector(empty_path, trace_dir=str(trace))
    (added,) = connector.apply([Change("1", "add", CUSTOMER, {"name": "Willow", "notes": "Gate code 4411\nDog"})])
    assert added.error is None and added.record is not None
    assert added.record.values["notes"] == "Gate code 4411\nDog"  # read back as the workbook keeps it
    sent = [p.read_text(encoding="utf-8") for p in sorted(trace.glob("*-request.xml")) if "CustomerAdd" in
            p.read_text(encoding="utf-8")]
    assert "Gate code 4411&#13;\nDog" in sent[0]
    body = sent[0].split("?>", 2)[2]
    assert fromstring(body).findtext(".//Notes") == "Gate code 4411\r\nDog"  # what QuickBooks' parser sees
    near_limit = "x" * 4089 + "\ny" * 3  # 4095 characters with LF, 4098 with CR LF
    (refused,) = connector.apply([Change("2", "add", CUSTOMER, {"name": "Aspen", "notes": near_limit})])
    assert isinstance(refused.error, Invalid) and refused.error.field == "notes" and "4098 > 4095" in str(
        refused.error)


def test_a_control_character_quickbooks_sends_stops_nothing(sample_path: Path, open_connector: Open) -> None:
    """A bell pasted into one customer's Notes in QuickBooks: the listing and the fetch still read every
    record, and that one carries the character for the engine to report on its row."""
    class BellInNotes:
        def __init__(self, inner: object) -> None:
            self.inner = inner

        def process(self, request: str) -> str:
            answer = self.inner.process(request)  # type: ignore[attr-defined]
            return answer.replace("<Notes>", "<Notes>\x07", 1)

        def close(self) -> None:
            self.inner.close()  # type: ignore[attr-defined]

    connector = open_connector(sample_path)
    connector.transport = BellInNotes(connector.transport)
    listed = connector.listing(KINDS)
    records = connector.fetch([item.remote_id for item in listed])
    assert len(records) == len(listed)
    assert [r.values["notes"][:1] for r in records if "\x07" in r.values.get("notes", "")] == ["\x07"]
