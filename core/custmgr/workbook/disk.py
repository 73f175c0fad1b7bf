"""The workbook file on disk: who else has it open, whether it changed since it was read, and saving it whole.

Every file-based workbook port uses these, so the rules are the same whichever library reads and writes cells:

* ``fingerprint`` / ``check_unchanged``: a save must not silently replace a version another program (Excel,
  LibreOffice, a second sync) saved after this one was read; the edits in it would be lost.
* ``atomic_replace``: a temporary file in the same folder, fsynced, checked and renamed over the original, so a
  crash or a full disk leaves the old file whole. A refused rename keeps this save's version beside the workbook.
* ``SyncLock``: one sync (or undo, setup, import) of a workbook at a time. It is an operating-system lock on a
  small file beside the workbook, so the lock of a process that died is released with it and never blocks.
* ``remove_stale_temporaries``: the temporary file of a save that was killed half way is removed later.
* ``check_file``: that a path names an ``.xlsx``/``.xlsm`` workbook at all, refused with what to do if not.
* ``check_not_busy``: the lock files Excel (``~$NAME``) and LibreOffice (``.~lock.NAME#``) keep while a file is open.
"""

from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import json
import os
import socket
import stat
import tempfile
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from ..errors import WorkbookBusy, WorkbookError

__all__ = ["ChangedOnDisk", "Fingerprint", "SyncLock", "SyncRunning", "atomic_replace", "check_file", "check_not_busy",
           "check_unchanged", "fingerprint", "lock_files", "read_with_fingerprint", "remove_stale_temporaries",
           "temporary_prefix"]

EXTENSIONS = (".xlsx", ".xlsm")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .xls, or an encrypted (password) workbook
ZIP_MAGIC = b"PK\x03\x04"
#: A temporary left this long without a change is not being written by anyone.
STALE_AFTER = 120.0
_BLOCK = 1 << 20


class ChangedOnDisk(WorkbookError):
    """The workbook file was saved by someone else after it was read: saving now would lose their edits."""


class SyncRunning(WorkbookBusy):
    """Another sync (or undo, setup, import) of the same workbook is running."""


@dataclass(frozen=True)
class Fingerprint:
    """What identifies one saved version of a file: its size, modification time, inode and a hash of its bytes."""

    size: int
    mtime_ns: int
    inode: int
    digest: str

    def when(self) -> str:
        """The modification time, for messages."""
        return _dt.datetime.fromtimestamp(self.mtime_ns / 1e9).strftime("%Y-%m-%d %H:%M:%S")


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_with_fingerprint(path: Path) -> tuple[bytes, Fingerprint]:
    """The file's bytes and their fingerprint, from one open file, so the two always describe the same version."""
    with open(os.path.realpath(path), "rb") as f:
        st = os.fstat(f.fileno())
        data = f.read()
    return data, Fingerprint(len(data), st.st_mtime_ns, st.st_ino, _hash(data))


def fingerprint(path: Path) -> Fingerprint:
    """The fingerprint of the file at ``path`` (a symbolic link is followed)."""
    digest = hashlib.blake2b(digest_size=16)
    with open(os.path.realpath(path), "rb") as f:
        st = os.fstat(f.fileno())
        size = 0
        while chunk := f.read(_BLOCK):
            digest.update(chunk)
            size += len(chunk)
    return Fingerprint(size, st.st_mtime_ns, st.st_ino, digest.hexdigest())


def check_unchanged(path: Path, loaded: Fingerprint) -> None:
    """Raise ChangedOnDisk unless ``path`` still holds the bytes it held when ``loaded`` was taken.

    Only the content decides: a program that saved the very same bytes again (a new inode and time) lost nothing.
    """
    path = Path(path)
    try:
        now = fingerprint(path)
    except FileNotFoundError:
        raise ChangedOnDisk(f"{path.name} was moved, renamed or deleted in {path.parent} while Customer Manager "
                            "was working on it; nothing was saved over it. Put it back and run the command "
                            "again.") from None
    except OSError as exc:
        raise ChangedOnDisk(f"{path.name} cannot be read to check that nobody changed it ({exc.strerror or exc})"
                            "; nothing was saved over it.") from exc
    if now.size == loaded.size and now.digest == loaded.digest:
        return
    raise ChangedOnDisk(f"{path.name} was saved by another program (at {now.when()}) after Customer Manager "
                        "read it; saving now would lose the edits made there, so nothing was saved over it. Close "
                        "it in that program and run the command again: it starts from the version saved there.")


def check_file(path: Path) -> None:
    """Refuse, with a message saying what to do, anything that is not an ``.xlsx``/``.xlsm`` workbook."""
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
    if suffix == ".xls" or (magic == OLE_MAGIC and suffix in EXTENSIONS):
        raise WorkbookError(f"{name} is an old-format (.xls) or password-protected workbook, which Customer "
                            "Manager cannot read. Open it in Excel, remove any password, choose File > Save As > "
                            "Excel Workbook (*.xlsx), and use the new file.")
    if suffix not in EXTENSIONS:
        raise WorkbookError(f"{name} is not an Excel workbook: use an .xlsx (or .xlsm) file.")
    if not magic.startswith(ZIP_MAGIC):
        raise WorkbookError(f"{name} is not a valid Excel workbook (it may be a CSV or another file renamed to "
                            ".xlsx, or it is damaged). Open it in Excel and save it as an Excel Workbook (*.xlsx), "
                            "or restore a backup.")


