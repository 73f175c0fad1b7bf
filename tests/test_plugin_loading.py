"""Which installed plugins load: switched off by name, and third-party ones kept out of the test run."""

from __future__ import annotations

import sys

import pytest

from custmgr import plugins


@pytest.fixture
def fresh_manager():
    """A plugin manager built anew for the test, and the normal one again afterwards."""
    plugins.manager.cache_clear()
    plugins._broken.clear()
    yield
    plugins.manager.cache_clear()
    plugins._broken.clear()


@pytest.fixture
def third_party(tmp_path, monkeypatch):
    """A distribution 'custmgr-elsewhere' installed on sys.path with a ``custmgr`` entry point."""
    dist = tmp_path / "custmgr_elsewhere-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: custmgr-elsewhere\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[custmgr]\nelsewhere = custmgr_elsewhere_plugin\n")
    (tmp_path / "custmgr_elsewhere_plugin.py").write_text(
        "from custmgr.hookspecs import hookimpl\n\n"
        "@hookimpl\n"
        "def custmgr_register_connectors(register):\n"
        "    register('elsewhere', lambda company, options: None, 'a connector from another package')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    sys.modules.pop("custmgr_elsewhere_plugin", None)


def test_a_plugin_named_in_the_setting_is_not_loaded(fresh_manager, monkeypatch):
    monkeypatch.setenv(plugins.DISABLED_SETTING, " iif , qbo")
    assert plugins.disabled_plugins() == {"iif", "qbo"}
    names = set(plugins.connectors())
    assert "iif" not in names and "qbo" not in names and "sandbox" in names


def test_third_party_plugins_stay_out_of_the_test_run(fresh_manager, third_party):
    assert "elsewhere" not in plugins.connectors()


def test_third_party_plugins_load_outside_the_test_run(fresh_manager, third_party, monkeypatch):
    monkeypatch.delattr(sys, "_called_from_test")
    assert plugins.connectors()["elsewhere"].plugin == "elsewhere"


def test_a_disabled_third_party_plugin_is_not_even_imported(fresh_manager, third_party, monkeypatch):
    monkeypatch.delattr(sys, "_called_from_test")
    monkeypatch.setenv(plugins.DISABLED_SETTING, "elsewhere")
    assert "elsewhere" not in plugins.connectors()
    assert "custmgr_elsewhere_plugin" not in sys.modules
