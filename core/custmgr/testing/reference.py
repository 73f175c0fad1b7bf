"""Where the conformance data lives: one setting for every test suite that reads it.

The recorded QuickBooks responses are kept outside the repository (they are third-party files, see their
SOURCES.md). Tests find them through ``CUSTMGR_REFERENCE_DIR``, or the ``shared/reference`` folder beside the
repository, and skip with a clear reason when neither exists.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "CUSTMGR_REFERENCE_DIR"
_REPO_ROOT = Path(__file__).resolve().parents[3]  # core/custmgr/testing/reference.py -> the repository


def reference_dir() -> Path | None:
    """The reference folder (holding ``quickbooks/``), or None when it is not on this machine."""
    configured = os.environ.get(ENV)
    candidate = Path(configured) if configured else _REPO_ROOT.parent / "shared" / "reference"
    return candidate if candidate.is_dir() else None