def temporary_prefix(path: Path) -> str:
    """The name every temporary of ``path``'s saves starts with: hidden, never Excel's ``~$`` lock name, and
    different for two workbooks of one folder (``a.xlsx`` and ``a.xlsm``, long names alike in 40 characters)."""
    name = Path(path).name
    return f".~custmgr-{Path(path).stem[:40]}-{hashlib.blake2b(name.encode(), digest_size=3).hexdigest()}."


def _legacy_prefix(path: Path) -> str:
    """How temporaries were named before: shared by workbooks with one stem, so removed only when stale."""
    return f".~custmgr-{Path(path).stem[:40]}."


def atomic_replace(path: Path, write: Callable[[Path], None], loaded: Fingerprint | None) -> Fingerprint:
    """Save ``path`` whole: ``write`` fills a temporary file in the same folder, which is fsynced and renamed over
    ``path``. ``loaded`` is the version this save replaces (None: a new file, which must not exist yet).

    Right before the rename, the file must not be open in Excel or LibreOffice and must still be ``loaded``. If
    it changed, this save's version is kept beside it under a visible name given in the message, and the file is
    left as the other program saved it. On any failure the temporary is removed. Returns the new fingerprint.
    """
    path = Path(path)
    target = Path(os.path.realpath(path))
    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_file_mode()
    fd, tmp_name = tempfile.mkstemp(prefix=temporary_prefix(target), suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        new = fingerprint(tmp)
        check_not_busy(path)  # Excel may have opened it while we were writing
        if loaded is None:
            if os.path.lexists(target):
                raise ChangedOnDisk(f"{path} was created by someone else meanwhile; nothing was saved over it. "
                                    "Choose another name.")
        else:
            try:
                check_unchanged(target, loaded)
            except ChangedOnDisk as err:
                raise ChangedOnDisk(f"{err} {_keep(tmp, target)}") from None
        try:
            os.replace(tmp, target)
        except PermissionError as exc:  # Windows: the file is open in another program
            raise WorkbookBusy(f"{path.name} is open in another program or cannot be replaced. Close it there "
                               "and try again.") from exc
    except BaseException:
        with suppress(OSError):
            tmp.unlink()
        raise
    _fsync_folder(target.parent)
    return new


def _keep(tmp: Path, target: Path) -> str:
    """Move this save's version to a visible name beside ``target``; say where (or that it was not kept)."""
    stamp = _dt.datetime.now().strftime("%Y-%m-%d %H%M%S")
    for n in range(1, 100):
        extra = f" {n}" if n > 1 else ""
        kept = target.with_name(f"{target.stem} (not saved {stamp}{extra}){target.suffix}")
        if os.path.lexists(kept):
            continue
        try:
            os.rename(tmp, kept)
        except OSError:
            break
        return (f"This command's version was kept as {kept.name} in the same folder; the file {target.name} is "
                "as the other program saved it.")
    return f"This command's version could not be kept; {target.name} is as the other program saved it."


def remove_stale_temporaries(path: Path, *, min_age: float = STALE_AFTER) -> list[Path]:
    """Delete temporaries of ``path``'s saves that nobody has written for ``min_age`` seconds (a save killed
    half way leaves one as big as the workbook). Returns those removed."""
    target = Path(os.path.realpath(path))
    prefix, legacy = temporary_prefix(target), _legacy_prefix(target)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not (entry.name.startswith((prefix, legacy)) and entry.name.endswith(".tmp")):
            continue
        age = min_age if entry.name.startswith(prefix) else max(min_age, STALE_AFTER)
        with suppress(OSError):
            if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime >= age:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


# --------------------------------------------------------------------------------------------- one sync at a time


class SyncLock:
    """Held while a command works on a workbook, so a second one on the same file is refused with a message.

    The lock is the operating system's lock on ``.NAME.custmgr-lock`` beside the workbook (``flock`` on POSIX,
    ``msvcrt.locking`` on Windows): it goes away with the process holding it, even one that was killed, so a
    leftover file never blocks. The file holds who took the lock, for the message.
    """

    def __init__(self, path: Path) -> None:
        target = Path(os.path.realpath(path))
        self.path = target.with_name(f".{target.name}.custmgr-lock")
        self.workbook = Path(path)
        self._file: BinaryIO | None = None

    def __enter__(self) -> SyncLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()

    def acquire(self) -> None:
        for _ in range(20):
            try:
                f = open(self.path, "a+b")  # noqa: SIM115 - held open until release()
            except OSError as exc:
                raise WorkbookBusy(f"Cannot create the lock file {self.path.name} beside {self.workbook.name} "
                                   f"({exc.strerror or exc}). Move the workbook to a folder you can write to.") \
                    from exc
            if not _try_lock(f):
                owner = _owner(self.path)
                f.close()
                raise SyncRunning(f"{self.workbook.name} is being synced by another Customer Manager command"
                                  f"{owner}. Wait for it to finish, then try again.")
            if _same_file(f, self.path):
                break
            _unlock(f)  # the file was removed by the holder that just finished: lock the new one
            f.close()
        else:  # pragma: no cover - only under constant churn
            raise SyncRunning(f"{self.workbook.name} is being synced by another command; try again.")
        f.seek(0)
        f.truncate()
        f.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "user": _user(),
                            "since": _dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")}).encode())
        f.flush()
        self._file = f
        remove_stale_temporaries(self.workbook, min_age=0.0)  # nobody else saves this workbook while we hold it

    def release(self) -> None:
        f = self._file
        if f is None:
            return
        self._file = None
        if os.name == "posix":  # remove first, then unlock: a waiting process re-checks the name (see acquire)
            with suppress(OSError):
                os.unlink(self.path)
        _unlock(f)
        f.close()
        if os.name != "posix":
            with suppress(OSError):
                os.unlink(self.path)


def _try_lock(f: BinaryIO) -> bool:
    if os.name == "posix":
        import fcntl

        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True
    import msvcrt

    f.seek(_BLOCK)  # lock a byte past the owner text, which others must read
    try:
        msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unlock(f: BinaryIO) -> None:
    with suppress(OSError):
        if os.name == "posix":
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
        else:
            import msvcrt

            f.seek(_BLOCK)
            msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)


