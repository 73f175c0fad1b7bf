"""The boundaries the layout promises (README "Layout", docs/plugins.md), kept by reading the import graph.

Every source module under ``core/``, ``plugins/`` and ``addin/`` is parsed (``ast``, imports inside functions and
under ``TYPE_CHECKING`` included), and:

- a third-party library with a home is imported only there: openpyxl and python-calamine in the workbook port,
  xlwings and appscript in the add-in, httpx, intuit-oauth and keyring in the QuickBooks Online plugin, pywin32 in
  the QuickBooks Desktop plugin's COM module, pluggy in ``custmgr.hookspecs`` and ``custmgr.plugins``;
- the engine (``custmgr``) imports no plugin; a plugin imports the engine and its own package, never another plugin;
  what plugins share (the sandbox company, ``custmgr.company``) lives in the engine's package but the engine itself
  never imports it;
- no module imports an ``_underscore`` name, or an ``_underscore`` module, from another package;
- the add-in does not import the openpyxl workbook port (``custmgr.workbook.xlsx``): it works on the live workbook;
- only ``custmgr.plugins`` calls the pluggy hooks (``pm.hook``), everyone else its typed wrappers;
- no module is over 600 lines, except those listed in ``LONG_MODULES`` with the reason.

Each rule is also planted in a small source tree of its own, so the checker is seen to catch it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]
SOURCE_ROOTS = ("core", "plugins", "addin")
ENGINE = "custmgr"
MAX_LINES = 600

# library (top-level import name) -> the modules or packages that may import it
HOMES: dict[str, tuple[str, ...]] = {
    "openpyxl": ("custmgr.workbook",),
    "python_calamine": ("custmgr.workbook",),
    "xlwings": ("custmgr_excel",),
    "appscript": ("custmgr_excel",),
    "httpx": ("custmgr_qbo",),
    "intuitlib": ("custmgr_qbo",),
    "keyring": ("custmgr_qbo",),
    "win32com": ("custmgr_qbd.com",),
    "pythoncom": ("custmgr_qbd.com",),
    "pluggy": ("custmgr.hookspecs", "custmgr.plugins"),
}
ADDIN = "custmgr_excel"
NOT_FOR_THE_ADDIN = ("custmgr.workbook.xlsx",)
HOOK_CALLER = "custmgr.plugins"
FOR_PLUGINS = ("custmgr.company",)  # in the engine's package for plugins to share; the engine never imports them

# Modules allowed over MAX_LINES (path relative to the repository -> why). An entry must still be needed.
LONG_MODULES: dict[str, str] = {}


@dataclass(frozen=True)
class Module:
    name: str  # dotted, e.g. custmgr.workbook.xlsx
    path: Path
    is_package: bool  # an __init__.py

    @property
    def package(self) -> str:
        """The package the module belongs to (a package's ``__init__`` belongs to itself)."""
        return self.name if self.is_package else self.name.rpartition(".")[0]

    @property
    def top(self) -> str:
        return self.name.partition(".")[0]


@dataclass(frozen=True)
class Imported:
    """One imported thing: a module, or ``name`` from ``module``."""

    module: str
    name: str | None
    line: int


def find_modules(root: Path) -> dict[str, Module]:
    """Every module under the source roots of the tree at ``root``, by dotted name."""
    found: dict[str, Module] = {}
    for source in SOURCE_ROOTS:
        base = root / source
        for path in sorted(base.rglob("*.py")) if base.is_dir() else ():
            parts = path.relative_to(base).with_suffix("").parts
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            if name:
                found[name] = Module(name, path, is_package)
    return found


def imports(module: Module, tree: ast.Module, known: dict[str, Module]) -> Iterator[Imported]:
    """Everything ``module`` imports, relative imports resolved; ``from pkg import mod`` is the module ``pkg.mod``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Imported(alias.name, None, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = module.package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join([*parts, node.module] if node.module else parts)
            else:
                base = node.module or ""
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    yield Imported(f"{base}.{alias.name}", None, node.lineno)
                else:
                    yield Imported(base, alias.name, node.lineno)


def private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def within(name: str, homes: tuple[str, ...]) -> bool:
    return any(name == home or name.startswith(home + ".") for home in homes)


def module_aliases(tree: ast.Module, module: Module, known: dict[str, Module]) -> dict[str, str]:
    """Local names bound to first-party modules (``import a.b as c``, ``from a import b``), to their module."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in known:
                    aliases[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            for alias, imported in zip(node.names, imports(module, ast.Module([node], []), known), strict=True):
                if imported.name is None:
                    aliases[alias.asname or alias.name] = imported.module
    return aliases


def breaks_in(module: Module, root: Path, known: dict[str, Module]) -> Iterator[str]:
    """Every broken boundary in one module, as ``path:line: what``."""
    text = module.path.read_text(encoding="utf-8")
    where = module.path.relative_to(root).as_posix()
    lines = text.count("\n") + (not text.endswith("\n") and bool(text))
    if lines > MAX_LINES and where not in LONG_MODULES:
        yield f"{where}: {lines} lines, over {MAX_LINES}; split it into modules that read in one sitting"
    tree = ast.parse(text, filename=str(module.path))
    plugins = {m.top for m in known.values() if m.top != ENGINE}
    for imp in imports(module, tree, known):
        top = imp.module.partition(".")[0]
        at = f"{where}:{imp.line}"
        what = imp.module + (f".{imp.name}" if imp.name else "")
        if top in HOMES and not within(module.name, HOMES[top]):
            yield f"{at}: imports {top}, which only {' and '.join(HOMES[top])} may import"
        if top in plugins and top != module.top:
            who = "the engine" if module.top == ENGINE else f"plugin {module.top}"
            yield f"{at}: {who} imports {what} from plugin {top}; move what both need into {ENGINE}"
        if module.top == ENGINE and within(imp.module, FOR_PLUGINS) and not within(module.name, FOR_PLUGINS):
            yield f"{at}: the engine imports {imp.module}, which is there for plugins and tests only"
        if module.top == ADDIN and within(imp.module, NOT_FOR_THE_ADDIN):
            yield f"{at}: the add-in imports {imp.module}; it works on the live workbook (custmgr.workbook.rules)"
        owner = known.get(imp.module)
        hidden = (imp.name is not None and private(imp.name)) or any(private(p) for p in imp.module.split("."))
        if hidden and owner is not None and owner.package != module.package:
            yield f"{at}: imports the private {what} from another package; make it public there"
    aliases = module_aliases(tree, module, known)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr == "hook" and module.name != HOOK_CALLER:
            yield f"{where}:{node.lineno}: calls the pluggy hooks; only {HOOK_CALLER} does, use its wrappers"
        if isinstance(node.value, ast.Name) and node.value.id in aliases and private(node.attr):
            owner = known[aliases[node.value.id]]
            if owner.package != module.package:
                yield (f"{where}:{node.lineno}: uses the private {owner.name}.{node.attr} from another package; "
                       "make it public there")


def find_breaks(root: Path) -> list[str]:
    known = find_modules(root)
    return [problem for module in known.values() for problem in breaks_in(module, root, known)]


# --- the real source tree -----------------------------------------------------------------------------------


def test_the_source_keeps_its_boundaries() -> None:
    breaks = find_breaks(REPO)
    assert not breaks, "boundaries broken:\n" + "\n".join(breaks)


def test_the_checker_sees_the_whole_source() -> None:
    known = find_modules(REPO)
    assert {"custmgr.plugins", "custmgr.workbook.xlsx", "custmgr.company.store", "custmgr_qbd.front",
            "custmgr_sandbox.connector", "custmgr_excel.ribbon", "custmgr_qbo.client"} <= set(known)
    qbd_front = {i.module for i in imports(known["custmgr_qbd.front"],
                                           ast.parse(known["custmgr_qbd.front"].path.read_text()), known)}
    assert "custmgr.company" in qbd_front or "custmgr.company.store" in qbd_front


@pytest.mark.parametrize("path", sorted(LONG_MODULES))
def test_every_long_module_exception_is_still_needed(path: str) -> None:
    lines = (REPO / path).read_text(encoding="utf-8").count("\n")
    assert lines > MAX_LINES, f"{path} is {lines} lines now: take it out of LONG_MODULES"


# --- each rule, planted ---------------------------------------------------------------------------------------

CLEAN = {
    "core/custmgr/__init__.py": "",
    "core/custmgr/plugins.py": "import pluggy\n\ndef manager(pm):\n    return pm.hook.custmgr_x()\n",
    "core/custmgr/errors.py": "class CustmgrError(Exception):\n    pass\n\ndef _hidden():\n    pass\n",
    "core/custmgr/workbook/__init__.py": "",
    "core/custmgr/workbook/xlsx.py": "import openpyxl\nfrom ._cells import _assign\n",
    "core/custmgr/workbook/_cells.py": "def _assign():\n    pass\n",
    "core/custmgr/workbook/rules.py": "from .xlsx import openpyxl\n",
    "core/custmgr/company/__init__.py": "from .store import Company\n",
    "core/custmgr/company/store.py": "from ..errors import CustmgrError\n\nclass Company:\n    pass\n",
    "plugins/custmgr_one/__init__.py": "",
    "plugins/custmgr_one/store.py": "from custmgr.errors import CustmgrError\nfrom .front import _helper\n",
    "plugins/custmgr_one/front.py": "def _helper():\n    pass\n",
    "plugins/custmgr_two/__init__.py": "",
    "plugins/custmgr_two/client.py": "from custmgr.company import Company\nfrom custmgr.workbook import rules\n",
    "addin/custmgr_excel/__init__.py": "",
    "addin/custmgr_excel/ribbon.py": "def run():\n    import xlwings\n    return xlwings\n",
}
PLANTED = {
    "a plugin imports another plugin": (
        "plugins/custmgr_two/store.py", "from custmgr_one.store import CustmgrError\n", "from plugin custmgr_one"),
    "a plugin imports another plugin's package": (
        "plugins/custmgr_two/store.py", "import custmgr_one\n", "from plugin custmgr_one"),
    "the engine imports a plugin": (
        "core/custmgr/sync.py", "def run():\n    from custmgr_one import store\n", "the engine imports"),
    "a private name from another package": (
        "plugins/custmgr_one/cells.py", "from custmgr.workbook.xlsx import _assign\n", "private"),
    "a private name of the engine, relatively": (
        "core/custmgr/workbook/names.py", "from ..errors import _hidden\n", "private"),
    "a private module of another package": (
        "core/custmgr/sync.py", "from custmgr.workbook import _cells\n", "private"),
    "a private attribute of a module of another package": (
        "plugins/custmgr_one/web.py", "from custmgr import errors\nerrors._hidden()\n", "private"),
    "the engine imports what is there for plugins": (
        "core/custmgr/sync.py", "from .company.store import Company\n", "for plugins and tests only"),
    "openpyxl outside the workbook port": (
        "core/custmgr/book.py", "from openpyxl import Workbook\n", "imports openpyxl"),
    "openpyxl in the add-in, under TYPE_CHECKING": (
        "addin/custmgr_excel/live.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import openpyxl\n",
        "imports openpyxl"),
    "the add-in imports the openpyxl workbook port": (
        "addin/custmgr_excel/checks.py", "from custmgr.workbook.xlsx import openpyxl\n", "the add-in imports"),
    "xlwings outside the add-in": ("core/custmgr/live.py", "import xlwings\n", "imports xlwings"),
    "httpx outside the qbo plugin": ("plugins/custmgr_one/web.py", "import httpx.client\n", "imports httpx"),
    "pluggy outside the plugin manager": ("plugins/custmgr_one/plugin.py", "import pluggy\n", "imports pluggy"),
    "a hook called outside the plugin manager": (
        "core/custmgr/sync.py", "def run(pm):\n    pm.hook.custmgr_register_commands(cli=None)\n", "pluggy hooks"),
    "a module over 600 lines": ("core/custmgr/long.py", "x = 1\n" * 601, "601 lines"),
}


def plant(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_clean_tree_has_no_breaks(tmp_path: Path) -> None:
    plant(tmp_path, CLEAN)
    assert find_breaks(tmp_path) == []


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_a_planted_break_is_caught(tmp_path: Path, case: str) -> None:
    path, text, expected = PLANTED[case]
    plant(tmp_path, CLEAN)
    plant(tmp_path, {path: text})
    breaks = find_breaks(tmp_path)
    assert len(breaks) == 1 and breaks[0].startswith(path) and expected in breaks[0], breaks
