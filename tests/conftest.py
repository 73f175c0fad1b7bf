"""Shared test configuration.

Hypothesis runs the same examples on every run by default (profile "repeatable"), so a red CI run is red on every
machine and a green one stays green; ``HYPOTHESIS_PROFILE=explore pytest`` draws new examples each run (and new
random Row IDs) to look for what the fixed ones miss. The deep ``-m slow`` tests always explore. What exploring
finds becomes a plain regression test.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).parent))  # the helper module tests/workbooks.py

from workbooks import repeatable_row_id, reseed_row_ids

settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True)
def _row_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Row IDs are random in use; in a repeatable run they come from a seeded generator instead."""
    if not settings.default.derandomize:
        return
    reseed_row_ids()
    for module in ("custmgr.contact_sheet", "custmgr.plan", "custmgr.transfer"):
        monkeypatch.setattr(f"{module}.new_row_id", repeatable_row_id)


def pytest_configure(config):
    """Only Customer Manager's own plugins load during the tests (see ``custmgr.plugins._admitted``)."""
    sys._called_from_test = True  # type: ignore[attr-defined]


def pytest_unconfigure(config):
    del sys._called_from_test  # type: ignore[attr-defined]
