"""The workbook file on disk: a version saved by another program is never replaced, one command at a time, and
no temporary file is left behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest

from custmgr.errors import CustmgrError, WorkbookBusy
from custmgr.workbook.disk import (
    ChangedOnDisk,
    Fingerprint,
    SyncLock,
    SyncRunning,
    atomic_replace,
    check_unchanged,
    fingerprint,
    remove_stale_temporaries,
    temporary_prefix,
)
from custmgr.workbook.lossless import LosslessWorkbook
from custmgr.workbook.xlsx import XlsxWorkbook


def saved(tmp_path: Path, value: str = "x") -> Path:
    path = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Data"
    wb.active["A1"] = value
    wb.save(path)
    return path


def save_elsewhere(path: Path, value: str) -> None:
    """Another program (Excel, LibreOffice) saves the file: a new file renamed over it, as they do."""
    wb = openpyxl.load_workbook(path)
    wb["Data"]["A1"] = value
    tmp = path.with_name("other.tmp")
    wb.save(tmp)
    os.replace(tmp, path)


def test_a_fingerprint_is_a_frozen_value_of_the_file(tmp_path: Path) -> None:
    path = saved(tmp_path)
    fp = fingerprint(path)
    assert isinstance(fp, Fingerprint) and fp.size == path.stat().st_size and fp.inode == path.stat().st_ino
    assert fingerprint(path) == fp
    with pytest.raises(AttributeError):
        fp.size = 1  # type: ignore[misc]


def test_check_unchanged_looks_at_the_content(tmp_path: Path) -> None:
    path = saved(tmp_path)
    fp = fingerprint(path)
    check_unchanged(path, fp)
    data = path.read_bytes()
    os.utime(path, ns=(fp.mtime_ns + 5_000_000_000,) * 2)  # touched, same bytes: nothing to lose
    check_unchanged(path, fp)
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))  # same size and a byte changed
    os.utime(path, ns=(fp.mtime_ns,) * 2)
    with pytest.raises(ChangedOnDisk, match=r"book\.xlsx was saved by another program") as caught:
        check_unchanged(path, fp)
    assert isinstance(caught.value, CustmgrError)
    path.unlink()
    with pytest.raises(ChangedOnDisk, match="moved, renamed or deleted"):
        check_unchanged(path, fp)


FilePort = XlsxWorkbook | LosslessWorkbook


@pytest.fixture(params=[XlsxWorkbook, LosslessWorkbook], ids=["openpyxl", "lossless"])
def port(request: pytest.FixtureRequest) -> type[FilePort]:
    """Both file ports save through the same rules."""
    return request.param


def test_a_concurrent_save_is_not_overwritten_and_both_versions_are_kept(tmp_path: Path, port: type[FilePort]) -> None:
    path = saved(tmp_path, "original")
    book = port.open(path)
    book.write("Data", [["the sync's version"]])
    save_elsewhere(path, "edited in Excel")
    with pytest.raises(ChangedOnDisk, match=r"saved by another program.*kept as (book \(not saved [^)]*\)\.xlsx)"
                       ) as caught:
        book.save()
    assert openpyxl.load_workbook(path)["Data"]["A1"].value == "edited in Excel"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("book (not saved")]
    assert len(kept) == 1 and kept[0].name in str(caught.value)
    assert port.open(kept[0], writable=False).read("Data") == [["the sync's version"]]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~custmgr")]


def test_a_concurrent_save_is_found_before_anything_is_written(tmp_path: Path, port: type[FilePort]) -> None:
    path = saved(tmp_path)
    book = port.open(path)
    book.check_save()
    save_elsewhere(path, "edited")
    with pytest.raises(ChangedOnDisk):
        book.check_save()


def test_saving_twice_in_a_row_is_not_a_concurrent_save(tmp_path: Path, port: type[FilePort]) -> None:
    book = port.open(saved(tmp_path))
    book.write("Data", [["one"]])
    book.save()
    book.write("Data", [["two"]])
    book.save()
    assert port.open(book.path).read("Data") == [["two"]]


def test_atomic_replace_removes_its_temporary_on_failure(tmp_path: Path) -> None:
    path = saved(tmp_path)
    before = path.read_bytes()

    def fails(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        atomic_replace(path, fails, fingerprint(path))
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_atomic_replace_of_a_new_file_refuses_one_that_appeared(tmp_path: Path) -> None:
    path = saved(tmp_path)
    with pytest.raises(ChangedOnDisk, match="created by someone else"):
        atomic_replace(path, lambda tmp: tmp.write_bytes(b"new"), None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


# ---------------------------------------------------------------------------------------------- stale temporaries


def test_the_temporary_of_an_interrupted_save_is_removed(tmp_path: Path) -> None:
    path = saved(tmp_path)
    old = tmp_path / f"{temporary_prefix(path)}abc123.tmp"
    old.write_bytes(b"PK" + b"\0" * 1000)  # what a save killed half way leaves
    past = time.time() - 3600
    os.utime(old, (past, past))
    fresh = tmp_path / f"{temporary_prefix(path)}def456.tmp"
    fresh.write_bytes(b"being written right now")
    other = tmp_path / f"{temporary_prefix(tmp_path / 'other.xlsx')}x.tmp"
    other.write_bytes(b"another workbook's")
    os.utime(other, (past, past))
    assert remove_stale_temporaries(path) == [old]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["book.xlsx", fresh.name, other.name])


def test_holding_the_sync_lock_removes_every_temporary_of_that_workbook(tmp_path: Path) -> None:
    path = saved(tmp_path)
    leftover = tmp_path / f"{temporary_prefix(path)}abc123.tmp"
    leftover.write_bytes(b"PK")
    sibling = tmp_path / f"{temporary_prefix(path.with_suffix('.xlsm'))}abc123.tmp"  # book.xlsm saving now
    sibling.write_bytes(b"PK")
    with SyncLock(path):
        assert not leftover.exists() and sibling.exists()


def test_temporaries_named_the_old_way_are_removed_once_stale(tmp_path: Path) -> None:
    path = saved(tmp_path)
    old_style = tmp_path / ".~custmgr-book.abc123.tmp"
    old_style.write_bytes(b"PK")
    with SyncLock(path):
        assert old_style.exists()  # it might be book.xlsm's, being written
    past = time.time() - 3600
    os.utime(old_style, (past, past))
    with SyncLock(path):
        assert not old_style.exists()


# ---------------------------------------------------------------------------------------------- one at a time


def test_a_second_lock_on_the_same_workbook_is_refused_with_a_message(tmp_path: Path) -> None:
    path = saved(tmp_path)
    with SyncLock(path):
        with pytest.raises(SyncRunning, match=r"book\.xlsx is being synced by another .*since") as caught:
            SyncLock(path).acquire()
        assert isinstance(caught.value, WorkbookBusy)
    with SyncLock(path):  # released: free again
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.xlsx"]


def test_the_lock_of_a_killed_process_does_not_block(tmp_path: Path) -> None:
    path = saved(tmp_path)
    code = ("import sys, time; from custmgr.workbook.disk import SyncLock; "
            f"lock = SyncLock({str(path)!r}); lock.acquire(); print('locked', flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(SyncRunning, match="being synced by another Customer Manager command"):
            SyncLock(path).acquire()
    finally:
        child.kill()
        child.wait()
    assert (tmp_path / f".{path.name}.custmgr-lock").exists()  # left behind by the killed process
    with SyncLock(path):
        pass
