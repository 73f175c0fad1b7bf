"""Saving a file safely: the checks before writing and the atomic replace.

``atomic_replace`` has the shape of the shared file-safety helpers (``custmgr.workbook.disk``): a temporary
file in the same folder, fsync, a check that nobody changed the file since it was loaded, then rename; the
temporary file is removed on any failure, so the old file is either replaced whole or left untouched.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from ..errors import WorkbookBusy, WorkbookError
from .xlsx import _EXTENSIONS, _OLE_MAGIC, _ZIP_MAGIC, _default_file_mode, _fsync_folder


@dataclass(frozen=True)
class Fingerprint:
    """Enough to tell that a file was replaced or rewritten since it was read."""

    size: int
    mtime_ns: int
    inode: int
    hash: str


def fingerprint(path: Path) -> Fingerprint:
    st = os.stat(path)
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return Fingerprint(st.st_size, st.st_mtime_ns, st.st_ino, digest.hexdigest())


def check_unchanged(path: Path, loaded: Fingerprint) -> None:
    st = os.stat(path)
    if (st.st_size, st.st_mtime_ns, st.st_ino) == (loaded.size, loaded.mtime_ns, loaded.inode):
        return
    if fingerprint(path).hash != loaded.hash:
        raise WorkbookBusy(f"{path.name} was changed by another program while Customer Manager was working on it; "
                           "nothing was saved. Close it there and run the command again.")


def check_file(path: Path) -> None:
    """Refuse, with a message saying what to do, anything that is not an .xlsx/.xlsm workbook."""
    name = path.name
    if path.is_dir():
        raise WorkbookError(f"{path} is a folder, not an Excel workbook. Give the path of the .xlsx.")
    if not path.exists():
        raise WorkbookError(f"Cannot find {path}. Check the file name and folder and try again.")
    try:
        with path.open("rb") as f:
            magic = f.read(8)
    except OSError as exc:
        raise WorkbookError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    suffix = path.suffix.lower()
    if suffix == ".xls" or (magic == _OLE_MAGIC and suffix in _EXTENSIONS):
        raise WorkbookError(f"{name} is an old-format (.xls) or password-protected workbook, which Customer "
                            "Manager cannot read. Open it in Excel, remove any password, choose File > Save As > "
                            "Excel Workbook (*.xlsx), and use the new file.")
    if suffix not in _EXTENSIONS:
        raise WorkbookError(f"{name} is not an Excel workbook: use an .xlsx (or .xlsm) file.")
    if not magic.startswith(_ZIP_MAGIC):
        raise WorkbookError(f"{name} is not a valid Excel workbook (it may be a CSV or another file renamed to "
                            ".xlsx, or it is damaged). Open it in Excel and save it as an Excel Workbook (*.xlsx), "
                            "or restore a backup.")


def atomic_replace(path: Path, write: Callable[[Path], None], loaded: Fingerprint | None) -> None:
    """Call ``write`` on a temporary file beside ``path`` and move it over ``path``; on any failure the old file
    is untouched and the temporary file is gone."""
    target = Path(os.path.realpath(path))
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_file_mode()
    fd, tmp_name = tempfile.mkstemp(prefix=f".~custmgr-{target.stem[:40]}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        if loaded is not None and target.exists():
            check_unchanged(target, loaded)
        try:
            os.replace(tmp, target)
        except PermissionError as exc:  # Windows: the file is open in another program
            raise WorkbookBusy(f"{path.name} is open in another program or cannot be replaced. Close it there "
                               "and try again.") from exc
    except BaseException as exc:
        with suppress(OSError):
            tmp.unlink()
        if isinstance(exc, (WorkbookError, KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        if isinstance(exc, OSError):
            raise WorkbookError(f"{path.name} could not be saved ({exc.strerror or exc}); the file on disk is "
                                "unchanged.") from exc
        if isinstance(exc, Exception):
            raise WorkbookError(f"{path.name} could not be saved ({type(exc).__name__}: {exc}); the file on disk "
                                "is unchanged.") from exc
        raise
    _fsync_folder(target.parent)
