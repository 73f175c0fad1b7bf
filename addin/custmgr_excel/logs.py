"""The add-in's log file: what each click did, and the full details of any error.

A traceback is for a bug report, never for the bookkeeper's screen, so it goes here. So do Python's
warnings: on a Mac, xlwings shows anything Python writes to stderr as an error box. Nothing secret is
written: settings and contacts are not logged (beyond what an error message quotes), and text that looks
like a credential (``token=...``, ``Bearer ...``) is masked anyway.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path

LOG_NAME = "custmgr-excel.log"
LOGGER = "custmgr_excel"
_SECRET = re.compile(r"(?i)(\b(?:access_token|refresh_token|client_secret|password|passwd|secret|api_key|token)"
                     r"\b\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|[^\s,;&\"']+)|(\bBearer\s+)[A-Za-z0-9._~+/=-]+")


def log_dir(platform: str | None = None, env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """Where the log lives: the usual place for an application's logs on each system."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    if env.get("CUSTMGR_LOG_DIR"):
        return Path(env["CUSTMGR_LOG_DIR"])
    home = home or Path.home()
    if platform == "win32":
        return Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local") / "custmgr" / "Logs"
    if platform == "darwin":
        return home / "Library" / "Logs" / "custmgr"
    return Path(env.get("XDG_STATE_HOME") or home / ".local" / "state") / "custmgr"


def mask_secrets(text: str) -> str:
    """``token=abc`` -> ``token=***``; ``Bearer abc`` -> ``Bearer ***``."""
    return _SECRET.sub(lambda m: f"{m[1]}***" if m[1] else f"{m[3]}***", text)


class _MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_secrets(super().format(record))


@contextmanager
def log_to_file() -> Iterator[tuple[logging.Logger, Path]]:
    """The add-in's logger writing to the log file for the length of one click (in the temporary folder if
    the usual one is not writable), with Python's warnings sent there too."""
    logger = logging.getLogger(LOGGER)
    handler: logging.Handler = logging.NullHandler()
    path = Path(tempfile.gettempdir()) / "custmgr" / LOG_NAME
    for folder in (log_dir(), path.parent):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(folder / LOG_NAME, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
            path = folder / LOG_NAME
            break
        except OSError:
            continue  # nowhere to write is no reason to fail a sync
    handler.setFormatter(_MaskingFormatter("%(asctime)s %(levelname)s %(message)s"))
    warnings_logger = logging.getLogger("py.warnings")
    saved = logger.level, logger.propagate, warnings_logger.propagate
    for target in (logger, warnings_logger):
        target.addHandler(handler)
        target.propagate = False
    logger.setLevel(logging.INFO)
    logging.captureWarnings(True)
    try:
        yield logger, path
    finally:
        logging.captureWarnings(False)
        for target in (logger, warnings_logger):
            target.removeHandler(handler)
        logger.level, logger.propagate, warnings_logger.propagate = saved
        handler.close()
