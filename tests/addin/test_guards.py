"""The click's guards on their own: the QuickBooks watchdog's clock, and the one-click-at-a-time lock."""

from __future__ import annotations

import os
import time

import pytest

from custmgr.errors import CustmgrError
from custmgr_excel import guards


def watchdog(timeout: float) -> tuple[guards.Watchdog, list[str]]:
    fired: list[str] = []
    return guards.Watchdog(timeout, lambda s: f"after {s}", fired.append).start(), fired


def wait_for(fired: list[str], seconds: float = 5.0) -> list[str]:
    end = time.monotonic() + seconds
    while not fired and time.monotonic() < end:
        time.sleep(0.02)
    return fired


def test_the_watchdog_fires_when_nothing_happens_for_its_timeout() -> None:
    dog, fired = watchdog(0.1)
    assert wait_for(fired) == ["after 0.1"] and dog.expired


def test_progress_keeps_the_watchdog_quiet() -> None:
    dog, fired = watchdog(1.0)
    for _ in range(15):
        time.sleep(0.1)
        dog.beat()
    dog.stop()
    assert fired == []


def test_a_paused_watchdog_waits_and_starts_afresh_when_resumed() -> None:
    dog, fired = watchdog(0.2)
    dog.pause()  # Excel is being written, or a message box is open
    time.sleep(0.6)
    assert fired == []
    dog.resume()
    assert wait_for(fired) == ["after 0.2"]


@pytest.mark.parametrize(("value", "seconds"), [("", 300.0), ("45", 45.0), ("0", 300.0), ("soon", 300.0)])
def test_the_timeout_comes_from_the_environment(value: str, seconds: float) -> None:
    assert guards.timeout_seconds({guards.TIMEOUT_VARIABLE: value}) == seconds


def test_the_lock_refuses_a_second_holder_and_is_released(tmp_path: object) -> None:
    name = f"{tmp_path}/book.xlsx"
    with guards.one_at_a_time(name, "book.xlsx"):
        assert guards.lock_path(name).read_text() == str(os.getpid())
        with pytest.raises(CustmgrError, match=r"still working on book\.xlsx"), \
                guards.one_at_a_time(name, "book.xlsx"):
            pass
    assert not guards.lock_path(name).exists()
