"""The qbd connector passes the connector contract over the sandbox transport, on an empty company and on the
sample company."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from custmgr.company import create_company
from custmgr.connector import Connector, RemoteRecord
from custmgr.testing.contract import ConnectorContract
from custmgr_qbd.connector import QbdConnector
from custmgr_qbd.transport import SandboxTransport


def use_in_transaction(self: ConnectorContract, connector: Connector, record: RemoteRecord) -> None:
    """An invoice or bill entered in the company file behind the sandbox transport."""
    assert isinstance(connector, QbdConnector) and isinstance(connector.transport, SandboxTransport)
    connector.transport.front.store.add_transaction(record.values["name"])


class TestEmptyCompany(ConnectorContract):
    use_in_transaction = use_in_transaction

    @pytest.fixture
    def connector(self, empty_path: Path, open_connector: Callable[..., Connector]) -> Connector:
        return open_connector(empty_path)

    @pytest.fixture
    def other_connector(self, tmp_path: Path, open_connector: Callable[..., Connector]) -> Connector:
        path = tmp_path / "other.qbsandbox"
        create_company(path, name="Empty Test Co")  # the same name, still another company
        return open_connector(path)


class TestSampleCompany(ConnectorContract):
    use_in_transaction = use_in_transaction

    @pytest.fixture
    def connector(self, sample_path: Path, open_connector: Callable[..., Connector]) -> Connector:
        return open_connector(sample_path)

    @pytest.fixture
    def other_connector(self, tmp_path: Path, open_connector: Callable[..., Connector]) -> Connector:
        path = tmp_path / "copy.qbsandbox"
        create_company(path, sample=True)
        return open_connector(path)

