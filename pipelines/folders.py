"""Release folders on disk: a new one takes the place of the old in one step, and what
killed builds left behind is removed by the next.

A build writes its release into a temporary sibling of the target folder and,
once every check has passed, puts it in place. On Linux that is one
``renameat2(2)`` with ``RENAME_EXCHANGE`` (Linux 3.15, glibc 2.28;
https://man7.org/linux/man-pages/man2/rename.2.html): the two folders swap names
atomically, so a reader or a ``kill -9`` never sees the target missing. The old
release is then under the temporary name, and is removed.

Temporary names carry the builder's process id, so that a later build can tell
a folder of a build that still runs from one that a ``kill -9`` left behind:

* ``.{target}.building-{pid}``: the release being written (after the swap: the old one);
* ``.{target}.building-{pid}.tables``: the tables' check package beside it;
* ``.{target}.old-{pid}``: the old release, where the swap is two renames;
* ``.{link}-{pid}``: a link being made, then renamed over ``{link}`` (``latest``).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import re
import shutil
import sys
from pathlib import Path

from .processes import running

AT_FDCWD = -100  # <fcntl.h>: paths relative to the current directory
RENAME_EXCHANGE = 2  # <linux/fs.h>: swap the two names
_TEMPORARY = re.compile(r"^\.(?P<target>.+)\.(?:building|old)-(?P<pid>[0-9]+)(?:\.tables)?$")
_LINK = re.compile(r"^\.(?P<target>latest)-(?P<pid>[0-9]+)$")


def building_folder(target: Path) -> Path:
    """The folder this process writes a release of ``target`` into."""
    return target.parent / f".{target.name}.building-{os.getpid()}"


def tables_folder(building: Path) -> Path:
    """The check package beside a building folder (outside it: it is not released)."""
    return building.parent / f"{building.name}.tables"


def link_being_made(link: Path) -> Path:
    """The name this process makes ``link`` under, before renaming it into place."""
    return link.parent / f".{link.name}-{os.getpid()}"


def remove_stale(parent: Path, target: str | None = None) -> list[str]:
    """Remove the temporary folders and links in ``parent`` whose build no longer runs.

    Only those of a build of ``target`` (a folder name), or of any target in a
    folder of releases (``target`` None). A process id that runs again (reused by
    another process) keeps its folder: never removing a live build's matters more.
    Returns the names removed.
    """
    removed = []
    for path in sorted(parent.iterdir()) if parent.is_dir() else []:
        found = _TEMPORARY.match(path.name) or (_LINK.match(path.name) if target is None else None)
        if not found or (target is not None and found["target"] != target):
            continue
        if running(int(found["pid"])):
            continue
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed


@functools.cache
def _renameat2():
    """libc's ``renameat2``, or None where there is none (not Linux, or an old libc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


def exchange(a: Path, b: Path) -> bool:
    """Swap the names of two existing paths atomically; False, doing nothing, where the
    system cannot (no ``renameat2``, a kernel before 3.15, a filesystem without exchange)."""
    fn = _renameat2()
    if fn is None:
        return False
    if fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    # ENOSYS: no such system call; EINVAL: the filesystem does not support the flag
    # (what else gives EINVAL, one path inside the other, does not happen here)
    if err in (errno.ENOSYS, errno.EINVAL):
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def sync_tree(folder: Path) -> None:
    """Flush every file and folder under ``folder`` to disk (``fsync``), so that a folder put in
    place afterwards is whole even after a power cut, not only after a ``kill -9``."""
    for root, _, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        sync_folder(Path(root))


def sync_folder(folder: Path) -> None:
    """Flush a folder's entries (names made, renamed or removed in it) to disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def discard_folder(folder: Path) -> None:
    """Remove ``folder``: renamed first to a temporary name, so that a ``kill -9`` while it is
    being deleted leaves a stale folder the next build removes, never a part of a release."""
    old = folder.parent / f".{folder.name}.old-{os.getpid()}"
    folder.rename(old)
    shutil.rmtree(old, ignore_errors=True)


def replace_folder(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target``, and remove what was at ``target``.

    Where :func:`exchange` works (Linux) ``target`` never stops existing: if the
    process is killed after the swap, the old release is left under ``new``'s
    name, a stale build folder that the next build removes. Elsewhere this falls
    back to two renames, with a moment between them when ``target`` is missing
    (the second is undone if it fails, so the old release is never lost).
    """
    if not os.path.lexists(target):
        new.rename(target)
        return
    if exchange(new, target):
        shutil.rmtree(new, ignore_errors=True)  # the old release, now under the temporary name
        return
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    target.rename(old)
    try:
        new.rename(target)
    except OSError:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)
