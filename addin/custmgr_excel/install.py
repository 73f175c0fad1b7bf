"""``custmgr addin install`` / ``uninstall``: put ``custmgr.xlam`` where Excel opens it at start, and tell
its VBA which Python to run.

* Excel opens every file in its startup folder when it starts (``XLSTART`` on Windows,
  ``Startup.localized/Excel`` in Office's group container on a Mac). Files there are trusted, so the add-in
  needs neither the Add-ins dialog nor a macro prompt.
* xlwings' VBA looks for its settings in ``<PROJECT_NAME>.conf`` (``custmgr.conf``, see build.py): in the
  user's profile on Windows, in Excel's sandbox folder on a Mac. Install writes the interpreter there
  (``INTERPRETER_WIN``/``INTERPRETER_MAC``: this Python, where custmgr is installed) and keeps the workbook's
  folder off ``sys.path``, so a stray ``custmgr.py`` beside a workbook cannot shadow the real package.
* A conda Python on Windows fails to load its DLLs (ssl) unless its environment is activated, so for one,
  install also writes ``CONDA PATH`` and ``CONDA ENV``, which make xlwings' VBA activate it first.
* On a Mac, RunPython goes through an AppleScript that must sit in Excel's script folder, and the startup
  folder is asked of Excel when it is running (it differs between Office versions and languages); when it
  is not, the usual places are looked for.
"""

from __future__ import annotations

import codecs
import csv
import importlib.metadata
import io
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from custmgr.errors import CustmgrError

from .build import ADDIN_FILE, CONFIG_NAME, build, xlwings_folder

OFFICE_CONTAINER = Path("Library", "Group Containers", "UBF8T346G9.Office")
CONDA_KEYS = ("CONDA PATH", "CONDA ENV")
MAC_STARTUP = (Path("User Content.localized", "Startup.localized", "Excel"), Path("User Content", "Startup", "Excel"))


class ExcelUnavailable(CustmgrError):
    """This system has no Excel the add-in can run in."""


@dataclass(frozen=True)
class Places:
    """Where the add-in and its settings go on one system."""

    system: str  # "Windows" or "macOS"
    startup: Path
    config: Path
    scripts: Path | None = None  # macOS: where RunPython's AppleScript must be

    @property
    def interpreter_key(self) -> str:
        return "INTERPRETER_WIN" if self.system == "Windows" else "INTERPRETER_MAC"

    @property
    def config_encoding(self) -> str:
        """VBA reads the file in the system's ANSI code page on Windows (cp1252 where Python has no mbcs)."""
        if self.system == "macOS":
            return "utf-8"
        try:
            return codecs.lookup("mbcs").name
        except LookupError:
            return "cp1252"


def current_platform() -> str:
    return sys.platform


Run = Callable[..., "subprocess.CompletedProcess[str]"]
_ASK_STARTUP = ('if application "Microsoft Excel" is running then\n'
                '  tell application "Microsoft Excel" to return POSIX path of (startup path as text)\n'
                'end if\nreturn ""')


