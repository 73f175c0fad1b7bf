"""Fixtures for the sandbox's own tests: fresh company files in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from custmgr.company import SandboxCompany, create_company
from custmgr_sandbox.connector import SandboxConnector


@pytest.fixture
def empty_path(tmp_path: Path) -> Path:
    """An empty company with one custom field for customers and one for both lists."""
    path = tmp_path / "empty.sandbox"
    create_company(path, name="Empty Test Co")
    with SandboxCompany(path) as company:
        company.define_custom_field("Account Manager", ["Customer"])
        company.define_custom_field("Region", ["Customer", "Vendor"])
    return path


@pytest.fixture
def sample_path(tmp_path: Path) -> Path:
    path = tmp_path / "larkspur.sandbox"
    create_company(path, sample=True)
    return path


@pytest.fixture
def company(empty_path: Path) -> Iterator[SandboxCompany]:
    with SandboxCompany(empty_path) as opened:
        yield opened


@pytest.fixture
def connector(empty_path: Path) -> Iterator[SandboxConnector]:
    with SandboxConnector(empty_path) as opened:
        yield opened
