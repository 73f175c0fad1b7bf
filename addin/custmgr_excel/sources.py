"""The add-in's sources: the ribbon (``customUI.xml``) and the VBA modules (``vba/*.bas``), as text; and its
guide (``excel-addin.md``), which Help and error messages point at.

They live in ``addin/`` (the guide in ``docs/``) of a source checkout and in ``custmgr_excel/addin/`` of an
installed wheel.
"""

from __future__ import annotations

from pathlib import Path

from custmgr.errors import CustmgrError

RIBBON = "customUI.xml"
VBA_FOLDER = "vba"
GUIDE = "excel-addin.md"


def sources_dir() -> Path:
    """The folder holding ``customUI.xml`` and ``vba/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "addin", here.parent):
        if (candidate / RIBBON).is_file() and (candidate / VBA_FOLDER).is_dir():
            return candidate
    raise CustmgrError("The add-in's ribbon and VBA sources are missing from this installation; reinstall "
                       "custmgr (pip install --force-reinstall \"custmgr[addin]\").")


def ribbon_xml() -> bytes:
    return (sources_dir() / RIBBON).read_bytes()


def vba_modules() -> dict[str, str]:
    """Module name -> source, lines ending in CRLF as the VBA editor keeps them."""
    modules = {}
    for path in sorted((sources_dir() / VBA_FOLDER).glob("*.bas")):
        text = path.read_text(encoding="utf-8")
        modules[path.stem] = "\r\n".join(text.replace("\r\n", "\n").split("\n"))
    return modules


def guide_path() -> Path:
    """The add-in guide on this computer (installed with the wheel, or in the checkout's docs folder)."""
    here = sources_dir()
    for candidate in (here / GUIDE, here.parent / "docs" / GUIDE):
        if candidate.is_file():
            return candidate
    return here / GUIDE
