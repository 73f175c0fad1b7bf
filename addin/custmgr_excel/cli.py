"""``custmgr addin build | install | uninstall``.

Imported whenever the ``custmgr`` command starts, so it imports nothing heavy: the work is in build.py and
install.py, loaded when a command runs.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.group("addin")
def addin() -> None:
    """Build, install or remove the Excel add-in (custmgr.xlam: the Customer Manager ribbon tab)."""


@addin.command("build")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), default=Path("."), show_default=True,
              help="Folder to write custmgr.xlam into.")
def build_command(out: Path) -> None:
    """Build custmgr.xlam from the installed xlwings' add-in template (any system; Excel not needed)."""
    import importlib.metadata

    from .build import build

    path = build(out)
    click.echo(f"Built {path} (xlwings {importlib.metadata.version('xlwings')} add-in template).")


@addin.command("install")
@click.option("--folder", type=click.Path(path_type=Path, file_okay=False),
              help="Excel's startup folder, if Excel uses another than the usual one.")
def install_command(folder: Path | None) -> None:
    """Install the add-in in Excel's startup folder and point it at this Python (Windows and macOS)."""
    from .install import install, places

    for line in install(places(startup=folder)):
        click.echo(line)


@addin.command("uninstall")
@click.option("--folder", type=click.Path(path_type=Path, file_okay=False),
              help="Excel's startup folder, if the add-in was installed in another than the usual one.")
def uninstall_command(folder: Path | None) -> None:
    """Remove the add-in and its settings (Windows and macOS)."""
    from .install import places, uninstall

    for line in uninstall(places(startup=folder)):
        click.echo(line)


@addin.command("guide")
def guide_command() -> None:
    """Show where the add-in guide is (install, buttons, troubleshooting, what is verified)."""
    from .sources import guide_path

    click.echo(str(guide_path()))
