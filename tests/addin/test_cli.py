"""``custmgr addin build | install | uninstall``, and the plugin that adds them: it loads with the command
line on any system without importing xlwings. Install and uninstall run here against a Windows and a Mac
home folder made up in a temporary directory; on Linux itself they say that Excel is not available."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from custmgr import plugins
from custmgr.cli import main
from custmgr_excel import install
from custmgr_excel.build import ADDIN_FILE, xlwings_folder
from custmgr_excel.install import Places, places, read_config

XLWINGS = importlib.metadata.version("xlwings")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


@pytest.fixture
def windows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Places:
    monkeypatch.setattr(install, "current_platform", lambda: "win32")
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    return places()


@pytest.fixture
def mac(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Places:
    monkeypatch.setattr(install, "current_platform", lambda: "darwin")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(install, "excel_startup_folder", lambda: None)  # no Excel running to ask
    (tmp_path / install.OFFICE_CONTAINER / install.MAC_STARTUP[0]).mkdir(parents=True)
    return places(ask=lambda: None)


def test_the_addin_commands_come_from_the_plugin() -> None:
    assert plugins.manager().get_plugin("excel") is not None
    code, output = run("addin", "--help")
    assert code == 0 and all(name in output for name in ("build", "install", "uninstall"))


def test_the_plugin_loads_without_xlwings_or_excel() -> None:
    code = ("import sys, custmgr.cli; from custmgr import plugins; plugins.manager(); "
            "assert 'excel' not in plugins.broken_plugins(); "
            "print(sorted(m for m in ('xlwings', 'pyopenvba', 'oletools') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_guide_shows_where_the_addin_guide_is() -> None:
    code, output = run("addin", "guide")
    assert code == 0 and output.strip().endswith("excel-addin.md") and Path(output.strip()).is_file()


def test_build_writes_the_addin_into_the_folder(tmp_path: Path) -> None:
    code, output = run("addin", "build", "--out", str(tmp_path / "dist"))
    assert code == 0, output
    assert output == f"Built {tmp_path / 'dist' / ADDIN_FILE} (xlwings {XLWINGS} add-in template).\n"
    assert zipfile.is_zipfile(tmp_path / "dist" / ADDIN_FILE)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="what Linux says")
@pytest.mark.parametrize("command", ["install", "uninstall"])
def test_on_linux_install_and_uninstall_say_excel_is_not_there(command: str, tmp_path: Path) -> None:
    code, output = run("addin", command, "--folder", str(tmp_path))
    assert code == 1
    assert output.startswith("Error: Excel is not available on Linux: the add-in runs in Excel for Windows and "
                             "Excel for Mac.")
    assert "custmgr sync" in output and list(tmp_path.iterdir()) == []


def test_install_on_windows(windows: Places, tmp_path: Path) -> None:
    code, output = run("addin", "install")
    assert code == 0, output
    startup = tmp_path / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART"
    assert windows.startup == startup and (startup / ADDIN_FILE).is_file()
    config = tmp_path / ".custmgr" / "custmgr.conf"
    assert config.read_bytes() == (f'"INTERPRETER_WIN","{sys.executable}"\r\n'
                                   '"ADD_WORKBOOK_TO_PYTHONPATH","False"\r\n').encode("cp1252")
    assert f"Installed {startup / ADDIN_FILE}" in output and "start it again" in output


def test_install_on_a_mac(mac: Places, tmp_path: Path) -> None:
    code, output = run("addin", "install")
    assert code == 0, output
    startup = tmp_path / install.OFFICE_CONTAINER / install.MAC_STARTUP[0]
    assert (startup / ADDIN_FILE).is_file()
    config = tmp_path / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "custmgr.conf"
    assert read_config(mac) == {"INTERPRETER_MAC": sys.executable, "ADD_WORKBOOK_TO_PYTHONPATH": "False"}
    assert config.read_text().endswith('"False"\n')
    script = tmp_path / "Library" / "Application Scripts" / "com.microsoft.Excel" / f"xlwings-{XLWINGS}.applescript"
    assert script.read_bytes() == (xlwings_folder() / script.name).read_bytes()


def test_a_mac_without_the_localized_startup_folder_uses_the_plain_one(tmp_path: Path) -> None:
    plain = tmp_path / install.OFFICE_CONTAINER / install.MAC_STARTUP[1]
    plain.mkdir(parents=True)
    assert places("darwin", {}, tmp_path, ask=lambda: None).startup == plain


def test_on_a_mac_the_startup_folder_is_asked_of_excel(tmp_path: Path) -> None:
    asked = []

    def osascript(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        asked.append(args)
        return subprocess.CompletedProcess(args, 0, stdout="/Users/ann/Excel Start/\n", stderr="")

    folder = install.excel_startup_folder(osascript)
    assert folder == Path("/Users/ann/Excel Start") and asked[0][:2] == ["osascript", "-e"]
    assert "startup path" in asked[0][2] and "is running" in asked[0][2]  # never starts Excel to ask
    assert places("darwin", {}, tmp_path, ask=lambda: folder).startup == folder


@pytest.mark.parametrize("answer", [subprocess.CompletedProcess([], 0, stdout="\n", stderr=""),
                                    subprocess.CompletedProcess([], 1, stdout="", stderr="no Excel"), OSError()])
def test_when_excel_cannot_be_asked_the_usual_folder_is_used(answer: object) -> None:
    def osascript(args: list[str], **kwargs: object) -> object:
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert install.excel_startup_folder(osascript) is None  # type: ignore[arg-type]


def test_a_conda_python_is_activated_first_on_windows(windows: Places, tmp_path: Path) -> None:
    env = tmp_path / "miniconda3" / "envs" / "books"
    (env / "conda-meta").mkdir(parents=True)
    install.install(windows, python=str(env / "python.exe"))
    assert read_config(windows)["CONDA PATH"] == str(tmp_path / "miniconda3")
    assert read_config(windows)["CONDA ENV"] == "books"
    install.install(windows, python=str(tmp_path / "plain" / "python.exe"))  # a plain Python again
    assert "CONDA PATH" not in read_config(windows)
    assert install.conda_settings(tmp_path / "miniconda3") == {}  # no conda-meta there
    (tmp_path / "miniconda3" / "conda-meta").mkdir()
    assert install.conda_settings(tmp_path / "miniconda3")["CONDA ENV"] == "base"


def test_installing_again_keeps_the_other_settings(windows: Places) -> None:
    windows.config.parent.mkdir(parents=True)
    windows.config.write_text('"ONEDRIVE_CONSUMER_WIN","D:\\OneDrive"\n"INTERPRETER_WIN","C:\\old\\python.exe"\n')
    assert run("addin", "install")[0] == 0
    assert read_config(windows) == {"ONEDRIVE_CONSUMER_WIN": "D:\\OneDrive", "INTERPRETER_WIN": sys.executable,
                                    "ADD_WORKBOOK_TO_PYTHONPATH": "False"}
    assert run("addin", "uninstall")[0] == 0
    assert read_config(windows) == {"ONEDRIVE_CONSUMER_WIN": "D:\\OneDrive"}


def test_uninstall_removes_the_addin_and_its_settings(windows: Places) -> None:
    run("addin", "install")
    code, output = run("addin", "uninstall")
    assert code == 0, output
    assert not (windows.startup / ADDIN_FILE).exists()
    assert not windows.config.exists() and not windows.config.parent.exists()
    assert run("addin", "uninstall")[1].startswith(f"The add-in was not installed in {windows.startup}.")


def test_an_addin_in_use_is_a_plain_message(windows: Places, monkeypatch: pytest.MonkeyPatch) -> None:
    def in_use(*args: object) -> None:
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(install, "build", in_use)
    code, output = run("addin", "install")
    assert code == 1 and "Quit Excel and run custmgr addin install again." in output
    assert "Traceback" not in output


def test_install_uses_a_startup_folder_given(windows: Places, tmp_path: Path) -> None:
    code, _ = run("addin", "install", "--folder", str(tmp_path / "Startup"))
    assert code == 0 and (tmp_path / "Startup" / ADDIN_FILE).is_file()


def test_a_python_path_excel_cannot_read_is_refused_before_anything_is_installed(windows: Places) -> None:
    with pytest.raises(install.CustmgrError, match="plain letters"):
        install.install(windows, python="C:\\Users\\李\\python.exe")
    assert not windows.startup.exists() and not windows.config.exists()
