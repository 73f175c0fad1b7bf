"""Fixtures for the QuickBooks Online connector's tests: an in-memory keyring, a cache folder per test, and
stand-in servers on 127.0.0.1 (empty, or the recorded Intuit sandbox company)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from custmgr.testing.reference import reference_dir
from custmgr_qbo.standin import StandIn
from custmgr_qbo.standin.seed import load_recorded, recorded_folder

from .helpers import MemoryKeyring, sign_in


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No endpoint override from the developer's shell; the lists' copies go to this test's folder."""
    for name in ("CUSTMGR_QBO_ENVIRONMENT", "CUSTMGR_QBO_BASE_URL", "CUSTMGR_QBO_DISCOVERY_URL",
                 "CUSTMGR_QBO_TOKEN_URL", "CUSTMGR_QBO_AUTH_URL", "CUSTMGR_QBO_CLIENT_ID",
                 "CUSTMGR_QBO_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CUSTMGR_QBO_CACHE_DIR", str(tmp_path / "qbo-cache"))


@pytest.fixture
def recorded() -> Path:
    """The recorded QuickBooks Online JSON (qbo_json/)."""
    folder = recorded_folder(reference_dir())
    if folder is None:
        pytest.skip("the QuickBooks conformance data is not on this computer: set CUSTMGR_REFERENCE_DIR to the "
                    "shared/reference folder")
    return folder


@pytest.fixture
def recorded_xml() -> Path:
    base = reference_dir()
    folder = base / "quickbooks" / "qbo_xml" if base else None
    if folder is None or not folder.is_dir():
        pytest.skip("the QuickBooks conformance data is not on this computer: set CUSTMGR_REFERENCE_DIR to the "
                    "shared/reference folder")
    return folder


@pytest.fixture
def standin() -> Iterator[StandIn]:
    """An empty company, signed in."""
    with StandIn() as server:
        sign_in(server)
        yield server


@pytest.fixture
def craigs(recorded: Path) -> Iterator[StandIn]:
    """The recorded Intuit sandbox company, signed in."""
    server = StandIn()
    load_recorded(server.company, recorded)
    with server:
        sign_in(server)
        yield server
