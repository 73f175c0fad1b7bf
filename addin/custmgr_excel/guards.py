"""Two guards around a click: one command at a time per workbook, and no wait on QuickBooks without end.

* Excel for Mac runs RunPython without waiting for it, so a second click (or a click on another button)
  while a sync runs would start a second sync on the same workbook. A lock file per workbook, holding the
  process id, refuses the second; a lock left by a process that is gone is taken over.
* Excel for Windows waits while Python runs: if QuickBooks hangs, Excel hangs with it. A watchdog stops the
  click when QuickBooks has given no sign of progress for ``timeout`` seconds, before anything is written
  to the workbook: it says why on stderr (which xlwings shows in a message box) and ends this Python
  process, which is the only way out of a call that never returns.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from custmgr.errors import CustmgrError

#: Seconds without any sign of progress from QuickBooks before the click is stopped.
DEFAULT_TIMEOUT = 300.0
TIMEOUT_VARIABLE = "CUSTMGR_QUICKBOOKS_TIMEOUT"


def lock_path(workbook: str) -> Path:
    digest = hashlib.sha256(workbook.casefold().encode("utf-8")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "custmgr" / f"click-{digest}.lock"


@contextmanager
def one_at_a_time(workbook: str, label: str) -> Iterator[None]:
    """Hold the workbook's lock for the length of a click; refuse if another click holds it."""
    path = lock_path(workbook)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            if _holder_alive(path):
                raise CustmgrError(f"Customer Manager is still working on {label} (a button was clicked while "
                                   "it was busy). Wait for its message, then click again.") from None
            path.unlink(missing_ok=True)  # left by a Python that is gone
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        break
    else:
        raise CustmgrError(f"Customer Manager could not start on {label}: another click is starting. Click "
                           "again in a moment.")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _holder_alive(path: Path) -> bool:
    try:
        pid = int(path.read_text().strip() or "0")
    except (OSError, ValueError):
        return False
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    return _process_exists(pid)


def _process_exists(pid: int) -> bool:
    if sys.platform == "win32":
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x1000, False, pid)  # type: ignore[attr-defined]
        if not handle:
            return False
        ctypes.windll.kernel32.CloseHandle(handle)  # type: ignore[attr-defined]
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def timeout_seconds(env: dict[str, str] | None = None) -> float:
    """The QuickBooks timeout: ``CUSTMGR_QUICKBOOKS_TIMEOUT`` seconds if set, else five minutes."""
    text = (env if env is not None else os.environ).get(TIMEOUT_VARIABLE, "")
    try:
        value = float(text)
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if value > 0 else DEFAULT_TIMEOUT


def _exit(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
    os._exit(1)


class Watchdog:
    """Stops the click when ``beat`` has not been called for ``timeout`` seconds, until ``stop``."""

    def __init__(self, timeout: float, message: Callable[[float], str],
                 expire: Callable[[str], None] | None = None) -> None:
        self.timeout = timeout
        self._message = message
        self._expire = expire or _exit
        self._last = time.monotonic()
        self._stopped = threading.Event()
        self._paused = False
        self._thread = threading.Thread(target=self._watch, name="custmgr-quickbooks-timeout", daemon=True)
        self.expired = False

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def beat(self) -> None:
        self._last = time.monotonic()

    def pause(self) -> None:
        """Excel is being written: that is not QuickBooks' time (``resume`` starts the clock afresh)."""
        self._paused = True

    def resume(self) -> None:
        self.beat()
        self._paused = False

    def stop(self) -> None:
        self._stopped.set()

    def _watch(self) -> None:
        while not self._stopped.wait(min(1.0, self.timeout / 4)):
            if not self._paused and time.monotonic() - self._last >= self.timeout:
                self.expired = True
                self._stopped.set()
                self._expire(self._message(self.timeout))
                return
