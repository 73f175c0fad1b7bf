"""``custmgr sandbox ...`` through click's test runner, on a group built here as the main CLI builds it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from custmgr.company import SandboxCompany
from custmgr_sandbox import plugin

Run = Callable[..., Result]


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("custmgr")
    plugin.custmgr_register_commands(group)
    return group


@pytest.fixture
def run(cli: click.Group) -> Run:
    def invoke(*args: str | Path) -> Result:
        return CliRunner().invoke(cli, ["sandbox", *map(str, args)], catch_exceptions=False)
    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def error(result: Result) -> str:
    """A refusal is one ``Error: ...`` line and exit status 1."""
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    return lines[0]


def test_the_hook_adds_a_sandbox_group(cli: click.Group) -> None:
    group = cli.commands["sandbox"]
    assert isinstance(group, click.Group)
    assert {"new", "list", "add", "edit", "deactivate", "delete", "transaction", "custom-field"} <= set(group.commands)


def test_new_sample_company(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "larkspur.sandbox"
    out = ok(run("new", path, "--sample"))
    assert "Larkspur Landscaping & Design" in out and "52 contacts" in out
    assert "already exists" in error(run("new", path, "--sample"))


def test_new_with_size_and_name(run: Run, tmp_path: Path) -> None:
    out = ok(run("new", tmp_path / "big.sandbox", "--size", "120", "--name", "Bench Co", "--seed", "7"))
    assert '"Bench Co"' in out and "120 contacts" in out


def test_list_as_a_table_and_as_json(run: Run, sample_path: Path) -> None:
    table = ok(run("list", sample_path)).splitlines()
    assert table[0].split() == ["Name", "Type", "Active", "Phone", "Email", "Version"]
    assert any(line.startswith("O'Brien's Bakery ") and "Customer" in line for line in table)
    assert any(line.startswith("Pioneer Valley Tree Service ") and " No " in line for line in table)
    assert table[-1] == "Larkspur Landscaping & Design: 52 contacts."
    data = json.loads(ok(run("list", sample_path, "--json")))
    assert data["company"]["name"] == "Larkspur Landscaping & Design"
    assert {f["name"] for f in data["custom_fields"]} >= {"Account Manager", "Referral Source"}
    bakery = next(r for r in data["records"] if r["values"]["name"] == "O'Brien's Bakery")
    assert bakery["id"] and bakery["version"] and bakery["time_modified"]


def test_add_with_keys_headers_and_custom_fields(run: Run, sample_path: Path) -> None:
    out = ok(run("add", sample_path, "Riverside Mulch", "Type=vendor", "Phone=(978) 555-0300",
                 "bill city=Lowell", "BILL_STATE=ma", "Custom:service area=North Shore"))
    assert "Added vendor" in out
    ok(run("add", sample_path, "Dunn, Kate", "first name=Kate", "account manager=Dana Whitaker",
           "notes=-- call first", "company==SUM(A1)"))
    with SandboxCompany(sample_path) as company:
        vendor, kate = company.find("Riverside Mulch"), company.find("dunn, kate")
    assert vendor and dict(vendor.values) == {
        "kind": "Vendor", "name": "Riverside Mulch", "active": "Yes", "phone": "(978) 555-0300",
        "bill_city": "Lowell", "bill_state": "MA", "custom:Service Area": "North Shore"}
    assert kate and kate.values["custom:Account Manager"] == "Dana Whitaker"
    assert kate.values["notes"] == "-- call first" and kate.values["company"] == "=SUM(A1)"


def test_add_job_and_refusals(run: Run, sample_path: Path) -> None:
    ok(run("add", sample_path, "O'Brien's Bakery:Window Boxes"))
    assert "already in use" in error(run("add", sample_path, "o'brien's bakery", "Type=Vendor"))
    assert "add it first" in error(run("add", sample_path, "Nobody:Patio"))
    assert "Unknown field 'shoe size'" in error(run("add", sample_path, "Someone", "shoe size=9"))
    assert "FIELD=VALUE" in error(run("add", sample_path, "Someone", "Phone"))
    assert error(run("add", sample_path, "Someone", "Phone=" + "5" * 22)).startswith("Error: Phone: too long")
    assert "Type: must be" in error(run("add", sample_path, "Someone", "Type=Employee"))
    assert "cannot store" in error(run("add", sample_path, "Someone", "Bill City=東京"))
    assert "no custom field" in error(run("add", sample_path, "Someone", "custom:Shoe Size=9"))


def test_edit_rename_clear_and_not_found(run: Run, sample_path: Path) -> None:
    out = ok(run("edit", sample_path, "harborview condominium trust", "Name=Harborview Condo Trust", "Fax="))
    assert 'Changed "Harborview Condo Trust"' in out
    with SandboxCompany(sample_path) as company:
        trust = company.find("Harborview Condo Trust")
        assert trust and "fax" not in trust.values
        assert company.find("Harborview Condo Trust:Snow Removal") is not None
    assert "no customer, job or vendor named" in error(run("edit", sample_path, "Nobody", "Phone=1"))
    assert run("edit", sample_path, "Nobody").exit_code == 2  # usage: nothing to change


def test_deactivate_and_delete(run: Run, sample_path: Path) -> None:
    ok(run("deactivate", sample_path, "Peña, Rosa"))
    with SandboxCompany(sample_path) as company:
        assert company.find("Peña, Rosa:Backyard Patio").values["active"] == "No"  # type: ignore[union-attr]
    assert "has jobs" in error(run("delete", sample_path, "Peña, Rosa"))
    ok(run("delete", sample_path, "Peña, Rosa:Backyard Patio"))
    ok(run("delete", sample_path, "peña, rosa"))
    with SandboxCompany(sample_path) as company:
        assert company.find("Peña, Rosa") is None
    assert "no customer" in error(run("delete", sample_path, "Peña, Rosa"))


def test_a_transaction_stops_a_delete(run: Run, sample_path: Path) -> None:
    assert "used in 1 transaction;" in ok(run("transaction", sample_path, "Café Société"))
    assert "used in transactions" in error(run("delete", sample_path, "Café Société"))
    assert "no customer, job or vendor named" in error(run("transaction", sample_path, "Nobody"))


def test_custom_field(run: Run, sample_path: Path) -> None:
    assert "for Customer and Vendor" in ok(run("custom-field", sample_path, "Tax Region"))
    assert "for Vendor." in ok(run("custom-field", sample_path, "Rating", "--kinds", "vendor"))
    both = ok(run("custom-field", sample_path, "Tier", "--kinds", "Customer,Vendor"))
    assert "for Customer and Vendor" in both
    assert "already in use" in error(run("custom-field", sample_path, "account manager"))
    assert "1 to 31" in error(run("custom-field", sample_path, "x" * 32))
    ok(run("add", sample_path, "Nguyen, Thanh", "Tier=Gold"))


def test_a_missing_company_file_is_one_clear_error(run: Run, tmp_path: Path) -> None:
    message = error(run("list", tmp_path / "nope.sandbox"))
    assert "custmgr sandbox new" in message and "--sample" in message
