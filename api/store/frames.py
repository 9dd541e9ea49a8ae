"""The wire between the worker pool (:mod:`api.store.pool`) and a worker process
(:mod:`api.sparql.worker`).

The protocol between the service and a worker, on the worker's stdin and stdout:
frames of two 4-byte big-endian lengths (JSON header, body), the header, the body.
The first frame to a worker is its configuration; it answers ``{"ready": true}``.
Then jobs, each with an ``id``, which it runs in order and answers with that ``id``,
and ``{"cancel": id}`` for a job it should skip if it has not started it
(:class:`WorkerPool` queues short jobs on busy workers and takes them back when the
job ahead turns out slow).

Besides the pipes, each worker may share a page with the service (a memfd, the "board")
on which it writes the job it runs: (job id, monotonic start, job id), written in that
order and read backwards (a read is whole when the ids agree); the last id is negated
when the job is done.
"""

from __future__ import annotations

import collections
import os
import struct

FRAME = struct.Struct(">II")  # header length, body length
SPOOL_BYTES = 1024 * 1024  # answers larger than this go through api.store.spool's folder, not the pipe
JOB_ID = struct.Struct("<q")
JOB_START = struct.Struct("<d")
BOARD_SIZE = 24


def send_frame(stream, header: dict, body: bytes = b"") -> None:
    import orjson

    data = orjson.dumps(header)
    stream.write(FRAME.pack(len(data), len(body)) + data + body)
    stream.flush()


def cancel_frame(job_id: int) -> bytes:
    """The frame that tells a worker to skip job ``job_id`` if it has not started it."""
    data = b'{"cancel":%d}' % job_id
    return FRAME.pack(len(data), 0) + data


class Inbox:
    """The frames the service sends a worker: its configuration, jobs, and cancellations.

    Jobs are run in the order they came. Before each one the worker takes in whatever
    has arrived meanwhile, without waiting, so that a cancellation of a job still
    queued here (the service gave it to another worker) is seen before the job would
    start; the service always sends a job before its cancellation.
    """

    CHUNK = 1 << 16

    def __init__(self, fd: int):
        self.fd = fd
        os.set_blocking(fd, False)
        self.buffer = bytearray()
        self.jobs: collections.deque = collections.deque()
        self.closed = False

    def _fill(self, wait: bool) -> None:
        import select

        if wait:
            select.select([self.fd], [], [])
        while True:
            try:
                chunk = os.read(self.fd, self.CHUNK)
            except BlockingIOError:
                break
            except InterruptedError:
                continue
            if not chunk:
                self.closed = True
                break
            self.buffer += chunk
            if len(chunk) < self.CHUNK:
                break  # nothing more for now (one read spared)
        self._frames()

    def _frames(self) -> None:
        import orjson

        buf = self.buffer
        while len(buf) >= FRAME.size:
            size, body = FRAME.unpack_from(buf)
            end = FRAME.size + size + body
            if len(buf) < end:
                break
            header = orjson.loads(bytes(buf[FRAME.size:FRAME.size + size]))
            del buf[:end]
            if "cancel" in header:
                for job in self.jobs:
                    if job.get("id") == header["cancel"]:
                        self.jobs.remove(job)
                        break
            else:
                self.jobs.append(header)

    def next(self) -> dict | None:
        """The next job to run (the first frame: the configuration); None when the service closed."""
        if self.jobs:
            self._fill(wait=False)  # cancellations that came while the last job ran
        while not self.jobs:
            if self.closed:
                return None
            self._fill(wait=True)
        return self.jobs.popleft()
