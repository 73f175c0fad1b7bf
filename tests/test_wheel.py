"""The built wheel carries templates/ and runs the demo in a fresh virtual environment."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True)
    (built,) = out.glob("custmgr-*.whl")
    return built


def test_the_wheel_holds_the_packages_templates_and_entry_points(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "custmgr/templates/layout.json" in names and "custmgr/templates/sample_company.json" in names
    assert "custmgr_sandbox/plugin.py" in names
    assert not any(n.startswith(("tests/", "core/", "plugins/")) for n in names)
    entry_points = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    assert "[custmgr]" in entry_points and "sandbox = custmgr_sandbox.plugin" in entry_points


def test_demo_runs_from_the_wheel_in_a_fresh_virtual_environment(wheel, tmp_path):
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    bindir = env / ("Scripts" if sys.platform == "win32" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True,
                   capture_output=True)
    result = subprocess.run([str(bindir / "custmgr"), "demo", str(tmp_path / "demo")], capture_output=True,
                            text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "imported from QuickBooks" in result.stdout
    assert (tmp_path / "demo" / "contacts.xlsx").exists()
