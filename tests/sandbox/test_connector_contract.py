"""The sandbox passes the connector contract, on an empty company, on the sample company and in memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from custmgr.company import create_company, memory_company
from custmgr.connector import Connector, RemoteRecord
from custmgr.testing.contract import ConnectorContract
from custmgr_sandbox.connector import SandboxConnector


class TestEmptySandbox(ConnectorContract):
    def use_in_transaction(self, connector: Connector, record: RemoteRecord) -> None:
        assert isinstance(connector, SandboxConnector)
        connector.store.add_transaction(record.values["name"])

    @pytest.fixture
    def connector(self, empty_path: Path) -> Iterator[Connector]:
        with SandboxConnector(empty_path) as opened:
            yield opened

    @pytest.fixture
    def other_connector(self, tmp_path: Path) -> Iterator[Connector]:
        path = tmp_path / "other.sandbox"
        create_company(path, name="Empty Test Co")  # same name, still another company
        with SandboxConnector(path) as opened:
            yield opened


class TestSampleSandbox(ConnectorContract):
    use_in_transaction = TestEmptySandbox.use_in_transaction

    @pytest.fixture
    def connector(self, sample_path: Path) -> Iterator[Connector]:
        with SandboxConnector(sample_path) as opened:
            yield opened

    @pytest.fixture
    def other_connector(self, tmp_path: Path) -> Iterator[Connector]:
        path = tmp_path / "copy.sandbox"
        create_company(path, sample=True)  # the same sample data, but another company
        with SandboxConnector(path) as opened:
            yield opened


class TestMemorySandbox(ConnectorContract):
    """The same store kept in memory (``custmgr.company.memory_company``) keeps the same rules."""

    use_in_transaction = TestEmptySandbox.use_in_transaction

    @pytest.fixture
    def connector(self) -> Iterator[Connector]:
        with memory_company(name="Empty Test Co") as company:
            company.define_custom_field("Account Manager", ["Customer"])
            company.define_custom_field("Region", ["Customer", "Vendor"])
            with SandboxConnector(str(company.path)) as opened:
                yield opened

    @pytest.fixture
    def other_connector(self) -> Iterator[Connector]:
        with memory_company(name="Empty Test Co") as company, SandboxConnector(str(company.path)) as opened:
            yield opened
