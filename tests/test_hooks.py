"""Every hook is documented in docs/plugins.md and has a test here (test_hook_<name>)."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import click
import pytest

from custmgr import hookspecs, plugins
from custmgr.errors import CustmgrError
from custmgr.hookspecs import hookimpl

DOCS = Path(__file__).parents[1] / "docs" / "plugins.md"
HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("custmgr_")]


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented_with_its_arguments(hook):
    args = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert re.search(rf"^### {hook}\({args}\)$", DOCS.read_text(), re.M), f"document {hook}({args}) in plugins.md"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    assert f"test_hook_{hook}" in dir(sys.modules[__name__])


class UndoPlugin:
    """A throwaway third-party plugin, always unregistered afterwards."""

    @hookimpl
    def custmgr_register_connectors(self, register):
        register("undo-fake", lambda company, options: ("opened", company, options), "A fake connector")

    @hookimpl
    def custmgr_register_commands(self, cli):
        @cli.command("undo-hello")
        def hello():
            click.echo("hello from a plugin")

    @hookimpl(tryfirst=True)
    def custmgr_demo_company(self, folder):
        return ("undo-fake", str(folder / "fake.company"))


@pytest.fixture
def plugin():
    pm = plugins.manager()
    instance = UndoPlugin()
    pm.register(instance, name="undo-plugin")
    try:
        yield instance
    finally:
        pm.unregister(name="undo-plugin")


def test_hook_custmgr_register_connectors(plugin):
    found = plugins.connectors()
    assert found["undo-fake"].plugin == "undo-plugin" and "sandbox" in found
    assert plugins.open_connector("undo-fake", "X", {"a": 1}) == ("opened", "X", {"a": 1})
    with pytest.raises(CustmgrError, match=r"Installed connectors: .*sandbox"):
        plugins.open_connector("nope", "X")


def test_a_connector_name_registered_twice_names_both_plugins(plugin):
    class Twin:
        @hookimpl
        def custmgr_register_connectors(self, register):
            register("undo-fake", lambda c, o: None, "again")

    pm = plugins.manager()
    pm.register(Twin(), name="undo-twin")
    try:
        with pytest.raises(CustmgrError, match=r"registered twice.*undo-"):
            plugins.connectors()
    finally:
        pm.unregister(name="undo-twin")


def test_hook_custmgr_register_commands(plugin):
    from click.testing import CliRunner

    group = click.Group("t")
    plugins.register_commands(group)
    assert "sandbox" in group.commands
    assert CliRunner().invoke(group, ["undo-hello"]).output == "hello from a plugin\n"


def test_hook_custmgr_demo_company(plugin, tmp_path):
    assert plugins.demo_company(tmp_path) == ("undo-fake", str(tmp_path / "fake.company"))


def test_the_qbd_connector_makes_the_default_demo_company(tmp_path):
    connector, company = plugins.demo_company(tmp_path)
    assert connector == "qbd" and Path(company).exists()


def test_built_in_connectors_come_from_entry_points():
    assert plugins.connectors()["sandbox"].plugin == "sandbox"


def test_a_plugin_that_fails_to_import_is_reported_not_fatal(monkeypatch):
    import importlib.metadata

    bad = importlib.metadata.EntryPoint("undo-broken", "custmgr_no_such_module.plugin", "custmgr")
    real = importlib.metadata.entry_points
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda **kw: [*real(**kw), bad] if kw.get("group") == "custmgr" else real(**kw))
    plugins.manager.cache_clear()
    try:
        assert "sandbox" in plugins.connectors()
        assert "ModuleNotFoundError" in plugins.broken_plugins()["undo-broken"]
    finally:
        plugins.manager.cache_clear()
        plugins._broken.pop("undo-broken", None)
