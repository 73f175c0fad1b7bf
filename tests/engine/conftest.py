"""Fixtures shared by the engine's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbooks import paired


@pytest.fixture
def synced(tmp_path: Path) -> tuple[Path, Path]:
    """A workbook paired with the sample company after its first sync: (workbook, company). A module wanting
    other Settings defines its own."""
    return paired(tmp_path)
