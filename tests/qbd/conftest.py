"""Fixtures for the QuickBooks Desktop connector's tests: sandbox company files, the qbXML front, the reference data.

Conformance tests read Intuit's schema and recorded qbXML through ``custmgr.testing.reference.reference_dir()``
(``CUSTMGR_REFERENCE_DIR``, or ``shared/reference`` beside the repository) and are skipped when it is absent.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from custmgr.company import SandboxCompany, create_company
from custmgr.testing.reference import reference_dir
from custmgr_qbd.connector import QbdConnector
from custmgr_qbd.front import QbxmlFront
from custmgr_qbd.plugin import open_qbd


@pytest.fixture(scope="session")
def company_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Company files made once per run; each test gets its own copy (a fresh company, made in a blink)."""
    folder = tmp_path_factory.mktemp("companies")
    empty, sample = folder / "empty.qbsandbox", folder / "larkspur.qbsandbox"
    create_company(empty, name="Empty Test Co")
    with SandboxCompany(empty) as company:
        company.define_custom_field("Account Manager", ["Customer"])
        company.define_custom_field("Region", ["Customer", "Vendor"])
    create_company(sample, sample=True)
    return {"empty": empty, "sample": sample}


@pytest.fixture
def empty_path(tmp_path: Path, company_templates: dict[str, Path]) -> Path:
    """An empty company with one custom field for customers and one for both lists."""
    return Path(shutil.copy(company_templates["empty"], tmp_path / "empty.qbsandbox"))


@pytest.fixture
def sample_path(tmp_path: Path, company_templates: dict[str, Path]) -> Path:
    """The sample company (Larkspur Landscaping & Design)."""
    return Path(shutil.copy(company_templates["sample"], tmp_path / "larkspur.qbsandbox"))


@pytest.fixture
def open_connector() -> Iterator[Callable[..., QbdConnector]]:
    """``open_connector(path, **options)``: a qbd connector over the sandbox transport, closed afterwards."""
    opened: list[QbdConnector] = []

    def make(path: Path, **options: Any) -> QbdConnector:
        connector = open_qbd(str(path), {"transport": "sandbox", **options})
        opened.append(connector)
        return connector

    yield make
    for connector in opened:
        connector.close()


@pytest.fixture
def front(empty_path: Path) -> Iterator[QbxmlFront]:
    with SandboxCompany(empty_path) as store:
        yield QbxmlFront(store)


def front_of(connector: QbdConnector) -> QbxmlFront:
    """The sandbox front behind a connector (through a trace, if any)."""
    transport: Any = connector.transport
    transport = getattr(transport, "inner", transport)
    return transport.front


@pytest.fixture(scope="session")
def quickbooks_reference() -> Path:
    found = reference_dir()
    if found is None or not (found / "quickbooks").is_dir():
        pytest.skip("conformance data not found: set CUSTMGR_REFERENCE_DIR to the folder holding quickbooks/ "
                    "(see shared/reference/quickbooks/SOURCES.md)")
    return found / "quickbooks"


@pytest.fixture(scope="session")
def qbxml_schema(quickbooks_reference: Path) -> Any:
    """Intuit's qbXML 13 schema (entry point qbxmlops130.xsd), loaded once."""
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(quickbooks_reference / "qbxml_schema" / "qbxmlops130.xsd"))
