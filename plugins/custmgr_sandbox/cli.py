"""``custmgr sandbox ...``: make a sandbox company and work in it the way someone would in QuickBooks.

Fields are named by key (``phone``, ``bill_city``, ``custom:Account Manager``) or by the Contacts column
header (``Phone``, ``Bill City``, ``Type``), ignoring case, so a bookkeeper can copy a header from the
workbook.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from custmgr.company import DEFAULT_SEED, SandboxCompany, create_company
from custmgr.connector import RemoteRecord
from custmgr.contact import CUSTOMER, FIELD_KEYS, KINDS, Values, custom_key, is_custom
from custmgr.errors import CustmgrError, Invalid
from custmgr.layout import load_layout

_NOT_FIELDS = ("row_id", "status")


@contextmanager
def _errors() -> Iterator[None]:
    """Every refusal becomes one ``Error: ...`` line and a non-zero exit."""
    try:
        yield
    except Invalid as err:
        raise click.ClickException(f"{_label(err.field)}: {err.reason}") from None
    except CustmgrError as err:
        raise click.ClickException(str(err)) from None


@contextmanager
def _open(path: str) -> Iterator[SandboxCompany]:
    with _errors(), SandboxCompany(path) as company:
        yield company


def _headers() -> dict[str, str]:
    """Contacts column header -> field key, for the columns that are QuickBooks fields."""
    return {c.header: c.key for c in load_layout().sheet("Contacts").columns if c.key not in _NOT_FIELDS}


def _label(key: str) -> str:
    header = next((h for h, k in _headers().items() if k == key), None)
    return header or (key[len("custom:"):] if is_custom(key) else key)


def resolve_field(text: str, custom_fields: Sequence[str] = ()) -> str:
    """The field key ``text`` names: a key, ``custom:NAME``, a Contacts header or a custom field's name."""
    wanted = text.strip()
    defined = {n.lower(): custom_key(n) for n in custom_fields}
    if is_custom(wanted.lower()):
        name = wanted[len("custom:"):].strip()
        return defined.get(name.lower(), custom_key(name))  # undefined: the company says so
    names = {key: key for key in FIELD_KEYS} | {h.lower(): k for h, k in _headers().items()} | defined
    key = names.get(wanted.lower())
    if key is None:
        raise click.ClickException(
            f"Unknown field {text!r}. Use a field key (phone, bill_city, custom:NAME) or a Contacts column "
            "header (Phone, Bill City, Type).")
    return key


def parse_assignments(assignments: Sequence[str], custom_fields: Sequence[str] = ()) -> Values:
    """``["Phone=555-0100", "bill_city=Boston"]`` -> ``{"phone": "555-0100", "bill_city": "Boston"}``."""
    values: Values = {}
    for item in assignments:
        field, sep, value = item.partition("=")
        if not sep:
            raise click.ClickException(f"Expected FIELD=VALUE, got {item!r} (use FIELD= to clear a field).")
        values[resolve_field(field, custom_fields)] = value
    return values


@click.group("sandbox")
def sandbox() -> None:
    """Sandbox company: a QuickBooks stand-in in one local file, for trying custmgr and for tests."""


@sandbox.command("new")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--sample", is_flag=True, help="Fill it with the sample company (Larkspur Landscaping).")
@click.option("--size", type=click.IntRange(min=0), default=0, help="Also generate N realistic contacts.")
@click.option("--name", "company_name", help="Company name (default: the sample's, or 'Sandbox Company').")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Seed of the generator.")
def new(path: str, sample: bool, size: int, company_name: str | None, seed: int) -> None:
    """Create a sandbox company file at PATH (never overwrites one)."""
    with _errors():
        create_company(path, name=company_name, sample=sample, size=size, seed=seed)
    with _open(path) as company:
        ident, count = company.identity(), len(company.listing())
    click.echo(f'Created "{ident.name}" at {path} with {count} contacts (company id {ident.id}).')


