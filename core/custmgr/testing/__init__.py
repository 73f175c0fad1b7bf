"""custmgr's pytest plugin, for the test suites of connectors (ours and third parties').

Installed as the ``custmgr`` pytest11 entry point, so it loads in every pytest run where custmgr is installed:
it stays cheap and defines no fixtures of its own. A connector's test module uses the contract kit so::

    from custmgr.testing.contract import ConnectorContract

    class TestMyConnector(ConnectorContract):
        @pytest.fixture
        def connector(self, tmp_path):
            ...  # a fresh, writable company with at least one custom field for customers
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .contract import ConnectorContract

# Plain ``assert`` in the kit then reports values, as in the connector's own tests.
pytest.register_assert_rewrite("custmgr.testing.contract")

__all__ = ["ConnectorContract"]


def __getattr__(name: str) -> Any:
    """``custmgr.testing.ConnectorContract``, imported only when asked for."""
    if name == "ConnectorContract":
        from .contract import ConnectorContract

        return ConnectorContract
    raise AttributeError(name)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "connector_contract: a test from custmgr's connector contract kit")
