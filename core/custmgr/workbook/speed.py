"""Loading and saving a large workbook allocates millions of small objects that are never garbage; a full
collection would rescan them all (about 15% of an openpyxl load+save, a third of a 100,000-row first write)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (and restore it as it was)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
