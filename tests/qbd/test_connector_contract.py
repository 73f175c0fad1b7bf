"""The qbd connector passes the connector contract over the sandbox transport, on an empty company and on the
sample company."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from custmgr.connector import Connector
from custmgr.testing.contract import ConnectorContract
from custmgr_sandbox.store import create_company


class TestEmptyCompany(ConnectorContract):
    @pytest.fixture
    def connector(self, empty_path: Path, open_connector: Callable[..., Connector]) -> Connector:
        return open_connector(empty_path)

    @pytest.fixture
    def other_connector(self, tmp_path: Path, open_connector: Callable[..., Connector]) -> Connector:
        path = tmp_path / "other.qbsandbox"
        create_company(path, name="Empty Test Co")  # the same name, still another company
        return open_connector(path)


class TestSampleCompany(ConnectorContract):
    @pytest.fixture
    def connector(self, sample_path: Path, open_connector: Callable[..., Connector]) -> Connector:
        return open_connector(sample_path)

    @pytest.fixture
    def other_connector(self, tmp_path: Path, open_connector: Callable[..., Connector]) -> Connector:
        path = tmp_path / "copy.qbsandbox"
        create_company(path, sample=True)
        return open_connector(path)

