"""``custmgr addin build``: make ``custmgr.xlam`` on any OS, without Office.

It starts from the add-in template shipped in the installed xlwings package, because the template's VBA
(``RunPython`` and friends) must match the xlwings Python package it talks to. Only these change:

* the template's ribbon module ``RibbonMyAddin`` becomes ``CustomerManager``, with our source from
  ``addin/vba`` (pyOpenVBA rewrites VBA modules in place and drops the stale compiled code);
* ``PROJECT_NAME`` in its xlwings module becomes ``custmgr``, so xlwings reads its settings (which Python
  to run) from ``custmgr.conf`` files, the ones ``custmgr addin install`` writes;
* the package parts: our ribbon (the Office 2010 part ``customUI/customUI14.xml``), the add-in's title, the
  VBA project's name (``PROJECT``: not the name of any module, a state the VBA editor itself refuses with
  error 32813) and the name of the template's (unused) settings sheet.

The file is written readable by everyone the folder lets read it (as any file this user creates), so IT can
copy it to other computers.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import io
import os
import re
import shutil
import struct
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from defusedxml.ElementTree import fromstring

from custmgr.errors import CustmgrError

from .sources import ribbon_xml, vba_modules

ADDIN_FILE = "custmgr.xlam"
TITLE = "Customer Manager"
MODULE = "CustomerManager"  # our ribbon module
PROJECT = "CustomerManagerAddIn"  # the VBA project's name: never a module's
CONFIG_NAME = "custmgr"  # xlwings' PROJECT_NAME: its settings files are custmgr.conf
TEMPLATE = "quickstart_addin_ribbon.xlam"
TEMPLATE_MODULE = "RibbonMyAddin"
TEMPLATE_CONF_SHEET = "_myaddin.conf"
RIBBON_PART = "customUI/customUI14.xml"
RIBBON_NS = "http://schemas.microsoft.com/office/2009/07/customui"
RIBBON_RELATIONSHIP = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CORE_NAMESPACES = {"cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
                   "dc": "http://purl.org/dc/elements/1.1/", "dcterms": "http://purl.org/dc/terms/",
                   "dcmitype": "http://purl.org/dc/dcmitype/", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
_PROJECT_NAME = re.compile(r'^(Public Const PROJECT_NAME As String = )"[^"]*"', re.M)


class BuildError(CustmgrError):
    """The add-in cannot be built from what is installed."""


def xlwings_folder() -> Path:
    """The installed xlwings package's folder, found without importing it."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError("xlwings is not installed, and the add-in is built from its template. Run: "
                         "pip install \"custmgr[addin]\"")
    return Path(next(iter(spec.submodule_search_locations)))


def build(out_dir: Path) -> Path:
    """Write ``custmgr.xlam`` into ``out_dir`` (replacing one there) and return its path."""
    template = xlwings_folder() / TEMPLATE
    if not template.is_file():
        raise BuildError(f"xlwings {importlib.metadata.version('xlwings')} has no add-in template ({TEMPLATE}); "
                         "install a version that has one: pip install -U \"custmgr[addin]\"")
    modules = vba_modules()
    if PROJECT.casefold() in {name.casefold() for name in (*modules, TEMPLATE_MODULE, "xlwings")}:
        raise BuildError(f"The VBA project cannot be named {PROJECT}, like one of its modules.")
    ribbon = ribbon_xml()
    check_ribbon(ribbon, modules)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / ADDIN_FILE
        shutil.copyfile(template, work)
        _put_vba(work, modules)
        data = _edit_package(work.read_bytes(), ribbon)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ADDIN_FILE
    fd, temp = tempfile.mkstemp(prefix=".custmgr-", suffix=".xlam", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes it private
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_ribbon(ribbon: bytes, modules: dict[str, str]) -> None:
    """The ribbon is customUI 2009/07 and every ``onAction`` names a callback Sub of one of our modules."""
    root = fromstring(ribbon)
    if root.tag != f"{{{RIBBON_NS}}}customUI":
        raise BuildError(f"customUI.xml must be a customUI element in the namespace {RIBBON_NS}.")
    for element in root.iter():
        action = element.get("onAction")
        if action is None:
            continue
        module, _, sub = action.rpartition(".")
        source = modules.get(module or MODULE, "")
        if not re.search(rf"^\s*(Public\s+)?Sub\s+{re.escape(sub)}\s*\(\s*control\s+As\s+IRibbonControl\s*\)",
                         source, re.M | re.I):
            raise BuildError(f"customUI.xml calls {action}, which is not a Sub {sub}(control As IRibbonControl) "
                             "in addin/vba.")


def _put_vba(path: Path, modules: dict[str, str]) -> None:
    from pyopenvba import ExcelFile

    with ExcelFile(path) as workbook:
        names = workbook.module_names()
        if TEMPLATE_MODULE not in names or "xlwings" not in names:
            raise BuildError(f"The xlwings add-in template has changed (modules: {', '.join(names)}); this "
                             "custmgr cannot build from it. Install the xlwings version custmgr was made for.")
        project = workbook.vba_project()
        project.rename_module(TEMPLATE_MODULE, MODULE)
        for name, source in modules.items():
            if not source.startswith(f'Attribute VB_Name = "{name}"'):
                raise BuildError(f"addin/vba/{name}.bas must start with: Attribute VB_Name = \"{name}\"")
            if name == MODULE:
                workbook.set_module(name, source)
            else:
                project.add_module(name, source)
        xlwings_module, found = _PROJECT_NAME.subn(rf'\1"{CONFIG_NAME}"', workbook.get_module("xlwings"))
        if found != 1:
            raise BuildError("The xlwings module of the template has no PROJECT_NAME constant to set.")
        workbook.set_module("xlwings", xlwings_module)
        workbook.save()


def _edit_package(data: bytes, ribbon: bytes) -> bytes:
    """The package with our ribbon, title, VBA project name and settings sheet name; other parts as they were."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        infos = package.infolist()
        parts = {info.filename: package.read(info) for info in infos}
    rels, old_ribbon = _ribbon_relationship(parts["_rels/.rels"])
    parts["_rels/.rels"] = rels
    parts.pop(old_ribbon, None)
    parts["xl/vbaProject.bin"] = rename_project(parts["xl/vbaProject.bin"], PROJECT)
    parts["xl/workbook.xml"] = _rename_conf_sheet(parts["xl/workbook.xml"])
    parts["docProps/core.xml"] = _titled(parts["docProps/core.xml"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in infos:
            if info.filename in parts:
                package.writestr(info, parts.pop(info.filename), compress_type=zipfile.ZIP_DEFLATED)
        package.writestr(zipfile.ZipInfo(RIBBON_PART, date_time=infos[0].date_time), ribbon,
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _ribbon_relationship(rels: bytes) -> tuple[bytes, str]:
    """The package relationships pointing the ribbon at our part; and the part the template's ribbon was in."""
    ElementTree.register_namespace("", RELS_NS)
    root = fromstring(rels)
    ribbons = [r for r in root if r.get("Type", "").endswith("/relationships/ui/extensibility")]
    if len(ribbons) != 1:
        raise BuildError("The xlwings add-in template has no single ribbon part; this custmgr cannot build from it.")
    old = ribbons[0].get("Target", "").lstrip("/")
    ribbons[0].set("Type", RIBBON_RELATIONSHIP)
    ribbons[0].set("Target", RIBBON_PART)
    return ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True), old


