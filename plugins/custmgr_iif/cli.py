"""``custmgr import`` and ``custmgr export``: move contacts between a workbook and QuickBooks' IIF list files."""

from __future__ import annotations

from pathlib import Path

import click

from .export_list import export_list
from .import_list import import_list

BookPath = click.Path(path_type=Path, dir_okay=False)
IifPath = click.Path(path_type=Path, dir_okay=False)


@click.command("import")
@click.argument("book", type=BookPath)
@click.argument("file", type=IifPath)
@click.option("--dry-run", is_flag=True, help="Show what the import would do; change nothing.")
def import_command(book: Path, file: Path, dry_run: bool) -> None:
    """Bring the customers and vendors of the QuickBooks IIF list FILE into BOOK.

    Contacts are matched with Contacts rows by name, ignoring case; matched rows take the file's values, the
    others are added. A workbook never set up is set up for IIF lists. `custmgr undo BOOK` takes it back.
    """
    for line in import_list(book, file, dry_run=dry_run).lines():
        click.echo(line)


@click.command("export")
@click.argument("book", type=BookPath)
@click.argument("file", type=IifPath)
@click.option("--only-new", is_flag=True,
              help="Only contacts QuickBooks does not have yet (never synced or imported from it).")
def export_command(book: Path, file: Path, only_new: bool) -> None:
    """Write the contacts of BOOK to FILE, an IIF list QuickBooks Desktop imports (File > Utilities > Import).

    Every row is checked against QuickBooks' limits first; if any is wrong, nothing is written.
    """
    for line in export_list(book, file, only_new=only_new).lines():
        click.echo(line)