def _same_file(f: BinaryIO, path: Path) -> bool:
    """Whether the locked open file is still the one at ``path`` (POSIX lets a file be removed while open)."""
    if os.name != "posix":
        return True
    try:
        return os.path.samestat(os.fstat(f.fileno()), os.stat(path))
    except OSError:
        return False


def _owner(lock: Path) -> str:
    try:
        info = json.loads(lock.read_bytes()[:2000].decode("utf-8", "replace") or "{}")
    except (OSError, ValueError):
        return ""
    if not isinstance(info, dict):
        return ""
    parts = [f"by {info['user']}" if info.get("user") else "",
             f"on {info['host']}" if info.get("host") else "",
             f"since {info['since']}" if info.get("since") else ""]
    text = " ".join(p for p in parts if p)
    return f" ({text})" if text else ""


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


# --------------------------------------------------------------------------------------------- lock files of others


def lock_files(path: Path) -> list[Path]:
    """The lock files Excel (``~$NAME``) and LibreOffice (``.~lock.NAME#``) keep beside an open ``path``."""
    folder, name = Path(path).parent, Path(path).name
    return [folder / f"~${name}", folder / f".~lock.{name}#"]


def _lock_owner(lock: Path) -> str:
    """Best effort: the user name recorded in a lock file, or ''."""
    try:
        data = lock.read_bytes()[:600]
    except OSError:
        return ""
    if lock.name.startswith(".~lock."):  # LibreOffice: "Full Name,login,host,date,url;"
        fields = data.decode("utf-8", "replace").split(",")
        return next((f.strip() for f in fields[:2] if f.strip()), "")
    if data and 0 < data[0] < 54 and len(data) > data[0]:  # Excel: length byte, then the name
        name = data[1 : 1 + data[0]].decode("latin-1").strip()
        return name if name.isprintable() else ""
    return ""


def check_not_busy(path: Path) -> None:
    """Raise WorkbookBusy if ``path`` is open in Excel/LibreOffice or cannot be written in place."""
    path = Path(path)
    name = path.name
    for folder in {path.parent, Path(os.path.realpath(path)).parent}:
        for lock in lock_files(folder / name):
            if os.path.lexists(lock):
                app = "LibreOffice" if lock.name.startswith(".~lock.") else "Excel"
                owner = _lock_owner(lock)
                by = f" by {owner}" if owner else ""
                raise WorkbookBusy(
                    f"{name} is open in {app}{by}. Close it in {app} and try again. (If it is not open "
                    f"anywhere, delete the leftover lock file {lock.name} in {lock.parent}.)"
                )
    real = Path(os.path.realpath(path))
    if real.exists():
        mode = real.stat().st_mode
        if not mode & 0o222 or not os.access(real, os.W_OK):
            raise WorkbookBusy(
                f"{name} is read-only. Clear its read-only setting (or save a copy under another name) "
                "and try again."
            )
    folder = real.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        raise WorkbookBusy(f"The folder {folder} is read-only, so {name} cannot be saved there. "
                           "Move the workbook to a folder you can write to and try again.")


def _default_file_mode() -> int:
    """The mode a new file gets (0o666 minus the umask): mkstemp's 0o600 would hide it from others."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_folder(folder: Path) -> None:
    """Persist the rename itself (POSIX); not possible, nor needed, on Windows."""
    if os.name != "posix":
        return
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
