"""Child processes of a build end with it, and whether a process still runs.

A build forks workers (the checks, the XLSX copy, YAML parsing) and starts the
store loader (``api.store``). Killed with SIGKILL, the build cannot stop them,
and they would run on for minutes, holding memory and cores. So each child, as
its first step, asks the kernel to send it SIGKILL when its parent dies:
``prctl(PR_SET_PDEATHSIG, SIGKILL)`` (Linux;
https://man7.org/linux/man-pages/man2/prctl.2.html). The parent may have died
before that call, so the child then checks that its parent is still the one
that started it, and exits if not.

The signal follows the parent *thread* that forked the child: start children
from a thread that outlives them (here, the thread that also waits for them).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """In a child of ``parent``: be killed when it dies; exit at once if it already has.

    Use it as a pool's ``initializer`` or as the first step of a child's main.
    Where there is no ``prctl`` (not Linux) only the check is done.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0),
                      ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"prctl(PR_SET_PDEATHSIG): {os.strerror(err)}")
    if os.getppid() != parent:  # the parent died before the kernel was asked
        os._exit(1)


def running(pid: int) -> bool:
    """Whether the process ``pid`` still runs (a zombie does not: it has ended, unreaped)."""
    if pid <= 0:  # not a process: os.kill would signal a group
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):  # no /proc here: os.kill is all there is to know
        return True
    return state not in ("Z", "X")


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while a build holds millions of objects.

    A build allocates millions of tuples and lists that live to its end; each full
    collection walks all of them again, which cost a quarter of a 10k-case build.
    The records and triples hold no reference cycles, so nothing is lost by not
    looking for them; reference counting still frees everything as usual.
    Forked workers turn the collector back on for their own, short-lived objects
    (:func:`worker_collector`).
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


_WORKER_READY: list[int] = []


def worker_collector() -> None:
    """In a forked worker, once: leave the inherited objects out of collections, collect the rest.

    Only once per process: freezing again later would also freeze the previous
    job's uncollected garbage (rdflib graphs hold cycles), which then lives on.
    Also lower the worker's priority: the main process writes the RDF, the
    longest chain of work in a build; the checks in the workers can wait for a
    free core, and take both once the main process is done.
    """
    if os.getpid() in _WORKER_READY:
        return
    _WORKER_READY.append(os.getpid())
    gc.freeze()
    gc.enable()
    with contextlib.suppress(OSError):  # not allowed here: run at the same priority
        os.nice(5)
