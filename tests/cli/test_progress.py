"""On a terminal the command line says what it is doing, step by step; piped or with --json it says nothing more."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from workbooks import paired, set_cells

CUSTMGR = [sys.executable, "-c", "from custmgr.cli import main; main()"]
STEPS = ("Reading the workbook…", "Asking QuickBooks for its contacts…", "Saving the workbook…")


def sync_on_a_terminal(book: Path, *args: str) -> tuple[str, str]:
    """Run ``custmgr sync BOOK ARGS`` with stderr on a pseudo-terminal: (stdout, what the terminal showed)."""
    leader, follower = pty.openpty()
    try:
        done = subprocess.run([*CUSTMGR, "sync", str(book), *args], stdout=subprocess.PIPE,
                              stderr=follower, text=True, timeout=120, check=True)
        os.close(follower)
        follower = -1
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is closed and read to the end
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    return done.stdout, shown.decode("utf-8", "replace")


@pytest.fixture
def book(tmp_path: Path) -> Path:
    book, _ = paired(tmp_path)
    set_cells(book, "Café Société", Phone="(617) 555-0000")
    return book


def test_each_step_is_named_on_a_terminal(book: Path) -> None:
    out, shown = sync_on_a_terminal(book)
    assert all(step in shown for step in STEPS), shown
    assert "Sending changes to QuickBooks" in shown and "changes sent to QuickBooks" in out
    assert not any(step in out for step in STEPS)  # the summary on stdout stays clean


def test_json_output_shows_no_steps(book: Path) -> None:
    out, shown = sync_on_a_terminal(book, "--json")
    assert out.startswith("{") and not any(step in shown for step in STEPS)


def test_nothing_extra_when_stderr_is_not_a_terminal(book: Path) -> None:
    done = subprocess.run([*CUSTMGR, "sync", str(book)], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stderr == "" and "changes sent to QuickBooks" in done.stdout
