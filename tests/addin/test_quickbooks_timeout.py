"""A QuickBooks that stops answering never holds Excel: for every connector the ribbon can use, a click whose
QuickBooks hangs in the connector's own transport ends, in its own Python as RunPython starts it, with the
timeout message on stderr (xlwings shows it in a message box) and the workbook as it was before the click."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from custmgr_excel.guards import TIMEOUT_VARIABLE

HUNG_CLICK = Path(__file__).parent / "excel" / "hung_click.py"
NEVER = 120  # seconds: a click still running by then hangs Excel


@pytest.mark.parametrize("connector", ["sandbox", "qbd", "qbo", "iif"])
def test_a_hung_quickbooks_ends_the_click_with_a_message_and_the_workbook_unchanged(tmp_path: Path,
                                                                                   connector: str) -> None:
    env = {**os.environ, TIMEOUT_VARIABLE: "1", "CUSTMGR_LOG_DIR": str(tmp_path / "logs"),
           "CUSTMGR_QBO_CACHE_DIR": str(tmp_path / "qbo-cache")}
    start = time.monotonic()
    done = subprocess.run([sys.executable, str(HUNG_CLICK), connector, str(tmp_path)], env=env, capture_output=True,
                          text=True, timeout=NEVER, stdin=subprocess.DEVNULL)
    seconds = time.monotonic() - start
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr.startswith("QuickBooks has not answered for 1 second, so Customer Manager stopped waiting. "
                                  "Nothing was changed in this workbook."), done.stderr
    assert "Traceback" not in done.stderr
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["at_exit"] == state["before"]  # nothing written to the workbook, nothing saved
    assert seconds < NEVER / 2
