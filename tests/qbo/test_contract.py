"""The qbo connector passes the connector contract against the stand-in: on an empty company, and on the recorded
Intuit sandbox company."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from custmgr.connector import Connector, RemoteRecord
from custmgr.testing.contract import ConnectorContract
from custmgr_qbo.standin import StandIn
from custmgr_qbo.standin.seed import load_recorded

from .helpers import open_connector, sign_in


class TestEmptyCompany(ConnectorContract):
    unknown_remote_id = "C999999"
    deletes_for_good = False  # QuickBooks Online's "delete" makes a name inactive, used or not

    def use_in_transaction(self, connector: Connector, record: RemoteRecord) -> None:
        """Nothing to do: QuickBooks Online never deletes a name, used in a transaction or not."""

    @pytest.fixture
    def connector(self, standin: StandIn) -> Iterator[Connector]:
        with open_connector(standin) as opened:
            yield opened

    @pytest.fixture
    def other_connector(self) -> Iterator[Connector]:
        with StandIn() as other:
            sign_in(other)
            with open_connector(other) as opened:
                yield opened


class TestRecordedCompany(ConnectorContract):
    unknown_remote_id = "V999999"
    deletes_for_good = False
    use_in_transaction = TestEmptyCompany.use_in_transaction

    @pytest.fixture
    def connector(self, craigs: StandIn) -> Iterator[Connector]:
        with open_connector(craigs) as opened:
            yield opened

    @pytest.fixture
    def other_connector(self, recorded: Path) -> Iterator[Connector]:
        other = StandIn()
        load_recorded(other.company, recorded)  # the same recording, but another company
        with other:
            sign_in(other)
            with open_connector(other) as opened:
                yield opened
