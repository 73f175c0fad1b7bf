"""The sandbox company keeps QuickBooks Desktop's rules: ids, versions, names, jobs, limits, custom fields."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custmgr.company import InUse, SandboxCompany, create_company
from custmgr.contact import CUSTOMER, NO, VENDOR, YES, normalize_values
from custmgr.errors import CustmgrError, Invalid, NameInUse, NotFound, Retryable, StaleVersion, Unavailable

LIST_ID = re.compile(r"^[0-9A-F]{8}-\d{10}$")


def invalid_field(excinfo: pytest.ExceptionInfo[Invalid]) -> str:
    return excinfo.value.field


# --- the file -----------------------------------------------------------------------------------------------


def test_missing_file_is_unavailable_and_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match=r"custmgr sandbox new .*--sample"):
        SandboxCompany(tmp_path / "nope.sandbox")


@pytest.mark.parametrize("content", [b"", b"name,phone\nAcme,555\n", b"SQLite format 3\x00garbage" * 10])
def test_a_file_that_is_not_a_company_is_unavailable(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "clients.csv"
    path.write_bytes(content)
    with pytest.raises(Unavailable, match="not a sandbox company file"):
        SandboxCompany(path)


def test_another_sqlite_database_is_not_a_company(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    with pytest.raises(Unavailable, match="not a sandbox company file"):
        SandboxCompany(path)


def test_a_folder_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="folder"):
        SandboxCompany(tmp_path)


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "books.sandbox"
    path.write_text("precious")
    with pytest.raises(CustmgrError, match="already exists"):
        create_company(path, sample=True)
    assert path.read_text() == "precious"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_create_needs_an_existing_folder(tmp_path: Path) -> None:
    with pytest.raises(CustmgrError, match="does not exist"):
        create_company(tmp_path / "missing" / "books.sandbox")


def test_identity_is_kept_in_the_file(tmp_path: Path) -> None:
    create_company(tmp_path / "a.sandbox", name="Acme Books")
    create_company(tmp_path / "b.sandbox", name="Acme Books")
    with SandboxCompany(tmp_path / "a.sandbox") as a, SandboxCompany(tmp_path / "b.sandbox") as b:
        first = a.identity()
        assert first.name == "Acme Books" and first.id != b.identity().id
    with SandboxCompany(tmp_path / "a.sandbox") as again:
        assert again.identity() == first


# --- ids, versions, times -----------------------------------------------------------------------------------


def test_list_ids_and_edit_sequences_look_like_quickbooks(company: SandboxCompany) -> None:
    first = company.add("Acme")
    second = company.add("Bayside", kind=VENDOR)
    assert LIST_ID.match(first.remote_id) and LIST_ID.match(second.remote_id)
    assert first.remote_id != second.remote_id
    assert first.version.isdigit() and int(second.version) > int(first.version)


def test_every_write_gives_a_new_larger_edit_sequence(company: SandboxCompany) -> None:
    record = company.add("Acme")
    versions = [record.version]
    for phone in ("(617) 555-0101", "(617) 555-0102", "(617) 555-0102"):  # even a write that changes nothing
        versions.append(company.edit("Acme", {"phone": phone}).version)
    versions.append(company.deactivate("Acme").version)
    assert [int(v) for v in versions] == sorted(int(v) for v in versions)
    assert len(set(versions)) == len(versions)


def test_times_created_and_modified(company: SandboxCompany) -> None:
    record = company.add("Acme")
    created, modified = company.timestamps(record.remote_id)
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", created)
    company.edit("Acme", {"phone": "(617) 555-0101"})
    assert company.timestamps(record.remote_id)[0] == created
    assert company.timestamps(record.remote_id)[1] >= modified


# --- versions and ids in requests ---------------------------------------------------------------------------


def test_stale_version_is_refused_in_quickbooks_words(company: SandboxCompany) -> None:
    record = company.add("Acme", {"phone": "(617) 555-0101"})
    company.edit("Acme", {"phone": "(617) 555-0102"})
    words = rf'^The provided edit sequence "{record.version}" is out-of-date\.$'
    with pytest.raises(StaleVersion, match=words):
        company.modify_record(record.remote_id, record.version, {"phone": "(617) 555-0103"})
    with pytest.raises(StaleVersion):
        company.deactivate_record(record.remote_id, record.version)
    assert company.find("Acme").values["phone"] == "(617) 555-0102"  # type: ignore[union-attr]


def test_unknown_id_is_not_found_in_quickbooks_words(company: SandboxCompany) -> None:
    words = r'^Object "80000999-1234567890" specified in the request cannot be found\.$'
    with pytest.raises(NotFound, match=words):
        company.modify_record("80000999-1234567890", "1", {"phone": "1"})


def test_a_customer_request_cannot_find_a_vendor(company: SandboxCompany) -> None:
    vendor = company.add("Bayside Supply", kind=VENDOR)
    with pytest.raises(NotFound):
        company.modify_record(vendor.remote_id, vendor.version, {"phone": "1"}, kind=CUSTOMER)


def test_a_customer_cannot_become_a_vendor(company: SandboxCompany) -> None:
    record = company.add("Acme")
    with pytest.raises(Invalid) as excinfo:
        company.modify_record(record.remote_id, record.version, {"kind": VENDOR})
    assert invalid_field(excinfo) == "kind"


# --- names --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("first", "first_kind", "second", "second_kind"), [
    ("Acme Landscaping", CUSTOMER, "ACME landscaping", CUSTOMER),
    ("Acme Landscaping", CUSTOMER, "acme landscaping", VENDOR),
    ("Acme Landscaping", VENDOR, "Acme Landscaping", CUSTOMER),
    ("Café Société", CUSTOMER, "CAFÉ SOCIÉTÉ", VENDOR),
    ("Straße Bau", CUSTOMER, "STRASSE BAU", CUSTOMER),  # Unicode case folding, not just lower()
    ("Acme:Patio", CUSTOMER, "ACME:PATIO", CUSTOMER),
])
def test_full_names_are_unique_across_lists_ignoring_case(
        company: SandboxCompany, first: str, first_kind: str, second: str, second_kind: str) -> None:
    if ":" in first:
        company.add("Acme")
    company.add(first, kind=first_kind)
    with pytest.raises(NameInUse, match=r'^The name ".*" of the list element is already in use\.$'):
        company.add(second, kind=second_kind)


def test_same_job_name_under_two_customers_is_fine(company: SandboxCompany) -> None:
    company.add("Acme")
    company.add("Bayside")
    assert company.add("Acme:Patio").values["name"] == "Acme:Patio"
    assert company.add("Bayside:Patio").values["name"] == "Bayside:Patio"


def test_rename_onto_a_vendor_name_is_refused(company: SandboxCompany) -> None:
    company.add("Bayside Supply", kind=VENDOR)
    company.add("Acme")
    with pytest.raises(NameInUse):
        company.edit("Acme", {"name": "bayside supply"})
    assert company.find("Acme") is not None


def test_vendor_names_cannot_have_a_colon(company: SandboxCompany) -> None:
    with pytest.raises(Invalid) as excinfo:
        company.add("Bayside:Supply", kind=VENDOR)
    assert invalid_field(excinfo) == "name"


def test_job_parent_must_exist_and_be_a_customer(company: SandboxCompany) -> None:
    with pytest.raises(Invalid, match="add it first") as excinfo:
        company.add("Nobody:Patio")
    assert invalid_field(excinfo) == "name"
    company.add("Bayside Supply", kind=VENDOR)
    with pytest.raises(Invalid, match="is a vendor"):
        company.add("Bayside Supply:Patio")


def test_job_takes_its_parents_spelling(company: SandboxCompany) -> None:
    company.add("Acme Landscaping")
    assert company.add("ACME LANDSCAPING:Patio").values["name"] == "Acme Landscaping:Patio"


def test_five_levels_of_41_characters_fit_and_six_levels_do_not(company: SandboxCompany) -> None:
    parts = [chr(ord("A") + i) * 41 for i in range(6)]
    for depth in range(1, 6):
        company.add(":".join(parts[:depth]))
    assert len(":".join(parts[:5])) == 209
    with pytest.raises(Invalid, match="levels"):
        company.add(":".join(parts))
    with pytest.raises(Invalid, match="too long"):
        company.add("X" * 42)


def test_renaming_a_customer_renames_its_jobs_with_new_versions(company: SandboxCompany) -> None:
    company.add("Acme")
    job = company.add("Acme:Patio")
    sub = company.add("Acme:Patio:Phase 2")
    company.edit("Acme", {"name": "Acme Gardens"})
    assert company.find("Acme:Patio") is None
    moved, moved_sub = company.find("Acme Gardens:Patio"), company.find("Acme Gardens:Patio:Phase 2")
    assert moved and moved_sub and moved.remote_id == job.remote_id and moved_sub.remote_id == sub.remote_id
    assert moved.version != job.version and moved_sub.version != sub.version


def test_a_job_can_move_to_another_customer_but_not_under_itself(company: SandboxCompany) -> None:
    company.add("Acme")
    company.add("Bayside")
    company.add("Acme:Patio")
    company.add("Acme:Patio:Phase 2")
    assert company.edit("Acme:Patio", {"name": "bayside:Patio"}).values["name"] == "Bayside:Patio"
    assert company.find("Bayside:Patio:Phase 2") is not None
    with pytest.raises(Invalid, match="itself"):
        company.edit("Bayside:Patio", {"name": "Bayside:Patio:Phase 2:Patio"})


def test_a_failed_rename_changes_nothing(company: SandboxCompany) -> None:
    """Moving a customer whose jobs would then be 6 levels deep fails as a whole."""
    company.add("Host")
    company.add("A")
    for path in ("A:B", "A:B:C", "A:B:C:D", "A:B:C:D:E"):
        company.add(path)
    before = company.records()
    with pytest.raises(Invalid):
        company.edit("A", {"name": "Host:A"})
    assert company.records() == before


# --- values -------------------------------------------------------------------------------------------------


def test_update_is_sparse_and_empty_text_clears(company: SandboxCompany) -> None:
    record = company.add("Acme", {"phone": "(617) 555-0101", "email": "a@example.com", "bill_city": "Boston"})
    after = company.edit("Acme", {"phone": "(617) 555-0102", "email": ""})
    assert dict(after.values) == {"kind": CUSTOMER, "name": "Acme", "active": YES, "phone": "(617) 555-0102",
                                  "bill_city": "Boston"}
    assert after.remote_id == record.remote_id


@pytest.mark.parametrize(("field", "value"), [
    ("phone", "(617) 555-0101 ext. 12345"),  # 25 > 21
    ("first_name", "Bartholomew-Maximilian-Jox"),
    ("middle_name", "Ellies"),
    ("bill_postal_code", "02134-0000-000"),
    ("notes", "n" * 4096),
])
def test_too_long_values_are_invalid_naming_the_field(company: SandboxCompany, field: str,
                                                      value: str) -> None:
    with pytest.raises(Invalid, match="too long") as excinfo:
        company.add("Acme", {field: value})
    assert invalid_field(excinfo) == field
    assert company.find("Acme") is None


@pytest.mark.parametrize("value", ["Zürich € Office", "Łódź", "東京", "emoji 😀"])
def test_characters_outside_latin1_are_invalid_never_replaced(company: SandboxCompany, value: str) -> None:
    with pytest.raises(Invalid, match="cannot store") as excinfo:
        company.add("Acme", {"bill_city": value})
    assert invalid_field(excinfo) == "bill_city"


@pytest.mark.parametrize("value", ["bell\x07", "nul\x00byte", "escape\x1b[0m", "del\x7f"])
def test_control_characters_are_invalid(company: SandboxCompany, value: str) -> None:
    with pytest.raises(Invalid, match="control characters") as excinfo:
        company.add("Acme", {"notes": value})
    assert invalid_field(excinfo) == "notes"


def test_text_is_stored_literally(company: SandboxCompany) -> None:
    values = {"company": "&amp; <b>Smith & Sons</b>", "notes": "=1+1\r\n-- call first\n@home",
              "job_title": "+Owner", "bill_line1": "O'Brien's Bakery", "bill_line2": "Peña · Müller · Café"}
    record = company.add("&amp; <b>", values)
    assert record.values["name"] == "&amp; <b>"
    assert dict(record.values) == normalize_values({**values, "name": "&amp; <b>"})
    assert record.values["notes"] == "=1+1\n-- call first\n@home"


def test_values_are_stored_normalized(company: SandboxCompany) -> None:
    record = company.add("  Acme   Gardens ", {"bill_state": "ma", "phone": " (617)\t555-0101 ",
                                               "active": "yes"})
    assert dict(record.values) == {"kind": CUSTOMER, "name": "Acme Gardens", "active": YES,
                                   "bill_state": "MA", "phone": "(617) 555-0101"}


def test_unknown_field_is_invalid(company: SandboxCompany) -> None:
    with pytest.raises(Invalid) as excinfo:
        company.add("Acme", {"shoe_size": "9"})
    assert invalid_field(excinfo) == "shoe_size"


# --- custom fields ------------------------------------------------------------------------------------------


def test_custom_fields_must_be_defined_for_the_kind(company: SandboxCompany) -> None:
    record = company.add("Acme", {"custom:Account Manager": "Dana"})
    assert record.values["custom:Account Manager"] == "Dana"
    with pytest.raises(Invalid, match="no custom field") as excinfo:
        company.add("Bayside", {"custom:Favourite Colour": "Blue"})
    assert invalid_field(excinfo) == "custom:Favourite Colour"
    with pytest.raises(Invalid, match="Customer only"):
        company.add("Bayside Supply", {"custom:Account Manager": "Dana"}, kind=VENDOR)
    vendor = company.add("Bayside Supply", {"custom:Region": "North"}, kind=VENDOR)
    assert vendor.values["custom:Region"] == "North"


def test_custom_field_value_limits(company: SandboxCompany) -> None:
    company.add("Acme", {"custom:Account Manager": "x" * 255})
    with pytest.raises(Invalid, match="too long"):
        company.edit("Acme", {"custom:Account Manager": "x" * 256})
    company.define_custom_field("Long Notes", ["Customer"], max_length=1024)
    assert company.edit("Acme", {"custom:Long Notes": "y" * 1024}).values["custom:Long Notes"] == "y" * 1024


@pytest.mark.parametrize(("name", "kinds", "error"), [
    ("x" * 32, ["Customer"], Invalid),
    ("Colour €", ["Customer"], Invalid),
    ("Tab\x07", ["Customer"], Invalid),
    ("Region", ["Employee"], Invalid),
    ("region", ["Vendor"], NameInUse),  # already defined as "Region", ignoring case
])
def test_custom_field_definitions_follow_quickbooks(company: SandboxCompany, name: str, kinds: list[str],
                                                    error: type[Exception]) -> None:
    with pytest.raises(error):
        company.define_custom_field(name, kinds)


# --- deactivate and delete ----------------------------------------------------------------------------------


def test_deactivating_a_customer_deactivates_its_jobs(company: SandboxCompany) -> None:
    company.add("Acme")
    company.add("Acme:Patio")
    done = company.add("Acme:Old Job", {"active": "No"})
    company.deactivate("Acme")
    assert [(r.values["name"], r.values["active"]) for r in company.records()] == [
        ("Acme", NO), ("Acme:Old Job", NO), ("Acme:Patio", NO)]
    assert company.find("Acme:Old Job").version == done.version  # type: ignore[union-attr]
    company.edit("Acme", {"active": "Yes"})  # QuickBooks does not reactivate the jobs
    assert company.find("Acme:Patio").values["active"] == NO  # type: ignore[union-attr]


def test_inactive_records_stay_listed(company: SandboxCompany) -> None:
    record = company.add("Acme")
    company.deactivate("Acme")
    listed = {item.remote_id: item for item in company.listing()}
    assert listed[record.remote_id].active is False


def test_delete_removes_for_good(company: SandboxCompany) -> None:
    record = company.add("Acme")
    company.delete("acme")
    assert company.get(record.remote_id) is None and company.fetch([record.remote_id]) == []
    assert company.listing() == []
    with pytest.raises(NotFound):
        company.delete("Acme")
    with pytest.raises(NotFound):
        company.modify_record(record.remote_id, record.version, {"phone": "1"})


def test_a_customer_with_jobs_cannot_be_deleted(company: SandboxCompany) -> None:
    company.add("Acme")
    company.add("Acme:Patio")
    with pytest.raises(Invalid, match="has jobs"):
        company.delete("Acme")
    company.delete("Acme:Patio")
    company.delete("Acme")
    assert company.records() == []


def test_a_name_used_in_transactions_cannot_be_deleted(company: SandboxCompany) -> None:
    record = company.add("Acme", {"phone": "1"})
    assert company.transactions(record.remote_id) == 0
    assert company.add_transaction("acme") == 1 and company.add_transaction("Acme") == 2
    assert company.get(record.remote_id) == record  # entering a transaction does not change the contact's version
    with pytest.raises(InUse, match="used in transactions"):
        company.delete("Acme")
    assert company.get(record.remote_id) == record
    company.deactivate("Acme")  # what QuickBooks offers instead
    with pytest.raises(NotFound):
        company.add_transaction("Nobody")


# --- files shared by two writers ----------------------------------------------------------------------------


def test_a_locked_file_is_retryable(empty_path: Path) -> None:
    blocker = sqlite3.connect(empty_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with SandboxCompany(empty_path, timeout=0) as company, pytest.raises(Retryable):
            company.add("Acme")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_reader_blocking_the_commit_is_retryable_and_nothing_is_written(empty_path: Path) -> None:
    reader = sqlite3.connect(empty_path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM records").fetchone()  # holds a shared lock until the end
    try:
        with SandboxCompany(empty_path, timeout=0) as company:
            with pytest.raises(Retryable):
                company.add("Acme")
            reader.execute("COMMIT")
            assert company.find("Acme") is None
            assert company.add("Acme").values["name"] == "Acme"
    finally:
        reader.close()


def test_two_openers_see_each_others_writes(empty_path: Path) -> None:
    with SandboxCompany(empty_path) as one, SandboxCompany(empty_path) as two:
        record = one.add("Acme")
        two.edit("Acme", {"phone": "(617) 555-0101"})
        assert one.fetch([record.remote_id])[0].values["phone"] == "(617) 555-0101"


# --- any storable text round-trips --------------------------------------------------------------------------

_latin1 = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f:"),
                  min_size=1, max_size=41)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_latin1, company_name=_latin1, notes=st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=200))
def test_any_latin1_text_round_trips_normalized(empty_path: Path, name: str, company_name: str,
                                                notes: str) -> None:
    """The file is shared by the examples; each one removes what it added."""
    values = normalize_values({"name": name, "company": company_name, "notes": notes})
    if not values.get("name"):
        return
    with SandboxCompany(empty_path) as company:
        if company.find(values["name"]):
            company.delete(values["name"])
        record = company.add(values["name"], values)
        assert dict(company.fetch([record.remote_id])[0].values) == values
        company.delete(values["name"])


# --- control characters -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x07", "\x0b", "\x0c", "\x1c", "\x1f", "\x00", "\x7f"])
def test_control_characters_are_refused_never_turned_into_spaces(company: SandboxCompany, char: str) -> None:
    """Normalizing makes some of these a space ("555 0100"): QuickBooks refuses them, so the stand-in must too."""
    with pytest.raises(Invalid, match="control characters") as caught:
        company.add("Acme", {"phone": f"555{char}0100"})
    assert invalid_field(caught) == "phone"
    company.add("Acme", {"phone": "555-0100"})
    with pytest.raises(Invalid, match="control characters"):
        company.edit("Acme", {"notes": f"line one{char}line two"})
    with pytest.raises(Invalid, match="control characters"):
        company.bulk_add([{"name": f"Bad{char}Name"}])
    assert [r.values.get("phone") for r in company.records()] == ["555-0100"]
    assert "notes" not in company.records()[0].values
