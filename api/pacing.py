"""Background work that leaves the interpreter to the requests: a thread that runs at a duty cycle.

Opening a release (its tables, views and indexes: seconds of Python at 10k cases) runs in a
thread of the serving process, and Python runs one thread at a time: a thread that wants the
interpreter gets it at the next switch interval (5 ms), so an opening thread and the event loop
share it half and half, and lookups ran at 0.43-0.54 of their rate at rest while a release was
opened (``bench/switch_bench.py``). :func:`paced` makes the opening thread step aside: a profile
hook, set for that thread only (:func:`sys.setprofile`), counts the thread's calls and, once it
has run :data:`SLICE` seconds, sleeps long enough that it holds the interpreter ``duty`` of the
time -- but only while requests are arriving (``busy``), so an idle service opens at full speed.
A long call into C code that makes no Python call is not cut (it runs as before).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SLICE = 0.002  # seconds the thread runs before it may have to step aside
CHECK_EVERY = 64  # profile events between looks at the clock (a hashing loop makes few: one per chunk)


@contextmanager
def paced(duty: float, busy: Callable[[], bool]) -> Iterator[None]:
    """Run the body in this thread at most ``duty`` (0-1] of the time while ``busy()`` says so."""
    if duty >= 1:
        yield
        return
    rest = SLICE * (1 - duty) / duty
    clock = time.perf_counter
    state = {"n": 0, "since": clock()}

    def hook(frame, event, arg) -> None:
        state["n"] += 1
        if state["n"] < CHECK_EVERY:
            return
        state["n"] = 0
        now = clock()
        if now - state["since"] >= SLICE:
            if busy():
                time.sleep(rest)
            state["since"] = clock()

    previous = sys.getprofile()
    sys.setprofile(hook)
    try:
        yield
    finally:
        sys.setprofile(previous)