def _rename_conf_sheet(workbook: bytes) -> bytes:
    old, new = f'name="{TEMPLATE_CONF_SHEET}"'.encode(), f'name="_{CONFIG_NAME}.conf"'.encode()
    if workbook.count(old) != 1:
        raise BuildError(f"The xlwings add-in template has no sheet {TEMPLATE_CONF_SHEET}.")
    return workbook.replace(old, new)


def _titled(core: bytes) -> bytes:
    """Document properties naming the add-in: Excel's Add-ins dialog lists it by its title and description."""
    for prefix, uri in CORE_NAMESPACES.items():
        ElementTree.register_namespace(prefix, uri)
    root = fromstring(core)
    values = {("dc", "title"): TITLE, ("dc", "creator"): "custmgr", ("cp", "lastModifiedBy"): "custmgr",
              ("dc", "description"): "Keeps contacts in a workbook in step with QuickBooks (Customer Manager "
                                     "ribbon tab). Runs on Python through xlwings.",
              ("cp", "keywords"): "", ("dc", "subject"): ""}
    for (prefix, name), value in values.items():
        tag = f"{{{CORE_NAMESPACES[prefix]}}}{name}"
        element = root.find(tag)
        if element is None:
            element = ElementTree.SubElement(root, tag)
        element.text = value or None
    return ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True)


def rename_project(vba_project: bytes, name: str) -> bytes:
    """The VBA project (``vbaProject.bin``) named ``name``: the PROJECT stream's ``Name=`` and the dir stream's
    PROJECTNAME record ([MS-OVBA] 2.3.1.9, 2.3.4.2.1.6), which must agree."""
    from pyopenvba.cfb import CFB
    from pyopenvba.vba import compress, decompress

    encoded = name.encode("ascii")
    storage = CFB.from_bytes(vba_project)
    text, found = re.subn(rb'^Name="[^"\r\n]*"', b'Name="' + encoded + b'"', storage.get_stream("PROJECT"), flags=re.M)
    if found != 1:
        raise BuildError("The template's VBA project has no Name= line.")
    storage.write_stream("PROJECT", text)
    dir_stream = decompress(storage.get_stream_in_storage("VBA", "dir"))
    storage.write_stream_in_storage("VBA", "dir", compress(_with_project_name(dir_stream, encoded)))
    return storage.to_bytes()


def _with_project_name(dir_stream: bytes, name: bytes) -> bytes:
    """Replace the PROJECTNAME record (id 4); the records before it are plain id/size/data records."""
    pos = 0
    while pos + 6 <= len(dir_stream):
        record, size = struct.unpack_from("<HI", dir_stream, pos)
        if record == 0x0004:
            return dir_stream[:pos] + struct.pack("<HI", 4, len(name)) + name + dir_stream[pos + 6 + size:]
        if record in (0x0009, 0x000F):  # PROJECTVERSION, PROJECTMODULES: past where the name must be
            break
        pos += 6 + size
    raise BuildError("The template's VBA project has no PROJECTNAME record.")
