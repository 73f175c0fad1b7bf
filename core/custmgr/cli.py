"""The ``custmgr`` command line: the same jobs as the ribbon, on a closed workbook, on any OS."""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from . import __version__, plugins
from . import sync as engine
from .book import create_workbook
from .errors import CustmgrError
from .settings import parse_options
from .summary import Summary

BookPath = click.Path(path_type=Path, dir_okay=False)


class _Cli(click.Group):
    """Turns every ``CustmgrError`` into one plain line and a non-zero exit, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CustmgrError as err:
            failure = click.ClickException(str(err))
            failure.exit_code = err.exit_code  # 1: nothing was written; 2: QuickBooks took some writes
            raise failure from err
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except Exception as err:  # a bug: say so plainly, keep the details for a report
            if os.environ.get("CUSTMGR_DEBUG"):
                raise
            click.echo("".join(traceback.format_exception(err)), err=True)
            raise click.ClickException(f"Unexpected error: {err}. Nothing was saved to the workbook. "
                                       "Please report it with the details above.") from err


@click.group(cls=_Cli)
@click.version_option(__version__, prog_name="custmgr")
def main() -> None:
    """Customer Manager: keep contacts in an Excel workbook in step with QuickBooks."""


def _progress(quiet: bool = False) -> engine.Progress:
    """What the engine is doing, on the terminal: each step's name as it starts, and a bar where a step counts
    (a sync of 14,500 contacts is otherwise seconds of silence). Nothing when stderr is not a terminal, or with
    ``quiet`` (``--json``), so piped and scripted output stays clean."""
    if quiet or not sys.stderr.isatty():
        return engine.Progress()
    state: dict[str, Any] = {}

    def start(label: str, total: int) -> None:
        done()
        if total > 0:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        else:
            click.echo(f"{label}…", err=True)

    def advance(n: int) -> None:
        if "bar" in state:
            state["bar"].update(n)

    def done() -> None:
        bar = state.pop("bar", None)
        if bar is not None:
            bar.__exit__(None, None, None)

    return engine.Progress(start, advance, done)


def _print(summary: Summary, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False))
        return
    for line in summary.plan:
        click.echo(f"  {line}")
    for line in summary.lines():
        click.echo(line)


@main.command()
@click.argument("book", type=BookPath)
def new(book: Path) -> None:
    """Create a new, empty Customer Manager workbook BOOK (.xlsx)."""
    create_workbook(book)
    click.echo(f"Created {book}. Next: custmgr setup {book} --connector sandbox --company PATH")


@main.command()
@click.argument("book", type=BookPath)
@click.option("--connector", required=True, help="Connector name (see `custmgr connectors`).")
@click.option("--company", required=True, help="Company file path, or realm ID for QuickBooks Online.")
@click.option("--vendors/--no-vendors", default=None, help="Sync vendors too (default: unchanged, customers only).")
@click.option("--inactive/--no-inactive", default=None, help="Import inactive contacts too.")
@click.option("--map", "mappings", multiple=True, metavar="FIELD=COLUMN",
              help="Sync QuickBooks custom field FIELD into Contacts column COLUMN (repeatable).")
@click.option("--map-all", is_flag=True, help="Sync every custom field, each into a column of its own name.")
@click.option("--transport", help="How the connector reaches QuickBooks (e.g. com or sandbox for qbd).")
@click.option("--option", "raw_options", multiple=True, metavar="KEY=VALUE",
              help="A connector option, stored in Settings (repeatable). Never a password.")
@click.option("--sheet", help="Your own workbook: the sheet holding the contact list (default: the one that "
                              "looks like it).")
@click.option("--map-column", "column_maps", multiple=True, metavar="'HEADER=FIELD'",
              help="Your own workbook: your column HEADER holds FIELD, e.g. 'Tel=Phone' (repeatable; "
                   "'HEADER=' keeps the column out of the sync).")
@click.option("--header-row", type=click.IntRange(1, 1000), metavar="N",
              help="Your own workbook: the list's headers are in row N (default: row 1, or the first row below "
                   "a title that looks like headers); the rows above it are never changed.")
def setup(book: Path, connector: str, company: str, vendors: bool | None, inactive: bool | None,
          mappings: tuple[str, ...], map_all: bool, transport: str | None, raw_options: tuple[str, ...],
          sheet: str | None, column_maps: tuple[str, ...], header_row: int | None) -> None:
    """Pair BOOK with a QuickBooks company and choose what to sync.

    BOOK may be a workbook you already keep: its contact list is adopted as it is (your sheet, headers, rows
    and other columns stay yours) and Customer Manager adds Row ID and Sync Status columns and its own sheets."""
    custom: dict[str, str] = {}
    for item in mappings:
        field, sep, column = item.partition("=")
        if not sep or not field.strip():
            raise click.BadParameter(f"{item!r} is not FIELD=COLUMN", param_hint="--map")
        custom[field.strip()] = column.strip() or field.strip()
    options: dict[str, str] | None = None
    if raw_options or transport:
        options = parse_options("; ".join(raw_options), row=0)
        if transport:
            options["transport"] = transport
    columns: dict[str, str] = {}
    for item in column_maps:
        header, sep, field = item.rpartition("=")
        if not sep or not header.strip():
            raise click.BadParameter(f"{item!r} is not 'Your Header=Field'", param_hint="--map-column")
        columns[header.strip()] = field.strip()
    click.echo(engine.setup(book, connector=connector, company=company, vendors=vendors, inactive=inactive,
                            custom_fields=custom, map_all=map_all, options=options, sheet=sheet,
                            map_columns=columns, header_row=header_row))


@main.command("sync")
@click.argument("book", type=BookPath)
@click.option("--dry-run", is_flag=True, help="Show the full plan; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--force", is_flag=True,
              help="Sync even when one side is empty but the last sync was not, or when the hidden sync state "
                   "sheet was deleted (rows are then matched with QuickBooks again by name).")
@click.option("--trace", type=click.Path(path_type=Path, file_okay=False),
              help="Write every request to QuickBooks and its answer into this folder (secrets removed).")
def sync_command(book: Path, dry_run: bool, as_json: bool, force: bool, trace: Path | None) -> None:
    """Sync BOOK with its QuickBooks company, both ways."""
    options = {"trace_dir": str(trace)} if trace else None
    summary, _ = engine.sync(book, dry_run=dry_run, force=force, progress=_progress(as_json),
                             connector_options=options)
    _print(summary, as_json)
    if summary.outcome in ("failed", "partly failed"):
        sys.exit(2)


@main.command()
@click.argument("book", type=BookPath)
@click.option("--quickbooks", is_flag=True,
              help="Put QuickBooks back too, for every contact nobody changed there since the sync.")
@click.option("--dry-run", is_flag=True, help="With --quickbooks: show what would be put back; change nothing.")
@click.option("--force", is_flag=True, help="Undo even if rows were edited after that sync (the edits are lost).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def undo(book: Path, quickbooks: bool, dry_run: bool, force: bool, as_json: bool) -> None:
    """Undo the last sync in BOOK; with --quickbooks in QuickBooks too (otherwise QuickBooks is not changed)."""
    if dry_run and not quickbooks:
        raise click.UsageError("--dry-run shows what undo would put back in QuickBooks: use it with --quickbooks.")
    summary = engine.undo(book, force=force, quickbooks=quickbooks, dry_run=dry_run,
                          progress=_progress(as_json) if quickbooks and not dry_run else None)
    _print(summary, as_json)
    if summary.outcome in ("failed", "partly failed"):
        sys.exit(2)


@main.command()
@click.argument("book", type=BookPath)
def repair(book: Path) -> None:
    """Put back BOOK's pairing with its QuickBooks company (the hidden sheet _cm_pair) if it was deleted; only
    with the company its sync state was made with."""
    from .repair import repair as run_repair

    click.echo(run_repair(book))


@main.command()
@click.argument("book", type=BookPath)
@click.option("--json", "as_json", is_flag=True, help="Print as one JSON object.")
def status(book: Path, as_json: bool) -> None:
    """Show what BOOK is paired with and what is waiting for review (no QuickBooks access)."""
    info = engine.status(book)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
        return
    for key, value in info.items():
        click.echo(f"{key.replace('_', ' '):>18}: {value}")


@main.command()
def connectors() -> None:
    """List the installed connectors."""
    for info in sorted(plugins.connectors().values(), key=lambda i: i.name):
        click.echo(f"{info.name:<10} {info.description}  [{info.plugin}]")
    for name, reason in sorted(plugins.broken_plugins().items()):
        click.echo(f"{name:<10} NOT LOADED: {reason}", err=True)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), default="custmgr-demo")
def demo(folder: Path) -> None:
    """Make a sample QuickBooks company and a workbook paired with it, and run the first sync."""
    book = folder / "contacts.xlsx"
    if book.exists():
        raise CustmgrError(f"{book} already exists; run the demo in another folder (custmgr demo OTHER) "
                           "or delete that one.")
    folder.mkdir(parents=True, exist_ok=True)
    connector, company = plugins.demo_company(folder)
    create_workbook(book)
    engine.setup(book, connector=connector, company=company, vendors=True, map_all=True)
    summary, _ = engine.sync(book, progress=_progress())
    for line in summary.lines():
        click.echo(line)
    click.echo(f"""
Workbook: {book}
Company:  {company} ({connector})

Try next:
  custmgr sandbox edit {company} "O'Brien's Bakery" phone="(617) 555-0199"   # someone edits QuickBooks
  (edit {book} in Excel: change a phone, add a row)                                 # you edit the workbook
  custmgr sync {book} --dry-run                                                     # see the plan
  custmgr sync {book}                                                               # sync both ways
  custmgr undo {book}                                                               # undo the last sync
  custmgr status {book}""")


def _register_plugin_commands(group: click.Group) -> None:
    try:
        plugins.register_commands(group)
    except CustmgrError as err:  # a broken plugin must not take the whole command line down
        click.echo(f"Warning: {err}", err=True)


_register_plugin_commands(main)
