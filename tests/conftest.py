"""Shared test configuration."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the helper module tests/workbooks.py


def pytest_configure(config):
    """Only Customer Manager's own plugins load during the tests (see ``custmgr.plugins._admitted``)."""
    sys._called_from_test = True  # type: ignore[attr-defined]


def pytest_unconfigure(config):
    del sys._called_from_test  # type: ignore[attr-defined]
