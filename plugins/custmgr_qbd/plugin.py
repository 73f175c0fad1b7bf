"""QuickBooks Desktop registers through the ``custmgr`` entry points exactly as a third-party connector would.

Which transport reaches the company: the connector option ``transport`` (``custmgr setup --transport``) when
set; otherwise ``sandbox`` when the company is an existing sandbox company file (an SQLite file, not a .QBW),
and ``com`` (QuickBooks itself, on Windows) for anything else. That rule lets ``custmgr demo`` and any workbook
paired with a sandbox file work without naming the transport.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from custmgr.errors import CustmgrError
from custmgr.hookspecs import hookimpl

if TYPE_CHECKING:
    import click

    from custmgr.hookspecs import RegisterConnector

    from .connector import QbdConnector
    from .transport import Transport

DESCRIPTION = "QuickBooks Desktop (Pro, Premier, Enterprise) through its SDK (qbXML), or a sandbox company"
TRANSPORTS = ("com", "sandbox")
_SQLITE = b"SQLite format 3\x00"


def default_transport(company: str) -> str:
    """``sandbox`` for an existing sandbox company file, else ``com``."""
    path = Path(company) if company else None
    if path is None or path.suffix.lower() == ".qbw" or not path.is_file():
        return "com"
    try:
        with path.open("rb") as file:
            return "sandbox" if file.read(len(_SQLITE)) == _SQLITE else "com"
    except OSError:
        return "com"


def open_transport(company: str, options: dict[str, Any]) -> Transport:
    """The transport the options ask for, traced into ``options["trace_dir"]`` when set."""
    name = str(options.get("transport") or default_transport(company)).strip().lower()
    transport: Transport
    if name == "sandbox":
        from .transport import SandboxTransport

        transport = SandboxTransport(company)
    elif name == "com":
        from .com import ComTransport

        transport = ComTransport(company, mode=str(options.get("mode") or "any"))
    else:
        raise CustmgrError(f"Unknown QuickBooks Desktop transport {name!r}: use com (QuickBooks on this Windows "
                           "computer) or sandbox (a sandbox company file).")
    if options.get("trace_dir"):
        from .transport import Tracing

        transport = Tracing(transport, options["trace_dir"])
    return transport


def open_qbd(company: str, options: dict[str, Any]) -> QbdConnector:
    """Connector factory: ``company`` is a .QBW path (or '' for the company open in QuickBooks) or a sandbox file.

    Options: ``transport`` (com or sandbox), ``mode`` (single, multi or any: how the file must be open in
    QuickBooks), ``page_size`` (listing entries per round trip), ``trace_dir`` (``custmgr sync --trace``) and,
    for tests, ``on_open`` (called with the new connector).
    """
    from .connector import PAGE_SIZE, QbdConnector

    raw = options.get("page_size") or PAGE_SIZE
    try:
        page_size = int(raw)
    except (TypeError, ValueError):
        page_size = 0
    if page_size < 1:
        raise CustmgrError(f"The qbd option page_size must be a whole number of 1 or more, not {raw!r}. Change it on "
                           "the Settings sheet (or custmgr setup BOOK --option page_size=1000).")
    connector = QbdConnector(open_transport(company, options), page_size=page_size)
    on_open = options.get("on_open")
    if on_open is not None:
        on_open(connector)
    return connector


@hookimpl
def custmgr_register_connectors(register: RegisterConnector) -> None:
    register("qbd", open_qbd, DESCRIPTION)


@hookimpl
def custmgr_register_commands(cli: click.Group) -> None:
    from .cli import qbd

    cli.add_command(qbd)


@hookimpl(tryfirst=True)
def custmgr_demo_company(folder: Path) -> tuple[str, str]:
    """The sample company as a sandbox company file, synced through qbXML like QuickBooks Desktop itself."""
    from custmgr.company import create_company

    path = folder / "sample-company.qbsandbox"
    create_company(path, sample=True)
    return "qbd", str(path)
