"""Once per process: the dashboard's modules imported with Python's cycle collector paused, and
everything they made then frozen (`gc.freeze`).

Importing pandas, DuckDB, pydantic and Koers makes a few hundred thousand objects that live as long
as the process. Left to the collector, they are scanned again at every full collection: on a fresh
process's first page that was two or three full collections while importing and running, ~150 ms
of a ~1.2 s first run, and every later full collection scans them once more. Frozen, they are left
out of every collection (they are never garbage); what the pages make afterwards is collected as
before. The practice of long-running Python servers (CPython's `gc.freeze` documentation).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_done = False


@contextmanager
def importing() -> Iterator[None]:
    """Around the dashboard's imports in `app.py`: the first time in a process, the collector is
    paused inside and what was made is frozen after; later (every rerun) nothing happens."""
    global _done
    if _done:
        yield
        return
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        _done = True
        if enabled:
            gc.enable()
