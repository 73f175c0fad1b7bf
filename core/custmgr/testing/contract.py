"""The connector contract as tests: every connector's test suite subclasses ``ConnectorContract``.

The sync engine relies on exactly these behaviours (see ``custmgr.connector``), so a connector that passes
them can be synced safely: versions that change on every write, sparse updates, stale versions refused
without a change, names unique across customers and vendors ignoring case, jobs under customers, one result
per change, text stored literally; and for undo, a delete guarded by the version (a name used in transactions made
inactive instead, a customer with active jobs refused) and a contact made active again. A subclass provides the
``connector`` fixture (a fresh writable company with at least one custom field for customers), to compare two
companies ``other_connector``, and ``use_in_transaction`` where its company can record a transaction::

    class TestMyConnector(ConnectorContract):
        unknown_remote_id = "999999"   # an id in the backend's own format that no record has

        @pytest.fixture
        def connector(self, tmp_path): ...

Only batches of at most ``batch_size`` changes are tested: splitting bigger sets is the engine's job.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import ClassVar

import pytest

from custmgr.connector import Change, ChangeResult, Connector, CustomFieldDef, Op, RemoteRecord
from custmgr.contact import CUSTOMER, FIELD_BY_KEY, FIELD_KEYS, KINDS, NO, VENDOR, YES, normalize_values
from custmgr.errors import ConnectorError, Invalid, NameInUse, NotFound, StaleVersion

#: Text that has broken spreadsheets, XML and QuickBooks bridges before; all of it must come back unchanged.
AWKWARD_TEXT = (
    "=SUM(A1:A9)", "+1 617 555 0100", "-- call before delivery", "@larkspurgardens", "O'Brien's Bakery",
    "Smith & Sons", "Café Société", "Müller, Peña & Søn", "&amp; <b>bold</b> &lt;", "\"quoted\" 'single'",
    "100% ; DROP TABLE", "C:\\Users\\Public",
)


class ConnectorContract:
    """Contract tests, shared by every connector. Subclass it and provide the ``connector`` fixture."""

    pytestmark: ClassVar[list[pytest.MarkDecorator]] = [pytest.mark.connector_contract]

    #: A remote id no record has, in the backend's own id format.
    unknown_remote_id: str = "7FFFFFFF-1000000000"
    #: Whether making a customer inactive makes its jobs inactive too (QuickBooks Desktop does).
    deactivation_cascades_to_jobs: bool = True
    #: Whether ``delete`` removes a record for good (QuickBooks Desktop) or makes it inactive (QuickBooks Online).
    deletes_for_good: bool = True

    def use_in_transaction(self, connector: Connector, record: RemoteRecord) -> None:
        """Make ``record`` used in a transaction (an invoice or a bill), as someone working in QuickBooks would.
        Override it where the test company allows; by default the tests that need it are skipped."""
        pytest.skip("this suite cannot enter transactions in its company (override use_in_transaction)")

    @pytest.fixture
    def connector(self) -> Connector:
        raise NotImplementedError("Provide a `connector` fixture: a fresh writable company.")

    @pytest.fixture
    def other_connector(self) -> Connector:
        pytest.skip("this suite has no second company (provide an `other_connector` fixture)")

    # --- helpers --------------------------------------------------------------------------------------------

    @staticmethod
    def unique(base: str) -> str:
        """A name no other test uses, so suites may share a company: ``"Alder 3f9a1c"``."""
        return f"{base} {uuid.uuid4().hex[:6]}"

    @staticmethod
    def change(op: Op, kind: str = CUSTOMER, values: Mapping[str, str] | None = None,
               record: RemoteRecord | None = None, version: str | None = None) -> Change:
        if record is None:
            return Change(uuid.uuid4().hex, op, kind, dict(values or {}), version=version)
        return Change(uuid.uuid4().hex, op, record.kind, dict(values or {}), remote_id=record.remote_id,
                      version=version or record.version)

    def apply_one(self, connector: Connector, change: Change) -> ChangeResult:
        results = connector.apply([change])
        assert [r.ref for r in results] == [change.ref]
        return results[0]

    def add(self, connector: Connector, values: Mapping[str, str], kind: str = CUSTOMER) -> RemoteRecord:
        result = self.apply_one(connector, self.change("add", kind, values))
        assert result.ok, f"add {values.get('name')!r} failed: {result.error}"
        assert result.record is not None
        return result.record

    def update(self, connector: Connector, record: RemoteRecord, values: Mapping[str, str],
               version: str | None = None) -> ChangeResult:
        return self.apply_one(connector, self.change("update", values=values, record=record, version=version))

    def fetch_one(self, connector: Connector, remote_id: str) -> RemoteRecord:
        found = connector.fetch([remote_id])
        assert len(found) == 1 and found[0].remote_id == remote_id
        return found[0]

    def custom_field(self, connector: Connector, kind: str = CUSTOMER) -> CustomFieldDef:
        field = next((f for f in connector.custom_fields() if kind in f.kinds), None)
        if field is None:
            pytest.skip(f"the company has no custom field for {kind}s")
        return field

    @staticmethod
    def assert_error(result: ChangeResult, kind: type[ConnectorError], field: str | None = None) -> None:
        assert isinstance(result.error, kind), f"expected {kind.__name__}, got {result.error!r}"
        assert result.record is None and not result.ok
        if field is not None:
            assert isinstance(result.error, Invalid) and result.error.field == field, result.error

    # --- company and listing --------------------------------------------------------------------------------

    def test_company_identity_is_stable(self, connector: Connector) -> None:
        first, second = connector.company(), connector.company()
        assert first == second and first.id and isinstance(first.name, str)

    def test_other_company_has_another_id(self, connector: Connector, other_connector: Connector) -> None:
        assert connector.company().id != other_connector.company().id

    def test_batch_size_is_positive(self, connector: Connector) -> None:
        assert connector.batch_size >= 1

    def test_listing_includes_inactive_records_and_both_kinds(self, connector: Connector) -> None:
        customer = self.add(connector, {"name": self.unique("Alder")})
        vendor = self.add(connector, {"name": self.unique("Birch Supply")}, kind=VENDOR)
        retired = self.add(connector, {"name": self.unique("Cedar")})
        assert self.apply_one(connector, self.change("deactivate", record=retired)).ok
        listed = {item.remote_id: item for item in connector.listing(KINDS)}
        assert (listed[customer.remote_id].kind, listed[customer.remote_id].active) == (CUSTOMER, True)
        assert (listed[vendor.remote_id].kind, listed[vendor.remote_id].active) == (VENDOR, True)
        assert listed[retired.remote_id].active is False
        customers = {item.remote_id for item in connector.listing([CUSTOMER])}
        assert customer.remote_id in customers and vendor.remote_id not in customers

    def test_listing_versions_match_fetched_records(self, connector: Connector) -> None:
        self.add(connector, {"name": self.unique("Dogwood")})
        listed = connector.listing(KINDS)[:200]
        fetched = {r.remote_id: r for r in connector.fetch([item.remote_id for item in listed])}
        assert {i.remote_id: (i.version, i.kind) for i in listed} == {
            rid: (r.version, r.kind) for rid, r in fetched.items()}

    def test_fetch_returns_normalized_values(self, connector: Connector) -> None:
        self.add(connector, {"name": self.unique("Elm"), "notes": "line one\nline two", "bill_state": "MA",
                             "phone": "(617) 555-0100"})
        ids = [item.remote_id for item in connector.listing(KINDS)[:200]]
        for record in connector.fetch(ids):
            assert normalize_values(record.values) == dict(record.values), record.values
            assert record.values["name"] and record.kind in KINDS and record.version

    def test_fetch_leaves_out_unknown_ids(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("Fir")})
        found = connector.fetch([self.unknown_remote_id, record.remote_id])
        assert [r.remote_id for r in found] == [record.remote_id]
        assert connector.fetch([]) == []

    # --- add and update -------------------------------------------------------------------------------------

    def test_add_returns_the_stored_record(self, connector: Connector) -> None:
        values = {"name": self.unique("Ginkgo Partners"), "company": "Ginkgo Partners LLC",
                  "first_name": "Ann", "phone": "(617) 555-0142", "email": "ann@example.com",
                  "bill_postal_code": "02134"}
        record = self.add(connector, values)
        assert record.remote_id and record.version and record.kind == CUSTOMER
        assert {k: record.values.get(k) for k in values} == values
        assert record.values["active"] == YES
        assert self.fetch_one(connector, record.remote_id) == record

    def test_update_changes_version_and_only_the_given_fields(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("Hazel"), "phone": "(617) 555-0101",
                                      "email": "hazel@example.com", "bill_city": "Boston"})
        result = self.update(connector, record, {"phone": "(617) 555-0199"})
        assert result.ok and result.record is not None
        assert result.record.version != record.version
        assert dict(result.record.values) == {**record.values, "phone": "(617) 555-0199"}
        assert self.fetch_one(connector, record.remote_id) == result.record

    def test_update_with_empty_text_clears_the_field(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("Holly"), "email": "holly@example.com"})
        result = self.update(connector, record, {"email": ""})
        assert result.ok
        assert "email" not in self.fetch_one(connector, record.remote_id).values

    def test_update_with_old_version_is_stale_and_changes_nothing(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("Juniper"), "phone": "(617) 555-0102"})
        current = self.update(connector, record, {"phone": "(617) 555-0103"}).record
        assert current is not None
        result = self.update(connector, record, {"phone": "(617) 555-0104"}, version=record.version)
        self.assert_error(result, StaleVersion)
        assert self.fetch_one(connector, record.remote_id) == current

    def test_deactivate_with_old_version_is_stale(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("Larch")})
        current = self.update(connector, record, {"phone": "(617) 555-0105"}).record
        result = self.apply_one(connector, self.change("deactivate", record=record, version=record.version))
        self.assert_error(result, StaleVersion)
        assert self.fetch_one(connector, record.remote_id) == current

    @pytest.mark.parametrize("op", ["update", "deactivate", "delete"])
    def test_unknown_id_is_not_found(self, connector: Connector, op: Op) -> None:
        record = self.add(connector, {"name": self.unique("Linden")})
        change = Change(uuid.uuid4().hex, op, CUSTOMER, {"phone": "(617) 555-0106"} if op == "update" else {},
                        remote_id=self.unknown_remote_id, version=record.version)
        self.assert_error(self.apply_one(connector, change), NotFound)

    # --- names ----------------------------------------------------------------------------------------------

    @pytest.mark.parametrize(("first_kind", "second_kind", "spelling"), [
        (CUSTOMER, CUSTOMER, str.upper), (CUSTOMER, VENDOR, str.lower), (VENDOR, CUSTOMER, str.swapcase)])
    def test_names_are_unique_ignoring_case_across_customers_and_vendors(
            self, connector: Connector, first_kind: str, second_kind: str,
            spelling: Callable[[str], str]) -> None:
        name = self.unique("Maple Grove")
        self.add(connector, {"name": name}, kind=first_kind)
        clash = self.change("add", second_kind, {"name": spelling(name)})
        self.assert_error(self.apply_one(connector, clash), NameInUse)

    def test_rename_onto_another_name_is_name_in_use(self, connector: Connector) -> None:
        taken = self.add(connector, {"name": self.unique("Oak Hill")}, kind=VENDOR)
        record = self.add(connector, {"name": self.unique("Pine Hill")})
        self.assert_error(self.update(connector, record, {"name": taken.values["name"].upper()}), NameInUse)
        assert self.fetch_one(connector, record.remote_id) == record

    def test_rename_to_another_case_of_its_own_name(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("quince lane")})
        result = self.update(connector, record, {"name": record.values["name"].title()})
        assert result.ok and result.record and result.record.values["name"] == record.values["name"].title()

    # --- invalid values -------------------------------------------------------------------------------------

    def test_too_long_field_is_invalid_naming_it(self, connector: Connector) -> None:
        limit = connector.limits.get("company") or FIELD_BY_KEY["company"].limit
        values = {"name": self.unique("Redwood"), "company": "x" * (limit + 1)}
        self.assert_error(self.apply_one(connector, self.change("add", values=values)), Invalid, "company")
        record = self.add(connector, {"name": values["name"]})
        self.assert_error(self.update(connector, record, {"company": values["company"]}), Invalid, "company")
        assert self.fetch_one(connector, record.remote_id) == record

    def test_too_long_name_is_invalid(self, connector: Connector) -> None:
        limit = connector.limits.get("name") or 41
        name = self.unique("S") + "s" * limit
        change = self.change("add", values={"name": name})
        self.assert_error(self.apply_one(connector, change), Invalid, "name")

    def test_control_characters_are_invalid(self, connector: Connector) -> None:
        values = {"name": self.unique("Spruce"), "company": "Spruce\x07Co"}
        self.assert_error(self.apply_one(connector, self.change("add", values=values)), Invalid, "company")

    def test_characters_the_backend_cannot_store_are_invalid(self, connector: Connector) -> None:
        if connector.charset is None:
            pytest.skip("this backend stores any character")
        bad = next(ch for ch in "€ŝ中😀" if not _encodes(ch, connector.charset))
        values = {"name": self.unique("Tamarack"), "company": f"Tamarack {bad} Co"}
        self.assert_error(self.apply_one(connector, self.change("add", values=values)), Invalid, "company")
        named = {"name": self.unique(f"Tamarack {bad}")}
        self.assert_error(self.apply_one(connector, self.change("add", values=named)), Invalid, "name")

    def test_vendor_name_cannot_have_a_colon(self, connector: Connector) -> None:
        values = {"name": self.unique("Upas") + ":Supply"}
        self.assert_error(self.apply_one(connector, self.change("add", VENDOR, values)), Invalid, "name")

    # --- deactivate and jobs --------------------------------------------------------------------------------

    def test_deactivate_makes_inactive_and_keeps_it_listed(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("Viburnum"), "phone": "(617) 555-0107"})
        result = self.apply_one(connector, self.change("deactivate", record=record))
        assert result.ok and result.record and result.record.version != record.version
        assert dict(result.record.values) == {**record.values, "active": NO}
        assert any(i.remote_id == record.remote_id and not i.active for i in connector.listing(KINDS))

    def test_job_needs_an_existing_customer_parent(self, connector: Connector) -> None:
        missing = {"name": self.unique("Nobody") + ":Patio"}
        self.assert_error(self.apply_one(connector, self.change("add", values=missing)), Invalid, "name")
        vendor = self.add(connector, {"name": self.unique("Walnut Supply")}, kind=VENDOR)
        under_vendor = {"name": vendor.values["name"] + ":Patio"}
        self.assert_error(self.apply_one(connector, self.change("add", values=under_vendor)), Invalid, "name")

    def test_job_under_a_customer(self, connector: Connector) -> None:
        parent = self.add(connector, {"name": self.unique("Willow")})
        full = parent.values["name"] + ":Spring Cleanup"
        job = self.add(connector, {"name": full, "phone": "(617) 555-0100"})
        assert job.values["name"] == full and job.kind == CUSTOMER
        sub = self.add(connector, {"name": job.values["name"] + ":Phase 2"})
        assert sub.values["name"].count(":") == 2

    def test_renaming_a_customer_renames_its_jobs(self, connector: Connector) -> None:
        parent = self.add(connector, {"name": self.unique("Yew")})
        job = self.add(connector, {"name": parent.values["name"] + ":Hedges"})
        new_name = self.unique("Yew Gardens")
        assert self.update(connector, parent, {"name": new_name}).ok
        moved = self.fetch_one(connector, job.remote_id)
        assert moved.values["name"] == new_name + ":Hedges"
        assert moved.version != job.version

    def test_deactivating_a_customer_deactivates_its_jobs(self, connector: Connector) -> None:
        if not self.deactivation_cascades_to_jobs:
            pytest.skip("this backend leaves jobs active")
        parent = self.add(connector, {"name": self.unique("Zelkova")})
        job = self.add(connector, {"name": parent.values["name"] + ":Lawn"})
        assert self.apply_one(connector, self.change("deactivate", record=parent)).ok
        after = self.fetch_one(connector, job.remote_id)
        assert after.values["active"] == NO and after.version != job.version

    # --- undoing a sync: delete, make active again ------------------------------------------------------------

    def test_delete_removes_the_record_or_makes_it_inactive(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("Aspen"), "phone": "(617) 555-0111"})
        result = self.apply_one(connector, self.change("delete", record=record))
        assert result.ok, result.error
        listed = {i.remote_id: i for i in connector.listing(KINDS)}
        if self.deletes_for_good:
            assert result.record is None and record.remote_id not in listed
            assert connector.fetch([record.remote_id]) == []
        else:
            assert result.record is not None and result.record.values["active"] == NO
            assert not listed[record.remote_id].active

    def test_delete_with_old_version_is_stale_and_changes_nothing(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("Basswood")})
        current = self.update(connector, record, {"phone": "(617) 555-0112"}).record
        result = self.apply_one(connector, self.change("delete", record=record, version=record.version))
        self.assert_error(result, StaleVersion)
        assert self.fetch_one(connector, record.remote_id) == current

    def test_a_name_used_in_transactions_is_made_inactive_instead_of_deleted(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("Chestnut"), "email": "chestnut@example.com"})
        self.use_in_transaction(connector, record)
        record = self.fetch_one(connector, record.remote_id)
        result = self.apply_one(connector, self.change("delete", record=record))
        assert result.ok and result.record is not None, result.error
        assert dict(result.record.values) == {**record.values, "active": NO}
        assert result.record.version != record.version
        assert self.fetch_one(connector, record.remote_id) == result.record

    def test_a_customer_with_jobs_is_neither_deleted_nor_made_inactive(self, connector: Connector) -> None:
        parent = self.add(connector, {"name": self.unique("Dogwood Row")})
        job = self.add(connector, {"name": parent.values["name"] + ":Planting"})
        result = self.apply_one(connector, self.change("delete", record=parent))
        self.assert_error(result, Invalid, "name")
        assert self.fetch_one(connector, parent.remote_id) == parent
        assert self.fetch_one(connector, job.remote_id) == job

    def test_a_customer_whose_jobs_are_all_inactive_is_made_inactive(self, connector: Connector) -> None:
        parent = self.add(connector, {"name": self.unique("Elm Court")})
        job = self.add(connector, {"name": parent.values["name"] + ":Mulching"})
        retired = self.apply_one(connector, self.change("deactivate", record=job)).record
        parent = self.fetch_one(connector, parent.remote_id)
        result = self.apply_one(connector, self.change("delete", record=parent))
        assert result.ok and result.record is not None, result.error  # QuickBooks keeps a customer with jobs
        assert result.record.values["active"] == NO
        assert self.fetch_one(connector, job.remote_id) == retired

    def test_a_job_can_be_deleted_then_its_customer(self, connector: Connector) -> None:
        parent = self.add(connector, {"name": self.unique("Elder Court")})
        job = self.add(connector, {"name": parent.values["name"] + ":Pruning"})
        assert self.apply_one(connector, self.change("delete", record=job)).ok
        if not self.deletes_for_good:
            pytest.skip("the job stays, inactive, under its customer")
        assert self.apply_one(connector, self.change("delete", record=parent)).ok
        assert connector.fetch([parent.remote_id, job.remote_id]) == []

    def test_update_makes_an_inactive_contact_active_again_as_it_was(self, connector: Connector) -> None:
        record = self.add(connector, {"name": self.unique("Filbert"), "phone": "(617) 555-0113"})
        inactive = self.apply_one(connector, self.change("deactivate", record=record)).record
        assert inactive is not None
        result = self.update(connector, inactive, {"active": YES})
        assert result.ok and result.record is not None
        assert dict(result.record.values) == dict(record.values)
        assert self.fetch_one(connector, record.remote_id) == result.record

    # --- batches --------------------------------------------------------------------------------------------

    def test_one_result_per_change_in_order_and_failures_stop_nothing(self, connector: Connector) -> None:
        taken = self.add(connector, {"name": self.unique("Acacia")})
        changes = [
            self.change("add", values={"name": self.unique("Bamboo")}),
            self.change("add", VENDOR, {"name": taken.values["name"].upper()}),
            Change(uuid.uuid4().hex, "update", CUSTOMER, {"phone": "(617) 555-0109"},
                   remote_id=self.unknown_remote_id, version=taken.version),
            self.change("update", values={"company": "y" * 500}, record=taken),
            self.change("update", values={"phone": "(617) 555-0110"}, record=taken),
            self.change("add", values={"name": self.unique("Catalpa")}),
        ]
        results = connector.apply(changes)
        assert [r.ref for r in results] == [c.ref for c in changes]
        assert [type(r.error) for r in results] == [type(None), NameInUse, NotFound, Invalid, type(None),
                                                    type(None)]
        assert self.fetch_one(connector, taken.remote_id).values["phone"] == "(617) 555-0110"
        assert len(connector.fetch([r.record.remote_id for r in results if r.record])) == 3

    def test_a_full_batch(self, connector: Connector) -> None:
        changes = [self.change("add", values={"name": self.unique(f"Batch {i}")})
                   for i in range(min(connector.batch_size, 50))]
        results = connector.apply(changes)
        assert all(r.ok for r in results)
        assert len({r.record.remote_id for r in results if r.record}) == len(changes)

    # --- text and custom fields -----------------------------------------------------------------------------

    @pytest.mark.parametrize("text", AWKWARD_TEXT)
    def test_text_round_trips_unchanged(self, connector: Connector, text: str) -> None:
        values = {"name": self.unique(text[:30].replace(":", " ")), "company": text[:41],
                  "notes": f"{text}\nsecond line", "bill_line1": text[:41]}
        record = self.add(connector, values)
        assert self.fetch_one(connector, record.remote_id).values == {**record.values, **values}
        assert {k: record.values[k] for k in values} == values
        changed = self.update(connector, record, {"bill_line2": text[:41]}).record
        assert changed and changed.values["bill_line2"] == text[:41]

    def test_custom_field_values_round_trip(self, connector: Connector) -> None:
        field = self.custom_field(connector)
        key = f"custom:{field.name}"
        record = self.add(connector, {"name": self.unique("Dogwood"), key: "Dana O'Neil & Co."})
        assert self.fetch_one(connector, record.remote_id).values[key] == "Dana O'Neil & Co."
        longest = "v" * field.max_length
        assert self.update(connector, record, {key: longest}).ok
        assert self.fetch_one(connector, record.remote_id).values[key] == longest
        current = self.fetch_one(connector, record.remote_id)
        self.assert_error(self.update(connector, current, {key: longest + "v"}), Invalid, key)
        assert self.update(connector, current, {key: ""}).ok
        assert key not in self.fetch_one(connector, record.remote_id).values

    def test_undefined_custom_field_is_invalid_naming_it(self, connector: Connector) -> None:
        key = "custom:" + self.unique("No Such Field")
        values = {"name": self.unique("Eucalyptus"), key: "x"}
        self.assert_error(self.apply_one(connector, self.change("add", values=values)), Invalid, key)

    # --- fields the backend has no place for (``Connector.unsupported``) --------------------------------------

    def test_unsupported_fields_are_declared_per_kind(self, connector: Connector) -> None:
        for kind, keys in connector.unsupported.items():
            assert kind in KINDS and set(keys) <= set(FIELD_KEYS), (kind, keys)
            assert not {"name", "kind", "active"} & set(keys), "a contact always has a name, a type and Active"

    def test_a_declared_unsupported_field_is_refused_not_dropped(self, connector: Connector) -> None:
        declared = [(kind, key) for kind, keys in connector.unsupported.items() for key in sorted(keys)]
        if not declared:
            pytest.skip("this connector holds every contact field")
        for kind, key in declared:
            values = {"name": self.unique("Willow"), key: "x"}
            self.assert_error(self.apply_one(connector, self.change("add", kind, values)), Invalid, key)

    def test_every_undeclared_field_round_trips(self, connector: Connector) -> None:
        for kind in KINDS:
            held = connector.unsupported.get(kind, frozenset())
            values = {k: _sample(k) for k in FIELD_KEYS if k not in held and k not in ("name", "kind", "active")}
            record = self.add(connector, {"name": self.unique("Yew"), **values}, kind)
            stored = self.fetch_one(connector, record.remote_id).values
            assert {k: stored.get(k, "") for k in values} == values, kind

    def test_custom_field_definitions(self, connector: Connector) -> None:
        for field in connector.custom_fields():
            assert field.name and set(field.kinds) <= set(KINDS) and field.max_length > 0


    # --- merging (connectors whose ``can_merge`` is true) ---------------------------------------------------

    def merge(self, gone: RemoteRecord, stays: RemoteRecord, version: str | None = None) -> Change:
        return Change(uuid.uuid4().hex, "merge", gone.kind, remote_id=gone.remote_id,
                      version=version or gone.version, into_id=stays.remote_id, into_version=stays.version)

    def test_merge_keeps_one_record_with_its_own_fields(self, connector: Connector) -> None:
        if not connector.can_merge:
            pytest.skip("this connector cannot merge (can_merge is false)")
        for kind in KINDS:
            gone = self.add(connector, {"name": self.unique("Merged Away"), "phone": "(617) 555-0101"}, kind)
            stays = self.add(connector, {"name": self.unique("Stays"), "email": "stays@example.com"}, kind)
            result = self.apply_one(connector, self.merge(gone, stays))
            assert result.ok, result.error
            assert result.record is not None and result.record.remote_id == stays.remote_id
            assert result.record.version != stays.version
            assert result.record.values["email"] == "stays@example.com" and "phone" not in result.record.values
            listed = {i.remote_id for i in connector.listing(KINDS)}
            assert gone.remote_id not in listed and stays.remote_id in listed
            self.add(connector, {"name": gone.values["name"]}, kind)  # the merged-away name is free again

    def test_merge_refuses_other_lists_and_stale_versions(self, connector: Connector) -> None:
        if not connector.can_merge:
            pytest.skip("this connector cannot merge (can_merge is false)")
        customer = self.add(connector, {"name": self.unique("Merge Customer")})
        vendor = self.add(connector, {"name": self.unique("Merge Vendor")}, VENDOR)
        other = self.add(connector, {"name": self.unique("Merge Other")})
        across = self.apply_one(connector, self.merge(customer, vendor))
        stale = self.apply_one(connector, self.merge(customer, other, version="1"))
        assert isinstance(across.error, (Invalid, NotFound)) and isinstance(stale.error, StaleVersion)
        assert {customer.remote_id, vendor.remote_id, other.remote_id} <= {i.remote_id
                                                                             for i in connector.listing(KINDS)}


def _encodes(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


def _sample(key: str) -> str:
    """A value any QuickBooks takes for ``key``."""
    if "email" in key:
        return "a@example.com"
    if key.endswith("phone") or key in ("mobile", "fax"):
        return "555-0100"
    if key.endswith("state"):
        return "CA"
    if key.endswith("postal_code"):
        return "94110"
    return "Ab C"  # fits the shortest field (a middle name: 5 characters)
