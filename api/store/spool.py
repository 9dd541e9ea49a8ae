"""Large SPARQL answers on disk, sent as the client reads them.

An answer of up to ``max_answer_bytes`` (16 MiB by default) held in the service's memory
until a slow client has read it would let a few slow readers hold gigabytes. So a
worker writes an answer larger than :data:`api.store.frames.SPOOL_BYTES` (1 MiB) into this
folder instead of its pipe, and the service opens it, unlinks it at once (nothing is
left behind, even by a crash) and sends it in :data:`CHUNK` pieces, each when the
connection has taken the one before: a reader holds a chunk of memory, whatever it reads.

The folder is ``answers-{pid}-{random}`` in the store cache (one per store opened); one
left by a service that was killed is removed when the next one starts. While more than
:data:`SPOOL_LIMIT` bytes are being sent, new answers are held to 1 MiB (cut and flagged
as any answer past a limit), so disk use is bounded too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

from pipelines.processes import running

SPOOL_LIMIT = 1024 * 1024 * 1024  # bytes of answers being sent from disk at once
CHUNK = 64 * 1024


class Spool:
    def __init__(self, root: Path, limit: int = SPOOL_LIMIT):
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        for old in root.glob("answers-*-*"):  # left by a service that was killed
            pid = old.name.split("-")[1]
            if pid.isdigit() and int(pid) != os.getpid() and not running(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        self.folder = Path(tempfile.mkdtemp(prefix=f"answers-{os.getpid()}-", dir=root))
        self.limit = limit
        self.outstanding = 0  # bytes of answers open for sending

    def room(self) -> bool:
        """Whether another large answer may be written now."""
        return self.outstanding < self.limit

    def take(self, name: str) -> tuple[object, int]:
        """Open the answer a worker wrote as ``name``, unlink it, and count it until it is sent."""
        path = self.folder / Path(name).name  # a name in this folder, nothing else
        fh = open(path, "rb")  # noqa: SIM115 - the response that sends it closes it
        with contextlib.suppress(OSError):
            path.unlink()
        size = os.fstat(fh.fileno()).st_size
        self.outstanding += size
        return fh, size

    async def send(self, fh, size: int) -> AsyncIterator[bytes]:
        """The answer's bytes, chunk by chunk; the file is closed when they are sent or the client left."""
        try:
            while True:
                chunk = fh.read(CHUNK)  # from the page cache: the worker wrote it just now
                if not chunk:
                    return
                yield chunk
        finally:
            fh.close()
            self.outstanding -= size

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
