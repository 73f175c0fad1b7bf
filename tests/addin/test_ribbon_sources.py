"""The ribbon's sources agree with each other and with Office: customUI.xml uses only customUI 2009/07
elements and attributes, every button calls a VBA callback Sub that exists, every tag is a command and every
command has a button, and the Python statement the VBA hands RunPython works in a fresh interpreter."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from custmgr_excel.commands import COMMANDS
from custmgr_excel.sources import ribbon_xml, sources_dir, vba_modules

NS = "{http://schemas.microsoft.com/office/2009/07/customui}"
_INSERT = {"insertAfterMso", "insertBeforeMso", "insertAfterQ", "insertBeforeQ"}
_ID = {"id", "idQ", "idMso", "tag"}

#: What the customUI 2009/07 schema ([MS-CUSTOMUI2] section 2.3: CT_CustomUI, CT_Ribbon, CT_Tabs, CT_Tab,
#: CT_Group, CT_Button, CT_Separator) allows for the elements a ribbon tab of buttons can use:
#: element -> (attributes, child elements).
ALLOWED: dict[str, tuple[set[str], set[str]]] = {
    "customUI": ({"onLoad", "loadImage"}, {"commands", "ribbon", "backstage", "contextMenus"}),
    "ribbon": ({"startFromScratch"}, {"qat", "tabs", "contextualTabs"}),
    "tabs": (set(), {"tab"}),
    "tab": (_ID | _INSERT | {"label", "getLabel", "keytip", "getKeytip", "visible", "getVisible"}, {"group"}),
    "group": (_ID | _INSERT | {"label", "getLabel", "image", "imageMso", "getImage", "screentip", "getScreentip",
                               "supertip", "getSupertip", "keytip", "getKeytip", "visible", "getVisible",
                               "autoScale", "centerVertically"},
              {"control", "labelControl", "button", "toggleButton", "checkBox", "editBox", "comboBox", "dropDown",
               "gallery", "menu", "dynamicMenu", "splitButton", "box", "buttonGroup", "separator",
               "dialogBoxLauncher"}),
    "button": (_ID | _INSERT | {"onAction", "enabled", "getEnabled", "description", "getDescription", "image",
                                "imageMso", "getImage", "label", "getLabel", "keytip", "getKeytip", "screentip",
                                "getScreentip", "supertip", "getSupertip", "showImage", "getShowImage",
                                "showLabel", "getShowLabel", "size", "getSize", "visible", "getVisible"}, set()),
    "separator": (_INSERT | {"id", "idQ", "tag", "visible", "getVisible"}, set()),
}
#: Attribute value types: ST_Size, booleans, ST_Keytip (1 to 3 letters or digits), ST_String/ST_Delegate.
SIZES = {"normal", "large"}
BOOLEANS = {"true", "false", "1", "0"}
KEYTIP = re.compile(r"^[A-Za-z0-9]{1,3}$")
UNIQUE_ID = re.compile(r"^[A-Za-z_][\w.-]{0,1023}$")


def elements() -> list[ElementTree.Element]:
    return list(ElementTree.fromstring(ribbon_xml()).iter())


def buttons() -> list[ElementTree.Element]:
    return [e for e in elements() if e.tag == f"{NS}button"]


def local(element: ElementTree.Element) -> str:
    assert element.tag.startswith(NS), f"{element.tag} is not in the customUI 2009/07 namespace"
    return element.tag[len(NS):]


def test_the_ribbon_is_well_formed_customui_2009() -> None:
    root = ElementTree.fromstring(ribbon_xml())  # raises on malformed XML
    assert root.tag == f"{NS}customUI"
    assert (sources_dir() / "customUI.xml").read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"')


def test_only_customui_elements_and_attributes() -> None:
    for element in elements():
        name = local(element)
        assert name in ALLOWED, f"<{name}> is not allowed here"
        attributes, children = ALLOWED[name]
        assert set(element.attrib) <= attributes, (name, set(element.attrib) - attributes)
        for child in element:
            assert local(child) in children, f"<{local(child)}> cannot be inside <{name}>"


def test_attribute_values_follow_the_schema() -> None:
    ids = [e.get("id") for e in elements() if e.get("id")]
    assert len(ids) == len(set(ids)), "control ids must be unique"
    for element in elements():
        attrs = element.attrib
        for key, value in attrs.items():
            assert value.strip() and len(value) <= 1024, (key, value)
            if key.startswith("get"):  # a callback and its fixed value are mutually exclusive
                assert key[3].lower() + key[4:] not in attrs, key
        if local(element) in ("tab", "group", "button"):
            assert len(_ID & set(attrs) - {"tag"}) == 1, "exactly one of id, idQ, idMso"
        if "id" in attrs:
            assert UNIQUE_ID.match(attrs["id"]), attrs["id"]
        if "size" in attrs:
            assert attrs["size"] in SIZES
        for key in ("visible", "enabled", "showLabel", "showImage", "startFromScratch"):
            if key in attrs:
                assert attrs[key] in BOOLEANS
        if "keytip" in attrs:
            assert KEYTIP.match(attrs["keytip"]), attrs["keytip"]


def test_keytips_are_unique_on_the_tab() -> None:
    tab = next(e for e in elements() if e.tag == f"{NS}tab")
    keytips = [e.get("keytip") for e in tab.iter() if e is not tab and e.get("keytip")]
    assert len(keytips) == len(set(keytips)) == len(buttons())


def test_every_button_has_an_icon_a_tip_a_keytip_a_tag_and_the_callback() -> None:
    for button in buttons():
        for key in ("label", "imageMso", "screentip", "supertip", "keytip", "tag", "onAction"):
            assert button.get(key), f"button {button.get('id')} has no {key}"
    assert {b.get("onAction") for b in buttons()} == {"CustomerManager.RibbonClick"}


#: Built-in images the ribbon may use: names from Excel's own control-ID lists (Windows and Mac). An image of
#: another Office program (Access' ServerConnection, Word's ReviewAcceptChange and ReviewTrackChanges) may
#: draw blank in Excel.
EXCEL_IMAGES = {"SheetInsert", "RefreshAll", "Undo", "ReviewAcceptOrRejectChanges", "ReviewHighlightChanges",
                "ControlProperties", "Help"}


def test_every_icon_is_one_of_excel_s_own() -> None:
    images = {b.get("imageMso") for b in buttons()}
    assert images <= EXCEL_IMAGES
    assert not images & {"ServerConnection", "ReviewAcceptChange", "ReviewTrackChanges"}


def test_the_undo_tip_says_quickbooks_can_be_put_back() -> None:
    undo = next(b for b in buttons() if b.get("tag") == "undo")
    assert "put QuickBooks back too" in undo.get("supertip") and "not changed back" not in undo.get("supertip")


def test_every_tag_is_a_command_and_every_command_has_its_button() -> None:
    tags = [b.get("tag") for b in buttons()]
    assert len(tags) == len(set(tags))
    assert set(tags) == set(COMMANDS)
    assert {b.get("tag"): b.get("label") for b in buttons()} == {t: c.label for t, c in COMMANDS.items()}


def test_every_on_action_is_a_vba_sub_taking_the_ribbon_control() -> None:
    modules = vba_modules()
    for button in buttons():
        module, _, sub = button.get("onAction", "").rpartition(".")
        source = modules[module]
        assert source.startswith(f'Attribute VB_Name = "{module}"\r\n')
        assert re.search(rf"^Public Sub {sub}\(control As IRibbonControl\)\r$", source, re.M), (module, sub)


def test_the_vba_handles_its_own_errors() -> None:
    source = vba_modules()["CustomerManager"]
    body = source.split("Public Sub RibbonClick", 1)[1].split("End Sub", 1)[0]
    assert "On Error GoTo Failed" in body and "\nFailed:" in body and "MsgBox" in body.split("Failed:")[1]
    assert "Exit Sub\r\nFailed:" in body  # the handler only runs on an error
    assert "Option Explicit" in source


def test_the_vba_clears_the_status_bar_after_python_on_windows() -> None:
    """Python stopped by the QuickBooks timeout cannot tidy up Excel's status bar: on Windows, where Excel
    waits for RunPython, the VBA clears it once Python is done (on a Mac, Python is still running then)."""
    body = vba_modules()["CustomerManager"].split("Public Sub RibbonClick", 1)[1].split("End Sub", 1)[0]
    after = body.split("RunPython RibbonCommand(control.Tag)\r\n", 1)[1]
    assert after.startswith("#If Not Mac Then\r\n    Application.StatusBar = False")
    assert "Application.StatusBar = False" in body.split("Failed:")[1]


def python_command(tag: str) -> str:
    """The statement the VBA builds for ``tag``: its RibbonCommand, evaluated (string literals and ``tag``)."""
    source = vba_modules()["CustomerManager"]
    expression = re.search(r"^\s*RibbonCommand = (.+)\r$", source, re.M)
    assert expression, "the VBA must build the command in RibbonCommand"
    parts = [p.strip() for p in expression[1].split("&")]
    out = ""
    for part in parts:
        if part == "tag":
            out += tag
        else:
            assert part.startswith('"') and part.endswith('"'), part
            out += part[1:-1].replace('""', '"')
    return out


@pytest.mark.parametrize("tag", sorted(COMMANDS))
def test_the_runpython_command_is_the_ribbon_entry_point(tag: str) -> None:
    command = python_command(tag)
    assert command == f"import custmgr_excel.ribbon as r; r.run('{tag}')"
    assert '"' not in command  # xlwings puts it inside double quotes on the command line


def test_the_runpython_command_imports_in_a_fresh_interpreter() -> None:
    imports, _, call = python_command("sync").partition("; ")
    check = f"{imports}; import sys; assert callable(r.run) and 'xlwings' not in sys.modules; print('ok')"
    done = subprocess.run([sys.executable, "-B", "-c", check], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok" and call == "r.run('sync')"


def test_the_command_run_as_xlwings_runs_it_without_excel_fails_with_a_message(tmp_path: Path) -> None:
    """What RunPython runs on Windows (``prepare_sys_path`` first, the caller in ``--wb``), with no Excel to
    reach: a plain message on stderr, which xlwings shows, and no traceback."""
    code = f'import xlwings.utils;xlwings.utils.prepare_sys_path("false;;;;;;"); {python_command("help")}'
    done = subprocess.run([sys.executable, "-B", "-c", code, "--wb=contacts.xlsx", "--from_xl=1"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**_env(), "CUSTMGR_LOG_DIR": str(tmp_path / "logs")})
    assert done.returncode == 1
    assert done.stderr.startswith("Customer Manager could not reach the workbook in Excel")
    assert "Traceback" not in done.stderr and str(tmp_path / "logs") in done.stderr
    assert "Traceback" in (tmp_path / "logs" / "custmgr-excel.log").read_text()  # kept for a report


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