def excel_startup_folder(run: Run = subprocess.run) -> Path | None:
    """Excel for Mac's startup folder, asked of Excel itself if it is running; None if it cannot be asked."""
    try:
        done = run(["osascript", "-e", _ASK_STARTUP], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    answer = done.stdout.strip() if done.returncode == 0 else ""
    return Path(answer) if answer.startswith("/") else None


def conda_settings(prefix: Path = Path(sys.prefix)) -> dict[str, str]:
    """``CONDA PATH`` and ``CONDA ENV`` for a conda environment's Python (nothing for any other Python)."""
    if not (prefix / "conda-meta").is_dir():
        return {}
    if prefix.parent.name == "envs":
        return {"CONDA PATH": str(prefix.parent.parent), "CONDA ENV": prefix.name}
    return {"CONDA PATH": str(prefix), "CONDA ENV": "base"}


def places(platform: str | None = None, env: Mapping[str, str] | None = None, home: Path | None = None,
           startup: Path | None = None, ask: Callable[[], Path | None] = excel_startup_folder) -> Places:
    """The places on this system (``startup`` overrides Excel's startup folder; on a Mac ``ask`` asks Excel)."""
    platform = platform or current_platform()
    env = os.environ if env is None else env
    home = home or Path.home()
    if platform == "win32":
        appdata = Path(env.get("APPDATA") or home / "AppData" / "Roaming")
        profile = Path(env.get("USERPROFILE") or home)
        return Places("Windows", startup or appdata / "Microsoft" / "Excel" / "XLSTART",
                      profile / f".{CONFIG_NAME}" / f"{CONFIG_NAME}.conf")
    if platform == "darwin":
        office = home / OFFICE_CONTAINER
        found = startup or ask() or next((office / p for p in MAC_STARTUP if (office / p).is_dir()),
                                         office / MAC_STARTUP[0])
        return Places("macOS", found,
                      home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / f"{CONFIG_NAME}.conf",
                      home / "Library" / "Application Scripts" / "com.microsoft.Excel")
    system = "Linux" if platform.startswith("linux") else platform
    raise ExcelUnavailable(f"Excel is not available on {system}: the add-in runs in Excel for Windows and Excel "
                           "for Mac. Here, use the command line on a closed workbook, for example: "
                           "custmgr sync contacts.xlsx")


def install(where: Places, python: str = sys.executable) -> list[str]:
    """Build the add-in into the startup folder and point it at ``python``; returns what was done."""
    settings = read_config(where)
    settings.update({where.interpreter_key: python, "ADD_WORKBOOK_TO_PYTHONPATH": "False"})
    for key in CONDA_KEYS:
        settings.pop(key, None)
    if where.system == "Windows":
        settings.update(conda_settings(Path(python).parent))  # a conda python.exe sits in its environment
    config = config_bytes(where, settings)  # refused before anything is installed
    try:
        addin = build(where.startup)
    except PermissionError as exc:
        raise CustmgrError(f"{where.startup / ADDIN_FILE} is in use or cannot be written ({exc.strerror}). Quit "
                           "Excel and run custmgr addin install again.") from exc
    _write(where.config, config)
    done = [f"Installed {addin}", f"Python for the add-in: {python} (in {where.config})"]
    if where.scripts is not None:
        script = _applescript()
        where.scripts.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(script, where.scripts / script.name)
        done.append(f"RunPython script: {where.scripts / script.name}")
    done.append("Quit Excel completely and start it again: the Customer Manager tab appears on the ribbon.")
    return done


def uninstall(where: Places) -> list[str]:
    """Remove the add-in and its settings (the file goes when nothing else is in it); returns what was done."""
    addin = where.startup / ADDIN_FILE
    done = []
    try:
        addin.unlink()
        done.append(f"Removed {addin}")
    except FileNotFoundError:
        done.append(f"The add-in was not installed in {where.startup}.")
    except PermissionError as exc:
        raise CustmgrError(f"{addin} is in use ({exc.strerror}). Quit Excel and run custmgr addin uninstall "
                           "again.") from exc
    settings = read_config(where)
    ours = {where.interpreter_key, "ADD_WORKBOOK_TO_PYTHONPATH", *CONDA_KEYS}
    if settings.keys() & ours:
        write_config(where, {k: v for k, v in settings.items() if k not in ours})
        done.append(f"Removed the add-in's settings from {where.config}")
    if where.scripts is not None:
        done.append(f"Kept {where.scripts}: other xlwings add-ins may use its RunPython script.")
    done.append("Quit Excel and start it again: the Customer Manager tab is gone.")
    return done


def read_config(where: Places) -> dict[str, str]:
    """xlwings settings as VBA's ``Write #`` stores them: one ``"KEY","value"`` line each."""
    try:
        text = where.config.read_text(encoding=where.config_encoding)
    except FileNotFoundError:
        return {}
    return {row[0].upper(): row[1] for row in csv.reader(io.StringIO(text)) if len(row) >= 2 and row[0]}


def write_config(where: Places, settings: Mapping[str, str]) -> None:
    """Write the settings (deleting the file, and its folder if empty, when there are none)."""
    if settings:
        _write(where.config, config_bytes(where, settings))
        return
    where.config.unlink(missing_ok=True)
    if where.config.parent.name == f".{CONFIG_NAME}" and not any(where.config.parent.iterdir()):
        where.config.parent.rmdir()


def config_bytes(where: Places, settings: Mapping[str, str]) -> bytes:
    """The settings file as VBA reads it, or a plain refusal of what it could not read."""
    if any('"' in s for s in (*settings.keys(), *settings.values())):
        raise CustmgrError('A setting for the add-in cannot contain a double quote (").')
    newline = "\r\n" if where.system == "Windows" else "\n"
    text = "".join(f'"{key}","{value}"{newline}' for key, value in settings.items())
    try:
        return text.encode(where.config_encoding)
    except UnicodeEncodeError as exc:
        raise CustmgrError(f"Excel cannot read the path {exc.object[max(exc.start - 20, 0):exc.end + 20]!r} "
                           f"in {where.config.name}. Install Python and custmgr in a folder whose name has only "
                           "plain letters.") from exc


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_bytes(data)
    os.replace(temp, path)


def _applescript() -> Path:
    """The script the add-in's VBA calls: named after the xlwings version its template came from."""
    script = xlwings_folder() / f"xlwings-{importlib.metadata.version('xlwings')}.applescript"
    if not script.is_file():
        raise CustmgrError(f"xlwings has no RunPython AppleScript ({script}); reinstall it: "
                           "pip install --force-reinstall xlwings")
    return script