@sandbox.command("list")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Everything, as JSON.")
def list_(path: str, as_json: bool) -> None:
    """List every customer, job and vendor, inactive ones included."""
    with _open(path) as company:
        records, ident = company.records(), company.identity()
        if as_json:
            click.echo(json.dumps(_as_json(company, records), ensure_ascii=False, indent=1))
            return
    rows = [("Name", "Type", "Active", "Phone", "Email", "Version")]
    rows += [(r.values["name"], r.kind, r.values["active"], r.values.get("phone", ""),
              r.values.get("email", ""), r.version) for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    click.echo(f"{ident.name}: {len(records)} contacts.")


def _as_json(company: SandboxCompany, records: Sequence[RemoteRecord]) -> dict[str, Any]:
    ident = company.identity()
    fields = [{"name": d.name, "kinds": list(d.kinds), "max_length": d.max_length}
              for d in company.custom_fields()]
    out = []
    for record in records:
        created, modified = company.timestamps(record.remote_id)
        out.append({"id": record.remote_id, "version": record.version, "time_created": created,
                    "time_modified": modified, "values": dict(record.values)})
    return {"company": {"id": ident.id, "name": ident.name}, "custom_fields": fields, "records": out}


@sandbox.command("add")
@click.argument("path", type=click.Path(dir_okay=False))
@click.argument("name")
@click.argument("assignments", nargs=-1, metavar="FIELD=VALUE...")
def add(path: str, name: str, assignments: tuple[str, ...]) -> None:
    """Add a customer (or, with Type=Vendor, a vendor). A job is named Customer:Job."""
    with _open(path) as company:
        values = parse_assignments(assignments, [d.name for d in company.custom_fields()])
        record = company.add(name, values, kind=values.pop("kind", CUSTOMER).strip().title())
    click.echo(f'Added {record.kind.lower()} "{record.values["name"]}" ({record.remote_id}).')


@sandbox.command("edit")
@click.argument("path", type=click.Path(dir_okay=False))
@click.argument("name")
@click.argument("assignments", nargs=-1, metavar="FIELD=VALUE...")
def edit(path: str, name: str, assignments: tuple[str, ...]) -> None:
    """Change fields of the contact NAME (FIELD= clears one); Name=... renames it."""
    if not assignments:
        raise click.UsageError("Give at least one FIELD=VALUE to change.")
    with _open(path) as company:
        record = company.edit(name, parse_assignments(assignments, [d.name for d in company.custom_fields()]))
    click.echo(f'Changed "{record.values["name"]}" (version {record.version}).')


@sandbox.command("deactivate")
@click.argument("path", type=click.Path(dir_okay=False))
@click.argument("name")
def deactivate(path: str, name: str) -> None:
    """Make NAME inactive (a customer's jobs too); it stays in the list."""
    with _open(path) as company:
        record = company.deactivate(name)
    click.echo(f'Made "{record.values["name"]}" inactive.')


@sandbox.command("delete")
@click.argument("path", type=click.Path(dir_okay=False))
@click.argument("name")
def delete(path: str, name: str) -> None:
    """Delete NAME for good, as if it had been deleted in QuickBooks."""
    with _open(path) as company:
        company.delete(name)
    click.echo(f'Deleted "{name}".')


@sandbox.command("transaction")
@click.argument("path", type=click.Path(dir_okay=False))
@click.argument("name")
def transaction(path: str, name: str) -> None:
    """Enter a transaction naming NAME (an invoice or a bill), so QuickBooks can no longer delete it."""
    with _open(path) as company:
        count = company.add_transaction(name)
    click.echo(f'"{name}" is now used in {count} transaction{"s" if count != 1 else ""}; it cannot be deleted.')


@sandbox.command("custom-field")
@click.argument("path", type=click.Path(dir_okay=False))
@click.argument("name")
@click.option("--kinds", multiple=True, metavar="Customer,Vendor",
              help="Which lists it is for (repeat or separate with commas). Default: both.")
def custom_field(path: str, name: str, kinds: tuple[str, ...]) -> None:
    """Define a custom field NAME for customers and/or vendors."""
    chosen = [k.strip().title() for item in kinds for k in item.split(",") if k.strip()] or list(KINDS)
    with _open(path) as company:
        field = company.define_custom_field(name, chosen)
    click.echo(f'Defined custom field "{field.name}" for {" and ".join(field.kinds)}.')
