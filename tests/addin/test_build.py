"""``custmgr addin build`` makes a valid add-in from xlwings' template, without Office: the package parts,
our ribbon, our VBA module (read back by olevba with the exact source), the names that were set, and the
xlwings VBA left as the template had it."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from pyopenvba import ExcelFile, check_file

from custmgr_excel import build as builder
from custmgr_excel.build import ADDIN_FILE, BuildError, build, check_ribbon, rename_project, xlwings_folder
from custmgr_excel.sources import ribbon_xml, sources_dir, vba_modules

TEMPLATE = xlwings_folder() / builder.TEMPLATE
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@pytest.fixture(scope="module")
def addin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("out"))


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        return {name: package.read(name) for name in package.namelist()}


def olevba(name: str, data: bytes | None = None) -> dict[str, str]:
    """Module name -> source, as oletools' olevba reads them from a file (or its bytes)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # olevba's pyparsing calls, at import
        from oletools.olevba import VBA_Parser

        parser = VBA_Parser(name, data=data)
    try:
        assert parser.detect_vba_macros()
        return {module.rsplit(".", 1)[0]: code for _, _, module, code in parser.extract_macros()}
    finally:
        parser.close()


def macros(path: Path) -> dict[str, str]:
    return olevba(str(path))


def test_the_addin_is_a_valid_macro_enabled_addin_package(addin: Path) -> None:
    assert addin.name == ADDIN_FILE
    got = parts(addin)
    types = got["[Content_Types].xml"].decode()
    assert "application/vnd.ms-excel.addin.macroEnabled.main+xml" in types
    assert 'Extension="xml" ContentType="application/xml"' in types  # covers the ribbon part
    for name, data in got.items():
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(data)
    assert set(got) == set(parts(TEMPLATE)) - {"customUI/customUI.xml"} | {"customUI/customUI14.xml"}
    assert check_file(addin).issues == ()


def test_the_ribbon_is_ours_behind_the_office_2010_relationship(addin: Path) -> None:
    got = parts(addin)
    assert got["customUI/customUI14.xml"] == ribbon_xml()
    rels = ElementTree.fromstring(got["_rels/.rels"])
    ribbon = [r for r in rels if r.get("Type", "").endswith("/ui/extensibility")]
    assert [(r.get("Type"), r.get("Target")) for r in ribbon] == [
        ("http://schemas.microsoft.com/office/2007/relationships/ui/extensibility", "customUI/customUI14.xml")]
    assert {r.get("Id") for r in rels} == {r.get("Id") for r in ElementTree.fromstring(parts(TEMPLATE)["_rels/.rels"])}


def test_olevba_reads_our_module_back_with_the_exact_source(addin: Path) -> None:
    found = macros(addin)
    assert found["CustomerManager"] == vba_modules()["CustomerManager"]
    source = (sources_dir() / "vba" / "CustomerManager.bas").read_text(encoding="utf-8")
    assert found["CustomerManager"].replace("\r\n", "\n") == source


def test_the_template_ribbon_module_is_replaced_and_the_rest_kept(addin: Path) -> None:
    found, template = macros(addin), macros(TEMPLATE)
    assert "RibbonMyAddin" not in found
    assert set(found) == set(template) - {"RibbonMyAddin"} | {"CustomerManager"}
    for name in set(template) - {"RibbonMyAddin", "xlwings"}:
        assert found[name] == template[name]
    ours, theirs = found["xlwings"].splitlines(), template["xlwings"].splitlines()
    changed = [(a, b) for a, b in zip(ours, theirs, strict=True) if a != b]
    assert changed == [('Public Const PROJECT_NAME As String = "custmgr"',
                        'Public Const PROJECT_NAME As String = "myaddin"')]
    assert f'XLWINGS_VERSION As String = "{importlib.metadata.version("xlwings")}"' in found["xlwings"]


def test_the_addin_is_named(addin: Path) -> None:
    with ExcelFile(addin) as workbook:
        assert workbook.vba_project().name == "CustomerManagerAddIn"
        assert workbook.vba_project().name not in workbook.module_names()  # the VBA editor refuses that (32813)
        assert workbook.validate() == []
    got = parts(addin)
    core = ElementTree.fromstring(got["docProps/core.xml"])
    assert core.findtext("{http://purl.org/dc/elements/1.1/}title") == "Customer Manager"
    assert b'name="_custmgr.conf"' in got["xl/workbook.xml"] and b"myaddin" not in got["xl/workbook.xml"]


def test_the_addin_can_be_copied_by_others(addin: Path) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    assert addin.stat().st_mode & 0o777 == 0o666 & ~mask


def test_building_again_replaces_the_addin(addin: Path) -> None:
    before = addin.stat().st_mtime_ns
    again = build(addin.parent)
    assert again == addin and again.stat().st_mtime_ns >= before
    assert [p.name for p in addin.parent.iterdir()] == [ADDIN_FILE]


def test_a_ribbon_calling_a_missing_sub_is_refused() -> None:
    ribbon = ribbon_xml().replace(b'onAction="CustomerManager.RibbonClick"', b'onAction="CustomerManager.Nope"', 1)
    with pytest.raises(BuildError, match=r"CustomerManager\.Nope"):
        check_ribbon(ribbon, vba_modules())
    with pytest.raises(BuildError, match="namespace"):
        check_ribbon(ribbon_xml().replace(b"2009/07/customui", b"2006/01/customui"), vba_modules())


def test_a_changed_template_is_refused_plainly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "xlwings"
    fake.mkdir()
    with ExcelFile.create_new(fake / builder.TEMPLATE) as workbook:
        workbook.set_module("Module1", 'Attribute VB_Name = "Module1"\r\nSub A()\r\nEnd Sub\r\n')
        workbook.save()
    monkeypatch.setattr(builder, "xlwings_folder", lambda: fake)
    with pytest.raises(BuildError, match="template has changed"):
        build(tmp_path / "out")
    assert not (tmp_path / "out" / ADDIN_FILE).exists()


def test_renaming_the_project_keeps_the_rest_of_it() -> None:
    with zipfile.ZipFile(TEMPLATE) as package:
        original = package.read("xl/vbaProject.bin")
    renamed = rename_project(original, "CustomerManager")
    assert set(olevba("vbaProject.bin", renamed)) == set(olevba("vbaProject.bin", original))
    assert olevba("vbaProject.bin", renamed) == olevba("vbaProject.bin", original)


def test_the_sources_are_found_where_a_wheel_puts_them(tmp_path: Path) -> None:
    """An installed wheel carries the sources inside the package (``custmgr_excel/addin/``)."""
    package = tmp_path / "site" / "custmgr_excel"
    shutil.copytree(Path(builder.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(sources_dir() / "vba", package / "addin" / "vba")
    shutil.copyfile(sources_dir() / "customUI.xml", package / "addin" / "customUI.xml")
    shutil.copyfile(sources_dir().parent / "docs" / "excel-addin.md", package / "addin" / "excel-addin.md")
    code = ("import custmgr_excel.sources as s; print(s.sources_dir()); print(sorted(s.vba_modules())); "
            "print(s.guide_path())")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(tmp_path / "site")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(package / "addin"), "['CustomerManager']",
                                        str(package / "addin" / "excel-addin.md")]  # what Help names


PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def test_the_wheel_carries_the_addin_sources(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                    str(PYPROJECT.parent)], check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("custmgr-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"custmgr_excel/addin/customUI.xml", "custmgr_excel/addin/vba/CustomerManager.bas",
            "custmgr_excel/addin/excel-addin.md",
            "custmgr_excel/plugin.py", "custmgr_excel/ribbon.py"} <= names
